//! Property tests of the parsers that read untrusted text: the access-log formats
//! (`ingest::parse`), the classifier's referrer and landing-URL reading (through
//! `Classifier::classify`), and the NDJSON requests of `aivis classify --batch`
//! (`classify::record::Request`). Arbitrary and mutated input must never make them panic,
//! what they keep must stay within the caps the code promises, and valid input built from
//! generated fields must come back field for field.
//!
//! Each property runs [`CASES`] cases (256), or `PROPTEST_CASES` when set. Private helpers
//! have their own properties beside them (`classify::referrer`, `app::classify`).

use std::borrow::Cow;

use aivis::classify::record::Request;
use aivis::classify::{Channel, Classifier};
use aivis::day::civil_from_days;
use aivis::ingest::parse::{
    Hit, LogFormat, ParseError, detect_format, parse_line, referrer_host_is_text,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 256;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Access-log lines

/// The last Unix second of 9999-12-31, the latest time a log line can carry.
const LAST_SECOND: i64 = 253_402_300_799;

/// One request, as a log line's fields.
#[derive(Debug, Clone)]
struct Fields {
    ts: i64,
    /// Seconds east of UTC of the line's local time.
    offset: i64,
    ip: String,
    method: String,
    target: String,
    status: u16,
    referrer: Option<String>,
    user_agent: String,
    host: String,
}

/// Text a log may carry: anything but NUL (a NUL in the path is refused by design).
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        any::<String>().prop_map(|s| s.replace('\0', "")),
    ]
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        0..=LAST_SECOND - 86_400,
        -(23 * 60 + 59)..=23i64 * 60 + 59,
        "[!-~]{1,40}",
        "[A-Z]{1,10}",
        text().prop_map(|t| format!("/{t}")),
        100u16..1000,
        prop_oneof![
            Just(None),
            text()
                .prop_filter("a referrer", |r| !r.is_empty() && r != "-")
                .prop_map(Some)
        ],
        text(),
        "[a-z0-9][a-z0-9.-]{0,29}",
    )
        .prop_map(
            |(ts, offset_minutes, ip, method, target, status, referrer, user_agent, host)| Fields {
                ts,
                offset: offset_minutes * 60,
                ip,
                method,
                target,
                status,
                referrer,
                user_agent,
                host,
            },
        )
}

