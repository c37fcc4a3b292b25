-- decode_csv: the CSV decoder. Columns by position, RFC 4180 quoting (a quoted delimiter, a doubled
-- quote), an empty field is NULL and a quoted empty field is the empty string, a short row has NULLs
-- for its missing fields; columns picked by "<column>.index" (0-based, as Trino's CSV decoder); a
-- different delimiter.
-- fixture: clicks_csv
-- @pg:
CREATE TABLE clicks_csv (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks_csv', format = 'csv');
SELECT * FROM clicks_csv ORDER BY user_id NULLS FIRST;
SELECT user_id, url IS NULL AS url_null, url = '' AS url_empty, length(url) AS len FROM clicks_csv ORDER BY user_id NULLS FIRST;
SELECT count(*), count(ts), count(status), sum(bytes) FROM clicks_csv;
-- @pg:
CREATE TABLE clicks_csv2 (url text, user_id bigint) WITH (stream = 'clicks_csv', format = 'csv', url.index = 1, user_id.index = 0);
SELECT * FROM clicks_csv2 ORDER BY user_id NULLS FIRST;
-- @pg:
CREATE TABLE clicks_semi (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks_semi', format = 'csv', delimiter = ';');
SELECT * FROM clicks_semi ORDER BY user_id NULLS FIRST;
SELECT count(*) FROM clicks_semi s JOIN clicks_csv c ON c.user_id = s.user_id AND c.url IS NOT DISTINCT FROM s.url
  AND c.ts IS NOT DISTINCT FROM s.ts;
