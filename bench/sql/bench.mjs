// bench/sql/bench.mjs: runs the SQL benchmark's six queries on weir (through psql) and on DuckDB
// (@duckdb/node-api, in process, reading the same records from the NDJSON file with read_ndjson and the
// reference table from the CSV file with read_csv), takes the best of REPS runs of each, checks that both
// answer the same, and prints a table with each ratio. Called by bench/sql/run.sh (see bench/README.md).
//
//   node bench/sql/bench.mjs --ndjson FILE --countries FILE [--reps 3]
//        [--pg-host H --pg-port P --pg-user U --pg-db D | --weir-unavailable REASON]
//
// Timing: weir's figure is psql's \timing (the query's round trip, without psql's own start-up); DuckDB's
// is the wall time of runAndReadAll in this process. Each side reads everything from its source on every
// run (nothing is cached between runs in tables). Answers: values compare as text, except that numbers
// match within a relative 1e-9 (weir's avg is numeric, DuckDB's a double).
// Prints "RESULT target=<weir|duckdb> name=<q>_ms value=<ms>" lines too. Exits 1 when the answers differ
// or a side fails, 0 otherwise (BENCH_STRICT=1: also when weir is slower than DuckDB on a query).
import { spawnSync } from 'node:child_process'
import { DuckDBInstance } from '@duckdb/node-api'

export const QUERIES = [
  { name: 'q1_count', what: 'count(*)', sql: 'SELECT count(*) FROM clicks' },
  { name: 'q2_filtered_count', what: 'filtered count', sql: "SELECT count(*) FROM clicks WHERE status = 404 AND device = 'mobile'" },
  { name: 'q3_group_low_card', what: 'GROUP BY country: sum, avg', sql: 'SELECT country, count(*), sum(bytes), avg(bytes) FROM clicks GROUP BY country ORDER BY country' },
  { name: 'q4_top10_high_card', what: 'top 10 users', sql: 'SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10' },
  { name: 'q5_per_minute', what: 'counts per minute', sql: "SELECT date_trunc('minute', ts) AS minute, count(*) FROM clicks GROUP BY 1 ORDER BY 1" },
  { name: 'q6_join_reference', what: 'join reference table', sql: 'SELECT r.region, count(*), sum(c.bytes) FROM clicks c JOIN countries r ON r.code = c.country GROUP BY r.region ORDER BY r.region' }
]

function args (argv) {
  const o = {}
  for (let i = 0; i < argv.length; i += 2) o[argv[i].replace(/^--/, '')] = argv[i + 1]
  return o
}

function sqlString (s) { return "'" + s.replace(/'/g, "''") + "'" }

async function runDuckdb (o, reps) {
  const inst = await DuckDBInstance.create(':memory:')
  const c = await inst.connect()
  await c.run("SET TimeZone = 'UTC'")
  await c.run(`CREATE VIEW clicks AS SELECT * FROM read_ndjson(${sqlString(o.ndjson)}, columns = {user_id: 'BIGINT', url: 'VARCHAR', country: 'VARCHAR', device: 'VARCHAR', status: 'INTEGER', bytes: 'BIGINT', ts: 'TIMESTAMPTZ'})`)
  await c.run(`CREATE VIEW countries AS SELECT * FROM read_csv(${sqlString(o.countries)}, header = false, columns = {code: 'VARCHAR', name: 'VARCHAR', region: 'VARCHAR'})`)
  const out = {}
  for (const q of QUERIES) {
    const times = []
    let rows = null
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now()
      const res = await c.runAndReadAll(q.sql)
      times.push(performance.now() - t0)
      rows = res.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v))))
    }
    out[q.name] = { times, best: Math.min(...times), rows }
  }
  return out
}

