-- The differential test's queries (tests/diff/run.py): each runs on PostgreSQL 15 and on weir over the
-- same data (tests/diff/gen.py), and the answers must match. Queries are separated by blank lines.
-- A query whose top level has ORDER BY is compared in order, so its ORDER BY must fix the order (ties
-- broken, e.g. by event_id); anything else is compared as a multiset. Aggregates that depend on input
-- order (string_agg, json_agg) always carry their own ORDER BY.
-- Tables: clicks(event_id, user_id, session, url, referrer, country, device, status, bytes,
-- duration_ms, price, ts, is_bot, props) and users(user_id, name, country, plan, signup, credit).

-- ==== scans, projections, WHERE =======================================================================
SELECT count(*) FROM clicks

SELECT count(*) FROM users

SELECT * FROM clicks WHERE event_id <= 20 ORDER BY event_id

SELECT * FROM users WHERE user_id < 15 ORDER BY user_id

SELECT event_id, user_id, url FROM clicks WHERE status = 404 AND country = 'DE'

SELECT event_id FROM clicks WHERE status <> 200 AND device = 'tablet' AND bytes > 150000

SELECT event_id, bytes FROM clicks WHERE bytes < 0

SELECT event_id, bytes FROM clicks WHERE bytes > 9000000000000000

SELECT count(*) FROM clicks WHERE user_id IS NULL

SELECT count(*) FROM clicks WHERE url IS NULL OR country IS NULL

SELECT count(*) FROM clicks WHERE referrer IS NOT NULL

SELECT count(*) FROM clicks WHERE is_bot

SELECT count(*) FROM clicks WHERE NOT is_bot

SELECT count(*) FROM clicks WHERE is_bot IS NULL

SELECT count(*) FROM clicks WHERE is_bot IS NOT TRUE

SELECT count(*) FROM clicks WHERE is_bot IS DISTINCT FROM false

SELECT count(*) FROM clicks WHERE user_id BETWEEN 100 AND 200

SELECT count(*) FROM clicks WHERE user_id NOT BETWEEN 100 AND 1000

SELECT count(*) FROM clicks WHERE status IN (301, 302, 304)

SELECT count(*) FROM clicks WHERE status NOT IN (200, 404)

SELECT count(*) FROM clicks WHERE country IN ('JP', 'KR', NULL)

SELECT count(*) FROM clicks WHERE country NOT IN ('JP', 'KR', NULL)

SELECT count(*) FROM clicks WHERE duration_ms < 0

SELECT count(*) FROM clicks WHERE duration_ms > 1500.5 AND price < 10

SELECT count(*) FROM clicks WHERE price = 0

SELECT count(*) FROM clicks WHERE price >= 499.5

SELECT event_id, price FROM clicks WHERE price BETWEEN 100.10 AND 100.20 ORDER BY event_id

SELECT count(*) FROM clicks WHERE (status >= 500 OR status = 429) AND device <> 'mobile'

SELECT count(*) FROM clicks WHERE NOT (status = 200 OR country = 'US')

SELECT count(*) FROM clicks WHERE session = 's00042'

SELECT count(*) FROM clicks WHERE session > 's02900'

SELECT event_id, ts FROM clicks WHERE ts >= '2024-03-31 00:00:00+00' AND ts < '2024-03-31 02:00:00+00' ORDER BY ts, event_id

SELECT count(*) FROM clicks WHERE ts < '2020-01-01'

SELECT count(*) FROM clicks WHERE ts >= timestamptz '2025-01-01 00:00:00+00'

SELECT count(*) FROM clicks WHERE ts BETWEEN '2021-03-14 01:00:00-05' AND '2021-03-14 04:00:00-04'

SELECT count(*) FROM clicks WHERE ts::date = '2024-10-27'

SELECT count(*) FROM clicks WHERE user_id = 5 OR user_id = 500 OR user_id = 1050

SELECT count(*) FROM clicks WHERE 1 = 0

SELECT count(*) FROM clicks WHERE true

SELECT count(*) FROM clicks WHERE NULL

SELECT event_id, user_id * 2 AS dbl, bytes + 1 AS b1, -bytes AS neg FROM clicks WHERE event_id % 1000 = 0 ORDER BY event_id

SELECT event_id, status / 100 AS class, status % 100 AS rest FROM clicks WHERE event_id < 30 ORDER BY event_id

-- ==== ORDER BY, LIMIT, OFFSET, DISTINCT ===============================================================
SELECT event_id, bytes FROM clicks ORDER BY bytes DESC NULLS LAST, event_id LIMIT 10

SELECT event_id, bytes FROM clicks ORDER BY bytes NULLS FIRST, event_id LIMIT 10

SELECT event_id, bytes FROM clicks ORDER BY bytes ASC, event_id LIMIT 10

SELECT event_id, duration_ms FROM clicks ORDER BY duration_ms DESC, event_id LIMIT 10

SELECT event_id, price FROM clicks ORDER BY price NULLS FIRST, event_id LIMIT 15

SELECT event_id, ts FROM clicks ORDER BY ts, event_id LIMIT 10

SELECT event_id, ts FROM clicks ORDER BY ts DESC, event_id LIMIT 10

SELECT event_id, url FROM clicks ORDER BY url, event_id LIMIT 20

SELECT event_id, url FROM clicks ORDER BY url DESC NULLS LAST, event_id LIMIT 20

SELECT event_id, country, device FROM clicks ORDER BY country NULLS FIRST, device DESC, event_id LIMIT 12

SELECT event_id FROM clicks ORDER BY event_id LIMIT 5 OFFSET 100

SELECT event_id FROM clicks ORDER BY event_id DESC OFFSET 9995

SELECT event_id FROM clicks ORDER BY event_id LIMIT 0

SELECT event_id, bytes FROM clicks ORDER BY 2 DESC NULLS LAST, 1 LIMIT 5

SELECT event_id, bytes % 1000 AS r FROM clicks WHERE bytes IS NOT NULL ORDER BY bytes % 1000, event_id LIMIT 8

SELECT event_id, abs(duration_ms) FROM clicks WHERE duration_ms IS NOT NULL ORDER BY abs(duration_ms), event_id LIMIT 8

SELECT event_id, is_bot FROM clicks ORDER BY is_bot NULLS FIRST, event_id LIMIT 10

SELECT name FROM users ORDER BY name, user_id LIMIT 25

SELECT name FROM users ORDER BY name DESC, user_id LIMIT 25

SELECT user_id, signup FROM users ORDER BY signup, user_id LIMIT 10

SELECT count(*) FROM (SELECT * FROM clicks LIMIT 100) s

SELECT count(*) FROM (SELECT event_id FROM clicks ORDER BY event_id LIMIT 50 OFFSET 20) s

SELECT DISTINCT status FROM clicks

SELECT DISTINCT country FROM clicks ORDER BY country NULLS FIRST

SELECT DISTINCT device, is_bot FROM clicks

SELECT DISTINCT url FROM clicks ORDER BY url NULLS LAST

SELECT DISTINCT date_trunc('year', ts) AS y FROM clicks ORDER BY y

SELECT DISTINCT ON (country) country, event_id, bytes FROM clicks ORDER BY country, bytes DESC NULLS LAST, event_id

SELECT DISTINCT ON (device) device, event_id, ts FROM clicks ORDER BY device, ts, event_id

SELECT count(DISTINCT session) FROM clicks

SELECT count(DISTINCT user_id), count(DISTINCT country), count(DISTINCT url) FROM clicks

