-- limits: statements at the edges, answered as PostgreSQL answers them instead of crashing the server:
-- queries with no columns (SELECT, SELECT FROM t, set operations of them), nesting deeper than the stack
-- allows (54001 stack depth limit exceeded, with its HINT) and just within it, aggregates in window
-- definitions (the query aggregates), results over 1 GB (54000), and the session still usable after each.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
\set VERBOSITY verbose
-- no columns: each row is empty; RowDescription has no fields
SELECT;
SELECT LIMIT 1;
SELECT WHERE true;
SELECT WHERE false;
SELECT UNION SELECT;
SELECT UNION ALL SELECT;
SELECT INTERSECT SELECT;
SELECT EXCEPT SELECT;
SELECT FROM clicks WHERE status = 200;
SELECT FROM clicks GROUP BY status HAVING count(*) > 3;
SELECT DISTINCT FROM clicks;
SELECT FROM clicks ORDER BY ts LIMIT 2;
SELECT count(*) FROM (SELECT FROM clicks) s;
SELECT * FROM (SELECT) s;
SELECT *, 1 AS one FROM (SELECT) a, (SELECT) b;
SELECT EXISTS (SELECT), (SELECT count(*) FROM (SELECT UNION ALL SELECT) u);
SELECT (SELECT);
-- nesting: 200 levels work; past the stack, 54001 (PostgreSQL fails at about 4,000 levels of +; weir
-- earlier, nearer 2,000 in a sanitizer build; bison's own limit near 10,000 is 42601 on both). The
-- statements are generated (\gexec) and not echoed: they are tens of kilobytes long.
\set ECHO none
\echo 200 levels of +
SELECT 'SELECT ' || repeat('+', 200) || '1 AS plus' \gexec
\echo 200 nested calls
SELECT 'SELECT ' || repeat('abs(', 200) || '-1' || repeat(')', 200) || ' AS calls' \gexec
\echo 200 nested subqueries
SELECT 'SELECT ' || repeat('(SELECT ', 200) || '7' || repeat(')', 200) || ' AS subqueries' \gexec
\echo a UNION ALL of 200 SELECTs
SELECT 'SELECT count(*) FROM (' || repeat('SELECT 1 UNION ALL ', 199) || 'SELECT 1) u' \gexec
\echo 200 nested CASEs
SELECT 'SELECT ' || repeat('CASE WHEN true THEN ', 200) || '3' || repeat(' END', 200) || ' AS cases' \gexec
\echo 5000 levels of parentheses (no nodes: fine)
SELECT 'SELECT ' || repeat('(', 5000) || '5' || repeat(')', 5000) || ' AS parens' \gexec
\echo 6000 levels of +
SELECT 'SELECT ' || repeat('+', 6000) || '1' \gexec
\echo a chain of 20000 + (left-deep, past what the parse tree printer may recurse)
SELECT 'SELECT ' || repeat('1 + ', 20000) || '1' \gexec
\echo 20000 levels of - (the bison limit)
SELECT 'SELECT ' || repeat('- ', 20000) || '1' \gexec
\echo 5000 nested calls (the bison limit)
SELECT 'SELECT ' || repeat('abs(', 5000) || '1' || repeat(')', 5000) \gexec
\echo 3000 nested subqueries
SELECT 'SELECT ' || repeat('(SELECT ', 3000) || '1' || repeat(')', 3000) \gexec
\set ECHO all
SELECT count(*) FROM clicks;
-- aggregates in a window definition make the query an aggregating one
SELECT rank() OVER (ORDER BY count(*)) FROM clicks;
SELECT rank() OVER w FROM clicks WINDOW w AS (PARTITION BY max(status));
SELECT 1 AS one FROM clicks WINDOW w AS (ORDER BY sum(bytes));
SELECT sum(bytes) OVER (PARTITION BY max(status)) FROM clicks;
SELECT status, sum(count(*)) OVER (ORDER BY max(bytes) DESC NULLS LAST), count(*) FROM clicks
  GROUP BY status ORDER BY status NULLS FIRST;
SELECT user_id, ts, rank() OVER (ORDER BY ts DESC) AS a, rank() OVER (ORDER BY ts) AS b
  FROM clicks WHERE user_id <= 3 ORDER BY rank() OVER (ORDER BY ts), ts, user_id;
-- results over 1 GB fail at once
SELECT repeat('x', 2000000000);
SELECT repeat('ab', 600000000);
SELECT length(repeat('', 2000000000));
SELECT lpad('x', 2000000000, 'ab');
SELECT rpad('', 2000000000, 'ab');
SELECT length(lpad('', 2000000000, ''));
SELECT format('%2000000000s', 'x');
SELECT format('%-2000000000s', 'x');
SELECT length(repeat('xy', 5000000)), md5(repeat('xy', 5000000)), md5(lpad('z', 1000001, 'abc'));
SELECT count(*) FROM clicks;
