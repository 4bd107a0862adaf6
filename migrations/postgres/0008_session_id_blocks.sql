-- Session id blocks (PostgreSQL only; SQLite reserves ids by moving its AUTOINCREMENT counter,
-- which costs the same for any number of ids).
--
-- An ingest reserves session ids in blocks before it assigns them. Taking each id with its own
-- nextval() cost about 7 us of server time per session, as much as a tenth of an ingest; with
-- the sequence stepping 1024 at a time, one nextval() reserves the 1024 ids from the value it
-- returns, and a block of 16,384 ids takes 16 calls. A row inserted without an id (by hand)
-- still gets a value no reservation holds; the ids it skips are never used.
ALTER TABLE sessions ALTER COLUMN id SET INCREMENT BY 1024;
