-- Traffic pipeline tables (SQLite). Same tables and columns as migrations/postgres/0001_traffic.sql.
-- Times are Unix seconds (*_at) plus a UTC `day` text column (YYYY-MM-DD); flags are INTEGER 0/1.

-- Per-day secret salts for visitor keys. Deleting a day's salt makes its visitors unlinkable.
CREATE TABLE day_salts (
    day         TEXT PRIMARY KEY,
    salt        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- One row per visit. visitor_key is a salted hash of (day salt, IP, user agent); no IP is stored.
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
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
CREATE INDEX sessions_site_day ON sessions (site, day);
CREATE INDEX sessions_site_last_hit ON sessions (site, last_hit_at);

-- One row per session and goal reached (the first time it was reached in that session).
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
CREATE INDEX conversions_site_day ON conversions (site, day);

-- Daily rollup per site, day (of session start), channel and source.
-- conversions = sessions that reached at least one macro goal.
CREATE TABLE daily_traffic (
    site         TEXT NOT NULL,
    day          TEXT NOT NULL,
    channel      TEXT NOT NULL,
    source       TEXT NOT NULL,
    sessions     INTEGER NOT NULL,
    pageviews    INTEGER NOT NULL,
    conversions  INTEGER NOT NULL,
    PRIMARY KEY (site, day, channel, source)
);

-- Daily rollup per site, day, channel, source and goal: sessions that reached the goal.
CREATE TABLE daily_goals (
    site         TEXT NOT NULL,
    day          TEXT NOT NULL,
    channel      TEXT NOT NULL,
    source       TEXT NOT NULL,
    goal         TEXT NOT NULL,
    conversions  INTEGER NOT NULL,
    PRIMARY KEY (site, day, channel, source, goal)
);

-- How far each input file has been ingested. file_id fingerprints the file's first line,
-- so a rotated file is a new file and a grown file continues at byte_offset.
CREATE TABLE ingest_checkpoints (
    site         TEXT NOT NULL,
    file_id      TEXT NOT NULL,
    path         TEXT NOT NULL,
    byte_offset  INTEGER NOT NULL,
    lines        INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (site, file_id)
);
