-- types: every column type a stream table supports, decoded from JSON (numbers, strings given to the
-- type's input function, objects for json/jsonb, hex strings for bytea), shown in PostgreSQL's output
-- form, with pg_typeof, comparisons and casts between them.
-- fixture: typed_values
-- @pg:
CREATE TABLE typed (k int, b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision, n numeric, t text, vc varchar(10), d date, tsz timestamptz, ts timestamp, iv interval, j json, jb jsonb, by bytea)
  WITH (stream = 'typed', format = 'json');
SELECT k, b, i2, i4, i8 FROM typed ORDER BY k;
SELECT k, f4, f8, n FROM typed ORDER BY k;
SELECT k, t, vc, length(vc) AS len FROM typed ORDER BY k;
SELECT k, d, tsz, ts, iv FROM typed ORDER BY k;
SELECT k, j, jb, by FROM typed ORDER BY k;
SELECT pg_typeof(b) AS b, pg_typeof(i2) AS i2, pg_typeof(i4) AS i4, pg_typeof(i8) AS i8, pg_typeof(f4) AS f4,
       pg_typeof(f8) AS f8, pg_typeof(n) AS n, pg_typeof(vc) AS vc, pg_typeof(tsz) AS tsz, pg_typeof(ts) AS ts,
       pg_typeof(iv) AS iv, pg_typeof(j) AS j, pg_typeof(jb) AS jb, pg_typeof(by) AS by FROM typed WHERE k = 1;
SELECT k, i2 + 1 AS i2p, i4::bigint * 2 AS i4x2, i8 / 2 AS i8h, f4 * 2 AS f4x2, f8 / 3 AS f8d, n * 2 AS nx2 FROM typed WHERE k > 1 ORDER BY k;
SELECT k, d + 1 AS next_day, tsz + iv AS later, ts::date AS day, tsz::timestamp AS local, extract(epoch FROM iv) AS secs
  FROM typed ORDER BY k;
SELECT k, octet_length(by) AS len, encode(by, 'hex') AS hex, encode(by, 'base64') AS b64 FROM typed ORDER BY k;
SELECT k, jb->'a' AS a, j->'a'->2 AS a2, jb->>1 AS second, j#>>'{nested,deep,0}' AS deep FROM typed ORDER BY k;
SELECT count(*) FILTER (WHERE b) AS t, count(*) FILTER (WHERE NOT b) AS f, count(*) FILTER (WHERE b IS NULL) AS n FROM typed;
SELECT k FROM typed WHERE f8 = 'NaN'::float8 OR f8 > 1e299 ORDER BY k;
SELECT k, n, trunc(n) AS n_trunc, round(n, 2) AS n2, n::text AS n_text FROM typed WHERE n IS NOT NULL ORDER BY k;
SELECT k, f4::text AS f4t, f8::text AS f8t, f4::double precision AS f4d FROM typed ORDER BY k;
SELECT max(i8) AS max8, min(i8) AS min8, sum(i2) AS s2, sum(i4) AS s4, sum(i8) AS s8 FROM typed;
