//! The referrer side of a session start: parsing the `Referer` header into a host (web
//! URL or Android app), path, query and fragment; normalising hosts; the registrable domain
//! that names a referral. The search term a search engine's referrer carries is read in
//! `terms` ([`Referrer::search_term`]).

mod terms;

use std::borrow::Cow;

use url::{Host, Url};

use super::text::cap;

/// Referrers are cut to this many bytes before parsing.
const MAX_REFERRER_BYTES: usize = 4096;
/// Longest host kept (the DNS limit).
const MAX_HOST_BYTES: usize = 253;
/// Longest search term kept (bytes).
const MAX_TERM_BYTES: usize = 200;

/// A parsed referrer with a usable host.
#[derive(Debug)]
pub(super) struct Referrer<'a> {
    /// Lowercase, without port or trailing dot; an Android app's package name for
    /// `android-app://` referrers; IPv6 addresses in brackets.
    pub host: Cow<'a, str>,
    pub path: Cow<'a, str>,
    pub query: Option<Cow<'a, str>>,
    /// After `#`, as sent (only read for search terms).
    pub fragment: Option<Cow<'a, str>>,
    pub kind: HostKind,
}

/// What a referrer's host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HostKind {
    Domain,
    Ip,
    /// `android-app://<package>/`.
    AndroidApp,
}

impl<'a> Referrer<'a> {
    /// Parses a `Referer` header; None when it has no usable host. A referrer without a
    /// scheme (`www.example.com/x`) is read as `http://`.
    pub fn parse(raw: &'a str) -> Option<Referrer<'a>> {
        let raw = cap(raw.trim(), MAX_REFERRER_BYTES);
        Referrer::parse_plain(raw).or_else(|| Referrer::parse_with_url(raw))
    }

    /// The common case without the url crate (a third of `classify --batch`'s time):
    /// `http(s)://host[:port][/path][?query][#fragment]` with a lowercase-able ASCII name of
    /// letters, digits, hyphens and dots, and a path the url crate would keep as it is.
    /// None for anything else, which [`Referrer::parse_with_url`] then reads; a test checks
    /// that both agree wherever this one answers.
    fn parse_plain(raw: &'a str) -> Option<Referrer<'a>> {
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"))?;
        if raw
            .bytes()
            .any(|b| b.is_ascii_control() || b == b' ' || b == b'\\')
        {
            return None;
        }
        let end = rest
            .bytes()
            .position(|b| matches!(b, b'/' | b'?' | b'#'))
            .unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host = match authority.split_once(':') {
            Some((host, port)) => {
                port.parse::<u16>().ok()?;
                host
            }
            None => authority,
        };
        let bytes = host.as_bytes();
        let plain_name = !bytes.is_empty()
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
            && bytes[0] != b'.'
            // Empty labels and punycode (which the url crate validates) go the long way.
            && !bytes.windows(2).any(|w| w == b".." || w == b"--")
            // Read as an IPv4 address by the url crate, and refused unless it is one.
            && !ends_in_a_number(host);
        if !plain_name || host.len() > MAX_HOST_BYTES {
            return None;
        }
        let (tail, fragment) = match memchr::memchr(b'#', tail.as_bytes()) {
            Some(hash) => (&tail[..hash], Some(&tail[hash + 1..])),
            None => (tail, None),
        };
        let (path, query) = match memchr::memchr(b'?', tail.as_bytes()) {
            Some(q) => (&tail[..q], Some(&tail[q + 1..])),
            None => (tail, None),
        };
        let path_kept = path.bytes().all(|b| PLAIN_PATH[usize::from(b)])
            && !has_dot_segment(path.as_bytes())
            && !has_encoded_dot(path.as_bytes());
        let query_kept = query.is_none_or(|q| q.bytes().all(|b| PLAIN_QUERY[usize::from(b)]));
        if !path_kept || !query_kept {
            return None;
        }
        let host = host.trim_end_matches('.');
        if host.is_empty() {
            return None;
        }
        let host = if host.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(host.to_ascii_lowercase())
        } else {
            Cow::Borrowed(host)
        };
        Some(Referrer {
            host,
            path: Cow::Borrowed(if path.is_empty() { "/" } else { path }),
            query: query.map(Cow::Borrowed),
            fragment: fragment.map(Cow::Borrowed),
            kind: HostKind::Domain,
        })
    }

    fn parse_with_url(raw: &str) -> Option<Referrer<'a>> {
        let url = match Url::parse(raw) {
            Err(url::ParseError::RelativeUrlWithoutBase) if starts_with_domain(raw) => {
                Url::parse(&format!("http://{raw}")).ok()?
            }
            parsed => parsed.ok()?,
        };
        let kind = match url.host()? {
            _ if url.scheme() == "android-app" => HostKind::AndroidApp,
            Host::Domain(_) => HostKind::Domain,
            Host::Ipv4(_) | Host::Ipv6(_) => HostKind::Ip,
        };
        // The url crate lowercases and punycodes web hosts; app package names come as sent.
        let host = url.host_str()?.to_lowercase();
        // Cut, then trimmed: a cut may end on a dot.
        let host = cap(&host, MAX_HOST_BYTES).trim_end_matches('.');
        if host.is_empty() {
            return None;
        }
        Some(Referrer {
            host: Cow::Owned(host.to_string()),
            path: Cow::Owned(url.path().to_string()),
            query: url.query().map(|q| Cow::Owned(q.to_string())),
            fragment: url.fragment().map(|f| Cow::Owned(f.to_string())),
            kind,
        })
    }