/// `10/Oct/2000:13:55:36 -0700`: `ts` as local time at `offset`.
fn clf_time(ts: i64, offset: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = ts + offset;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let s = local.rem_euclid(86_400);
    let sign = if offset < 0 { '-' } else { '+' };
    let east = offset.abs();
    format!(
        "{d:02}/{}/{y:04}:{:02}:{:02}:{:02} {sign}{:02}{:02}",
        MONTHS[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60,
        east / 3600,
        east / 60 % 60
    )
}

/// A quoted field's inside as nginx writes it: `"`, `\`, control and non-ASCII bytes as `\xHH`.
fn escaped(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b == b'"' || b == b'\\' || !(0x20..0x7f).contains(&b) {
            out.push_str(&format!("\\x{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// The fields as a `combined` line, or `vhost_combined` with the host and a port in front.
fn ncsa_line(f: &Fields, vhost: bool) -> String {
    format!(
        "{}{} - - [{}] \"{} {} HTTP/1.1\" {:03} 512 \"{}\" \"{}\"",
        if vhost {
            format!("{}:8443 ", f.host)
        } else {
            String::new()
        },
        f.ip,
        clf_time(f.ts, f.offset),
        f.method,
        escaped(&f.target),
        f.status,
        escaped(f.referrer.as_deref().unwrap_or("-")),
        escaped(&f.user_agent)
    )
}

fn nginx_json_line(f: &Fields) -> String {
    serde_json::json!({
        "time_local": clf_time(f.ts, f.offset),
        "remote_addr": f.ip,
        "request_method": f.method,
        "request_uri": f.target,
        "status": f.status,
        "http_referer": f.referrer.as_deref().unwrap_or("-"),
        "http_user_agent": f.user_agent,
        "host": f.host,
    })
    .to_string()
}

fn caddy_json_line(f: &Fields, millis: u16) -> String {
    serde_json::json!({
        "level": "info",
        "ts": f.ts as f64 + f64::from(millis) / 1000.0,
        "logger": "http.log.access",
        "request": {
            "remote_ip": f.ip,
            "method": f.method,
            "host": f.host,
            "uri": f.target,
            "headers": {
                "User-Agent": [f.user_agent],
                "Referer": f.referrer.iter().collect::<Vec<_>>(),
            },
        },
        "status": f.status,
    })
    .to_string()
}

fn expected_hit(f: &Fields, host: bool) -> Hit<'_> {
    Hit {
        ts: f.ts,
        ip: Cow::Borrowed(&f.ip),
        method: Cow::Borrowed(&f.method),
        target: Cow::Borrowed(&f.target),
        status: f.status,
        referrer: f.referrer.as_deref().map(Cow::Borrowed),
        user_agent: Cow::Borrowed(&f.user_agent),
        host: host.then_some(Cow::Borrowed(f.host.as_str())),
    }
}

/// A valid line of a random format, built from random fields.
fn valid_line() -> impl Strategy<Value = Vec<u8>> {
    (fields(), 0..4u8, 0u16..1000).prop_map(|(f, format, millis)| {
        match format {
            0 => ncsa_line(&f, false),
            1 => ncsa_line(&f, true),
            2 => nginx_json_line(&f),
            _ => caddy_json_line(&f, millis),
        }
        .into_bytes()
    })
}

/// An edit of a line: at a position (modulo its length), delete bytes, insert bytes, overwrite
/// a byte or cut the rest.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, u8),
    Cut(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let interesting = prop_oneof![
        any::<u8>(),
        Just(b'"'),
        Just(b'\\'),
        Just(b' '),
        Just(b'['),
        Just(b']'),
        Just(b'{'),
        Just(b'}'),
        Just(0u8),
        Just(0xff),
    ];
    prop_oneof![
        (any::<usize>(), 1usize..8).prop_map(|(at, n)| Edit::Delete(at, n)),
        (
            any::<usize>(),
            prop::collection::vec(interesting.clone(), 1..6)
        )
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        (any::<usize>(), interesting).prop_map(|(at, b)| Edit::Overwrite(at, b)),
        any::<usize>().prop_map(Edit::Cut),
    ]
}

fn apply(line: &mut Vec<u8>, edit: &Edit) {
    let at = |n: usize| n % (line.len() + 1);
    match edit {
        Edit::Delete(n, len) => {
            let start = at(*n);
            let end = (start + len).min(line.len());
            line.drain(start..end);
        }
        Edit::Insert(n, bytes) => {
            let start = at(*n);
            line.splice(start..start, bytes.iter().copied());
        }
        Edit::Overwrite(n, b) => {
            if !line.is_empty() {
                let i = *n % line.len();
                line[i] = *b;
            }
        }
        Edit::Cut(n) => line.truncate(at(*n)),
    }
}

/// What every parse of any line must respect: an error, or a hit with a status of three
/// digits and a path without NUL.
fn check_any_parse(format: LogFormat, line: &[u8]) -> Result<(), TestCaseError> {
    match parse_line(format, line) {
        Err(_) => {}
        Ok(hit) => {
            prop_assert!(hit.status < 1000, "{format}: status {}", hit.status);
            prop_assert!(
                !hit.target.contains('\0'),
                "{format}: NUL in {:?}",
                hit.target
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_never_panic_a_parser(
        line in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        for format in LogFormat::ALL {
            check_any_parse(format, &line)?;
        }
        let _ = detect_format(&[line.as_slice(), b"", line.as_slice()]);
        let _ = referrer_host_is_text(&String::from_utf8_lossy(&line));
    }

    #[test]
    fn mutated_valid_lines_never_panic_a_parser(
        line in valid_line(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let mut line = line;
        for edit in &edits {
            apply(&mut line, edit);
        }
        for format in LogFormat::ALL {
            check_any_parse(format, &line)?;
        }
        let lines = [line.as_slice(); 3];
        let _ = detect_format(&lines);
    }

    #[test]
    fn a_combined_line_gives_back_its_fields(f in fields()) {
        let line = ncsa_line(&f, false);
        prop_assert_eq!(parse_line(LogFormat::Combined, line.as_bytes()), Ok(expected_hit(&f, false)));
        // With a CRLF ending, as parse_line promises.
        let crlf = format!("{line}\r");
        prop_assert_eq!(parse_line(LogFormat::Combined, crlf.as_bytes()), Ok(expected_hit(&f, false)));
        // Common is combined without referrer and user agent: the extra fields are refused.
        prop_assert!(parse_line(LogFormat::Common, line.as_bytes()).is_err());
    }

    #[test]
    fn a_vhost_combined_line_gives_back_its_fields(f in fields()) {
        let line = ncsa_line(&f, true);
        prop_assert_eq!(
            parse_line(LogFormat::VhostCombined, line.as_bytes()),
            Ok(expected_hit(&f, true))
        );
    }

    #[test]
    fn json_lines_give_back_their_fields(f in fields(), millis in 0u16..1000) {
        let nginx = nginx_json_line(&f);
        prop_assert_eq!(parse_line(LogFormat::NginxJson, nginx.as_bytes()), Ok(expected_hit(&f, true)));
        let caddy = caddy_json_line(&f, millis);
        prop_assert_eq!(parse_line(LogFormat::CaddyJson, caddy.as_bytes()), Ok(expected_hit(&f, true)));
    }

    #[test]
    fn format_detection_finds_the_format_of_valid_lines(
        lines in prop::collection::vec(fields(), 4..10),
        format in 0..4u8,
    ) {
        let (expected, text): (LogFormat, Vec<String>) = match format {
            0 => (LogFormat::Combined, lines.iter().map(|f| ncsa_line(f, false)).collect()),
            1 => (LogFormat::VhostCombined, lines.iter().map(|f| ncsa_line(f, true)).collect()),
            2 => (LogFormat::NginxJson, lines.iter().map(nginx_json_line).collect()),
            _ => (LogFormat::CaddyJson, lines.iter().map(|f| caddy_json_line(f, 0)).collect()),
        };
        let bytes: Vec<&[u8]> = text.iter().map(|l| l.as_bytes()).collect();
        prop_assert_eq!(detect_format(&bytes), Some(expected));
    }
}

#[test]
fn an_empty_or_blank_line_is_empty() {
    for format in LogFormat::ALL {
        assert_eq!(parse_line(format, b""), Err(ParseError::Empty));
        assert_eq!(parse_line(format, b" \t\r"), Err(ParseError::Empty));
    }
}

// ---------------------------------------------------------------------------------------------
// Referrers and landing URLs

/// Longest referrer host kept (the DNS limit), and longest source named by a referrer.
const MAX_HOST_BYTES: usize = 253;
/// Longest search term kept.
const MAX_TERM_BYTES: usize = 200;
/// Longest utm_* value kept.
const MAX_UTM_BYTES: usize = 200;

/// Referrer-like text: mostly URLs put together from odd parts, sometimes anything at all.
fn referrer() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("https://".to_string()),
        Just("http://".to_string()),
        Just("android-app://".to_string()),
        Just("www.".to_string()),
        Just(".".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("?".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("#".to_string()),
        Just("%".to_string()),
        Just("q=".to_string()),
        Just("[::1]".to_string()),
        Just("google.com/search".to_string()),
        Just("chatgpt.com".to_string()),
        Just("xn--".to_string()),
        "[a-zA-Z0-9-]{1,70}",
        "%[0-9A-Fa-f]{2}",
        any::<String>(),
    ];
    prop_oneof![
        prop::collection::vec(part, 0..12).prop_map(|parts| parts.concat()),
        any::<String>(),
        // Longer than the 4096 bytes a referrer is cut to.
        ("[a-z]{1,300}", 0usize..20).prop_map(|(label, n)| {
            format!(
                "https://{}.example/{}",
                vec![label; n + 1].join("."),
                "x".repeat(4200)
            )
        }),
    ]
}

fn landing() -> impl Strategy<Value = String> {
    let part = prop_oneof![
        Just("/".to_string()),
        Just("?".to_string()),
        Just("&".to_string()),
        Just("=".to_string()),
        Just("utm_source=".to_string()),
        Just("utm_medium=".to_string()),
        Just("utm_campaign=".to_string()),
        Just("utm_term=".to_string()),
        Just("gclid=".to_string()),
        Just("%0A".to_string()),
        Just("+".to_string()),
        "%[0-9A-Fa-f]{2}",
        "[a-zA-Z0-9 ._-]{0,300}",
        any::<String>(),
    ];
    prop::collection::vec(part, 0..12).prop_map(|parts| parts.concat())
}

/// Trimmed, without control characters, at most `max` bytes.
fn kept_text(value: &str, max: usize) -> Result<(), TestCaseError> {
    prop_assert!(value.len() <= max, "{} bytes: {value:?}", value.len());
    prop_assert!(!value.chars().any(char::is_control), "{value:?}");
    prop_assert_eq!(value.trim(), value);
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn classification_never_panics_and_keeps_within_its_caps(
        referrer in prop::option::of(referrer()),
        target in landing(),
    ) {
        let classifier = Classifier::new(&["www.acme.test".to_string()]);
        let c = classifier.classify(referrer.as_deref(), &target);
        prop_assert!(!c.source.is_empty());
        prop_assert!(c.source.len() <= MAX_HOST_BYTES, "source {:?}", c.source);
        if let Some(term) = &c.term {
            kept_text(term, MAX_TERM_BYTES)?;
            prop_assert!(!term.is_empty());
        }
        if let Some(host) = &c.referrer_host {
            prop_assert!(!host.is_empty());
            prop_assert!(host.len() <= MAX_HOST_BYTES, "host of {} bytes", host.len());
            prop_assert!(!host.bytes().any(|b| b.is_ascii_uppercase()), "{host:?}");
        }
        for value in [&c.utm.source, &c.utm.medium, &c.utm.campaign, &c.utm.term, &c.utm.content]
            .into_iter()
            .flatten()
        {
            kept_text(value, MAX_UTM_BYTES)?;
            prop_assert!(!value.is_empty());
        }
        let _ = classifier.is_internal_referrer(referrer.as_deref().unwrap_or(""));
    }

    /// A search engine's term comes back cleaned: control characters dropped, trimmed, and cut
    /// to its cap on a character boundary (then trimmed again); a URL is not a term.
    #[test]
    fn a_search_term_is_cleaned_and_capped(term in prop_oneof!["[ -~]{0,300}", ".{0,100}"]) {
        let encoded: String = term.bytes().map(|b| format!("%{b:02X}")).collect();
        let referrer = format!("https://www.bing.com/search?q={encoded}&form=QBLH");
        let c = Classifier::new(&[]).classify(Some(&referrer), "/");
        prop_assert_eq!(c.channel, Channel::OrganicSearch);
        prop_assert_eq!(c.source.as_str(), "bing");
        let cleaned: String = term.chars().filter(|c| !c.is_control()).collect();
        let cleaned = cleaned.trim();
        let mut end = cleaned.len().min(MAX_TERM_BYTES);
        while !cleaned.is_char_boundary(end) {
            end -= 1;
        }
        let expected = cleaned[..end].trim_end();
        let lower = expected.to_ascii_lowercase();
        let url = lower.starts_with("http://") || lower.starts_with("https://");
        let expected = (!expected.is_empty() && !url).then_some(expected);
        prop_assert_eq!(c.term.as_deref(), expected, "term {:?}", term);
        if let Some(kept) = &c.term {
            kept_text(kept, MAX_TERM_BYTES)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NDJSON requests of `aivis classify --batch`

/// A JSON string or null for a request field, a key that is not one, and the field.
fn request_field() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop_oneof!["[ -~]{0,30}", any::<String>()])
}

/// JSON whitespace.
fn space() -> impl Strategy<Value = String> {
    "[ \t\r\n]{0,2}"
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_lines_never_panic_the_request_reader(line in prop_oneof![
        any::<String>(),
        prop::collection::vec(
            prop_oneof![
                Just("{"), Just("}"), Just("\"referrer\""), Just("\"url\""), Just("\"ua\""),
                Just(":"), Just(","), Just("null"), Just("\"x\""), Just(" "), Just("\\"),
                Just("\"\\u0041\""), Just("1"), Just("["), Just("]"), Just("\""),
            ],
            0..16,
        ).prop_map(|parts| parts.concat()),
    ]) {
        // What the reader accepts is a JSON object, and its fields are that object's.
        if let Ok(request) = Request::from_json(&line) {
            let value: serde_json::Value = serde_json::from_str(&line)
                .map_err(|e| TestCaseError::fail(format!("{line:?} accepted but not JSON: {e}")))?;
            prop_assert!(value.is_object(), "{line:?}");
            for (key, field) in [("referrer", &request.referrer), ("url", &request.url), ("ua", &request.ua)] {
                prop_assert_eq!(
                    value.get(key).and_then(|v| v.as_str()),
                    field.as_deref(),
                    "{} in {:?}", key, line
                );
            }
        }
    }

    #[test]
    fn valid_requests_give_back_their_fields(
        referrer in request_field(),
        url in request_field(),
        ua in request_field(),
        present in prop::array::uniform3(any::<bool>()),
        extra in prop::option::of(("[a-z_]{1,8}", any::<i32>())),
        order in any::<u64>(),
        gaps in prop::collection::vec(space(), 16),
    ) {
        let mut members: Vec<(String, serde_json::Value)> = Vec::new();
        for ((key, value), present) in [("referrer", &referrer), ("url", &url), ("ua", &ua)].into_iter().zip(present) {
            if present || value.is_some() {
                members.push((key.to_string(), value.clone().map_or(serde_json::Value::Null, Into::into)));
            }
        }
        if let Some((key, number)) = &extra
            && !["referrer", "url", "ua"].contains(&key.as_str())
        {
            members.push((key.clone(), (*number).into()));
        }
        let len = members.len();
        members.rotate_left((order % (len as u64 + 1)) as usize);
        let mut line = format!("{}{{", gaps[0]);
        for (i, (key, value)) in members.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(&format!(
                "{}{}{}:{}{}",
                gaps[(2 * i + 1) % 16],
                serde_json::to_string(key).unwrap(),
                gaps[(2 * i + 2) % 16],
                gaps[(2 * i + 3) % 16],
                value
            ));
        }
        line.push_str(&format!("{}}}{}", gaps[14], gaps[15]));
        let request = Request::from_json(&line)
            .map_err(|e| TestCaseError::fail(format!("{line:?}: {e}")))?;
        prop_assert_eq!(request.referrer.as_deref(), referrer.as_deref(), "{}", line);
        prop_assert_eq!(request.url.as_deref(), url.as_deref(), "{}", line);
        prop_assert_eq!(request.ua.as_deref(), ua.as_deref(), "{}", line);
    }
}