SELECT count(*) FROM (SELECT DISTINCT user_id, device FROM clicks) s

-- ==== aggregates ======================================================================================
SELECT count(*), count(user_id), count(url), count(bytes), count(duration_ms), count(price) FROM clicks

SELECT sum(bytes), min(bytes), max(bytes), avg(bytes) FROM clicks

SELECT sum(status), avg(status), min(status), max(status) FROM clicks

SELECT sum(duration_ms), avg(duration_ms), min(duration_ms), max(duration_ms) FROM clicks

SELECT sum(price), avg(price), min(price), max(price) FROM clicks

SELECT min(ts), max(ts), max(ts) - min(ts) FROM clicks

SELECT min(url), max(url), min(country), max(country) FROM clicks

SELECT min(signup), max(signup), sum(credit), avg(credit) FROM users

SELECT stddev(bytes), stddev_pop(bytes), variance(bytes), var_pop(bytes) FROM clicks

SELECT stddev(duration_ms), stddev_samp(duration_ms), var_samp(duration_ms) FROM clicks

SELECT stddev(price), variance(price) FROM clicks

SELECT stddev(status) FROM clicks WHERE status = 200

SELECT stddev(bytes) FROM clicks WHERE event_id = 1

SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY bytes) FROM clicks

SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) FROM clicks

SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY price), percentile_cont(0.75) WITHIN GROUP (ORDER BY price) FROM clicks

SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY bytes), percentile_disc(0.1) WITHIN GROUP (ORDER BY ts) FROM clicks

SELECT device, percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS median FROM clicks GROUP BY device

SELECT string_agg(DISTINCT country, ',' ORDER BY country) FROM clicks

SELECT device, string_agg(DISTINCT url, ' | ' ORDER BY url) FROM clicks WHERE status = 500 GROUP BY device

SELECT string_agg(name, '; ' ORDER BY name, user_id) FROM users WHERE user_id < 40

SELECT country, string_agg(event_id::text, ',' ORDER BY event_id) FROM clicks WHERE bytes > 199900 GROUP BY country

SELECT bool_and(bytes >= 0), bool_or(bytes < 0), bool_and(status < 600), bool_or(is_bot) FROM clicks

SELECT device, bool_and(is_bot), bool_or(is_bot), every(status > 0) FROM clicks GROUP BY device

SELECT count(*) FILTER (WHERE is_bot), count(*) FILTER (WHERE status >= 400), sum(bytes) FILTER (WHERE device = 'mobile') FROM clicks

SELECT avg(duration_ms) FILTER (WHERE country = 'JP'), max(price) FILTER (WHERE url LIKE '/product/%') FROM clicks

SELECT count(*), sum(bytes), avg(bytes), min(url), max(ts), bool_and(is_bot), string_agg(url, ',' ORDER BY url) FROM clicks WHERE false

SELECT sum(x), avg(x), max(x), count(x) FROM (SELECT NULL::bigint AS x FROM clicks) s

SELECT sum(bytes * 1000000) FROM clicks

SELECT sum(bytes::numeric * bytes) FROM clicks

SELECT avg(bytes)::numeric(20,4), round(avg(duration_ms)::numeric, 6) FROM clicks

SELECT count(*) * 2, sum(status) / count(*), 1.0 * sum(bytes) / nullif(count(bytes), 0) FROM clicks

SELECT max(length(url)), min(octet_length(url)), sum(length(coalesce(referrer, ''))) FROM clicks

-- ==== GROUP BY and HAVING ==============================================================================
SELECT status, count(*) FROM clicks GROUP BY status

SELECT country, count(*), sum(bytes), avg(duration_ms) FROM clicks GROUP BY country

SELECT device, is_bot, count(*) FROM clicks GROUP BY device, is_bot

SELECT url, count(*), count(DISTINCT user_id) FROM clicks GROUP BY url

SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id ORDER BY n DESC, user_id NULLS FIRST LIMIT 10

SELECT session, count(*) FROM clicks GROUP BY session HAVING count(*) >= 9

SELECT country, device, count(*), round(avg(price), 2) FROM clicks GROUP BY country, device ORDER BY country NULLS LAST, device

SELECT status / 100 AS class, count(*) FROM clicks GROUP BY status / 100

SELECT status / 100 AS class, count(*) FROM clicks GROUP BY 1 HAVING count(*) > 100

SELECT date_trunc('year', ts) AS y, count(*), sum(bytes) FROM clicks GROUP BY 1 ORDER BY 1

SELECT date_trunc('month', ts) AS m, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT date_trunc('hour', ts) AS h, count(*) FROM clicks WHERE ts >= '2024-03-30' AND ts < '2024-04-01' GROUP BY 1 ORDER BY 1

SELECT date_trunc('minute', ts) AS m, count(*) FROM clicks GROUP BY 1 HAVING count(*) > 2 ORDER BY 1

SELECT extract(year FROM ts) AS y, extract(month FROM ts) AS m, count(*) FROM clicks GROUP BY 1, 2

SELECT extract(dow FROM ts) AS dow, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT extract(hour FROM ts) AS h, avg(bytes) FROM clicks GROUP BY 1 ORDER BY 1

SELECT is_bot, count(*), avg(duration_ms) FROM clicks GROUP BY is_bot

SELECT coalesce(country, '??') AS c, count(*) FROM clicks GROUP BY 1 ORDER BY 2 DESC, 1

SELECT lower(device) AS d, count(*) FROM clicks GROUP BY lower(device)

SELECT url IS NULL AS no_url, country IS NULL AS no_country, count(*) FROM clicks GROUP BY 1, 2

SELECT props->>'ab' AS ab, count(*), avg(duration_ms) FROM clicks GROUP BY 1

SELECT (props->>'n')::int AS n, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT country, count(*) FROM clicks GROUP BY country HAVING sum(bytes) > 100000000

SELECT device, count(*) FROM clicks GROUP BY device HAVING avg(duration_ms) > 0 AND count(*) > 10

SELECT url, count(*) FROM clicks GROUP BY url HAVING max(status) >= 500 AND min(status) = 200

SELECT country FROM clicks GROUP BY country HAVING bool_or(bytes < 0)

SELECT count(*) FROM clicks HAVING count(*) > 0

SELECT count(*) FROM clicks HAVING count(*) < 0

SELECT user_id, sum(price) AS spent FROM clicks WHERE price IS NOT NULL GROUP BY user_id HAVING sum(price) > 2500 ORDER BY spent DESC, user_id NULLS LAST

SELECT plan, count(*), avg(credit), min(signup) FROM users GROUP BY plan

SELECT country, plan, count(*) FROM users GROUP BY country, plan HAVING count(*) > 5

SELECT session, min(ts), max(ts), max(ts) - min(ts) AS span FROM clicks GROUP BY session HAVING count(*) > 7

SELECT status, count(*) AS n, sum(count(*)) OVER () AS total FROM clicks GROUP BY status

-- ==== joins ===========================================================================================
SELECT count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id

SELECT count(*) FROM clicks c INNER JOIN users u USING (user_id)

SELECT u.plan, count(*), sum(c.bytes) FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY u.plan

SELECT u.country AS user_country, c.country AS click_country, count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY 1, 2 HAVING count(*) > 20

SELECT c.event_id, u.name, c.url FROM clicks c JOIN users u ON u.user_id = c.user_id WHERE c.status = 503 AND c.country = 'FR' ORDER BY c.event_id

