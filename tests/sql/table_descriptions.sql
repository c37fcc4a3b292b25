-- table_descriptions: Presto/Trino Kinesis table description files (JSON) as tables, unchanged:
-- `weir server --table-descriptions DIR` makes a table of every file in DIR at startup, and
-- CREATE TABLE t () WITH (description_file = '...') makes one from a single file. Names folded to lower
-- case, fields renamed and found by "mapping" (JSON paths, CSV positions), Trino's types and dataFormats.
-- PostgreSQL holds the same tables as model tables (fixture descriptions).
-- fixture: clicks_small, clicks_csv, descriptions
-- @server-args: --table-descriptions $SQLRUN_FILES/desc
-- the directory's tables are there from the start, with the file's column names and types
SELECT table_name, column_name, data_type, character_maximum_length, numeric_precision, numeric_scale
  FROM information_schema.columns WHERE table_name IN ('trino_clicks', 'trino_csv') ORDER BY table_name, ordinal_position;
\d trino_clicks
SELECT * FROM trino_clicks ORDER BY ms, user_id LIMIT 12;
SELECT count(*), count(user_id), count(country), min(day), max(day), sum(price), count(*) FILTER (WHERE ok) AS ok
  FROM trino_clicks;
SELECT country, count(*), min(at), max(ms) FROM trino_clicks GROUP BY country ORDER BY country NULLS FIRST;
SELECT page, json_array_length(tags) AS n_tags, tags->>0 AS first_tag FROM trino_clicks
  WHERE tags::text <> '[]' ORDER BY ms LIMIT 5;
SELECT * FROM trino_csv ORDER BY user_id NULLS FIRST, url;
-- @pg:
CREATE TABLE clicks_csv (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks_csv', format = 'csv');
SELECT c.url, c.status, t.status AS desc_status FROM clicks_csv c JOIN trino_csv t USING (user_id)
  ORDER BY user_id LIMIT 4;
-- a single file: the table takes the name CREATE TABLE gives it, not the file's tableName
-- @pg:
CREATE TABLE clicks_adhoc () WITH (description_file = :'adhoc_file');
\d clicks_adhoc
SELECT city, count(*), sum(status) FROM clicks_adhoc GROUP BY city ORDER BY city NULLS FIRST;
SELECT to_regclass('not_this_name') IS NULL AS file_name_unused;
-- a join across tables from files and from CREATE TABLE
SELECT a.city, count(DISTINCT t.page) AS pages FROM clicks_adhoc a JOIN trino_clicks t ON t.user_id = a.user_id
  GROUP BY a.city ORDER BY pages DESC, a.city NULLS FIRST LIMIT 3;
