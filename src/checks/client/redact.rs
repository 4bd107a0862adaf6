//! Keeping secrets out of everything aivis stores or prints about an engine call (pure). A
//! provider or proxy may echo the request's headers back, in an error body or even in a 200
//! answer, so every secret the request carried (the API key, the value of any credential
//! header, a credential in the URL) is replaced by [`REDACTED`] wherever it appears, also in
//! the spellings an echo may use: percent-encoded, form-encoded, JSON- or HTML-escaped, with
//! or without its `Bearer ` prefix. Error messages also get a generic pass that masks the value
//! after a credential's name (`authorization:`, `x-api-key:`, `"key":`, `?key=` …) even when
//! the value is not aivis's own.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use regex::{Captures, Regex};

use crate::checks::engines::{Answer, HttpRequest};

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Shortest start of a secret redacted at the very end of a text (where an adapter's length
/// cap may have cut the secret short).
const MIN_CUT_BYTES: usize = 8;

/// Words in a header or query parameter name that make its value a credential.
const CREDENTIAL_WORDS: [&str; 6] = ["auth", "key", "token", "secret", "password", "cookie"];

/// Percent-encoding that keeps RFC 3986's unreserved characters, as most encoders do.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Replaces the secrets of one request (and their encodings) with [`REDACTED`]. Its `Debug`
/// shows only how many spellings it looks for.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every spelling of every secret, matched leftmost-longest in one pass (so a replacement
    /// is never searched again).
    matcher: Option<AhoCorasick>,
    /// The same spellings, for the cut-short check at the end of a text.
    spellings: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("spellings", &self.spellings.len())
            .finish()
    }
}

impl Redactor {
    /// A redactor for these secret values (empty ones are ignored; short ones are redacted
    /// too, where they appear exactly).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Redactor {
        let mut spellings: Vec<String> = secrets.into_iter().flat_map(spellings).collect();
        spellings.sort_unstable();
        spellings.dedup();
        if spellings.is_empty() {
            return Redactor::default();
        }
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&spellings)
            .expect("literal patterns of bounded size always build");
        Redactor {
            matcher: Some(matcher),
            spellings,
        }
    }

    /// The secrets `request` carries: `api_key`, the value of every header whose name names a
    /// credential (`authorization`, `x-api-key`, `x-goog-api-key`, …), and the URL's password
    /// and credential query parameters.
    pub fn for_request(api_key: Option<&str>, request: &HttpRequest) -> Redactor {
        let mut secrets: Vec<String> = api_key.map(str::to_string).into_iter().collect();
        for (name, value) in &request.headers {
            if names_credential(name) {
                secrets.push(value.clone());
            }
        }
        if let Ok(url) = url::Url::parse(&request.url) {
            secrets.extend(url.password().map(str::to_string));
            for (name, value) in url.query_pairs() {
                if names_credential(&name) {
                    secrets.push(value.into_owned());
                }
            }
        }
        Redactor::new(secrets.iter().map(String::as_str))
    }

    /// `text` with every spelling of every secret replaced, and a secret's start (at least
    /// 8 bytes) that ends the text, as a length cap leaves it.
    pub fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut text: Cow<'t, str> = match &self.matcher {
            Some(matcher) if matcher.is_match(text) => {
                let replacements = vec![REDACTED; self.spellings.len()];
                matcher.replace_all(text, &replacements).into()
            }
            _ => text.into(),
        };
        if let Some(cut) = self.cut_tail(&text) {
            let kept = text.len() - cut;
            text = format!("{}{REDACTED}", &text[..kept]).into();
        }
        text
    }

    /// The length of the longest proper start of a spelling (of at least [`MIN_CUT_BYTES`])
    /// that ends `text`.
    fn cut_tail(&self, text: &str) -> Option<usize> {
        self.spellings
            .iter()
            .flat_map(|spelling| {
                (MIN_CUT_BYTES..spelling.len())
                    .rev()
                    .filter(|&len| spelling.is_char_boundary(len))
                    .find(|&len| text.ends_with(&spelling[..len]))
            })
            .max()
    }

    /// An error message fit to store and print: credentials after their names masked, the
    /// secrets replaced, then capped at `max_bytes` (after redaction, so that the cap can
    /// never leave half a key behind).
    pub fn error(&self, message: &str, max_bytes: usize) -> String {
        let masked = mask_credentials(message);
        let redacted = self.redact(&masked);
        crate::classify::cap(&redacted, max_bytes).to_string()
    }

    /// An answer with the secrets replaced in its text, model and citations (a proxy can echo
    /// them in a 200 too). Only aivis's own secrets: the answer text is the data measured.
    pub fn answer(&self, mut answer: Answer) -> Answer {
        let redact = |text: &mut String| {
            if let Cow::Owned(clean) = self.redact(text) {
                *text = clean;
            }
        };
        redact(&mut answer.text);
        if let Some(model) = &mut answer.model {
            redact(model);
        }
        answer.citations.iter_mut().for_each(redact);
        answer
    }
}

