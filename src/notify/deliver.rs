//! The outbox worker's one step: send every message that is due, one at a time — claim it,
//! hand it to the transport, write how it ended — until none is due or shutdown is asked.
//!
//! Exactly once, as far as the protocol allows: a message is stored before any attempt, and
//! its end is written right after the server's reply to its data. The one gap left is a
//! process that dies after the server accepted the message and before that write commits
//! (milliseconds): its claim expires and the message is sent again. Every copy carries the same
//! `Message-ID`, which lets mail systems and clients that de-duplicate show it once. `.eml`
//! files have no gap: a second delivery replaces the same file.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::retry::{self, NextStep};
use super::transport::{SendFailure, Transport, eml_file_name};
use crate::store::{AttemptEnd, ClaimedMessage, Store, StoreError};

/// How delivery behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Attempts before a message that keeps failing transiently is marked failed.
    pub max_attempts: u32,
    /// How long a claim keeps other processes off a message (longer than one attempt can take).
    pub claim: Duration,
}

impl DeliveryPolicy {
    /// The policy for a transport whose connection and replies time out after `timeout`.
    pub fn new(max_attempts: u32, timeout: Duration) -> DeliveryPolicy {
        DeliveryPolicy {
            max_attempts,
            // An attempt is about ten commands, each waiting at most `timeout`.
            claim: timeout * 10 + Duration::from_secs(5),
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: u64,
    /// Failed transiently, due again later.
    pub retrying: u64,
    /// Failed for good (a permanent failure or the last attempt).
    pub failed: u64,
    /// Each failure: the message's key and what went wrong.
    pub failures: Vec<(String, String)>,
}

/// Sends what is due at `clock()` (Unix seconds; `day::now_unix` but in tests); stops early
/// (between messages) when `shutdown` is cancelled.
pub async fn deliver_due(
    store: &Store,
    transport: &Transport,
    policy: DeliveryPolicy,
    clock: &(dyn Fn() -> i64 + Sync),
    shutdown: &CancellationToken,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    while !shutdown.is_cancelled() {
        let now = clock();
        let claim_end = now + policy.claim.as_secs() as i64;
        let Some(message) = store.claim_due_message(now, claim_end).await? else {
            break;
        };
        let outcome = attempt(transport, &message).await;
        let end = attempt_end(&message, outcome, policy, clock(), &mut report);
        store.end_attempt(message.id, &end, clock()).await?;
    }
    Ok(report)
}

async fn attempt(transport: &Transport, message: &ClaimedMessage) -> Result<(), SendFailure> {
    transport
        .send(
            &eml_file_name(&message.key),
            &message.sender,
            &message.recipients,
            message.message.as_bytes(),
        )
        .await
}

fn attempt_end(
    message: &ClaimedMessage,
    outcome: Result<(), SendFailure>,
    policy: DeliveryPolicy,
    now: i64,
    report: &mut DeliveryReport,
) -> AttemptEnd {
    let failure = match outcome {
        Ok(()) => {
            report.sent += 1;
            return AttemptEnd::Sent;
        }
        Err(failure) => failure,
    };
    report
        .failures
        .push((message.key.clone(), failure.message.clone()));
    let attempt = u32::try_from(message.attempt).unwrap_or(u32::MAX);
    match retry::after_failure(failure.kind, attempt, policy.max_attempts, rand::random()) {
        NextStep::RetryAfter(delay) => {
            report.retrying += 1;
            AttemptEnd::Retry {
                next_attempt_at: now + delay.as_secs().max(1) as i64,
                error: failure.message,
            }
        }
        NextStep::GiveUp => {
            report.failed += 1;
            AttemptEnd::Failed {
                error: failure.message,
            }
        }
    }
}
