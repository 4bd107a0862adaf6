//! Prompt-check alerts on both backends, from replay answers: two engines answer ten prompts
//! three times; in the first run both name the brand and cite its site; the run's answers are
//! moved ten days back; in the second run one engine no longer names or cites the brand. An
//! evaluation as of today raises `mention_rate` and `own_citation_rate` for that engine (down)
//! and nothing for the other.

mod common;

use std::path::Path;

use aivis::checks::client::RetryPolicy;
use aivis::checks::engines::EngineKind;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::CheckSelection;
use aivis::config::{EngineConfig, Settings};
use aivis::demo::demo_site;
use aivis::service::{self, App, EvaluateRequest};
use common::TestDb;

const PROMPTS: usize = 10;

fn engine(name: &str, answers: &Path) -> EngineConfig {
    EngineConfig {
        samples: 3,
        requests_per_minute: 6000,
        path: Some(answers.to_path_buf()),
        ..EngineConfig::new(name, EngineKind::Replay)
    }
}

/// Three recorded answers for each prompt, naming and citing Acme or not.
fn write_answers(path: &Path, names_acme: bool) {
    let mut out = String::new();
    for p in 0..PROMPTS {
        for _ in 0..3 {
            let (text, citations) = if names_acme {
                (
                    "Try Acme, the cookieless analytics tool.",
                    r#"["https://www.acme.test/pricing"]"#,
                )
            } else {
                (
                    "Try Globex, the hosted analytics tool.",
                    r#"["https://globex.test/"]"#,
                )
            };
            out.push_str(&format!(
                "{{\"prompt\": \"best analytics tool number {p}\", \"text\": \"{text}\", \"citations\": {citations}, \"model\": \"replay\"}}\n"
            ));
        }
    }
    std::fs::write(path, out).unwrap();
}

#[tokio::test]
async fn an_engine_that_stops_naming_the_brand_raises_its_alerts() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let (naming, silent) = (
            dir.path().join("naming.ndjson"),
            dir.path().join("silent.ndjson"),
        );
        write_answers(&naming, true);
        write_answers(&silent, false);
        let settings = |gpt: &Path| Settings {
            database_url: db.url.clone(),
            sites: vec![demo_site()],
            engines: vec![engine("gpt", gpt), engine("claude", &naming)],
            ..Settings::default()
        };
        let no_env = |_: &str| None;
        let app = App::open(settings(&naming)).await.unwrap();
        for p in 0..PROMPTS {
            let prompt = NewPrompt {
                text: format!("best analytics tool number {p}"),
                tags: Vec::new(),
                engines: Vec::new(),
            };
            app.store().add_prompt("acme", &prompt, 0).await.unwrap();
        }
        let first = service::check(
            &app,
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            (first.answers, first.failed),
            (2 * 3 * PROMPTS as u64, 0),
            "{}: {first:?}",
            db.name
        );
        app.close().await;
        // The first run's answers: ten days ago.
        let today = aivis::day::day_number(aivis::day::now_unix());
        let then = aivis::day::day_text((today - 10) * 86_400);
        common::execute(
            &db.url,
            &format!("UPDATE answers SET asked_at = asked_at - 864000, day = '{then}'"),
        )
        .await;
        let app = App::open(settings(&silent)).await.unwrap();
        service::check(
            &app,
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
        )
        .await
        .unwrap();
        let request = EvaluateRequest {
            site: Some("acme".into()),
            as_of: Some(aivis::day::day_text(today * 86_400)),
            dry_run: false,
        };
        let alerts = service::evaluate(&app, request).await.unwrap();
        app.close().await;
        let mut keys: Vec<&str> = alerts.iter().map(|a| a.alert.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["mention_rate:acme:gpt", "own_citation_rate:acme:gpt"],
            "{}",
            db.name
        );
        for alert in &alerts {
            assert_eq!(alert.alert.direction, "down");
            assert_eq!(alert.alert.severity, "critical");
            let numbers: serde_json::Value = serde_json::from_str(&alert.alert.numbers).unwrap();
            assert_eq!(numbers["current"]["answers"], 30);
            assert_eq!(numbers["current"]["hits"], 0);
            assert_eq!(numbers["baseline"]["hits"], 30);
        }
        let mention = alerts
            .iter()
            .find(|a| a.alert.kind == "mention_rate")
            .unwrap();
        assert!(
            mention.alert.sentence.starts_with(
                "gpt mentioned the brand in 0.0% of its answers this week against 100.0%"
            ),
            "{}",
            mention.alert.sentence
        );
        db.drop_db().await;
    }
}
