//! `openai_responses`: the OpenAI Responses API, `POST /responses`, per
//! <https://platform.openai.com/docs/api-reference/responses/create>, with the hosted web
//! search tool (`{"type": "web_search"}`, the generally available type that replaced
//! `web_search_preview`; <https://platform.openai.com/docs/guides/tools-web-search>). The
//! answer is the `output_text` of the `message` output items; citations are their
//! `url_citation` annotations.

use serde_json::{Value, json};

use super::json::{
    answer, bearer_auth, endpoint, items, label, model, parse_json, provider_error, usage,
};
use super::{Answer, EngineSpec, HttpRequest, Method, ParseError};

/// `POST {base_url}/responses` with the prompt as `input`, plus the web search tool when the
/// engine asks for search. No `max_output_tokens`: on reasoning models it also bounds the
/// reasoning tokens and would end answers `incomplete`.
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    let mut body = json!({"model": spec.model, "input": prompt});
    if spec.web_search {
        body["tools"] = json!([{"type": "web_search"}]);
    }
    HttpRequest {
        method: Method::Post,
        url: endpoint(spec, "responses"),
        headers: bearer_auth(spec),
        body: Some(body),
    }
}

/// Reads a response object: a non-null `error` or a `status` other than `completed` is a
/// provider error; the text joins the `output_text` parts of the `message` items (items
/// separated by a blank line), citations are their `url_citation` annotations' `url`s.
pub fn parse_response(body: &[u8]) -> Result<Answer, ParseError> {
    let value = parse_json(body)?;
    provider_error(&value)?;
    check_status(&value)?;
    let Some(output) = value["output"].as_array() else {
        return Err(ParseError::Missing("output"));
    };
    let messages: Vec<&Value> = output.iter().filter(|i| i["type"] == "message").collect();
    let parts: Vec<&Value> = messages.iter().flat_map(|m| items(&m["content"])).collect();
    let text = messages
        .iter()
        .map(|m| message_text(m))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    if text.trim().is_empty()
        && let Some(refusal) = parts.iter().find_map(|p| p["refusal"].as_str())
    {
        return Err(ParseError::Provider(format!(
            "the model refused: {}",
            label(refusal)
        )));
    }
    let citations = parts
        .iter()
        .flat_map(|p| items(&p["annotations"]))
        .filter(|a| a["type"] == "url_citation")
        .filter_map(|a| a["url"].as_str())
        .map(str::to_owned)
        .collect();
    let usage = usage(&value["usage"], "input_tokens", "output_tokens");
    answer(text, model(&value["model"]), citations, usage)
}

/// Fails unless `status` is `completed` (or absent, as some compatible servers leave it).
fn check_status(value: &Value) -> Result<(), ParseError> {
    let status = &value["status"];
    if status.is_null() || *status == "completed" {
        return Ok(());
    }
    let status = status
        .as_str()
        .map_or_else(|| status.to_string(), str::to_owned);
    let reason = value["incomplete_details"]["reason"].as_str();
    let detail = reason.map(|r| format!(" ({r})")).unwrap_or_default();
    Err(ParseError::Provider(label(&format!(
        "response status {status}{detail}"
    ))))
}

