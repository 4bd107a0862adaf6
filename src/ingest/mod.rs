//! Ingest: access-log files to stored sessions, conversions and rollups, exactly once.
//!
//! Submodules: [`parse`] (one log line → hit, per format; pure), [`sessionize`] (pageviews →
//! sessions; pure), [`crawlers`] (AI crawler requests per day, agent and path; pure), [`lines`] (capped line reading), [`pipeline`] (the per-line steps:
//! filter, visitor key, classify, goals) and [`files`] (inputs, fingerprints, checkpoints and
//! the reader/committer threads).
//!
//! A file is identified by a fingerprint of its first line, so a grown file continues from its
//! checkpoint and a rotated file is a new file. Each batch of lines is committed in one
//! transaction together with the checkpoint that covers it, so a crash at any point neither
//! loses nor duplicates anything: the next run starts exactly after the last commit. Sessions
//! still open at a commit are stored and re-read by the next run.

pub mod crawlers;
pub mod evicted;
pub mod files;
pub mod lines;
pub mod parse;
pub mod pipeline;
pub mod sessionize;

pub use files::{IngestOptions, Input, ingest};
pub use pipeline::{FormatChoice, IngestSummary, MalformedSample};
