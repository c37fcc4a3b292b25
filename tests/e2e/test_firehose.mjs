// Delivery streams through the AWS SDK for JavaScript v3 (@aws-sdk/client-firehose), unchanged, against a
// real weir server: CreateDeliveryStream (DirectPut, GZIP, newline delimiter, a custom prefix with a
// timestamp expression, tags), DescribeDeliveryStream (the SDK's own parsing of the shape: status,
// VersionId, CreateTimestamp as a Date, the destination description), ListDeliveryStreams,
// PutRecord/PutRecordBatch with Uint8Array data, the objects read back from the warehouse directory and
// gunzipped (exact bytes), UpdateDestination (version checked: ConcurrentModificationException), tags,
// errors as the SDK's typed exceptions, DeleteDeliveryStream. Prints PASS/FAIL and "N passed, N failed".
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import {
  FirehoseClient, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand,
  PutRecordCommand, PutRecordBatchCommand, UpdateDestinationCommand, TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand, ListTagsForDeliveryStreamCommand, DeleteDeliveryStreamCommand,
} from '@aws-sdk/client-firehose'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const WEIR_BIN = process.env.WEIR_BIN || path.join(REPO, 'build', 'debug', 'weir')
const SANITIZER = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer']

class Failure extends Error {}
function check (cond, msg) { if (!cond) throw new Failure(msg) }
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
}

function listening (port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

async function startWeir () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-fhjs-'))
  const w = { dir, data: path.join(dir, 'data'), log: path.join(dir, 'server.log'), port: await freePort() }
  const fd = fs.openSync(w.log, 'a')
  w.proc = spawn(WEIR_BIN, ['server', '--data', w.data, '--listen', `127.0.0.1:${w.port}`, '--pg-listen', 'none'],
    { stdio: ['ignore', fd, fd], cwd: REPO })
  fs.closeSync(fd)
  w.exited = new Promise((resolve) => w.proc.once('exit', (code, sig) => resolve(code ?? `signal ${sig}`)))
  for (let i = 0; i < 600; i++) {
    if (await listening(w.port)) return w
    await sleep(50)
  }
  throw new Failure(`weir not listening after 30 s:\n${fs.readFileSync(w.log, 'utf8')}`)
}

async function stopWeir (w) {
  const problems = []
  process.kill(w.proc.pid, 'SIGTERM')
  const kill = setTimeout(() => { try { process.kill(w.proc.pid, 'SIGKILL') } catch {} }, 30000)
  const code = await w.exited
  clearTimeout(kill)
  const log = fs.readFileSync(w.log, 'utf8')
  if (code !== 0) problems.push(`weir exited ${code} after SIGTERM:\n${log.slice(-3000)}`)
  const m = SANITIZER.find((s) => log.includes(s))
  if (m) problems.push(`sanitizer report:\n${log.slice(Math.max(0, log.indexOf(m) - 200), log.indexOf(m) + 3000)}`)
  fs.rmSync(w.dir, { recursive: true, force: true })
  return problems
}

// every object key under a bucket of the warehouse (temporary files of a put in progress left out)
function objects (w, bucket) {
  const root = path.join(w.data, 'warehouse', bucket)
  const out = []
  const walk = (d) => {
    if (!fs.existsSync(d)) return
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (!(e.name.startsWith('.') && e.name.includes('.tmp-'))) out.push(path.relative(root, p))
    }
  }
  walk(root)
  return out.sort()
}

