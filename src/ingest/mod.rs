//! Ingest: access-log files to stored sessions, conversions and rollups, exactly once.
//!
//! Submodules, pure: [`parse`] (one log line → hit, per format), [`sessionize`] (pageviews →
//! sessions, with the memory cap), [`evicted`] (which visitors may have a session set aside),
//! [`crawlers`] (AI crawler requests per day, agent and path, and their path budget),
//! [`pipeline`] (the per-line steps: filter, visitor key and day salts, classify, goals).
//! With I/O: [`lines`] (capped line reading), `inputs` (files, gzip, streams, fingerprints),
//! `reader` (the reader thread: checkpoints, batches, set-aside lookups) and [`files`] (the
//! entry point, [`ingest`], the site's lease, the committer, and the [`Progress`] observer
//! a caller may pass). Failures are [`IngestError`]s, each with its kind.
//!
//! A file is identified by a fingerprint of its content, so a grown file continues from its
//! checkpoint and a rotated (or compressed) file where it stopped. Each batch of lines is
//! committed in one transaction together with the checkpoint that covers it, so a crash at any
//! point neither loses nor duplicates anything: the next run starts exactly after the last
//! commit. Sessions still open at a commit are stored and re-read by the next run.

pub mod crawlers;
mod error;
pub mod evicted;
pub mod files;
mod inputs;
pub mod lines;
pub mod parse;
pub mod pipeline;
mod reader;
pub mod sessionize;

pub use error::IngestError;
pub use files::{IngestOptions, Input, OpenedFile, Progress, ProgressObserver, ingest, lease_name};
pub use pipeline::{FormatChoice, IngestSummary, MalformedSample};
