//! Sending engine requests: one place decides what is transient (429, 408, 5xx, timeouts,
//! dropped connections: retried with backoff, honouring `Retry-After`) and what is permanent
//! (any other 4xx, an unreadable body: not retried), and each engine's requests are spaced to
//! its `requests_per_minute`. Bodies are capped; API keys travel only in headers, and every
//! outcome passes through one [`Redactor`] that removes the request's secrets (and masks any
//! credential an error echoes) before anything is stored or printed. Parsing a response body
//! and redacting an answer run on blocking threads (bodies reach 8 MiB).
//!
//! Cancellation: a call waiting for its rate-limit slot does not start once the run's token is
//! cancelled; a request on the wire is never interrupted (it is paid for: its answer is kept);
//! a call waiting to retry stops and keeps its last failure. Times come from tokio's clock, so
//! tests run them on a paused clock.

mod redact;

pub use redact::{REDACTED, Redactor, mask_credentials};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::engines::{self, Answer, CallFailure, EngineSpec, HttpRequest, Method};
use super::off_runtime;
use crate::error::{ErrorKind, HasKind};

/// Largest response body read (bytes).
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Longest error message kept (bytes), after redaction.
const MAX_ERROR_BYTES: usize = 300;
/// Longest part of an error body read for its message (bytes): redaction scans this much,
/// then the message is cut to [`MAX_ERROR_BYTES`].
const MAX_EXCERPT_BYTES: usize = 16 * 1024;

/// How often and how patiently to retry transient failures.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Calls at most, the first included.
    pub max_attempts: u32,
    /// Wait before the second call; doubled each time (with jitter).
    pub base_delay: Duration,
    /// Longest wait between calls, `Retry-After` included.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// Whether a failure is worth another try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Retry, after at least this long when the server said so.
    Transient(Option<Duration>),
    Permanent,
}

/// The decision for an HTTP status (the only place statuses are judged).
pub fn judge_status(status: u16, retry_after: Option<Duration>) -> Retry {
    match status {
        408 | 425 | 429 | 500..=599 => Retry::Transient(retry_after),
        _ => Retry::Permanent,
    }
}

/// `Retry-After` as delay-seconds (the HTTP-date form is read as "soon": one base delay).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// What is appended to the last failure of a call whose retries a cancelled run stopped.
pub const RETRIES_STOPPED: &str = "not retried: the run was stopped";

/// The result of asking one prompt once (with retries).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Result<Answer, CallFailure>,
    /// Calls made.
    pub attempts: u32,
    /// The last HTTP status received, if any.
    pub http_status: Option<u16>,
    /// Time from the start of the first call to the outcome (waits for rate-limit slots before
    /// it are not counted).
    pub latency: Duration,
}

/// The shared HTTP client could not be built (the TLS setup failed): aivis's fault or its
/// system's, not the user's.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct HttpClientError(#[source] reqwest::Error);

impl HasKind for HttpClientError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Internal
    }
}

/// One failed attempt.
struct Failure {
    message: String,
    retry: Retry,
    status: Option<u16>,
}

