// A materialized view's output stream read with the AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis),
// as an application downstream of weir would read it (docs/views.md "Its rows"). node-postgres (`pg`)
// creates the table and the view: JSON events {id, event, value, event_time} counted per id in hop windows
// of 10 minutes every 5 minutes with a 15-minute watermark delay (the pipeline of issue 4; the Python side
// is tests/e2e/test_view_windows.py). The SDK writes the events, out of order within the delay, then one
// far-future record per shard, which closes every window; then it reads every shard of the 2-shard output
// stream: each record is one row (the view's columns, timestamps in to_json's form), its partition key is
// the id, and the records are exactly the rows of the same SELECT run in batch, each once.
// Weir-only (TARGET=kinesalite: SKIP). Prints PASS/FAIL/SKIP and "N passed, N failed".
import {
  KinesisClient, CreateStreamCommand, DescribeStreamSummaryCommand, GetRecordsCommand,
  GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import pg from 'pg'
import { Failure, check, runTest, sleep, startWeir, stopWeir } from './weirserver.mjs'

const BASE = Date.parse('2024-05-01T10:00:00Z')
const MIN = 60000

async function readStream (k, name) {
  const out = []
  const shards = (await k.send(new ListShardsCommand({ StreamName: name }))).Shards
  for (const sh of shards) {
    let it = (await k.send(new GetShardIteratorCommand({ StreamName: name, ShardId: sh.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator
    for (let i = 0; i < 1000 && it; i++) {
      const r = await k.send(new GetRecordsCommand({ ShardIterator: it }))
      for (const rec of r.Records) out.push({ shard: sh.ShardId, key: rec.PartitionKey, row: JSON.parse(Buffer.from(rec.Data).toString('utf8')) })
      if (r.Records.length === 0 && (r.MillisBehindLatest ?? 0) === 0) break
      it = r.NextShardIterator
    }
  }
  return out
}

// one row as a comparable string: id, window bounds in milliseconds, count
const rowKey = (id, ws, we, n) => `${Number(id)}|${ws}|${we}|${Number(n)}`

async function run () {
  const w = await startWeir('vout', { pg: true })
  let err = null
  const db = new pg.Client({ host: '127.0.0.1', port: w.pgPort, user: 'postgres', database: 'weir' })
  try {
    const k = new KinesisClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${w.port}`, maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDWEIRVIEWOUT00000', secretAccessKey: 'view-out-secret' } })
    await db.connect()
    await k.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }))
    for (let i = 0; i < 200; i++) {
      const s = await k.send(new DescribeStreamSummaryCommand({ StreamName: 'events' }))
      if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break
      await sleep(50)
    }
    await db.query(`CREATE TABLE events (id bigint, event text, value bigint, event_time timestamptz)
      WITH (stream = 'events', format = 'json', event_time = 'event_time', watermark_delay = '15 minutes')`)
    const q = `SELECT id, window_start, window_end, count(*) AS events
      FROM hop(%s, event_time, interval '5 minutes', interval '10 minutes') GROUP BY id, window_start, window_end`
    await db.query(`CREATE MATERIALIZED VIEW id_counts WITH (start = 'earliest', output_stream = 'id_counts',
      output_shards = '2', partition_key = 'id', checkpoint_interval = '100 milliseconds') AS ${q.replace('%s', 'events')}`)
    // 1,500 events about 20 s of event time apart (8 hours), each up to 12 minutes older than the newest
    const EVENTS = ['view', 'click', 'cart', 'buy']
    const evs = []
    for (let i = 0; i < 1500; i++) {
      const t = BASE + i * 20000 - ((i * 7919) % 13) * MIN
      evs.push({ id: (i * 31) % 9 + 1, event: EVENTS[i % 4], value: i % 97, event_time: new Date(t).toISOString() })
    }
    for (let lo = 0; lo < evs.length; lo += 500) {
      const r = await k.send(new PutRecordsCommand({ StreamName: 'events',
        Records: evs.slice(lo, lo + 500).map((e) => ({ Data: Buffer.from(JSON.stringify(e)), PartitionKey: String(e.id) })) }))
      check(!r.FailedRecordCount, `PutRecords: ${r.FailedRecordCount} failed`)
    }
    const flush = { id: 0, event: 'flush', value: 0, event_time: new Date(BASE + 2 * 86400000).toISOString() }
    const r = await k.send(new PutRecordsCommand({ StreamName: 'events',
      Records: ['0', (1n << 127n).toString()].map((h) => ({ Data: Buffer.from(JSON.stringify(flush)), PartitionKey: 'flush', ExplicitHashKey: h })) }))
    check(!r.FailedRecordCount, 'flush records')
    const batch = (await db.query(q.replace('%s', "(SELECT * FROM events WHERE event <> 'flush')"))).rows
      .map((x) => rowKey(x.id, x.window_start.getTime(), x.window_end.getTime(), x.events)).sort()
    check(batch.length > 500, `batch rows: ${batch.length}`)
    let got = []
    let recs = []
    for (let i = 0; i < 300; i++) {
      recs = await readStream(k, 'id_counts')
      got = recs.map(({ row }) => rowKey(row.id, Date.parse(row.window_start), Date.parse(row.window_end), row.events)).sort()
      if (got.length >= batch.length) break
      await sleep(100)
    }
    check(JSON.stringify(got) === JSON.stringify(batch),
      `output stream (${got.length} records) vs batch (${batch.length} rows); first difference: ` +
      `${got.find((x, i) => x !== batch[i])} / ${batch.find((x, i) => x !== got[i])}`)
    check(new Set(recs.map((x) => x.shard)).size === 2, 'records in both shards of the output stream')
    for (const { key, row } of recs) {
      check(key === String(row.id), `partition key ${key} for id ${row.id}`)
      check(JSON.stringify(Object.keys(row)) === '["id","window_start","window_end","events"]', `columns ${Object.keys(row)}`)
      check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/.test(row.window_start), `to_json form: ${row.window_start}`)
    }
    const show = (await db.query('SHOW MATERIALIZED VIEWS')).rows[0]
    check(show.status === 'running' && Number(show.late_rows) === 0, `SHOW: ${JSON.stringify(show)}`)
  } catch (e) { err = e }
  try { await db.end() } catch {}
  const problems = await stopWeir(w)
  if (err) problems.unshift(err.stack || String(err))
  return problems
}

runTest('view_output_stream_read_with_aws_sdk_js', 'continuous queries', run)
