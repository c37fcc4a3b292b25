-- select: WHERE, ORDER BY (ASC/DESC, NULLS FIRST/LAST, by position and expression), LIMIT/OFFSET,
-- DISTINCT and DISTINCT ON, LIKE/ILIKE/~, BETWEEN, IN lists, IS [NOT] DISTINCT FROM, CASE, COALESCE,
-- NULLIF, CAST and :: over a JSON stream table.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT user_id, url, status FROM clicks WHERE status = 500 ORDER BY ts;
SELECT count(*) FROM clicks WHERE status <> 200;
SELECT user_id, bytes FROM clicks WHERE bytes > 40000 OR bytes < 0 ORDER BY bytes DESC;
SELECT user_id, url FROM clicks WHERE user_id IN (3, 5, 7) AND url IS NOT NULL ORDER BY user_id, ts;
SELECT user_id, ts FROM clicks WHERE ts BETWEEN '2024-03-31 00:00:00+00' AND '2024-03-31 01:30:00+00' ORDER BY ts;
SELECT user_id, ts FROM clicks WHERE ts >= '2024-03-31 03:00:00+02' AND ts < '2024-03-31 04:00+02' ORDER BY ts;
SELECT user_id, status FROM clicks WHERE status IS NULL OR user_id IS NULL ORDER BY ts;
SELECT count(*) FROM clicks WHERE user_id IS DISTINCT FROM 3;
SELECT count(*) FROM clicks WHERE user_id IS NOT DISTINCT FROM NULL;
-- ordering
SELECT user_id, bytes FROM clicks ORDER BY bytes DESC NULLS LAST, ts LIMIT 5;
SELECT user_id, bytes FROM clicks ORDER BY bytes NULLS FIRST, ts LIMIT 3;
SELECT user_id, bytes FROM clicks ORDER BY 2 DESC, 1 LIMIT 3;
SELECT user_id, bytes % 1000 AS rem FROM clicks WHERE bytes IS NOT NULL ORDER BY bytes % 1000, ts LIMIT 4;
SELECT user_id, url, ts FROM clicks ORDER BY ts LIMIT 5 OFFSET 10;
SELECT user_id FROM clicks ORDER BY ts OFFSET 38;
SELECT user_id FROM clicks ORDER BY ts LIMIT 0;
SELECT count(*) FROM (SELECT * FROM clicks LIMIT 7) s;
-- DISTINCT
SELECT DISTINCT status FROM clicks ORDER BY status NULLS FIRST;
SELECT DISTINCT ON (status) status, user_id, ts FROM clicks ORDER BY status, ts;
SELECT count(DISTINCT url) AS urls, count(DISTINCT (url, status)) AS pairs FROM clicks;
-- pattern matching
SELECT DISTINCT url FROM clicks WHERE url LIKE '/product/%' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url NOT LIKE '/%o%' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url ILIKE '%CAF_%' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url ~ '^/[a-z]+$' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url ~* 'BLOG|HELP' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url !~ '[a-z]' ORDER BY url;
SELECT DISTINCT url FROM clicks WHERE url LIKE '%\_%' OR url LIKE '%?%' ORDER BY url;
-- conditional expressions
SELECT status,
       CASE WHEN status >= 500 THEN 'server error' WHEN status >= 400 THEN 'client error'
            WHEN status >= 300 THEN 'redirect' ELSE 'ok' END AS class,
       count(*)
  FROM clicks GROUP BY 1, 2 ORDER BY 1 NULLS LAST;
SELECT CASE status WHEN 200 THEN 'ok' WHEN 404 THEN 'missing' END AS s, count(*) FROM clicks GROUP BY 1 ORDER BY 1;
SELECT coalesce(user_id, -1) AS uid, coalesce(url, '(none)') AS url FROM clicks WHERE user_id IS NULL OR url IS NULL ORDER BY ts;
SELECT nullif(status, 200) AS not_ok, count(*) FROM clicks GROUP BY 1 ORDER BY 1 NULLS FIRST;
SELECT greatest(bytes, 1000) AS g, least(bytes, 1000) AS l FROM clicks ORDER BY ts LIMIT 4;
-- casts
SELECT user_id::text || ':' || status::text AS k FROM clicks ORDER BY ts LIMIT 3;
SELECT CAST(bytes AS double precision) / 1024 AS kib FROM clicks WHERE bytes IS NOT NULL ORDER BY ts LIMIT 3;
SELECT CAST(ts AS date) AS day, count(*) FROM clicks GROUP BY 1 ORDER BY 1;
SELECT '42'::int + 1 AS a, '3.5'::numeric * 2 AS b, 'true'::boolean AS c, '2024-02-29'::date + 1 AS d;
SELECT status::text AS s, status::bigint * 1000000000000 AS big FROM clicks WHERE status = 503 LIMIT 1;
-- expressions in the select list without FROM
SELECT 1 + 2 * 3 AS n, 7 / 2 AS idiv, 7 % 3 AS imod, 7.0 / 2 AS ndiv, -5 / 2 AS neg, 2 ^ 10 AS pow;
SELECT 'a' || NULL AS n, concat('a', NULL, 'b') AS c, NULL::int IS NULL AS isnull;
