//! Access-log parsers, one per format: a line of bytes in, a [`Hit`] borrowing from the line
//! out. Pure and allocation-free on the common path (text is borrowed unless it had to be
//! unescaped or was not valid UTF-8, which is decoded lossily). A line that does not fit its
//! format is a [`ParseError`] naming why; no input makes a parser panic.
//!
//! This file holds the formats, the hit, the errors, format detection and the helpers the
//! formats share; `ncsa` reads the text formats (`combined`, `common`, `vhost_combined`) with
//! a hand-written cursor (the hot path of `aivis ingest`), `json` the JSON formats
//! (`nginx_json`, `caddy_json`) through serde with borrowed fields, and `time` their
//! timestamps.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

mod json;
mod ncsa;
mod time;

use json::{parse_caddy_json, parse_nginx_json};
use ncsa::parse_ncsa;

/// Longest line the parsers accept; longer lines are skipped and counted as `too_long`.
pub const MAX_LINE_BYTES: usize = 16 * 1024;

/// The access-log formats aivis reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogFormat {
    /// NCSA combined (nginx's and Apache's default): common + referrer + user agent.
    Combined,
    /// NCSA common: no referrer and no user agent.
    Common,
    /// Apache `vhost_combined`: `host:port` in front of combined.
    VhostCombined,
    /// nginx `log_format … escape=json` with the usual variable names as keys.
    NginxJson,
    /// Caddy's structured access log.
    CaddyJson,
}

impl LogFormat {
    /// Every format, most specific first (the order format detection breaks ties in).
    pub const ALL: [LogFormat; 5] = [
        LogFormat::CaddyJson,
        LogFormat::NginxJson,
        LogFormat::VhostCombined,
        LogFormat::Combined,
        LogFormat::Common,
    ];

    /// The name used on the command line and in summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Combined => "combined",
            LogFormat::Common => "common",
            LogFormat::VhostCombined => "vhost_combined",
            LogFormat::NginxJson => "nginx_json",
            LogFormat::CaddyJson => "caddy_json",
        }
    }

    /// Whether lines of this format carry a user agent (bot detection needs one).
    pub fn has_user_agent(self) -> bool {
        self != LogFormat::Common
    }
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A log format name that is none of [`LogFormat::ALL`]'s (the name as given).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown log format {0:?}")]
pub struct UnknownLogFormat(pub String);

impl crate::error::HasKind for UnknownLogFormat {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Usage
    }
}

impl FromStr for LogFormat {
    type Err = UnknownLogFormat;

    fn from_str(s: &str) -> Result<LogFormat, UnknownLogFormat> {
        LogFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| UnknownLogFormat(s.to_string()))
    }
}

/// One request from an access log. Text borrows from the line where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<'a> {
    /// Unix seconds (UTC).
    pub ts: i64,
    pub ip: Cow<'a, str>,
    /// Empty when the request line could not be split (e.g. a TLS handshake sent to port 80).
    pub method: Cow<'a, str>,
    /// Path and query as requested (sometimes an absolute URL).
    pub target: Cow<'a, str>,
    pub status: u16,
    /// None when the log has no referrer or it was `-`/empty.
    pub referrer: Option<Cow<'a, str>>,
    /// Empty when the format has none.
    pub user_agent: Cow<'a, str>,
    /// The virtual host, when the format has one.
    pub host: Option<Cow<'a, str>>,
}

/// Why a line is not a valid line of its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty line")]
    Empty,
    #[error("line ends before the {0} field")]
    Truncated(&'static str),
    #[error("unexpected text where the {0} field should be")]
    Unexpected(&'static str),
    #[error("unparseable timestamp")]
    BadTimestamp,
    #[error("unparseable status code")]
    BadStatus,
    #[error("quoted field without closing quote")]
    UnterminatedQuote,
    #[error("not a JSON object of the expected shape")]
    BadJson,
    #[error("JSON line lacks the {0} field")]
    MissingField(&'static str),
    #[error("NUL byte in the request path")]
    NulInPath,
    #[error("referrer host is not text (invalid UTF-8 or control characters)")]
    BadReferrerHost,
}

impl ParseError {
    /// A short machine-readable reason, kept with malformed-line samples.
    pub fn reason(&self) -> &'static str {
        match self {
            ParseError::Empty => "empty",
            ParseError::Truncated(_) => "truncated",
            ParseError::Unexpected(_) => "unexpected_field",
            ParseError::BadTimestamp => "bad_timestamp",
            ParseError::BadStatus => "bad_status",
            ParseError::UnterminatedQuote => "unterminated_quote",
            ParseError::BadJson => "bad_json",
            ParseError::MissingField(_) => "missing_field",
            ParseError::NulInPath => "nul_in_path",
            ParseError::BadReferrerHost => "bad_referrer_host",
        }
    }
}

/// Parses one line (without its newline; a trailing `\r` is ignored).
pub fn parse_line(format: LogFormat, line: &[u8]) -> Result<Hit<'_>, ParseError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let hit = match format {
        LogFormat::Combined => parse_ncsa(line, false, true),
        LogFormat::Common => parse_ncsa(line, false, false),
        LogFormat::VhostCombined => parse_ncsa(line, true, true),
        LogFormat::NginxJson => parse_nginx_json(line),
        LogFormat::CaddyJson => parse_caddy_json(line),
    }?;
    if memchr::memchr(0, hit.target.as_bytes()).is_some() {
        return Err(ParseError::NulInPath);
    }
    Ok(hit)
}

