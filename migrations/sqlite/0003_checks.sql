-- Prompt checks (SQLite). Same tables and columns as migrations/postgres/0003_checks.sql.
-- Times are Unix seconds (*_at) plus a UTC `day` text column (YYYY-MM-DD); flags are INTEGER 0/1.

-- Tracked prompts, managed with `aivis prompts`. text_key (lowercase, spaces collapsed) refuses
-- duplicates per site. tags and engines are comma-separated; empty engines = every engine.
-- A removed prompt is kept inactive (active = 0) so its answers keep their question.
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    site        TEXT NOT NULL,
    text        TEXT NOT NULL,
    text_key    TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '',
    engines     TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  INTEGER NOT NULL,
    UNIQUE (site, text_key)
);

-- One `aivis check` run.
CREATE TABLE check_runs (
    id           INTEGER PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
);

-- One answer (or failed call) per prompt, engine and sample. status is ok or failed; a failed
-- call has error (and http_status when the engine answered) and no mentions: it is never
-- "not mentioned". provider_citations is the JSON array of URLs the provider cited, kept so
-- `aivis rescore` can redo the extraction. cost_usd is estimated from the engine's prices.
CREATE TABLE answers (
    id                  INTEGER PRIMARY KEY,
    run_id              INTEGER NOT NULL REFERENCES check_runs (id),
    prompt_id           INTEGER NOT NULL REFERENCES prompts (id),
    site                TEXT NOT NULL,
    engine              TEXT NOT NULL,
    kind                TEXT NOT NULL,
    model               TEXT,
    sample              INTEGER NOT NULL,
    asked_at            INTEGER NOT NULL,
    day                 TEXT NOT NULL,
    status              TEXT NOT NULL,
    error               TEXT,
    http_status         INTEGER,
    attempts            INTEGER NOT NULL,
    latency_ms          INTEGER,
    input_tokens        INTEGER,
    output_tokens       INTEGER,
    cost_usd            REAL,
    text                TEXT,
    provider_citations  TEXT
);
CREATE INDEX answers_site_day ON answers (site, day);
CREATE INDEX answers_prompt ON answers (prompt_id);

-- Per ok answer and tracked entity (brand or competitor): mentioned (0/1), how often, the
-- character offset of the first mention, the rank among the mentioned entities by first
-- appearance, and the 1-based list item where it first appears (NULL outside lists).
CREATE TABLE mentions (
    answer_id      INTEGER NOT NULL REFERENCES answers (id),
    site           TEXT NOT NULL,
    entity         TEXT NOT NULL,
    role           TEXT NOT NULL,
    mentioned      INTEGER NOT NULL,
    mention_count  INTEGER NOT NULL,
    first_offset   INTEGER,
    rank_position  INTEGER,
    list_position  INTEGER,
    PRIMARY KEY (answer_id, entity)
);

-- Per ok answer, every cited URL in order: its registrable domain, whose it is (owner_role
-- brand or competitor with owner_entity; NULL for neither) and where it came from (origin:
-- provider citation fields, or a link in the answer text).
CREATE TABLE citations (
    answer_id     INTEGER NOT NULL REFERENCES answers (id),
    site          TEXT NOT NULL,
    position      INTEGER NOT NULL,
    url           TEXT NOT NULL,
    domain        TEXT NOT NULL,
    owner_role    TEXT,
    owner_entity  TEXT,
    origin        TEXT NOT NULL,
    PRIMARY KEY (answer_id, position)
);
CREATE INDEX citations_domain ON citations (site, domain);
