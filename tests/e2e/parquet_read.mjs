// Helper of tests/e2e/test_parquet.py (not a test itself): reads one Parquet file with two independent
// readers and prints one JSON document on stdout:
//   duck.types   DESCRIBE of the file in DuckDB (@duckdb/node-api): column name -> DuckDB type
//   duck.rows    the rows in file order, every value as text, with exact forms for the types whose text
//                differs between engines: BLOB as hex, TIME/TIMESTAMP/TIMESTAMPTZ as epoch microseconds
//   duck.schema  parquet_schema() rows (type, converted_type, logical_type, field_id, repetition_type)
//   duck.meta    parquet_metadata() rows (row group, column, stats, null counts, encodings, compression)
//   duck.kv      parquet_kv_metadata() rows
//   hyp.rows     the rows as hyparquet decodes them (utf8 off: plain BYTE_ARRAY stays bytes), made JSON:
//                bigint -> string, Date -> epoch milliseconds, bytes -> hex, NaN/Infinity -> strings
// Usage: node tests/e2e/parquet_read.mjs FILE   (the zstd command must be on PATH for ZSTD files)
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import zlib from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'

const file = process.argv[2]
const q = (s) => "'" + s.replaceAll("'", "''") + "'"
const ident = (s) => '"' + s.replaceAll('"', '""') + '"'

const inst = await DuckDBInstance.create(':memory:')
const c = await inst.connect()
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson()

const described = await rows(`DESCRIBE SELECT * FROM read_parquet(${q(file)})`)
const exprs = described.map(({ column_name: n, column_type: t }) => {
  if (t === 'BLOB') return `hex(${ident(n)})`
  if (t === 'TIME' || t.startsWith('TIMESTAMP')) return `epoch_us(${ident(n)})::VARCHAR`
  return `${ident(n)}::VARCHAR`
})
const duckRows = (await c.runAndReadAll(`SELECT ${exprs.join(', ')} FROM read_parquet(${q(file)})`)).getRowsJson()
const out = {
  duck: {
    types: Object.fromEntries(described.map((r) => [r.column_name, r.column_type])),
    rows: duckRows,
    schema: await rows(`SELECT name, type, type_length, converted_type, logical_type, field_id, repetition_type, scale, precision FROM parquet_schema(${q(file)})`),
    meta: await rows(`SELECT row_group_id, row_group_num_rows, path_in_schema, type, num_values, stats_min_value, stats_max_value, stats_min, stats_max, stats_null_count, encodings, compression FROM parquet_metadata(${q(file)}) ORDER BY row_group_id, column_id`),
    kv: (await rows(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${q(file)})`)),
  },
}

const buf = fs.readFileSync(file)
const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
const hex = (u8) => Buffer.from(u8).toString('hex').toUpperCase()
const norm = (v) => {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Date) return v.getTime()
  if (v instanceof Uint8Array) return hex(v)
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v)
  return v
}
const hypMeta = parquetMetadata(ab)
// hyparquet decodes SNAPPY itself; GZIP through node's zlib, ZSTD through the zstd command (Debian's zstd)
const compressors = {
  GZIP: (input) => new Uint8Array(zlib.gunzipSync(input)),
  ZSTD: (input) => {
    const r = spawnSync('zstd', ['-dcq'], { input, maxBuffer: 1 << 30 })
    if (r.status !== 0) throw new Error('zstd -d failed: ' + r.stderr)
    return new Uint8Array(r.stdout)
  },
}
const hypRows = await parquetReadObjects({ file: ab, utf8: false, compressors })
out.hyp = {
  num_rows: Number(hypMeta.num_rows),
  row_groups: hypMeta.row_groups.length,
  field_ids: hypMeta.schema.slice(1).map((s) => s.field_id),
  rows: hypRows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)]))),
}
process.stdout.write(JSON.stringify(out))