SELECT count(*) FROM clicks c LEFT JOIN users u ON u.user_id = c.user_id

SELECT count(*) FROM clicks c LEFT JOIN users u ON u.user_id = c.user_id WHERE u.user_id IS NULL

SELECT c.user_id, count(*) FROM clicks c LEFT JOIN users u ON u.user_id = c.user_id WHERE u.user_id IS NULL GROUP BY c.user_id

SELECT count(*), count(u.user_id), count(c.event_id) FROM clicks c RIGHT JOIN users u ON u.user_id = c.user_id

SELECT u.user_id, u.name FROM clicks c RIGHT JOIN users u ON u.user_id = c.user_id WHERE c.event_id IS NULL

SELECT count(*), count(c.event_id), count(u.user_id) FROM clicks c FULL JOIN users u ON u.user_id = c.user_id

SELECT coalesce(c.user_id, u.user_id) AS id, count(c.event_id) AS clicks, max(u.name) AS name FROM clicks c FULL OUTER JOIN users u ON u.user_id = c.user_id GROUP BY 1 HAVING count(c.event_id) = 0 OR max(u.name) IS NULL

SELECT count(*) FROM users a CROSS JOIN users b WHERE a.user_id < 30 AND b.user_id < 30

SELECT a.plan, b.plan, count(*) FROM users a CROSS JOIN (SELECT DISTINCT plan FROM users) b WHERE a.user_id < 100 GROUP BY 1, 2

SELECT count(*) FROM clicks c, users u WHERE c.user_id = u.user_id AND c.country = u.country

SELECT u.name, c.event_id FROM users u JOIN clicks c ON c.user_id = u.user_id AND c.ts < u.signup + 1 ORDER BY c.event_id LIMIT 20

SELECT count(*) FROM clicks c JOIN users u ON c.user_id = u.user_id AND c.ts::date >= u.signup

SELECT c.device, u.plan, avg(c.duration_ms), count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY 1, 2

SELECT count(*) FROM clicks a JOIN clicks b ON a.session = b.session AND a.event_id < b.event_id

SELECT a.event_id, b.event_id FROM clicks a JOIN clicks b ON a.bytes = b.bytes AND a.event_id < b.event_id ORDER BY 1, 2 LIMIT 20

SELECT count(*) FROM clicks a JOIN clicks b ON b.event_id = a.event_id + 1 WHERE a.session = b.session

SELECT count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id + 1000

SELECT count(*) FROM clicks c LEFT JOIN users u ON u.user_id = c.user_id AND u.plan = 'pro'

SELECT count(*) FROM users u LEFT JOIN clicks c ON c.user_id = u.user_id AND c.status = 404 WHERE c.event_id IS NULL

SELECT u.plan, count(DISTINCT c.session) FROM users u JOIN clicks c ON c.user_id = u.user_id GROUP BY u.plan

SELECT u.name, count(*) AS n FROM clicks c JOIN users u USING (user_id) GROUP BY u.user_id, u.name ORDER BY n DESC, u.user_id LIMIT 10

SELECT count(*) FROM clicks c JOIN users u ON u.user_id = c.user_id JOIN users v ON v.user_id = u.user_id + 1

SELECT count(*) FROM clicks c JOIN (SELECT user_id FROM users WHERE plan = 'team') t ON t.user_id = c.user_id

SELECT count(*) FROM clicks NATURAL JOIN (SELECT user_id, country FROM users) u

SELECT count(*) FROM clicks c JOIN users u ON c.user_id = u.user_id OR c.country = u.country WHERE u.user_id < 5 AND c.event_id < 200

-- ==== subqueries ======================================================================================
SELECT count(*) FROM (SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id) s WHERE n > 10

SELECT avg(n), max(n), min(n) FROM (SELECT session, count(*) AS n FROM clicks GROUP BY session) s

SELECT s.country, s.total FROM (SELECT country, sum(bytes) AS total FROM clicks GROUP BY country) s WHERE s.total > 1e8

SELECT * FROM (SELECT event_id, bytes FROM clicks ORDER BY bytes DESC NULLS LAST, event_id LIMIT 5) t ORDER BY event_id

SELECT count(*) FROM clicks WHERE user_id IN (SELECT user_id FROM users WHERE plan = 'enterprise')

SELECT count(*) FROM clicks WHERE user_id NOT IN (SELECT user_id FROM users)

SELECT count(*) FROM clicks WHERE user_id NOT IN (SELECT user_id FROM users WHERE user_id IS NOT NULL)

SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM clicks)

SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM clicks WHERE user_id IS NOT NULL)

SELECT count(*) FROM users u WHERE EXISTS (SELECT 1 FROM clicks c WHERE c.user_id = u.user_id AND c.is_bot)

SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM clicks c WHERE c.user_id = u.user_id)

SELECT count(*) FROM clicks c WHERE EXISTS (SELECT 1 FROM users u WHERE u.user_id = c.user_id AND u.country = c.country)

SELECT (SELECT count(*) FROM clicks), (SELECT count(*) FROM users), (SELECT max(bytes) FROM clicks)

SELECT (SELECT name FROM users WHERE user_id = 1), (SELECT name FROM users WHERE user_id = 97)

SELECT u.user_id, (SELECT count(*) FROM clicks c WHERE c.user_id = u.user_id) AS n FROM users u WHERE u.user_id < 20

SELECT u.user_id, (SELECT max(c.ts) FROM clicks c WHERE c.user_id = u.user_id) AS last FROM users u WHERE u.user_id BETWEEN 500 AND 520

SELECT event_id, bytes FROM clicks WHERE bytes > (SELECT avg(bytes) + 2 * stddev(bytes) FROM clicks) ORDER BY event_id

SELECT event_id FROM clicks c WHERE bytes = (SELECT max(bytes) FROM clicks d WHERE d.country = c.country)

SELECT count(*) FROM clicks WHERE status = ANY (SELECT status FROM clicks WHERE device = 'tablet' AND bytes < 100)

SELECT count(*) FROM clicks WHERE bytes > ALL (SELECT bytes FROM clicks WHERE country = 'SE' AND bytes IS NOT NULL)

SELECT count(*) FROM clicks WHERE (user_id, country) IN (SELECT user_id, country FROM users)

SELECT count(*) FROM clicks WHERE user_id IN (1, 2, 3) OR user_id IN (SELECT user_id FROM users WHERE name LIKE 'Zoë%')

SELECT plan, (SELECT count(*) FROM users u2 WHERE u2.plan = u.plan) FROM (SELECT DISTINCT plan FROM users) u

SELECT count(*) FROM (SELECT DISTINCT session FROM clicks WHERE is_bot) a JOIN (SELECT DISTINCT session FROM clicks WHERE NOT is_bot) b USING (session)

-- ==== row comparisons =================================================================================
-- PostgreSQL's row semantics: = is the AND of the pairs, <> the OR, < <= > >= lexicographic (the first
-- pair that is not equal decides; a NULL reached first makes it NULL); against a subquery the same per
-- row, combined three-valued by IN / ANY / ALL; (a, b) op (SELECT ...) compares with its one row.
SELECT count(*) FROM clicks WHERE (user_id, country) NOT IN (SELECT user_id, country FROM users)

SELECT count(*) FROM clicks WHERE (user_id, country) NOT IN (SELECT user_id, country FROM users WHERE country IS NOT NULL)

