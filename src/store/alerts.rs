//! Stored alerts: one row per alert key with its status (`open`, `notified`, `resolved`),
//! read for an evaluation and for `aivis alerts list`, and written by an evaluation in one
//! transaction. What to write is decided by `analysis::alerts::transition`; this module only
//! stores it.

use sqlx::Row;

use super::outbox::{QUEUE, queue_args};
use super::{NewMessage, Store, StoreError, doing};

/// One stored alert; days are `YYYY-MM-DD`, `numbers` is JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAlert {
    pub key: String,
    pub kind: String,
    pub site: String,
    pub subject: String,
    pub status: String,
    pub direction: String,
    pub severity: String,
    pub sentence: String,
    pub numbers: String,
    pub first_seen: String,
    pub last_seen: String,
    pub resolved_on: Option<String>,
    /// An alert mail told it while it was active (since it last opened).
    pub mailed: bool,
    /// An alert mail told its resolution.
    pub resolution_mailed: bool,
}

/// The fields an evaluation sets on a raised alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertFields {
    pub key: String,
    pub kind: String,
    pub site: String,
    pub subject: String,
    pub direction: String,
    pub severity: String,
    pub sentence: String,
    pub numbers: String,
}

/// One change an evaluation on day `day` (`YYYY-MM-DD`) makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertWrite {
    /// A new alert, or a resolved one raised again: `open`, first and last seen `day`.
    Open { fields: AlertFields, day: String },
    /// An active alert raised again: its numbers, last seen `day`, and `status`.
    Update {
        fields: AlertFields,
        status: String,
        day: String,
    },
    /// An active alert whose condition no longer holds.
    Resolve { key: String, day: String },
}

const ALERT_COLUMNS: &str = "key, kind, site, subject, status, direction, severity, sentence, \
                             numbers, first_seen, last_seen, resolved_on, \
                             CAST(CASE WHEN mailed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) \
                             AS mailed, CAST(CASE WHEN resolution_mailed_at IS NULL THEN 0 \
                             ELSE 1 END AS BIGINT) AS resolution_mailed";

const OPEN_ALERT: &str = "INSERT INTO alerts (key, kind, site, subject, status, direction, \
     severity, sentence, numbers, first_seen, last_seen, resolved_on, updated_at) \
     VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $10, NULL, $11) \
     ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, site = excluded.site, \
     subject = excluded.subject, status = 'open', direction = excluded.direction, \
     severity = excluded.severity, sentence = excluded.sentence, numbers = excluded.numbers, \
     first_seen = excluded.first_seen, last_seen = excluded.last_seen, resolved_on = NULL, \
     mailed_at = NULL, resolution_mailed_at = NULL, updated_at = excluded.updated_at";

const UPDATE_ALERT: &str = "UPDATE alerts SET status = $1, direction = $2, severity = $3, \
     sentence = $4, numbers = $5, last_seen = $6, updated_at = $7 WHERE key = $8";

const RESOLVE_ALERT: &str = "UPDATE alerts SET status = 'resolved', resolved_on = $1, \
     updated_at = $2 WHERE key = $3";

const MARK_MAILED: &str = "UPDATE alerts SET status = 'notified', mailed_at = $1, updated_at = $2 \
     WHERE key = $3 AND status = 'open'";

const MARK_RESOLUTION_MAILED: &str = "UPDATE alerts SET resolution_mailed_at = $1, \
     updated_at = $2 WHERE key = $3 AND status = 'resolved'";

impl Store {
    /// The stored alerts of `site` (all sites when None), most severe first, then by key;
    /// `statuses` keeps those statuses (all when empty).
    pub async fn alerts(
        &self,
        site: Option<&str>,
        statuses: &[&str],
    ) -> Result<Vec<StoredAlert>, StoreError> {
        doing("reading alerts", async {
            let sql = format!(
                "SELECT {ALERT_COLUMNS} FROM alerts WHERE ($1 IS NULL OR site = $1) \
                 ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, \
                 key"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(site)
                .fetch_all(&self.pool)
                .await?;
            let mut alerts = Vec::with_capacity(rows.len());
            for row in &rows {
                let alert = StoredAlert {
                    key: row.try_get("key")?,
                    kind: row.try_get("kind")?,
                    site: row.try_get("site")?,
                    subject: row.try_get("subject")?,
                    status: row.try_get("status")?,
                    direction: row.try_get("direction")?,
                    severity: row.try_get("severity")?,
                    sentence: row.try_get("sentence")?,
                    numbers: row.try_get("numbers")?,
                    first_seen: row.try_get("first_seen")?,
                    last_seen: row.try_get("last_seen")?,
                    resolved_on: row.try_get("resolved_on")?,
                    mailed: row.try_get::<i64, _>("mailed")? != 0,
                    resolution_mailed: row.try_get::<i64, _>("resolution_mailed")? != 0,
                };
                if statuses.is_empty() || statuses.contains(&alert.status.as_str()) {
                    alerts.push(alert);
                }
            }
            Ok(alerts)
        })
        .await
    }

    /// Writes an evaluation's changes in one transaction.
    pub async fn write_alerts(&self, writes: &[AlertWrite], now: i64) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        doing("storing alerts", async {
            let mut tx = self.begin_write().await?;
            for write in writes {
                match write {
                    AlertWrite::Open { fields, day } => {
                        tx.execute(
                            OPEN_ALERT,
                            vec![
                                fields.key.as_str().into(),
                                fields.kind.as_str().into(),
                                fields.site.as_str().into(),
                                fields.subject.as_str().into(),
                                fields.direction.as_str().into(),
                                fields.severity.as_str().into(),
                                fields.sentence.as_str().into(),
                                fields.numbers.as_str().into(),
                                day.as_str().into(),
                                day.as_str().into(),
                                now.into(),
                            ],
                        )
                        .await?;
                    }
                    AlertWrite::Update {
                        fields,
                        status,
                        day,
                    } => {
                        tx.execute(
                            UPDATE_ALERT,
                            vec![
                                status.as_str().into(),
                                fields.direction.as_str().into(),
                                fields.severity.as_str().into(),
                                fields.sentence.as_str().into(),
                                fields.numbers.as_str().into(),
                                day.as_str().into(),
                                now.into(),
                                fields.key.as_str().into(),
                            ],
                        )
                        .await?;
                    }
                    AlertWrite::Resolve { key, day } => {
                        tx.execute(
                            RESOLVE_ALERT,
                            vec![day.as_str().into(), now.into(), key.as_str().into()],
                        )
                        .await?;
                    }
                }
            }
            tx.commit().await
        })
        .await
    }

    /// Queues an alert mail and records what it told, in one transaction: the `active` keys
    /// become `notified` (mailed), the `resolved` keys' resolution is marked mailed. Queuing
    /// a message whose key is stored already changes nothing but the marks. True when the
    /// message was new.
    pub async fn queue_alert_mail(
        &self,
        message: &NewMessage,
        active: &[String],
        resolved: &[String],
        now: i64,
    ) -> Result<bool, StoreError> {
        doing("queuing an alert mail", async {
            let mut tx = self.begin_write().await?;
            let queued = tx.execute(QUEUE, queue_args(message, now)?).await? == 1;
            for key in active {
                tx.execute(
                    MARK_MAILED,
                    vec![now.into(), now.into(), key.as_str().into()],
                )
                .await?;
            }
            for key in resolved {
                tx.execute(
                    MARK_RESOLUTION_MAILED,
                    vec![now.into(), now.into(), key.as_str().into()],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(queued)
        })
        .await
    }
}
