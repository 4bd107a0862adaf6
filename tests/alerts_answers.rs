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

/// What the recorded answers say.
#[derive(Clone, Copy)]
enum Says {
    /// Names and cites Acme alone.
    Acme,
    /// Names and cites Globex alone.
    Globex,
    /// Names Acme first, then Globex; cites Acme.
    AcmeFirst,
    /// Names Globex first, then Acme; cites Acme.
    GlobexFirst,
}

/// Three recorded answers for each prompt.
fn write_answers(path: &Path, says: Says) {
    let acme = r#"["https://www.acme.test/pricing"]"#;
    let (text, citations) = match says {
        Says::Acme => ("Try Acme, the cookieless analytics tool.", acme),
        Says::Globex => (
            "Try Globex, the hosted analytics tool.",
            r#"["https://globex.test/"]"#,
        ),
        Says::AcmeFirst => ("Acme is the best pick; Globex is fine too.", acme),
        Says::GlobexFirst => ("Globex is the best pick; Acme is fine too.", acme),
    };
    let mut out = String::new();
    for p in 0..PROMPTS {
        for _ in 0..3 {
            out.push_str(&format!(
                "{{\"prompt\": \"best analytics tool number {p}\", \"text\": \"{text}\", \"citations\": {citations}, \"model\": \"replay\"}}\n"
            ));
        }
    }
    std::fs::write(path, out).unwrap();
}

/// Runs a check of every prompt with engine `gpt` answering from `gpt` and `claude` from
/// `claude`, on `db`, and returns the app (open).
async fn check_once(url: &str, gpt: &Path, claude: &Path, add_prompts: bool) -> App {
    let settings = Settings {
        database_url: url.to_string(),
        sites: vec![demo_site()],
        engines: vec![engine("gpt", gpt), engine("claude", claude)],
        ..Settings::default()
    };
    let app = App::open(settings).await.unwrap();
    if add_prompts {
        for p in 0..PROMPTS {
            let prompt = NewPrompt {
                text: format!("best analytics tool number {p}"),
                tags: Vec::new(),
                engines: Vec::new(),
            };
            app.store().add_prompt("acme", &prompt, 0).await.unwrap();
        }
    }
    let no_env = |_: &str| None;
    let summary = service::check(
        &app,
        &CheckSelection::default(),
        &no_env,
        RetryPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        (summary.answers, summary.failed),
        (2 * 3 * PROMPTS as u64, 0),
        "{summary:?}"
    );
    app
}

/// Moves every stored answer `days` back.
async fn age_answers(url: &str, days: i64) {
    let today = aivis::day::day_number(aivis::day::now_unix());
    let then = aivis::day::day_text((today - days) * 86_400);
    let sql = format!(
        "UPDATE answers SET asked_at = asked_at - {}, day = '{then}'",
        days * 86_400
    );
    common::execute(url, &sql).await;
}

async fn evaluate_today(app: &App) -> Vec<aivis::service::EvaluatedAlert> {
    let today = aivis::day::day_number(aivis::day::now_unix());
    let request = EvaluateRequest {
        site: Some("acme".into()),
        as_of: Some(aivis::day::day_text(today * 86_400)),
        dry_run: false,
    };
    service::evaluate(app, request).await.unwrap()
}

/// An engine that now names a competitor first, where it named the brand first, raises
/// `top_rank_lost` for each prompt (and no mention or citation alert: the brand is still named
/// and cited).
#[tokio::test]
async fn a_competitor_named_first_raises_top_rank_lost() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let (acme_first, globex_first) = (
            dir.path().join("acme.ndjson"),
            dir.path().join("globex.ndjson"),
        );
        write_answers(&acme_first, Says::AcmeFirst);
        write_answers(&globex_first, Says::GlobexFirst);
        check_once(&db.url, &acme_first, &acme_first, true)
            .await
            .close()
            .await;
        age_answers(&db.url, 10).await;
        let app = check_once(&db.url, &globex_first, &acme_first, false).await;
        let alerts = evaluate_today(&app).await;
        app.close().await;
        assert_eq!(alerts.len(), PROMPTS, "{}: {alerts:?}", db.name);
        for alert in &alerts {
            assert_eq!(alert.alert.kind, "top_rank_lost", "{}: {alert:?}", db.name);
            assert!(
                alert.alert.key.starts_with("top_rank_lost:acme:gpt:"),
                "{alert:?}"
            );
            assert!(
                alert
                    .alert
                    .sentence
                    .starts_with("gpt now names Globex first for \"best analytics tool number"),
                "{}",
                alert.alert.sentence
            );
        }
        db.drop_db().await;
    }
}

#[tokio::test]
async fn an_engine_that_stops_naming_the_brand_raises_its_alerts() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let (naming, silent) = (
            dir.path().join("naming.ndjson"),
            dir.path().join("silent.ndjson"),
        );
        write_answers(&naming, Says::Acme);
        write_answers(&silent, Says::Globex);
        check_once(&db.url, &naming, &naming, true)
            .await
            .close()
            .await;
        // The first run's answers: ten days ago.
        age_answers(&db.url, 10).await;
        let app = check_once(&db.url, &silent, &naming, false).await;
        let alerts = evaluate_today(&app).await;
        app.close().await;
        let (rates, ranks): (Vec<_>, Vec<_>) =
            alerts.iter().partition(|a| a.alert.kind != "top_rank_lost");
        let mut keys: Vec<&str> = rates.iter().map(|a| a.alert.key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["mention_rate:acme:gpt", "own_citation_rate:acme:gpt"],
            "{}",
            db.name
        );
        for alert in &rates {
            assert_eq!(alert.alert.direction, "down");
            assert_eq!(alert.alert.severity, "critical");
            let numbers: serde_json::Value = serde_json::from_str(&alert.alert.numbers).unwrap();
            assert_eq!(numbers["current"]["answers"], 30);
            assert_eq!(numbers["current"]["hits"], 0);
            assert_eq!(numbers["baseline"]["hits"], 30);
        }
        let mention = rates
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
        // Globex, alone in gpt's answers now, is also named first where Acme was.
        assert_eq!(ranks.len(), PROMPTS, "{}: {ranks:?}", db.name);
        assert!(ranks.iter().all(|a| a.alert.subject.starts_with("gpt:")));
        db.drop_db().await;
    }
}
