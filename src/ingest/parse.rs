//! Access-log parsers, one per format: a line of bytes in, a [`Hit`] borrowing from the line
//! out. Pure and allocation-free on the common path (text is borrowed unless it had to be
//! unescaped or was not valid UTF-8, which is decoded lossily). A line that does not fit its
//! format is a [`ParseError`] naming why; no input makes a parser panic.
//!
//! Text formats (`combined`, `common`, `vhost_combined`) are read with a hand-written cursor
//! (this is the hot path of `aivis ingest`); the JSON formats (`nginx_json`, `caddy_json`) go
//! through serde with borrowed fields.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use memchr::{memchr, memchr2};
use serde::Deserialize;

use crate::day::{civil_from_days, days_from_civil};

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

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<LogFormat, String> {
        LogFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown log format {s:?}"))
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
        }
    }
}

/// Parses one line (without its newline; a trailing `\r` is ignored).
pub fn parse_line(format: LogFormat, line: &[u8]) -> Result<Hit<'_>, ParseError> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    match format {
        LogFormat::Combined => parse_ncsa(line, false, true),
        LogFormat::Common => parse_ncsa(line, false, false),
        LogFormat::VhostCombined => parse_ncsa(line, true, true),
        LogFormat::NginxJson => parse_nginx_json(line),
        LogFormat::CaddyJson => parse_caddy_json(line),
    }
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
// NCSA text formats

/// A position in a text line, reading fields left to right.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.bytes[self.pos..]
    }

    /// A space-delimited field, and the space after it.
    fn token(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let rest = self.rest();
        let end = memchr(b' ', rest).unwrap_or(rest.len());
        if end == 0 {
            return Err(if rest.is_empty() {
                ParseError::Truncated(field)
            } else {
                ParseError::Unexpected(field)
            });
        }
        self.pos += end;
        self.skip_space();
        Ok(&rest[..end])
    }

    fn skip_space(&mut self) {
        if self.bytes.get(self.pos) == Some(&b' ') {
            self.pos += 1;
        }
    }

    /// A field between `open` and `close` (no escapes), and the space after it.
    fn bracketed(
        &mut self,
        open: u8,
        close: u8,
        field: &'static str,
    ) -> Result<&'a [u8], ParseError> {
        let rest = self.rest();
        match rest.first() {
            None => return Err(ParseError::Truncated(field)),
            Some(b) if *b != open => return Err(ParseError::Unexpected(field)),
            Some(_) => {}
        }
        let end = memchr(close, &rest[1..]).ok_or(ParseError::Truncated(field))?;
        self.pos += end + 2;
        self.skip_space();
        Ok(&rest[1..=end])
    }

    /// A double-quoted field whose quotes may be escaped with a backslash, and the space
    /// after it. Returns the raw inside, escapes still in.
    fn quoted(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let rest = self.rest();
        match rest.first() {
            None => return Err(ParseError::Truncated(field)),
            Some(b'"') => {}
            Some(_) => return Err(ParseError::Unexpected(field)),
        }
        let inner = &rest[1..];
        let mut i = 0;
        loop {
            let found = memchr2(b'"', b'\\', &inner[i..]).ok_or(ParseError::UnterminatedQuote)?;
            i += found;
            if inner[i] == b'\\' {
                i += 2;
                if i > inner.len() {
                    return Err(ParseError::UnterminatedQuote);
                }
            } else {
                self.pos += i + 2;
                self.skip_space();
                return Ok(&inner[..i]);
            }
        }
    }
}

fn parse_ncsa(line: &[u8], vhost: bool, combined: bool) -> Result<Hit<'_>, ParseError> {
    let mut cursor = Cursor {
        bytes: line,
        pos: 0,
    };
    let host = if vhost {
        let host_port = cursor.token("virtual host")?;
        Some(lossy(strip_port(host_port)))
    } else {
        None
    };
    let ip = cursor.token("client address")?;
    cursor.token("identity")?;
    cursor.token("user")?;
    let ts = parse_clf_time(cursor.bracketed(b'[', b']', "time")?)?;
    let request = cursor.quoted("request")?;
    let status = parse_status(cursor.token("status")?)?;
    let (referrer, user_agent) = if combined {
        cursor.token("size")?;
        let referrer = cursor.quoted("referrer")?;
        let user_agent = cursor.quoted("user agent")?;
        (optional(unescape(referrer)), unescape(user_agent))
    } else {
        let size = cursor.rest();
        if size.is_empty() || size.contains(&b' ') {
            return Err(ParseError::Unexpected("size"));
        }
        (None, Cow::Borrowed(""))
    };
    let (method, target) = split_request(unescape(request));
    Ok(Hit {
        ts,
        ip: lossy(ip),
        method,
        target,
        status,
        referrer,
        user_agent,
        host,
    })
}