SELECT count(*), count(*) FILTER (WHERE r), count(*) FILTER (WHERE NOT r), count(*) FILTER (WHERE r IS NULL) FROM (SELECT (user_id, country) IN (SELECT user_id, country FROM users) AS r FROM clicks) s

SELECT count(*) FROM users u WHERE (u.user_id, u.country) IN (SELECT user_id, country FROM clicks)

SELECT count(*) FROM clicks WHERE (user_id, country) = ANY (SELECT user_id, country FROM users WHERE plan = 'pro')

SELECT count(*) FROM clicks WHERE (country, device) <> ALL (SELECT country, device FROM clicks WHERE event_id < 40)

SELECT count(*) FROM clicks WHERE (user_id, status) < ANY (SELECT user_id, status FROM clicks WHERE event_id < 20)

SELECT count(*) FROM clicks WHERE (user_id, status) > ALL (SELECT user_id, status FROM clicks WHERE country = 'SE' AND user_id < 50)

SELECT count(*), count(*) FILTER (WHERE r IS NULL) FROM (SELECT (country, device) >= ALL (SELECT country, device FROM clicks WHERE event_id < 30) AS r FROM clicks) s

SELECT event_id FROM clicks WHERE (user_id, country) = (SELECT user_id, country FROM users WHERE user_id = 406) ORDER BY event_id

SELECT count(*) FROM clicks WHERE (user_id, ts) > (SELECT user_id, signup::timestamptz FROM users WHERE user_id = 500)

SELECT count(*) FROM clicks WHERE ((user_id, country) = (SELECT user_id, country FROM users WHERE false)) IS NULL

SELECT u.user_id FROM users u WHERE u.user_id < 40 AND (u.country, u.plan) IN (SELECT c.country, 'pro' FROM clicks c WHERE c.user_id = u.user_id) ORDER BY 1

SELECT u.user_id, (u.country, u.user_id) < (SELECT c.country, c.user_id FROM clicks c WHERE c.user_id = u.user_id ORDER BY c.event_id LIMIT 1) AS lt FROM users u WHERE u.user_id BETWEEN 100 AND 130

SELECT u.user_id, (u.user_id, 'DE') NOT IN (SELECT c.user_id, c.country FROM clicks c WHERE c.user_id = u.user_id AND c.status <> 200) AS r FROM users u WHERE u.user_id BETWEEN 200 AND 230

SELECT country, count(*) FROM clicks GROUP BY country HAVING (country, count(*)) IN (SELECT country, count(*) FROM clicks WHERE status < 600 GROUP BY country)

SELECT country, count(*) IN (SELECT count(*) FROM clicks WHERE device = 'mobile' GROUP BY country) AS m FROM clicks WHERE device = 'mobile' GROUP BY country

SELECT device, device = ANY (ARRAY['mobile', 'tablet']) AS m, count(*) FROM clicks GROUP BY device

SELECT count(*) FROM clicks WHERE (user_id, event_id) < (100, 5000)

SELECT count(*) FILTER (WHERE (country, device) < ('FR', 'mobile')), count(*) FILTER (WHERE ((country, device) < ('FR', 'mobile')) IS NULL), count(*) FILTER (WHERE (country, device) >= ('FR', 'mobile')) FROM clicks

SELECT event_id, ts FROM clicks WHERE (ts, event_id) > ('2024-03-31 00:59:00+00', 0) ORDER BY ts, event_id LIMIT 10

SELECT event_id, user_id, status FROM clicks WHERE (user_id, status, event_id) <= (3, 404, 10000) AND user_id IS NOT NULL ORDER BY user_id DESC, status DESC, event_id DESC LIMIT 12

SELECT country, device, count(*) FROM clicks WHERE (country, device) IN (('DE', 'mobile'), ('US', 'tablet'), (NULL, 'desktop')) GROUP BY 1, 2

SELECT count(*) FROM clicks WHERE (country, device) NOT IN (('DE', 'mobile'), ('US', NULL))

SELECT count(*) FROM clicks c JOIN users u ON (c.user_id, c.country) = (u.user_id, u.country)

SELECT count(*) FROM clicks c JOIN users u USING (user_id) WHERE (c.country, c.device) IS DISTINCT FROM (u.country, 'mobile')

SELECT count(*) FROM clicks c LEFT JOIN users u USING (user_id) WHERE (c.country, c.user_id) IS NOT DISTINCT FROM (u.country, u.user_id)

SELECT count(*) FROM clicks WHERE (status, bytes) BETWEEN (200, 1000) AND (404, 0)

SELECT count(*) FILTER (WHERE (country, referrer) IS NULL), count(*) FILTER (WHERE (country, referrer) IS NOT NULL), count(*) FILTER (WHERE NOT (country, referrer) IS NULL AND NOT (country, referrer) IS NOT NULL) FROM clicks

SELECT event_id, (user_id, status) = (lag(user_id) OVER w, lag(status) OVER w) AS same FROM clicks WINDOW w AS (ORDER BY event_id) ORDER BY event_id LIMIT 20

SELECT (1, 2) < (1, 3), (1, NULL) < (2, NULL), (1, NULL) < (1, 2), (2, 1) > (1, NULL), (1, 2) <= (1, 2), (1, 2) <> (1, NULL), ROW(1) = ANY (SELECT 1)

SELECT count(*) FROM clicks WHERE (user_id, country) IN (SELECT user_id FROM users)

SELECT count(*) FROM clicks WHERE (user_id, country) IN (SELECT user_id, country, plan FROM users)

SELECT count(*) FROM clicks WHERE (user_id, country) = (SELECT user_id, country FROM users)

SELECT (user_id, url) < (1, 2) FROM clicks

SELECT count(*) FROM clicks WHERE (country, url) ~~ ('D%', '/%')

SELECT (status, 1) = (1, 2, 3) FROM clicks

SELECT count(*) FROM clicks WHERE (user_id, status) + (1, 2)

SELECT 'DE' IN (SELECT country FROM users), ('DE', 1) IN (SELECT country, 1 FROM users), 'XX' NOT IN (SELECT country FROM users WHERE country IS NOT NULL)

-- ==== set-returning functions in a SELECT list, row values ============================================
-- PostgreSQL 10's ProjectSet: one output row per value, none when the function returns nothing; a
-- row value prints as record_out does; (r).f picks a field, also after a subquery.
SELECT generate_series(1, 3) AS g ORDER BY g

SELECT user_id, generate_series(1, 2) AS k FROM users WHERE user_id < 5 ORDER BY user_id, k

SELECT event_id, generate_series(1, status / 100) AS k FROM clicks WHERE event_id <= 20 ORDER BY event_id, k

SELECT count(*), count(v) FROM (SELECT unnest(ARRAY[country, device]) AS v FROM clicks) s

SELECT v, count(*) FROM (SELECT unnest(ARRAY[country, device, NULL]) AS v FROM clicks WHERE event_id < 500) s GROUP BY v

SELECT event_id, unnest(ARRAY[status, status + 1]) * 10 AS s FROM clicks WHERE event_id <= 5 ORDER BY event_id, s

SELECT DISTINCT unnest(ARRAY[device, country]) AS v FROM clicks WHERE is_bot ORDER BY v NULLS FIRST

SELECT event_id, (information_schema._pg_expandarray(ARRAY[country, device])).x, (information_schema._pg_expandarray(ARRAY[country, device])).n FROM clicks WHERE event_id <= 3 ORDER BY 1, 3