/// The `output_text` parts of one message item, concatenated.
fn message_text(message: &Value) -> String {
    items(&message["content"])
        .filter(|p| p["type"] == "output_text")
        .filter_map(|p| p["text"].as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::{EngineKind, Usage};

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/openai_responses/success_citations.json");
    const PLAIN: &str =
        include_str!("../../../tests/fixtures/engines/openai_responses/success_plain.json");
    const INCOMPLETE: &str =
        include_str!("../../../tests/fixtures/engines/openai_responses/incomplete.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/openai_responses/error.json");

    fn spec(web_search: bool, api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            api_key: api_key.map(str::to_string),
            web_search,
            ..EngineSpec::for_test(EngineKind::OpenaiResponses, "gpt-4.1")
        }
    }

    #[test]
    fn request_with_web_search() {
        let request = build_request(&spec(true, Some("sk-test")), "Best tool for small teams?");
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, "https://api.openai.com/v1/responses");
        assert_eq!(
            request.headers,
            vec![("Authorization".to_string(), "Bearer sk-test".to_string())]
        );
        assert_eq!(
            request.body,
            Some(json!({
                "model": "gpt-4.1",
                "input": "Best tool for small teams?",
                "tools": [{"type": "web_search"}],
            }))
        );
    }

    #[test]
    fn request_without_web_search_or_key() {
        let request = build_request(&spec(false, None), "hi");
        assert!(request.headers.is_empty());
        assert_eq!(
            request.body,
            Some(json!({"model": "gpt-4.1", "input": "hi"}))
        );
    }

    #[test]
    fn parses_output_text_and_url_citations() {
        let answer = parse_response(CITATIONS.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("For a small team, Acme and Globex are")
        );
        assert!(
            answer
                .text
                .ends_with("(https://reviews.example/project-tools-2025)).")
        );
        assert_eq!(answer.model.as_deref(), Some("gpt-4.1-2025-04-14"));
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
                input_tokens: 312,
                output_tokens: 98
            })
        );
    }

    #[test]
    fn parses_an_answer_without_citations() {
        let answer = parse_response(PLAIN.as_bytes()).unwrap();
        assert!(answer.text.starts_with("Small teams often pick Acme"));
        assert!(answer.citations.is_empty());
        assert_eq!(answer.model.as_deref(), Some("gpt-4.1-mini-2025-04-14"));
    }

    #[test]
    fn error_and_unfinished_statuses_are_provider_errors() {
        assert_eq!(
            parse_response(ERROR.as_bytes()),
            Err(ParseError::Provider(
                "Tool 'web_search' is not supported with gpt-3.5-turbo.".into()
            ))
        );
        assert_eq!(
            parse_response(INCOMPLETE.as_bytes()),
            Err(ParseError::Provider(
                "response status incomplete (max_output_tokens)".into()
            ))
        );
        let failed = br#"{"status": "failed", "error": {"code": "server_error",
            "message": "The server had an error processing your request."}, "output": []}"#;
        assert_eq!(
            parse_response(failed),
            Err(ParseError::Provider(
                "The server had an error processing your request.".into()
            ))
        );
        let queued = br#"{"status": "queued", "error": null, "output": []}"#;
        assert_eq!(
            parse_response(queued),
            Err(ParseError::Provider("response status queued".into()))
        );
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(matches!(parse_response(b""), Err(ParseError::Json(_))));
        assert_eq!(parse_response(b"{}"), Err(ParseError::Missing("output")));
        assert_eq!(
            parse_response(
                br#"{"status": "completed", "output": [{"type": "message", "content": 5}]}"#
            ),
            Err(ParseError::Missing("answer text"))
        );
        assert_eq!(
            parse_response(
                br#"{"output": [{"type": "message", "content": [{"type": "output_text"}]}]}"#
            ),
            Err(ParseError::Missing("answer text"))
        );
    }

    #[test]
    fn message_items_are_separated_and_refusals_reported() {
        let two = br#"{"status": "completed", "output": [
            {"type": "message", "content": [{"type": "output_text", "text": "Acme", "annotations": []},
                                            {"type": "output_text", "text": " leads.", "annotations": null}]},
            {"type": "web_search_call", "status": "completed"},
            {"type": "message", "content": [{"type": "output_text", "text": "Globex follows."}]}]}"#;
        assert_eq!(
            parse_response(two).unwrap().text,
            "Acme leads.\n\nGlobex follows."
        );
        let refused = br#"{"status": "completed", "output": [{"type": "message",
            "content": [{"type": "refusal", "refusal": "I can't help with that."}]}]}"#;
        assert_eq!(
            parse_response(refused),
            Err(ParseError::Provider(
                "the model refused: I can't help with that.".into()
            ))
        );
    }
}
