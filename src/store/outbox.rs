//! The outbox: every email stored whole before anyone tries to send it, under a unique
//! idempotency key, then claimed, sent and marked one message at a time. Queuing a key that
//! exists changes nothing; a claim is a conditional update, so two delivering processes never
//! send the same message at once; a claim left by a process that died expires and the message
//! is due again. When to retry and what counts as permanent is decided in `notify`; this
//! module only stores it.

use sqlx::Row as _;

use super::write_tx::Value;
use super::{Store, StoreError, doing};

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Unique per message meant (`digest:acme:2026-W47`): queuing it again is a no-op.
    pub key: String,
    pub site: String,
    /// `digest` or `alerts`.
    pub kind: String,
    /// The envelope sender (a bare address).
    pub sender: String,
    /// The envelope recipients (bare addresses).
    pub recipients: Vec<String>,
    pub subject: String,
    /// The whole RFC 5322 message (ASCII: every part is 7bit, quoted-printable or base64).
    pub message: String,
}

/// A stored message as listed (without its body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    pub id: i64,
    pub key: String,
    pub site: String,
    pub kind: String,
    pub recipients: Vec<String>,
    pub subject: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    /// Bytes of the stored message.
    pub size: i64,
}

/// A message claimed for one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedMessage {
    pub id: i64,
    pub key: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub message: String,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
}

/// How one delivery attempt ended, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    Sent,
    /// Due again at `next_attempt_at`.
    Retry {
        next_attempt_at: i64,
        error: String,
    },
    /// Not tried again (a permanent failure, or too many attempts).
    Failed {
        error: String,
    },
}

pub(super) const QUEUE: &str = "INSERT INTO outbox (idempotency_key, site, kind, sender, recipients, \
     subject, message, status, attempts, next_attempt_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', 0, $8, $9, $10) \
     ON CONFLICT (idempotency_key) DO NOTHING";

const NEXT_DUE: &str = "SELECT id FROM outbox WHERE (status = 'queued' AND next_attempt_at <= $1) \
     OR (status = 'sending' AND claimed_until <= $2) ORDER BY next_attempt_at, id LIMIT 1";

const CLAIM: &str = "UPDATE outbox SET status = 'sending', claimed_until = $1, \
     attempts = attempts + 1, updated_at = $2 WHERE id = $3 \
     AND ((status = 'queued' AND next_attempt_at <= $4) \
     OR (status = 'sending' AND claimed_until <= $5)) \
     RETURNING id, idempotency_key, sender, recipients, message, attempts";

const MARK_SENT: &str = "UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, \
     last_error = NULL, updated_at = $2 WHERE id = $3 AND status = 'sending'";

const MARK_RETRY: &str = "UPDATE outbox SET status = 'queued', next_attempt_at = $1, \
     claimed_until = NULL, last_error = $2, updated_at = $3 WHERE id = $4 AND status = 'sending'";

const MARK_FAILED: &str = "UPDATE outbox SET status = 'failed', claimed_until = NULL, \
     last_error = $1, updated_at = $2 WHERE id = $3 AND status = 'sending'";

const REQUEUE: &str = "UPDATE outbox SET status = 'queued', next_attempt_at = $1, attempts = 0, \
     claimed_until = NULL, updated_at = $2 \
     WHERE status IN ('queued', 'failed') AND ($3 = 0 OR id = $4)";

impl Store {
    /// Stores `message` unless its key is stored already; true when it was new.
    pub async fn queue_message(&self, message: &NewMessage, now: i64) -> Result<bool, StoreError> {
        doing("queuing a message", async {
            let changed = self.write_one(QUEUE, queue_args(message, now)?).await?;
            Ok(changed == 1)
        })
        .await
    }

    /// Claims the next message due at `now` until `claimed_until`, counting the attempt; None
    /// when nothing is due.
    pub async fn claim_due_message(
        &self,
        now: i64,
        claimed_until: i64,
    ) -> Result<Option<ClaimedMessage>, StoreError> {
        doing("claiming a message", async {
            // A claim another process won between the two statements is tried again.
            for _ in 0..16 {
                let mut tx = self.begin_write().await?;
                let Some(due) = tx
                    .fetch_optional(NEXT_DUE, vec![now.into(), now.into()])
                    .await?
                else {
                    return Ok(None);
                };
                let id = due.int(0)?;
                let claimed = tx
                    .fetch_optional(
                        CLAIM,
                        vec![
                            claimed_until.into(),
                            now.into(),
                            id.into(),
                            now.into(),
                            now.into(),
                        ],
                    )
                    .await?;
                tx.commit().await?;
                if let Some(row) = claimed {
                    return Ok(Some(ClaimedMessage {
                        id: row.int(0)?,
                        key: row.text(1)?,
                        sender: row.text(2)?,
                        recipients: parse_recipients(&row.text(3)?)?,
                        message: row.text(4)?,
                        attempt: row.int(5)?,
                    }));
                }
            }
            Ok(None)
        })
        .await
    }

