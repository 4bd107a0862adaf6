//! `aivis check` over real HTTP for every HTTP engine kind (openai_chat, openai_responses,
//! anthropic, gemini, perplexity, html): a wiremock server on loopback answers with the
//! providers' documented response shapes (fixtures in tests/fixtures/engines, sources in its
//! README), and only to requests with the kind's path, auth headers, model and prompt. Per
//! kind: success with citations, success without, rate limited with Retry-After, server
//! errors, the provider's error body, a timeout and a malformed body. Each outcome must be
//! stored as the user expects, on SQLite and PostgreSQL (run side by side), and the API key
//! must never be.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use aivis::checks::client::RetryPolicy;
use aivis::checks::engines::EngineKind;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::{CheckSelection, CheckSummary, run_checks};
use aivis::config::{EngineConfig, Settings};
use aivis::demo::demo_site;
use aivis::report::library::prepare;
use aivis::report::table::{Table, Value};
use aivis::store::Store;
use common::TestDb;
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-do-not-log-4242";
const KEY_VAR: &str = "AIVIS_TEST_KEY";
const MODEL: &str = "test-model";
const PROMPT: &str = "Which project management tool suits a small team?";
/// Seconds the rate-limited call asks to wait (more than the retry policy's own backoff).
const RETRY_AFTER_SECONDS: i64 = 1;

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
    /// The model stored for the citations and plain fixtures (the configured one when the
    /// response names none).
    models: [&'static str; 2],
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
        models: ["gpt-4o-search-preview-2025-03-11", "gpt-4o-mini-2024-07-18"],
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
        models: ["gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14"],
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
        models: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"],
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
        models: ["gemini-2.5-flash", "gemini-2.0-flash"],
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
        models: ["sonar-pro", "sonar"],
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
        error_text: "403 Forbidden",
        models: [MODEL, MODEL],
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

/// What each engine of a kind is served; the engine is named `<kind>-<case>`.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    /// The citations fixture.
    Cite,
    /// The fixture without citations.
    Plain,
    /// 429 with Retry-After once, then the citations fixture.
    Flaky,
    /// 503 every time.
    Down,
    /// The provider's error fixture with its documented status.
    Denied,
    /// The citations fixture, after the engine's timeout.
    Slow,
    /// A 200 that is neither the provider's JSON nor a page with the configured elements.
    Garbage,
}

impl Case {
    const ALL: [Case; 7] = [
        Case::Cite,
        Case::Plain,
        Case::Flaky,
        Case::Down,
        Case::Denied,
        Case::Slow,
        Case::Garbage,
    ];

    fn name(self) -> &'static str {
        match self {
            Case::Cite => "cite",
            Case::Plain => "plain",
            Case::Flaky => "flaky",
            Case::Down => "down",
            Case::Denied => "denied",
            Case::Slow => "slow",
            Case::Garbage => "garbage",
        }
    }
}

fn engine_name(provider: &Provider, case: Case) -> String {
    format!("{}-{}", provider.kind.as_str(), case.name())
}

fn is_html(provider: &Provider) -> bool {
    provider.kind == EngineKind::Html
}

