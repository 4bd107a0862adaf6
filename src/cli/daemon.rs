//! `aivis run` and `aivis status`.

use clap::{Args, ValueEnum};

use super::AlertsFormatArg;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run every job once, in order, and exit
    #[arg(long, conflicts_with = "job")]
    pub once: bool,
    /// Run this job once and exit (ingest, check, alerts, digest, deliver, retention)
    #[arg(long, value_name = "NAME")]
    pub job: Option<String>,
    /// How log lines are written to standard error
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogOutputArg,
}

/// The daemon's log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogOutputArg {
    /// One line per event for people.
    Text,
    /// One JSON object per line for log shippers.
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format (json: an object with jobs and outbox)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}