SELECT s.event_id, (s.e).x, (s.e).n FROM (SELECT event_id, information_schema._pg_expandarray(ARRAY[url, referrer]) AS e FROM clicks WHERE event_id <= 10) s WHERE (s.e).x IS NOT NULL ORDER BY 1, 3

SELECT x, n FROM information_schema._pg_expandarray(ARRAY['a', NULL, 'c']) ORDER BY n

SELECT event_id, ROW(event_id, country, bytes, is_bot) AS r FROM clicks WHERE event_id <= 5 ORDER BY event_id

SELECT user_id, (ROW(user_id, name)).f2 FROM users WHERE user_id < 4 ORDER BY 1

SELECT r FROM (SELECT ROW(name, plan, signup, credit) AS r FROM users WHERE user_id IN (1, 2, 3, 97, 400)) s

SELECT (r).f1, (r).f3, (r).f2 FROM (SELECT ROW(user_id, name, credit) AS r FROM users WHERE user_id <= 5) s ORDER BY 1

SELECT count(*) FROM (SELECT ROW(url, referrer) AS r FROM clicks) s WHERE (r).f2 IS NULL

SELECT pg_typeof(CASE WHEN status > 300 THEN 'x'::varchar ELSE url END), pg_typeof(coalesce(referrer::varchar, url)), pg_typeof(coalesce(url, referrer::varchar)) FROM clicks WHERE event_id = 1

SELECT pg_typeof(coalesce('pg_class'::regclass, 1259::oid)), coalesce('pg_class'::regclass, 1259::oid), pg_typeof(CASE WHEN true THEN 1259::oid ELSE 'pg_class'::regclass END)

SELECT generate_series(1, 2) FROM clicks WHERE generate_series(1, 2) > 1

SELECT (ROW(1, 2)).f3

SELECT (url).x FROM clicks

SELECT 1259::oid + 1

-- ==== WITH ============================================================================================
WITH per_user AS (SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id) SELECT count(*), max(n), min(n) FROM per_user

WITH big AS (SELECT * FROM clicks WHERE bytes > 190000) SELECT country, count(*) FROM big GROUP BY country

WITH a AS (SELECT user_id, sum(bytes) AS b FROM clicks GROUP BY user_id), b AS (SELECT plan, user_id FROM users) SELECT b.plan, sum(a.b) FROM a JOIN b USING (user_id) GROUP BY b.plan

WITH s AS (SELECT session, min(ts) AS first, max(ts) AS last FROM clicks GROUP BY session), d AS (SELECT session, last - first AS dur FROM s) SELECT count(*) FILTER (WHERE dur > interval '1 hour'), max(dur) FROM d

WITH t AS (SELECT date_trunc('year', ts) AS y, count(*) AS n FROM clicks GROUP BY 1) SELECT y, n, n - lag(n) OVER (ORDER BY y) AS delta FROM t ORDER BY y

WITH errs AS (SELECT url, count(*) AS n FROM clicks WHERE status >= 400 GROUP BY url), oks AS (SELECT url, count(*) AS n FROM clicks WHERE status < 400 GROUP BY url) SELECT e.url, e.n, o.n FROM errs e FULL JOIN oks o ON o.url = e.url

WITH x AS (SELECT 1 AS a UNION ALL SELECT 2) SELECT sum(a) FROM x

WITH u AS (SELECT * FROM users WHERE plan IS NULL) SELECT count(*) FROM clicks c JOIN u ON u.user_id = c.user_id

-- ==== set operations ==================================================================================
SELECT user_id FROM clicks WHERE status = 500 UNION SELECT user_id FROM clicks WHERE status = 503

SELECT user_id FROM clicks WHERE status = 500 UNION ALL SELECT user_id FROM clicks WHERE status = 503

SELECT country FROM clicks UNION SELECT country FROM users ORDER BY 1 NULLS FIRST

SELECT country FROM clicks INTERSECT SELECT country FROM users

SELECT user_id FROM users EXCEPT SELECT user_id FROM clicks

SELECT user_id FROM clicks EXCEPT SELECT user_id FROM users

SELECT 'clicks' AS t, count(*) FROM clicks UNION ALL SELECT 'users', count(*) FROM users

SELECT count(*) FROM (SELECT url FROM clicks UNION SELECT name FROM users) s

SELECT count(*) FROM (SELECT url FROM clicks UNION ALL SELECT name FROM users) s

SELECT event_id FROM clicks WHERE bytes < 0 UNION SELECT event_id FROM clicks WHERE duration_ms < -49 ORDER BY 1 LIMIT 15

SELECT device, count(*) FROM clicks GROUP BY device UNION ALL SELECT 'all', count(*) FROM clicks

SELECT status FROM clicks INTERSECT ALL SELECT status FROM clicks WHERE is_bot

SELECT country, NULL AS plan, count(*) FROM clicks GROUP BY country UNION ALL SELECT country, plan, count(*) FROM users GROUP BY country, plan

SELECT user_id, NULL FROM users WHERE user_id < 5 UNION SELECT NULL, 'x' UNION SELECT 7, 'y' ORDER BY 1 NULLS FIRST, 2

SELECT 1 UNION ALL SELECT NULL UNION ALL SELECT '3' ORDER BY 1

SELECT event_id FROM clicks WHERE event_id < 3 UNION SELECT 'a'

-- ==== CASE, COALESCE, NULLIF, casts ===================================================================
SELECT CASE WHEN status >= 500 THEN 'server' WHEN status >= 400 THEN 'client' WHEN status >= 300 THEN 'redirect' ELSE 'ok' END AS k, count(*) FROM clicks GROUP BY 1

SELECT CASE device WHEN 'mobile' THEN 1 WHEN 'tablet' THEN 2 END AS d, count(*) FROM clicks GROUP BY 1

SELECT CASE WHEN bytes IS NULL THEN 'none' WHEN bytes < 0 THEN 'negative' WHEN bytes > 1000000 THEN 'huge' ELSE 'normal' END, count(*) FROM clicks GROUP BY 1

SELECT sum(CASE WHEN is_bot THEN 1 ELSE 0 END), sum(CASE WHEN is_bot THEN bytes END) FROM clicks

SELECT event_id, CASE WHEN price > 250 THEN price * 0.9 ELSE price END AS discounted FROM clicks WHERE event_id < 40 ORDER BY event_id

SELECT coalesce(country, 'unknown') AS c, count(*) FROM clicks GROUP BY 1

SELECT count(*) FROM clicks WHERE coalesce(user_id, -1) = -1

SELECT sum(coalesce(bytes, 0)), sum(coalesce(price, 0.5)), max(coalesce(referrer, url, 'none')) FROM clicks

SELECT nullif(status, 200) AS s, count(*) FROM clicks GROUP BY 1

SELECT count(nullif(country, 'US')), count(nullif(device, 'mobile')) FROM clicks

SELECT greatest(bytes, 100000) AS g, least(status, 300) AS l, count(*) FROM clicks WHERE event_id < 200 GROUP BY 1, 2

SELECT event_id, user_id::text, status::bigint, bytes::double precision, price::text FROM clicks WHERE event_id < 25 ORDER BY event_id

SELECT event_id, CAST(duration_ms AS numeric(12,2)), CAST(price AS integer), CAST(ts AS date) FROM clicks WHERE event_id < 25 ORDER BY event_id

SELECT event_id, ts::timestamp, ts::date, ts::time FROM clicks WHERE event_id < 25 ORDER BY event_id

SELECT sum(bytes::numeric), sum(duration_ms::numeric(20,3)), sum(price::float8) FROM clicks

