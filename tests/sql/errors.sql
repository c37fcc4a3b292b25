-- errors: SQLSTATE, message, position (LINE/caret) and detail as PostgreSQL reports them, shown with
-- VERBOSITY verbose; the session stays usable after each error. Weir-only errors (0A000 for what weir
-- does not support, bad table options) are recorded from weir.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
\set VERBOSITY verbose
SELEC count(*) FROM clicks;
SELECT count(*) FROM clicks WHERE;
SELECT count(*)) FROM clicks;
SELECT count(*) FROM no_such_table;
SELECT no_such_column FROM clicks;
SELECT c.url, d.nope FROM clicks c, clicks d LIMIT 1;
SELECT no_such_function(url) FROM clicks;
SELECT url + 1 FROM clicks;
SELECT length(status) FROM clicks;
SELECT user_id, count(*) FROM clicks;
SELECT url FROM clicks GROUP BY status;
SELECT count(*) FROM clicks WHERE count(*) > 1;
SELECT 1/0;
SELECT bytes / (status - status) FROM clicks WHERE status IS NOT NULL;
SELECT 'abc'::int;
SELECT '2024-02-30'::date;
SELECT '99999999999'::int;
SELECT 2147483647::int + 1;
SELECT 9223372036854775807 + 1;
SELECT (-32768)::smallint - 1::smallint;
SELECT 'x' ~ '(';
SELECT sqrt(-1);
SELECT ln(0);
SELECT '{"a":'::json;
SELECT user_id FROM clicks c JOIN clicks d USING (url);
SELECT (SELECT user_id FROM clicks);
SELECT url FROM clicks ORDER BY 9;
SELECT count(*) FROM clicks LIMIT -1;
SELECT * FROM clicks, LATERAL;
SELECT to_timestamp('x', 'YYYY');
SET no_such_setting = 1;
SHOW no_such_setting;
SET TimeZone = 'Mars/Olympus';
-- after all of these the session still works
SELECT count(*) FROM clicks;
-- a transaction block with an error is aborted until ROLLBACK
BEGIN;
SELECT 1/0;
SELECT count(*) FROM clicks;
ROLLBACK;
SELECT count(*) FROM clicks;
-- @recorded begin
INSERT INTO clicks VALUES (1, '/x', now(), 200, 1);
UPDATE clicks SET status = 1;
DELETE FROM clicks;
CREATE INDEX ON clicks (user_id);
CREATE TABLE bad_format (a int) WITH (stream = 'clicks', format = 'xml');
CREATE TABLE bad_option (a int) WITH (stream = 'clicks', format = 'json', colour = 'blue');
CREATE TABLE bad_path (a int) WITH (stream = 'clicks', format = 'json', b.path = 'x');
CREATE TABLE no_source (a int) WITH (format = 'json');
CREATE TABLE bad_csv_index (a int) WITH (stream = 'clicks', format = 'csv', a.index = -1);
CREATE TABLE bad_regex (a text) WITH (stream = 'clicks', format = 'regex', pattern = '(');
CREATE TABLE clicks (a int) WITH (stream = 'clicks', format = 'json');
CREATE TABLE hidden_name (_shard_id text) WITH (stream = 'clicks', format = 'json');
CREATE TABLE missing_file (a int) WITH (file = '/nonexistent/weir-sqlrun.csv', format = 'csv');
-- SQL weir does not support: 0A000 says what, at its position in the query where it has one
SELECT user_id, count(*) FROM clicks GROUP BY ROLLUP (user_id) ORDER BY 1;
SELECT user_id, count(*) FROM clicks GROUP BY GROUPING SETS ((user_id), ()) ORDER BY 1;
SELECT xmlelement(name click, url) FROM clicks;
WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r;
SELECT url FROM clicks ORDER BY url USING <;
SELECT c.url, x.n FROM clicks c, LATERAL (SELECT c.status + 1 AS n) x;
SELECT url FROM clicks FOR UPDATE;
SELECT url INTO clicks_copy FROM clicks;
-- @recorded end
\set VERBOSITY default
SELECT count(*) FROM clicks;
