//! What aivis tells people by email: the charts, the rendered alert mails and digests, the
//! mail transports and the outbox that delivers each message exactly once.
//!
//! - [`render`]: the mail templates (minijinja, escaping HTML by default).
//! - [`alert_mail`] (pure): a site's alert mail from its stored alerts.
//! - [`digest`] (pure): a site's digest from its numbers, with its charts.
//! - [`chart`] (pure): PNG charts of rates with their intervals.
//! - [`compose`]: a rendered mail → the stored RFC 5322 message (MIME structure, headers).
//! - [`retry`] (pure): backoff with jitter and when to give up.
//! - [`transport`]: `.eml` files or SMTP (lettre), and transient-or-permanent for failures.
//! - [`deliver`]: the outbox worker's step: send what is due, record how each attempt ended.

pub mod alert_mail;
pub mod chart;
pub mod compose;
pub mod deliver;
pub mod digest;
pub mod render;
pub mod retry;
pub mod transport;
