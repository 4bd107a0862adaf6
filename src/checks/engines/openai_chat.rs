//! `openai_chat`: OpenAI Chat Completions, `POST /chat/completions`, per the API reference at
//! <https://platform.openai.com/docs/api-reference/chat/create>; OpenAI-compatible servers
//! (Ollama, vLLM, LM Studio, …) speak it too. Citations are the `url_citation` annotations of
//! search-enabled chat models (<https://platform.openai.com/docs/guides/tools-web-search>).
//! Also home of the JSON helpers that the other JSON adapters (`openai_responses`,
//! `anthropic`, `gemini`, `perplexity`) share: body parsing, caps and answer assembly.

use serde_json::{Value, json};
use url::Url;

use super::{Answer, EngineSpec, HttpRequest, Method, ParseError, Usage, dedup_urls};

/// Most bytes of answer text kept from a response (bodies are untrusted).
const MAX_TEXT_BYTES: usize = 200_000;
/// Most citations kept from a response.
const MAX_CITATIONS: usize = 200;
/// Most bytes kept of a provider's error message or model name.
const MAX_LABEL_BYTES: usize = 500;

/// `POST {base_url}/chat/completions` with the prompt as the one user message. No token limit
/// is sent: `max_tokens` is deprecated and refused by OpenAI's reasoning models, while
/// `max_completion_tokens` is unknown to some compatible servers; the model's default applies.
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Post,
        url: endpoint(spec, "chat/completions"),
        headers: bearer_auth(spec),
        body: Some(json!({
            "model": spec.model,
            "messages": [{"role": "user", "content": prompt}],
        })),
    }
}

/// Reads a chat completion: the first choice's message text, the URLs of its `url_citation`
/// annotations, the model and the token usage. A top-level `error` is a provider error.
pub fn parse_response(body: &[u8]) -> Result<Answer, ParseError> {
    let value = parse_json(body)?;
    let urls = items(&value["choices"][0]["message"]["annotations"])
        .filter(|a| a["type"] == "url_citation")
        .filter_map(|a| a["url_citation"]["url"].as_str())
        .map(str::to_owned);
    read_chat_completion(&value, urls.collect())
}

/// Reads the parts every chat-completion-shaped body shares (this kind and `perplexity`):
/// `error`, `choices[0].message.content` (a string or a list of text parts), `model` and
/// `usage.prompt_tokens`/`completion_tokens`, and makes the answer with `citations`.
pub(super) fn read_chat_completion(
    value: &Value,
    citations: Vec<String>,
) -> Result<Answer, ParseError> {
    provider_error(value)?;
    let choice = &value["choices"][0];
    if !choice.is_object() {
        return Err(ParseError::Missing("choices[0]"));
    }
    let message = &choice["message"];
    let text = content_text(&message["content"]).unwrap_or_default();
    if text.trim().is_empty() {
        if let Some(refusal) = message["refusal"].as_str() {
            return Err(ParseError::Provider(format!(
                "the model refused: {}",
                label(refusal)
            )));
        }
        if choice["finish_reason"] == "content_filter" {
            return Err(ParseError::Provider(
                "the answer was withheld by the content filter".into(),
            ));
        }
    }
    let usage = usage(&value["usage"], "prompt_tokens", "completion_tokens");
    answer(text, model(&value["model"]), citations, usage)
}

