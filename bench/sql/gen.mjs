// bench/sql/gen.mjs: the SQL benchmark's data (see bench/README.md, "SQL over streams").
//
//   node bench/sql/gen.mjs ndjson --records N --out FILE [--seed S]
//       N clickstream records, one JSON object per line (about 127 bytes each), from a fixed-seed PRNG
//       (mulberry32), so every run and machine writes the same bytes. Fields: user_id (1..1,000,000,
//       skewed towards small ids so the top 10 are clear), url (5,000 products and a few pages), country
//       (20 codes, skewed), device (3), status (mostly 200), bytes (0..99,999) and ts (ISO 8601 UTC with
//       seconds, spread evenly over 2024-03-31, so counts per minute have 1,440 groups).
//   node bench/sql/gen.mjs countries --out FILE
//       the reference table for the join: code,name,region as CSV without a header (20 rows).
//   node bench/sql/gen.mjs put --endpoint http://127.0.0.1:PORT --stream S --shards K --file FILE [--conns C]
//       CreateStream (K shards), wait until ACTIVE, then send every line of FILE as one record through
//       PutRecords of 500 records over C keep-alive HTTP/1.1 connections (partition key: the user_id),
//       re-sending entries the answer reports as failed. Prints records/s; exits 1 on an HTTP error.
//       --no-create 1: the stream exists already (made by the caller); only wait until it is ACTIVE.
//       The Authorization header has SigV4's shape with a dummy signature (weir does not verify it).
import fs from 'node:fs'
import http from 'node:http'
import readline from 'node:readline'

const COUNTRIES = [
  ['US', 'United States', 'Americas'], ['DE', 'Germany', 'Europe'], ['GB', 'United Kingdom', 'Europe'],
  ['FR', 'France', 'Europe'], ['JP', 'Japan', 'Asia'], ['IN', 'India', 'Asia'], ['BR', 'Brazil', 'Americas'],
  ['CA', 'Canada', 'Americas'], ['KR', 'South Korea', 'Asia'], ['AU', 'Australia', 'Oceania'],
  ['ES', 'Spain', 'Europe'], ['IT', 'Italy', 'Europe'], ['MX', 'Mexico', 'Americas'], ['NL', 'Netherlands', 'Europe'],
  ['SE', 'Sweden', 'Europe'], ['NG', 'Nigeria', 'Africa'], ['ZA', 'South Africa', 'Africa'],
  ['ID', 'Indonesia', 'Asia'], ['PL', 'Poland', 'Europe'], ['NZ', 'New Zealand', 'Oceania']]
const PAGES = ['/', '/home', '/search', '/cart', '/checkout', '/login', '/help', '/about']
const DEVICES = ['mobile', 'desktop', 'tablet']
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 301, 302, 304, 404, 404, 500, 503, 429]
const DAY_START = Date.UTC(2024, 2, 31)

function args (argv) {
  const o = { _: [] }
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) o[argv[i].slice(2)] = argv[++i]
    else o._.push(argv[i])
  }
  return o
}