SELECT count(*) FROM clicks WHERE status::text LIKE '5%'

SELECT count(*) FROM clicks WHERE event_id::text = '42'

SELECT '2024-03-31'::date - '2024-01-01'::date, '1 day'::interval * 3, '12.5'::numeric + 1, 'true'::boolean AND true

SELECT count(*) FROM clicks WHERE is_bot::int = 1

SELECT event_id, (props->>'n')::int * 10 AS n10 FROM clicks WHERE event_id < 15 ORDER BY event_id

-- ==== LIKE, ILIKE, regular expressions ================================================================
SELECT count(*) FROM clicks WHERE url LIKE '/product/%'

SELECT count(*) FROM clicks WHERE url LIKE '/product/_'

SELECT count(*) FROM clicks WHERE url NOT LIKE '%a%'

SELECT count(*) FROM clicks WHERE url LIKE '%\_%'

SELECT count(*) FROM clicks WHERE url LIKE '/100\%'

SELECT count(*) FROM clicks WHERE url ILIKE '/upper/%'

SELECT count(*) FROM clicks WHERE url ILIKE '%CAFÉ%'

SELECT count(*) FROM clicks WHERE url NOT ILIKE '%PRODUCT%'

SELECT count(*) FROM users WHERE name LIKE 'Ada %'

SELECT count(*) FROM users WHERE name ILIKE '%müller%'

SELECT count(*) FROM clicks WHERE url ~ '^/product/[0-9]+$'

SELECT count(*) FROM clicks WHERE url ~ '^/product/[0-9]{2,}$'

SELECT count(*) FROM clicks WHERE url ~* 'UPPER|blog'

SELECT count(*) FROM clicks WHERE url !~ '/'

SELECT count(*) FROM clicks WHERE url !~* '^/[a-z]'

SELECT count(*) FROM clicks WHERE referrer ~ '^https://[^/]+\.com/'

SELECT count(*) FROM users WHERE name ~ '^[A-Z][a-z]+ [A-Z]'

SELECT url, count(*) FROM clicks WHERE url ~ '[^\x01-\x7f]' GROUP BY url

SELECT count(*) FROM clicks WHERE url SIMILAR TO '/(product|api)/%'

-- ==== string functions ================================================================================
SELECT DISTINCT url, length(url), octet_length(url), char_length(url) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT url, upper(url), lower(url) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT name, upper(name), lower(name), initcap(lower(name)) FROM users WHERE user_id < 60

SELECT DISTINCT url, substr(url, 2, 3), substring(url FROM 3), left(url, 4), right(url, 2) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT url, position('/' IN substr(url, 2)), strpos(url, 'e'), split_part(url, '/', 2), split_part(url, '/', 3) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT url, replace(url, '/', '_'), reverse(url), translate(url, 'aeiou', 'AEIOU') FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT url, regexp_replace(url, '[0-9]+', '#', 'g'), regexp_replace(url, '^/([^/]*).*$', '\1') FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT url, substring(url FROM '[0-9]+'), url ~ '\d' FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT referrer, split_part(referrer, '/', 3) AS host FROM clicks WHERE referrer IS NOT NULL

SELECT DISTINCT url, lpad(url, 12, '*'), rpad(url, 12, '.'), repeat(left(url, 2), 3) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT name, trim(name), ltrim(name, 'AEIOU'), rtrim(name, 'an'), btrim(' x ' || name || ' x ', ' x') FROM users WHERE user_id < 30

SELECT url || ' @ ' || coalesce(country, '-') AS label, count(*) FROM clicks GROUP BY 1

SELECT concat(device, '/', status, '/', is_bot) AS k, count(*) FROM clicks GROUP BY 1

SELECT concat_ws(':', country, device, NULL, status) AS k, count(*) FROM clicks GROUP BY 1

SELECT format('%s-%s', device, status) AS k, count(*) FROM clicks GROUP BY 1

SELECT DISTINCT md5(url) FROM clicks WHERE url IS NOT NULL

SELECT DISTINCT country, ascii(country), chr(ascii(country) + 1), to_hex(ascii(country)) FROM clicks WHERE country IS NOT NULL

SELECT count(*) FROM clicks WHERE starts_with(url, '/api')

SELECT DISTINCT url, quote_literal(url), quote_ident(url) FROM clicks WHERE url IS NOT NULL

SELECT max(length(name)), min(length(name)), sum(octet_length(name)) FROM users

SELECT left(name, 1) AS initial, count(*) FROM users GROUP BY 1

-- ==== math ============================================================================================
SELECT abs(-7), abs(-7.5), ceil(2.1), ceiling(-2.1), floor(2.9), floor(-2.9), round(2.5), round(-2.5), round(3.14159, 2), trunc(-3.99), trunc(3.14159, 3)

SELECT sign(-2), sign(0), sign(2.5), mod(-7, 3), mod(7, -3), -7 % 3, 7 / -2, div(-7, 2), power(2, 10), 2 ^ 0.5, sqrt(2), cbrt(-8)

SELECT exp(1), ln(2), log(100), log(2, 1024), pi(), degrees(pi()), radians(180), sin(1), cos(1), tan(1), atan2(1, 2)

SELECT gcd(48, 180), lcm(12, 18), factorial(15), width_bucket(42, 0, 100, 10), scale(1.2300), trim_scale(1.2300)

SELECT round(bytes / 1024.0, 3) AS kib, count(*) FROM clicks WHERE event_id < 100 GROUP BY 1

SELECT event_id, abs(bytes), bytes % 97, bytes / 3, bytes * -2 FROM clicks WHERE bytes IS NOT NULL AND event_id < 50 ORDER BY event_id

SELECT event_id, round(duration_ms), ceil(duration_ms), floor(duration_ms), trunc(duration_ms), sqrt(abs(duration_ms)) FROM clicks WHERE event_id < 50 ORDER BY event_id

SELECT event_id, round(price * 1.19, 2), price / 3, price % 7, -price FROM clicks WHERE price IS NOT NULL AND event_id < 50 ORDER BY event_id

SELECT event_id, ln(abs(duration_ms) + 1), exp(least(duration_ms / 1000, 20)), power(abs(duration_ms), 0.3) FROM clicks WHERE duration_ms IS NOT NULL AND event_id < 50 ORDER BY event_id

SELECT width_bucket(bytes, 0, 200000, 8) AS b, count(*) FROM clicks WHERE bytes BETWEEN 0 AND 199999 GROUP BY 1

SELECT width_bucket(duration_ms, -50, 2000, 4) AS b, count(*) FROM clicks GROUP BY 1

SELECT sum(duration_ms) / count(duration_ms), avg(duration_ms) FROM clicks

SELECT 1e300::float8 * 10, -1e300::float8 * 10, 0.1::float8 + 0.2::float8, 1::float8 / 3, 2::float4 / 3

SELECT 9223372036854775807::numeric + 1, 1::numeric / 3, 2::numeric ^ 64, 10.0 / 4, 10 / 4

SELECT 'NaN'::float8 = 'NaN'::float8, 'NaN'::float8 > 1e308, 'Infinity'::float8 > 1e308, '-0'::float8 = 0

