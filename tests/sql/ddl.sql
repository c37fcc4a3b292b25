-- ddl: CREATE TABLE over an existing stream or a new one (shards = N), IF NOT EXISTS, DROP TABLE [IF
-- EXISTS] (drops the mapping, never the stream), and tables used after they are dropped.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
CREATE TABLE IF NOT EXISTS clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT count(*) FROM clicks;
-- a table over a stream that does not exist yet creates it
-- @pg: CREATE TABLE fresh (id bigint, note text);
CREATE TABLE fresh (id bigint, note text) WITH (stream = 'fresh', format = 'json', shards = 3);
SELECT count(*), max(id) FROM fresh;
SELECT * FROM fresh;
DROP TABLE fresh;
DROP TABLE IF EXISTS fresh;
SELECT count(*) FROM fresh;
-- the stream outlives its table: mapping it again finds it (empty) without shards = N
-- @pg: CREATE TABLE fresh2 (id bigint);
CREATE TABLE fresh2 (id bigint) WITH (stream = 'fresh', format = 'json');
SELECT count(*) FROM fresh2;
-- two tables on one stream, one dropped: the other still reads it
-- @pg: CREATE TABLE clicks_copy AS SELECT * FROM clicks;
CREATE TABLE clicks_copy (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
DROP TABLE clicks;
SELECT count(*) FROM clicks_copy;
SELECT count(*) FROM clicks;