/// Drops a `:port` suffix (leaving bracketed IPv6 hosts intact).
fn strip_port(host_port: &[u8]) -> &[u8] {
    match host_port.iter().rposition(|b| *b == b':') {
        Some(i)
            if host_port[i + 1..].iter().all(u8::is_ascii_digit)
                && !host_port[..i].contains(&b':') =>
        {
            &host_port[..i]
        }
        Some(i) if host_port.first() == Some(&b'[') && host_port[..i].ends_with(b"]") => {
            &host_port[..i]
        }
        _ => host_port,
    }
}

fn parse_status(raw: &[u8]) -> Result<u16, ParseError> {
    match raw {
        [a, b, c] if raw.iter().all(u8::is_ascii_digit) => {
            Ok(u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0'))
        }
        _ => Err(ParseError::BadStatus),
    }
}

/// `10/Oct/2000:13:55:36 -0700` → Unix seconds.
fn parse_clf_time(raw: &[u8]) -> Result<i64, ParseError> {
    if raw.len() != 26 || raw[2] != b'/' || raw[6] != b'/' || raw[11] != b':' || raw[20] != b' ' {
        return Err(ParseError::BadTimestamp);
    }
    let month = month_number(&raw[3..6]).ok_or(ParseError::BadTimestamp)?;
    let number =
        |range: std::ops::Range<usize>| digits(&raw[range]).ok_or(ParseError::BadTimestamp);
    let (day, year) = (number(0..2)?, number(7..11)?);
    if raw[14] != b':' || raw[17] != b':' {
        return Err(ParseError::BadTimestamp);
    }
    let (hour, minute, second) = (number(12..14)?, number(15..17)?, number(18..20)?);
    let offset = parse_offset(&raw[21..26]).ok_or(ParseError::BadTimestamp)?;
    let clock = Clock {
        hour,
        minute,
        second,
    };
    civil_seconds(i64::from(year), month, day, clock)
        .map(|t| t - offset)
        .ok_or(ParseError::BadTimestamp)
}

fn month_number(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.as_slice() == name)
        .map(|i| i as u32 + 1)
}

/// `+hhmm`, `-hhmm`, `+hh:mm` or `Z` → seconds east of UTC.
fn parse_offset(raw: &[u8]) -> Option<i64> {
    if raw == b"Z" || raw == b"z" {
        return Some(0);
    }
    let sign = match raw.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = match raw.len() {
        5 => (digits(&raw[1..3])?, digits(&raw[3..5])?),
        6 if raw[3] == b':' => (digits(&raw[1..3])?, digits(&raw[4..6])?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
}

/// Unix seconds of a UTC civil time, None when a part is out of range.
fn civil_seconds(year: i64, month: u32, day: u32, clock: Clock) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && clock.hour < 24
        && clock.minute < 60
        && clock.second <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days).1 != month {
        return None; // 31 April and the like roll into the next month
    }
    Some(days * 86_400 + i64::from(clock.hour * 3600 + clock.minute * 60 + clock.second))
}

