-- Job runs of `aivis run` (PostgreSQL). Same table as migrations/sqlite/0011_job_runs.sql.
-- One row per run of a scheduled job (ingest, check, alerts, digest, deliver, retention):
-- written 'running' when it starts and finished with 'ok', 'error' (message: what failed) or
-- 'skipped' (message: why, e.g. another run still holds the job). counts is JSON (lines read,
-- mails sent, ...). A row left 'running' by a process that died keeps finished_at NULL.
-- `aivis status` reads the latest row per job and the latest 'ok' one. Times are Unix seconds.
CREATE TABLE job_runs (
    id           BIGSERIAL PRIMARY KEY,
    job          TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'error', 'skipped')),
    message      TEXT,
    counts       TEXT,
    pid          BIGINT NOT NULL,
    host         TEXT NOT NULL
);
CREATE INDEX job_runs_job_started ON job_runs (job, started_at);
