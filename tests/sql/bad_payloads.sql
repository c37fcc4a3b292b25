-- bad_payloads: payloads that do not decode follow the table's on_error policy and are never dropped
-- silently: 'null' (the default: bad fields are NULL, _message_valid is false), 'skip' (the record is
-- left out), 'fail' (the query fails) and 'dead_letter' (the record is copied to another stream). A
-- JSON array is a record (its columns are NULL here); a bare string or number is not. Sequence numbers
-- in the recorded error messages are masked.
-- @mask: [0-9]{20,}
-- fixture: bad_payloads
-- @pg:
CREATE TABLE events (id bigint, n bigint, name text) WITH (stream = 'events', format = 'json', on_error = 'null');
SELECT * FROM events ORDER BY id NULLS LAST, name NULLS LAST;
SELECT count(*), count(id), count(n), sum(n) FROM events;
-- @hidden begin
SELECT _message, _message_valid, id, n FROM events ORDER BY _sequence_number;
SELECT _message_valid, count(*) FROM events GROUP BY 1 ORDER BY 1;
-- @hidden end
-- @pg:
CREATE TABLE events_skip (id bigint, n bigint, name text) WITH (stream = 'events', format = 'json', on_error = 'skip');
SELECT * FROM events_skip ORDER BY id NULLS LAST;
SELECT count(*) FROM events_skip;
-- @recorded begin
CREATE TABLE events_fail (id bigint, n bigint, name text) WITH (stream = 'events', format = 'json', on_error = 'fail');
\set VERBOSITY verbose
SELECT count(*) FROM events_fail;
SELECT id FROM events_fail WHERE id = 1;
\set VERBOSITY default
CREATE TABLE events_dead (line text) WITH (stream = 'events_dead', format = 'raw', shards = 1);
CREATE TABLE events_dl (id bigint, n bigint, name text)
  WITH (stream = 'events', format = 'json', on_error = 'dead_letter', dead_letter_stream = 'events_dead');
SELECT count(*) FROM events_dl;
SELECT count(*) FROM events_dead;
SELECT line FROM events_dead ORDER BY line;
-- @recorded end
