// The AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis) against the server. Its default Kinesis
// client uses NodeHttp2Handler (checked here), i.e. HTTP/2 with prior knowledge (h2c) on http://
// endpoints, so these tests prove weir serves h2c and HTTP/1.1 on one port: the default client, an
// explicit NodeHttp2Handler and an explicit NodeHttpHandler (HTTP/1.1) each create a stream, put
// records, read them back, describe, hit an error and delete. Over h2 also: many concurrent streams on
// one connection, 1 MiB request and multi-MiB response bodies (flow control), and a raw node:http2
// session with hand-signed requests. Under TARGET=kinesalite (HTTP/1.1 only) the h2 tests are expected to
// fail and count as passed only if they do (XFAIL); one that succeeds there fails, because then the
// client was not speaking h2. Prints PASS/FAIL per test and "N passed, N failed".
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http2 from 'node:http2'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  KinesisClient, CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand,
  DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand,
  ListStreamsCommand, PutRecordCommand, PutRecordsCommand,
} from '@aws-sdk/client-kinesis'
import { NodeHttpHandler, NodeHttp2Handler } from '@smithy/node-http-handler'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true' // node 20 is what Debian ships
const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const TARGET = process.env.TARGET || 'weir'
const KINESALITE = TARGET === 'kinesalite'
// E2E_KINESALITE_H2=1: kinesalite behind an h2c relay (kinesalite_server.js --h2), so the h2 tests must pass
const KINESALITE_H2 = KINESALITE && !['', '0', undefined].includes(process.env.E2E_KINESALITE_H2)
const WEIR_BIN = process.env.WEIR_BIN || path.join(REPO, 'build', 'debug', 'weir')
const CREDS = { accessKeyId: 'AKIDWEIRJSTEST000000', secretAccessKey: 'js-secret' }
const REGION = 'us-east-1'
const SANITIZER = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer']

class Failure extends Error {}
function check (cond, msg) { if (!cond) throw new Failure(msg) }
function eq (got, want, what) {
  const g = JSON.stringify(got); const w = JSON.stringify(want)
  if (g !== w) throw new Failure(`${what}: expected ${w.slice(0, 400)}, got ${g.slice(0, 400)}`)
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
}

function portOpen (port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

class Server {
  constructor (name) {
    this.name = name
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-js-data-'))
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-js-log-'))
    this.logPath = path.join(this.logDir, 'server.log')
  }

  async start () {
    this.port = await freePort()
    const cmd = KINESALITE
      ? ['node', [path.join(HERE, 'kinesalite_server.js'), '--port', String(this.port), ...(KINESALITE_H2 ? ['--h2'] : [])]]
      : [WEIR_BIN, ['server', '--data', this.dataDir, '--listen', `127.0.0.1:${this.port}`]]
    const fd = fs.openSync(this.logPath, 'a')
    this.proc = spawn(cmd[0], cmd[1], { stdio: ['ignore', fd, fd], cwd: REPO })
    fs.closeSync(fd)
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, sig) => resolve(code ?? `signal ${sig}`)))
    this.exitCode = undefined
    this.exited.then((c) => { this.exitCode = c })
    const deadline = Date.now() + 60000
    while (Date.now() < deadline) {
      if (this.exitCode !== undefined) throw new Failure(`${this.name} exited ${this.exitCode} at startup:\n${this.log()}`)
      if (await portOpen(this.port)) return this
      await sleep(20)
    }
    throw new Failure(`${this.name} not listening on ${this.port} after 60 s:\n${this.log()}`)
  }

  log () { try { return fs.readFileSync(this.logPath, 'utf8') } catch { return '' } }
  get endpoint () { return `http://127.0.0.1:${this.port}` }

  async stop () {
    if (this.exitCode === undefined) {
      process.kill(this.proc.pid, 'SIGTERM')
      const t = setTimeout(() => { try { process.kill(this.proc.pid, 'SIGKILL') } catch {} }, 30000)
      await this.exited
      clearTimeout(t)
    }
    return this.exitCode
  }

  cleanup () {
    if (this.exitCode === undefined && this.proc) { try { process.kill(this.proc.pid, 'SIGKILL') } catch {} }
    fs.rmSync(this.dataDir, { recursive: true, force: true })
    fs.rmSync(this.logDir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------- clients
function defaultClient (srv) {
  return new KinesisClient({ region: REGION, endpoint: srv.endpoint, credentials: CREDS, maxAttempts: 1 })
}
function h2Client (srv, opts = {}) {
  return new KinesisClient({
    region: REGION, endpoint: srv.endpoint, credentials: CREDS, maxAttempts: 1,
    requestHandler: new NodeHttp2Handler({ requestTimeout: 20000, sessionTimeout: 30000, ...opts }),
  })
}
function h1Client (srv) {
  return new KinesisClient({
    region: REGION, endpoint: srv.endpoint, credentials: CREDS, maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ requestTimeout: 20000, connectionTimeout: 10000 }),
  })
}

