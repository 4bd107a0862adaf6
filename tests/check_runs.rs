//! Check runs always close, on SQLite and PostgreSQL: an answer the database refuses (a
//! trigger the test creates makes the insert really fail) is that call's failure while the
//! run finishes and every other answer is stored; a run cancelled while calls are on the wire
//! (a loopback server answering slowly) stores those answers, starts no call after the cancel
//! and is closed as aborted; a run left `running` by a process that died is closed as aborted
//! by the next run once idle for a day; and runs stored before the status column existed get
//! one.

mod common;

use std::path::Path;
use std::time::Duration;

use aivis::checks::client::RetryPolicy;
use aivis::checks::engines::EngineKind;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::{CheckSelection, CheckSummary, RunStatus, STALE_RUN_SECONDS, run_checks};
use aivis::config::{EngineConfig, Settings};
use aivis::demo::checks::{DEMO_PROMPTS, REPLAY_ANSWERS, replay_engine};
use aivis::demo::demo_site;
use aivis::store::{Added, Backend, Store};
use common::{TestDb, execute, number, rows};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn add_prompts(store: &Store, texts: &[&str]) -> Vec<i64> {
    let mut ids = Vec::new();
    for text in texts {
        let prompt = NewPrompt {
            text: text.to_string(),
            tags: Vec::new(),
            engines: Vec::new(),
        };
        match store.add_prompt("acme", &prompt, 1).await.unwrap() {
            Added::New(id) => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    ids
}

async fn check(store: &Store, settings: &Settings, cancel: &CancellationToken) -> CheckSummary {
    let no_env = |_: &str| None;
    let selection = CheckSelection::default();
    run_checks(
        store,
        settings,
        &aivis::checks::client::http_client().unwrap(),
        &selection,
        &no_env,
        RetryPolicy::default(),
        cancel,
    )
    .await
    .unwrap()
}

/// The stored run: status, and whether it has a finished_at.
async fn run_row(url: &str, run_id: i64) -> (String, bool) {
    let sql = format!(
        "SELECT status, CASE WHEN finished_at IS NULL THEN 'open' ELSE 'closed' END \
         FROM check_runs WHERE id = {run_id}"
    );
    let row = rows(url, &sql).await.pop().unwrap();
    (row[0].clone(), row[1] == "closed")
}

/// Makes the database refuse, for prompt `prompt`'s second sample, the ok answer of every
/// engine and the failed answer of the engine `strict` too.
async fn refuse_answers(db: &TestDb, backend: Backend, prompt: i64, strict: &str) {
    let when = format!(
        "NEW.prompt_id = {prompt} AND NEW.sample = 2 AND (NEW.status = 'ok' OR NEW.engine = '{strict}')"
    );
    match backend {
        Backend::Sqlite => {
            execute(
                &db.url,
                &format!(
                    "CREATE TRIGGER refuse BEFORE INSERT ON answers WHEN {when} \
                     BEGIN SELECT RAISE(ABORT, 'boom'); END"
                ),
            )
            .await
        }
        Backend::Postgres => {
            execute(
                &db.url,
                &format!(
                    "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN IF {when} THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$"
                ),
            )
            .await;
            execute(
                &db.url,
                "CREATE TRIGGER refuse BEFORE INSERT ON answers FOR EACH ROW \
                 EXECUTE FUNCTION refuse()",
            )
            .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_the_database_refuses_fails_that_call_and_the_run_finishes_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.ndjson");
    std::fs::write(&answers, REPLAY_ANSWERS).unwrap();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let ids = add_prompts(&store, DEMO_PROMPTS).await;
        refuse_answers(&db, store.backend(), ids[1], "replay-strict").await;
        let strict = EngineConfig {
            name: "replay-strict".into(),
            ..replay_engine(&answers)
        };
        let settings = Settings {
            sites: vec![demo_site()],
            engines: vec![replay_engine(&answers), strict],
            ..Settings::default()
        };
        let summary = check(&store, &settings, &CancellationToken::new()).await;
        let at = format!("{}: {summary:?}", db.name);

        // 4 prompts × 3 samples per engine: one recorded failure, one refused answer each.
        assert_eq!(summary.status, RunStatus::Finished, "{at}");
        assert_eq!((summary.answers, summary.failed), (20, 4), "{at}");
        assert_eq!(summary.not_asked, 0, "{at}");
        for engine in ["replay-demo", "replay-strict"] {
            let tally = summary.by_engine[engine];
            assert_eq!((tally.ok, tally.failed), (10, 2), "{at}");
        }
        let refused: Vec<&String> = summary
            .failures
            .iter()
            .filter(|f| f.contains(&format!("prompt {}, sample 2: ", ids[1])))
            .collect();
        assert_eq!(refused.len(), 2, "{at}");
        assert!(
            refused
                .iter()
                .all(|f| f.contains("the answer could not be stored") && f.contains("boom")),
            "{at}"
        );
        assert!(
            refused
                .iter()
                .any(|f| f.starts_with("replay-strict") && f.ends_with("(nor its failure)")),
            "{at}"
        );
        assert_eq!(
            run_row(&db.url, summary.run_id).await,
            ("finished".into(), true)
        );

        // Every other answer is stored with its mentions; the refused ok answer of the lenient
        // engine is stored as a failed call, without its text.
        let stored = |engine: &str, status: &str| {
            format!(
                "SELECT COUNT(*) FROM answers WHERE engine = '{engine}' AND status = '{status}'"
            )
        };
        assert_eq!(
            number(&db.url, &stored("replay-demo", "ok")).await,
            10,
            "{at}"
        );
        assert_eq!(number(&db.url, &stored("replay-demo", "failed")).await, 2);
        assert_eq!(number(&db.url, &stored("replay-strict", "ok")).await, 10);
        assert_eq!(number(&db.url, &stored("replay-strict", "failed")).await, 1);
        let mentions = "SELECT COUNT(DISTINCT answer_id) FROM mentions";
        assert_eq!(number(&db.url, mentions).await, 20, "{at}");
        let refused_row = rows(
            &db.url,
            &format!(
                "SELECT engine, status, error, COALESCE(text, 'NULL') FROM answers \
                 WHERE prompt_id = {} AND sample = 2",
                ids[1]
            ),
        )
        .await;
        assert_eq!(refused_row.len(), 1, "{at}: {refused_row:?}");
        let [engine, status, error, text] = &refused_row[0][..] else {
            panic!("{refused_row:?}")
        };
        assert_eq!(
            (engine.as_str(), status.as_str()),
            ("replay-demo", "failed")
        );
        assert!(
            error.starts_with("the answer could not be stored") && error.contains("boom"),
            "{error}"
        );
        assert_eq!(text, "NULL");
        store.close().await;
        db.drop_db().await;
    }
}

/// An `html` engine at `server/name`, one request a second, its answer 1.5 s in coming.
fn slow_engine(server: &str, name: &str) -> EngineConfig {
    EngineConfig {
        samples: 3,
        requests_per_minute: 60,
        timeout_seconds: 10,
        url_template: Some(format!("{server}/{name}/search?q={{query}}")),
        answer_selector: Some("p".into()),
        ..EngineConfig::new(name, EngineKind::Html)
    }
}

async fn requests_to(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_run_keeps_the_answers_on_the_wire_and_asks_nothing_more_on_both_backends() {
    let server = MockServer::start().await;
    for db in TestDb::both().await {
        server.reset().await;
        for name in ["slow-a", "slow-b"] {
            Mock::given(method("GET"))
                .and(path(format!("/{name}/search")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .set_body_raw("<p>Acme is the pick.</p>", "text/html")
                        .set_delay(Duration::from_millis(1500)),
                )
                .mount(&server)
                .await;
        }
        let store = Store::connect(&db.url).await.unwrap();
        add_prompts(&store, &DEMO_PROMPTS[..2]).await;
        let settings = Settings {
            sites: vec![demo_site()],
            engines: vec![
                slow_engine(&server.uri(), "slow-a"),
                slow_engine(&server.uri(), "slow-b"),
            ],
            ..Settings::default()
        };
        let cancel = CancellationToken::new();
        // Cancelled once each engine's first call is on the wire; their next calls were a
        // second away (the rate limit).
        let canceller = async {
            while requests_to(&server).await < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            cancel.cancel();
            requests_to(&server).await
        };
        let (summary, at_cancel) = tokio::join!(check(&store, &settings, &cancel), canceller);
        let at = format!("{}: {summary:?}", db.name);

        assert_eq!(at_cancel, 2, "{at}");
        assert_eq!(
            requests_to(&server).await,
            2,
            "no call after the cancel: {at}"
        );
        assert_eq!(summary.status, RunStatus::Aborted, "{at}");
        // 2 prompts × 3 samples × 2 engines planned; one call each made.
        assert_eq!(
            (summary.answers, summary.failed, summary.not_asked),
            (2, 0, 10),
            "{at}"
        );
        assert_eq!(
            run_row(&db.url, summary.run_id).await,
            ("aborted".into(), true)
        );
        let stored = rows(
            &db.url,
            "SELECT a.engine, a.status, a.text, CAST(m.mentioned AS TEXT) FROM answers a \
             JOIN mentions m ON m.answer_id = a.id AND m.entity = 'Acme' ORDER BY a.engine",
        )
        .await;
        let expected: Vec<Vec<String>> = ["slow-a", "slow-b"]
            .iter()
            .map(|engine| {
                [*engine, "ok", "Acme is the pick.", "1"]
                    .map(String::from)
                    .to_vec()
            })
            .collect();
        assert_eq!(stored, expected, "{at}");
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_left_running_by_a_dead_process_is_closed_by_the_next_run_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.ndjson");
    std::fs::write(&answers, REPLAY_ANSWERS).unwrap();
    let now = aivis::day::now_unix();
    let (dead, alive) = (now - STALE_RUN_SECONDS - 600, now - 600);
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let ids = add_prompts(&store, &DEMO_PROMPTS[..1]).await;
        // A run that died after one answer (its last sign of life, a day and more ago), one
        // that died before any, and one still under way elsewhere (an answer ten minutes ago).
        for (id, started) in [(101, dead - 60), (102, dead), (103, alive - 3600)] {
            execute(
                &db.url,
                &format!(
                    "INSERT INTO check_runs (id, started_at, status) VALUES ({id}, {started}, 'running')"
                ),
            )
            .await;
        }
        for (run, asked) in [(101, dead), (103, alive)] {
            execute(
                &db.url,
                &format!(
                    "INSERT INTO answers (run_id, prompt_id, site, engine, kind, sample, asked_at, \
                     day, status, attempts) VALUES ({run}, {}, 'acme', 'replay-demo', 'replay', 1, \
                     {asked}, '2025-01-01', 'failed', 1)",
                    ids[0]
                ),
            )
            .await;
        }
        let settings = Settings {
            sites: vec![demo_site()],
            engines: vec![replay_engine(&answers)],
            ..Settings::default()
        };
        let summary = check(&store, &settings, &CancellationToken::new()).await;
        assert_eq!(summary.status, RunStatus::Finished, "{}", db.name);
        let runs = rows(
            &db.url,
            "SELECT CAST(id AS TEXT) AS run, status, COALESCE(CAST(finished_at AS TEXT), 'NULL') \
             FROM check_runs \
             WHERE id IN (101, 102, 103) ORDER BY id",
        )
        .await;
        let expected: Vec<Vec<String>> = [
            ["101", "aborted", &dead.to_string()],
            ["102", "aborted", &dead.to_string()],
            ["103", "running", "NULL"],
        ]
        .iter()
        .map(|row| row.map(String::from).to_vec())
        .collect();
        assert_eq!(runs, expected, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

/// Runs the migrations before 0007 on a new database, the way an older aivis left it.
async fn migrate_before_status(db: &TestDb, backend: Backend) {
    sqlx::any::install_default_drivers();
    let (folder, url) = match backend {
        Backend::Sqlite => ("sqlite", format!("{}?mode=rwc", db.url)),
        Backend::Postgres => ("postgres", db.url.clone()),
    };
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(folder);
    let migrator = sqlx::migrate::Migrator::new(folder).await.unwrap();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    migrator.run_to(5, &pool).await.unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_from_before_the_status_column_are_finished_or_aborted_on_both_backends() {
    for db in TestDb::both().await {
        let backend = if db.name == "sqlite" {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        migrate_before_status(&db, backend).await;
        for sql in [
            "INSERT INTO prompts (id, site, text, text_key, created_at) VALUES (1, 'acme', 'q', 'q', 1)",
            "INSERT INTO check_runs (id, started_at, finished_at) VALUES (1, 100, 190)",
            // Interrupted after an answer at 150, and before any.
            "INSERT INTO check_runs (id, started_at) VALUES (2, 140)",
            "INSERT INTO check_runs (id, started_at) VALUES (3, 300)",
            "INSERT INTO answers (run_id, prompt_id, site, engine, kind, sample, asked_at, day, \
             status, attempts) VALUES (2, 1, 'acme', 'e', 'replay', 1, 150, '1970-01-01', 'ok', 1)",
        ] {
            execute(&db.url, sql).await;
        }
        let store = Store::connect(&db.url).await.unwrap();
        let runs = rows(
            &db.url,
            "SELECT CAST(id AS TEXT) AS run, status, CAST(finished_at AS TEXT) FROM check_runs ORDER BY id",
        )
        .await;
        let expected: Vec<Vec<String>> = [
            ["1", "finished", "190"],
            ["2", "aborted", "150"],
            ["3", "aborted", "300"],
        ]
        .iter()
        .map(|row| row.map(String::from).to_vec())
        .collect();
        assert_eq!(runs, expected, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}