-- ==== date and time ===================================================================================
SELECT event_id, ts, date_trunc('day', ts), date_trunc('hour', ts), date_trunc('month', ts), date_trunc('quarter', ts), date_trunc('week', ts) FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, date_trunc('minute', ts), date_trunc('second', ts), date_trunc('year', ts), date_trunc('decade', ts) FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, extract(year FROM ts), extract(month FROM ts), extract(day FROM ts), extract(hour FROM ts), extract(minute FROM ts), extract(second FROM ts) FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, extract(epoch FROM ts), extract(dow FROM ts), extract(isodow FROM ts), extract(doy FROM ts), extract(week FROM ts), extract(quarter FROM ts), extract(milliseconds FROM ts) FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, date_part('hour', ts), date_part('epoch', ts), extract(isoyear FROM ts) FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.MS'), to_char(ts, 'Dy, DD Mon YYYY'), to_char(ts, 'HH12:MI AM'), to_char(ts, 'IYYY-"W"IW-ID'), to_char(ts, 'Q DDD J') FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, to_char(ts, 'FMMonth FMDD, YYYY'), to_char(ts, 'TZ'), to_char(ts, 'US') FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT to_char(bytes, '999G999G999'), to_char(price, 'FM999990.00'), to_char(duration_ms, '9999.999') FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, to_timestamp(extract(epoch FROM ts)), to_timestamp(1e9), to_timestamp(0) FROM clicks WHERE event_id < 10 ORDER BY event_id