/// Whether a header or query parameter name names a credential.
fn names_credential(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    CREDENTIAL_WORDS.iter().any(|word| name.contains(word))
}

/// The spellings a secret may be echoed in: as sent, trimmed, percent-encoded (strict and
/// RFC 3986 unreserved-keeping, upper- and lowercase hex), form-encoded, JSON-escaped (with
/// and without `\/`) and HTML-escaped. Nothing for an empty secret.
fn spellings(secret: &str) -> Vec<String> {
    let mut out = Vec::new();
    for value in [secret, secret.trim()] {
        if value.is_empty() {
            continue;
        }
        out.push(value.to_string());
        for set in [NON_ALPHANUMERIC, COMPONENT] {
            let encoded = utf8_percent_encode(value, set).to_string();
            out.push(lowercase_hex(&encoded));
            out.push(encoded);
        }
        out.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
        let json = serde_json::to_string(value).unwrap_or_default();
        let json = json.trim_matches('"');
        out.push(json.replace('/', "\\/"));
        out.push(json.to_string());
        out.push(
            value
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\'', "&#39;"),
        );
    }
    out
}

/// `%2d` for `%2D`: percent-encoding's hex digits in lowercase.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A credential's name, its separator (`:` or `=`, quotes and an opening `[` around them),
/// and its value: quoted, or a word with an optional `Bearer`/`Basic`/`Token` scheme.
static CREDENTIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?xi)
        (?P<name>
            \b(?:proxy-)?authorization | \bx-goog-api-key | \bx-api-key | \bapi[-_]?key
          | \baccess[-_]?token | "key" | 'key' | [?&]key
        )
        (?P<sep> ["']? \s* [:=] \s* (?: \[ \s* )? )
        (?:
            (?P<dq> " (?: [^"\\] | \\. )* " )
          | (?P<sq> ' [^']* ' )
          | (?P<scheme> (?: bearer | basic | token ) \s+ )? [^\s"',;&<>{}\[\]]+
        )"#,
    )
    .expect("the credential pattern is valid")
});

