//! `gemini`: Gemini API `generateContent`, `POST /models/{model}:generateContent`, per
//! <https://ai.google.dev/api/generate-content>, optionally with the `google_search` tool
//! (<https://ai.google.dev/gemini-api/docs/google-search>). Citations are the `web` grounding
//! chunks, whose `uri` is a Google redirect (`https://vertexaisearch.cloud.google.com/…`) and
//! whose `title` is the source's domain (`acme.com`): a redirect with a domain title is cited
//! as `https://{title}/` (the redirect names no site); any other chunk keeps its `uri`.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use url::Url;

use super::json::{answer, endpoint, items, label, model, parse_json, provider_error};
use super::{Answer, EngineSpec, HttpRequest, Method, ParseError, Usage};

/// The host of the grounding redirect links.
const REDIRECT_HOST: &str = "vertexaisearch.cloud.google.com";
/// Characters escaped in the model name, a path segment (model ids use `a-z0-9.-`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_');

/// `POST {base_url}/models/{model}:generateContent` with `x-goog-api-key`, the prompt as one
/// user turn and, when the engine searches, the `google_search` tool.
pub fn build_request(spec: &EngineSpec, prompt: &str) -> HttpRequest {
    let mut body = json!({"contents": [{"role": "user", "parts": [{"text": prompt}]}]});
    if spec.web_search {
        body["tools"] = json!([{"google_search": {}}]);
    }
    let name = spec.model.strip_prefix("models/").unwrap_or(&spec.model);
    let path = format!(
        "models/{}:generateContent",
        utf8_percent_encode(name, SEGMENT)
    );
    HttpRequest {
        method: Method::Post,
        url: endpoint(spec, &path),
        headers: spec
            .api_key
            .iter()
            .map(|key| ("x-goog-api-key".to_string(), key.clone()))
            .collect(),
        body: Some(body),
    }
}

/// Reads a `GenerateContentResponse`: the first candidate's text parts joined (thought parts
/// skipped), its grounding chunks as citations, `usageMetadata` and `modelVersion`. An
/// `error`, a blocked prompt, or a candidate stopped for a reason other than `STOP` with no
/// text is a provider error.
pub fn parse_response(body: &[u8]) -> Result<Answer, ParseError> {
    let value = parse_json(body)?;
    provider_error(&value)?;
    if let Some(reason) = value["promptFeedback"]["blockReason"].as_str() {
        return Err(ParseError::Provider(label(&format!(
            "the prompt was blocked: {reason}"
        ))));
    }
    let candidate = &value["candidates"][0];
    if !candidate.is_object() {
        return Err(ParseError::Missing("candidates"));
    }
    let text: String = items(&candidate["content"]["parts"])
        .filter(|part| part["thought"] != true)
        .filter_map(|part| part["text"].as_str())
        .collect();
    if text.trim().is_empty()
        && let Some(reason) = candidate["finishReason"].as_str()
        && reason != "STOP"
    {
        return Err(ParseError::Provider(label(&format!(
            "generation stopped: {reason}"
        ))));
    }
    let citations = items(&candidate["groundingMetadata"]["groundingChunks"])
        .filter_map(|chunk| source_url(&chunk["web"]))
        .collect();
    answer(
        text,
        model(&value["modelVersion"]),
        citations,
        usage(&value["usageMetadata"]),
    )
}

/// Token counts: the prompt's, and the candidates' plus the thinking tokens (billed as
/// output, as other providers count reasoning in their output tokens).
fn usage(metadata: &Value) -> Option<Usage> {
    let input = metadata["promptTokenCount"].as_u64();
    let output = metadata["candidatesTokenCount"].as_u64();
    let thoughts = metadata["thoughtsTokenCount"].as_u64();
    (input.is_some() || output.is_some()).then(|| Usage {
        input_tokens: input.unwrap_or(0),
        output_tokens: output.unwrap_or(0).saturating_add(thoughts.unwrap_or(0)),
    })
}

/// The URL a web grounding chunk cites: `https://{title}/` for a redirect link titled with a
/// domain, else its `uri`.
fn source_url(web: &Value) -> Option<String> {
    let uri = web["uri"].as_str()?;
    let redirect = Url::parse(uri).is_ok_and(|u| u.host_str() == Some(REDIRECT_HOST));
    let site = web["title"].as_str().and_then(domain_url);
    Some(match site {
        Some(site) if redirect => site,
        _ => uri.to_string(),
    })
}

