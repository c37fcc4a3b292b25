-- joins: inner, left, right, full and cross joins between a stream table and reference tables loaded
-- from files (users.csv as CSV without a header, plans.json as one JSON object per line), USING and
-- NATURAL-free ON conditions, joins on expressions, self-joins and joins with NULL keys.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- @pg:
CREATE TABLE users (user_id bigint, name text, country text, plan text, signup date)
  WITH (file = :'users_file', format = 'csv');
-- @pg:
CREATE TABLE plans (plan text, monthly numeric, seats int) WITH (file = :'plans_file', format = 'json');
SELECT * FROM users ORDER BY user_id;
SELECT * FROM plans ORDER BY plan;
SELECT u.name, count(*) AS clicks FROM clicks c JOIN users u ON u.user_id = c.user_id GROUP BY u.name ORDER BY clicks DESC, u.name;
SELECT c.user_id, u.name, c.url FROM clicks c INNER JOIN users u USING (user_id) WHERE c.status = 404 ORDER BY c.ts;
SELECT c.user_id, u.country, count(*) FROM clicks c LEFT JOIN users u ON u.user_id = c.user_id
  GROUP BY c.user_id, u.country ORDER BY c.user_id NULLS FIRST;
SELECT u.user_id, u.name, count(c.url) AS clicks FROM clicks c RIGHT JOIN users u ON u.user_id = c.user_id
  GROUP BY u.user_id, u.name ORDER BY u.user_id;
SELECT coalesce(c.user_id, u.user_id) AS id, count(c.ts) AS clicks, u.name FROM clicks c FULL JOIN users u ON u.user_id = c.user_id
  GROUP BY 1, u.name ORDER BY 1 NULLS LAST, 3;
SELECT u.name, p.plan, p.monthly FROM users u LEFT JOIN plans p ON p.plan = u.plan ORDER BY u.user_id;
SELECT p.plan, count(u.user_id) AS users FROM plans p LEFT JOIN users u ON u.plan = p.plan GROUP BY p.plan ORDER BY p.plan;
SELECT u.country, p.plan, sum(c.bytes) AS bytes, count(*) AS n
  FROM clicks c JOIN users u ON u.user_id = c.user_id JOIN plans p ON p.plan = u.plan
  GROUP BY u.country, p.plan ORDER BY bytes DESC NULLS LAST, u.country, p.plan;
SELECT count(*) FROM users CROSS JOIN plans;
SELECT u.name, p.plan FROM users u CROSS JOIN plans p WHERE p.seats > 5 AND u.user_id <= 2 ORDER BY 1, 2;
SELECT count(*) FROM clicks a JOIN clicks b ON a.user_id = b.user_id AND a.ts < b.ts;
SELECT a.user_id, a.url, b.url AS next_url FROM clicks a JOIN clicks b ON b.user_id = a.user_id
  AND b.ts = (SELECT min(ts) FROM clicks x WHERE x.user_id = a.user_id AND x.ts > a.ts)
  WHERE a.user_id = 3 ORDER BY a.ts;
SELECT c.user_id, u.name FROM clicks c JOIN users u ON u.user_id = c.user_id + 1 WHERE c.status = 500 ORDER BY c.ts;
SELECT count(*) FROM clicks c JOIN users u ON c.user_id = u.user_id WHERE c.ts >= u.signup;
SELECT u.name FROM users u WHERE NOT EXISTS (SELECT 1 FROM clicks c WHERE c.user_id = u.user_id) ORDER BY 1;
SELECT u.plan IS NULL AS no_plan, count(*) FROM users u GROUP BY 1 ORDER BY 1;
