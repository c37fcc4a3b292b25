-- decode_regex: the regex decoder. The ready patterns for Apache combined and common log lines
-- (pattern = 'apache_combined' / 'apache_common'): columns find the pattern's named groups by their own
-- name or through "<column>.group", "-" reads as NULL, the time group is parsed as
-- %d/%b/%Y:%H:%M:%S %z, and the request line is split into method and path when it has that shape. A
-- custom pattern whose unnamed capture groups fill the columns in order. A line that does not match
-- gives NULL columns and _message_valid false.
-- fixture: weblog
-- @pg:
CREATE TABLE weblog (host text, authuser text, ts timestamptz, method text, path text, request text, status int, bytes bigint, referer text, agent text)
  WITH (stream = 'weblog', format = 'regex', pattern = 'apache_combined',
        authuser.group = 'user', ts.group = 'time', agent.group = 'user_agent');
SELECT * FROM weblog ORDER BY ts NULLS LAST;
SELECT host, count(*), sum(bytes) FROM weblog WHERE host IS NOT NULL GROUP BY host ORDER BY host;
SELECT status, count(*) FROM weblog GROUP BY status ORDER BY status NULLS FIRST;
SELECT method, path, request FROM weblog WHERE host IS NOT NULL ORDER BY ts;
SELECT count(*) FILTER (WHERE referer IS NULL) AS no_referer, count(*) FILTER (WHERE bytes IS NULL) AS no_bytes,
       count(*) FILTER (WHERE authuser IS NOT NULL) AS with_user FROM weblog;
-- @hidden begin
SELECT _message FROM weblog WHERE NOT _message_valid;
SELECT _message_valid, count(*) FROM weblog GROUP BY 1 ORDER BY 1;
-- @hidden end
-- @pg:
CREATE TABLE weblog_common (host text, ident text, "user" text, time timestamptz, request text, status int, bytes bigint)
  WITH (stream = 'weblog_common', format = 'regex', pattern = 'apache_common');
SELECT * FROM weblog_common ORDER BY time;
-- @pg:
CREATE TABLE weblog_re (host text, method text, path text, status int)
  WITH (stream = 'weblog', format = 'regex', pattern = '^(\S+) \S+ \S+ \[[^\]]+\] "(\S+) (\S+)[^"]*" (\d{3})');
SELECT * FROM weblog_re WHERE host IS NOT NULL ORDER BY host, path;
SELECT method, count(*) FROM weblog_re GROUP BY method ORDER BY method NULLS LAST;
