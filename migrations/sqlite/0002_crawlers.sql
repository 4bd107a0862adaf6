-- AI crawler and agent requests (SQLite). Same table and columns as migrations/postgres/0002_crawlers.sql.

-- Per site, day (UTC), agent and path: every request an AI crawler or agent made, pages or
-- not, by response status class. purpose is training, search_index or user_fetch (an AI
-- assistant reading the page to answer someone right now); operator is NULL when unknown.
-- path has no query string or fragment.
CREATE TABLE daily_crawlers (
    site        TEXT NOT NULL,
    day         TEXT NOT NULL,
    agent       TEXT NOT NULL,
    operator    TEXT,
    purpose     TEXT NOT NULL,
    path        TEXT NOT NULL,
    hits        INTEGER NOT NULL,
    status_2xx  INTEGER NOT NULL,
    status_3xx  INTEGER NOT NULL,
    status_4xx  INTEGER NOT NULL,
    status_5xx  INTEGER NOT NULL,
    PRIMARY KEY (site, day, agent, path)
);
CREATE INDEX daily_crawlers_site_purpose ON daily_crawlers (site, purpose, day);