    /// The source naming a referral: the registrable domain (`blog.example.org` →
    /// `example.org`); an address or app package as it is.
    pub fn registrable_domain(&self) -> &str {
        match self.kind {
            HostKind::Domain => psl::domain_str(&self.host).unwrap_or(&self.host),
            HostKind::Ip | HostKind::AndroidApp => &self.host,
        }
    }
}

/// WHATWG's "ends in a number": the last label (before a trailing dot) is decimal digits or
/// `0x` and hex digits. The url crate parses such a host as an IPv4 address (`a.0` fails).
fn ends_in_a_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or(host);
    let hex = last
        .strip_prefix("0x")
        .or_else(|| last.strip_prefix("0X"))
        .is_some_and(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()));
    !last.is_empty() && (hex || last.bytes().all(|b| b.is_ascii_digit()))
}

/// A `.` or `..` segment, which the url crate would resolve.
fn has_dot_segment(path: &[u8]) -> bool {
    path.iter().enumerate().any(|(i, &b)| {
        let dot_starts_segment = b == b'.' && i > 0 && path[i - 1] == b'/';
        let rest = &path[i + 1..];
        dot_starts_segment
            && (rest.is_empty()
                || rest[0] == b'/'
                || (rest[0] == b'.' && (rest.len() == 1 || rest[1] == b'/')))
    })
}

/// `%2e` in any case: the url crate reads a segment of it as a dot segment.
fn has_encoded_dot(path: &[u8]) -> bool {
    path.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'2' && w[2].eq_ignore_ascii_case(&b'e'))
}

/// Bytes the url crate keeps as they are in a path, and in a query.
const PLAIN_PATH: [bool; 256] = byte_set(b"-._~!$&'()*+,;=:@/%");
const PLAIN_QUERY: [bool; 256] = byte_set(b"-._~!$&()*+,;=:@/?%");