/// `https://{title}/` when `title` looks like a domain name (a dot, no spaces or other
/// punctuation).
fn domain_url(title: &str) -> Option<String> {
    let title = title.trim();
    let plausible = title.contains('.')
        && !title.starts_with(['.', '-'])
        && !title.ends_with(['.', '-'])
        && title
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if !plausible {
        return None;
    }
    Url::parse(&format!("https://{title}/"))
        .ok()
        .map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::engines::EngineKind;

    const CITATIONS: &str =
        include_str!("../../../tests/fixtures/engines/gemini/success_citations.json");
    const PLAIN: &str = include_str!("../../../tests/fixtures/engines/gemini/success_plain.json");
    const BLOCKED: &str = include_str!("../../../tests/fixtures/engines/gemini/blocked.json");
    const ERROR: &str = include_str!("../../../tests/fixtures/engines/gemini/error.json");

    fn spec(web_search: bool, api_key: Option<&str>) -> EngineSpec {
        EngineSpec {
            api_key: api_key.map(str::to_string),
            web_search,
            ..EngineSpec::for_test(EngineKind::Gemini, "gemini-2.5-flash")
        }
    }

    #[test]
    fn request_with_google_search() {
        let request = build_request(&spec(true, Some("AIza-test")), "Best tool?");
        assert_eq!(request.method, Method::Post);
        assert_eq!(
            request.url,
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"
        );
        assert_eq!(
            request.headers,
            vec![("x-goog-api-key".to_string(), "AIza-test".to_string())]
        );
        assert_eq!(
            request.body,
            Some(json!({
                "contents": [{"role": "user", "parts": [{"text": "Best tool?"}]}],
                "tools": [{"google_search": {}}],
            }))
        );
    }

    #[test]
    fn request_without_search_or_key() {
        let mut plain = spec(false, None);
        plain.model = "models/gemini-2.0-flash".into();
        let request = build_request(&plain, "hi");
        assert!(
            request
                .url
                .ends_with("/v1beta/models/gemini-2.0-flash:generateContent")
        );
        assert!(request.headers.is_empty());
        assert_eq!(
            request.body,
            Some(json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}))
        );
        plain.model = "gemini/../x?y".into();
        assert!(
            build_request(&plain, "hi")
                .url
                .ends_with("/models/gemini%2F..%2Fx%3Fy:generateContent")
        );
    }

    #[test]
    fn parses_grounded_answer_and_maps_redirects_to_domains() {
        let answer = parse_response(CITATIONS.as_bytes()).unwrap();
        assert!(
            answer
                .text
                .starts_with("For small teams, the most frequently recommended")
        );
        assert_eq!(answer.model.as_deref(), Some("gemini-2.5-flash"));
        assert_eq!(
            answer.citations,
            vec![
                "https://reviews.example/",
                "https://acme.test/",
                "https://globex.test/"
            ]
        );
        assert_eq!(
            answer.usage,
            Some(Usage {
                input_tokens: 11,
                output_tokens: 61 + 252
            })
        );
    }

    #[test]
    fn redirect_mapping_needs_a_domain_title_and_the_redirect_host() {
        let chunk = |uri: &str, title: &str| source_url(&json!({"uri": uri, "title": title}));
        let redirect = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/AUZIYQ";
        assert_eq!(
            chunk(redirect, "Acme.test").as_deref(),
            Some("https://acme.test/")
        );
        assert_eq!(
            chunk(redirect, "Acme pricing page").as_deref(),
            Some(redirect)
        );
        assert_eq!(chunk(redirect, "acme").as_deref(), Some(redirect));
        assert_eq!(
            chunk(redirect, "acme.test/pricing").as_deref(),
            Some(redirect)
        );
        assert_eq!(
            chunk("https://www.acme.test/pricing", "globex.test").as_deref(),
            Some("https://www.acme.test/pricing")
        );
        assert_eq!(source_url(&json!({"title": "acme.test"})), None);
    }

    #[test]
    fn parses_an_answer_without_grounding() {
        let answer = parse_response(PLAIN.as_bytes()).unwrap();
        assert!(answer.text.starts_with("Small teams often choose Acme"));
        assert!(answer.citations.is_empty());
        assert_eq!(answer.model.as_deref(), Some("gemini-2.0-flash"));
        assert_eq!(answer.usage.map(|u| u.output_tokens), Some(27));
    }

    #[test]
    fn errors_blocks_and_stops_are_provider_errors() {
        assert_eq!(
            parse_response(ERROR.as_bytes()),
            Err(ParseError::Provider(
                "models/gemini-9.0-pro is not found for API version v1beta, or is not supported \
                 for generateContent. Call ListModels to see the list of available models and \
                 their supported methods."
                    .into()
            ))
        );
        assert_eq!(
            parse_response(BLOCKED.as_bytes()),
            Err(ParseError::Provider(
                "the prompt was blocked: PROHIBITED_CONTENT".into()
            ))
        );
        let safety = br#"{"candidates": [{"finishReason": "SAFETY", "index": 0}]}"#;
        assert_eq!(
            parse_response(safety),
            Err(ParseError::Provider("generation stopped: SAFETY".into()))
        );
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        assert!(matches!(
            parse_response(b"\xff\xfe"),
            Err(ParseError::Json(_))
        ));
        assert_eq!(
            parse_response(b"{}"),
            Err(ParseError::Missing("candidates"))
        );
        assert_eq!(
            parse_response(
                br#"{"candidates": [{"content": {"parts": "x"}, "finishReason": "STOP"}]}"#
            ),
            Err(ParseError::Missing("answer text"))
        );
        let thought_only = br#"{"candidates": [{"content": {"parts": [
            {"text": "thinking", "thought": true}, {"text": "Acme."}]},
            "groundingMetadata": {"groundingChunks": [{"web": 5}, {"retrievedContext": {}}]}}]}"#;
        let answer = parse_response(thought_only).unwrap();
        assert_eq!(answer.text, "Acme.");
        assert!(answer.citations.is_empty());
    }
}