async function waitActive (c, name) {
  for (let i = 0; i < 300; i++) {
    const s = await c.send(new DescribeStreamSummaryCommand({ StreamName: name }))
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return s.StreamDescriptionSummary
    await sleep(50)
  }
  throw new Failure(`stream ${name} never became ACTIVE`)
}

async function readShard (c, name, shardId) {
  let it = (await c.send(new GetShardIteratorCommand({ StreamName: name, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator
  const out = []
  for (let i = 0; i < 1000; i++) {
    const r = await c.send(new GetRecordsCommand({ ShardIterator: it }))
    out.push(...r.Records)
    if (!r.NextShardIterator) break
    if (r.Records.length === 0 && (r.MillisBehindLatest ?? 0) === 0) break
    it = r.NextShardIterator
  }
  return out
}

async function expectError (name, promise, what) {
  try {
    await promise
  } catch (e) {
    check(e.name === name, `${what}: expected ${name}, got ${e.name}: ${e.message}`)
    eq(e.$metadata?.httpStatusCode, 400, `${what}: HTTP status`)
    return e
  }
  throw new Failure(`${what}: expected ${name}, the call succeeded`)
}

// create, put, read back, describe, error, delete
async function fullFlow (c, name) {
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }))
  const sum = await waitActive(c, name)
  eq(sum.OpenShardCount, 2, 'OpenShardCount')
  check(/^arn:aws:kinesis:us-east-1:\d{12}:stream\//.test(sum.StreamARN), `StreamARN ${sum.StreamARN}`)
  check(sum.StreamCreationTimestamp instanceof Date, 'StreamCreationTimestamp is a Date')
  const entries = []
  for (let i = 0; i < 50; i++) {
    entries.push({ Data: crypto.randomBytes(1 + (i * 37) % 300), PartitionKey: `key-${i}-${crypto.randomBytes(4).toString('hex')}` })
  }
  const pr = await c.send(new PutRecordsCommand({ StreamName: name, Records: entries }))
  eq(pr.FailedRecordCount ?? 0, 0, 'FailedRecordCount')
  eq(pr.Records.length, 50, 'PutRecords result count')
  const one = await c.send(new PutRecordCommand({ StreamName: name, Data: Buffer.from('single'), PartitionKey: 'k', ExplicitHashKey: '0' }))
  eq(one.ShardId, 'shardId-000000000000', 'ExplicitHashKey 0 goes to shard 0')
  const want = new Map()
  pr.Records.forEach((r, i) => want.set(r.SequenceNumber, [r.ShardId, entries[i]]))
  want.set(one.SequenceNumber, [one.ShardId, { Data: Buffer.from('single'), PartitionKey: 'k' }])
  const shards = (await c.send(new ListShardsCommand({ StreamName: name }))).Shards
  eq(shards.map((s) => s.ShardId), ['shardId-000000000000', 'shardId-000000000001'], 'ListShards')
  let n = 0
  const t0 = Date.now()
  for (const s of shards) {
    const recs = await readShard(c, name, s.ShardId)
    let prev = -1n
    for (const r of recs) {
      const w = want.get(r.SequenceNumber)
      check(w, `unexpected record ${r.SequenceNumber}`)
      eq(w[0], s.ShardId, `shard of ${r.SequenceNumber}`)
      check(Buffer.from(r.Data).equals(Buffer.from(w[1].Data)), `data of ${r.SequenceNumber}`)
      eq(r.PartitionKey, w[1].PartitionKey, `partition key of ${r.SequenceNumber}`)
      check(BigInt(r.SequenceNumber) > prev, `sequence numbers increase in ${s.ShardId}`)
      prev = BigInt(r.SequenceNumber)
      check(r.ApproximateArrivalTimestamp instanceof Date && Math.abs(r.ApproximateArrivalTimestamp - t0) < 120000,
        `ApproximateArrivalTimestamp ${r.ApproximateArrivalTimestamp}`)
      n++
    }
  }
  eq(n, 51, 'records read back')
  const d = (await c.send(new DescribeStreamCommand({ StreamName: name }))).StreamDescription
  eq([d.StreamName, d.StreamStatus, d.Shards.length, d.HasMoreShards], [name, 'ACTIVE', 2, false], 'DescribeStream')
  check((await c.send(new ListStreamsCommand({}))).StreamNames.includes(name), 'ListStreams has the stream')
  await expectError('ResourceNotFoundException', c.send(new DescribeStreamSummaryCommand({ StreamName: `${name}-missing` })), 'unknown stream')
  await expectError('ResourceInUseException', c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })), 'duplicate stream')
  await c.send(new DeleteStreamCommand({ StreamName: name }))
  for (let i = 0; ; i++) {
    check(i < 300, 'stream not gone after DeleteStream')
    try { await c.send(new DescribeStreamSummaryCommand({ StreamName: name })) } catch (e) {
      if (e.name === 'ResourceNotFoundException') break
      throw e
    }
    await sleep(50)
  }
}

