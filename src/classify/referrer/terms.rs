//! The search term a search engine's referrer carries: in a query parameter (or the same
//! parameter in the fragment, `google.com/#q=…`, which wins), in the path (an engine's path
//! pattern, `/search/{term}`), or inside a parameter holding another URL-encoded query
//! (Google Images' `prev=/search%3Fq%3D…`); decoded in the declared, UTF-8 or the engine's
//! legacy encoding, cleaned and capped.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8};

use super::super::sources::{KnownSource, SOURCES, TermParam};
use super::super::text::{cap, clean_value};
use super::{MAX_TERM_BYTES, Referrer};

impl Referrer<'_> {
    /// The search term, by the engine's term parameters in order (the first that gives
    /// one): a query parameter, read from the fragment first (a search made on the results
    /// page, Google's `#q=`) and then the query; a path pattern's first group; a parameter
    /// holding a URL-encoded `path?query` whose query has the term under the engine's query
    /// parameters. Decoded as the referrer declares (`ie=gbk`), else as UTF-8, else in the
    /// engine's legacy encodings; cleaned and capped. A URL (Google's `/url?q=https://…`
    /// redirect) is not a term.
    pub fn search_term(&self, engine: &KnownSource<'_>) -> Option<String> {
        let query = self.query.as_deref().unwrap_or("");
        let fragment = self.fragment.as_deref().unwrap_or("");
        let declared = declared_encoding(query).or_else(|| declared_encoding(fragment));
        let decode = |raw: &str| {
            let term = decode_term(raw, declared, engine.charsets());
            clean_value(term, MAX_TERM_BYTES).filter(|term| !looks_like_url(term))
        };
        engine.term_params().find_map(|param| match param {
            TermParam::Query(name) => {
                param_term(fragment, name, decode).or_else(|| param_term(query, name, decode))
            }
            TermParam::Path(pattern) => {
                let rule = SOURCES.path_rule(pattern)?;
                let with_query;
                let haystack = match &self.query {
                    Some(q) if rule.with_query => {
                        with_query = format!("{}?{q}", self.path);
                        with_query.as_str()
                    }
                    _ => self.path.as_ref(),
                };
                let raw = rule.regex.captures(haystack)?.get(1)?.as_str();
                decode(raw)
            }
            TermParam::Nested(name) => {
                let raw = raw_values(query)
                    .find(|(key, raw)| key.eq_ignore_ascii_case(name) && !raw.is_empty())?
                    .1;
                let inner = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                let (_, inner_query) = inner.split_once('?')?;
                engine.term_params().find_map(|param| match param {
                    TermParam::Query(name) => param_term(inner_query, name, decode),
                    _ => None,
                })
            }
        })
    }
}

/// The first value of parameter `name` in `pairs` (a query or fragment) that `decode` makes
/// a term (not empty, not a URL).
fn param_term(pairs: &str, name: &str, decode: impl Fn(&str) -> Option<String>) -> Option<String> {
    if pairs.is_empty() {
        return None;
    }
    raw_values(pairs)
        .filter(|(key, raw)| key.eq_ignore_ascii_case(name) && !raw.is_empty())
        .find_map(|(_, raw)| decode(raw))
}

/// The `key=value` pairs of a query, still percent-encoded.
fn raw_values(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
}

/// Query parameters that name the encoding of the others (Google and Baidu `ie`, Yahoo
/// Japan `ei`, …).
const ENCODING_PARAMS: &[&str] = &["ie", "ei", "inputencoding", "enc", "encoding", "charset"];

fn declared_encoding(query: &str) -> Option<&'static Encoding> {
    raw_values(query)
        .filter(|(key, _)| ENCODING_PARAMS.iter().any(|p| key.eq_ignore_ascii_case(p)))
        .find_map(|(_, label)| Encoding::for_label(label.trim().as_bytes()))
}

/// A form-encoded value (`+` is a space, `%XX` a byte) decoded to text: in the declared
/// encoding if any, else UTF-8, else the first legacy encoding that decodes it without
/// error, else UTF-8 with replacement characters.
fn decode_term<'q, 'c>(
    raw: &'q str,
    declared: Option<&'static Encoding>,
    charsets: impl Iterator<Item = &'c str>,
) -> Cow<'q, str> {
    let spaced = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " "))
    } else {
        Cow::Borrowed(raw)
    };
    let bytes: Vec<u8> = percent_encoding::percent_decode_str(&spaced).collect();
    let legacy = charsets.filter_map(|label| Encoding::for_label(label.as_bytes()));
    let candidates = declared
        .into_iter()
        .chain(std::iter::once(UTF_8))
        .chain(legacy);
    for encoding in candidates {
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
        if !had_errors {
            return Cow::Owned(text.into_owned());
        }
    }
    Cow::Owned(String::from_utf8_lossy(&bytes).into_owned())
}

fn looks_like_url(term: &str) -> bool {
    let lower = cap(term, 8).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}
