-- subqueries: in FROM (derived tables), IN / NOT IN, EXISTS / NOT EXISTS, scalar subqueries
-- (correlated and not), ANY/ALL, WITH (CTEs, several and chained), UNION / UNION ALL / INTERSECT /
-- EXCEPT with ORDER BY and LIMIT over the result.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- @pg:
CREATE TABLE users (user_id bigint, name text, country text, plan text, signup date)
  WITH (file = :'users_file', format = 'csv');
SELECT s.status, s.n FROM (SELECT status, count(*) AS n FROM clicks GROUP BY status) s WHERE s.n > 2 ORDER BY s.n DESC, s.status;
SELECT avg(n) AS avg_clicks_per_user FROM (SELECT user_id, count(*) AS n FROM clicks GROUP BY user_id) t;
SELECT max(total) FROM (SELECT url, sum(bytes) AS total FROM clicks GROUP BY url) x;
SELECT name FROM users WHERE user_id IN (SELECT user_id FROM clicks WHERE status = 200) ORDER BY name;
SELECT name FROM users WHERE user_id NOT IN (SELECT user_id FROM clicks WHERE user_id IS NOT NULL) ORDER BY name;
SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM clicks);
SELECT name FROM users u WHERE EXISTS (SELECT 1 FROM clicks c WHERE c.user_id = u.user_id AND c.status >= 500) ORDER BY name;
SELECT name FROM users u WHERE NOT EXISTS (SELECT 1 FROM clicks c WHERE c.user_id = u.user_id AND c.status = 200) ORDER BY name;
SELECT (SELECT count(*) FROM clicks) AS total, (SELECT count(*) FROM users) AS users, (SELECT max(ts) FROM clicks WHERE false) AS none;
SELECT u.name, (SELECT count(*) FROM clicks c WHERE c.user_id = u.user_id) AS clicks,
       (SELECT max(c.ts) FROM clicks c WHERE c.user_id = u.user_id) AS last FROM users u ORDER BY u.user_id;
SELECT user_id, bytes FROM clicks WHERE bytes > (SELECT avg(bytes) * 1.5 FROM clicks) ORDER BY bytes DESC;
SELECT user_id, bytes FROM clicks c WHERE bytes = (SELECT max(bytes) FROM clicks d WHERE d.user_id = c.user_id) ORDER BY user_id;
SELECT count(*) FROM clicks WHERE status = ANY (SELECT status FROM clicks WHERE bytes < 5000);
SELECT user_id, bytes FROM clicks WHERE bytes >= ALL (SELECT bytes FROM clicks WHERE bytes IS NOT NULL) ;
SELECT (SELECT name FROM users WHERE user_id = 99) IS NULL AS missing;
-- CTEs
WITH per_user AS (SELECT user_id, count(*) AS n, sum(bytes) AS b FROM clicks GROUP BY user_id)
SELECT p.user_id, p.n, p.b, u.name FROM per_user p LEFT JOIN users u USING (user_id) ORDER BY p.n DESC, p.user_id NULLS LAST LIMIT 5;
WITH errs AS (SELECT * FROM clicks WHERE status >= 400), by_url AS (SELECT url, count(*) AS n FROM errs GROUP BY url)
SELECT url, n FROM by_url ORDER BY n DESC, url;
WITH a AS (SELECT user_id FROM clicks WHERE status = 200), b AS (SELECT DISTINCT user_id FROM a WHERE user_id > 5)
SELECT count(*) FROM b;
WITH t AS (SELECT date_trunc('hour', ts) AS h, count(*) AS n FROM clicks GROUP BY 1)
SELECT h, n, n - lag(n) OVER (ORDER BY h) AS delta FROM t ORDER BY h;
-- set operations
SELECT user_id FROM clicks WHERE status = 404 UNION SELECT user_id FROM clicks WHERE status = 500 ORDER BY 1;
SELECT user_id FROM clicks WHERE status = 404 UNION ALL SELECT user_id FROM clicks WHERE status = 500 ORDER BY 1;
SELECT url FROM clicks WHERE status = 200 INTERSECT SELECT url FROM clicks WHERE status <> 200 ORDER BY 1;
SELECT url FROM clicks EXCEPT SELECT url FROM clicks WHERE status = 200 ORDER BY 1 NULLS FIRST;
SELECT 'click' AS kind, count(*) FROM clicks UNION ALL SELECT 'user', count(*) FROM users ORDER BY 1;
SELECT user_id FROM users UNION SELECT user_id FROM clicks ORDER BY 1 DESC NULLS LAST LIMIT 4;
SELECT count(*) FROM (SELECT url FROM clicks UNION SELECT name FROM users) s;
