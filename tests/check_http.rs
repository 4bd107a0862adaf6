//! `aivis check` over real HTTP for every HTTP engine kind (openai_chat, openai_responses,
//! anthropic, gemini, perplexity, html): a wiremock server on loopback answers with the
//! providers' documented response shapes (fixtures in tests/fixtures/engines, sources in its
//! README). Per kind: success with citations, success without, rate limited with Retry-After,
//! server errors, the provider's error body, a timeout and a malformed body. Each outcome must
//! be stored as the user expects, on SQLite and PostgreSQL, and the API key must never be.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aivis::checks::client::RetryPolicy;
use aivis::checks::engines::EngineKind;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::{CheckSelection, run_checks};
use aivis::config::{EngineConfig, Settings};
use aivis::demo::demo_site;
use aivis::report::library::prepare;
use aivis::report::table::{Table, Value};
use aivis::store::Store;
use common::TestDb;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-do-not-log-4242";
const PROMPT: &str = "Which project management tool suits a small team?";

/// How one engine kind is served and what its documented fixtures must yield.
struct Provider {
    kind: EngineKind,
    /// The API root below the engine's own prefix (`/v1`), as `base_url` would name it.
    root: &'static str,
    /// The request path below the root.
    route: &'static str,
    /// Headers the adapter must send (`{key}` stands for the API key).
    auth: &'static [(&'static str, &'static str)],
    /// The status the kind's error fixture is served with, and a piece of its message.
    error_status: u16,
    error_text: &'static str,
    /// Provider citations of `success_citations` in order (`{server}` for the loopback
    /// server's URL), with the owner role each must get.
    cited: &'static [(&'static str, Option<&'static str>)],
    /// Token usage of `success_citations`, when the kind reports usage.
    usage: Option<(i64, i64)>,
}

const BEARER: &[(&str, &str)] = &[("authorization", "Bearer {key}")];

const PROVIDERS: &[Provider] = &[
    Provider {
        kind: EngineKind::OpenaiChat,
        root: "/v1",
        route: "/chat/completions",
        auth: BEARER,
        error_status: 404,
        error_text: "gpt-9-turbo",
        cited: &[
            ("https://www.acme.test/pricing", Some("brand")),
            ("https://globex.test/plans", Some("competitor")),
            ("https://reviews.example/project-tools-2025", None),
        ],
        usage: Some((17, 126)),
    },
    Provider {
        kind: EngineKind::OpenaiResponses,
        root: "/v1",
        route: "/responses",
        auth: BEARER,
        error_status: 400,
        error_text: "Tool 'web_search' is not supported",
        cited: &[
            ("https://www.acme.test/pricing", Some("brand")),
            ("https://globex.test/plans", Some("competitor")),
            ("https://reviews.example/project-tools-2025", None),
        ],
        usage: Some((312, 98)),
    },
    Provider {
        kind: EngineKind::Anthropic,
        root: "/v1",
        route: "/messages",
        auth: &[("x-api-key", "{key}"), ("anthropic-version", "2023-06-01")],
        error_status: 404,
        error_text: "claude-opus-9",
        cited: &[
            ("https://www.acme.test/pricing", Some("brand")),
            ("https://globex.test/plans", Some("competitor")),
            ("https://reviews.example/project-tools-2025", None),
            (
                "https://blog.initech.test/initech-vs-acme",
                Some("competitor"),
            ),
        ],
        usage: Some((7311, 214)),
    },
    Provider {
        kind: EngineKind::Gemini,
        root: "/v1beta",
        route: "/models/test-model:generateContent",
        auth: &[("x-goog-api-key", "{key}")],
        error_status: 404,
        error_text: "gemini-9.0-pro is not found",
        // Grounding redirect links mapped to the source's domain.
        cited: &[
            ("https://reviews.example/", None),
            ("https://acme.test/", Some("brand")),
            ("https://globex.test/", Some("competitor")),
        ],
        // Candidates' tokens plus thinking tokens, both billed as output.
        usage: Some((11, 61 + 252)),
    },
    Provider {
        kind: EngineKind::Perplexity,
        root: "",
        route: "/chat/completions",
        auth: BEARER,
        error_status: 400,
        error_text: "Invalid model 'sonar-ultra'",
        cited: &[
            ("https://reviews.example/project-tools-2025", None),
            ("https://www.acme.test/pricing", Some("brand")),
            ("https://globex.test/plans", Some("competitor")),
            ("https://forum.example/t/acme-vs-globex/8812", None),
        ],
        usage: Some((10, 92)),
    },
    Provider {
        kind: EngineKind::Html,
        root: "",
        route: "/search",
        auth: &[],
        error_status: 403,
        error_text: "HTTP 403",
        // Relative links resolve against the page's URL on the loopback server.
        cited: &[
            ("https://www.acme.test/pricing", Some("brand")),
            ("{server}/url?q=https%3A%2F%2Fglobex.test%2Fplans", None),
            ("http://reviews.example/project-tools-2025", None),
            ("{server}/html-cite/reviews/acme-vs-globex", None),
        ],
        usage: None,
    },
];