// ---------------------------------------------------------------- minimal SigV4 for raw h2 requests
function sigv4Headers (port, target, body) {
  const amzDate = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '')
  const day = amzDate.slice(0, 8)
  const sha = (x) => crypto.createHash('sha256').update(x).digest('hex')
  const hmac = (k, x) => crypto.createHmac('sha256', k).update(x).digest()
  const headers = {
    'content-type': 'application/x-amz-json-1.1', host: `127.0.0.1:${port}`,
    'x-amz-date': amzDate, 'x-amz-target': `Kinesis_20131202.${target}`,
  }
  const names = Object.keys(headers).sort()
  const canonical = ['POST', '/', '', ...names.map((h) => `${h}:${headers[h]}`), '', names.join(';'), sha(body)].join('\n')
  const scope = `${day}/${REGION}/kinesis/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n')
  let k = hmac('AWS4' + CREDS.secretAccessKey, day)
  for (const part of [REGION, 'kinesis', 'aws4_request']) k = hmac(k, part)
  const sig = crypto.createHmac('sha256', k).update(toSign).digest('hex')
  delete headers.host
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${CREDS.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`
  return headers
}

function h2Request (session, port, target, obj) {
  const body = Buffer.from(JSON.stringify(obj))
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/', ':authority': `127.0.0.1:${port}`, ...sigv4Headers(port, target, body) })
    const chunks = []
    let status
    req.setTimeout(20000, () => { req.close(); reject(new Failure('raw h2 request timed out')) })
    req.on('response', (h) => { status = h[':status'] })
    req.on('data', (d) => chunks.push(d))
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString()
      let json = null
      try { json = JSON.parse(text) } catch {}
      resolve({ status, json, text })
    })
    req.on('error', reject)
    req.end(body)
  })
}

// ---------------------------------------------------------------- tests
const tests = []
function test (name, opts, fn) { tests.push({ name, opts, fn }) }

test('default_client_is_http2_and_works', { h2: true }, async (srv) => {
  const c = defaultClient(srv)
  try {
    const handler = c.config.requestHandler
    eq(handler?.constructor?.name, 'NodeHttp2Handler', 'default requestHandler of the Kinesis client')
    await fullFlow(c, 'js-default')
  } finally { c.destroy() }
})

test('explicit_http2_handler', { h2: true }, async (srv) => {
  const c = h2Client(srv)
  try { await fullFlow(c, 'js-h2') } finally { c.destroy() }
})

test('explicit_http1_handler', {}, async (srv) => {
  const c = h1Client(srv)
  try { await fullFlow(c, 'js-h1') } finally { c.destroy() }
})

test('http2_concurrent_streams_one_connection', { h2: true }, async (srv) => {
  const c = h2Client(srv, { disableConcurrentStreams: false, maxConcurrentStreams: 100 })
  try {
    await c.send(new CreateStreamCommand({ StreamName: 'js-conc', ShardCount: 1 }))
    await waitActive(c, 'js-conc')
    const puts = []
    for (let i = 0; i < 40; i++) {
      puts.push(c.send(new PutRecordCommand({ StreamName: 'js-conc', Data: Buffer.from(`c${i}`), PartitionKey: `k${i}` })))
    }
    const res = await Promise.all(puts)
    eq(new Set(res.map((r) => r.SequenceNumber)).size, 40, 'distinct sequence numbers from 40 concurrent puts')
    const errs = await Promise.allSettled([...Array(10)].map(() => c.send(new DescribeStreamSummaryCommand({ StreamName: 'nope' }))))
    eq(errs.map((e) => e.reason?.name), Array(10).fill('ResourceNotFoundException'), 'concurrent errors')
    const recs = await readShard(c, 'js-conc', 'shardId-000000000000')
    eq(recs.map((r) => Buffer.from(r.Data).toString()).sort(), [...Array(40).keys()].map((i) => `c${i}`).sort(), 'records')
  } finally { c.destroy() }
})

