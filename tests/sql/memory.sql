-- memory: a query over the memory budget (weir server --query-memory, here 16MB) fails with SQLSTATE
-- 53200, and only that query: the transaction block fails as any error makes it fail, the session,
-- other sessions and the server go on. PostgreSQL has no per-query budget, so the failures are recorded
-- from weir; the queries that fit are compared with PostgreSQL.
-- fixture: clicks_small
-- @server-args: --query-memory 16MB
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- within the budget
SELECT count(DISTINCT g), sum(g) FROM generate_series(1, 100000) g;
SELECT length(string_agg(repeat(url, 1000), ',' ORDER BY ts)) AS len FROM clicks;
SELECT g % 7 AS k, count(*) FROM generate_series(1, 100000) g GROUP BY 1 ORDER BY 1;
-- @recorded begin
\set VERBOSITY verbose
-- over it: an aggregate's state, a hash table of distinct values, a hash aggregation with many groups
SELECT length(string_agg(repeat(url, 100000), ',')) FROM clicks;
SELECT count(DISTINCT g) FROM generate_series(1, 2000000) g;
SELECT g, count(*) FROM generate_series(1, 1000000) g GROUP BY g ORDER BY 2 DESC, 1 LIMIT 1;
-- in a transaction block: the block fails (25P02) until ROLLBACK
BEGIN;
SELECT count(*) FROM clicks;
SELECT count(DISTINCT g) FROM generate_series(1, 2000000) g;
SELECT 1;
ROLLBACK;
\set VERBOSITY default
-- @recorded end
-- the session goes on, and so does the server
SELECT count(*), count(DISTINCT user_id) FROM clicks;
\c
SELECT count(*), sum(bytes) FROM clicks;
