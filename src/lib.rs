//! aivis: where AI assistants send a site traffic, and whether it converts.
//!
//! Layout (ARCHITECTURE.md has the data flow and the decisions behind it):
//! - [`cli`]: the command-line definitions only. [`app`]: runs each command (arguments → a
//!   [`service`] operation → print), mapping the command line's values to the library's types.
//! - [`config`]: one `Settings` from defaults, the TOML file and `AIVIS_*` variables.
//! - [`classify`] (pure): referrer, landing URL and user agent → channel, source, term, bot.
//! - [`ingest`]: log parsers, the sessionizer and its set-aside filter, AI crawler tallies (pure);
//!   file, gzip and stream reading, fingerprints, checkpoints, batches.
//! - [`crawler_ranges`] (pure): the AI crawlers' published IP ranges (shipped copies, or the
//!   database's after `aivis crawler-ranges update`) and the verdict on one request's address.
//! - [`checks`]: prompt checks against AI engines; engine adapters, mention extraction (pure).
//! - [`analysis`] (pure): rates and Wilson intervals, tests, shift detection, alert rules.
//! - [`store`]: the one storage seam; all SQL and drivers, SQLite and PostgreSQL behind one API,
//!   the ingest batch writer and the read-only query paths.
//! - [`report`]: the query library (`queries/*.sql`), the statement check for analyst SQL, the
//!   comparison and the digest's numbers read through it, and table/CSV/JSON output.
//! - [`notify`]: email — the alert mail and digest (views, templates, PNG charts), composing
//!   the MIME message, the transports (`.eml` files, SMTP) and the outbox worker's step.
//! - [`service`]: the [`service::App`] a process shares (settings, store, HTTP client, shutdown
//!   token) and the operations every front end calls with it (ingest, forget, check, report,
//!   query, compare, alerts, digest, outbox, prompts, rescore).
//! - [`daemon`]: `aivis run`: the jobs (library steps) and the scheduler that runs them.
//! - [`demo`]: the sample-traffic generator with ground truth, its log files and the demo
//!   database file (running `aivis demo` is `app`'s).
//! - [`day`]: UTC calendar-day arithmetic shared by the parsers, ingest and reports.
//! - [`error`]: the kinds of failure (usage, not found, conflict, unavailable, internal) every
//!   library error maps to; `app` turns them into exit codes.

pub mod analysis;
pub mod app;
pub mod checks;
pub mod classify;
pub mod cli;
pub mod config;
pub mod crawler_ranges;
pub mod daemon;
pub mod day;
pub mod demo;
pub mod error;
pub mod ingest;
pub mod notify;
pub mod report;
pub mod service;
pub mod store;
#[cfg(test)]
mod testing;
