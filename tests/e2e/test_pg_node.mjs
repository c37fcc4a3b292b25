// node-postgres (npm `pg`) against weir's --pg-listen port while boto3 keeps writing to the stream under
// the table it queries. The server and the writer come from `python3 tests/e2e/pgclients.py serve` (see
// there), which prints the connection as one JSON line, or {"skip": reason} while weir cannot answer SQL
// (then every test prints SKIP and the file reports 0 failed). PGCLIENT_TARGET=postgres runs the same
// tests against a private PostgreSQL 15 with an ordinary table, to validate them.
// Covers: simple queries, parameters ($1: Parse/Bind/Execute), named prepared statements reused, rowMode
// 'array', the type parsers for int8/int4/text/timestamptz, errors with code and position, a pool of
// concurrent clients, and counts bounded by the writer's progress (acknowledged before, sent after).
// Prints PASS/FAIL/SKIP per test and "N passed, N failed".
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const STATUSES = [200, 200, 200, 404, 500, 301]

class Failure extends Error {}
function check (cond, msg) { if (!cond) throw new Failure(msg) }
function eq (got, want, what) {
  const g = JSON.stringify(got); const w = JSON.stringify(want)
  if (g !== w) throw new Failure(`${what}: expected ${w}, got ${g}`)
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// ---- the backend process ----
const helper = spawn('/usr/bin/python3', [path.join(HERE, 'pgclients.py'), 'serve'], {
  stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' }
})
const lines = readline.createInterface({ input: helper.stdout })
const pending = []
const queued = []
lines.on('line', (l) => { if (pending.length) pending.shift()(l); else queued.push(l) })
function nextLine (ms = 180000) {
  if (queued.length) return Promise.resolve(queued.shift())
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Failure(`pgclients.py said nothing for ${ms} ms`)), ms)
    pending.push((l) => { clearTimeout(t); resolve(l) })
  })
}
const info = JSON.parse(await nextLine())
function progress () { return JSON.parse(fs.readFileSync(info.progress, 'utf8')) }
const conf = { host: info.host, port: info.port, user: info.user, database: info.database, ssl: false }

async function withClient (fn) {
  const c = new pg.Client(conf)
  await c.connect()
  try { return await fn(c) } finally { await c.end() }
}

async function boundedCount (c, text = 'SELECT count(*) AS n FROM clicks') {
  const acked = progress().acked
  const r = await c.query(text)
  const n = Number(r.rows[0].n)
  const sent = progress().sent
  check(acked <= n && n <= sent, `count ${n} outside [acked before ${acked}, sent after ${sent}]`)
  return n
}

// ---- tests ----
const tests = []
const test = (name, fn) => tests.push({ name, fn })

test('simple_query_and_types', () => withClient(async (c) => {
  const r = await c.query('SELECT user_id, url, ts, status, bytes FROM clicks WHERE bytes = 42')
  eq(r.fields.map((f) => [f.name, f.dataTypeID]), [['user_id', 20], ['url', 25], ['ts', 1184], ['status', 23], ['bytes', 20]], 'fields')
  eq(r.rowCount, 1, 'rowCount')
  const row = r.rows[0]
  eq([row.user_id, row.url, row.status, row.bytes], ['42', '/p/0', 200, '42'], 'row 42 (int8 arrives as a string)')
  check(row.ts instanceof Date && Math.abs(Date.now() - row.ts.getTime()) < 3600e3, `ts ${row.ts}`)
  eq(r.command, 'SELECT', 'command tag')
}))

test('parameters_extended_protocol', () => withClient(async (c) => {
  const r = await c.query('SELECT count(*) AS n, sum(bytes) AS s FROM clicks WHERE status = $1 AND bytes < $2', [200, 300])
  let want = 0; for (let b = 0; b < 300; b++) if (b % 6 < 3) want += b
  eq([r.rows[0].n, r.rows[0].s], ['150', String(want)], 'count and sum with $1, $2')
  const t = await c.query('SELECT $1::text AS s, $2::bigint AS n, $3::timestamptz AS t, $4::text IS NULL AS isnull',
    ["it's ünïcode", '-7', new Date(Date.UTC(2024, 2, 31, 1, 30)), null])
  eq([t.rows[0].s, t.rows[0].n, t.rows[0].t.toISOString(), t.rows[0].isnull],
    ["it's ünïcode", '-7', '2024-03-31T01:30:00.000Z', true], 'parameters of several types')
}))

