//! The JSON formats (`nginx_json`, `caddy_json`), read through serde with borrowed fields.

use std::borrow::Cow;

use serde::Deserialize;

use super::time::{parse_clf_time, parse_iso_time};
use super::{Hit, ParseError, optional, split_request};

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

pub(super) fn parse_nginx_json(line: &[u8]) -> Result<Hit<'_>, ParseError> {
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

pub(super) fn parse_caddy_json(line: &[u8]) -> Result<Hit<'_>, ParseError> {
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
