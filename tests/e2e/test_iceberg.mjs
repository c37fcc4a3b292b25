// Iceberg tables weir writes (src/sink/iceberg.c), read back by readers weir does not share code with:
// `avrocat` (Debian avro-bin, the Avro C library) decodes every manifest and manifest list, and icebird
// (npm, with hyparquet underneath) reads the table's rows through a small fetch shim that serves file://
// URLs from disk. The table comes from the unit fixture (build/<mode>/tests/unit/sink/test_iceberg with
// WEIR_ICEBERG_E2E=DIR): two commits of real Parquet data files from weir's writer (parquet.h), 150 rows
// (id k, name "name-k" or NULL every 7th, score k * 1.5, ok k odd). `weir iceberg ls` lists the snapshots.
// Weir-only (TARGET=kinesalite: SKIP). Prints PASS/FAIL/SKIP and "N passed, N failed".
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..')
const WEIR_BIN = process.env.WEIR_BIN || path.join(REPO, 'build', 'debug', 'weir')
const FIXTURE = path.join(path.dirname(WEIR_BIN), 'tests', 'unit', 'sink', 'test_iceberg')

class Failure extends Error {}
function check (cond, msg) { if (!cond) throw new Failure(msg) }

let passed = 0
let failed = 0
async function test (name, fn) {
  try {
    await fn()
    passed++
    console.log(`PASS ${name}`)
  } catch (err) {
    failed++
    console.log(`FAIL ${name}: ${err instanceof Failure ? err.message : err.stack}`)
  }
}

// icebird and hyparquet fetch every file; tables here are directories, so serve file:// URLs from disk
// (whole files, status 200: hyparquet then slices the buffer itself).
const realFetch = globalThis.fetch
const fetched = new Set()
globalThis.fetch = async (url, init) => {
  const u = String(url)
  if (!u.startsWith('file://')) return realFetch(url, init)
  const p = fileURLToPath(u)
  fetched.add(p)
  if (!fs.existsSync(p)) return new Response(null, { status: 404, statusText: 'Not Found' })
  const body = fs.readFileSync(p)
  if (init?.method === 'HEAD') {
    return new Response(null, { status: 200, headers: { 'Content-Length': String(body.length) } })
  }
  return new Response(body, { status: 200, headers: { 'Content-Length': String(body.length) } })
}

function avrocat (file) {
  const out = execFileSync('avrocat', [file], { encoding: 'utf8', maxBuffer: 64 << 20 })
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
}

function expectedRow (k) {
  return { id: BigInt(k), name: k % 7 === 0 ? null : `name-${k}`, score: k * 1.5, ok: k % 2 === 1 }
}

