-- hidden_columns: _shard_id, _sequence_number, _partition_key, _arrival_time, _message,
-- _message_valid and _message_length exist on every stream table, are not part of SELECT *, and can be
-- filtered on (shard pruning, positions). Sequence numbers and arrival times are not fixed from run to
-- run, so they are checked through counts, order and comparisons only. PostgreSQL answers these from an
-- emulation table that carries the hidden columns as ordinary ones (tests/sql/README.md).
-- fixture: clicks_small, clicks_csv
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT * FROM clicks ORDER BY ts LIMIT 2;
-- @hidden begin
SELECT _shard_id, count(*) FROM clicks GROUP BY _shard_id ORDER BY _shard_id;
SELECT _partition_key, count(*) FROM clicks GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5;
SELECT _partition_key, _shard_id, user_id FROM clicks WHERE _partition_key IN ('user-3', 'user-None') ORDER BY ts;
SELECT count(*), count(DISTINCT (_shard_id, _sequence_number)) AS positions, count(_sequence_number) AS seqs FROM clicks;
SELECT bool_and(_message_valid) AS all_valid, bool_and(_message_length = octet_length(_message)) AS lengths,
       min(_message_length) > 50 AS nonempty, bool_and(_message::jsonb->>'url' IS NOT DISTINCT FROM url) AS same_url FROM clicks;
SELECT _message FROM clicks WHERE user_id IS NULL ORDER BY ts;
SELECT pg_typeof(_shard_id) AS shard, pg_typeof(_partition_key) AS pk, pg_typeof(_arrival_time) AS arrival,
       pg_typeof(_message_valid) AS valid FROM clicks LIMIT 1;
SELECT bool_and(_arrival_time <= now()) AS before_now, bool_and(_arrival_time > now() - interval '1 hour') AS recent FROM clicks;
-- the order of records within a shard follows their sequence numbers and the order they were written
SELECT _shard_id, bool_and(ok) AS ordered FROM (
  SELECT _shard_id, _arrival_time >= lag(_arrival_time) OVER w OR lag(_arrival_time) OVER w IS NULL AS ok
    FROM clicks WINDOW w AS (PARTITION BY _shard_id ORDER BY _sequence_number)) s GROUP BY 1 ORDER BY 1;
-- predicates on hidden columns (pushed down to shard pruning and iterator positions in weir)
SELECT count(*) FROM clicks WHERE _shard_id = 'shardId-000000000001';
SELECT count(*) FROM clicks WHERE _shard_id = 'shardId-000000000007';
SELECT count(*) FROM clicks WHERE _shard_id IN ('shardId-000000000000', 'shardId-000000000001');
SELECT count(*) FROM clicks WHERE _arrival_time > now() + interval '1 hour';
SELECT count(*) FROM clicks WHERE _arrival_time > now() - interval '1 hour';
SELECT count(*) FROM clicks c WHERE _sequence_number > (SELECT min(_sequence_number) FROM clicks d WHERE d._shard_id = c._shard_id);
SELECT count(*) FROM clicks c WHERE _sequence_number >= (SELECT max(_sequence_number) FROM clicks d WHERE d._shard_id = c._shard_id);
SELECT _shard_id, count(*) FROM clicks WHERE _shard_id = 'shardId-000000000000' AND status = 200 GROUP BY 1;
-- @hidden end
-- the CSV table has the same hidden columns
-- @pg:
CREATE TABLE clicks_csv (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks_csv', format = 'csv');
-- @hidden begin
SELECT _partition_key, _message, _message_length, user_id FROM clicks_csv ORDER BY _partition_key LIMIT 4;
SELECT count(*), count(DISTINCT _shard_id) AS shards, bool_and(_message_valid) AS valid FROM clicks_csv;
-- @hidden end
-- hidden columns are not part of *
SELECT * FROM clicks \gdesc
