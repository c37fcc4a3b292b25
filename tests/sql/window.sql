-- window: row_number, rank, dense_rank, lag, lead, first_value, sum/avg/count OVER with PARTITION BY,
-- ORDER BY and frames (running totals, moving averages), and window results used in an outer query.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT user_id, ts, row_number() OVER (ORDER BY ts) AS rn FROM clicks ORDER BY ts LIMIT 6;
SELECT user_id, ts, row_number() OVER (PARTITION BY user_id ORDER BY ts) AS nth FROM clicks WHERE user_id <= 4 ORDER BY user_id, ts;
SELECT status, bytes, rank() OVER w AS rnk, dense_rank() OVER w AS drnk FROM clicks
  WHERE status IS NOT NULL WINDOW w AS (PARTITION BY status ORDER BY bytes DESC NULLS LAST) ORDER BY status, rnk, bytes;
SELECT user_id, ts, url, lag(url) OVER (PARTITION BY user_id ORDER BY ts) AS prev_url,
       lead(url, 1, '(end)') OVER (PARTITION BY user_id ORDER BY ts) AS next_url
  FROM clicks WHERE user_id IN (1, 2, 3) ORDER BY user_id, ts;
SELECT ts, bytes, sum(bytes) OVER (ORDER BY ts) AS running, count(*) OVER (ORDER BY ts) AS n FROM clicks ORDER BY ts LIMIT 10;
SELECT ts, bytes, round(avg(bytes) OVER (ORDER BY ts ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 2) AS moving_avg
  FROM clicks ORDER BY ts LIMIT 10;
SELECT user_id, count(*) OVER (PARTITION BY user_id) AS per_user, sum(bytes) OVER (PARTITION BY user_id) AS user_bytes, ts
  FROM clicks WHERE user_id IS NOT NULL ORDER BY user_id, ts LIMIT 12;
SELECT status, avg(bytes) OVER (PARTITION BY status) AS avg_status, first_value(user_id) OVER (PARTITION BY status ORDER BY ts) AS first_user, ts
  FROM clicks WHERE status >= 400 ORDER BY status, ts;
SELECT user_id, ts, ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) AS gap FROM clicks WHERE user_id IN (5, 6) ORDER BY user_id, ts;
SELECT * FROM (SELECT user_id, url, ts, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC) AS r FROM clicks) s
  WHERE r = 1 AND user_id IS NOT NULL ORDER BY user_id;
SELECT url, n, rank() OVER (ORDER BY n DESC) AS rnk FROM (SELECT url, count(*) AS n FROM clicks GROUP BY url) s ORDER BY rnk, url;
SELECT user_id, sum(bytes) AS b, sum(sum(bytes)) OVER () AS total, round(100.0 * sum(bytes) / sum(sum(bytes)) OVER (), 2) AS pct
  FROM clicks WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY user_id;
