//! `aivis digest` and `aivis outbox deliver|list|retry`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::AlertsFormatArg;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["preview", "queue"])))]
pub struct DigestArgs {
    /// One configured site (a preview needs one when several are configured)
    #[arg(long)]
    pub site: Option<String>,
    /// The digest's last day or a day after it, YYYY-MM-DD (UTC; default yesterday)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// week or day [default: the site's digest_period, else week]
    #[arg(long, value_enum)]
    pub period: Option<DigestPeriodArg>,
    /// Write the digest to FILE.html (charts beside it) and FILE.eml
    #[arg(long, value_name = "FILE.html")]
    pub preview: Option<PathBuf>,
    /// Queue it in the outbox for each site's digest_to
    #[arg(long)]
    pub queue: bool,
    /// Output format (json: one object per site)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

/// What one digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestPeriodArg {
    /// The last full ISO week.
    Week,
    /// One day.
    Day,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send every message that is due, with the [email] transport
    #[command(long_about = "\
Send every message that is due, one at a time, with the transport of [email]: `.eml` files in \
`dir` (the default) or an SMTP server.

Each message is stored before it is sent, under a unique key, so nothing is lost and a re-run \
never sends a message twice. A transient failure (connection refused, a timeout, a 4xx reply) \
is tried again later: first within 30 seconds, then twice as long each time, up to an hour, \
until max_attempts; a permanent one (a 5xx reply) is marked failed with the server's reply. \
Exit code 1 when a message failed for good in this run.

One gap remains: if the process dies after the server accepted a message and before its \
status is written (milliseconds), the message is sent again by the next run; both copies carry \
the same Message-ID, so most mail systems show it once.")]
    Deliver,
    /// List stored messages, newest first
    List(OutboxListArgs),
    /// Make a failed (or waiting) message due again now, e.g. after fixing the SMTP settings
    Retry(OutboxRetryArgs),
}

#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only this site
    #[arg(long)]
    pub site: Option<String>,
    /// Only messages with this status
    #[arg(long, value_enum)]
    pub status: Option<OutboxStatusArg>,
    /// At most this many messages
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// Output format (json: an array of messages, without their bodies)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct OutboxRetryArgs {
    /// The message's id (from `aivis outbox list`)
    #[arg(long)]
    pub id: Option<i64>,
    /// Every queued and failed message
    #[arg(long)]
    pub all: bool,
}

/// A stored message's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutboxStatusArg {
    /// Waiting for its (next) attempt.
    Queued,
    /// Being sent right now (or its sender died; it is due again when its claim expires).
    Sending,
    Sent,
    /// Given up: a permanent failure or too many attempts.
    Failed,
}

impl OutboxStatusArg {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatusArg::Queued => "queued",
            OutboxStatusArg::Sending => "sending",
            OutboxStatusArg::Sent => "sent",
            OutboxStatusArg::Failed => "failed",
        }
    }
}