/// False when the host part of a referrer holds a replacement character (the log had invalid
/// UTF-8 there) or a control character (below 0x20, 0x7F, or U+0080 to U+009F). One pass over
/// the host's bytes; no searcher is built (this runs for every line with a referrer).
///
/// Ingest checks it for pageviews only, whose referrers start sessions (a bot's referrer is
/// never stored): a line whose referrer host fails it is malformed, `bad_referrer_host`, rather
/// than a session silently counted as `direct`.
pub fn referrer_host_is_text(referrer: &str) -> bool {
    let bytes = referrer.as_bytes();
    let start = match memchr::memchr(b':', bytes) {
        Some(i) if bytes[i + 1..].starts_with(b"//") => i + 3,
        _ => 0,
    };
    for (i, b) in bytes.iter().enumerate().skip(start) {
        let next = &bytes[i + 1..];
        match *b {
            b'/' | b'?' | b'#' => break,
            b if b < 0x20 || b == 0x7f => return false,
            0xef if next.starts_with(&[0xbf, 0xbd]) => return false,
            0xc2 if next.first().is_some_and(|n| (0x80..=0x9f).contains(n)) => return false,
            _ => {}
        }
    }
    true
}

/// The format most of `lines` parse as (ties go to the more specific format), if at least
/// half of them parse.
pub fn detect_format(lines: &[&[u8]]) -> Option<LogFormat> {
    if lines.is_empty() {
        return None;
    }
    let (best, parsed) = LogFormat::ALL
        .into_iter()
        .map(|format| {
            let parsed = lines
                .iter()
                .filter(|line| parse_line(format, line).is_ok())
                .count();
            (format, parsed)
        })
        .fold((LogFormat::Combined, 0), |best, candidate| {
            if candidate.1 > best.1 {
                candidate
            } else {
                best
            }
        });
    (parsed > 0 && parsed * 2 >= lines.len()).then_some(best)
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the formats

/// `GET /path HTTP/1.1` → (method, target). A request that is not of that shape (`-`, binary
/// junk) keeps an empty method, so it is counted as a non-page request rather than a page.
fn split_request(request: Cow<'_, str>) -> (Cow<'_, str>, Cow<'_, str>) {
    let parts = |text: &str| -> Option<(usize, usize)> {
        let method_end = text.find(' ')?;
        let method = &text[..method_end];
        if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
            return None;
        }
        let rest = &text[method_end + 1..];
        let target_len = match rest.rfind(' ') {
            Some(i) if rest[i + 1..].starts_with("HTTP/") => i,
            _ => rest.len(),
        };
        Some((method_end, target_len))
    };
    match request {
        Cow::Borrowed(text) => match parts(text) {
            Some((m, t)) => (
                Cow::Borrowed(&text[..m]),
                Cow::Borrowed(&text[m + 1..m + 1 + t]),
            ),
            None => (Cow::Borrowed(""), Cow::Borrowed("")),
        },
        Cow::Owned(text) => match parts(&text) {
            Some((m, t)) => (
                Cow::Owned(text[..m].to_string()),
                Cow::Owned(text[m + 1..m + 1 + t].to_string()),
            ),
            None => (Cow::Borrowed(""), Cow::Borrowed("")),
        },
    }
}

/// Bytes as text, replacing invalid UTF-8; borrowed when valid. `from_utf8` first: its
/// ASCII fast path is several times quicker than the lossy decoder on ordinary log text.
fn lossy(raw: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(raw) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(raw),
    }
}

/// `-` and empty mean "no value".
fn optional(text: Cow<'_, str>) -> Option<Cow<'_, str>> {
    (!text.is_empty() && text != "-").then_some(text)
}

#[cfg(test)]
mod tests;
