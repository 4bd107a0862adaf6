//! `html`: a web page fetched from the engine's `url_template` (`GET`, `{query}` replaced by
//! the percent-encoded prompt) and scraped with CSS selectors (`scraper`): the text of the
//! `answer_selector` matches and the `href` of the `link_selector` matches, resolved against
//! the page URL. There is no provider API: the page's markup is the contract, so a selector
//! that stops matching is reported as a missing answer, not as an empty one. Parsing a page
//! (up to 8 MiB) is CPU work: `checks::client` runs it on a blocking thread.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::{Answer, EngineSpec, HttpRequest, Method, ParseError, dedup_urls};
use crate::error::{ErrorKind, HasKind};

/// Characters escaped in the prompt: all but RFC 3986's unreserved ones, so a space is `%20`,
/// which reads the same in a query and in a path.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Most characters of answer text kept from a page (pages are untrusted).
const MAX_TEXT_CHARS: usize = 100_000;
/// Most links kept from a page.
const MAX_LINKS: usize = 200;
/// Elements whose content is not visible text.
const HIDDEN: [&str; 5] = ["head", "noscript", "script", "style", "template"];
/// Elements whose text does not run into their neighbours'.
const BLOCKS: [&str; 29] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "td",
    "th",
    "tr",
];

/// `GET` of `url_template` with `{query}` replaced by the percent-encoded prompt; no headers
/// (the client sets the user agent).
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    let template = spec.url_template.as_deref().unwrap_or_default();
    let query = utf8_percent_encode(prompt, QUERY).to_string();
    HttpRequest {
        method: Method::Get,
        url: template.replace("{query}", &query),
        headers: Vec::new(),
        body: None,
    }
}

/// A configured selector that is not CSS this adapter can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CSS selector {selector:?}: {reason}")]
pub struct SelectorError {
    pub selector: String,
    pub reason: String,
}

impl HasKind for SelectorError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// Checks that `selector` is a CSS selector this adapter can use (for config validation).
pub fn check_selector(selector: &str) -> Result<(), SelectorError> {
    parse_selector(selector).map(drop)
}

/// Scrapes the page: the answer text is each `answer_selector` match's visible text,
/// whitespace collapsed, one match a line; the citations are the `href`s of the
/// `link_selector` matches, resolved, http(s) only, without duplicates.
pub fn parse_response(spec: &EngineSpec, body: &[u8]) -> Result<Answer, ParseError> {
    let answer_selector = selector(spec.answer_selector.as_deref())?;
    let link_selector = selector(spec.link_selector.as_deref())?;
    if answer_selector.is_none() && link_selector.is_none() {
        return Err(ParseError::Invalid(
            "an html engine needs answer_selector, link_selector or both".into(),
        ));
    }
    let document = Html::parse_document(&String::from_utf8_lossy(body));
    let text = answer_selector
        .as_ref()
        .map(|s| answer_text(&document, s))
        .unwrap_or_default();
    let citations = link_selector
        .as_ref()
        .map(|s| links(&document, s, base_url(spec, &document).as_ref()))
        .unwrap_or_default();
    match (&answer_selector, text.is_empty(), citations.is_empty()) {
        (Some(_), true, _) => Err(ParseError::Missing("answer text")),
        (None, _, true) => Err(ParseError::Missing("result links")),
        _ => Ok(Answer {
            text,
            citations,
            model: None,
            usage: None,
        }),
    }
}

fn parse_selector(selector: &str) -> Result<Selector, SelectorError> {
    Selector::parse(selector).map_err(|err| SelectorError {
        selector: selector.to_string(),
        reason: err.to_string(),
    })
}

fn selector(selector: Option<&str>) -> Result<Option<Selector>, ParseError> {
    selector
        .map(parse_selector)
        .transpose()
        .map_err(|err| ParseError::Invalid(err.to_string()))
}

