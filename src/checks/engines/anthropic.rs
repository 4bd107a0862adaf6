//! `anthropic`: the Anthropic Messages API, `POST /messages`, per
//! <https://docs.anthropic.com/en/api/messages> (version header `2023-06-01`), optionally with
//! the server-side web search tool `web_search_20250305`
//! (<https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool>). The
//! answer is the `text` blocks in order; citations are their `web_search_result_location`
//! citations, then the results of the `web_search_tool_result` blocks.

use serde_json::{Value, json};

use super::json::{answer, endpoint, items, model, parse_json, provider_error, usage};
use super::{Answer, EngineSpec, HttpRequest, Method, ParseError};

/// The API version this adapter follows (sent as `anthropic-version`).
const API_VERSION: &str = "2023-06-01";
/// Most searches one answer may run.
const MAX_SEARCHES: u32 = 5;

/// `POST {base_url}/messages` with `x-api-key` and `anthropic-version`, the prompt as the one
/// user message, `max_tokens` from the engine and, when it searches, the web search tool.
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    let mut body = json!({
        "model": spec.model,
        "max_tokens": spec.max_tokens,
        "messages": [{"role": "user", "content": prompt}],
    });
    if spec.web_search {
        body["tools"] = json!([{
            "type": "web_search_20250305",
            "name": "web_search",
            "max_uses": MAX_SEARCHES,
        }]);
    }
    let mut headers: Vec<(String, String)> = spec
        .api_key
        .iter()
        .map(|key| ("x-api-key".to_string(), key.clone()))
        .collect();
    headers.push(("anthropic-version".to_string(), API_VERSION.to_string()));
    HttpRequest {
        method: Method::Post,
        url: endpoint(spec, "messages"),
        headers,
        body: Some(body),
    }
}

/// Reads a message: the `text` blocks concatenated (see [`message_text`]), citations from their
/// `web_search_result_location` citations then from the `web_search_result`s of
/// `web_search_tool_result` blocks, `model` and `usage`. An `error` body, or a refusal with no
/// text, is a provider error.
pub fn parse_response(body: &[u8]) -> Result<Answer, ParseError> {
    let value = parse_json(body)?;
    provider_error(&value)?;
    let Some(content) = value["content"].as_array() else {
        return Err(ParseError::Missing("content"));
    };
    let text = message_text(content);
    if text.trim().is_empty() && value["stop_reason"] == "refusal" {
        return Err(ParseError::Provider("the model refused to answer".into()));
    }
    let cited = content
        .iter()
        .filter(|b| b["type"] == "text")
        .flat_map(|b| items(&b["citations"]))
        .filter(|c| c["type"] == "web_search_result_location")
        .filter_map(|c| c["url"].as_str());
    let searched = content
        .iter()
        .filter(|b| b["type"] == "web_search_tool_result")
        .flat_map(|b| items(&b["content"]))
        .filter(|r| r["type"] == "web_search_result")
        .filter_map(|r| r["url"].as_str());
    let citations = cited.chain(searched).map(str::to_owned).collect();
    let usage = usage(&value["usage"], "input_tokens", "output_tokens");
    answer(text, model(&value["model"]), citations, usage)
}

/// The `text` blocks in order. Consecutive blocks are joined as they are (a cited passage is
/// its own block, mid-sentence); runs of text that other blocks (a search and its results)
/// separate are joined by a blank line, so that "I'll search." and the answer stay apart.
fn message_text(content: &[Value]) -> String {
    let mut text = String::new();
    let mut after_other_block = false;
    for block in content {
        match block["text"].as_str() {
            Some(part) if block["type"] == "text" => {
                if after_other_block && !text.is_empty() {
                    text.push_str("\n\n");
                }
                text.push_str(part);
                after_other_block = false;
            }
            _ => after_other_block = true,
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::{EngineKind, Usage};

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/anthropic/success_citations.json");
    const PLAIN: &str =
        include_str!("../../../tests/fixtures/engines/anthropic/success_plain.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/anthropic/error.json");

    fn spec(web_search: bool, api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            api_key: api_key.map(str::to_string),
            web_search,
            max_tokens: 2048,
            ..EngineSpec::for_test(EngineKind::Anthropic, "claude-sonnet-4-5")
        }
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
        let found = request.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    #[test]
    fn request_with_web_search() {
        let request = build_request(&spec(true, Some("sk-ant-test")), "Best tool?");
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, "https://api.anthropic.com/v1/messages");
        assert_eq!(request.headers.len(), 2);
        assert_eq!(header(&request, "x-api-key"), Some("sk-ant-test"));
        assert_eq!(header(&request, "anthropic-version"), Some("2023-06-01"));
        assert_eq!(
            request.body,
            Some(json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 2048,
                "messages": [{"role": "user", "content": "Best tool?"}],
                "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 5}],
            }))
        );
    }

    #[test]
    fn request_without_web_search_or_key() {
        let request = build_request(&spec(false, None), "hi");
        assert_eq!(
            request.headers,
            vec![("anthropic-version".to_string(), "2023-06-01".to_string())]
        );
        assert_eq!(
            request.body,
            Some(json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 2048,
                "messages": [{"role": "user", "content": "hi"}],
            }))
        );
    }

    #[test]
    fn parses_text_blocks_citations_then_search_results() {
        let answer = parse_response(CITATIONS.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("I'll look up current recommendations")
        );
        assert!(answer.text.contains(
            "recommendations for small-team project tools.\n\nBased on the search results"
        ));
        assert!(
            answer
                .text
                .contains("includes unlimited boards, while Globex offers")
        );
        assert_eq!(answer.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
        assert_eq!(
            answer.citations,
            vec![
                "https://www.acme.test/pricing",
                "https://globex.test/plans",
                "https://reviews.example/project-tools-2025",
                "https://blog.initech.test/initech-vs-acme",
            ]
        );
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 7311,
                output_tokens: 214
            })
        );
    }

    #[test]
    fn parses_an_answer_without_citations() {
        let answer = parse_response(PLAIN.as_bytes()).unwrap();
        assert!(answer.text.starts_with("For a small team, Acme and Globex"));
        assert!(answer.citations.is_empty());
        assert_eq!(answer.model.as_deref(), Some("claude-haiku-4-5-20251001"));
    }

    #[test]
    fn error_body_and_refusal_are_provider_errors() {
        assert_eq!(
            parse_response(ERROR.as_bytes()),
            Err(ParseError::Provider("model: claude-opus-9".into()))
        );
        let refused = br#"{"type": "message", "content": [], "stop_reason": "refusal"}"#;
        assert_eq!(
            parse_response(refused),
            Err(ParseError::Provider("the model refused to answer".into()))
        );
    }

    #[test]
    fn failed_search_keeps_the_text() {
        let body = br#"{"type": "message", "content": [
            {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1",
             "content": {"type": "web_search_tool_result_error", "error_code": "max_uses_exceeded"}},
            {"type": "text", "text": "Acme is popular.", "citations": null}]}"#;
        let answer = parse_response(body).unwrap();
        assert_eq!(answer.text, "Acme is popular.");
        assert!(answer.citations.is_empty());
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(matches!(
            parse_response(b"overloaded"),
            Err(ParseError::Json(_))
        ));
        assert_eq!(parse_response(b"{}"), Err(ParseError::Missing("content")));
        assert_eq!(
            parse_response(br#"{"content": [{"type": "text"}, {"type": "tool_use"}]}"#),
            Err(ParseError::Missing("answer text"))
        );
    }
}
