-- checkpoint: after SET weir.checkpoint = 'name' each query reads only what arrived since the previous
-- query under that name; other names and queries without a checkpoint read everything; positions
-- survive a server restart. PostgreSQL answers through stand-ins (-- @pg:) that select the rows weir
-- must return (batch2 has user_id 100-109, batch3 user_id 200-204).
-- fixture: clicks_small
-- @pg:
CREATE TABLE clicks (user_id bigint, url text, ts timestamptz, status int, bytes bigint)
  WITH (stream = 'clicks', format = 'json');
SELECT count(*) FROM clicks;
SET weir.checkpoint = 'dash';
SHOW weir.checkpoint;
SELECT count(*), min(user_id), max(user_id) FROM clicks;
-- @pg: SELECT count(*), min(user_id), max(user_id) FROM clicks WHERE false;
SELECT count(*), min(user_id), max(user_id) FROM clicks;
\! $SQLRUN_CTL put batch2
-- @pg: SELECT user_id, url FROM clicks WHERE user_id BETWEEN 100 AND 199 ORDER BY user_id;
SELECT user_id, url FROM clicks ORDER BY user_id;
-- @pg: SELECT count(*) FROM clicks WHERE false;
SELECT count(*) FROM clicks;
-- another name starts from the beginning of the stream
SET weir.checkpoint = 'report';
SELECT count(*) FROM clicks;
-- @pg: SELECT count(*) FROM clicks WHERE false;
SELECT count(*) FROM clicks;
-- without a checkpoint: everything the stream retains
RESET weir.checkpoint;
SELECT count(*) FROM clicks;
-- positions are kept across a restart (the session is new: set the name again)
\! $SQLRUN_CTL restart
\c
SET weir.checkpoint = 'dash';
-- @pg: SELECT count(*) FROM clicks WHERE false;
SELECT count(*) FROM clicks;
\! $SQLRUN_CTL put batch3
-- @pg: SELECT user_id, status FROM clicks WHERE user_id >= 200 ORDER BY user_id;
SELECT user_id, status FROM clicks ORDER BY user_id;
SET weir.checkpoint = 'report';
-- @pg: SELECT count(*), min(user_id) FROM clicks WHERE user_id >= 200;
SELECT count(*), min(user_id) FROM clicks;
RESET weir.checkpoint;
SELECT count(*) FROM clicks;