SELECT to_timestamp('2024-03-31 02:30:00', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp('31 Mar 2024', 'DD Mon YYYY'), to_date('20240229', 'YYYYMMDD')

SELECT make_interval(days => 3, hours => 4), make_interval(weeks => 2), make_interval(years => 1, months => 13, secs => 30.5), make_date(2020, 2, 29), make_timestamp(2024, 10, 27, 2, 30, 15.5)

SELECT make_timestamptz(2024, 3, 31, 2, 30, 0, 'Europe/Berlin'), make_timestamptz(2024, 10, 27, 2, 30, 0, 'Europe/Berlin'), make_time(23, 59, 59.5)

SELECT event_id, ts + interval '1 day', ts - interval '3 hours 30 minutes', ts + interval '1 month', ts - interval '1 year' FROM clicks WHERE event_id < 20 ORDER BY event_id

SELECT event_id, ts + make_interval(mins => status) FROM clicks WHERE event_id < 20 ORDER BY event_id

SELECT event_id, (ts AT TIME ZONE 'Europe/Berlin') + interval '1 day' FROM clicks WHERE event_id < 20 ORDER BY event_id

SELECT event_id, ts AT TIME ZONE 'Europe/Berlin', ts AT TIME ZONE 'America/New_York', ts AT TIME ZONE 'Asia/Kolkata', ts AT TIME ZONE 'UTC' FROM clicks WHERE event_id < 40 ORDER BY event_id

SELECT date_trunc('day', ts AT TIME ZONE 'Europe/Berlin') AS d, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT date_trunc('day', ts AT TIME ZONE 'America/New_York') AS d, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT date_trunc('day', ts, 'Europe/Berlin') AS d, count(*) FROM clicks GROUP BY 1 ORDER BY 1

SELECT extract(hour FROM ts AT TIME ZONE 'Europe/Berlin') AS h, count(*) FROM clicks WHERE ts BETWEEN '2024-03-30' AND '2024-04-01' GROUP BY 1 ORDER BY 1

SELECT extract(hour FROM ts AT TIME ZONE 'America/New_York') AS h, count(*) FROM clicks WHERE ts BETWEEN '2024-11-02' AND '2024-11-04' GROUP BY 1 ORDER BY 1

SELECT (timestamp '2024-03-31 02:30:00') AT TIME ZONE 'Europe/Berlin', (timestamp '2024-10-27 02:30:00') AT TIME ZONE 'Europe/Berlin', (timestamp '2021-03-14 02:30:00') AT TIME ZONE 'America/New_York'

SELECT timestamptz '2024-03-31 01:59:59.999999+00' AT TIME ZONE 'Europe/Berlin', timestamptz '2024-03-31 01:00:00+00' AT TIME ZONE 'Europe/Berlin', timestamptz '2024-10-27 00:59:59+00' AT TIME ZONE 'Europe/Berlin', timestamptz '2024-10-27 01:00:00+00' AT TIME ZONE 'Europe/Berlin'

SELECT session, max(ts) - min(ts) AS span FROM clicks GROUP BY session HAVING max(ts) - min(ts) > interval '1000 days'

SELECT max(ts) - min(ts), justify_hours(max(ts) - min(ts)), justify_days(interval '65 days'), justify_interval(interval '1 month -1 hour') FROM clicks

SELECT age(timestamp '2024-03-31', timestamp '2019-03-31 01:30'), age(timestamp '2020-02-29', timestamp '2024-02-28'), age(date '2025-01-01', date '2024-12-31')

SELECT u.user_id, c.event_id, c.ts - u.signup::timestamptz AS since_signup FROM clicks c JOIN users u USING (user_id) WHERE c.event_id < 60 ORDER BY c.event_id

SELECT signup, signup + 30, signup - 1, signup - date '2018-01-01', extract(dow FROM signup), date_trunc('month', signup) FROM users WHERE user_id < 20 ORDER BY user_id

SELECT count(*) FROM clicks WHERE ts < now() AND ts > now() - interval '10 years'

SELECT bool_and(ts <= current_timestamp), bool_and(ts::date <= current_date) FROM clicks

SELECT count(*) FROM clicks WHERE ts >= date_trunc('year', timestamptz '2024-06-01 00:00+00') AND ts < date_trunc('year', timestamptz '2024-06-01 00:00+00') + interval '1 year'

SELECT interval '1 day 2 hours' + interval '30 minutes', interval '1 month' * 1.5, interval '90 minutes' / 4, -interval '1 year 2 days', interval 'P1Y2M3DT4H5M6S'

SELECT extract(epoch FROM interval '1 day 01:00:00'), extract(hour FROM interval '50 hours'), extract(day FROM interval '1 month 3 days')

SELECT date '2024-02-28' + 1, date '2023-02-28' + 1, date '2024-12-31' + interval '1 day', time '23:30' + interval '1 hour'

-- ==== JSON ============================================================================================
SELECT props->>'ab' AS ab, props->'n' AS n_json, props->'geo'->>'lat' AS lat, props#>>'{tags,0}' AS tag0 FROM clicks WHERE event_id < 30 ORDER BY event_id

SELECT event_id, props FROM clicks WHERE event_id < 10 ORDER BY event_id

SELECT event_id, props->'tags', jsonb_array_length(props->'tags'), jsonb_typeof(props->'geo'), jsonb_typeof(props->'n') FROM clicks WHERE event_id < 20 ORDER BY event_id

SELECT props#>'{geo}' AS geo, count(*) FROM clicks WHERE event_id < 500 GROUP BY 1

SELECT (props->'geo'->>'lat')::int / 30 AS band, count(*) FROM clicks GROUP BY 1

SELECT props->'tags'->>0 AS first_tag, count(*) FROM clicks GROUP BY 1

SELECT jsonb_array_length(props->'tags') AS n, count(*) FROM clicks GROUP BY 1

SELECT count(*) FROM clicks WHERE props->>'ab' = 'A' AND (props->>'n')::int > 5

SELECT count(*) FROM clicks WHERE props->'tags'->>1 IS NOT NULL

SELECT json_build_object('id', event_id, 'url', url, 'bytes', bytes) FROM clicks WHERE event_id < 10 ORDER BY event_id

SELECT jsonb_build_object('country', country, 'n', count(*)) FROM clicks GROUP BY country

SELECT json_build_array(event_id, is_bot, price, ts) FROM clicks WHERE event_id < 10 ORDER BY event_id

SELECT to_json(url), to_jsonb(price), to_json(ts), to_jsonb(is_bot) FROM clicks WHERE event_id < 10 ORDER BY event_id

SELECT json_agg(event_id ORDER BY event_id) FROM clicks WHERE bytes < -199000

SELECT country, jsonb_agg(DISTINCT device ORDER BY device) FROM clicks GROUP BY country

SELECT jsonb_object_agg(plan, n) FROM (SELECT coalesce(plan, 'none') AS plan, count(*) AS n FROM users GROUP BY 1) s

SELECT '{"a": 1, "b": [1, 2, {"c": "d"}]}'::jsonb -> 'b' -> 2 ->> 'c', '{"a": {"b": 2}}'::json #>> '{a,b}', '[10, 20]'::jsonb ->> -1

SELECT props::text, props->'geo' = '{"lat": 0}'::jsonb FROM clicks WHERE event_id < 10 ORDER BY event_id

-- ==== window functions ================================================================================
SELECT event_id, row_number() OVER (ORDER BY ts, event_id) FROM clicks WHERE event_id < 50

SELECT event_id, session, row_number() OVER (PARTITION BY session ORDER BY ts, event_id) AS nth FROM clicks WHERE session < 's00050'

SELECT event_id, country, rank() OVER (PARTITION BY country ORDER BY bytes DESC NULLS LAST) FROM clicks WHERE event_id < 300

SELECT event_id, status, dense_rank() OVER (ORDER BY status) FROM clicks WHERE event_id < 300

SELECT event_id, percent_rank() OVER (ORDER BY bytes, event_id), cume_dist() OVER (ORDER BY bytes, event_id), ntile(4) OVER (ORDER BY bytes, event_id) FROM clicks WHERE event_id < 100

SELECT event_id, session, lag(url) OVER w, lead(url) OVER w, lag(ts, 2) OVER w, lead(bytes, 1, -1) OVER w FROM clicks WHERE session < 's00030' WINDOW w AS (PARTITION BY session ORDER BY ts, event_id)

SELECT event_id, ts - lag(ts) OVER (PARTITION BY session ORDER BY ts, event_id) AS gap FROM clicks WHERE session < 's00100'

SELECT event_id, sum(bytes) OVER (ORDER BY event_id) AS running FROM clicks WHERE event_id <= 200

SELECT event_id, avg(duration_ms) OVER (ORDER BY event_id ROWS BETWEEN 5 PRECEDING AND CURRENT ROW) FROM clicks WHERE event_id <= 200

SELECT event_id, sum(price) OVER (PARTITION BY country ORDER BY event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM clicks WHERE event_id <= 300

SELECT event_id, count(*) OVER (PARTITION BY device), sum(bytes) OVER (PARTITION BY device), avg(price) OVER (PARTITION BY device) FROM clicks WHERE event_id <= 100

SELECT event_id, max(bytes) OVER (PARTITION BY session), min(ts) OVER (PARTITION BY session) FROM clicks WHERE session < 's00100'

SELECT event_id, first_value(url) OVER w, last_value(url) OVER w, nth_value(url, 2) OVER w FROM clicks WHERE session < 's00040' WINDOW w AS (PARTITION BY session ORDER BY ts, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)

SELECT event_id, sum(bytes) OVER (ORDER BY ts, event_id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM clicks WHERE event_id < 100

SELECT event_id, count(*) OVER (ORDER BY ts RANGE BETWEEN interval '1 hour' PRECEDING AND CURRENT ROW) FROM clicks WHERE event_id < 400

SELECT * FROM (SELECT event_id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY ts DESC, event_id) AS r FROM clicks) s WHERE r = 1 AND user_id < 100

SELECT * FROM (SELECT country, url, count(*) AS n, rank() OVER (PARTITION BY country ORDER BY count(*) DESC) AS r FROM clicks GROUP BY country, url) s WHERE r <= 2

SELECT device, sum(bytes) AS b, sum(sum(bytes)) OVER () AS total, round(100.0 * sum(bytes) / sum(sum(bytes)) OVER (), 3) AS pct FROM clicks GROUP BY device

SELECT date_trunc('year', ts) AS y, count(*) AS n, sum(count(*)) OVER (ORDER BY date_trunc('year', ts)) AS cumulative FROM clicks GROUP BY 1

SELECT event_id, bytes, bytes - avg(bytes) OVER (PARTITION BY country) AS diff FROM clicks WHERE event_id < 100

SELECT user_id, name, row_number() OVER (PARTITION BY plan ORDER BY signup, user_id), lag(name) OVER (PARTITION BY plan ORDER BY signup, user_id) FROM users WHERE user_id < 200

SELECT event_id, lead(event_id) OVER (ORDER BY event_id) - event_id AS step FROM clicks WHERE event_id % 500 = 0

-- ==== expressions without tables, NULL semantics ======================================================
SELECT 1 + 1, 2 * 3.5, 7 / 2, 7.0 / 2, -7 / 2, 2 ^ 3, |/ 16, @ -4

SELECT NULL = NULL, NULL IS NULL, NULL::int + 1, 'a' || NULL, concat('a', NULL), coalesce(NULL, NULL, 3)

SELECT true AND NULL, false AND NULL, true OR NULL, false OR NULL, NOT NULL::boolean

SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL), NULL IN (1)

SELECT 'abc' < 'abd', 'a' < 'B', 'Z' < 'a', 'é' > 'z', '' < 'a', 'ab' < 'abc'

SELECT 1 = 1.0, 1::int2 = 1::int8, 0.1::float4 = 0.1::float8, 1.10 = 1.1

SELECT count(*) FROM clicks WHERE url = NULL

SELECT count(*) FROM clicks WHERE url IS NOT DISTINCT FROM NULL

SELECT count(*), count(*) FILTER (WHERE NOT (bytes > 100000)), count(*) FILTER (WHERE bytes > 100000 IS NOT TRUE) FROM clicks

-- ==== errors: both must fail with the same SQLSTATE ===================================================
SELECT 1 / 0

SELECT bytes / (status - status) FROM clicks WHERE status = 200

SELECT count(*) FROM clicks WHERE status / (event_id - 5000) > 1

SELECT sum(1 / (bytes - bytes)) FROM clicks

SELECT 'abc'::int

SELECT url::int FROM clicks

SELECT '2024-02-30'::date

SELECT 2147483647::int4 + 1

SELECT max(bytes)::int4 * 1000000 FROM clicks

SELECT 9223372036854775807::int8 + 1

SELECT (-32768)::int2 * -1

SELECT abs(-9223372036854775808::int8)

SELECT no_such_column FROM clicks

SELECT * FROM no_such_table

SELECT no_such_function(1)

SELECT url + 1 FROM clicks

SELECT user_id, count(*) FROM clicks

SELECT sqrt(-1::float8)

SELECT ln(0)

SELECT log(-1)

SELECT 'x' ~ '('

SELECT (SELECT event_id FROM clicks)

SELECT count(*) FROM clicks c JOIN users u USING (country) WHERE user_id = 1

SELECT count(*) FROM clicks LIMIT -1

SELECT make_date(2023, 2, 29)

SELECT to_timestamp('not a date', 'YYYY-MM-DD')

SELECT '{"a":'::jsonb

SELECT (props->>'ab')::int FROM clicks

SELECT selec FROM

SELECT count(*) FROM clicks WHERE count(*) > 1
