-- Verified AI crawlers (PostgreSQL). Same tables as migrations/sqlite/0012_crawler_verification.sql.

-- daily_crawlers gains verification, part of the key, so requests that only claim to be an AI
-- agent are counted apart from the agent's own: 'verified' (the client address is in the
-- agent's published IP ranges), 'spoofed' (the agent's operator publishes ranges and the
-- address is outside them) or 'unverifiable' (no published ranges for the agent, or no usable
-- address in the log). Rows stored before this version are 'unverifiable'.
ALTER TABLE daily_crawlers
    ADD COLUMN verification TEXT NOT NULL DEFAULT 'unverifiable'
    CHECK (verification IN ('verified', 'spoofed', 'unverifiable'));
ALTER TABLE daily_crawlers DROP CONSTRAINT daily_crawlers_pkey;
ALTER TABLE daily_crawlers ADD PRIMARY KEY (site, day, agent, path, verification);

-- The AI crawler range lists stored by `aivis crawler-ranges update`, one row per list
-- (list: aivis's name for it, e.g. openai-gptbot), replaced whole by each successful fetch.
-- document is the list in the operators' JSON shape ({"creationTime", "prefixes"}) holding
-- only what aivis parsed; creation_time is the operator's own, NULL when the list has none.
-- fetched_at is Unix seconds. The ingest uses a stored list in place of the shipped copy.
CREATE TABLE crawler_ranges (
    list           TEXT PRIMARY KEY,
    operator       TEXT NOT NULL,
    source_url     TEXT NOT NULL,
    fetched_at     BIGINT NOT NULL,
    creation_time  TEXT,
    prefixes       BIGINT NOT NULL,
    document       TEXT NOT NULL
);
