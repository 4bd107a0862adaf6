-- Ingest hardening (PostgreSQL). Same tables and columns as migrations/sqlite/0004_ingest_hardening.sql.

-- Day salts belong to a site and a day, and are deleted once their day can no longer receive
-- sessions (salt_retention_days). Salts kept before this migration were never deleted and
-- keyed visitors without the site; they are dropped (their days can no longer be linked).
DROP TABLE day_salts;
CREATE TABLE day_salts (
    site        TEXT NOT NULL,
    day         TEXT NOT NULL,
    salt        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (site, day)
);

-- Sessions set aside to keep ingest memory bounded are found again through the index
-- sessions_site_visitor (site, visitor_key, last_hit_at). It is created by the first ingest that
-- sets sessions aside, not here: its random keys cost a site that never needs it a third of its
-- ingest time.

-- A file is identified by a hash of its first head_len bytes (up to 4096; 0 for checkpoints
-- written before this migration: the hash of the first line), plus its device and inode where
-- the system has them (NULL for standard input, pipes and compressed files).
ALTER TABLE ingest_checkpoints ADD COLUMN head_len BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ingest_checkpoints ADD COLUMN device BIGINT;
ALTER TABLE ingest_checkpoints ADD COLUMN inode BIGINT;