/// ASCII letters and digits plus `extra`.
const fn byte_set(extra: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut b = 0;
    while b < 256 {
        set[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        set[extra[i] as usize] = true;
        i += 1;
    }
    set
}

/// `www.example.com/x`: a dotted name of letters, digits and hyphens before the first `/`.
fn starts_with_domain(raw: &str) -> bool {
    let name = raw.split(['/', '?', '#']).next().unwrap_or("");
    name.contains('.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// A host as configured or as sent: lowercase, without a trailing dot, port, scheme or path.
/// Accepts `Example.COM`, `example.com:8080`, `https://example.com/` and `[::1]:80`.
pub(super) fn normalise_host(text: &str) -> String {
    let text = text.trim();
    let parsed = if text.contains("://") {
        Url::parse(text)
    } else {
        Url::parse(&format!("http://{text}"))
    };
    let host = match &parsed {
        Ok(url) => url.host_str().unwrap_or(text),
        Err(_) => text,
    };
    host.trim_end_matches('.').to_lowercase()
}

/// True when `host` is `domain` or one of its subdomains.
pub(super) fn is_within(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(raw: &str) -> Option<(String, HostKind)> {
        Referrer::parse(raw).map(|r| (r.host.into_owned(), r.kind))
    }

    #[test]
    fn hosts_are_normalised() {
        let domain = |h: &str| Some((h.to_string(), HostKind::Domain));
        assert_eq!(host("HTTPS://WWW.Google.COM./x"), domain("www.google.com"));
        assert_eq!(
            host("https://www.google.com:8443/"),
            domain("www.google.com")
        );
        assert_eq!(host("www.example.com/page"), domain("www.example.com"));
        assert_eq!(
            host("https://bücher.example/"),
            domain("xn--bcher-kva.example")
        );
        assert_eq!(
            host("http://[2001:DB8::1]:80/"),
            Some(("[2001:db8::1]".to_string(), HostKind::Ip))
        );
        assert_eq!(
            host("android-app://com.Google.Android.GM/"),
            Some(("com.google.android.gm".to_string(), HostKind::AndroidApp))
        );
        // Cut to the DNS limit where a label ends: the dot goes too.
        let long = format!("https://{}/", vec!["a".repeat(22); 12].join("."));
        let (cut, _) = host(&long).unwrap();
        assert_eq!(cut.len(), 252);
        assert!(cut.ends_with('a'));
    }

    /// The fast path answers exactly as the url crate would, wherever it answers.
    #[test]
    fn plain_parse_agrees_with_the_url_crate() {
        let samples = [
            "https://www.google.com/",
            "https://www.google.com",
            "http://www.Google.COM./search?q=a+b&ie=UTF-8",
            "https://www.bing.com/search?q=acme%20widgets&form=QBLH",
            "https://x.com/i/grok?conversation=1",
            "https://news.ycombinator.com/item?id=1#comments",
            "https://example.com:8443/a/b;c=d/e~f",
            "https://example.com:443/",
            "https://example.com/a%2Fb/%E4%B8%AD",
            "https://example.com/?q=\"quoted\"&x=<y>",
            "https://example.com/?q=%",
            "https://a-b.c-d.example/path/",
            "https://localhost/",
            "https://example.com./",
            "https://chatgpt.com.evil.test/",
            "https://www.perplexity.ai/search/what-is-acme-Ab1.Cd2",
            "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.acme.test%2F&h=AT0",
            "https://example.com/a?b?c",
            "https://example.com/a'b(c)*!$",
            "https://example.com/#frag?not=query",
            "https://example.com/a/.b/..c/",
            "https://example.com/.well-known/x",
        ];
        let mut answered = 0;
        for raw in samples {
            let Some(plain) = Referrer::parse_plain(raw) else {
                continue;
            };
            answered += 1;
            let full = Referrer::parse_with_url(raw).expect(raw);
            assert_eq!(
                (&plain.host, &plain.path, &plain.query, plain.kind),
                (&full.host, &full.path, &full.query, full.kind),
                "{raw}"
            );
        }
        assert!(
            answered >= samples.len() - 2,
            "fast path answered {answered}"
        );
        // The long way: IDN, IPs, userinfo, odd schemes, dot segments, spaces, non-ASCII.
        for raw in [
            "https://bücher.example/",
            "https://xn--bcher-kva.example/",
            "http://192.0.2.7/",
            "http://[2001:db8::1]/",
            "https://user@example.com/",
            "HTTPS://example.com/",
            "android-app://com.google.android.gm/",
            "https://example.com/a/../b",
            "https://example.com/a/./b",
            "https://example.com/a/..",
            "https://example.com/a/.",
            "https://example.com/a b",
            "https://example.com/é",
            "https://example.com/?q=é",
            "https://example.com:99999/",
            "https://exa_mple.com/",
            "http://a.0/",
            "http://example.123./",
            "http://example.0x1f/",
            "https://example.com/a/%2E/b",
            "https://example.com/%2e%2E",
        ] {
            assert!(Referrer::parse_plain(raw).is_none(), "{raw}");
        }
    }

    #[test]
    fn referrers_without_a_host_are_none() {
        for raw in [
            "",
            "-",
            "not a url",
            "http://[::1",
            "about:blank",
            "file:///etc/x",
        ] {
            assert!(Referrer::parse(raw).is_none(), "{raw:?}");
        }
    }

    /// Terms in the legacy encodings the engines' lists name, declared or not.
    #[test]
    fn legacy_encoded_search_terms_are_decoded() {
        use crate::classify::sources::SOURCES;
        let term = |raw: &str| {
            let referrer = Referrer::parse(raw).unwrap();
            let engine = SOURCES.by_host(&referrer.host, &referrer.path).unwrap();
            referrer.search_term(&engine)
        };
        // Baidu in GBK, undeclared and declared; and in UTF-8.
        assert_eq!(
            term("https://www.baidu.com/s?wd=%C4%E3%BA%C3").as_deref(),
            Some("你好")
        );
        assert_eq!(
            term("https://www.baidu.com/s?ie=gbk&wd=%C4%E3%BA%C3+abc").as_deref(),
            Some("你好 abc")
        );
        assert_eq!(
            term("https://www.baidu.com/s?ie=utf-8&wd=%E4%BD%A0%E5%A5%BD").as_deref(),
            Some("你好")
        );
        // Yahoo! Japan: EUC-JP, or Shift_JIS (ms932), or declared with `ei`.
        assert_eq!(
            term("https://search.yahoo.co.jp/search?p=%B8%A1%BA%F7").as_deref(),
            Some("検索")
        );
        assert_eq!(
            term("https://search.yahoo.co.jp/search?p=%8C%9F%8D%F5&ei=Shift_JIS").as_deref(),
            Some("検索")
        );
        // Mail.ru in windows-1251; Nate in EUC-KR.
        assert_eq!(
            term("https://go.mail.ru/search?q=%EF%EE%E8%F1%EA").as_deref(),
            Some("поиск")
        );
        assert_eq!(
            term("https://search.nate.com/search/all.html?q=%C7%D1%B1%B9").as_deref(),
            Some("한국")
        );
        // An engine without legacy encodings keeps replacement characters for bad bytes.
        assert_eq!(
            term("https://www.bing.com/search?q=a%FFb").as_deref(),
            Some("a\u{FFFD}b")
        );
    }

    fn term_of(raw: &str) -> Option<String> {
        use crate::classify::sources::SOURCES;
        let referrer = Referrer::parse(raw).unwrap();
        let engine = SOURCES.by_host(&referrer.host, &referrer.path).unwrap();
        referrer.search_term(&engine)
    }

    #[test]
    fn fragments_are_kept_apart() {
        let parts = |raw: &str| {
            let r = Referrer::parse(raw).unwrap();
            (
                r.path.into_owned(),
                r.query.map(Cow::into_owned),
                r.fragment.map(Cow::into_owned),
            )
        };
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            parts("https://www.google.com/#q=a"),
            ("/".into(), None, some("q=a"))
        );
        assert_eq!(
            parts("https://www.google.com/webhp?hl=en#q=a&b"),
            ("/webhp".into(), some("hl=en"), some("q=a&b"))
        );
        assert_eq!(parts("https://example.com/#"), ("/".into(), None, some("")));
        // The long way (the url crate) keeps it too.
        assert_eq!(
            parts("https://bücher.example/s?x=1#q=é"),
            ("/s".into(), some("x=1"), some("q=%C3%A9"))
        );
    }

    #[test]
    fn terms_in_fragment_path_and_nested_query() {
        assert_eq!(
            term_of("https://www.google.com/#q=a+b").as_deref(),
            Some("a b")
        );
        assert_eq!(
            term_of("https://www.google.com/?q=old#q=new").as_deref(),
            Some("new")
        );
        assert_eq!(
            term_of("https://www.google.com/?q=kept#x=1").as_deref(),
            Some("kept")
        );
        assert_eq!(term_of("https://www.google.com/#q=").as_deref(), None);
        // A URL is not a term, in the fragment either.
        assert_eq!(
            term_of("https://www.google.com/#q=https://x.test/").as_deref(),
            None
        );
        // The fragment's declared encoding counts when the query declares none.
        assert_eq!(
            term_of("https://www.baidu.com/s#ie=gbk&wd=%C4%E3%BA%C3").as_deref(),
            Some("你好")
        );
        // Path patterns: group 1, decoded; only the path unless the pattern names `?`.
        assert_eq!(
            term_of("http://www.gomeo.com/search/caf%C3%A9+au+lait?x=1").as_deref(),
            Some("café au lait")
        );
        assert_eq!(
            term_of("http://search.seesaa.jp/acme/index.html").as_deref(),
            Some("acme")
        );
        assert_eq!(
            term_of("http://www.lookany.com/images/acme").as_deref(),
            Some("acme")
        );
        assert_eq!(
            term_of("http://www.gomeo.com/?x=/search/acme").as_deref(),
            None
        );
        // Nested: prev= holds /search?q=…, the engine's own parameters are read in it.
        assert_eq!(
            term_of(
                "https://images.google.de/imgres?imgurl=x&prev=%2Fsearch%3Fq%3Dschuhe%26hl%3Dde"
            )
            .as_deref(),
            Some("schuhe")
        );
        assert_eq!(
            term_of("https://images.google.de/imgres?q=direct&prev=%2Fsearch%3Fq%3Dnested")
                .as_deref(),
            Some("direct")
        );
        assert_eq!(
            term_of(
                "https://images.google.de/imgres?prev=%2Fsearch%3Fprev%3D%252Fsearch%253Fq%253Dx"
            )
            .as_deref(),
            None,
            "one level only"
        );
    }

    #[test]
    fn registrable_domains() {
        let domain = |raw: &str| {
            Referrer::parse(raw)
                .unwrap()
                .registrable_domain()
                .to_string()
        };
        assert_eq!(domain("https://blog.example.org/post"), "example.org");
        assert_eq!(domain("https://news.ycombinator.com/"), "ycombinator.com");
        assert_eq!(domain("https://a.b.example.co.uk/"), "example.co.uk");
        assert_eq!(domain("http://192.0.2.7:8080/"), "192.0.2.7");
        assert_eq!(domain("http://localhost:3000/"), "localhost");
        assert_eq!(
            domain("android-app://com.example.reader/"),
            "com.example.reader"
        );
    }

    #[test]
    fn configured_hosts_are_normalised() {
        assert_eq!(normalise_host(" WWW.Acme.TEST. "), "www.acme.test");
        assert_eq!(normalise_host("acme.test:8080"), "acme.test");
        assert_eq!(normalise_host("https://acme.test/path"), "acme.test");
        assert_eq!(normalise_host("bücher.example"), "xn--bcher-kva.example");
    }

    #[test]
    fn within_is_at_dot_boundaries() {
        assert!(is_within("acme.test", "acme.test"));
        assert!(is_within("shop.acme.test", "acme.test"));
        assert!(!is_within("notacme.test", "acme.test"));
        assert!(!is_within("acme.test.evil.test", "acme.test"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Web URLs put together from the parts the fast path decides on, some of them parts
        /// it must leave to the url crate.
        fn web_url() -> impl Strategy<Value = String> {
            let label = prop_oneof!["[a-zA-Z0-9]{1,12}", "[a-z0-9-]{1,12}", "xn--[a-z0-9]{1,8}"];
            let host = prop::collection::vec(label, 1..5).prop_map(|labels| labels.join("."));
            let segment = prop_oneof![
                "[a-zA-Z0-9._~!$&'()*+,;=:@-]{0,10}",
                Just(".".to_string()),
                Just("..".to_string()),
                "%[0-9A-Fa-f]{2}",
                "[ \\\"<>é]",
            ];
            let path =
                prop::collection::vec(segment, 0..4).prop_map(|s| format!("/{}", s.join("/")));
            let query = prop::option::of("[a-zA-Z0-9._~!$&()*+,;=:@/?%'<>\" -]{0,20}");
            (
                prop_oneof![Just("http"), Just("https"), Just("HTTPS")],
                host,
                prop::option::of(prop_oneof![0u32..70_000, Just(443)]),
                prop::option::of(path),
                query,
                prop::option::of("[a-z]{0,5}"),
                prop::bool::ANY,
            )
                .prop_map(|(scheme, host, port, path, query, fragment, dot)| {
                    let mut url = format!("{scheme}://{host}{}", if dot { "." } else { "" });
                    if let Some(port) = port {
                        url.push_str(&format!(":{port}"));
                    }
                    url.push_str(path.as_deref().unwrap_or(""));
                    if let Some(query) = query {
                        url.push('?');
                        url.push_str(&query);
                    }
                    if let Some(fragment) = fragment {
                        url.push('#');
                        url.push_str(&fragment);
                    }
                    url
                })
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config())]

            /// Any text: no panic, and a host is what the type promises: lowercase (ASCII),
            /// without a trailing dot, within the DNS limit.
            #[test]
            fn any_referrer_parses_or_not_without_panic(raw in prop_oneof![
                any::<String>(),
                web_url(),
                // Longer than a host may be: cut to the limit.
                ("[a-z]{1,63}", 1usize..40).prop_map(|(label, n)| format!("https://{}/", vec![label; n].join("."))),
            ]) {
                if let Some(referrer) = Referrer::parse(&raw) {
                    let host = referrer.host.as_ref();
                    prop_assert!(!host.is_empty());
                    prop_assert!(host.len() <= MAX_HOST_BYTES, "{} bytes", host.len());
                    prop_assert!(!host.bytes().any(|b| b.is_ascii_uppercase()), "{host}");
                    prop_assert!(!host.ends_with('.'), "{host}");
                    prop_assert!(referrer.registrable_domain().len() <= host.len());
                }
            }

            /// Search terms from any query, fragment, path or nested value: no panic, and
            /// within the cap without control characters.
            #[test]
            fn any_search_referrer_gives_a_clean_term_or_none(
                engine in prop_oneof![
                    Just("https://www.google.com/search"),
                    Just("https://images.google.com/imgres"),
                    Just("http://www.gomeo.com/search/"),
                    Just("http://1.cz/s/"),
                    Just("http://webcache.googleusercontent.com/search"),
                    Just("https://www.baidu.com/s"),
                ],
                tail in prop_oneof![
                    any::<String>(),
                    "[?#&=%/a-zA-Z0-9+]{0,60}",
                    "(\\?|#)(q|wd|prev)=(%[0-9A-Fa-f]{2}|[a-z/?&=+#%]){0,40}",
                ],
            ) {
                let raw = format!("{engine}{tail}");
                if let Some(referrer) = Referrer::parse(&raw) {
                    let known = crate::classify::sources::SOURCES
                        .by_host(&referrer.host, &referrer.path);
                    if let Some(engine) = known
                        && let Some(term) = referrer.search_term(&engine)
                    {
                        prop_assert!(!term.is_empty() && term.len() <= MAX_TERM_BYTES);
                        prop_assert!(!term.chars().any(char::is_control), "{term:?}");
                    }
                }
            }

            /// The fast path answers exactly as the url crate would, wherever it answers.
            #[test]
            fn plain_parse_agrees_with_the_url_crate(raw in web_url()) {
                if let Some(plain) = Referrer::parse_plain(&raw) {
                    let full = Referrer::parse_with_url(&raw);
                    prop_assert!(full.is_some(), "{raw}");
                    let full = full.unwrap();
                    prop_assert_eq!(
                        (&plain.host, &plain.path, &plain.query, plain.kind),
                        (&full.host, &full.path, &full.query, full.kind),
                        "{}", raw
                    );
                }
            }
        }
    }
}