function mulberry32 (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function writeNdjson (n, out, seed) {
  const rnd = mulberry32(seed)
  const fd = fs.openSync(out, 'w')
  const step = 86400000 / n
  let buf = []
  let size = 0
  for (let i = 0; i < n; i++) {
    const r = rnd()
    const user = 1 + Math.floor(1000000 * r * r * r)
    const url = rnd() < 0.8 ? '/product/' + Math.floor(rnd() * 5000) : PAGES[Math.floor(rnd() * PAGES.length)]
    const c = rnd()
    const country = COUNTRIES[Math.floor(COUNTRIES.length * c * c)][0]
    const device = DEVICES[Math.floor(rnd() * 3)]
    const status = STATUSES[Math.floor(rnd() * STATUSES.length)]
    const bytes = Math.floor(rnd() * 100000)
    const ts = new Date(DAY_START + Math.floor(i * step + rnd() * step)).toISOString().slice(0, 19) + 'Z'
    const line = `{"user_id":${user},"url":"${url}","country":"${country}","device":"${device}","status":${status},"bytes":${bytes},"ts":"${ts}"}\n`
    buf.push(line)
    size += line.length
    if (size > (4 << 20)) {
      fs.writeSync(fd, buf.join(''))
      buf = []
      size = 0
    }
  }
  fs.writeSync(fd, buf.join(''))
  fs.closeSync(fd)
}

// ---- Kinesis over raw HTTP/1.1 ----
function amzDate () { return new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z') }

function call (agent, url, op, body) {
  return new Promise((resolve, reject) => {
    const d = amzDate()
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'Kinesis_20131202.' + op,
        'X-Amz-Date': d,
        Authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/${d.slice(0, 8)}/us-east-1/kinesis/aws4_request, ` +
          'SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=' + '0'.repeat(64),
        'Content-Length': Buffer.byteLength(body)
      }
    }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        if (res.statusCode !== 200) reject(new Error(`${op}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))
        else resolve(text ? JSON.parse(text) : {})
      })
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function put (o) {
  const url = o.endpoint
  const stream = o.stream
  const conns = Number(o.conns || 8)
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns })
  if (!('no-create' in o)) await call(agent, url, 'CreateStream', JSON.stringify({ StreamName: stream, ShardCount: Number(o.shards || 4) }))
  for (let i = 0; ; i++) {
    const s = await call(agent, url, 'DescribeStreamSummary', JSON.stringify({ StreamName: stream }))
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break
    if (i > 600) throw new Error('stream not ACTIVE')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const rl = readline.createInterface({ input: fs.createReadStream(o.file), crlfDelay: Infinity })
  const t0 = Date.now()
  let sent = 0
  let resent = 0
  const inflight = new Set()
  async function send (entries) {
    for (let attempt = 0; entries.length; attempt++) {
      if (attempt > 50) throw new Error('PutRecords keeps failing entries')
      const body = '{"StreamName":' + JSON.stringify(stream) + ',"Records":[' +
        entries.map((e) => `{"Data":"${e[1]}","PartitionKey":"${e[0]}"}`).join(',') + ']}'
      const r = await call(agent, url, 'PutRecords', body)
      if (!r.FailedRecordCount) break
      entries = entries.filter((e, i) => r.Records[i].ErrorCode)
      resent += entries.length
      await new Promise((resolve) => setTimeout(resolve, 20 * (attempt + 1)))
    }
  }
  let batch = []
  for await (const line of rl) {
    if (!line) continue
    const key = line.slice(11, line.indexOf(','))  // {"user_id":<digits>,
    batch.push([key, Buffer.from(line).toString('base64')])
    if (batch.length === 500) {
      const p = send(batch).then(() => inflight.delete(p))
      inflight.add(p)
      sent += batch.length
      batch = []
      if (inflight.size >= conns) await Promise.race(inflight)
    }
  }
  if (batch.length) { sent += batch.length; inflight.add(send(batch)) }
  await Promise.all(inflight)
  agent.destroy()
  const secs = (Date.now() - t0) / 1000
  console.log(`put ${sent} records in ${secs.toFixed(1)} s (${Math.round(sent / secs)} records/s, ${resent} re-sent)`)
}

const o = args(process.argv.slice(2))
const mode = o._[0]
if (mode === 'ndjson') {
  writeNdjson(Number(o.records || 10000000), o.out, Number(o.seed || 20240331))
} else if (mode === 'countries') {
  fs.writeFileSync(o.out, COUNTRIES.map((c) => c.join(',')).join('\n') + '\n')
} else if (mode === 'put') {
  put(o).catch((e) => { console.error('gen.mjs put: ' + e.message); process.exit(1) })
} else {
  console.error('usage: gen.mjs ndjson|countries|put [options] (see the comment at the top)')
  process.exit(2)
}