async function main () {
  if ((process.env.TARGET || 'weir') !== 'weir') {
    console.log('SKIP iceberg tables are weir-only')
    console.log('0 passed, 0 failed')
    return
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-e2e-iceberg-'))
  const dir = path.join(tmp, 'warehouse', 'bucket', 'events')
  try {
    await test('fixture writes a table with two commits', async () => {
      if (!fs.existsSync(FIXTURE)) {
        // `make e2e` builds only the weir binary: build the unit fixture beside it (build/<mode>/...).
        const mode = path.basename(path.dirname(WEIR_BIN))
        const rel = path.relative(REPO, FIXTURE)
        const mk = spawnSync('make', ['--no-print-directory', `MODE=${mode}`, rel], { cwd: REPO, encoding: 'utf8' })
        check(mk.status === 0 && fs.existsSync(FIXTURE), `${FIXTURE} is missing and make could not build it: ${mk.stderr}`)
      }
      const r = spawnSync(FIXTURE, [], { env: { ...process.env, WEIR_ICEBERG_E2E: dir }, encoding: 'utf8' })
      check(r.status === 0, `fixture exited ${r.status}: ${r.stdout}\n${r.stderr}`)
      check(fs.readFileSync(path.join(dir, 'metadata', 'version-hint.text'), 'utf8') === '3', 'version hint is not 3')
    })

    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata', 'v3.metadata.json'), 'utf8'))
    const location = meta.location

    await test('avrocat reads every manifest list and manifest', async () => {
      check(location === `file://${fs.realpathSync(dir)}`, `location ${location}`)
      check(meta.snapshots.length === 2, 'two snapshots')
      let manifests = 0
      let rows = 0
      const listed = new Set()
      for (const snap of meta.snapshots) {
        const list = avrocat(fileURLToPath(snap['manifest-list']))
        check(list.length === snap['sequence-number'], `snapshot ${snap['sequence-number']} lists ${list.length} manifests`)
        for (const m of list) {
          const mp = fileURLToPath(m.manifest_path)
          check(fs.statSync(mp).size === m.manifest_length, `manifest_length of ${mp}`)
          check(m.partition_spec_id === 0 && m.content === 0, 'spec 0, data content')
          check(m.added_snapshot_id > 0 && m.added_snapshot_id < 2 ** 53, 'snapshot id below 2^53')
          if (listed.has(mp)) continue
          listed.add(mp)
          manifests++
          const entries = avrocat(mp)
          check(entries.length === m.added_files_count, `${mp}: ${entries.length} entries, list says ${m.added_files_count}`)
          let added = 0
          for (const e of entries) {
            check(e.status === 1, 'status ADDED')
            check(e.snapshot_id.long === m.added_snapshot_id, 'entry snapshot id')
            check(e.sequence_number.long === m.sequence_number, 'entry sequence number')
            const df = e.data_file
            check(df.file_format === 'PARQUET' && df.content === 0, 'parquet data file')
            const fp = fileURLToPath(df.file_path)
            check(fs.statSync(fp).size === df.file_size_in_bytes, `file_size_in_bytes of ${fp}`)
            const vc = df.value_counts.array.find((x) => x.key === 1)
            check(vc && vc.value === df.record_count, 'value count of column 1 = record count')
            check(df.lower_bounds.array.length >= 3 && df.upper_bounds.array.length >= 3, 'bounds present')
            added += df.record_count
          }
          check(added === m.added_rows_count, `added_rows_count of ${mp}`)
          rows += added
        }
      }
      check(manifests === 2, `${manifests} distinct manifests`)
      check(rows === 150, `${rows} rows in the manifests`)
    })

    const { icebergRead, icebergMetadata } = await import('icebird')
    const tableUrl = location

    await test('icebird reads the rows of the current snapshot', async () => {
      const md = await icebergMetadata({ tableUrl })
      check(md['current-snapshot-id'] === meta['current-snapshot-id'], 'icebird found v3 through the hint')
      const rows = await icebergRead({ tableUrl })
      check(rows.length === 150, `${rows.length} rows`)
      rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      for (let k = 0; k < 150; k++) {
        const want = expectedRow(k)
        const got = rows[k]
        check(BigInt(got.id) === want.id, `row ${k}: id ${got.id}`)
        check((got.name ?? null) === want.name, `row ${k}: name ${got.name}`)
        check(got.score === want.score, `row ${k}: score ${got.score}`)
        check(got.ok === want.ok, `row ${k}: ok ${got.ok}`)
      }
      const data = fs.readdirSync(path.join(dir, 'data')).map((f) => path.join(dir, 'data', f))
      check(data.length === 3 && data.every((f) => fetched.has(f)), 'icebird read the three data files')
    })

    await test('icebird reads the first snapshot (time travel to v2)', async () => {
      const rows = await icebergRead({ tableUrl, metadataFileName: 'v2.metadata.json' })
      check(rows.length === 100, `${rows.length} rows`)
      const ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b)
      check(ids[0] === 0 && ids[99] === 99, `ids ${ids[0]}..${ids[99]}`)
    })

    await test('weir iceberg ls lists the snapshots, newest first', async () => {
      const text = execFileSync(WEIR_BIN, ['iceberg', 'ls', dir], { encoding: 'utf8' })
      const heads = text.split('\n').filter((l) => l.startsWith('snapshot '))
      check(heads.length === 2, text)
      check(heads[0] === `snapshot ${meta['current-snapshot-id']} (current)`, heads[0])
      check(text.includes('Total:      3 files, 150 records'), text)
      check(text.includes('Positions:  {"shardId-000000000000":"100"}'), text)
      const js = JSON.parse(execFileSync(WEIR_BIN, ['iceberg', 'ls', '--json', '--warehouse',
        path.join(tmp, 'warehouse'), 'bucket/events'], { encoding: 'utf8' }))
      check(js['current-snapshot-id'] === meta['current-snapshot-id'], 'json current snapshot')
      check(js.snapshots.length === 2 && js.snapshots[0].current === true, 'json snapshots')
      check(js.snapshots[0]['parent-snapshot-id'] === js.snapshots[1]['snapshot-id'], 'json parent')
      check(js.snapshots[1]['parent-snapshot-id'] === null, 'first snapshot has no parent')
      check(js.snapshots[0].summary['weir.positions'] === '{"shardId-000000000000":"150"}', 'json positions')
      check(js.snapshots[0].summary['total-records'] === '150', 'json total-records')
      const r = spawnSync(WEIR_BIN, ['iceberg', 'ls', path.join(tmp, 'nothing')], { encoding: 'utf8' })
      check(r.status === 1 && r.stderr.includes('no table'), `missing table: exit ${r.status} ${r.stderr}`)
      const u = spawnSync(WEIR_BIN, ['iceberg', 'ls'], { encoding: 'utf8' })
      check(u.status === 2, `usage: exit ${u.status}`)
    })
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`${passed} passed, ${failed} failed`)
  if (failed) process.exitCode = 1
}

main().catch((err) => {
  console.log(`FAIL ${err.stack}`)
  console.log(`${passed} passed, ${failed + 1} failed`)
  process.exitCode = 1
})
