// bench/parquet_duck.mjs: DuckDB's side of bench/parquet_write.sh, and the reader that checks both files.
//   node bench/parquet_duck.mjs write --ndjson FILE --out FILE --codec snappy|zstd
//       DuckDB (@duckdb/node-api, in process, all cores) runs COPY (SELECT * FROM read_ndjson(FILE, columns
//       = the clicks table's)) TO OUT (FORMAT parquet, COMPRESSION codec) and prints "ms=<wall ms>".
//   node bench/parquet_duck.mjs check --file FILE
//       prints "rows=<count> groups=<row groups> sum=<sum(bytes)>" of a Parquet file, read by DuckDB.
import { DuckDBInstance } from '@duckdb/node-api'

const o = {}
for (let i = 3; i < process.argv.length; i += 2) o[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
const q = (s) => "'" + s.replaceAll("'", "''") + "'"
const inst = await DuckDBInstance.create(':memory:')
const c = await inst.connect()
if (process.argv[2] === 'write') {
  const t0 = performance.now()
  await c.run(`COPY (SELECT * FROM read_ndjson(${q(o.ndjson)}, columns = {user_id: 'BIGINT', url: 'VARCHAR', country: 'VARCHAR', device: 'VARCHAR', status: 'INTEGER', bytes: 'BIGINT', ts: 'TIMESTAMPTZ'})) TO ${q(o.out)} (FORMAT parquet, COMPRESSION ${o.codec})`)
  console.log(`ms=${(performance.now() - t0).toFixed(0)}`)
} else if (process.argv[2] === 'check') {
  const r = (await c.runAndReadAll(`SELECT count(*)::VARCHAR, sum(bytes)::VARCHAR, (SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${q(o.file)}))::VARCHAR FROM read_parquet(${q(o.file)})`)).getRows()[0]
  console.log(`rows=${r[0]} groups=${r[2]} sum=${r[1]}`)
} else {
  console.error('usage: parquet_duck.mjs write|check ...')
  process.exit(2)
}
