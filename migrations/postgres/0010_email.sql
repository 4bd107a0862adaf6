-- Email: the outbox, and what alert mails have told (PostgreSQL). Same table as migrations/sqlite/0010_email.sql.
-- Every email aivis sends is first stored here, whole (the RFC 5322 message as ASCII text, its
-- envelope apart), under a unique idempotency key (digest:acme:2026-W47,
-- alert:acme:2026-11-24): queuing a key that exists changes nothing, so a re-run never mails
-- twice. Delivery claims a due row ('queued', or 'sending' whose claim expired) by setting
-- 'sending' with claimed_until, then writes 'sent', or 'queued' with the next attempt time
-- (transient failure), or 'failed' with the server's reply (permanent failure or too many
-- attempts). Times are Unix seconds.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    site             TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('digest', 'alerts')),
    sender           TEXT NOT NULL,
    recipients       TEXT NOT NULL,
    subject          TEXT NOT NULL,
    message          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claimed_until    BIGINT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- What alert mails have told: mailed_at is set when an alert is mailed while active (a mail
-- lists the alerts whose status is 'open': new, or more severe than when last mailed, and
-- sets them 'notified'); resolution_mailed_at when its resolution was mentioned (once).
-- Both are cleared when the alert opens again.
ALTER TABLE alerts ADD COLUMN mailed_at BIGINT;
ALTER TABLE alerts ADD COLUMN resolution_mailed_at BIGINT;