async function expectError (name, p) {
  try { await p } catch (e) {
    check(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`)
    return e
  }
  throw new Failure(`expected ${name}`)
}

async function run () {
  const w = await startWeir()
  let err = null
  try {
    const f = new FirehoseClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${w.port}`, maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDWEIRFHJS00000000', secretAccessKey: 'fh-js-secret' } })
    const created = await f.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'js-events',
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::js-lake',
        Prefix: 'events/day=!{timestamp:yyyy-MM-dd}/',
        ErrorOutputPrefix: 'errors/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 },
        CompressionFormat: 'GZIP',
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      },
      Tags: [{ Key: 'team', Value: 'web' }],
    }))
    check(created.DeliveryStreamARN === 'arn:aws:firehose:us-east-1:000000000000:deliverystream/js-events',
      `ARN ${created.DeliveryStreamARN}`)
    let d
    for (let i = 0; i < 300; i++) {
      d = (await f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))).DeliveryStreamDescription
      if (d.DeliveryStreamStatus === 'ACTIVE') break
      await sleep(50)
    }
    check(d.DeliveryStreamStatus === 'ACTIVE', `status ${d.DeliveryStreamStatus}`)
    check(d.VersionId === '1', `VersionId ${d.VersionId}`)
    check(d.CreateTimestamp instanceof Date && Math.abs(d.CreateTimestamp - Date.now()) < 60000,
      `CreateTimestamp ${d.CreateTimestamp}`)
    const ext = d.Destinations[0].ExtendedS3DestinationDescription
    check(d.Destinations[0].DestinationId === 'destinationId-000000000001', 'destination id')
    check(ext.CompressionFormat === 'GZIP' && ext.Prefix === 'events/day=!{timestamp:yyyy-MM-dd}/', JSON.stringify(ext))
    const list = await f.send(new ListDeliveryStreamsCommand({}))
    check(JSON.stringify(list.DeliveryStreamNames) === '["js-events"]' && list.HasMoreDeliveryStreams === false,
      JSON.stringify(list))

    const lines = []
    const one = await f.send(new PutRecordCommand({ DeliveryStreamName: 'js-events',
      Record: { Data: new TextEncoder().encode('{"n":0}') } }))
    check(typeof one.RecordId === 'string' && one.RecordId.length > 0, 'RecordId')
    lines.push('{"n":0}')
    for (let lo = 1; lo < 1200; lo += 400) {
      const recs = []
      for (let i = lo; i < lo + 400; i++) {
        const s = JSON.stringify({ n: i, v: 'x'.repeat(i % 17) })
        lines.push(s)
        recs.push({ Data: Buffer.from(s) })
      }
      const r = await f.send(new PutRecordBatchCommand({ DeliveryStreamName: 'js-events', Records: recs }))
      check(r.FailedPutCount === 0 && r.RequestResponses.length === 400, `PutRecordBatch ${r.FailedPutCount}`)
    }
    const want = lines.join('\n') + '\n'
    const day = new Date().toISOString().slice(0, 10)
    let got = ''
    for (let i = 0; i < 300; i++) {
      const keys = objects(w, 'js-lake')
      got = keys.map((k) => zlib.gunzipSync(fs.readFileSync(path.join(w.data, 'warehouse', 'js-lake', k))).toString()).join('')
      if (got.length >= want.length) {
        for (const k of keys) {
          check(k.startsWith(`events/day=${day}/js-events-1-`) && k.endsWith('.gz'), `key ${k}`)
        }
        break
      }
      await sleep(100)
    }
    check(got === want, `delivered ${got.length} bytes, want ${want.length}`)

    await expectError('ConcurrentModificationException', f.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'js-events', CurrentDeliveryStreamVersionId: '5', DestinationId: 'destinationId-000000000001',
      ExtendedS3DestinationUpdate: { CompressionFormat: 'UNCOMPRESSED' } })))
    await f.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'js-events', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001',
      ExtendedS3DestinationUpdate: { CompressionFormat: 'UNCOMPRESSED' } }))
    d = (await f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))).DeliveryStreamDescription
    check(d.VersionId === '2' && d.Destinations[0].ExtendedS3DestinationDescription.CompressionFormat === 'UNCOMPRESSED',
      `after update: ${d.VersionId}`)

    await f.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'js-events', Tags: [{ Key: 'env', Value: 'test' }] }))
    await f.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'js-events', TagKeys: ['team'] }))
    const tags = await f.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))
    check(JSON.stringify(tags.Tags) === '[{"Key":"env","Value":"test"}]' && tags.HasMoreTags === false, JSON.stringify(tags))

    await expectError('ResourceNotFoundException', f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' })))
    await expectError('ResourceInUseException', f.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'js-events',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::js-lake' } })))
    await expectError('InvalidArgumentException', f.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::B' } })))
    await f.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))
    await expectError('ResourceNotFoundException', f.send(new PutRecordCommand({ DeliveryStreamName: 'js-events',
      Record: { Data: Buffer.from('x') } })))
  } catch (e) { err = e }
  const problems = await stopWeir(w)
  if (err) problems.unshift(err.stack || String(err))
  return problems
}

async function main () {
  const name = 'firehose_with_aws_sdk_js'
  if ((process.env.TARGET || 'weir') === 'kinesalite') {
    console.log(`SKIP ${name} (weir-only: the Firehose API)`)
    console.log('0 passed, 0 failed')
    return
  }
  if (!fs.existsSync(WEIR_BIN)) {
    console.log(`FAIL setup: WEIR_BIN ${WEIR_BIN} does not exist`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
  const t0 = Date.now()
  const problems = await run()
  const dt = ((Date.now() - t0) / 1000).toFixed(1)
  if (problems.length) console.log(`FAIL ${name} (${dt}s)\n  ${problems.join('\n').replace(/\n/g, '\n  ')}`)
  else console.log(`PASS ${name} (${dt}s)`)
  console.log(`${problems.length ? 0 : 1} passed, ${problems.length ? 1 : 0} failed`)
  process.exit(problems.length ? 1 : 0)
}
main().catch((e) => { console.log(`FAIL harness: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exit(1) })