test('named_prepared_statement_reused', () => withClient(async (c) => {
  for (let i = 0; i < 6; i++) {
    const r = await c.query({ name: 'by_url', text: 'SELECT bytes FROM clicks WHERE url = $1 AND bytes < $2 ORDER BY bytes', values: ['/p/3', 100 + i] })
    const want = []; for (let b = 0; b < 100 + i; b++) if (b % 7 === 3) want.push(String(b))
    eq(r.rows.map((x) => x.bytes), want, `execution ${i}`)
  }
}))

test('row_mode_array', () => withClient(async (c) => {
  const r = await c.query({ text: 'SELECT bytes, url FROM clicks WHERE bytes < 3 ORDER BY bytes', rowMode: 'array' })
  eq(r.rows, [['0', '/p/0'], ['1', '/p/1'], ['2', '/p/2']], 'rows as arrays')
}))

test('errors', () => withClient(async (c) => {
  try {
    await c.query('SELECT no_such_column FROM clicks')
    check(false, 'no error')
  } catch (e) {
    if (e instanceof Failure) throw e
    eq([e.code, e.position], ['42703', '8'], 'code and position')
  }
  try {
    await c.query('SELECT 1/$1::int', [0])
    check(false, 'no error')
  } catch (e) {
    if (e instanceof Failure) throw e
    eq(e.code, '22012', 'division by zero through the extended protocol')
  }
  const r = await c.query('SELECT count(*) AS n FROM clicks WHERE bytes < 7')
  eq(r.rows[0].n, '7', 'session after errors')
}))

test('pool_concurrent_clients', async () => {
  const pool = new pg.Pool({ ...conf, max: 4 })
  try {
    const jobs = []
    for (let i = 0; i < 16; i++) {
      jobs.push(pool.query('SELECT count(*) AS n FROM clicks WHERE bytes < $1 AND status = $2', [30 * (i + 1), STATUSES[i % 6]]))
    }
    const res = await Promise.all(jobs)
    res.forEach((r, i) => {
      let want = 0; for (let b = 0; b < 30 * (i + 1); b++) if (STATUSES[b % 6] === STATUSES[i % 6]) want++
      eq(r.rows[0].n, String(want), `pool query ${i}`)
    })
  } finally { await pool.end() }
})

test('consistency_while_writing', () => withClient(async (c) => {
  let last = -1
  for (let i = 0; i < 25; i++) {
    const n = await boundedCount(c)
    check(n >= last, `count went down: ${last} -> ${n}`)
    last = n
    await sleep(40)
  }
  const start = progress().acked
  const deadline = Date.now() + 30000
  while (progress().acked < start + 200 && Date.now() < deadline) await sleep(50)
  check(await boundedCount(c) > last, 'no new rows seen while the writer wrote 200 more')
}))

// ---- runner ----
let passed = 0; let failed = 0; let skipped = 0
for (const t of tests) {
  if (info.skip) { skipped++; console.log(`SKIP ${t.name} (${info.skip})`); continue }
  if (info.error) { failed++; console.log(`FAIL ${t.name} (backend: ${info.error})`); continue }
  const t0 = Date.now()
  try {
    await t.fn()
    passed++
    console.log(`PASS ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`)
  } catch (e) {
    failed++
    console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)\n  ${String(e && e.stack || e).replace(/\n/g, '\n  ')}`)
  }
}
helper.stdin.end()
if (!info.skip && !info.error) {
  try {
    const done = JSON.parse(await nextLine(120000))
    if (done.problems && done.problems.length) {
      failed++
      console.log(`FAIL server shutdown\n  ${done.problems.join('\n  ')}`)
    }
  } catch (e) {
    failed++
    console.log(`FAIL server shutdown (${e})`)
  }
}
await new Promise((resolve) => { if (helper.exitCode !== null) resolve(); else helper.once('exit', resolve) })
if (skipped) console.log(`(${skipped} skipped)`)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed ? 1 : 0)