/// What each engine of a kind is served.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    Cite,
    Plain,
    Flaky,
    Down,
    Denied,
    Slow,
    Garbage,
}

const CASES: [(Case, &str); 7] = [
    (Case::Cite, "cite"),
    (Case::Plain, "plain"),
    (Case::Flaky, "flaky"),
    (Case::Down, "down"),
    (Case::Denied, "denied"),
    (Case::Slow, "slow"),
    (Case::Garbage, "garbage"),
];

fn fixture(kind: EngineKind, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/engines/{}/{name}",
        env!("CARGO_MANIFEST_DIR"),
        kind.as_str()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn engine_name(provider: &Provider, case: &str) -> String {
    format!("{}-{case}", provider.kind.as_str())
}

/// A body of the kind's documented shape (`html` pages, JSON otherwise).
fn body(provider: &Provider, status: u16, text: String) -> ResponseTemplate {
    let content_type = if provider.kind == EngineKind::Html {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    ResponseTemplate::new(status).set_body_raw(text, content_type)
}

/// The request an engine of this kind sends: method, path and, where the kind takes a key,
/// the documented auth headers (a wrong header gets no answer, so the call fails).
fn request(server_prefix: &str, provider: &Provider) -> MockBuilder {
    let route = format!("/{server_prefix}{}{}", provider.root, provider.route);
    let mut mock = if provider.kind == EngineKind::Html {
        Mock::given(method("GET"))
            .and(path(route))
            .and(query_param("q", PROMPT))
    } else {
        Mock::given(method("POST")).and(path(route))
    };
    for (name, value) in provider.auth {
        mock = mock.and(header(*name, value.replace("{key}", KEY).as_str()));
    }
    mock
}

async fn serve(server: &MockServer, provider: &Provider) {
    let kind = provider.kind;
    let (success, plain) = if kind == EngineKind::Html {
        ("results.html", "no_results.html")
    } else {
        ("success_citations.json", "success_plain.json")
    };
    let ok = || body(provider, 200, fixture(kind, success));
    let prefix = |case: &str| engine_name(provider, case);
    request(&prefix("cite"), provider)
        .respond_with(ok())
        .expect(1)
        .mount(server)
        .await;
    request(&prefix("plain"), provider)
        .respond_with(body(provider, 200, fixture(kind, plain)))
        .expect(1)
        .mount(server)
        .await;
    // Rate limited once (with Retry-After), then fine.
    request(&prefix("flaky"), provider)
        .respond_with(
            body(
                provider,
                429,
                r#"{"error":{"message":"Rate limit reached"}}"#.into(),
            )
            .insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    request(&prefix("flaky"), provider)
        .respond_with(ok())
        .expect(1)
        .mount(server)
        .await;
    request(&prefix("down"), provider)
        .respond_with(body(
            provider,
            503,
            r#"{"error":{"message":"overloaded"}}"#.into(),
        ))
        .expect(3)
        .mount(server)
        .await;
    let denied = if kind == EngineKind::Html {
        "<html><body><h1>403 Forbidden</h1></body></html>".to_string()
    } else {
        fixture(kind, "error.json")
    };
    request(&prefix("denied"), provider)
        .respond_with(body(provider, provider.error_status, denied))
        .expect(1)
        .mount(server)
        .await;
    request(&prefix("slow"), provider)
        .respond_with(ok().set_delay(Duration::from_secs(3)))
        .mount(server)
        .await;
    // A 200 that is neither the provider's JSON nor a page with the configured elements.
    request(&prefix("garbage"), provider)
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .expect(1)
        .mount(server)
        .await;
}

fn engine(server: &str, provider: &Provider, case: Case, name: &str) -> EngineConfig {
    let prefix = format!("{server}/{}", engine_name(provider, name));
    let html = provider.kind == EngineKind::Html;
    EngineConfig {
        model: "test-model".into(),
        base_url: (!html).then(|| format!("{prefix}{}", provider.root)),
        api_key_env: (!html).then(|| "AIVIS_TEST_KEY".into()),
        samples: 1,
        requests_per_minute: 6000,
        timeout_seconds: if case == Case::Slow { 1 } else { 10 },
        web_search: !html,
        max_tokens: 512,
        input_usd_per_mtok: Some(2.0),
        output_usd_per_mtok: Some(8.0),
        url_template: html.then(|| format!("{prefix}{}?q={{query}}", provider.route)),
        answer_selector: html.then(|| "section.ai-answer p".into()),
        link_selector: html.then(|| "a.result-link".into()),
        ..EngineConfig::new(&engine_name(provider, name), provider.kind)
    }
}

/// Rows of `sql` keyed by their first column (the engine), the other columns as values.
async fn by_engine(store: &Store, sql: &str) -> BTreeMap<String, Vec<Vec<Value>>> {
    let table: Table = store.run_query(&prepare(sql), &[]).await.unwrap();
    let mut rows: BTreeMap<String, Vec<Vec<Value>>> = BTreeMap::new();
    for row in table.rows {
        let engine = row[0].as_str().unwrap().to_string();
        rows.entry(engine).or_default().push(row[1..].to_vec());
    }
    rows
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or("").to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_engine_kind_over_http_stores_each_outcome_as_the_user_expects_on_both_backends() {
    for db in TestDb::both().await {
        let server = MockServer::start().await;
        let uri = server.uri();
        let mut engines = Vec::new();
        for provider in PROVIDERS {
            serve(&server, provider).await;
            for (case, name) in CASES {
                engines.push(engine(&uri, provider, case, name));
            }
        }
        let settings = Settings {
            sites: vec![demo_site()],
            engines,
            ..Settings::default()
        };
        let store = Store::connect(&db.url).await.unwrap();
        let prompt = NewPrompt {
            text: PROMPT.into(),
            tags: Vec::new(),
            engines: Vec::new(),
        };
        store.add_prompt("acme", &prompt, 1).await.unwrap();
        let env = |name: &str| (name == "AIVIS_TEST_KEY").then(|| KEY.to_string());
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(2),
        };
        let summary = run_checks(&store, &settings, &CheckSelection::default(), &env, policy)
            .await
            .unwrap();
        let kinds = PROVIDERS.len() as u64;
        assert_eq!(
            (summary.answers, summary.failed),
            (3 * kinds, 4 * kinds),
            "{}: {summary:?}",
            db.name
        );

        let answers = by_engine(
            &store,
            "SELECT engine, status, attempts, http_status, error, input_tokens, output_tokens, \
             cost_usd, text FROM answers ORDER BY engine",
        )
        .await;
        let cited = by_engine(
            &store,
            "SELECT a.engine, c.url, c.owner_role FROM citations c \
             JOIN answers a ON a.id = c.answer_id \
             WHERE c.origin = 'provider' ORDER BY a.engine, c.position",
        )
        .await;
        let brand = by_engine(
            &store,
            "SELECT a.engine, m.mentioned FROM mentions m JOIN answers a ON a.id = m.answer_id \
             WHERE m.role = 'brand' ORDER BY a.engine",
        )
        .await;
        for provider in PROVIDERS {
            let kind = provider.kind.as_str();
            let row = |case: &str| {
                let rows = &answers[&engine_name(provider, case)];
                assert_eq!(rows.len(), 1, "{} {kind}-{case}", db.name);
                rows[0].clone()
            };
            let at = |case: &str| format!("{} {kind}-{case}: {:?}", db.name, row(case));
            // ok calls: stored with their text, usage and cost where the provider reports
            // usage, and their provider citations in order with their owners.
            for case in ["cite", "plain", "flaky"] {
                let r = row(case);
                assert_eq!(text(&r[0]), "ok", "{}", at(case));
                assert!(!text(&r[7]).is_empty(), "{}", at(case));
                assert_eq!(
                    brand.get(&engine_name(provider, case)),
                    Some(&vec![vec![Value::Int(1)]]),
                    "the answer names Acme: {}",
                    at(case)
                );
            }
            assert_eq!(row("cite")[1], Value::Int(1), "{}", at("cite"));
            assert_eq!(row("flaky")[1], Value::Int(2), "{}", at("flaky"));
            match provider.usage {
                Some((input, output)) => {
                    let r = row("cite");
                    assert_eq!(
                        (&r[4], &r[5]),
                        (&Value::Int(input), &Value::Int(output)),
                        "{}",
                        at("cite")
                    );
                    let cost = (input as f64 * 2.0 + output as f64 * 8.0) / 1e6;
                    assert!(
                        matches!(r[6], Value::Float(c) if (c - cost).abs() < 1e-9),
                        "{}",
                        at("cite")
                    );
                }
                None => assert_eq!(
                    row("cite")[4..7],
                    [Value::Null, Value::Null, Value::Null],
                    "{}",
                    at("cite")
                ),
            }
            let expected: Vec<Vec<Value>> = provider
                .cited
                .iter()
                .map(|(url, owner)| {
                    vec![
                        Value::Text(url.replace("{server}", &uri)),
                        owner.map_or(Value::Null, |o| Value::Text(o.into())),
                    ]
                })
                .collect();
            assert_eq!(
                cited.get(&engine_name(provider, "cite")),
                Some(&expected),
                "{} {kind}",
                db.name
            );
            assert_eq!(
                cited.get(&engine_name(provider, "plain")),
                None,
                "{} {kind}: no citations",
                db.name
            );
            // 503 every time: every attempt used, then failed with the status.
            let down = row("down");
            assert_eq!(
                (text(&down[0]), &down[1], &down[2]),
                ("failed".into(), &Value::Int(3), &Value::Int(503)),
                "{}",
                at("down")
            );
            // The provider's error: permanent, asked once, its message kept.
            let denied = row("denied");
            assert_eq!(
                (text(&denied[0]), &denied[1]),
                ("failed".into(), &Value::Int(1)),
                "{}",
                at("denied")
            );
            assert_eq!(
                denied[2],
                Value::Int(i64::from(provider.error_status)),
                "{}",
                at("denied")
            );
            assert!(
                text(&denied[3]).contains(provider.error_text),
                "{}",
                at("denied")
            );
            // A timeout is transient: retried, then failed.
            let slow = row("slow");
            assert_eq!(text(&slow[0]), "failed", "{}", at("slow"));
            assert!(text(&slow[3]).contains("timed out"), "{}", at("slow"));
            // A malformed 200: failed at once, never "not mentioned".
            let garbage = row("garbage");
            assert_eq!(
                (text(&garbage[0]), &garbage[1]),
                ("failed".into(), &Value::Int(1)),
                "{}",
                at("garbage")
            );
            for case in ["down", "denied", "slow", "garbage"] {
                assert!(
                    !brand.contains_key(&engine_name(provider, case)),
                    "a failed call has no mention rows: {}",
                    at(case)
                );
            }
        }
        for rows in answers.values() {
            for value in rows.iter().flatten() {
                assert!(
                    !text(value).contains(KEY),
                    "the key leaked into the answers table: {rows:?}"
                );
            }
        }
        server.verify().await;
        store.close().await;
        db.drop_db().await;
    }
}