function runWeir (o, reps) {
  const lines = ['\\timing on']
  for (const q of QUERIES) {
    for (let r = 0; r < reps; r++) lines.push(`\\echo @@BEGIN ${q.name}`, q.sql + ';', '\\echo @@END :ERROR :SQLSTATE')
  }
  const p = spawnSync('psql', ['-X', '-A', '-t', '-F', '\t', '-h', o['pg-host'], '-p', o['pg-port'],
    '-U', o['pg-user'], '-d', o['pg-db']], {
    input: lines.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 3600e3,
    env: { ...process.env, PGTZ: 'UTC', PGDATESTYLE: 'ISO', PGCLIENTENCODING: 'UTF8', PGOPTIONS: '' }
  })
  if (p.status !== 0) throw new Error(`psql exited with ${p.status}: ${(p.stderr || '').slice(0, 2000)}`)
  const errors = (p.stderr || '').split('\n').filter((l) => l.startsWith('ERROR:'))
  const out = {}
  let cur = null
  let rows = []
  for (const line of p.stdout.split('\n')) {
    if (line.startsWith('@@BEGIN ')) { cur = line.slice(8); rows = []; continue }
    if (line.startsWith('@@END ')) {
      const [, err, state] = line.split(' ')
      if (err === 'true') {
        const e = out[cur] || (out[cur] = { times: [], rows: null })
        e.error = `SQLSTATE ${state}` + (errors.length ? `: ${errors.shift().replace(/^ERROR:\s+/, '')}` : '')
      }
      cur = null
      continue
    }
    if (cur === null) continue
    const m = /^Time: ([0-9.]+) ms/.exec(line)
    if (m) {
      const e = out[cur] || (out[cur] = { times: [], rows: null })
      e.times.push(Number(m[1]))
      e.rows = rows
      continue
    }
    if (line !== '') rows.push(line.split('\t').map((v) => (v === '' ? null : v)))
  }
  for (const q of QUERIES) {
    const e = out[q.name]
    if (e && e.error) continue
    if (!e || e.times.length !== reps) throw new Error(`no timing for ${q.name} in psql's output`)
    e.best = Math.min(...e.times)
  }
  return out
}

function sameValue (a, b) {
  if (a === b) return true
  if (a === null || b === null) return false
  const x = Number(a); const y = Number(b)
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) {
    return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y))
  }
  return false
}

export function firstDifference (a, b) {
  if (a.length !== b.length) return `row counts ${a.length} vs ${b.length}`
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return `row ${i + 1}: ${a[i].length} vs ${b[i].length} columns`
    for (let j = 0; j < a[i].length; j++) {
      if (!sameValue(a[i][j], b[i][j])) return `row ${i + 1}: ${JSON.stringify(a[i])} vs ${JSON.stringify(b[i])}`
    }
  }
  return null
}

function pad (s, n, right) { s = String(s); return right ? s.padStart(n) : s.padEnd(n) }

async function main () {
  const o = args(process.argv.slice(2))
  const reps = Number(o.reps || 3)
  let failed = false
  let weir = null
  let weirWhy = o['weir-unavailable'] || null
  if (!weirWhy) {
    try {
      weir = runWeir(o, reps)
    } catch (e) {
      weirWhy = 'failed: ' + e.message
      failed = true
    }
  }
  const duck = await runDuckdb(o, reps)
  console.log(`\nSQL over streams: best of ${reps} runs, milliseconds (weir via psql \\timing, DuckDB node-api over the NDJSON file)`)
  console.log(pad('query', 30) + pad('weir ms', 12, true) + pad('duckdb ms', 12, true) + pad('weir/duckdb', 14, true) + '  answers')
  let slower = 0
  const results = []
  for (const q of QUERIES) {
    const d = duck[q.name]
    results.push(`RESULT target=duckdb name=${q.name}_ms value=${d.best.toFixed(1)}`)
    let wcol = 'n/a'; let ratio = 'n/a'; let ans = weir ? '' : 'weir not available'
    if (weir && weir[q.name].error) {
      ans = 'weir failed: ' + weir[q.name].error
      failed = true
      slower++
    } else if (weir) {
      const w = weir[q.name]
      results.push(`RESULT target=weir name=${q.name}_ms value=${w.best.toFixed(1)}`)
      wcol = w.best.toFixed(1)
      ratio = (w.best / d.best).toFixed(2) + 'x'
      if (w.best > d.best) slower++
      const diff = firstDifference(w.rows, d.rows)
      ans = diff ? 'DIFFERENT: ' + diff : `same (${d.rows.length} rows)`
      if (diff) failed = true
    }
    console.log(pad(`${q.name.slice(0, 2)} ${q.what}`, 30) + pad(wcol, 12, true) + pad(d.best.toFixed(1), 12, true) + pad(ratio, 14, true) + '  ' + ans)
  }
  for (const r of results) console.log(r)
  if (weir) {
    console.log(`target: weir at least as fast as DuckDB on every query (weir/duckdb <= 1.00x): ${slower ? `missed on ${slower} of ${QUERIES.length}` : 'met'}`)
    if (slower && process.env.BENCH_STRICT === '1') failed = true
  } else {
    console.log(`weir: not available (${weirWhy}); DuckDB ran alone`)
  }
  process.exit(failed ? 1 : 0)
}

main().catch((e) => { console.error('bench.mjs: ' + (e.stack || e)); process.exit(1) })