/// Spaces one engine's requests to its rate.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub fn per_minute(requests: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(60) / requests.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's slot.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// The HTTP client engines share (build one per run and clone it: clones share its
/// connection pool). Timeouts are set per engine, on each request.
pub fn http_client() -> Result<reqwest::Client, HttpClientError> {
    reqwest::Client::builder()
        .user_agent(concat!("aivis/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(HttpClientError)
}

/// Sends `spec`'s requests.
pub struct EngineClient {
    spec: Arc<EngineSpec>,
    http: reqwest::Client,
    /// Longest a call may take, from connecting to the end of the body.
    timeout: Duration,
    limiter: RateLimiter,
    policy: RetryPolicy,
}

impl EngineClient {
    /// `http` is the run's shared client (see [`http_client`]).
    pub fn new(
        http: reqwest::Client,
        spec: EngineSpec,
        requests_per_minute: u32,
        timeout: Duration,
        policy: RetryPolicy,
    ) -> EngineClient {
        EngineClient {
            spec: Arc::new(spec),
            http,
            timeout,
            limiter: RateLimiter::per_minute(requests_per_minute),
            policy,
        }
    }

    /// Asks `prompt`, retrying transient failures; None when `cancel` fired before the first
    /// request was sent (nothing was asked). The outcome holds none of the request's secrets:
    /// this is the one place every error and answer is redacted.
    pub async fn ask(&self, prompt: &str, cancel: &CancellationToken) -> Option<Outcome> {
        let Some(request) = engines::build_request(&self.spec, prompt) else {
            return Some(Outcome {
                result: Err(CallFailure::new(format!(
                    "{} engines are not HTTP engines",
                    self.spec.kind.as_str()
                ))),
                attempts: 0,
                http_status: None,
                latency: Duration::ZERO,
            });
        };
        let redactor = Redactor::for_request(self.spec.api_key.as_deref(), &request);
        let mut outcome =
            with_retries(&self.limiter, self.policy, cancel, || self.send(&request)).await?;
        outcome.result = match outcome.result {
            Ok(answer) => Ok(off_runtime(move || redactor.answer(answer)).await),
            Err(failure) => Err(CallFailure::new(
                redactor.error(&failure.reason, MAX_ERROR_BYTES),
            )),
        };
        Some(outcome)
    }

    /// One call: the response's status and answer, or why it failed.
    async fn send(&self, request: &HttpRequest) -> Result<(u16, Answer), Failure> {
        let mut builder = match request.method {
            Method::Get => self.http.get(&request.url),
            Method::Post => self.http.post(&request.url),
        }
        .timeout(self.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder.send().await.map_err(|err| Failure {
            message: describe_transport_error(&err),
            retry: Retry::Transient(None),
            status: None,
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = read_capped(response).await.map_err(|message| Failure {
            message,
            retry: Retry::Transient(None),
            status: Some(status),
        })?;
        if !(200..300).contains(&status) {
            return Err(Failure {
                message: format!("HTTP {status}: {}", error_excerpt(&body)),
                retry: judge_status(status, retry_after),
                status: Some(status),
            });
        }
        let spec = Arc::clone(&self.spec);
        off_runtime(move || engines::parse_response(&spec, &body))
            .await
            .map(|answer| (status, answer))
            .map_err(|err| Failure {
                message: err.to_string(),
                retry: Retry::Permanent,
                status: Some(status),
            })
    }
}

/// Calls `attempt` until it succeeds, fails for good or runs out of attempts, each call in its
/// slot of `limiter`, waiting between calls as the failure or `policy` says. None when `cancel`
/// fired before the first call started; once it fires, no further call starts and the last
/// failure is the outcome (with [`RETRIES_STOPPED`]). A call under way is never interrupted.
async fn with_retries<F, Fut>(
    limiter: &RateLimiter,
    policy: RetryPolicy,
    cancel: &CancellationToken,
    mut attempt: F,
) -> Option<Outcome>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(u16, Answer), Failure>>,
{
    let mut started = None;
    let mut attempts = 0;
    // The last failure, once a call has failed: the outcome if the run stops before the next.
    let mut last: Option<(String, Option<u16>)> = None;
    let stopped = |last: Option<(String, Option<u16>)>, attempts, started: Option<Instant>| {
        last.map(|(message, status)| Outcome {
            result: Err(CallFailure::new(format!("{message} ({RETRIES_STOPPED})"))),
            attempts,
            http_status: status,
            latency: started.map_or(Duration::ZERO, |s: Instant| s.elapsed()),
        })
    };
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return stopped(last, attempts, started),
            () = limiter.wait() => {}
        }
        let since = *started.get_or_insert_with(Instant::now);
        attempts += 1;
        let failure = match attempt().await {
            Ok((status, answer)) => {
                return Some(Outcome {
                    result: Ok(answer),
                    attempts,
                    http_status: Some(status),
                    latency: since.elapsed(),
                });
            }
            Err(failure) => failure,
        };
        let wait = match failure.retry {
            Retry::Transient(after) if attempts < policy.max_attempts => {
                after.unwrap_or_else(|| backoff(policy, attempts))
            }
            _ => {
                return Some(Outcome {
                    result: Err(CallFailure::new(failure.message)),
                    attempts,
                    http_status: failure.status,
                    latency: since.elapsed(),
                });
            }
        };
        last = Some((failure.message, failure.status));
        tokio::select! {
            biased;
            () = cancel.cancelled() => return stopped(last, attempts, started),
            () = tokio::time::sleep(wait.min(policy.max_delay)) => {}
        }
    }
}

/// Exponential backoff with up to 25% jitter, at most `policy.max_delay`.
fn backoff(policy: RetryPolicy, attempts: u32) -> Duration {
    let base = policy.base_delay * 2u32.saturating_pow(attempts.saturating_sub(1));
    let jitter = base.mul_f64(rand::random::<f64>() * 0.25);
    (base + jitter).min(policy.max_delay)
}

/// Reads a body up to [`MAX_BODY_BYTES`].
async fn read_capped(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| describe_transport_error(&err))?
    {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!("response larger than {MAX_BODY_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A transport failure in words, without the request's headers.
fn describe_transport_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "could not connect".to_string()
    } else {
        "connection failed while reading the response".to_string()
    }
}

/// The provider's error message from an error body: `error.message` or `message` when JSON,
/// else the start of the body; single-line and cut to [`MAX_EXCERPT_BYTES`] (the outcome is
/// redacted, then cut shorter).
fn error_excerpt(body: &[u8]) -> String {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = json.as_ref().and_then(|v| {
        v.pointer("/error/message")
            .or_else(|| v.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
    });
    let text = message.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let text = crate::classify::cap(&text, MAX_EXCERPT_BYTES);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_judged_in_one_place() {
        let after = Some(Duration::from_secs(7));
        assert_eq!(judge_status(429, after), Retry::Transient(after));
        for status in [408, 500, 502, 503, 504, 529] {
            assert!(
                matches!(judge_status(status, None), Retry::Transient(None)),
                "{status}"
            );
        }
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(judge_status(status, None), Retry::Permanent, "{status}");
        }
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn error_excerpts_are_short_and_single_line() {
        let body = br#"{"error": {"message": "Incorrect API key\nprovided", "type": "invalid_request_error"}}"#;
        assert_eq!(error_excerpt(body), "Incorrect API key provided");
        let long = "x ".repeat(MAX_EXCERPT_BYTES);
        assert_eq!(error_excerpt(long.as_bytes()).len(), MAX_EXCERPT_BYTES - 1);
        let redacted = Redactor::default().error(&error_excerpt(long.as_bytes()), MAX_ERROR_BYTES);
        assert_eq!(redacted.len(), MAX_ERROR_BYTES);
    }

    /// `elapsed` is `expected` (a paused clock's timers fire within their millisecond).
    fn about(elapsed: Duration, expected: Duration) -> bool {
        elapsed >= expected && elapsed < expected + Duration::from_millis(5)
    }

    #[tokio::test(start_paused = true)]
    async fn the_limiter_spaces_requests() {
        let limiter = RateLimiter::per_minute(600); // one per 100 ms
        let started = Instant::now();
        for slot in [0, 100, 200] {
            limiter.wait().await;
            let elapsed = started.elapsed();
            assert!(about(elapsed, Duration::from_millis(slot)), "{elapsed:?}");
        }
    }

    fn answer() -> Answer {
        Answer {
            text: "Acme".into(),
            ..Answer::default()
        }
    }

    fn busy(after: Option<Duration>) -> Failure {
        Failure {
            message: "HTTP 503: busy".into(),
            retry: Retry::Transient(after),
            status: Some(503),
        }
    }

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(60),
    };

    /// Runs `with_retries` over scripted attempt results; returns the outcome and when (since
    /// the start) each attempt was made.
    async fn scripted(
        limiter: &RateLimiter,
        policy: RetryPolicy,
        cancel: &CancellationToken,
        script: Vec<Result<(u16, Answer), Failure>>,
    ) -> (Option<Outcome>, Vec<Duration>) {
        let started = Instant::now();
        let mut script = script.into_iter();
        let mut calls = Vec::new();
        let outcome = with_retries(limiter, policy, cancel, || {
            calls.push(started.elapsed());
            let next = script.next().expect("no more attempts scripted");
            async move { next }
        })
        .await;
        (outcome, calls)
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_wait_for_retry_after_or_the_backoff() {
        let limiter = RateLimiter::per_minute(10_000);
        let script = vec![
            Err(busy(Some(Duration::from_secs(7)))),
            Err(busy(None)),
            Err(busy(Some(Duration::from_secs(600)))),
            Ok((200, answer())),
        ];
        let (outcome, calls) = scripted(&limiter, POLICY, &CancellationToken::new(), script).await;
        let outcome = outcome.unwrap();
        assert_eq!(outcome.result, Ok(answer()));
        assert_eq!((outcome.attempts, outcome.http_status), (4, Some(200)));
        let waits: Vec<Duration> = calls.windows(2).map(|w| w[1] - w[0]).collect();
        // Retry-After honoured; the second backoff is 2 s plus up to 25% jitter; a Retry-After
        // beyond max_delay waits max_delay.
        assert!(about(waits[0], Duration::from_secs(7)), "{waits:?}");
        assert!(
            waits[1] >= Duration::from_secs(2) && waits[1] <= Duration::from_millis(2505),
            "{waits:?}"
        );
        assert!(about(waits[2], POLICY.max_delay), "{waits:?}");
        assert!(about(outcome.latency, calls[3]), "{outcome:?} {calls:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn permanent_failures_and_the_last_attempt_are_not_retried() {
        let limiter = RateLimiter::per_minute(10_000);
        let denied = Failure {
            message: "HTTP 401: bad key".into(),
            retry: Retry::Permanent,
            status: Some(401),
        };
        let cancel = CancellationToken::new();
        let (outcome, calls) = scripted(&limiter, POLICY, &cancel, vec![Err(denied)]).await;
        let outcome = outcome.unwrap();
        assert_eq!(outcome.result, Err(CallFailure::new("HTTP 401: bad key")));
        assert_eq!((outcome.attempts, calls.len()), (1, 1));
        let policy = RetryPolicy {
            max_attempts: 3,
            ..POLICY
        };
        let script = (0..3).map(|_| Err(busy(None))).collect();
        let (outcome, calls) = scripted(&limiter, policy, &cancel, script).await;
        let outcome = outcome.unwrap();
        assert_eq!(outcome.result, Err(CallFailure::new("HTTP 503: busy")));
        assert_eq!((outcome.attempts, outcome.http_status), (3, Some(503)));
        assert_eq!(calls.len(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_run_starts_no_call_and_stops_retrying() {
        // Cancelled before the call's slot: nothing is asked.
        let limiter = RateLimiter::per_minute(1);
        limiter.wait().await; // the next slot is a minute away
        let cancel = CancellationToken::new();
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            canceller.cancel();
        });
        let started = Instant::now();
        let (outcome, calls) = scripted(&limiter, POLICY, &cancel, vec![Ok((200, answer()))]).await;
        assert!(outcome.is_none() && calls.is_empty(), "{outcome:?}");
        assert!(about(started.elapsed(), Duration::from_secs(1)));

        // Cancelled while waiting to retry: the last failure, marked, at once.
        let limiter = RateLimiter::per_minute(10_000);
        let cancel = CancellationToken::new();
        let canceller = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            canceller.cancel();
        });
        let script = vec![
            Err(busy(Some(Duration::from_secs(30)))),
            Ok((200, answer())),
        ];
        let (outcome, calls) = scripted(&limiter, POLICY, &cancel, script).await;
        let outcome = outcome.unwrap();
        assert_eq!(
            outcome.result,
            Err(CallFailure::new(format!(
                "HTTP 503: busy ({RETRIES_STOPPED})"
            )))
        );
        assert_eq!((outcome.attempts, outcome.http_status), (1, Some(503)));
        assert_eq!(calls.len(), 1);
        assert!(
            about(outcome.latency, Duration::from_secs(3)),
            "{outcome:?}"
        );

        // Already cancelled: not asked.
        let (outcome, calls) = scripted(&limiter, POLICY, &cancel, vec![]).await;
        assert!(outcome.is_none() && calls.is_empty());
    }
}
