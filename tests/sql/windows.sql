-- windows: the window table functions tumble, hop and session in FROM (docs/sql-windows.md) in ad hoc
-- queries, and a table's event-time options (event_time, watermark_delay, idle_timeout) as pg_class shows
-- them, before and after a restart. PostgreSQL has no tumble(): each window query runs there as its @pg
-- stand-in asking the same question (date_bin from 1970-01-01 for tumble, generate_series for hop, lag()
-- and a running sum for session), so the expected rows are PostgreSQL's. EXPLAIN and weir's own errors
-- are recorded from weir after review.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json', event_time = 'ts', watermark_delay = '5 seconds',
        idle_timeout = '30 seconds');
-- @pg:
CREATE TABLE users (user_id bigint, name text, country text, plan text, signup date)
  WITH (file = :'users_file', format = 'csv');
-- the event-time options, as reloptions; a table without them has none
-- @pg: SELECT 'clicks'::name AS relname, '{event_time=ts,"watermark_delay=5 seconds","idle_timeout=30 seconds"}'::text[] AS reloptions UNION ALL SELECT 'users', NULL ORDER BY 1;
SELECT relname, reloptions FROM pg_class WHERE relname IN ('clicks', 'users') ORDER BY 1;
-- tumble: 30-minute windows
-- @pg: SELECT date_bin('30 minutes', ts, timestamptz '1970-01-01') AS window_start, date_bin('30 minutes', ts, timestamptz '1970-01-01') + interval '30 minutes' AS window_end, count(*), sum(bytes) FROM clicks GROUP BY 1, 2 ORDER BY 1;
SELECT window_start, window_end, count(*), sum(bytes) FROM tumble(clicks, ts, interval '30 minutes') GROUP BY 1, 2 ORDER BY 1;
-- each row's window, through an alias (7-minute windows, counted from 1970-01-01 like every window)
-- @pg: SELECT user_id, ts, date_bin('7 minutes', ts, timestamptz '1970-01-01') AS window_start, date_bin('7 minutes', ts, timestamptz '1970-01-01') + interval '7 minutes' AS window_end FROM clicks WHERE user_id <= 3 ORDER BY ts;
SELECT w.user_id, w.ts, w.window_start, w.window_end FROM tumble(clicks, ts, interval '7 minutes') AS w WHERE w.user_id <= 3 ORDER BY w.ts;
-- an offset: hours starting at 20 past
-- @pg: SELECT date_bin('1 hour', ts, timestamptz '1970-01-01 00:20:00+00') AS window_start, count(*) FROM clicks GROUP BY 1 ORDER BY 1;
SELECT window_start, count(*) FROM tumble(clicks, ts, interval '1 hour', interval '20 minutes') GROUP BY 1 ORDER BY 1;
-- hop: 1-hour windows every 20 minutes, each row in three of them
-- @pg: SELECT w AS window_start, w + interval '1 hour' AS window_end, count(*), string_agg(user_id::text, ',' ORDER BY ts) AS users FROM clicks, generate_series(date_bin('20 minutes', ts, timestamptz '1970-01-01') - interval '40 minutes', date_bin('20 minutes', ts, timestamptz '1970-01-01'), interval '20 minutes') w GROUP BY 1, 2 ORDER BY 1;
SELECT window_start, window_end, count(*), string_agg(user_id::text, ',' ORDER BY ts) AS users FROM hop(clicks, ts, interval '20 minutes', interval '1 hour') GROUP BY 1, 2 ORDER BY 1;
-- session per user with a 20-minute gap (the NULL user is one partition)
-- @pg: WITH o AS (SELECT user_id, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) <= interval '20 minutes' THEN 0 ELSE 1 END AS brk FROM clicks), s AS (SELECT user_id, ts, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o) SELECT user_id, min(ts) AS window_start, max(ts) + interval '20 minutes' AS window_end, count(*) FROM s GROUP BY user_id, sid HAVING count(*) > 1 OR user_id IS NULL ORDER BY 1, 2;
SELECT user_id, window_start, window_end, count(*) FROM session(clicks, ts, interval '20 minutes', user_id) GROUP BY 1, 2, 3 HAVING count(*) > 1 OR user_id IS NULL ORDER BY 1, 2;
-- session without keys: the whole stream's busy periods
-- @pg: WITH o AS (SELECT ts, CASE WHEN ts - lag(ts) OVER (ORDER BY ts) <= interval '8 minutes' THEN 0 ELSE 1 END AS brk FROM clicks), s AS (SELECT ts, sum(brk) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o) SELECT min(ts) AS window_start, max(ts) + interval '8 minutes' AS window_end, count(*) FROM s GROUP BY sid ORDER BY 1;
SELECT window_start, window_end, count(*) FROM session(clicks, ts, interval '8 minutes') GROUP BY 1, 2 ORDER BY 1;
-- a windowed count joined with the reference table
-- @pg: SELECT u.name, date_bin('2 hours', c.ts, timestamptz '1970-01-01') AS window_start, count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY 1, 2 ORDER BY 1, 2;
SELECT u.name, c.window_start, count(*) FROM tumble(clicks, ts, interval '2 hours') c JOIN users u ON u.user_id = c.user_id GROUP BY 1, 2 ORDER BY 1, 2;
-- arrival time is a table's time when it names none: every record arrived in one window
-- @hidden begin
-- @pg: SELECT count(*), count(DISTINCT date_bin('1 day', _arrival_time, timestamptz '1970-01-01')) <= 2 AS at_most_two FROM clicks;
SELECT count(*), count(DISTINCT window_start) <= 2 AS at_most_two FROM tumble(clicks, _arrival_time, interval '1 day');
-- @hidden end
-- the options survive a restart
\! $SQLRUN_CTL restart
\c
-- @pg: SELECT 'clicks'::name AS relname, '{event_time=ts,"watermark_delay=5 seconds","idle_timeout=30 seconds"}'::text[] AS reloptions;
SELECT relname, reloptions FROM pg_class WHERE relname = 'clicks';
-- @recorded begin
EXPLAIN SELECT window_start, count(*) FROM tumble(clicks, ts, interval '10 minutes') GROUP BY 1;
EXPLAIN SELECT * FROM hop(clicks, ts, interval '2 seconds', interval '10 seconds', interval '1 second') h WHERE h.status = 500;
EXPLAIN SELECT user_id, window_start FROM session(clicks, ts, interval '30 minutes', user_id, url);
-- errors: the time column's type, sizes, arguments, and the event-time options
\set VERBOSITY verbose
SELECT * FROM tumble(clicks, status, interval '1 minute');
SELECT * FROM tumble(clicks, ts, interval '1 month');
SELECT * FROM tumble(clicks, ts, interval '-1 minute');
SELECT * FROM hop(clicks, ts, interval '3 minutes', interval '10 minutes');
SELECT * FROM session(clicks, ts);
SELECT * FROM tumble(clicks, ts, interval '1 minute', interval '1 minute', interval '1 minute');
SELECT * FROM tumble(clicks, ts, sized => interval '1 minute');
SELECT * FROM tumble(clicks, ts, interval '1 minute' * status);
SELECT * FROM tumble('clicks', ts, interval '1 minute');
SELECT * FROM session(clicks, ts, interval '1 minute', lower(url));
CREATE TABLE bad (ts timestamptz) WITH (stream = 'clicks', event_time = 'nope');
CREATE TABLE bad (ts date) WITH (stream = 'clicks', event_time = 'ts');
CREATE TABLE bad (ts timestamptz) WITH (stream = 'clicks', event_time = 'ts', watermark_delay = '1 month');
CREATE TABLE bad (ts timestamptz) WITH (stream = 'clicks', event_time = 'ts', watermark_delay = '-1 second');
CREATE TABLE bad (ts timestamptz) WITH (stream = 'clicks', idle_timeout = 'soon');
\set VERBOSITY default
-- @recorded end