fn fixture(kind: EngineKind, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/engines/{}/{name}",
        env!("CARGO_MANIFEST_DIR"),
        kind.as_str()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A body of the kind's documented shape (`html` pages, JSON otherwise).
fn body(provider: &Provider, status: u16, text: String) -> ResponseTemplate {
    let content_type = if is_html(provider) {
        "text/html; charset=utf-8"
    } else {
        "application/json"
    };
    ResponseTemplate::new(status).set_body_raw(text, content_type)
}

/// An error with `message` in the kind's format: an error page for `html`, the common
/// `{"error": {"message"}}` JSON otherwise.
fn error_body(provider: &Provider, status: u16, message: &str) -> ResponseTemplate {
    let text = if is_html(provider) {
        format!("<html><body><h1>{message}</h1></body></html>")
    } else {
        format!(r#"{{"error":{{"message":"{message}"}}}}"#)
    };
    body(provider, status, text)
}

/// The request an engine of this kind sends: method, path, the documented auth headers and
/// the configured model and prompt (a request missing any of them gets no answer, so the
/// call fails).
fn request(provider: &Provider, case: Case) -> MockBuilder {
    let route = format!(
        "/{}{}{}",
        engine_name(provider, case),
        provider.root,
        provider.route
    );
    let mut mock = if is_html(provider) {
        Mock::given(method("GET"))
            .and(path(route))
            .and(query_param("q", PROMPT))
    } else {
        let mock = Mock::given(method("POST"))
            .and(path(route))
            .and(body_string_contains(PROMPT));
        // The model goes in the body unless the path names it (gemini).
        if provider.route.contains(MODEL) {
            mock
        } else {
            mock.and(body_string_contains(format!("\"{MODEL}\"")))
        }
    };
    for (name, value) in provider.auth {
        mock = mock.and(header(*name, value.replace("{key}", KEY).as_str()));
    }
    mock
}

/// Mounts what each case of `provider` is served, and how often it must be asked.
async fn serve(server: &MockServer, provider: &Provider) {
    let kind = provider.kind;
    let (success, plain) = if is_html(provider) {
        ("results.html", "no_results.html")
    } else {
        ("success_citations.json", "success_plain.json")
    };
    let ok = || body(provider, 200, fixture(kind, success));
    let denied = if is_html(provider) {
        error_body(provider, provider.error_status, provider.error_text)
    } else {
        body(provider, provider.error_status, fixture(kind, "error.json"))
    };
    let served = [
        (Case::Cite, ok(), 1),
        (Case::Plain, body(provider, 200, fixture(kind, plain)), 1),
        (Case::Flaky, ok(), 1),
        (Case::Down, error_body(provider, 503, "overloaded"), 3),
        (Case::Denied, denied, 1),
        (Case::Slow, ok().set_delay(Duration::from_secs(3)), 3),
        (
            Case::Garbage,
            ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"),
            1,
        ),
    ];
    // Mounted first, so the flaky engine's first call is rate limited.
    request(provider, Case::Flaky)
        .respond_with(
            error_body(provider, 429, "Rate limit reached")
                .insert_header("retry-after", RETRY_AFTER_SECONDS.to_string().as_str()),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    for (case, response, calls) in served {
        request(provider, case)
            .respond_with(response)
            .expect(calls)
            .mount(server)
            .await;
    }
}

fn engine(server: &str, provider: &Provider, case: Case) -> EngineConfig {
    let name = engine_name(provider, case);
    let prefix = format!("{server}/{name}");
    let html = is_html(provider);
    EngineConfig {
        model: MODEL.into(),
        base_url: (!html).then(|| format!("{prefix}{}", provider.root)),
        api_key_env: (!html).then(|| KEY_VAR.into()),
        samples: 1,
        requests_per_minute: 6000,
        timeout_seconds: if case == Case::Slow { 1 } else { 10 },
        web_search: !html,
        input_usd_per_mtok: Some(2.0),
        output_usd_per_mtok: Some(8.0),
        url_template: html.then(|| format!("{prefix}{}?q={{query}}", provider.route)),
        answer_selector: html.then(|| "section.ai-answer p".into()),
        link_selector: html.then(|| "a.result-link".into()),
        ..EngineConfig::new(&name, provider.kind)
    }
}

/// Runs one check of the demo site's prompt on every engine, with a short retry policy.
async fn check_everything(store: &Store, engines: Vec<EngineConfig>) -> CheckSummary {
    let settings = Settings {
        sites: vec![demo_site()],
        engines,
        ..Settings::default()
    };
    let prompt = NewPrompt {
        text: PROMPT.into(),
        tags: Vec::new(),
        engines: Vec::new(),
    };
    store.add_prompt("acme", &prompt, 1).await.unwrap();
    let env = |name: &str| (name == KEY_VAR).then(|| KEY.to_string());
    let policy = RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_secs(2),
    };
    let cancel = CancellationToken::new();
    run_checks(
        store,
        &settings,
        &aivis::checks::client::http_client().unwrap(),
        &CheckSelection::default(),
        &env,
        policy,
        &cancel,
    )
    .await
    .unwrap()
}

/// One stored answer, as the user reads it back.
#[derive(Debug)]
struct Answer {
    status: String,
    attempts: i64,
    http_status: Option<i64>,
    error: Option<String>,
    /// Input tokens, output tokens, cost.
    usage: [Value; 3],
    text: Option<String>,
    model: Option<String>,
    latency_ms: i64,
}

const ANSWERS: &str = "SELECT engine, status, attempts, http_status, error, input_tokens, \
    output_tokens, cost_usd, text, model, latency_ms FROM answers ORDER BY engine";

impl Answer {
    fn from_row(row: &[Value]) -> Answer {
        let text = |i: usize| row[i].as_str().map(str::to_string);
        Answer {
            status: text(0).unwrap(),
            attempts: row[1].as_i64().unwrap(),
            http_status: row[2].as_i64(),
            error: text(3),
            usage: [row[4].clone(), row[5].clone(), row[6].clone()],
            text: text(7),
            model: text(8),
            latency_ms: row[9].as_i64().unwrap(),
        }
    }
}

/// What a backend stored, by engine.
struct Stored {
    answers: BTreeMap<String, Vec<Vec<Value>>>,
    /// origin, url, owner_role, in position order.
    citations: BTreeMap<String, Vec<Vec<Value>>>,
    /// entity, role, mentioned.
    mentions: BTreeMap<String, Vec<Vec<Value>>>,
}

impl Stored {
    async fn read(store: &Store) -> Stored {
        Stored {
            answers: by_engine(store, ANSWERS).await,
            citations: by_engine(
                store,
                "SELECT a.engine, c.origin, c.url, c.owner_role FROM citations c \
                 JOIN answers a ON a.id = c.answer_id ORDER BY a.engine, c.position",
            )
            .await,
            mentions: by_engine(
                store,
                "SELECT a.engine, m.entity, m.role, m.mentioned FROM mentions m \
                 JOIN answers a ON a.id = m.answer_id ORDER BY a.engine, m.entity",
            )
            .await,
        }
    }

    fn answer(&self, engine: &str) -> Answer {
        let rows = &self.answers[engine];
        assert_eq!(rows.len(), 1, "one answer per engine: {engine}");
        Answer::from_row(&rows[0])
    }

    /// The provider's citations: (url, owner_role).
    fn provider_citations(&self, engine: &str) -> Vec<Vec<Value>> {
        let rows = self.citations.get(engine).map_or(&[][..], Vec::as_slice);
        rows.iter()
            .filter(|row| row[0].as_str() == Some("provider"))
            .map(|row| row[1..].to_vec())
            .collect()
    }
}

/// Rows of `sql` keyed by their first column (the engine), the other columns as values.
async fn by_engine(store: &Store, sql: &str) -> BTreeMap<String, Vec<Vec<Value>>> {
    let mut rows: BTreeMap<String, Vec<Vec<Value>>> = BTreeMap::new();
    for row in query(store, sql).await.rows {
        let engine = row[0].as_str().unwrap().to_string();
        rows.entry(engine).or_default().push(row[1..].to_vec());
    }
    rows
}

async fn query(store: &Store, sql: &str) -> Table {
    store.run_own_sql(&prepare(sql), &[]).await.unwrap()
}

/// What the user must find for an engine: status, attempts, HTTP status, a piece of the
/// error, the model.
fn expected(provider: &Provider, case: Case) -> (&str, i64, Option<i64>, &str, &str) {
    let [cited_model, plain_model] = provider.models;
    let malformed = if is_html(provider) {
        "lacks answer text"
    } else {
        "not valid JSON"
    };
    match case {
        Case::Cite => ("ok", 1, Some(200), "", cited_model),
        Case::Plain => ("ok", 1, Some(200), "", plain_model),
        Case::Flaky => ("ok", 2, Some(200), "", cited_model),
        // Transient: every attempt used.
        Case::Down => ("failed", 3, Some(503), "HTTP 503", MODEL),
        // Permanent: asked once, the provider's message kept.
        Case::Denied => (
            "failed",
            1,
            Some(i64::from(provider.error_status)),
            provider.error_text,
            MODEL,
        ),
        Case::Slow => ("failed", 3, None, "timed out", MODEL),
        // Failed at once, never "not mentioned".
        Case::Garbage => ("failed", 1, Some(200), malformed, MODEL),
    }
}

fn check_engine(backend: &str, server: &str, stored: &Stored, provider: &Provider, case: Case) {
    let engine = engine_name(provider, case);
    let answer = stored.answer(&engine);
    let at = format!("{backend} {engine}: {answer:?}");
    let (status, attempts, http_status, error, model) = expected(provider, case);
    assert_eq!(
        (answer.status.as_str(), answer.attempts, answer.http_status),
        (status, attempts, http_status),
        "{at}"
    );
    assert_eq!(answer.model.as_deref(), Some(model), "{at}");
    let mentions = stored.mentions.get(&engine);
    if status == "ok" {
        assert_eq!(answer.error, None, "{at}");
        assert!(
            answer.text.as_deref().is_some_and(|t| !t.is_empty()),
            "{at}"
        );
        let acme = vec![Value::Text("Acme".into()), Value::Text("brand".into())];
        assert!(
            mentions.is_some_and(|rows| rows.contains(&[acme, vec![Value::Int(1)]].concat())),
            "the answer names Acme: {at} {mentions:?}"
        );
    } else {
        assert!(
            answer.error.as_deref().unwrap_or("").contains(error),
            "{at}"
        );
        assert_eq!(answer.text, None, "{at}");
        assert_eq!(mentions, None, "a failed call has no mention rows: {at}");
        assert_eq!(stored.citations.get(&engine), None, "nor citations: {at}");
    }
    match case {
        Case::Cite => check_cited(server, stored, provider, &answer, &at),
        Case::Plain => assert_eq!(
            stored.provider_citations(&engine),
            Vec::<Vec<Value>>::new(),
            "{at}"
        ),
        Case::Flaky => assert!(
            answer.latency_ms >= 1000 * RETRY_AFTER_SECONDS,
            "Retry-After honoured: {at}"
        ),
        _ => {}
    }
}

/// The citations answer: its usage and cost, and its provider citations with their owners.
fn check_cited(server: &str, stored: &Stored, provider: &Provider, answer: &Answer, at: &str) {
    match provider.usage {
        Some((input, output)) => {
            let cost = (input as f64 * 2.0 + output as f64 * 8.0) / 1e6;
            assert_eq!(
                answer.usage[..2],
                [Value::Int(input), Value::Int(output)],
                "{at}"
            );
            assert!(
                matches!(answer.usage[2], Value::Float(c) if c > 0.0 && (c - cost).abs() < 1e-9),
                "{at}"
            );
        }
        None => assert_eq!(
            answer.usage,
            [Value::Null, Value::Null, Value::Null],
            "{at}"
        ),
    }
    let expected: Vec<Vec<Value>> = provider
        .cited
        .iter()
        .map(|(url, owner)| {
            vec![
                Value::Text(url.replace("{server}", server)),
                owner.map_or(Value::Null, |o| Value::Text(o.into())),
            ]
        })
        .collect();
    let engine = engine_name(provider, Case::Cite);
    assert_eq!(stored.provider_citations(&engine), expected, "{at}");
}

/// Every engine of every kind against one loopback server, checked on one backend.
async fn check_backend(db: TestDb) {
    let server = MockServer::start().await;
    let uri = server.uri();
    let mut engines = Vec::new();
    for provider in PROVIDERS {
        serve(&server, provider).await;
        engines.extend(Case::ALL.map(|case| engine(&uri, provider, case)));
    }
    let store = Store::connect(&db.url).await.unwrap();
    let summary = check_everything(&store, engines).await;
    let kinds = PROVIDERS.len() as u64;
    assert_eq!(
        (summary.answers, summary.failed),
        (3 * kinds, 4 * kinds),
        "{}: {summary:?}",
        db.name
    );
    assert!(
        summary.failures.iter().all(|f| !f.contains(KEY)),
        "{summary:?}"
    );
    let stored = Stored::read(&store).await;
    for provider in PROVIDERS {
        for case in Case::ALL {
            check_engine(db.name, &uri, &stored, provider, case);
        }
    }
    let everything = query(&store, "SELECT * FROM answers").await;
    for value in everything.rows.iter().flatten() {
        assert!(
            !value.as_str().unwrap_or("").contains(KEY),
            "{}: the key leaked into the answers table: {value:?}",
            db.name
        );
    }
    server.verify().await;
    store.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_engine_kind_over_http_stores_each_outcome_as_the_user_expects_on_both_backends() {
    let [sqlite, postgres]: [TestDb; 2] = TestDb::both().await.try_into().ok().unwrap();
    tokio::join!(check_backend(sqlite), check_backend(postgres));
}
