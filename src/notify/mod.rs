//! What aivis tells people by email: the charts, the rendered alert mails and digests, the
//! mail transports and the outbox that delivers each message exactly once.

pub mod chart;
