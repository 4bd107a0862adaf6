-- Session id blocks: PostgreSQL only (see migrations/postgres/0008_session_id_blocks.sql; its
-- sequence steps 1024 at a time). SQLite reserves ids by moving its AUTOINCREMENT counter,
-- which costs the same for any number of ids, so nothing changes here; the file keeps both
-- backends' migrations numbered alike.
SELECT 1;
