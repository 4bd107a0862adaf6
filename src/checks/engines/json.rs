//! What the JSON adapters (`openai_chat`, `openai_responses`, `anthropic`, `gemini`,
//! `perplexity`) share: reading an untrusted body, the provider's error, model and usage
//! fields, and assembling the [`Answer`] with its text and citations capped.

use serde_json::Value;
use url::Url;

use super::{Answer, EngineSpec, ParseError, Usage, dedup_urls};
use crate::classify::cap;

/// Most bytes of answer text kept from a response (bodies are untrusted).
pub(super) const MAX_TEXT_BYTES: usize = 200_000;
/// Most citations kept from a response.
const MAX_CITATIONS: usize = 200;
/// Most bytes kept of a provider's error message or model name.
const MAX_LABEL_BYTES: usize = 500;

/// The elements of `value` when it is an array, else none (untrusted bodies may put anything
/// where a list is documented).
pub(super) fn items(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_array().into_iter().flatten()
}

/// `{base_url}/{path}`.
pub(super) fn endpoint(spec: &EngineSpec, path: &str) -> String {
    format!("{}/{path}", spec.base_url.trim_end_matches('/'))
}

/// `Authorization: Bearer {key}` when the engine has a key (local servers need none).
pub(super) fn bearer_auth(spec: &EngineSpec) -> Vec<(String, String)> {
    spec.api_key
        .iter()
        .map(|key| ("Authorization".to_string(), format!("Bearer {key}")))
        .collect()
}

/// The body as JSON.
pub(super) fn parse_json(body: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(body).map_err(|err| ParseError::Json(err.to_string()))
}

/// Fails with the provider's message when the body carries a non-null top-level `error`
/// (`{"error": {"message": …}}`, as OpenAI, Anthropic, Gemini and Perplexity send, or a
/// plain string, as some compatible servers do).
pub(super) fn provider_error(value: &Value) -> Result<(), ParseError> {
    let error = &value["error"];
    let message = match error {
        Value::Null => return Ok(()),
        Value::String(message) => message.clone(),
        _ => match error["message"].as_str() {
            Some(message) => message.to_string(),
            None => error.to_string(),
        },
    };
    Err(ParseError::Provider(label(&message)))
}

/// A provider-given string made safe to store: whitespace collapsed, length capped.
pub(super) fn label(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    truncate(collapsed, MAX_LABEL_BYTES)
}

/// The model name a response reports, when it is a non-empty string.
pub(super) fn model(value: &Value) -> Option<String> {
    value.as_str().filter(|m| !m.trim().is_empty()).map(label)
}

/// Token counts from `object[input]` and `object[output]`, when either is present.
pub(super) fn usage(object: &Value, input: &str, output: &str) -> Option<Usage> {
    let (input_tokens, output_tokens) = (object[input].as_u64(), object[output].as_u64());
    (input_tokens.is_some() || output_tokens.is_some()).then(|| Usage {
        input_tokens: input_tokens.unwrap_or(0),
        output_tokens: output_tokens.unwrap_or(0),
    })
}

/// Cuts `text` to at most `max` bytes, on a char boundary.
fn truncate(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    cap(&text, max).to_string()
}

/// The http(s) URLs among `urls`, trimmed, in order, without duplicates, at most
/// [`MAX_CITATIONS`].
fn web_urls(urls: impl IntoIterator<Item = String>) -> Vec<String> {
    let kept = urls
        .into_iter()
        .map(|url| url.trim().to_string())
        .filter(|url| is_web_url(url));
    let mut urls = dedup_urls(kept);
    urls.truncate(MAX_CITATIONS);
    urls
}

/// Whether `url` is an absolute http(s) URL with a host.
fn is_web_url(url: &str) -> bool {
    Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The answer from its parts: text capped at [`MAX_TEXT_BYTES`] (empty text is
/// `Missing("answer text")`), citations kept by [`web_urls`].
pub(super) fn answer(
    text: String,
    model: Option<String>,
    citations: Vec<String>,
    usage: Option<Usage>,
) -> Result<Answer, ParseError> {
    if text.trim().is_empty() {
        return Err(ParseError::Missing("answer text"));
    }
    Ok(Answer {
        text: truncate(text, MAX_TEXT_BYTES),
        model,
        citations: web_urls(citations),
        usage,
    })
}