/// An unsigned decimal of 1 to 9 ASCII digits.
fn digits(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() || raw.len() > 9 {
        return None;
    }
    raw.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

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

/// The inside of a quoted field as text: `\"`, `\\` and `\xHH` (nginx, Apache) undone.
fn unescape(raw: &[u8]) -> Cow<'_, str> {
    if memchr(b'\\', raw).is_none() {
        return lossy(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b != b'\\' || i + 1 >= raw.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let (byte, used) = match raw[i + 1] {
            b'x' => match raw.get(i + 2..i + 4).and_then(hex_byte) {
                Some(v) => (v, 4),
                None => (b'\\', 1),
            },
            b'n' => (b'\n', 2),
            b't' => (b'\t', 2),
            other => (other, 2),
        };
        out.push(byte);
        i += used;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let value = |b: u8| (b as char).to_digit(16);
    Some((value(pair[0])? * 16 + value(pair[1])?) as u8)
}

/// `-` and empty mean "no value".
fn optional(text: Cow<'_, str>) -> Option<Cow<'_, str>> {
    (!text.is_empty() && text != "-").then_some(text)
}

// ---------------------------------------------------------------------------------------------
// JSON formats

/// A JSON value that some servers write as a number and others as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText<'a> {
    Number(f64),
    #[serde(borrow)]
    Text(Cow<'a, str>),
}

impl NumberOrText<'_> {
    fn as_f64(&self) -> Option<f64> {
        match self {
            NumberOrText::Number(n) => Some(*n),
            NumberOrText::Text(t) => t.trim().parse().ok(),
        }
    }

    fn as_status(&self) -> Result<u16, ParseError> {
        match self.as_f64() {
            Some(n) if (100.0..1000.0).contains(&n) && n.fract() == 0.0 => Ok(n as u16),
            _ => Err(ParseError::BadStatus),
        }
    }
}

/// Keys of an nginx `escape=json` log line (named after the nginx variables they hold).
#[derive(Deserialize)]
struct NginxLine<'a> {
    #[serde(borrow)]
    time_iso8601: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time_local: Option<Cow<'a, str>>,
    #[serde(borrow)]
    msec: Option<NumberOrText<'a>>,
    #[serde(borrow)]
    remote_addr: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request_method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    request_uri: Option<Cow<'a, str>>,
    #[serde(borrow)]
    status: Option<NumberOrText<'a>>,
    #[serde(borrow)]
    http_referer: Option<Cow<'a, str>>,
    #[serde(borrow)]
    http_user_agent: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
}

fn parse_nginx_json(line: &[u8]) -> Result<Hit<'_>, ParseError> {
    let parsed: NginxLine<'_> = serde_json::from_slice(line).map_err(|_| ParseError::BadJson)?;
    let ts = if let Some(iso) = &parsed.time_iso8601 {
        parse_iso_time(iso)?
    } else if let Some(local) = &parsed.time_local {
        parse_clf_time(local.as_bytes())?
    } else if let Some(msec) = &parsed.msec {
        epoch_seconds(msec)?
    } else {
        return Err(ParseError::MissingField("time"));
    };
    let ip = parsed
        .remote_addr
        .ok_or(ParseError::MissingField("remote_addr"))?;
    let status = parsed
        .status
        .ok_or(ParseError::MissingField("status"))?
        .as_status()?;
    let (method, target) = match (parsed.request_method, parsed.request_uri, parsed.request) {
        (Some(method), Some(uri), _) => (method, uri),
        (_, _, Some(request)) => split_request(request),
        _ => return Err(ParseError::MissingField("request")),
    };
    Ok(Hit {
        ts,
        ip,
        method,
        target,
        status,
        referrer: parsed.http_referer.and_then(optional),
        user_agent: parsed.http_user_agent.unwrap_or_default(),
        host: parsed.host.and_then(optional),
    })
}

/// Unix seconds from a number (or numeric text) of seconds with an optional fraction.
fn epoch_seconds(value: &NumberOrText<'_>) -> Result<i64, ParseError> {
    match value.as_f64() {
        Some(n) if n.is_finite() && (0.0..1e12).contains(&n) => Ok(n.floor() as i64),
        _ => Err(ParseError::BadTimestamp),
    }
}

/// `2026-11-24T10:00:00+00:00` (also `Z`, `+0000` and fractional seconds) → Unix seconds.
fn parse_iso_time(text: &str) -> Result<i64, ParseError> {
    let raw = text.as_bytes();
    if raw.len() < 20 || raw[4] != b'-' || raw[7] != b'-' || !matches!(raw[10], b'T' | b' ') {
        return Err(ParseError::BadTimestamp);
    }
    if raw[13] != b':' || raw[16] != b':' {
        return Err(ParseError::BadTimestamp);
    }
    let number =
        |range: std::ops::Range<usize>| digits(&raw[range]).ok_or(ParseError::BadTimestamp);
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let clock = Clock {
        hour: number(11..13)?,
        minute: number(14..16)?,
        second: number(17..19)?,
    };
    let mut zone = &raw[19..];
    if zone.first() == Some(&b'.') {
        let fraction = zone[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        zone = &zone[1 + fraction..];
    }
    let offset = parse_offset(zone).ok_or(ParseError::BadTimestamp)?;
    civil_seconds(i64::from(year), month, day, clock)
        .map(|t| t - offset)
        .ok_or(ParseError::BadTimestamp)
}

/// Caddy's `http.log.access` entry (only the keys aivis reads).
#[derive(Deserialize)]
struct CaddyLine<'a> {
    #[serde(borrow)]
    ts: Option<NumberOrText<'a>>,
    #[serde(borrow)]
    request: Option<CaddyRequest<'a>>,
    status: Option<f64>,
}

