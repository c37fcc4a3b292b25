-- aggregates: count, count(DISTINCT), sum, avg, min, max, stddev/variance, percentile_cont/disc,
-- string_agg, bool_and/bool_or, FILTER, GROUP BY (columns, expressions, positions), HAVING, and
-- aggregates over empty input and over NULLs.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT count(*), count(user_id), count(DISTINCT user_id), count(bytes), count(DISTINCT status) FROM clicks;
SELECT sum(bytes), avg(bytes), min(bytes), max(bytes) FROM clicks;
SELECT sum(status), avg(status), min(status), max(status) FROM clicks;
SELECT min(ts), max(ts), max(ts) - min(ts) AS span FROM clicks;
SELECT min(url), max(url) FROM clicks;
SELECT round(stddev(bytes), 6) AS sd, round(stddev_pop(bytes), 6) AS sdp, round(variance(bytes), 4) AS var,
       round(var_pop(bytes), 4) AS varp FROM clicks;
SELECT stddev(bytes::double precision) > 0 AS positive, stddev_samp(status::float8)::numeric(20,6) AS sd_status FROM clicks;
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes) AS median,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY bytes) AS p90,
       percentile_disc(0.5) WITHIN GROUP (ORDER BY bytes) AS median_disc FROM clicks;
SELECT status, percentile_cont(0.25) WITHIN GROUP (ORDER BY bytes) AS q1,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY bytes) AS q3
  FROM clicks WHERE status IS NOT NULL GROUP BY status ORDER BY status;
SELECT string_agg(DISTINCT url, ', ' ORDER BY url) FROM clicks WHERE status = 200;
SELECT status, string_agg(user_id::text, ',' ORDER BY ts) AS users FROM clicks GROUP BY status ORDER BY status NULLS LAST;
SELECT bool_and(bytes >= 0) AS all_positive, bool_or(status = 503) AS any_503, bool_and(status IS NOT NULL) AS all_status,
       every(url IS NOT NULL) AS every_url FROM clicks;
SELECT count(*) FILTER (WHERE status = 200) AS ok, count(*) FILTER (WHERE status >= 400) AS errors,
       sum(bytes) FILTER (WHERE status = 200) AS ok_bytes FROM clicks;
-- GROUP BY
SELECT status, count(*), sum(bytes), round(avg(bytes), 2) AS avg_bytes FROM clicks GROUP BY status ORDER BY status NULLS FIRST;
SELECT user_id, count(*) AS n, max(ts) AS last_seen FROM clicks GROUP BY user_id ORDER BY n DESC, user_id NULLS LAST LIMIT 5;
SELECT url, status, count(*) FROM clicks GROUP BY url, status HAVING count(*) > 1 ORDER BY url, status;
SELECT date_trunc('hour', ts) AS hour, count(*), sum(bytes) FROM clicks GROUP BY 1 ORDER BY 1;
SELECT status / 100 AS class, count(*) FROM clicks GROUP BY status / 100 ORDER BY 1 NULLS LAST;
SELECT user_id % 3 AS bucket, count(*), count(DISTINCT url) FROM clicks WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT url, count(*) FROM clicks GROUP BY url HAVING sum(bytes) > 50000 ORDER BY count(*) DESC, url;
SELECT count(*) FROM clicks HAVING count(*) > 1000;
SELECT status FROM clicks GROUP BY status HAVING bool_or(bytes > 45000) ORDER BY status;
-- empty input and NULLs
SELECT count(*), sum(bytes), avg(bytes), min(url), max(ts), string_agg(url, ','), bool_and(true) FROM clicks WHERE false;
SELECT status, count(*) FROM clicks WHERE false GROUP BY status;
SELECT sum(x), avg(x), count(x) FROM (SELECT NULL::int AS x FROM clicks) s;
SELECT count(*) AS n, sum(1) AS s, avg(2.5) AS a FROM clicks;
-- overflow-safe sums: sum(bigint) is numeric in PostgreSQL
SELECT sum(bytes * 1000000000000) AS big FROM clicks;
SELECT pg_typeof(sum(bytes)) AS sum_bigint, pg_typeof(sum(status)) AS sum_int, pg_typeof(avg(status)) AS avg_int,
       pg_typeof(count(*)) AS cnt FROM clicks;