test('http2_large_bodies_flow_control', { h2: true }, async (srv) => {
  const c = h2Client(srv)
  try {
    await c.send(new CreateStreamCommand({ StreamName: 'js-big', ShardCount: 1 }))
    await waitActive(c, 'js-big')
    const big = crypto.randomBytes(1024 * 1024 - 16)
    await c.send(new PutRecordCommand({ StreamName: 'js-big', Data: big, PartitionKey: 'big' }))
    const entries = [...Array(500)].map((_, i) => ({ Data: crypto.randomBytes(4096), PartitionKey: `p${i}` }))
    const pr = await c.send(new PutRecordsCommand({ StreamName: 'js-big', Records: entries }))
    eq(pr.FailedRecordCount ?? 0, 0, 'FailedRecordCount of a 2.7 MB PutRecords over h2')
    const recs = await readShard(c, 'js-big', 'shardId-000000000000')
    eq(recs.length, 501, 'records read back')
    check(Buffer.from(recs[0].Data).equals(big), '1 MiB record intact over h2')
    for (let i = 0; i < 500; i++) check(Buffer.from(recs[i + 1].Data).equals(entries[i].Data), `record ${i} intact`)
  } finally { c.destroy() }
})

test('raw_http2_session', { h2: true }, async (srv) => {
  const session = http2.connect(srv.endpoint)
  const sessErr = new Promise((resolve, reject) => session.once('error', reject))
  sessErr.catch(() => {})
  try {
    const run = async () => {
      let r = await h2Request(session, srv.port, 'CreateStream', { StreamName: 'raw-h2', ShardCount: 1 })
      eq(r.status, 200, `CreateStream over raw h2 (${r.text})`)
      for (let i = 0; i < 300; i++) {
        r = await h2Request(session, srv.port, 'DescribeStreamSummary', { StreamName: 'raw-h2' })
        if (r.json?.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break
        await sleep(50)
      }
      const many = await Promise.all([...Array(20)].map((_, i) =>
        h2Request(session, srv.port, 'PutRecord', { StreamName: 'raw-h2', PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`).toString('base64') })))
      eq(many.map((x) => x.status), Array(20).fill(200), 'statuses of 20 concurrent streams')
      r = await h2Request(session, srv.port, 'NoSuchOperation', {})
      eq(r.status, 400, 'unknown operation status over h2')
      eq((r.json?.__type || '').split('#').pop(), 'UnknownOperationException', 'unknown operation __type over h2')
      r = await h2Request(session, srv.port, 'DescribeStreamSummary', { StreamName: 'nope' })
      eq([r.status, (r.json?.__type || '').split('#').pop()], [400, 'ResourceNotFoundException'], 'error over h2')
    }
    await Promise.race([run(), sessErr])
  } finally { session.close(); session.destroy() }
})

async function main () {
  let passed = 0; let failed = 0
  if (!KINESALITE && !fs.existsSync(WEIR_BIN)) {
    console.log(`FAIL setup: WEIR_BIN ${WEIR_BIN} does not exist`)
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
  const only = process.argv.slice(2)
  for (const t of tests) {
    if (only.length && !only.some((o) => t.name.includes(o))) continue
    const t0 = Date.now()
    const srv = new Server(t.name)
    const problems = []
    let err = null
    try {
      await srv.start()
      await t.fn(srv)
    } catch (e) { err = e }
    try {
      const code = await srv.stop()
      if (!KINESALITE && code !== 0) problems.push(`server exited ${code} after SIGTERM:\n${srv.log().slice(-3000)}`)
      const log = srv.log()
      const m = SANITIZER.find((s) => log.includes(s))
      if (!KINESALITE && m) problems.push(`sanitizer report:\n${log.slice(Math.max(0, log.indexOf(m) - 200), log.indexOf(m) + 3000)}`)
    } catch (e) { problems.push(`stopping server: ${e}`) } finally { srv.cleanup() }
    const dt = ((Date.now() - t0) / 1000).toFixed(1)
    let verdict
    if (KINESALITE && !KINESALITE_H2 && t.opts.h2) {
      // kinesalite speaks HTTP/1.1 only: an h2 client must fail against it
      verdict = err ? `PASS ${t.name} (${dt}s) [XFAIL as expected: kinesalite is HTTP/1.1-only: ${String(err.message || err).split('\n')[0].slice(0, 100)}]`
        : `FAIL ${t.name} (${dt}s)\n  an HTTP/2 client succeeded against HTTP/1.1-only kinesalite: it is not speaking h2`
    } else if (err || problems.length) {
      verdict = `FAIL ${t.name} (${dt}s)\n  ${[err ? (err.stack || String(err)) : null, ...problems].filter(Boolean).join('\n').replace(/\n/g, '\n  ')}`
    } else {
      verdict = `PASS ${t.name} (${dt}s)`
    }
    if (verdict.startsWith('PASS')) passed++; else failed++
    console.log(verdict)
  }
  console.log(`${passed} passed, ${failed} failed`)
  process.exit(failed ? 1 : 0)
}

main().catch((e) => { console.log(`FAIL harness: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exit(1) })
