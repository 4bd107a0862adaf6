//! The NCSA text formats (`common`, `combined`, `vhost_combined`): a hand-written cursor
//! over the line's fields, the hot path of `aivis ingest`.

use std::borrow::Cow;

use memchr::{memchr, memchr2};

use super::time::parse_clf_time;
use super::{Hit, ParseError, lossy, optional, split_request};

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

pub(super) fn parse_ncsa(line: &[u8], vhost: bool, combined: bool) -> Result<Hit<'_>, ParseError> {
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
