//! Prompt checks: asking AI engines the questions a site's customers ask, and recording
//! whether the answers mention the brand and its competitors, where, and which URLs they cite.
//!
//! - [`engines`]: one adapter per provider API (request building and response parsing, pure).
//! - [`client`]: sending requests with rate limits, retries and backoff, and redacting the
//!   request's secrets from every outcome.
//! - [`mentions`] (pure): brand and competitor mentions, rank, list position, and cited URLs
//!   with their registrable domain and owner.
//! - [`run`]: `aivis check` (prompts × engines × samples, stored as they arrive, cancellable,
//!   every run closed as finished or aborted) and `aivis rescore`.
//! - [`prompts`] (pure): prompt text, duplicate keys, tags, and the import CSV.
//!
//! CPU work on untrusted bodies (parsing a response of up to 8 MiB, redacting and extracting
//! an answer) runs on tokio's blocking threads through [`off_runtime`], never on the
//! runtime's workers.

pub mod client;
pub mod engines;
pub mod mentions;
pub mod prompts;
pub mod run;

/// Runs CPU-bound `work` on tokio's blocking threads, so the runtime's workers keep serving
/// other tasks; a panic in `work` resumes in the caller (its task then fails as panicked).
pub(crate) async fn off_runtime<T, F>(work: F) -> T
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(err) => match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            // Only a runtime shutting down drops a blocking task before it runs.
            Err(err) => panic!("blocking work did not run: {err}"),
        },
    }
}
