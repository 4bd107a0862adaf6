//! When a message that failed is tried again (pure): exponential backoff with jitter, a
//! limit on attempts, and permanent failures never retried. The transport decides whether a
//! failure is transient or permanent (`transport::classify`); this decides what follows.

use std::time::Duration;

/// Whether a failed attempt may succeed later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Connection refused, a timeout, a 4xx reply: try again later.
    Transient,
    /// A 5xx reply (unknown recipient, policy, bad credentials): trying again cannot help.
    Permanent,
}

/// The delay before the first retry, at most.
pub const FIRST_RETRY: Duration = Duration::from_secs(30);
/// The longest delay between two attempts.
pub const LONGEST_WAIT: Duration = Duration::from_secs(60 * 60);

/// What follows a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Try again after this long.
    RetryAfter(Duration),
    /// Give up: mark the message failed.
    GiveUp,
}

/// What follows failed attempt number `attempt` (1 for the first) of at most `max_attempts`.
/// `jitter` in [0, 1) spreads retries of many messages: the delay is between half and all of
/// 30 s × 2^(attempt−1), capped at an hour.
pub fn after_failure(kind: FailureKind, attempt: u32, max_attempts: u32, jitter: f64) -> NextStep {
    if kind == FailureKind::Permanent || attempt >= max_attempts {
        return NextStep::GiveUp;
    }
    let doublings = attempt.saturating_sub(1).min(16);
    let ceiling =
        (FIRST_RETRY.as_secs_f64() * f64::from(1u32 << doublings)).min(LONGEST_WAIT.as_secs_f64());
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    NextStep::RetryAfter(Duration::from_secs_f64(ceiling * (0.5 + 0.5 * jitter)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delay(attempt: u32, jitter: f64) -> Duration {
        match after_failure(FailureKind::Transient, attempt, 100, jitter) {
            NextStep::RetryAfter(delay) => delay,
            NextStep::GiveUp => panic!("gave up on attempt {attempt}"),
        }
    }

    #[test]
    fn the_first_retry_comes_within_thirty_seconds() {
        assert_eq!(delay(1, 0.0), Duration::from_secs(15));
        assert!(delay(1, 0.999) <= FIRST_RETRY);
    }

    #[test]
    fn delays_double_up_to_an_hour() {
        assert_eq!(delay(2, 1.0), Duration::from_secs(60));
        assert_eq!(delay(3, 1.0), Duration::from_secs(120));
        assert_eq!(delay(8, 1.0), LONGEST_WAIT);
        assert_eq!(delay(60, 1.0), LONGEST_WAIT);
        assert_eq!(delay(60, 0.0), LONGEST_WAIT / 2);
    }

    #[test]
    fn jitter_spreads_and_odd_jitter_is_tamed() {
        assert!(delay(4, 0.1) < delay(4, 0.9));
        assert_eq!(delay(2, f64::NAN), delay(2, 0.0));
        assert_eq!(delay(2, 7.0), delay(2, 1.0));
    }

    #[test]
    fn permanent_failures_and_the_last_attempt_give_up() {
        assert_eq!(
            after_failure(FailureKind::Permanent, 1, 10, 0.5),
            NextStep::GiveUp
        );
        assert_eq!(
            after_failure(FailureKind::Transient, 10, 10, 0.5),
            NextStep::GiveUp
        );
        assert!(matches!(
            after_failure(FailureKind::Transient, 9, 10, 0.5),
            NextStep::RetryAfter(_)
        ));
    }
}
