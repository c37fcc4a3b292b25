-- decode_json: the JSON decoder. Columns found by name; "<column>.path" for nested fields and array
-- elements; objects and arrays read into text/jsonb columns keep their JSON text; epoch milliseconds
-- through "<column>.format"; JSON null and missing fields are NULL; the raw decoder over the same
-- stream returns each payload unchanged.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT count(*) FROM clicks;
SELECT * FROM clicks ORDER BY ts LIMIT 12;
SELECT count(*) FILTER (WHERE user_id IS NULL) AS no_user, count(*) FILTER (WHERE url IS NULL) AS no_url,
       count(*) FILTER (WHERE bytes IS NULL) AS no_bytes, count(*) FILTER (WHERE status IS NULL) AS no_status
  FROM clicks;
SELECT user_id, url, status, bytes FROM clicks WHERE user_id IS NULL OR url IS NULL OR bytes IS NULL OR bytes < 0
  OR status IS NULL ORDER BY ts;
-- @pg:
CREATE TABLE clicks_ext (user_id bigint, country text, city text, tags text, first_tag text, geo jsonb, ms timestamptz, price numeric, ok boolean)
  WITH (stream = 'clicks', format = 'json', country.path = 'geo/country', city.path = 'geo/city',
        first_tag.path = 'tags/0', ms.format = 'milliseconds');
SELECT * FROM clicks_ext ORDER BY ms LIMIT 10;
SELECT country, city, count(*) FROM clicks_ext GROUP BY country, city ORDER BY country NULLS FIRST, city;
SELECT tags, count(*) FROM clicks_ext GROUP BY tags ORDER BY tags;
SELECT first_tag, count(*) FROM clicks_ext GROUP BY first_tag ORDER BY first_tag NULLS FIRST;
SELECT ok, count(*), sum(price) FROM clicks_ext GROUP BY ok ORDER BY ok;
SELECT count(*) FILTER (WHERE geo IS NULL) AS no_geo, count(*) FILTER (WHERE price IS NULL) AS no_price FROM clicks_ext;
-- the same stream through two tables: one decode per table, the same records
SELECT count(*) FROM clicks c JOIN clicks_ext e ON e.ms = c.ts AND e.user_id IS NOT DISTINCT FROM c.user_id;
-- @pg:
CREATE TABLE clicks_raw (line text) WITH (stream = 'clicks', format = 'raw');
SELECT line FROM clicks_raw ORDER BY line LIMIT 3;
SELECT count(*), sum(octet_length(line)) AS bytes, min(length(line)) AS shortest FROM clicks_raw;
SELECT (line::jsonb)->>'url' AS url, count(*) FROM clicks_raw GROUP BY 1 ORDER BY 2 DESC, 1 NULLS FIRST LIMIT 4;
-- DROP TABLE drops the mapping, not the stream: a new table over it reads the same records
-- @pg: ALTER TABLE clicks_raw RENAME TO sqlrun_dropped;
DROP TABLE clicks_raw;
-- @pg: ALTER TABLE sqlrun_dropped RENAME TO clicks_raw;
CREATE TABLE clicks_raw (line text) WITH (stream = 'clicks', format = 'raw');
SELECT count(*) FROM clicks_raw;
