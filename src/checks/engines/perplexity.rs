//! `perplexity`: the Perplexity Sonar chat completions API, `POST /chat/completions`, per
//! <https://docs.perplexity.ai/api-reference/chat-completions-post>. The body is OpenAI
//! Chat Completions-shaped and Sonar models always search the web; citations are the
//! top-level `citations` URLs (the older field) followed by the `search_results[].url` that
//! replace them.

use serde_json::Value;

use super::json::{items, parse_json};
use super::openai_chat::{self, read_chat_completion};
use super::{Answer, EngineSpec, HttpRequest, ParseError};

/// `POST {base_url}/chat/completions` with `Authorization: Bearer {key}` and the prompt as the
/// one user message: the Chat Completions request `openai_chat` builds.
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    openai_chat::build_request(spec, prompt)
}

/// Reads a completion like `openai_chat` does, citing `citations` then `search_results`.
pub fn parse_response(body: &[u8]) -> Result<Answer, ParseError> {
    let value = parse_json(body)?;
    let cited = items(&value["citations"]).filter_map(Value::as_str);
    let searched = items(&value["search_results"]).filter_map(|r| r["url"].as_str());
    let citations = cited.chain(searched).map(str::to_owned).collect();
    read_chat_completion(&value, citations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::{EngineKind, Method, Usage};
    use serde_json::json;

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/perplexity/success_citations.json");
    const PLAIN: &str =
        include_str!("../../../tests/fixtures/engines/perplexity/success_plain.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/perplexity/error.json");

    fn spec(api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            api_key: api_key.map(str::to_string),
            web_search: true,
            ..EngineSpec::for_test(EngineKind::Perplexity, "sonar-pro")
        }
    }

    #[test]
    fn request_follows_the_sonar_reference() {
        let request = build_request(&spec(Some("pplx-test")), "Best tool?");
        assert_eq!(request.method, Method::Post);
        assert_eq!(request.url, "https://api.perplexity.ai/chat/completions");
        assert_eq!(
            request.headers,
            vec![("Authorization".to_string(), "Bearer pplx-test".to_string())]
        );
        assert_eq!(
            request.body,
            Some(json!({
                "model": "sonar-pro",
                "messages": [{"role": "user", "content": "Best tool?"}],
            }))
        );
        assert!(build_request(&spec(None), "hi").headers.is_empty());
    }

    #[test]
    fn parses_citations_and_search_results() {
        let answer = parse_response(CITATIONS.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("For small teams, the most frequently recommended")
        );
        assert_eq!(answer.model.as_deref(), Some("sonar-pro"));
        assert_eq!(
            answer.citations,
            vec![
                "https://reviews.example/project-tools-2025",
                "https://www.acme.test/pricing",
                "https://globex.test/plans",
                "https://forum.example/t/acme-vs-globex/8812",
            ]
        );
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 10,
                output_tokens: 92
            })
        );
    }

    #[test]
    fn citations_come_before_search_results() {
        let body = br#"{"choices": [{"message": {"content": "Acme."}}],
            "citations": ["https://b.test/", 4],
            "search_results": [{"url": "https://a.test/"}, {"url": "https://b.test/"}, {"title": "x"}]}"#;
        let answer = parse_response(body).unwrap();
        assert_eq!(answer.citations, vec!["https://b.test/", "https://a.test/"]);
    }

    #[test]
    fn parses_an_answer_without_citations() {
        let answer = parse_response(PLAIN.as_bytes()).unwrap();
        assert!(answer.text.starts_with("Acme and Globex are both popular"));
        assert!(answer.citations.is_empty());
        assert_eq!(answer.model.as_deref(), Some("sonar"));
    }

    #[test]
    fn error_body_is_a_provider_error() {
        let err = parse_response(ERROR.as_bytes()).unwrap_err();
        assert!(
            matches!(err, ParseError::Provider(m) if m.starts_with("Invalid model 'sonar-ultra'"))
        );
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(matches!(
            parse_response(b"{\"choices\": ["),
            Err(ParseError::Json(_))
        ));
        assert_eq!(
            parse_response(b"{}"),
            Err(ParseError::Missing("choices[0]"))
        );
        assert_eq!(
            parse_response(br#"{"choices": [{"message": {}}], "citations": "x"}"#),
            Err(ParseError::Missing("answer text"))
        );
    }
}
