//! How a bot the lists do not name is named: by its own product token (`SemrushBot`,
//! `Amazon-Route53-Health-Check-Service`, `collectd`), never by the marker that caught it
//! (`bot`, `crawl`, `check`). The token around the marker is used when it is one; a marker
//! inside a URL, an email address or a browser token falls back to the user agent's first
//! product that is not a browser's.

/// Longest name kept (bytes).
const MAX_NAME_BYTES: usize = 64;

/// Product names of browsers and their platform comments, never a bot's name.
const NOT_NAMES: &[&str] = &[
    "mozilla",
    "compatible",
    "applewebkit",
    "khtml",
    "like",
    "gecko",
    "chrome",
    "safari",
    "version",
    "mobile",
    "linux",
    "windows",
    "macintosh",
    "u",
    "x11",
];

/// The byte range of the name of a bot found at `start..end` of `user_agent`.
pub(super) fn bot_name_at(user_agent: &str, start: usize, end: usize) -> (usize, usize) {
    let around = token_around(user_agent, start, end);
    if usable(user_agent, around) && !inside_contact(user_agent, start) {
        return around;
    }
    first_product(user_agent).unwrap_or(around)
}

/// The name of a bot that no marker points into (found by a trait of the whole user agent).
pub(super) fn bot_name(user_agent: &str) -> (usize, usize) {
    first_product(user_agent).unwrap_or_else(|| cap(user_agent, 0, user_agent.len()))
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'!')
}

/// The run of token bytes containing `start..end`, cut at its first `/` and capped.
fn token_around(user_agent: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = user_agent.as_bytes();
    let mut from = start.min(bytes.len());
    while from > 0 && is_token_byte(bytes[from - 1]) {
        from -= 1;
    }
    let mut to = end.min(bytes.len()).max(from);
    while to < bytes.len() && is_token_byte(bytes[to]) {
        to += 1;
    }
    if let Some(slash) = bytes[from..to].iter().position(|&b| b == b'/') {
        to = from + slash;
    }
    while to > from && matches!(bytes[to - 1], b'.' | b'-' | b' ' | b'_') {
        to -= 1;
    }
    cap(user_agent, from, to)
}

fn usable(user_agent: &str, (from, to): (usize, usize)) -> bool {
    let Some(token) = user_agent.get(from..to) else {
        return false;
    };
    token.bytes().any(|b| b.is_ascii_alphabetic())
        && !NOT_NAMES
            .iter()
            .any(|word| token.eq_ignore_ascii_case(word))
}

/// Whether `at` sits in a URL or an email address (its whitespace-, `;`- or bracket-delimited
/// segment holds `://`, `www.` or `@`).
fn inside_contact(user_agent: &str, at: usize) -> bool {
    let bytes = user_agent.as_bytes();
    let delimiter = |b: &u8| b.is_ascii_whitespace() || matches!(b, b';' | b'(' | b')');
    let at = at.min(bytes.len());
    let from = bytes[..at].iter().rposition(delimiter).map_or(0, |i| i + 1);
    let to = bytes[at..]
        .iter()
        .position(delimiter)
        .map_or(bytes.len(), |i| at + i);
    let segment = &bytes[from..to];
    segment.contains(&b'@')
        || segment.windows(3).any(|w| w == b"://")
        || segment.windows(4).any(|w| w.eq_ignore_ascii_case(b"www."))
}

/// The first token that names a product and is not a browser's (`Name/1.0` before a bare word).
fn first_product(user_agent: &str) -> Option<(usize, usize)> {
    let bytes = user_agent.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !is_token_byte(bytes[at]) {
            at += 1;
            continue;
        }
        let from = at;
        while at < bytes.len() && is_token_byte(bytes[at]) {
            at += 1;
        }
        let versioned = bytes.get(at) == Some(&b'/');
        let in_contact = inside_contact(user_agent, from);
        if usable(user_agent, (from, at)) && !in_contact {
            tokens.push((versioned, cap(user_agent, from, at)));
        }
        while at < bytes.len() && bytes[at] == b'/' {
            at += 1;
            while at < bytes.len() && is_token_byte(bytes[at]) {
                at += 1;
            }
        }
    }
    tokens
        .iter()
        .find(|(versioned, _)| *versioned)
        .or(tokens.first())
        .map(|(_, range)| *range)
}

/// `from..to` shortened to at most [`MAX_NAME_BYTES`], on a character boundary.
fn cap(text: &str, from: usize, to: usize) -> (usize, usize) {
    let mut to = to.min(from + MAX_NAME_BYTES).min(text.len());
    while to > from && !text.is_char_boundary(to) {
        to -= 1;
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named_at(ua: &str, marker: &str) -> String {
        let start = ua.to_ascii_lowercase().find(marker).expect(marker);
        let (from, to) = bot_name_at(ua, start, start + marker.len());
        ua[from..to].to_string()
    }

    #[test]
    fn a_bot_is_named_by_the_product_around_its_marker() {
        let cases = [
            (
                "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
                "bot",
                "SemrushBot",
            ),
            (
                "Amazon-Route53-Health-Check-Service (ref 1b2c; report http://amzn.to/1vsZADi)",
                "check",
                "Amazon-Route53-Health-Check-Service",
            ),
            ("curl/8.5.0", "curl/", "curl"),
            (
                "Screaming Frog SEO Spider/19.0",
                "screaming frog seo spider",
                "Screaming Frog SEO Spider",
            ),
            (
                "Mozilla/5.0 (compatible; Foo/1.0; +http://foo.example/bot.html)",
                "bot",
                "Foo",
            ),
            ("Mozilla/5.0 (compatible; crawler)", "crawl", "crawler"),
        ];
        for (ua, marker, name) in cases {
            assert_eq!(named_at(ua, marker), name, "{ua}");
        }
    }

    #[test]
    fn a_bot_without_a_marker_is_named_by_its_first_product() {
        for (ua, name) in [
            ("collectd/5.5.1", "collectd"),
            ("munin/2.0.49 (libwww-perl/6.31)", "munin"),
            ("ExampleCrawler (admin@example.org)", "ExampleCrawler"),
        ] {
            let (from, to) = bot_name(ua);
            assert_eq!(&ua[from..to], name, "{ua}");
        }
    }

    #[test]
    fn names_are_capped_and_never_split_a_character() {
        let ua = format!("{}é/1.0", "a".repeat(63));
        let (from, to) = bot_name(&ua);
        assert!(to - from <= MAX_NAME_BYTES && ua.is_char_boundary(to));
        for ua in ["", "/", "@", "😀😀", "((((", "://"] {
            let (from, to) = bot_name(ua);
            assert!(ua.get(from..to).is_some(), "{ua:?}");
            let (from, to) = bot_name_at(ua, 0, ua.len());
            assert!(ua.get(from..to).is_some(), "{ua:?}");
        }
    }
}
