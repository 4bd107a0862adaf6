//! Parser tests: every format, malformed and hostile lines, every prefix of a valid line.

use super::*;

const COMBINED: &[u8] = br#"203.0.113.9 - - [24/Nov/2026:10:00:00 +0000] "GET /pricing?utm_source=chatgpt.com HTTP/1.1" 200 5123 "https://chatgpt.com/" "Mozilla/5.0 (X11; Linux x86_64)""#;
const TS: i64 = 1_795_514_400; // 2026-11-24T10:00:00Z

fn parse(format: LogFormat, line: &[u8]) -> Hit<'_> {
    parse_line(format, line).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(line)))
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
    let unknown = "apache".parse::<LogFormat>().unwrap_err();
    assert_eq!(unknown.to_string(), "unknown log format \"apache\"");
    assert_eq!(
        crate::error::HasKind::kind(&unknown),
        crate::error::ErrorKind::Usage
    );
}

#[test]
fn a_nul_byte_in_the_path_is_malformed_in_every_format() {
    let combined =
        br#"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET /a\x00b HTTP/1.1" 200 1 "-" "ua""#;
    assert_eq!(
        parse_line(LogFormat::Combined, combined),
        Err(ParseError::NulInPath)
    );
    let json = br#"{"time_iso8601":"2026-11-24T10:00:00+00:00","remote_addr":"1.2.3.4","request":"GET /a\u0000b HTTP/1.1","status":"200","http_referer":"","http_user_agent":"ua"}"#;
    assert_eq!(
        parse_line(LogFormat::NginxJson, json),
        Err(ParseError::NulInPath)
    );
}

#[test]
fn a_referrer_host_that_is_not_text_is_refused() {
    assert!(referrer_host_is_text(
        "https://www.example.test/p?q=\u{fffd}"
    ));
    assert!(referrer_host_is_text("www.example.test:8080/a:b"));
    assert!(!referrer_host_is_text("https://ex\u{fffd}ample.test/p"));
    assert!(!referrer_host_is_text("https://a\u{1}b.test/"));
    assert!(!referrer_host_is_text("https://a\u{85}b.test/"));
    assert!(!referrer_host_is_text("android-app://com.\u{7f}x/"));
    // Invalid bytes decoded lossily land in the host as U+FFFD.
    let raw = b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"https://ex\xffample.test/p\" \"ua\"";
    let hit = parse_line(LogFormat::Combined, raw).unwrap();
    assert!(!referrer_host_is_text(hit.referrer.as_deref().unwrap()));
    // Invalid bytes after the host (a legacy-encoded search term) are the classifier's to
    // decode, not an error.
    let term = b"1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"https://www.baidu.com/s?wd=\xc4\xe3\" \"ua\"";
    let hit = parse_line(LogFormat::Combined, term).unwrap();
    assert!(referrer_host_is_text(hit.referrer.as_deref().unwrap()));
}