/// Masks the value after every credential's name in `text`: `authorization: Bearer x` →
/// `authorization: Bearer [redacted]`, `"x-api-key": "x"` → `"x-api-key": "[redacted]"`,
/// `?key=x` → `?key=[redacted]`. For error messages, whoever the credential belongs to.
pub fn mask_credentials(text: &str) -> Cow<'_, str> {
    CREDENTIAL.replace_all(text, |caps: &Captures<'_>| {
        let value = if caps.name("dq").is_some() {
            format!("\"{REDACTED}\"")
        } else if caps.name("sq").is_some() {
            format!("'{REDACTED}'")
        } else {
            let scheme = caps.name("scheme").map_or("", |m| m.as_str());
            format!("{scheme}{REDACTED}")
        };
        format!("{}{}{value}", &caps["name"], &caps["sep"])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::Method;

    const KEY: &str = "sk-test-SECRET/7f3a+9c";

    fn request(headers: &[(&str, &str)], url: &str) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: None,
        }
    }

    #[test]
    fn every_spelling_of_the_key_is_redacted() {
        let redactor = Redactor::new([KEY]);
        for echoed in [
            KEY.to_string(),
            format!("Bearer {KEY}"),
            "sk-test-SECRET%2F7f3a%2B9c".to_string(),
            "sk%2Dtest%2DSECRET%2F7f3a%2B9c".to_string(),
            "sk%2dtest%2dSECRET%2f7f3a%2b9c".to_string(),
            "sk-test-SECRET\\/7f3a+9c".to_string(),
        ] {
            let text = format!("echo: {echoed} (end)");
            let redacted = redactor.redact(&text);
            assert!(redacted.contains(REDACTED), "{text} -> {redacted}");
            assert!(!redacted.contains("SECRET"), "{text} -> {redacted}");
            assert!(redacted.ends_with(" (end)"), "{redacted}");
        }
        assert_eq!(redactor.redact("nothing here"), "nothing here");
        assert!(matches!(redactor.redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_request_names_its_secrets() {
        let request = request(
            &[
                ("authorization", &format!("Bearer {KEY}")),
                ("x-goog-api-key", "AIzaOTHER123456"),
                ("anthropic-version", "2023-06-01"),
            ],
            "https://u:pa55word@search.test/q?q=best+crm&api_token=tok-987654&lang=en",
        );
        let redactor = Redactor::for_request(Some(KEY), &request);
        let text = format!(
            "Bearer {KEY}; AIzaOTHER123456; tok-987654; pa55word; 2023-06-01; best crm; en"
        );
        assert_eq!(
            redactor.redact(&text),
            "[redacted]; [redacted]; [redacted]; [redacted]; 2023-06-01; best crm; en"
        );
        assert!(!format!("{redactor:?}").contains("SECRET"));
    }

    #[test]
    fn a_key_cut_short_at_the_end_of_a_text_is_redacted() {
        let redactor = Redactor::new([KEY]);
        assert_eq!(
            redactor.redact("capped echo: Bearer sk-test-SEC"),
            "capped echo: Bearer [redacted]"
        );
        assert_eq!(
            redactor.redact("capped echo: sk-test-S"),
            "capped echo: [redacted]"
        );
        // Fewer than 8 bytes of it, or not at the end: left alone.
        assert_eq!(redactor.redact("ends with sk-test"), "ends with sk-test");
        assert_eq!(redactor.redact("sk-test-S and more"), "sk-test-S and more");
    }

    #[test]
    fn short_keys_are_redacted_where_they_appear_exactly() {
        let redactor = Redactor::new(["k3y", "", "  "]);
        assert_eq!(redactor.redact("a k3y, k3ys"), "a [redacted], [redacted]s");
        assert_eq!(Redactor::new([""]).redact("anything"), "anything");
    }

    #[test]
    fn credentials_after_their_names_are_masked_whoever_owns_them() {
        for (text, masked) in [
            (
                "authorization: Bearer abc.def-123",
                "authorization: Bearer [redacted]",
            ),
            (
                "Authorization=Basic dXNlcjpwYXNz",
                "Authorization=Basic [redacted]",
            ),
            (
                r#"{"x-api-key": "sk-ant-xyz", "host": "a"}"#,
                r#"{"x-api-key": "[redacted]", "host": "a"}"#,
            ),
            (
                r#"{"X-Goog-Api-Key":["AIza123"]}"#,
                r#"{"X-Goog-Api-Key":["[redacted]"]}"#,
            ),
            ("api-key: 0123456789abcdef", "api-key: [redacted]"),
            ("API_KEY=zzz; next", "API_KEY=[redacted]; next"),
            (r#"{"key": "AIzaSy-1"}"#, r#"{"key": "[redacted]"}"#),
            (
                "GET /v1/models?key=AIza456&alt=json",
                "GET /v1/models?key=[redacted]&alt=json",
            ),
            ("access_token='t0k'", "access_token='[redacted]'"),
        ] {
            assert_eq!(mask_credentials(text), masked, "{text}");
        }
        // Prose without a separator, and other keys, stay as they are.
        for text in [
            "Missing Authorization header",
            "invalid x-api-key",
            "monkey=1 turkey: 2",
            "the keys: a, b",
        ] {
            assert_eq!(mask_credentials(text), text);
        }
    }

    #[test]
    fn errors_are_masked_redacted_then_capped() {
        let redactor = Redactor::new([KEY]);
        // The key straddles the cap: redacted first, no half of it survives.
        let message = format!("{}{KEY} more", "x".repeat(292));
        let error = redactor.error(&message, 300);
        assert_eq!(error.len(), 300);
        assert!(!error.contains("sk-"), "{error}");
        assert!(error.ends_with("[redacte"), "{error}");
        let error = redactor.error("proxy: authorization: Bearer other-key-99; echo sk", 300);
        assert_eq!(error, "proxy: authorization: Bearer [redacted]; echo sk");
    }

    #[test]
    fn answers_lose_the_key_in_text_model_and_citations() {
        let redactor = Redactor::new([KEY]);
        let answer = redactor.answer(Answer {
            text: format!("Acme is best. You sent Bearer {KEY}."),
            model: Some(format!("proxy-{KEY}")),
            citations: vec![
                format!("https://proxy.test/?key={}", "sk-test-SECRET%2F7f3a%2B9c"),
                "https://acme.test/".into(),
            ],
            usage: None,
        });
        assert_eq!(answer.text, "Acme is best. You sent Bearer [redacted].");
        assert_eq!(answer.model.as_deref(), Some("proxy-[redacted]"));
        assert_eq!(
            answer.citations,
            ["https://proxy.test/?key=[redacted]", "https://acme.test/"]
        );
    }
}
