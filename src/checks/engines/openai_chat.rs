//! `openai_chat`: OpenAI Chat Completions, `POST /chat/completions`, per the API reference at
//! <https://platform.openai.com/docs/api-reference/chat/create>; OpenAI-compatible servers
//! (Ollama, vLLM, LM Studio, …) speak it too. Citations are the `url_citation` annotations of
//! search-enabled chat models (<https://platform.openai.com/docs/guides/tools-web-search>).

use serde_json::{Value, json};

use super::json::{
    answer, bearer_auth, endpoint, items, label, model, parse_json, provider_error, usage,
};
use super::{Answer, EngineSpec, HttpRequest, Method, ParseError};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::EngineKind;
    use crate::checks::engines::Usage;
    use crate::checks::engines::json::MAX_TEXT_BYTES;

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/openai_chat/success_citations.json");
    const PLAIN: &str =
        include_str!("../../../tests/fixtures/engines/openai_chat/success_plain.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/openai_chat/error.json");

    fn spec(api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            api_key: api_key.map(str::to_string),
            ..EngineSpec::for_test(EngineKind::OpenaiChat, "gpt-4o-search-preview")
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
