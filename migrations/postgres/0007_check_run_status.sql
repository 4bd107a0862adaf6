-- Check run status (PostgreSQL). Same columns as migrations/sqlite/0007_check_run_status.sql.
-- status: running (started, not closed: under way, or its process died), finished (ran to its
-- end; failed calls are stored as failed answers) or aborted (cancelled, or a check task
-- failed: some planned calls were not made). A run left running by a process that died is
-- closed as aborted by a later `aivis check` once it has been idle for a day, with finished_at
-- set to its last answer's asked_at (or its start).
-- Runs from before this migration: finished when they were closed; never closed (interrupted),
-- aborted at their last answer.
ALTER TABLE check_runs ADD COLUMN status TEXT NOT NULL DEFAULT 'finished'
    CHECK (status IN ('running', 'finished', 'aborted'));

-- A run's answers (closing stale runs, per-run queries).
CREATE INDEX answers_run ON answers (run_id);

UPDATE check_runs
SET status = 'aborted',
    finished_at = COALESCE(
        (SELECT MAX(a.asked_at) FROM answers a WHERE a.run_id = check_runs.id), started_at)
WHERE finished_at IS NULL;
