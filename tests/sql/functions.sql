-- functions: PostgreSQL's common string, math, date/time and JSON functions, on stream columns and on
-- constants. now() is checked only through comparisons, so the expected output is stable.
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- @pg:
CREATE TABLE clicks_ext (user_id bigint, country text, city text, tags text, first_tag text, geo jsonb, ms timestamptz, price numeric, ok boolean)
  WITH (stream = 'clicks', format = 'json', country.path = 'geo/country', city.path = 'geo/city',
        first_tag.path = 'tags/0', ms.format = 'milliseconds');
-- strings
SELECT DISTINCT url, length(url) AS chars, octet_length(url) AS bytes, upper(url) AS up, lower(upper(url)) AS low
  FROM clicks WHERE url IS NOT NULL ORDER BY url;
SELECT DISTINCT url, substr(url, 2, 4) AS s, substring(url FROM 2 FOR 3) AS s2, left(url, 3) AS l, right(url, 3) AS r,
       position('o' IN url) AS pos, strpos(url, 'e') AS spos FROM clicks WHERE url IS NOT NULL ORDER BY url;
SELECT DISTINCT url, split_part(url, '/', 2) AS part, replace(url, '/', '|') AS rep, reverse(url) AS rev
  FROM clicks WHERE url IS NOT NULL ORDER BY url;
SELECT DISTINCT url, regexp_replace(url, '[0-9]+', 'N', 'g') AS norm, url ~ '\d' AS has_digit,
       substring(url FROM '/([a-z]+)/') AS first_segment FROM clicks WHERE url IS NOT NULL ORDER BY url;
SELECT trim('  x  ') AS t, ltrim('xxyx', 'x') AS lt, rtrim('yxx', 'x') AS rt, btrim('--a--', '-') AS bt,
       lpad('7', 3, '0') AS lp, rpad('ab', 5, '.') AS rp, repeat('ab', 3) AS rep, initcap('hello wORLD') AS ic;
SELECT concat_ws('-', 'a', NULL, 'c') AS cw, format('%s has %s clicks', 'ada', 3) AS f, md5('weir') AS m,
       chr(233) AS c, ascii('A') AS a, starts_with('weir', 'we') AS sw, 'abc' || 123 AS cat;
SELECT DISTINCT city, length(city) AS len, upper(city) AS up, left(city, 2) AS l2 FROM clicks_ext WHERE city IS NOT NULL ORDER BY city;
SELECT to_hex(255) AS h, quote_ident('a b') AS qi, quote_literal('it''s') AS ql, translate('abc', 'ab', 'xy') AS tr;
-- math
SELECT abs(-5) AS a, ceil(1.2) AS c, floor(-1.2) AS f, round(2.5) AS r, round(-2.5) AS rn, round(1.23456, 3) AS r3,
       trunc(1.99) AS t, trunc(-1.567, 2) AS t2, sign(-3) AS s, mod(17, 5) AS m, power(2, 0.5) AS p, sqrt(16) AS sq;
SELECT round(exp(1)::numeric, 10) AS e, round(ln(10)::numeric, 10) AS ln, log(1000) AS lg, round(pi()::numeric, 12) AS pi,
       cbrt(27) AS cb, div(17, 5) AS d, gcd(12, 18) AS g, lcm(4, 6) AS l, factorial(10) AS fact;
SELECT 10 / 3 AS i, 10.0 / 3 AS n, 10 / 3.0::float8 AS f, 1e300::float8 * 10 AS big, -0.0::float8 AS negzero,
       0.1::float8 + 0.2::float8 AS fsum, 0.1 + 0.2 AS nsum;
SELECT user_id, bytes, round(bytes / 1024.0, 2) AS kib, bytes % 7 AS m7, abs(bytes - 25000) AS dist,
       width_bucket(bytes, 0, 50000, 5) AS bucket FROM clicks WHERE bytes IS NOT NULL ORDER BY ts LIMIT 8;
SELECT sum(price), round(avg(price), 4), min(price), max(price) FROM clicks_ext;
-- date/time
SELECT bool_and(ts < now()) AS past, bool_and(now() - ts > interval '1 day') AS old, now() = now() AS stable,
       current_date > '2024-01-01' AS after_2024, current_timestamp >= now() - interval '1 minute' AS recent FROM clicks;
SELECT ts, date_trunc('day', ts) AS d, date_trunc('hour', ts) AS h, date_trunc('minute', ts) AS m,
       date_trunc('month', ts) AS mon, date_trunc('week', ts) AS w FROM clicks ORDER BY ts LIMIT 5;
