//! What aivis tells people by email: the charts, the rendered alert mails and digests, the
//! mail transports and the outbox that delivers each message exactly once.
//!
//! - [`chart`] (pure): PNG charts of rates with their intervals.
//! - [`compose`]: a rendered mail → the stored RFC 5322 message (MIME structure, headers).
//! - [`retry`] (pure): backoff with jitter and when to give up.
//! - [`transport`]: `.eml` files or SMTP (lettre), and transient-or-permanent for failures.
//! - [`deliver`]: the outbox worker's step: send what is due, record how each attempt ended.

pub mod chart;
pub mod compose;
pub mod deliver;
pub mod retry;
pub mod transport;