/// The matches' texts, one a line, capped at [`MAX_TEXT_CHARS`].
fn answer_text(document: &Html, selector: &Selector) -> String {
    let mut parts = Vec::new();
    let mut chars = 0;
    for element in document.select(selector) {
        let part = visible_text(element);
        if part.is_empty() {
            continue;
        }
        chars += part.chars().count() + 1;
        parts.push(part);
        if chars > MAX_TEXT_CHARS {
            break;
        }
    }
    parts.join("\n").chars().take(MAX_TEXT_CHARS).collect()
}

/// The text under `element`, without scripts and styles, whitespace collapsed, block
/// elements kept apart. Walks with a stack (`None` marks a block edge), so deep nesting
/// cannot overflow the call stack.
fn visible_text(element: ElementRef<'_>) -> String {
    let mut raw = String::new();
    let mut stack = vec![Some(*element)];
    while let Some(item) = stack.pop() {
        let Some(node) = item else {
            raw.push(' ');
            continue;
        };
        match node.value() {
            Node::Text(text) => raw.push_str(text),
            Node::Element(e) if HIDDEN.contains(&e.name()) => {}
            Node::Element(e) => {
                let block = BLOCKS.contains(&e.name());
                if block {
                    stack.push(None);
                }
                stack.extend(node.children().rev().map(Some));
                if block {
                    stack.push(None);
                }
            }
            _ => {}
        }
    }
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The matches' `href`s resolved against `base`, http(s) only, deduplicated, capped at
/// [`MAX_LINKS`].
fn links(document: &Html, selector: &Selector, base: Option<&Url>) -> Vec<String> {
    let resolved = document
        .select(selector)
        .filter_map(|element| element.attr("href"))
        .filter_map(|href| resolve(href, base));
    let mut links = dedup_urls(resolved);
    links.truncate(MAX_LINKS);
    links
}

/// `href` as an absolute http(s) URL; fragment-only links (the page itself) are dropped.
fn resolve(href: &str, base: Option<&Url>) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = match base {
        Some(base) => base.join(href),
        None => Url::parse(href),
    }
    .ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// The URL relative links resolve against: the page's `<base href>` if any, joined to the
/// page URL (the template without the query, which changes no relative resolution of paths).
fn base_url(spec: &EngineSpec, document: &Html) -> Option<Url> {
    let page = spec
        .url_template
        .as_deref()
        .and_then(|template| Url::parse(&template.replace("{query}", "")).ok());
    let base_selector = Selector::parse("base[href]").ok()?;
    let base_href = document
        .select(&base_selector)
        .next()
        .and_then(|base| base.attr("href"))
        .map(str::trim);
    match (page, base_href) {
        (Some(page), Some(href)) => page.join(href).ok().or(Some(page)),
        (None, Some(href)) => Url::parse(href).ok(),
        (page, None) => page,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::EngineKind;

    const RESULTS: &str = include_str!("../../../tests/fixtures/engines/html/results.html");

    fn spec(answer: Option<&str>, links: Option<&str>) -> EngineSpec {
        EngineSpec {
            url_template: Some("https://search.example/search?q={query}&hl=en".into()),
            answer_selector: answer.map(str::to_string),
            link_selector: links.map(str::to_string),
            max_tokens: 0,
            ..EngineSpec::for_test(EngineKind::Html, "")
        }
    }

    #[test]
    fn request_is_a_get_of_the_template_with_the_encoded_prompt() {
        let request = build_request(&spec(Some("p"), None), "best tool? a&b/c ~x café");
        assert_eq!(request.method, Method::Get);
        assert_eq!(
            request.url,
            "https://search.example/search?q=best%20tool%3F%20a%26b%2Fc%20~x%20caf%C3%A9&hl=en"
        );
        assert!(request.headers.is_empty());
        assert_eq!(request.body, None);
    }

    #[test]
    fn answer_text_joins_matches_and_collapses_whitespace() {
        let answer = parse_response(&spec(Some(".ai-answer p"), None), RESULTS.as_bytes()).unwrap();
        assert_eq!(
            answer.text,
            "For small teams, Acme and Globex are the most frequently recommended project \
             management tools.\nAcme's Starter plan costs $12 per user per month; Globex has a \
             free plan for up to five users."
        );
        assert!(answer.citations.is_empty());
        assert_eq!((answer.model, answer.usage), (None, None));
        let whole = parse_response(&spec(Some(".ai-answer"), None), RESULTS.as_bytes()).unwrap();
        assert!(
            whole
                .text
                .starts_with("AI overview For small teams, Acme and Globex")
        );
        assert!(!whole.text.contains("track"));
    }

    #[test]
    fn links_are_resolved_filtered_and_deduplicated() {
        let answer = parse_response(
            &spec(Some(".ai-answer p"), Some("a.result-link, .result-link")),
            RESULTS.as_bytes(),
        )
        .unwrap();
        assert_eq!(
            answer.citations,
            vec![
                "https://www.acme.test/pricing",
                "https://search.example/url?q=https%3A%2F%2Fglobex.test%2Fplans",
                "https://reviews.example/project-tools-2025",
                "https://search.example/reviews/acme-vs-globex",
            ]
        );
    }

    #[test]
    fn base_href_changes_relative_resolution() {
        let page = r#"<html><head><base href="https://mirror.example/s/"></head>
            <body><a class="r" href="next">n</a><a class="r" href="/top">t</a></body></html>"#;
        let answer = parse_response(&spec(None, Some("a.r")), page.as_bytes()).unwrap();
        assert_eq!(answer.text, "");
        assert_eq!(
            answer.citations,
            vec![
                "https://mirror.example/s/next",
                "https://mirror.example/top"
            ]
        );
    }

    #[test]
    fn invalid_selectors_are_invalid() {
        assert!(check_selector("div.answer > p").is_ok());
        let message = check_selector("div[").unwrap_err().to_string();
        assert!(
            message.starts_with("invalid CSS selector \"div[\""),
            "{message}"
        );
        let err = parse_response(&spec(Some("p"), Some("a..result")), RESULTS.as_bytes());
        assert!(matches!(err, Err(ParseError::Invalid(_))));
        assert!(matches!(
            parse_response(&spec(None, None), RESULTS.as_bytes()),
            Err(ParseError::Invalid(_))
        ));
    }

    #[test]
    fn selectors_that_match_nothing_are_missing() {
        assert_eq!(
            parse_response(&spec(Some(".gone"), Some("a")), RESULTS.as_bytes()),
            Err(ParseError::Missing("answer text"))
        );
        assert_eq!(
            parse_response(&spec(None, Some("a.gone")), RESULTS.as_bytes()),
            Err(ParseError::Missing("result links"))
        );
        assert_eq!(
            parse_response(&spec(Some("p"), None), b"\xff\xfe not html at all"),
            Err(ParseError::Missing("answer text"))
        );
    }

    #[test]
    fn untrusted_pages_are_capped() {
        let words = "Acme ".repeat(30_000);
        let links: String = (0..300)
            .map(|i| format!(r#"<a href="/r/{i}">r</a>"#))
            .collect();
        let page = format!("<p>{words}</p><p>{words}</p>{links}");
        let answer = parse_response(&spec(Some("p"), Some("a")), page.as_bytes()).unwrap();
        assert_eq!(answer.text.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(answer.citations.len(), MAX_LINKS);
        assert_eq!(answer.citations[0], "https://search.example/r/0");
        let deep = format!(
            "<p>{}Acme{}</p>",
            "<span>".repeat(50_000),
            "</span>".repeat(50_000)
        );
        let answer = parse_response(&spec(Some("p"), None), deep.as_bytes()).unwrap();
        assert_eq!(answer.text, "Acme");
    }
}