#[derive(Deserialize)]
struct CaddyRequest<'a> {
    #[serde(borrow)]
    remote_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    client_ip: Option<Cow<'a, str>>,
    #[serde(borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(borrow)]
    host: Option<Cow<'a, str>>,
    #[serde(borrow)]
    uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    headers: CaddyHeaders<'a>,
}

/// Request headers as Caddy logs them: canonical names, each a list of values.
#[derive(Deserialize, Default)]
struct CaddyHeaders<'a> {
    #[serde(borrow, rename = "User-Agent", default)]
    user_agent: Vec<Cow<'a, str>>,
    #[serde(borrow, rename = "Referer", default)]
    referer: Vec<Cow<'a, str>>,
}

fn parse_caddy_json(line: &[u8]) -> Result<Hit<'_>, ParseError> {
    let parsed: CaddyLine<'_> = serde_json::from_slice(line).map_err(|_| ParseError::BadJson)?;
    let ts = match parsed.ts.ok_or(ParseError::MissingField("ts"))? {
        NumberOrText::Text(text) if text.contains('-') => parse_iso_time(&text)?,
        other => epoch_seconds(&other)?,
    };
    let request = parsed.request.ok_or(ParseError::MissingField("request"))?;
    let status = NumberOrText::Number(parsed.status.ok_or(ParseError::MissingField("status"))?)
        .as_status()?;
    let ip = request
        .client_ip
        .filter(|ip| !ip.is_empty())
        .or(request.remote_ip)
        .ok_or(ParseError::MissingField("request.remote_ip"))?;
    let mut headers = request.headers;
    Ok(Hit {
        ts,
        ip,
        method: request
            .method
            .ok_or(ParseError::MissingField("request.method"))?,
        target: request.uri.ok_or(ParseError::MissingField("request.uri"))?,
        status,
        referrer: headers.referer.drain(..).next().and_then(optional),
        user_agent: headers.user_agent.drain(..).next().unwrap_or_default(),
        host: request.host.and_then(optional),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMBINED: &[u8] = br#"203.0.113.9 - - [24/Nov/2026:10:00:00 +0000] "GET /pricing?utm_source=chatgpt.com HTTP/1.1" 200 5123 "https://chatgpt.com/" "Mozilla/5.0 (X11; Linux x86_64)""#;
    const TS: i64 = 1_795_514_400; // 2026-11-24T10:00:00Z

    fn parse(format: LogFormat, line: &[u8]) -> Hit<'_> {
        parse_line(format, line)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)))
    }

    #[test]
    fn combined_line_fields() {
        let hit = parse(LogFormat::Combined, COMBINED);
        assert_eq!(hit.ts, TS);
        assert_eq!(hit.ip, "203.0.113.9");
        assert_eq!(hit.method, "GET");
        assert_eq!(hit.target, "/pricing?utm_source=chatgpt.com");
        assert_eq!(hit.status, 200);
        assert_eq!(hit.referrer.as_deref(), Some("https://chatgpt.com/"));
        assert_eq!(hit.user_agent, "Mozilla/5.0 (X11; Linux x86_64)");
        assert_eq!(hit.host, None);
        assert!(
            matches!(hit.target, Cow::Borrowed(_)),
            "common path must not allocate"
        );
    }

    #[test]
    fn timezone_offsets_are_applied() {
        let line = br#"1.2.3.4 - - [24/Nov/2026:11:30:00 +0130] "GET / HTTP/1.1" 200 1 "-" "ua""#;
        assert_eq!(parse(LogFormat::Combined, line).ts, TS);
        let line = br#"1.2.3.4 - - [24/Nov/2026:05:00:00 -0500] "GET / HTTP/1.1" 200 1 "-" "ua""#;
        assert_eq!(parse(LogFormat::Combined, line).ts, TS);
    }

    #[test]
    fn dash_referrer_and_size_and_extra_fields() {
        let line = br#"::1 - frank [24/Nov/2026:10:00:00 +0000] "POST /f HTTP/2.0" 304 - "-" "ua" "x-forwarded" 0.003"#;
        let hit = parse(LogFormat::Combined, line);
        assert_eq!(
            (hit.ip.as_ref(), hit.method.as_ref(), hit.status),
            ("::1", "POST", 304)
        );
        assert_eq!(hit.referrer, None);
    }

    #[test]
    fn escaped_quotes_inside_fields() {
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a\"b HTTP/1.1" 200 1 "https://r.test/?q=\"x\"" "UA \"quoted\" \\ \x41""#;
        let hit = parse(LogFormat::Combined, line);
        assert_eq!(hit.target, "/a\"b");
        assert_eq!(hit.referrer.as_deref(), Some("https://r.test/?q=\"x\""));
        assert_eq!(hit.user_agent, "UA \"quoted\" \\ A");
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily() {
        let mut line = COMBINED.to_vec();
        let ua_start = line.len() - 5;
        line[ua_start] = 0xFF;
        let hit = parse(LogFormat::Combined, &line);
        assert!(hit.user_agent.contains('\u{FFFD}'));
    }

    #[test]
    fn odd_request_lines_are_kept_with_empty_method() {
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "\x16\x03\x01" 400 150 "-" "-""#;
        let hit = parse(LogFormat::Combined, line);
        assert_eq!(
            (hit.method.as_ref(), hit.target.as_ref(), hit.status),
            ("", "", 400)
        );
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "-" 408 0 "-" "-""#;
        assert_eq!(parse(LogFormat::Combined, line).method, "");
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a b HTTP/1.1" 200 1 "-" "u""#;
        assert_eq!(parse(LogFormat::Combined, line).target, "/a b");
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /http09" 200 1 "-" "u""#;
        assert_eq!(parse(LogFormat::Combined, line).target, "/http09");
    }

    #[test]
    fn common_and_vhost_formats() {
        let line = br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 77"#;
        let hit = parse(LogFormat::Common, line);
        assert_eq!((hit.target.as_ref(), hit.user_agent.as_ref()), ("/x", ""));
        assert!(parse_line(LogFormat::Combined, line).is_err());
        let vhost = br#"www.acme.test:443 1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "ua""#;
        let hit = parse(LogFormat::VhostCombined, vhost);
        assert_eq!(
            (hit.host.as_deref(), hit.ip.as_ref()),
            (Some("www.acme.test"), "1.2.3.4")
        );
        assert!(parse_line(LogFormat::Combined, vhost).is_err());
        assert!(parse_line(LogFormat::VhostCombined, COMBINED).is_err());
    }

    #[test]
    fn nginx_json_lines() {
        let line = br#"{"time_iso8601":"2026-11-24T10:00:00+00:00","remote_addr":"1.2.3.4","request":"GET /p?x=1 HTTP/1.1","status":200,"body_bytes_sent":512,"http_referer":"","http_user_agent":"ua \"q\"","host":"www.acme.test"}"#;
        let hit = parse(LogFormat::NginxJson, line);
        assert_eq!(
            (hit.ts, hit.target.as_ref(), hit.status),
            (TS, "/p?x=1", 200)
        );
        assert_eq!((hit.referrer, hit.user_agent.as_ref()), (None, "ua \"q\""));
        let string_status = br#"{"msec":"1795514400.250","remote_addr":"1.2.3.4","request_method":"HEAD","request_uri":"/","status":"301"}"#;
        let hit = parse(LogFormat::NginxJson, string_status);
        assert_eq!((hit.ts, hit.method.as_ref(), hit.status), (TS, "HEAD", 301));
        let local = br#"{"time_local":"24/Nov/2026:10:00:00 +0000","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":200}"#;
        assert_eq!(parse(LogFormat::NginxJson, local).ts, TS);
    }

    #[test]
    fn caddy_json_lines() {
        let line = br#"{"level":"info","ts":1795514400.123,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"10.0.0.1","remote_port":"5555","client_ip":"1.2.3.4","proto":"HTTP/2.0","method":"GET","host":"www.acme.test","uri":"/x?y","headers":{"User-Agent":["ua"],"Referer":["https://claude.ai/"],"Accept":["*/*"]}},"bytes_read":0,"duration":0.001,"size":12,"status":200,"resp_headers":{}}"#;
        let hit = parse(LogFormat::CaddyJson, line);
        assert_eq!(
            (hit.ts, hit.ip.as_ref(), hit.target.as_ref()),
            (TS, "1.2.3.4", "/x?y")
        );
        assert_eq!(hit.referrer.as_deref(), Some("https://claude.ai/"));
        assert_eq!(hit.host.as_deref(), Some("www.acme.test"));
        let iso = br#"{"ts":"2026-11-24T10:00:00.5Z","request":{"remote_ip":"1.2.3.4","method":"GET","uri":"/"},"status":404}"#;
        let hit = parse(LogFormat::CaddyJson, iso);
        assert_eq!((hit.ts, hit.status, hit.user_agent.as_ref()), (TS, 404, ""));
    }

    #[test]
    fn malformed_lines_are_errors_not_panics() {
        let hostile: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"   ".to_vec(),
            b"hello world".to_vec(),
            b"GET / HTTP/1.1".to_vec(),
            b"{\"broken\": ".to_vec(),
            vec![0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00],
            b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1".to_vec(),
            b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\\".to_vec(),
            b"1.2.3.4 - - [32/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"".to_vec(),
            b"1.2.3.4 - - [29/Feb/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"".to_vec(),
            b"1.2.3.4 - - [24/Nov/2026:25:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"".to_vec(),
            b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 2x0 1 \"-\" \"u\"".to_vec(),
            b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 20 1 \"-\" \"u\"".to_vec(),
            b"1.2.3.4 - - [24/N\xffv/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"u\"".to_vec(),
            b"[[[[[[[[\"\"\"\"\\\\\\".to_vec(),
            b"{\"ts\":1e400,\"request\":{},\"status\":200}".to_vec(),
            b"{\"ts\":-5,\"request\":{\"remote_ip\":\"1\",\"method\":\"GET\",\"uri\":\"/\"},\"status\":200}".to_vec(),
            b"{\"time_iso8601\":\"2026-11-24T10:00:00\",\"remote_addr\":\"1\",\"request\":\"GET /\",\"status\":200}".to_vec(),
            b"{\"msec\":1,\"remote_addr\":\"1\",\"request\":\"GET /\",\"status\":20000}".to_vec(),
            b"{\"time_iso8601\":\"2026-11-24T10:00:00\xc3\",\"remote_addr\":\"1\"}".to_vec(),
            vec![b'"'; MAX_LINE_BYTES],
            [b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"".as_slice(), &vec![b'\\'; 5000]].concat(),
        ];
        for line in &hostile {
            for format in LogFormat::ALL {
                assert!(
                    parse_line(format, line).is_err(),
                    "{format} accepted {:?}",
                    String::from_utf8_lossy(line)
                );
            }
        }
    }

    #[test]
    fn every_prefix_of_a_valid_line_is_handled() {
        for end in 0..COMBINED.len() {
            let _ = parse_line(LogFormat::Combined, &COMBINED[..end]);
            let _ = parse_line(LogFormat::VhostCombined, &COMBINED[..end]);
            let _ = parse_line(LogFormat::Common, &COMBINED[..end]);
        }
    }

    #[test]
    fn error_reasons_are_short_names() {
        let err = parse_line(LogFormat::Combined, b"hello world").unwrap_err();
        assert_eq!(err.reason(), "truncated");
        assert_eq!(
            parse_line(LogFormat::NginxJson, b"nope")
                .unwrap_err()
                .reason(),
            "bad_json"
        );
    }

    #[test]
    fn detects_each_format_from_its_lines() {
        let samples: [(LogFormat, &[u8]); 5] = [
            (LogFormat::Combined, COMBINED),
            (LogFormat::Common, br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 7"#),
            (
                LogFormat::VhostCombined,
                br#"acme.test:80 1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 7 "-" "u""#,
            ),
            (
                LogFormat::NginxJson,
                br#"{"time_iso8601":"2026-11-24T10:00:00+00:00","remote_addr":"1.2.3.4","request":"GET / HTTP/1.1","status":200}"#,
            ),
            (
                LogFormat::CaddyJson,
                br#"{"ts":1795514400.1,"request":{"remote_ip":"1.2.3.4","method":"GET","uri":"/"},"status":200}"#,
            ),
        ];
        for (format, line) in samples {
            let lines = [line, line, b"garbage".as_slice()];
            assert_eq!(detect_format(&lines), Some(format));
        }
        assert_eq!(
            detect_format(&[b"garbage".as_slice(), b"more garbage"]),
            None
        );
        assert_eq!(detect_format(&[]), None);
    }

    #[test]
    fn format_names_round_trip() {
        for format in LogFormat::ALL {
            assert_eq!(format.as_str().parse::<LogFormat>(), Ok(format));
        }
        assert!("apache".parse::<LogFormat>().is_err());
    }
}
