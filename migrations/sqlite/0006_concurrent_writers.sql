-- Concurrent writers (SQLite). Same tables and columns as migrations/postgres/0006_concurrent_writers.sql.

-- Session and conversion ids are assigned by the database, so ingests of different sites can
-- write at the same time: sessions by AUTOINCREMENT (never reused; an ingest reserves a block
-- of ids by moving sqlite_sequence forward), conversions on insert (nothing refers to them).
-- SQLite cannot add AUTOINCREMENT to a column: both tables are rebuilt with the same columns
-- and rows (conversions so that they refer to the rebuilt sessions table). The visitor index
-- sessions_site_visitor, if an ingest had created it, is created again by the next ingest
-- that needs it.
-- Order matters for the foreign key from conversions to sessions: conversions are set aside
-- in a plain copy first, so dropping the old sessions table orphans nothing.
CREATE TABLE conversions_copy AS SELECT * FROM conversions;
DROP TABLE conversions;

CREATE TABLE sessions_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    site           TEXT NOT NULL,
    visitor_key    TEXT NOT NULL,
    started_at     INTEGER NOT NULL,
    last_hit_at    INTEGER NOT NULL,
    day            TEXT NOT NULL,
    channel        TEXT NOT NULL,
    source         TEXT NOT NULL,
    search_term    TEXT,
    landing_path   TEXT NOT NULL,
    referrer_host  TEXT,
    utm_source     TEXT,
    utm_medium     TEXT,
    utm_campaign   TEXT,
    utm_term       TEXT,
    utm_content    TEXT,
    pageviews      INTEGER NOT NULL,
    converted      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sessions_new SELECT id, site, visitor_key, started_at, last_hit_at, day, channel,
    source, search_term, landing_path, referrer_host, utm_source, utm_medium, utm_campaign,
    utm_term, utm_content, pageviews, converted FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_site_day ON sessions (site, day);
CREATE INDEX sessions_site_last_hit ON sessions (site, last_hit_at);
-- A block reservation moves this row forward; it must exist before the first one.
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'sessions', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'sessions');

CREATE TABLE conversions (
    id            INTEGER PRIMARY KEY,
    session_id    INTEGER NOT NULL REFERENCES sessions (id),
    site          TEXT NOT NULL,
    goal          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    converted_at  INTEGER NOT NULL,
    day           TEXT NOT NULL,
    path          TEXT NOT NULL,
    UNIQUE (session_id, goal)
);
INSERT INTO conversions SELECT id, session_id, site, goal, kind, converted_at, day, path
    FROM conversions_copy;
DROP TABLE conversions_copy;
CREATE INDEX conversions_site_day ON conversions (site, day);

-- Who holds a named lease (one ingest per site: `ingest:<site>`), for how long, and who they
-- are, so a second writer can be refused with a message naming the first. On SQLite the row
-- is the lock: it is renewed while its holder works and may be taken over once expired, or at
-- once when its holder's process is gone from the same host.
CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    since       INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
