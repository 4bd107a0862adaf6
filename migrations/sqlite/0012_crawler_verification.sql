-- Verified AI crawlers (SQLite). Same tables as migrations/postgres/0012_crawler_verification.sql.

-- daily_crawlers gains verification, part of the key, so requests that only claim to be an AI
-- agent are counted apart from the agent's own: 'verified' (the client address is in the
-- agent's published IP ranges), 'spoofed' (the agent's operator publishes ranges and the
-- address is outside them) or 'unverifiable' (no published ranges for the agent, or no usable
-- address in the log). Rows stored before this version are 'unverifiable'. SQLite cannot
-- change a primary key in place, so the table is rebuilt.
CREATE TABLE daily_crawlers_verified (
    site          TEXT NOT NULL,
    day           TEXT NOT NULL,
    agent         TEXT NOT NULL,
    operator      TEXT,
    purpose       TEXT NOT NULL,
    path          TEXT NOT NULL,
    verification  TEXT NOT NULL DEFAULT 'unverifiable'
                  CHECK (verification IN ('verified', 'spoofed', 'unverifiable')),
    hits          INTEGER NOT NULL,
    status_2xx    INTEGER NOT NULL,
    status_3xx    INTEGER NOT NULL,
    status_4xx    INTEGER NOT NULL,
    status_5xx    INTEGER NOT NULL,
    PRIMARY KEY (site, day, agent, path, verification)
);
INSERT INTO daily_crawlers_verified (site, day, agent, operator, purpose, path, verification,
                                     hits, status_2xx, status_3xx, status_4xx, status_5xx)
SELECT site, day, agent, operator, purpose, path, 'unverifiable',
       hits, status_2xx, status_3xx, status_4xx, status_5xx
FROM daily_crawlers;
DROP TABLE daily_crawlers;
ALTER TABLE daily_crawlers_verified RENAME TO daily_crawlers;
CREATE INDEX daily_crawlers_site_purpose ON daily_crawlers (site, purpose, day);

-- The AI crawler range lists stored by `aivis crawler-ranges update`, one row per list
-- (list: aivis's name for it, e.g. openai-gptbot), replaced whole by each successful fetch.
-- document is the list in the operators' JSON shape ({"creationTime", "prefixes"}) holding
-- only what aivis parsed; creation_time is the operator's own, NULL when the list has none.
-- fetched_at is Unix seconds. The ingest uses a stored list in place of the shipped copy.
CREATE TABLE crawler_ranges (
    list           TEXT PRIMARY KEY,
    operator       TEXT NOT NULL,
    source_url     TEXT NOT NULL,
    fetched_at     INTEGER NOT NULL,
    creation_time  TEXT,
    prefixes       INTEGER NOT NULL,
    document       TEXT NOT NULL
);
