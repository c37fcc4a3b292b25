-- explain: EXPLAIN shows the plan and the positions pushed down to the scan (shard pruning for
-- _shard_id, iterator positions for _arrival_time and _sequence_number, the early stop of LIMIT without
-- ORDER BY); EXPLAIN ANALYZE adds rows and time per operator. The plan text is weir's own, so these
-- blocks are recorded from weir after review; decimal numbers (timings) are masked.
-- @mask: [0-9]+\.[0-9]+
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- EXPLAIN answers one text column named "QUERY PLAN", as PostgreSQL's does (clients rely on it)
EXPLAIN SELECT count(*) FROM clicks \gdesc
-- @recorded begin
EXPLAIN SELECT count(*) FROM clicks;
EXPLAIN SELECT url, count(*) FROM clicks WHERE status = 500 GROUP BY url ORDER BY 2 DESC LIMIT 3;
EXPLAIN SELECT count(*) FROM clicks WHERE _shard_id = 'shardId-000000000001';
EXPLAIN SELECT count(*) FROM clicks WHERE _arrival_time > now() - interval '10 seconds';
EXPLAIN SELECT * FROM clicks WHERE _sequence_number > '0';
EXPLAIN SELECT * FROM clicks LIMIT 5;
EXPLAIN SELECT c.user_id, count(*) FROM clicks c JOIN clicks d ON d.user_id = c.user_id GROUP BY 1;
EXPLAIN SELECT user_id, url FROM clicks ORDER BY ts;
-- names as FROM gives them: table and column aliases, function scans, catalog scans
EXPLAIN SELECT c.url FROM clicks c WHERE c.status = 404 ORDER BY c.ts;
EXPLAIN SELECT x.a, count(*) FROM clicks x(a) WHERE x.a > 1 GROUP BY x.a;
EXPLAIN SELECT g, count(*) FROM generate_series(2, 5) g JOIN clicks c ON c.status / 100 = g GROUP BY g;
EXPLAIN SELECT relname FROM pg_class r WHERE r.relkind = 'r';
EXPLAIN ANALYZE SELECT count(*) FROM clicks WHERE status = 200;
EXPLAIN ANALYZE SELECT count(*) FROM clicks WHERE _shard_id = 'shardId-000000000000';
EXPLAIN (ANALYZE, COSTS OFF) SELECT user_id FROM clicks LIMIT 3;
-- @recorded end
-- EXPLAIN does not run the query and EXPLAIN ANALYZE does not return its rows
SELECT count(*) FROM clicks;
