-- windows.sql: the window table functions (tumble, hop, session in FROM; docs/sql-windows.md) against the
-- same questions asked in plain PostgreSQL 15 over the same rows. Each block is a weir query, a line
-- `-- postgres:`, and the PostgreSQL query that must give the same answer (run.py read_queries):
--   tumble(t, ts, size [, offset])   date_bin(size, ts, 1970-01-01 + offset), end = start + size
--   hop(t, ts, slide, size [, off])  generate_series over the size / slide slide-aligned starts of each row
--   session(t, ts, gap [, keys])     lag() over (keys ORDER BY ts) > gap starts a session; a running sum of
--                                    those starts numbers them; bounds min(ts), max(ts) + gap per session
-- The clicks' times (2019-2025) are all after the origins, where date_bin floors as windows do.

-- ---------------------------------------------------------------------------------------------- tumble

SELECT window_start, window_end, count(*) FROM tumble(clicks, ts, interval '1 hour') GROUP BY 1, 2 ORDER BY 1
-- postgres:
SELECT date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
       date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00') + interval '1 hour' AS window_end, count(*)
FROM clicks GROUP BY 1, 2 ORDER BY 1

SELECT country, window_start, count(*), sum(bytes), count(DISTINCT user_id)
FROM tumble(clicks, ts, interval '15 minutes') GROUP BY 1, 2 ORDER BY 1, 2
-- postgres:
SELECT country, date_bin('15 minutes', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start, count(*), sum(bytes),
       count(DISTINCT user_id)
FROM clicks GROUP BY 1, 2 ORDER BY 1, 2

-- a row's own window, row by row (windows hold their start, not their end)
SELECT event_id, ts, window_start, window_end FROM tumble(clicks, ts, interval '10 minutes') WHERE event_id <= 400 ORDER BY event_id
-- postgres:
SELECT event_id, ts, date_bin('10 minutes', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
       date_bin('10 minutes', ts, timestamptz '1970-01-01 00:00:00+00') + interval '10 minutes' AS window_end
FROM clicks WHERE event_id <= 400 ORDER BY event_id

-- an offset: days from 19:00 UTC
SELECT window_start, window_end, count(*), min(ts), max(ts) FROM tumble(clicks, ts, interval '1 day', interval '-5 hours') GROUP BY 1, 2 ORDER BY 1
-- postgres:
SELECT date_bin('1 day', ts, timestamptz '1969-12-31 19:00:00+00') AS window_start,
       date_bin('1 day', ts, timestamptz '1969-12-31 19:00:00+00') + interval '1 day' AS window_end, count(*), min(ts), max(ts)
FROM clicks GROUP BY 1, 2 ORDER BY 1

-- an offset larger than the size counts from the next boundary (named arguments too)
SELECT window_start, count(*) FROM tumble(clicks, ts, size => interval '6 hours', "offset" => interval '7 hours 30 minutes') GROUP BY 1 ORDER BY 1
-- postgres:
SELECT date_bin('6 hours', ts, timestamptz '1970-01-01 01:30:00+00') AS window_start, count(*) FROM clicks GROUP BY 1 ORDER BY 1

-- weeks are aligned to 1970-01-01, a Thursday
SELECT window_start, extract(dow FROM window_start) AS dow, count(*) FROM tumble(clicks, ts, interval '7 days') GROUP BY 1 ORDER BY 1
-- postgres:
SELECT date_bin('7 days', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
       extract(dow FROM date_bin('7 days', ts, timestamptz '1970-01-01 00:00:00+00')) AS dow, count(*)
FROM clicks GROUP BY 1 ORDER BY 1

-- a timestamp (without time zone) column: window bounds of that type
SELECT window_start, window_end, count(*) FROM tumble((SELECT event_id, ts AT TIME ZONE 'America/New_York' AS lts FROM clicks), lts, interval '2 hours') GROUP BY 1, 2 ORDER BY 1
-- postgres:
SELECT date_bin('2 hours', ts AT TIME ZONE 'America/New_York', timestamp '1970-01-01 00:00:00') AS window_start,
       date_bin('2 hours', ts AT TIME ZONE 'America/New_York', timestamp '1970-01-01 00:00:00') + interval '2 hours' AS window_end,
       count(*)
FROM clicks GROUP BY 1, 2 ORDER BY 1

-- rows without a time belong to no window
SELECT window_start, count(*), count(t2) FROM tumble((SELECT event_id, CASE WHEN event_id % 7 = 0 THEN NULL ELSE ts END AS t2 FROM clicks), t2, interval '1 hour') GROUP BY 1 ORDER BY 1
-- postgres:
SELECT date_bin('1 hour', t2, timestamptz '1970-01-01 00:00:00+00') AS window_start, count(*), count(t2)
FROM (SELECT event_id, CASE WHEN event_id % 7 = 0 THEN NULL ELSE ts END AS t2 FROM clicks) s WHERE t2 IS NOT NULL GROUP BY 1 ORDER BY 1

-- filters on the table's columns and on the window, above the window assignment
SELECT w.window_start, w.status, count(*) FROM tumble(clicks, ts, interval '30 minutes') AS w
WHERE w.status >= 400 AND w.country = 'DE' AND w.window_start >= timestamptz '2022-01-01' GROUP BY 1, 2 ORDER BY 1, 2
-- postgres:
SELECT date_bin('30 minutes', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start, status, count(*) FROM clicks
WHERE status >= 400 AND country = 'DE' AND date_bin('30 minutes', ts, timestamptz '1970-01-01 00:00:00+00') >= timestamptz '2022-01-01'
GROUP BY 1, 2 ORDER BY 1, 2

-- over a CTE, with HAVING and ORDER BY an aggregate
WITH errors AS (SELECT event_id, url, ts FROM clicks WHERE status >= 500)
SELECT url, window_start, count(*) AS n FROM tumble(errors, ts, interval '3 hours') GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY n DESC, 1, 2
-- postgres:
WITH errors AS (SELECT event_id, url, ts FROM clicks WHERE status >= 500)
SELECT url, date_bin('3 hours', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start, count(*) AS n FROM errors
GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY n DESC, 1, 2

-- SELECT * keeps the table's columns, then the window's (hidden columns stay hidden)
SELECT * FROM tumble(clicks, ts, interval '1 minute') WHERE event_id % 500 = 1 ORDER BY event_id
-- postgres:
SELECT *, date_bin('1 minute', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start,
       date_bin('1 minute', ts, timestamptz '1970-01-01 00:00:00+00') + interval '1 minute' AS window_end
FROM clicks WHERE event_id % 500 = 1 ORDER BY event_id

-- ------------------------------------------------------------------------------------------------- hop

SELECT event_id, ts, window_start, window_end FROM hop(clicks, ts, interval '10 minutes', interval '30 minutes') WHERE event_id % 50 = 0 ORDER BY event_id, window_start
-- postgres:
SELECT event_id, ts, w AS window_start, w + interval '30 minutes' AS window_end
FROM clicks, generate_series(date_bin('10 minutes', ts, timestamptz '1970-01-01 00:00:00+00') - interval '20 minutes',
                             date_bin('10 minutes', ts, timestamptz '1970-01-01 00:00:00+00'), interval '10 minutes') AS w
WHERE event_id % 50 = 0 ORDER BY event_id, window_start

SELECT window_start, window_end, count(*), count(DISTINCT user_id) FROM hop(clicks, ts, interval '1 hour', interval '3 hours') GROUP BY 1, 2 ORDER BY 1
-- postgres:
SELECT w AS window_start, w + interval '3 hours' AS window_end, count(*), count(DISTINCT user_id)
FROM clicks, generate_series(date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00') - interval '2 hours',
                             date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00'), interval '1 hour') AS w
GROUP BY 1, 2 ORDER BY 1

-- an offset: 2-hour windows every 30 minutes, starting at 10 and 40 past the hour
SELECT device, window_start, count(*) FROM hop(clicks, ts, interval '30 minutes', interval '2 hours', interval '10 minutes') GROUP BY 1, 2 ORDER BY 1, 2
-- postgres:
SELECT device, w AS window_start, count(*)
FROM clicks, generate_series(date_bin('30 minutes', ts, timestamptz '1970-01-01 00:10:00+00') - interval '90 minutes',
                             date_bin('30 minutes', ts, timestamptz '1970-01-01 00:10:00+00'), interval '30 minutes') AS w
GROUP BY 1, 2 ORDER BY 1, 2

-- a negative offset and a timestamp column
SELECT window_start, window_end, count(*) FROM hop((SELECT ts AT TIME ZONE 'UTC' AS lts FROM clicks), lts, interval '1 day', interval '2 days', interval '-3 hours') GROUP BY 1, 2 ORDER BY 1
-- postgres:
SELECT w AS window_start, w + interval '2 days' AS window_end, count(*)
FROM clicks, generate_series(date_bin('1 day', ts AT TIME ZONE 'UTC', timestamp '1969-12-31 21:00:00') - interval '1 day',
                             date_bin('1 day', ts AT TIME ZONE 'UTC', timestamp '1969-12-31 21:00:00'), interval '1 day') AS w
GROUP BY 1, 2 ORDER BY 1

-- slide = size is tumble
SELECT window_start, count(*) FROM hop(clicks, ts, interval '20 minutes', interval '20 minutes') GROUP BY 1 ORDER BY 1
-- postgres:
SELECT date_bin('20 minutes', ts, timestamptz '1970-01-01 00:00:00+00') AS window_start, count(*) FROM clicks GROUP BY 1 ORDER BY 1

-- NULL times, the busiest windows
SELECT window_start, count(*) AS n FROM hop((SELECT CASE WHEN status = 200 THEN ts END AS ok_ts FROM clicks), ok_ts, interval '5 minutes', interval '15 minutes') GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10
-- postgres:
SELECT w AS window_start, count(*) AS n
FROM clicks, generate_series(date_bin('5 minutes', ts, timestamptz '1970-01-01 00:00:00+00') - interval '10 minutes',
                             date_bin('5 minutes', ts, timestamptz '1970-01-01 00:00:00+00'), interval '5 minutes') AS w
WHERE status = 200 GROUP BY 1 ORDER BY n DESC, 1 LIMIT 10

-- every window of a row has the same length
SELECT DISTINCT window_end - window_start AS len FROM hop(clicks, ts, interval '90 seconds', interval '6 minutes')
-- postgres:
SELECT interval '6 minutes' AS len

-- --------------------------------------------------------------------------------------------- session

-- per user, a 30-minute gap: each session's bounds and size (NULL user ids are one partition)
SELECT user_id, window_start, window_end, count(*) FROM session(clicks, ts, interval '30 minutes', user_id) GROUP BY 1, 2, 3 ORDER BY 1, 2
-- postgres:
WITH o AS (SELECT user_id, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) <= interval '30 minutes' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT user_id, ts, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o)
SELECT user_id, min(ts) AS window_start, max(ts) + interval '30 minutes' AS window_end, count(*) FROM s GROUP BY user_id, sid ORDER BY 1, 2

-- no keys: one partition
SELECT window_start, window_end, count(*) FROM session(clicks, ts, interval '2 minutes') GROUP BY 1, 2 ORDER BY 1
-- postgres:
WITH o AS (SELECT ts, CASE WHEN ts - lag(ts) OVER (ORDER BY ts) <= interval '2 minutes' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT ts, sum(brk) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o)
SELECT min(ts) AS window_start, max(ts) + interval '2 minutes' AS window_end, count(*) FROM s GROUP BY sid ORDER BY 1

-- two keys
SELECT country, device, count(*) AS sessions, max(n) AS longest FROM (SELECT country, device, window_start, count(*) AS n FROM session(clicks, ts, interval '1 hour', country, device) GROUP BY 1, 2, 3) x GROUP BY 1, 2 ORDER BY 1, 2
-- postgres:
WITH o AS (SELECT country, device, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY country, device ORDER BY ts) <= interval '1 hour' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT country, device, ts, sum(brk) OVER (PARTITION BY country, device ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o),
     x AS (SELECT country, device, sid, count(*) AS n FROM s GROUP BY 1, 2, 3)
SELECT country, device, count(*) AS sessions, max(n) AS longest FROM x GROUP BY 1, 2 ORDER BY 1, 2

-- row by row, filtered after the sessions were found (the filter must not change them)
SELECT event_id, user_id, window_start, window_end FROM session(clicks, ts, interval '45 minutes', user_id) WHERE event_id % 25 = 0 ORDER BY event_id
-- postgres:
WITH o AS (SELECT event_id, user_id, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) <= interval '45 minutes' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT event_id, user_id, ts, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o),
     b AS (SELECT event_id, user_id, min(ts) OVER (PARTITION BY user_id, sid) AS window_start,
                  max(ts) OVER (PARTITION BY user_id, sid) + interval '45 minutes' AS window_end FROM s)
SELECT * FROM b WHERE event_id % 25 = 0 ORDER BY event_id

-- rows without a time are in no session (and do not join two)
SELECT session, window_start, window_end, count(*) FROM session((SELECT session, CASE WHEN status <> 200 THEN ts END AS t2 FROM clicks), t2, interval '3 hours', session) GROUP BY 1, 2, 3 ORDER BY 1, 2
-- postgres:
WITH c AS (SELECT session, ts AS t2 FROM clicks WHERE status <> 200),
     o AS (SELECT session, t2, CASE WHEN t2 - lag(t2) OVER (PARTITION BY session ORDER BY t2) <= interval '3 hours' THEN 0 ELSE 1 END AS brk FROM c),
     s AS (SELECT session, t2, sum(brk) OVER (PARTITION BY session ORDER BY t2 ROWS UNBOUNDED PRECEDING) AS sid FROM o)
SELECT session, min(t2) AS window_start, max(t2) + interval '3 hours' AS window_end, count(*) FROM s GROUP BY session, sid ORDER BY 1, 2

-- a gap of exactly the gap joins; one microsecond more splits
WITH t(k, ts) AS (VALUES ('a', timestamptz '2024-01-01 00:00:00'), ('a', '2024-01-01 00:00:05'), ('a', '2024-01-01 00:00:10.000001'),
                         ('b', '2024-01-01 00:00:03'), (NULL, '2024-01-01 00:00:04'), (NULL, '2024-01-01 00:00:01'))
SELECT k, ts, window_start, window_end FROM session(t, ts, interval '5 seconds', k) ORDER BY k, ts
-- postgres:
WITH t(k, ts) AS (VALUES ('a', timestamptz '2024-01-01 00:00:00'), ('a', '2024-01-01 00:00:05'), ('a', '2024-01-01 00:00:10.000001'),
                         ('b', '2024-01-01 00:00:03'), (NULL, '2024-01-01 00:00:04'), (NULL, '2024-01-01 00:00:01')),
     o AS (SELECT k, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY k ORDER BY ts) <= interval '5 seconds' THEN 0 ELSE 1 END AS brk FROM t),
     s AS (SELECT k, ts, sum(brk) OVER (PARTITION BY k ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o)
SELECT k, ts, min(ts) OVER (PARTITION BY k, sid) AS window_start, max(ts) OVER (PARTITION BY k, sid) + interval '5 seconds' AS window_end
FROM s ORDER BY k, ts

-- window functions over sessions: each session's first url
SELECT user_id, window_start, url FROM (SELECT user_id, window_start, url, row_number() OVER (PARTITION BY user_id, window_start ORDER BY ts, event_id) AS rn FROM session(clicks, ts, interval '20 minutes', user_id) WHERE user_id <= 50) x WHERE rn = 1 ORDER BY 1, 2
-- postgres:
WITH o AS (SELECT event_id, user_id, url, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) <= interval '20 minutes' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT event_id, user_id, url, ts, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o),
     b AS (SELECT user_id, url, ts, event_id, min(ts) OVER (PARTITION BY user_id, sid) AS window_start FROM s),
     x AS (SELECT user_id, window_start, url, row_number() OVER (PARTITION BY user_id, window_start ORDER BY ts, event_id) AS rn FROM b WHERE user_id <= 50)
SELECT user_id, window_start, url FROM x WHERE rn = 1 ORDER BY 1, 2

-- ---------------------------------------------------------------------- joins with a reference table

SELECT u.plan, w.window_start, count(*), sum(w.bytes) FROM tumble(clicks, ts, interval '1 day') w JOIN users u ON u.user_id = w.user_id GROUP BY 1, 2 ORDER BY 1, 2
-- postgres:
SELECT u.plan, date_bin('1 day', c.ts, timestamptz '1970-01-01 00:00:00+00') AS window_start, count(*), sum(c.bytes)
FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY 1, 2 ORDER BY 1, 2

-- a windowed aggregate joined with the users it names (users without a row keep NULLs)
SELECT a.user_id, u.name, a.window_start, a.n FROM (SELECT user_id, window_start, count(*) AS n FROM hop(clicks, ts, interval '1 hour', interval '2 hours') GROUP BY 1, 2) a LEFT JOIN users u ON u.user_id = a.user_id WHERE a.n >= 3 ORDER BY 1, 3
-- postgres:
SELECT a.user_id, u.name, a.window_start, a.n
FROM (SELECT user_id, w AS window_start, count(*) AS n
      FROM clicks, generate_series(date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00') - interval '1 hour',
                                   date_bin('1 hour', ts, timestamptz '1970-01-01 00:00:00+00'), interval '1 hour') AS w
      GROUP BY 1, 2) a
LEFT JOIN users u ON u.user_id = a.user_id WHERE a.n >= 3 ORDER BY 1, 3

-- sessions per plan: how many, and the longest
SELECT u.plan, count(*) AS sessions, max(s.len) AS longest FROM (SELECT user_id, window_start, max(window_end - window_start) AS len FROM session(clicks, ts, interval '1 hour', user_id) GROUP BY 1, 2) s JOIN users u USING (user_id) GROUP BY 1 ORDER BY 1
-- postgres:
WITH o AS (SELECT user_id, ts, CASE WHEN ts - lag(ts) OVER (PARTITION BY user_id ORDER BY ts) <= interval '1 hour' THEN 0 ELSE 1 END AS brk FROM clicks),
     s AS (SELECT user_id, ts, sum(brk) OVER (PARTITION BY user_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS sid FROM o),
     x AS (SELECT user_id, max(ts) + interval '1 hour' - min(ts) AS len FROM s GROUP BY user_id, sid)
SELECT u.plan, count(*) AS sessions, max(x.len) AS longest FROM x JOIN users u USING (user_id) GROUP BY 1 ORDER BY 1

-- the reference table windowed on its own timestamp (a date cast up), joined back to the stream
SELECT u.window_start, count(DISTINCT u.user_id) AS signups, count(c.event_id) AS clicks FROM tumble((SELECT user_id, signup::timestamp AS signed FROM users), signed, interval '365 days') u LEFT JOIN clicks c ON c.user_id = u.user_id GROUP BY 1 ORDER BY 1
-- postgres:
SELECT date_bin('365 days', signup::timestamp, timestamp '1970-01-01') AS window_start, count(DISTINCT u.user_id) AS signups, count(c.event_id) AS clicks
FROM users u LEFT JOIN clicks c ON c.user_id = u.user_id GROUP BY 1 ORDER BY 1

-- ------------------------------------------------------------------------------------------------ errors

-- sizes with months have no fixed length (0A000, as date_bin)
SELECT count(*) FROM tumble(clicks, ts, interval '1 month')
-- postgres:
SELECT count(*) FROM clicks GROUP BY date_bin('1 month', ts, timestamptz '1970-01-01 00:00:00+00')

-- a slide must be positive (22023, as generate_series's step; date_bin says 22008)
SELECT count(*) FROM hop(clicks, ts, interval '0 minutes', interval '10 minutes')
-- postgres:
SELECT count(*) FROM clicks, generate_series(ts - interval '10 minutes', ts, interval '0 minutes') AS w