    /// Stores how the attempt on a claimed message ended.
    pub async fn end_attempt(&self, id: i64, end: &AttemptEnd, now: i64) -> Result<(), StoreError> {
        doing("recording a delivery", async {
            let (sql, args): (&'static str, Vec<Value>) = match end {
                AttemptEnd::Sent => (MARK_SENT, vec![now.into(), now.into(), id.into()]),
                AttemptEnd::Retry {
                    next_attempt_at,
                    error,
                } => (
                    MARK_RETRY,
                    vec![
                        (*next_attempt_at).into(),
                        error.as_str().into(),
                        now.into(),
                        id.into(),
                    ],
                ),
                AttemptEnd::Failed { error } => (
                    MARK_FAILED,
                    vec![error.as_str().into(), now.into(), id.into()],
                ),
            };
            self.write_one(sql, args).await.map(|_| ())
        })
        .await
    }

    /// Makes queued and failed messages due at `now` with their attempts reset: `id` one of
    /// them, or all when None. Returns how many.
    pub async fn requeue_messages(&self, id: Option<i64>, now: i64) -> Result<u64, StoreError> {
        doing("requeuing messages", async {
            let args = vec![
                now.into(),
                now.into(),
                i64::from(id.is_some()).into(),
                id.unwrap_or(0).into(),
            ];
            self.write_one(REQUEUE, args).await
        })
        .await
    }

    /// How many messages have each status: (status, count), by status.
    pub async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        doing("reading the outbox", async {
            let rows = sqlx::query(
                "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status ORDER BY status",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("status")?, row.try_get("n")?)))
                .collect()
        })
        .await
    }

    /// The stored messages of `site` and `status` (all when None), newest first; at most
    /// `limit`.
    pub async fn outbox(
        &self,
        site: Option<&str>,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        doing("reading the outbox", async {
            let rows = sqlx::query(
                "SELECT id, idempotency_key, site, kind, recipients, subject, status, attempts, \
                 next_attempt_at, last_error, created_at, sent_at, \
                 CAST(LENGTH(message) AS BIGINT) AS size FROM outbox \
                 WHERE ($1 IS NULL OR site = $1) AND ($2 IS NULL OR status = $2) \
                 ORDER BY created_at DESC, id DESC LIMIT $3",
            )
            .bind(site)
            .bind(status)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            let mut entries = Vec::with_capacity(rows.len());
            for row in &rows {
                entries.push(OutboxEntry {
                    id: row.try_get("id")?,
                    key: row.try_get("idempotency_key")?,
                    site: row.try_get("site")?,
                    kind: row.try_get("kind")?,
                    recipients: parse_recipients(&row.try_get::<String, _>("recipients")?)?,
                    subject: row.try_get("subject")?,
                    status: row.try_get("status")?,
                    attempts: row.try_get("attempts")?,
                    next_attempt_at: row.try_get("next_attempt_at")?,
                    last_error: row.try_get("last_error")?,
                    created_at: row.try_get("created_at")?,
                    sent_at: row.try_get("sent_at")?,
                    size: row.try_get("size")?,
                });
            }
            Ok(entries)
        })
        .await
    }
}

/// The values [`QUEUE`] binds for `message`.
pub(super) fn queue_args(message: &NewMessage, now: i64) -> Result<Vec<Value>, StoreError> {
    let recipients = serde_json::to_string(&message.recipients)
        .map_err(|err| StoreError::Corrupt(err.to_string()))?;
    Ok(vec![
        message.key.as_str().into(),
        message.site.as_str().into(),
        message.kind.as_str().into(),
        message.sender.as_str().into(),
        recipients.into(),
        message.subject.as_str().into(),
        message.message.as_str().into(),
        now.into(),
        now.into(),
        now.into(),
    ])
}

fn parse_recipients(json: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(json)
        .map_err(|err| StoreError::Corrupt(format!("outbox recipients {json:?}: {err}")))
}
