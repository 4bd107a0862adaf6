-- Alerts (SQLite). Same table as migrations/postgres/0009_alerts.sql.
-- One row per alert key (kind:site:subject, e.g. ai_conversion_rate:acme): raised 'open',
-- 'notified' once mailed, 'resolved' when its condition no longer holds. An evaluation of the
-- same day updates the row; a resolved key re-opens (a new first_seen) after cooldown_days, or
-- sooner when its severity rose. Days are UTC YYYY-MM-DD of the evaluation's as-of day;
-- numbers is JSON: both windows' counts, rates and intervals, the change and its p-value.
CREATE TABLE alerts (
    key          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    site         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'notified', 'resolved')),
    direction    TEXT NOT NULL CHECK (direction IN ('up', 'down')),
    severity     TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    sentence     TEXT NOT NULL,
    numbers      TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    resolved_on  TEXT,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX alerts_site_status ON alerts (site, status);