SELECT ts, extract(year FROM ts) AS y, extract(month FROM ts) AS mo, extract(day FROM ts) AS d, extract(hour FROM ts) AS h,
       extract(dow FROM ts) AS dow, extract(doy FROM ts) AS doy, extract(epoch FROM ts) AS epoch, date_part('minute', ts) AS mi
  FROM clicks ORDER BY ts LIMIT 5;
SELECT ts, to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS iso, to_char(ts, 'Dy DD Mon YYYY HH12:MI AM') AS human,
       to_char(ts, 'IYYY-IW') AS isoweek, to_char(ts, 'US') AS us FROM clicks ORDER BY ts LIMIT 4;
SELECT to_char(1234567.891, '9,999,999.99') AS n1, to_char(-42, '000') AS n2, to_char(0.5, 'FM990.00') AS n3;
SELECT to_timestamp(1711843200) AS t1, to_timestamp(1711843200.5) AS t2, to_timestamp('2024-03-31 02:30', 'YYYY-MM-DD HH24:MI') AS t3,
       to_date('31/03/2024', 'DD/MM/YYYY') AS d;
SELECT make_interval(days => 1, hours => 2) AS i1, make_interval(mins => 90) AS i2, make_interval(years => 1, months => 14) AS i3,
       make_date(2024, 2, 29) AS md, make_timestamp(2024, 3, 31, 2, 30, 0) AS mts;
SELECT ts, ts + interval '1 hour' AS plus, ts - interval '1 day 2 hours' AS minus, ts + interval '1 month' AS next_month
  FROM clicks ORDER BY ts LIMIT 3;
SELECT max(ts) - min(ts) AS span, age(timestamp '2024-03-31', timestamp '2023-01-15') AS age,
       justify_hours(interval '50 hours') AS jh, interval '90 minutes' * 2 AS dbl FROM clicks;
SELECT ts, ts AT TIME ZONE 'Europe/Berlin' AS berlin, ts AT TIME ZONE 'America/New_York' AS ny,
       ts AT TIME ZONE 'Asia/Kolkata' AS kolkata FROM clicks ORDER BY ts LIMIT 6;
SELECT date_trunc('day', ts AT TIME ZONE 'Europe/Berlin') AS berlin_day, count(*) FROM clicks GROUP BY 1 ORDER BY 1;
SELECT timestamptz '2024-03-31 01:59:59+00' AT TIME ZONE 'Europe/Berlin' AS before_dst,
       timestamptz '2024-03-31 02:00:00+00' AT TIME ZONE 'Europe/Berlin' AS after_dst,
       timestamp '2024-03-31 02:30:00' AT TIME ZONE 'Europe/Berlin' AS gap;
SET TimeZone = 'Europe/Berlin';
SELECT ts, date_trunc('day', ts) AS local_day, extract(hour FROM ts) AS local_hour FROM clicks ORDER BY ts LIMIT 8;
SELECT timestamptz '2024-03-31 01:30:00+00' AS t, timestamptz '2024-10-27 00:30:00+00' AS t2,
       timestamptz '2024-10-27 01:30:00+00' AS t3;
RESET TimeZone;
SELECT min(ms), max(ms), count(DISTINCT ms) FROM clicks_ext;
-- JSON
SELECT geo, geo->'country' AS c_json, geo->>'city' AS city, geo #>> '{city}' AS city2, jsonb_typeof(geo) AS t
  FROM clicks_ext WHERE geo IS NOT NULL ORDER BY ms LIMIT 5;
SELECT tags, (tags::json)->>0 AS first, json_array_length(tags::json) AS n, first_tag FROM clicks_ext ORDER BY ms LIMIT 6;
SELECT geo->>'country' = 'JP' AS in_jp, count(*) FROM clicks_ext GROUP BY 1 ORDER BY 1 NULLS FIRST;
SELECT '{"a":{"b":[10,20,{"c":"x"}]}}'::json #> '{a,b,2}' AS p, '{"a":{"b":[10,20,{"c":"x"}]}}'::jsonb #>> '{a,b,1}' AS q,
       '[1,2,3]'::jsonb -> 2 AS r, '{"k":null}'::json ->> 'k' AS s;
SELECT json_build_object('user', user_id, 'url', url) AS obj, to_json(status) AS st FROM clicks ORDER BY ts LIMIT 3;
SELECT jsonb_build_object('n', count(*), 'max', max(bytes)) AS summary FROM clicks;
SELECT json_agg(user_id ORDER BY ts) FILTER (WHERE status = 500) AS users_500, jsonb_agg(DISTINCT status ORDER BY status) AS statuses FROM clicks;
