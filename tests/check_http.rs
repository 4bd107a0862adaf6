//! `aivis check` against real HTTP servers on loopback (wiremock) answering with the providers'
//! documented response shapes (fixtures in tests/fixtures/engines, sources in its README):
//! success, rate limiting with Retry-After, server errors, a denied key, a timeout and a
//! malformed body. Each outcome must be stored as the user expects, on SQLite and PostgreSQL.

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
use aivis::report::table::Value;
use aivis::store::Store;
use common::TestDb;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk-test-do-not-log-4242";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/engines/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn engine(name: &str, base_url: String, kind: EngineKind, timeout_seconds: u32) -> EngineConfig {
    EngineConfig {
        name: name.into(),
        kind,
        model: "test-model".into(),
        base_url: Some(base_url),
        api_key_env: Some("AIVIS_TEST_KEY".into()),
        samples: 1,
        requests_per_minute: 6000,
        timeout_seconds,
        web_search: false,
        max_tokens: 512,
        input_usd_per_mtok: Some(2.0),
        output_usd_per_mtok: Some(8.0),
        url_template: None,
        answer_selector: None,
        link_selector: None,
        path: None,
    }
}

/// One mock per engine under its own path prefix.
async fn serve(server: &MockServer) {
    let ok = fixture("openai_chat/success_citations.json");
    Mock::given(method("POST"))
        .and(path("/ok/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ok.clone(), "application/json"))
        .mount(server)
        .await;
    // Rate-limited once, then fine.
    Mock::given(method("POST"))
        .and(path("/flaky/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_raw(
                    r#"{"error":{"message":"Rate limit reached","type":"requests"}}"#,
                    "application/json",
                ),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/flaky/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(ok.clone(), "application/json"))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/down/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_raw(r#"{"error":{"message":"overloaded"}}"#, "application/json"),
        )
        .expect(3)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/denied/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#,
            "application/json",
        ))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/slow/v1/chat/completions"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(ok, "application/json")
                .set_delay(Duration::from_secs(3)),
        )
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/garbage/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>gateway</html>", "text/html"))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_http_outcome_is_stored_as_the_user_expects_on_both_backends() {
    for db in TestDb::both().await {
        let server = MockServer::start().await;
        serve(&server).await;
        let base = |name: &str| format!("{}/{name}/v1", server.uri());
        let settings = Settings {
            sites: vec![demo_site()],
            engines: vec![
                engine("ok", base("ok"), EngineKind::OpenaiChat, 10),
                engine("flaky", base("flaky"), EngineKind::OpenaiChat, 10),
                engine("down", base("down"), EngineKind::OpenaiChat, 10),
                engine("denied", base("denied"), EngineKind::OpenaiChat, 10),
                engine("slow", base("slow"), EngineKind::OpenaiChat, 1),
                engine("garbage", base("garbage"), EngineKind::OpenaiChat, 10),
            ],
            ..Settings::default()
        };
        let store = Store::connect(&db.url).await.unwrap();
        let prompt = NewPrompt {
            text: "Which web analytics tool should a shop use?".into(),
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
        assert_eq!(
            (summary.answers, summary.failed),
            (2, 4),
            "{}: {summary:?}",
            db.name
        );

        let sql = "SELECT engine, status, attempts, http_status, error, input_tokens, cost_usd, model \
                   FROM answers ORDER BY engine";
        let table = store.run_query(&prepare(sql), &[]).await.unwrap();
        let rows: BTreeMap<String, Vec<Value>> = table
            .rows
            .iter()
            .map(|r| (r[0].as_str().unwrap().to_string(), r[1..].to_vec()))
            .collect();
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        // ok: one call, usage and cost recorded.
        assert_eq!(text(&rows["ok"][0]), "ok");
        assert_eq!(rows["ok"][1], Value::Int(1));
        assert!(
            matches!(rows["ok"][4], Value::Int(n) if n > 0),
            "{:?}",
            rows["ok"]
        );
        assert!(
            matches!(rows["ok"][5], Value::Float(c) if c > 0.0),
            "{:?}",
            rows["ok"]
        );
        // 429 with Retry-After: waited and retried once.
        assert_eq!(
            (text(&rows["flaky"][0]), &rows["flaky"][1]),
            ("ok".into(), &Value::Int(2))
        );
        // 503 every time: all attempts used, then a failed answer with the status.
        assert_eq!(text(&rows["down"][0]), "failed");
        assert_eq!(
            (&rows["down"][1], &rows["down"][2]),
            (&Value::Int(3), &Value::Int(503))
        );
        // 401: permanent, not retried; the provider's message is kept, the key is not.
        assert_eq!(
            (&rows["denied"][1], &rows["denied"][2]),
            (&Value::Int(1), &Value::Int(401))
        );
        assert!(
            text(&rows["denied"][3]).contains("Incorrect API key"),
            "{:?}",
            rows["denied"]
        );
        // Timeout: transient, so retried, then failed.
        assert_eq!(text(&rows["slow"][0]), "failed");
        assert!(
            text(&rows["slow"][3]).contains("timed out"),
            "{:?}",
            rows["slow"]
        );
        // A 200 that is not the provider's JSON: failed, not retried, not "not mentioned".
        assert_eq!(
            (text(&rows["garbage"][0]), &rows["garbage"][1]),
            ("failed".into(), &Value::Int(1))
        );
        for row in rows.values() {
            assert!(
                !text(&row[3]).contains(KEY),
                "the key leaked into an error: {row:?}"
            );
        }
        let mentions = store
            .run_query(
                &prepare("SELECT a.engine, COUNT(*) AS n FROM mentions m JOIN answers a ON a.id = m.answer_id GROUP BY a.engine ORDER BY a.engine"),
                &[],
            )
            .await
            .unwrap();
        let engines: Vec<&str> = mentions
            .rows
            .iter()
            .map(|r| r[0].as_str().unwrap())
            .collect();
        assert_eq!(
            engines,
            ["flaky", "ok"],
            "failed calls have no mention rows"
        );
        server.verify().await;
        store.close().await;
        db.drop_db().await;
    }
}
