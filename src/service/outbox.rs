//! The outbox operations: [`deliver_outbox`] sends what is due with the configured transport
//! (see `notify::deliver`), [`list_outbox`] shows what is stored, [`retry_outbox`] makes
//! queued and failed messages due again (after the mail server or its config was fixed), and
//! [`queue_mail`] stores a composed message under its idempotency key.

use super::{App, ServiceError};
use crate::day::now_unix;
use crate::notify::compose::{RenderedMail, compose};
use crate::notify::deliver::{DeliveryPolicy, DeliveryReport, deliver_due};
use crate::notify::transport::Transport;
use crate::store::{NewMessage, OutboxEntry};

/// The statuses a message can have, for `--status`.
pub const OUTBOX_STATUSES: [&str; 4] = ["queued", "sending", "sent", "failed"];

/// Sends every message due now; `env` reads the SMTP credentials' variables. Returns what
/// happened, and where messages went.
pub async fn deliver_outbox(
    app: &App,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<(DeliveryReport, String), ServiceError> {
    let email = &app.settings().email;
    let transport = Transport::from_config(email, env)?;
    let policy = DeliveryPolicy::new(
        email.max_attempts,
        std::time::Duration::from_secs(email.timeout_seconds),
    );
    let report = deliver_due(app.store(), &transport, policy, &now_unix, app.shutdown()).await?;
    Ok((report, transport.to_string()))
}

/// The stored messages, newest first: of one site or all, with one status or all.
pub async fn list_outbox(
    app: &App,
    site: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxEntry>, ServiceError> {
    if let Some(status) = status
        && !OUTBOX_STATUSES.contains(&status)
    {
        return Err(ServiceError::Usage(format!(
            "--status {status:?} is not one of {}",
            OUTBOX_STATUSES.join(", ")
        )));
    }
    if limit < 1 {
        return Err(ServiceError::Usage("--limit must be at least 1".into()));
    }
    Ok(app.store().outbox(site, status, limit).await?)
}

/// Makes message `id` (or every queued and failed message, when None) due now with its
/// attempts reset; returns how many. A sent message is never sent again.
pub async fn retry_outbox(app: &App, id: Option<i64>) -> Result<u64, ServiceError> {
    let changed = app.store().requeue_messages(id, now_unix()).await?;
    if let Some(id) = id
        && changed == 0
    {
        return Err(ServiceError::Usage(format!(
            "message {id} is not in the outbox as queued or failed (see `aivis outbox list`)"
        )));
    }
    Ok(changed)
}

/// A mail to queue: what it is, for whom, and its idempotency key.
#[derive(Debug, Clone)]
pub struct MailToQueue<'a> {
    pub key: String,
    pub site: &'a str,
    /// `digest` or `alerts`.
    pub kind: &'static str,
    pub recipients: &'a [String],
    pub mail: RenderedMail,
}

/// Composes `mail` from the configured sender and stores it unless its key is stored
/// already; true when it was new.
pub async fn queue_mail(app: &App, mail: MailToQueue<'_>) -> Result<bool, ServiceError> {
    let message = composed(app, &mail)?;
    Ok(app.store().queue_message(&message, now_unix()).await?)
}

/// The message [`queue_mail`] would store.
pub(super) fn composed(app: &App, mail: &MailToQueue<'_>) -> Result<NewMessage, ServiceError> {
    let recipients = mail
        .recipients
        .iter()
        .map(|r| {
            r.parse()
                .map_err(|err| ServiceError::Usage(format!("recipient {r:?}: {err}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let composed = compose(
        &mail.mail,
        &app.settings().email.sender(),
        &recipients,
        &mail.key,
    )?;
    Ok(NewMessage {
        key: mail.key.clone(),
        site: mail.site.to_string(),
        kind: mail.kind.to_string(),
        sender: composed.sender,
        recipients: composed.recipients,
        subject: composed.subject,
        message: composed.message,
    })
}
