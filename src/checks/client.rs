//! Sending engine requests: one place decides what is transient (429, 408, 5xx, timeouts,
//! dropped connections: retried with backoff, honouring `Retry-After`) and what is permanent
//! (any other 4xx, an unreadable body: not retried), and each engine's requests are spaced to
//! its `requests_per_minute`. Bodies are capped; API keys travel only in headers, and every
//! outcome passes through one [`Redactor`] that removes the request's secrets (and masks any
//! credential an error echoes) before anything is stored or printed.

mod redact;

pub use redact::{REDACTED, Redactor, mask_credentials};

use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::engines::{self, Answer, EngineSpec, HttpRequest, Method};

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

/// The result of asking one prompt once (with retries).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: Result<Answer, String>,
    /// Calls made.
    pub attempts: u32,
    /// The last HTTP status received, if any.
    pub http_status: Option<u16>,
    /// Time from the first call to the outcome.
    pub latency: Duration,
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
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// The HTTP client engines share (build one per run and clone it: clones share its
/// connection pool). Timeouts are set per engine, on each request.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(concat!("aivis/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Sends `spec`'s requests.
pub struct EngineClient {
    spec: EngineSpec,
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
            spec,
            http,
            timeout,
            limiter: RateLimiter::per_minute(requests_per_minute),
            policy,
        }
    }

    /// Asks `prompt`, retrying transient failures. The outcome holds none of the request's
    /// secrets: this is the one place every error and answer is redacted.
    pub async fn ask(&self, prompt: &str) -> Outcome {
        let Some(request) = engines::build_request(&self.spec, prompt) else {
            return Outcome {
                result: Err(format!(
                    "{} engines are not HTTP engines",
                    self.spec.kind.as_str()
                )),
                attempts: 0,
                http_status: None,
                latency: Duration::ZERO,
            };
        };
        let redactor = Redactor::for_request(self.spec.api_key.as_deref(), &request);
        let mut outcome = self.ask_with_retries(&request).await;
        outcome.result = match outcome.result {
            Ok(answer) => Ok(redactor.answer(answer)),
            Err(message) => Err(redactor.error(&message, MAX_ERROR_BYTES)),
        };
        outcome
    }

    /// Sends `request` until it succeeds, fails for good or runs out of attempts.
    async fn ask_with_retries(&self, request: &HttpRequest) -> Outcome {
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            self.limiter.wait().await;
            let failure = match self.send(request).await {
                Ok((status, answer)) => {
                    return Outcome {
                        result: Ok(answer),
                        attempts,
                        http_status: Some(status),
                        latency: started.elapsed(),
                    };
                }
                Err(failure) => failure,
            };
            let wait = match failure.retry {
                Retry::Transient(after) if attempts < self.policy.max_attempts => {
                    after.unwrap_or_else(|| self.backoff(attempts))
                }
                _ => {
                    return Outcome {
                        result: Err(failure.message),
                        attempts,
                        http_status: failure.status,
                        latency: started.elapsed(),
                    };
                }
            };
            tokio::time::sleep(wait.min(self.policy.max_delay)).await;
        }
    }

    /// Exponential backoff with up to 25% jitter.
    fn backoff(&self, attempts: u32) -> Duration {
        let base = self.policy.base_delay * 2u32.saturating_pow(attempts.saturating_sub(1));
        let jitter = base.mul_f64(rand::random::<f64>() * 0.25);
        (base + jitter).min(self.policy.max_delay)
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
        engines::parse_response(&self.spec, &body)
            .map(|answer| (status, answer))
            .map_err(|err| Failure {
                message: err.to_string(),
                retry: Retry::Permanent,
                status: Some(status),
            })
    }
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

    #[tokio::test]
    async fn the_limiter_spaces_requests() {
        let limiter = RateLimiter::per_minute(600); // one per 100 ms
        let started = Instant::now();
        for _ in 0..3 {
            limiter.wait().await;
        }
        assert!(started.elapsed() >= Duration::from_millis(200));
    }
}
