-- catalog: what psql and drivers ask of pg_catalog and information_schema about a stream table
-- (\dt, \d, information_schema.columns, pg_typeof, format_type), the settings clients read (SHOW,
-- current_setting) and \gdesc (Parse/Describe without running).
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
-- @pg:
CREATE TABLE users (user_id bigint, name text, country text, plan text, signup date)
  WITH (file = :'users_file', format = 'csv');
-- every kind of table is listed as an ordinary table: JSON paths, raw, a JSON reference file
-- @pg:
CREATE TABLE clicks_ext (user_id bigint, country text, city text, tags text, first_tag text, geo jsonb, ms timestamptz, price numeric, ok boolean)
  WITH (stream = 'clicks', format = 'json', country.path = 'geo/country', city.path = 'geo/city',
        first_tag.path = 'tags/0', ms.format = 'milliseconds');
-- @pg:
CREATE TABLE clicks_raw (line text) WITH (stream = 'clicks', format = 'raw');
-- @pg:
CREATE TABLE plans (plan text, monthly numeric, seats int) WITH (file = :'plans_file', format = 'json');
\dt
\d clicks
\d users
\d plans
SELECT table_name, column_name, data_type, ordinal_position FROM information_schema.columns
  WHERE table_schema = 'public' ORDER BY table_name, ordinal_position;
SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1;
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnum FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relname = 'clicks' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum;
SELECT 'clicks'::regclass AS rel, to_regclass('nope') IS NULL AS nope_missing;
SELECT * FROM clicks LIMIT 0 \gdesc
SELECT count(*), max(ts), sum(bytes) / 2 AS half FROM clicks \gdesc
SHOW TimeZone;
SHOW DateStyle;
SHOW client_encoding;
SHOW standard_conforming_strings;
SELECT current_setting('TimeZone') AS tz, current_setting('integer_datetimes') AS idt;
SET application_name = 'sqlrun';
SHOW application_name;
SET extra_float_digits = 0;
SELECT 0.1::float8 + 0.2::float8 AS f;
RESET extra_float_digits;
SELECT 0.1::float8 + 0.2::float8 AS f;
SET search_path = public;
SELECT count(*) FROM clicks;
SELECT count(*) FROM public.clicks;
RESET search_path;
