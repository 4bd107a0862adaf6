//! The referrer side of a session start: parsing the `Referer` header into a host (web
//! URL or Android app), path and query; normalising hosts; the registrable domain that names
//! a referral; and the search term a search engine's referrer carries.

use url::{Host, Url};

use super::sources::KnownSource;
use super::text::{cap, clean_value};

/// Referrers are cut to this many bytes before parsing.
const MAX_REFERRER_BYTES: usize = 4096;
/// Longest host kept (the DNS limit).
const MAX_HOST_BYTES: usize = 253;
/// Longest search term kept (bytes).
const MAX_TERM_BYTES: usize = 200;

/// A parsed referrer with a usable host.
#[derive(Debug)]
pub(super) struct Referrer {
    /// Lowercase, without port or trailing dot; an Android app's package name for
    /// `android-app://` referrers; IPv6 addresses in brackets.
    pub host: String,
    pub path: String,
    pub query: Option<String>,
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

impl Referrer {
    /// Parses a `Referer` header; None when it has no usable host. A referrer without a
    /// scheme (`www.example.com/x`) is read as `http://`.
    pub fn parse(raw: &str) -> Option<Referrer> {
        let raw = cap(raw.trim(), MAX_REFERRER_BYTES);
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
        let host = url.host_str()?.trim_end_matches('.').to_lowercase();
        if host.is_empty() {
            return None;
        }
        Some(Referrer {
            host: cap(&host, MAX_HOST_BYTES).to_string(),
            path: url.path().to_string(),
            query: url.query().map(str::to_string),
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

    /// The search term in the query, by the engine's term parameters (first non-empty one).
    /// A URL in the parameter (Google's `/url?q=https://…` redirect) is not a term.
    pub fn search_term(&self, engine: &KnownSource) -> Option<String> {
        let query = self.query.as_deref()?;
        engine.term_params().find_map(|param| {
            url::form_urlencoded::parse(query.as_bytes())
                .filter(|(key, _)| key.eq_ignore_ascii_case(param))
                .find_map(|(_, value)| clean_value(value, MAX_TERM_BYTES))
                .filter(|term| !looks_like_url(term))
        })
    }
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

fn looks_like_url(term: &str) -> bool {
    let lower = cap(term, 8).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
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
        Referrer::parse(raw).map(|r| (r.host, r.kind))
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
}