/// A message `content`: a string, or the concatenated `text` of a list of parts.
fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter(|p| p["type"] == "text")
                .filter_map(|p| p["text"].as_str())
                .collect(),
        ),
        _ => None,
    }
}

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
fn truncate(mut text: String, max: usize) -> String {
    text.truncate(text.floor_char_boundary(max));
    text
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::EngineKind;

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/openai_chat/success_citations.json");
    const PLAIN: &str =
        include_str!("../../../tests/fixtures/engines/openai_chat/success_plain.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/openai_chat/error.json");

    fn spec(api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            name: "chat".into(),
            kind: EngineKind::OpenaiChat,
            model: "gpt-4o-search-preview".into(),
            base_url: "https://api.openai.com/v1".into(),
            api_key: api_key.map(str::to_string),
            web_search: false,
            url_template: None,
            answer_selector: None,
            link_selector: None,
            max_tokens: 1024,
        }
    }

    #[test]
    fn request_follows_the_chat_completions_reference() {
        let request = build_request(&spec(Some("sk-test")), "Best tool for small teams?");
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, "https://api.openai.com/v1/chat/completions");
        assert_eq!(
            request.headers,
            vec![("Authorization".to_string(), "Bearer sk-test".to_string())]
        );
        assert_eq!(
            request.body,
            Some(json!({
                "model": "gpt-4o-search-preview",
                "messages": [{"role": "user", "content": "Best tool for small teams?"}],
            }))
        );
    }

    #[test]
    fn request_without_a_key_has_no_auth_header() {
        let mut local = spec(None);
        local.base_url = "http://127.0.0.1:11434/v1/".into();
        let request = build_request(&local, "hi");
        assert_eq!(request.url, "http://127.0.0.1:11434/v1/chat/completions");
        assert!(request.headers.is_empty());
    }

    #[test]
    fn parses_annotations_as_citations() {
        let answer = parse_response(CITATIONS.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("For a small team, the two project-management tools")
        );
        assert!(answer.text.contains("Globex"));
        assert_eq!(
            answer.model.as_deref(),
            Some("gpt-4o-search-preview-2025-03-11")
        );
        assert_eq!(
            answer.citations,
            vec![
                "https://www.acme.test/pricing",
                "https://globex.test/plans",
                "https://reviews.example/project-tools-2025",
            ]
        );
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 17,
                output_tokens: 126
            })
        );
    }

    #[test]
    fn parses_an_answer_without_citations() {
        let answer = parse_response(PLAIN.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("Popular choices for small teams include Acme")
        );
        assert!(answer.citations.is_empty());
        assert_eq!(answer.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
        assert_eq!(answer.usage.map(|u| u.output_tokens), Some(48));
    }

    #[test]
    fn error_body_is_a_provider_error() {
        let err = parse_response(ERROR.as_bytes()).unwrap_err();
        assert_eq!(
            err,
            ParseError::Provider(
                "The model `gpt-9-turbo` does not exist or you do not have access to it.".into()
            )
        );
        let plain = parse_response(br#"{"error": "model 'llama9' not found"}"#).unwrap_err();
        assert_eq!(
            plain,
            ParseError::Provider("model 'llama9' not found".into())
        );
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(matches!(
            parse_response(b"<html>502</html>"),
            Err(ParseError::Json(_))
        ));
        assert_eq!(
            parse_response(b"{}"),
            Err(ParseError::Missing("choices[0]"))
        );
        assert_eq!(
            parse_response(
                br#"{"choices": [{"message": {"role": "assistant", "content": null}}]}"#
            ),
            Err(ParseError::Missing("answer text"))
        );
        assert_eq!(
            parse_response(br#"{"choices": [{"message": {"content": 7, "annotations": 3}}]}"#),
            Err(ParseError::Missing("answer text"))
        );
        assert_eq!(
            parse_response(b"[1, 2]"),
            Err(ParseError::Missing("choices[0]"))
        );
    }

    #[test]
    fn refusal_and_content_parts() {
        let refused = br#"{"choices": [{"message": {"content": null, "refusal": "I can't help with that."}}]}"#;
        assert_eq!(
            parse_response(refused),
            Err(ParseError::Provider(
                "the model refused: I can't help with that.".into()
            ))
        );
        let parts = br#"{"choices": [{"message": {"content": [
            {"type": "text", "text": "Acme "}, {"type": "image_url"}, {"type": "text", "text": "wins."}]}}]}"#;
        assert_eq!(parse_response(parts).unwrap().text, "Acme wins.");
    }

    #[test]
    fn citations_keep_only_web_urls_and_text_is_capped() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let body = json!({"choices": [{"message": {"content": long, "annotations": [
            {"type": "url_citation", "url_citation": {"url": "javascript:alert(1)"}},
            {"type": "url_citation", "url_citation": {"url": " https://acme.test/a "}},
            {"type": "url_citation", "url_citation": {"url": "https://acme.test/a"}},
            {"type": "file_citation", "url_citation": {"url": "https://other.test/"}},
            {"type": "url_citation", "url_citation": {"url": "ftp://acme.test/file"}},
        ]}}]});
        let answer = parse_response(body.to_string().as_bytes()).unwrap();
        assert_eq!(answer.citations, vec!["https://acme.test/a"]);
        assert_eq!(answer.text.len(), MAX_TEXT_BYTES);
        assert!(answer.model.is_none() && answer.usage.is_none());
    }
}
