//! Engine adapters: for each provider kind, the HTTP request that asks one prompt (built
//! exactly as the provider's API reference documents it) and the parsing of its response
//! into an [`Answer`]. Building and parsing are pure; sending, rate limits and retries live in
//! `checks::client`.
//!
//! Kinds: `openai_chat` (Chat Completions, also any OpenAI-compatible server),
//! `openai_responses` (Responses API with the web search tool), `anthropic` (Messages API,
//! optionally with the web search tool), `gemini` (`generateContent`, optionally with Google
//! Search grounding), `perplexity` (its chat completions API), `html` (a page fetched from a
//! URL template and scraped with CSS selectors) and `replay` (recorded answers from a file).

pub mod anthropic;
pub mod gemini;
pub mod html;
mod json;
pub mod openai_chat;
pub mod openai_responses;
pub mod perplexity;
pub mod replay;

use std::fmt;

/// The provider API an engine speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineKind {
    OpenaiChat,
    OpenaiResponses,
    Anthropic,
    Gemini,
    Perplexity,
    Html,
    Replay,
}

impl EngineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EngineKind::OpenaiChat => "openai_chat",
            EngineKind::OpenaiResponses => "openai_responses",
            EngineKind::Anthropic => "anthropic",
            EngineKind::Gemini => "gemini",
            EngineKind::Perplexity => "perplexity",
            EngineKind::Html => "html",
            EngineKind::Replay => "replay",
        }
    }

    /// The provider's documented API root, used when the config gives no `base_url`.
    pub fn default_base_url(self) -> Option<&'static str> {
        match self {
            EngineKind::OpenaiChat | EngineKind::OpenaiResponses => {
                Some("https://api.openai.com/v1")
            }
            EngineKind::Anthropic => Some("https://api.anthropic.com/v1"),
            EngineKind::Gemini => Some("https://generativelanguage.googleapis.com/v1beta"),
            EngineKind::Perplexity => Some("https://api.perplexity.ai"),
            EngineKind::Html | EngineKind::Replay => None,
        }
    }
}

/// What an adapter needs to build a request: the engine's settings from the config, and the
/// API key read from the environment variable the config names (None when it names none).
#[derive(Clone)]
pub struct EngineSpec {
    pub name: String,
    pub kind: EngineKind,
    pub model: String,
    /// API root without a trailing slash (`https://api.openai.com/v1`); for `html` unused.
    pub base_url: String,
    pub api_key: Option<String>,
    /// Ask the provider to search the web (OpenAI Responses, Anthropic, Gemini; Perplexity
    /// always searches).
    pub web_search: bool,
    /// `html` only: the page URL with `{query}` where the URL-encoded prompt goes.
    pub url_template: Option<String>,
    /// `html` only: CSS selector of the answer text (all matches, text joined by newlines).
    pub answer_selector: Option<String>,
    /// `html` only: CSS selector of the result links (`href` of each match, in page order).
    pub link_selector: Option<String>,
    /// Most output tokens asked for (Anthropic requires one).
    pub max_tokens: u32,
}

impl fmt::Debug for EngineSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineSpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("web_search", &self.web_search)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
impl EngineSpec {
    /// A spec for adapter tests: `kind` at its documented API root, no key, no web search.
    pub(crate) fn for_test(kind: EngineKind, model: &str) -> EngineSpec {
        EngineSpec {
            name: kind.as_str().into(),
            kind,
            model: model.into(),
            base_url: kind.default_base_url().unwrap_or_default().into(),
            api_key: None,
            web_search: false,
            url_template: None,
            answer_selector: None,
            link_selector: None,
            max_tokens: 1024,
        }
    }
}

/// An HTTP request to send. Header values may hold the API key: [`HttpRequest`]'s `Debug`
/// hides every header value.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// A JSON body (sent with `content-type: application/json`).
    pub body: Option<serde_json::Value>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &names)
            .field("body", &self.body)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// Token counts as the provider reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// One answer, parsed from a successful response.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The answer text (for `html`, the text of the answer elements).
    pub text: String,
    /// The model that answered, when the response names it.
    pub model: Option<String>,
    /// URLs the provider cites (citation fields, search results, grounding sources, result
    /// links), in the provider's order, duplicates removed. Links inside `text` are not
    /// listed here; extraction finds them.
    pub citations: Vec<String>,
    pub usage: Option<Usage>,
}

/// Why a call produced no answer, in words fit to store and print (the client has removed the
/// request's secrets). It is stored with the failed answer: a failed call is never "not
/// mentioned".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct CallFailure {
    pub reason: String,
}

impl CallFailure {
    pub fn new(reason: impl Into<String>) -> CallFailure {
        CallFailure {
            reason: reason.into(),
        }
    }
}

impl crate::error::HasKind for CallFailure {
    /// The engine did not answer usefully: an API that is down, refuses or changed.
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Unavailable
    }
}

/// Why a response body could not be read as an answer (the call is then a failed run).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("response is not valid JSON: {0}")]
    Json(String),
    #[error("response lacks {0}")]
    Missing(&'static str),
    #[error("provider reported an error: {0}")]
    Provider(String),
    #[error("{0}")]
    Invalid(String),
}

/// Builds the request that asks `prompt` (the HTTP kinds; `replay` has none).
pub fn build_request(spec: &EngineSpec, prompt: &str) -> Option<HttpRequest> {
    Some(match spec.kind {
        EngineKind::OpenaiChat => openai_chat::build_request(spec, prompt),
        EngineKind::OpenaiResponses => openai_responses::build_request(spec, prompt),
        EngineKind::Anthropic => anthropic::build_request(spec, prompt),
        EngineKind::Gemini => gemini::build_request(spec, prompt),
        EngineKind::Perplexity => perplexity::build_request(spec, prompt),
        EngineKind::Html => html::build_request(spec, prompt),
        EngineKind::Replay => return None,
    })
}

/// Parses a 2xx response body of `spec`'s kind.
pub fn parse_response(spec: &EngineSpec, body: &[u8]) -> Result<Answer, ParseError> {
    match spec.kind {
        EngineKind::OpenaiChat => openai_chat::parse_response(body),
        EngineKind::OpenaiResponses => openai_responses::parse_response(body),
        EngineKind::Anthropic => anthropic::parse_response(body),
        EngineKind::Gemini => gemini::parse_response(body),
        EngineKind::Perplexity => perplexity::parse_response(body),
        EngineKind::Html => html::parse_response(spec, body),
        EngineKind::Replay => Err(ParseError::Invalid("replay answers are not HTTP".into())),
    }
}

/// Keeps the first occurrence of each URL, in order.
pub fn dedup_urls(urls: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    urls.into_iter()
        .filter(|url| !url.is_empty() && seen.insert(url.clone()))
        .collect()
}
