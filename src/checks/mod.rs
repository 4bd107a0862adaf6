//! Prompt checks: asking AI engines the questions a site's customers ask, and recording
//! whether the answers mention the brand and its competitors, where, and which URLs they cite.
//!
//! - [`engines`]: one adapter per provider API (request building and response parsing, pure).
//! - [`client`]: sending requests with rate limits, retries and backoff, and redacting the
//!   request's secrets from every outcome.
//! - [`mentions`] (pure): brand and competitor mentions, rank, list position, and cited URLs
//!   with their registrable domain and owner.
//! - [`run`]: `aivis check` (prompts × engines × samples, stored as they arrive) and
//!   `aivis rescore`.
//! - [`prompts`] (pure): prompt text, duplicate keys, tags, and the import CSV.

pub mod client;
pub mod engines;
pub mod mentions;
pub mod prompts;
pub mod run;
