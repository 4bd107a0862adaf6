//! Prompt checks end to end on SQLite and PostgreSQL: tracked prompts, a check run with the
//! recorded (`replay`) answers of the demo (one recorded failure among them), the mentions and
//! citations reports against counts worked out by hand from those answers, and `rescore`; and
//! the visibility report putting those AI answers beside an `html` engine scraping search
//! results pages served on loopback (the brand's rank among the result links).

mod common;

use std::collections::BTreeMap;

use aivis::checks::client::RetryPolicy;
use aivis::checks::engines::EngineKind;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::{CheckError, CheckSelection, RunStatus, rescore, run_checks};
use aivis::config::EngineConfig;
use aivis::config::{EntityConfig, Settings};
use aivis::demo::checks::{DEMO_PROMPTS, REPLAY_ANSWERS, SEARCH_RESULTS, replay_engine};
use aivis::demo::demo_site;
use aivis::report::table::{Table, Value};
use aivis::report::{self, CitationsBy, Filters, MentionsBy};
use aivis::store::{Added, Store};
use common::{TestDb, number, rows};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn prompt(text: &str) -> NewPrompt {
    NewPrompt {
        text: text.to_string(),
        tags: vec!["demo".into()],
        engines: Vec::new(),
    }
}

fn settings(answers: &std::path::Path) -> Settings {
    Settings {
        sites: vec![demo_site()],
        engines: vec![replay_engine(answers)],
        ..Settings::default()
    }
}

/// `key column` → the row's `value column`, for rows where `filter column` is `filter`.
fn column_by(table: &Table, key: &str, value: &str) -> BTreeMap<String, Value> {
    let (k, v) = (table.column(key).unwrap(), table.column(value).unwrap());
    table
        .rows
        .iter()
        .filter_map(|row| match &row[k] {
            Value::Text(name) => Some((name.clone(), row[v].clone())),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn prompts_checks_reports_and_rescore_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.ndjson");
    std::fs::write(&answers, REPLAY_ANSWERS).unwrap();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let settings = settings(&answers);
        let no_env = |_: &str| None;

        // Nothing tracked yet: a clear refusal, nothing asked.
        let empty = run_checks(
            &store,
            &settings,
            &aivis::checks::client::http_client().unwrap(),
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
            &CancellationToken::new(),
        )
        .await;
        assert!(
            matches!(empty, Err(CheckError::Usage(m)) if m.contains("prompts add")),
            "{}",
            db.name
        );

        let mut ids = Vec::new();
        for text in DEMO_PROMPTS {
            match store.add_prompt("acme", &prompt(text), 1).await.unwrap() {
                Added::New(id) => ids.push(id),
                other => panic!("{other:?}"),
            }
        }
        // The same question spelled differently is a duplicate.
        let again = store
            .add_prompt(
                "acme",
                &prompt("what is the BEST privacy-friendly web analytics tool"),
                2,
            )
            .await
            .unwrap();
        assert_eq!(again, Added::Duplicate(ids[0]), "{}", db.name);
        // A removed prompt is not asked; adding it again re-activates it.
        let extra = match store
            .add_prompt("acme", &prompt("Is Acme GDPR compliant?"), 3)
            .await
            .unwrap()
        {
            Added::New(id) => id,
            other => panic!("{other:?}"),
        };
        assert!(store.remove_prompt(extra).await.unwrap());
        assert!(!store.remove_prompt(extra).await.unwrap());
        assert_eq!(store.prompts(Some("acme"), false).await.unwrap().len(), 4);
        assert_eq!(store.prompts(Some("acme"), true).await.unwrap().len(), 5);

        let summary = run_checks(
            &store,
            &settings,
            &aivis::checks::client::http_client().unwrap(),
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        // 4 prompts × 3 samples; the fourth prompt's third recorded answer is a failure.
        assert_eq!((summary.answers, summary.failed), (11, 1), "{}", db.name);
        assert_eq!(summary.status, RunStatus::Finished, "{}", db.name);
        let closed = "SELECT COUNT(*) FROM check_runs WHERE status = 'finished' \
                      AND finished_at IS NOT NULL";
        assert_eq!(number(&db.url, closed).await, 1, "{}", db.name);
        assert!(
            summary.failures[0].contains("recorded failure"),
            "{:?}",
            summary.failures
        );

        let filters = Filters::default();
        let by_entity = report::mentions(&store, MentionsBy::Entity, &filters)
            .await
            .unwrap();
        let mentioned = column_by(&by_entity, "entity", "mentioned");
        let expected: BTreeMap<String, Value> =
            [("Acme", 9), ("Globex", 9), ("Initech", 2), ("Umbrella", 4)]
                .into_iter()
                .map(|(name, n)| (name.to_string(), Value::Int(n)))
                .collect();
        assert_eq!(mentioned, expected, "{}", db.name);
        let answers_col = column_by(&by_entity, "entity", "answers");
        assert_eq!(
            answers_col["Acme"],
            Value::Int(11),
            "failed calls are not answers"
        );
        let rate = column_by(&by_entity, "entity", "mention_rate");
        assert_eq!(rate["Acme"], Value::Float(0.818182), "{}", db.name);
        let low = column_by(&by_entity, "entity", "ci_low");
        assert!(
            matches!(low["Acme"], Value::Float(v) if v > 0.5 && v < 0.818182),
            "{low:?}"
        );

        let by_engine = report::mentions(&store, MentionsBy::Engine, &filters)
            .await
            .unwrap();
        let failed = column_by(&by_engine, "entity", "failed");
        assert_eq!(failed["Acme"], Value::Int(1), "{}", db.name);

        let by_prompt = report::mentions(&store, MentionsBy::Prompt, &filters)
            .await
            .unwrap();
        assert_eq!(by_prompt.rows.len(), 4 * 4, "{}", db.name);

        let citations = report::citations(&store, CitationsBy::Engine, &filters)
            .await
            .unwrap();
        let brand = column_by(&citations, "engine", "answers_citing_brand");
        assert_eq!(brand["replay-demo"], Value::Int(7), "{}", db.name);
        let domains = report::citations(&store, CitationsBy::Domain, &filters)
            .await
            .unwrap();
        let owners = column_by(&domains, "domain", "owner_entity");
        assert_eq!(
            owners["acme.test"],
            Value::Text("Acme".into()),
            "{}",
            db.name
        );
        assert_eq!(
            owners["globex.test"],
            Value::Text("Globex".into()),
            "{}",
            db.name
        );
        assert_eq!(owners["example.org"], Value::Null, "{}", db.name);

        // A competitor added later is found in the stored answers by rescore.
        let mut later = settings.clone();
        later.sites[0].competitors.push(EntityConfig {
            name: "GA4".into(),
            aliases: vec!["Google Analytics 4".into()],
            domains: vec!["analytics.google.com".into()],
            ..EntityConfig::default()
        });
        assert_eq!(
            rescore(&store, &later, None).await.unwrap(),
            11,
            "{}",
            db.name
        );
        // Rescore reads the ok answers a page at a time: every one once, in id order.
        let ok_ids: Vec<i64> = rows(
            &db.url,
            "SELECT CAST(id AS TEXT) AS answer FROM answers WHERE status = 'ok' ORDER BY id",
        )
        .await
        .iter()
        .map(|row| row[0].parse().unwrap())
        .collect();
        let (mut paged, mut after, mut pages) = (Vec::new(), i64::MIN, 0);
        loop {
            let page = store
                .ok_answers_after(Some("acme"), after, 4)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = last.id;
            pages += 1;
            paged.extend(page.iter().map(|a| a.id));
        }
        assert_eq!((paged, pages), (ok_ids, 3), "{}", db.name);
        let other = store.ok_answers_after(Some("globex"), i64::MIN, 4).await;
        assert!(other.unwrap().is_empty(), "{}", db.name);
        let rescored = report::mentions(&store, MentionsBy::Entity, &filters)
            .await
            .unwrap();
        let mentioned = column_by(&rescored, "entity", "mentioned");
        assert_eq!(mentioned["GA4"], Value::Int(1), "{}", db.name);
        assert_eq!(mentioned["Acme"], Value::Int(9), "{}", db.name);

        store.close().await;
        db.drop_db().await;
    }
}

/// A search results page in the markup of SearXNG's simple theme, built from one recorded
/// line of the demo's search results (`text` holds "n. title: snippet" lines, `citations`
/// the result URLs in rank order).
fn results_page(recorded: &serde_json::Value) -> String {
    let urls = recorded["citations"].as_array().unwrap();
    let lines = recorded["text"].as_str().unwrap().lines();
    let articles: String = lines
        .zip(urls)
        .map(|(line, url)| {
            let (title, snippet) = line.split_once(": ").unwrap();
            let title = title.split_once(". ").unwrap().1;
            format!(
                "<article class=\"result result-default\"><h3><a href=\"{}\">{title}</a></h3>\
                 <p class=\"content\">{snippet}</p></article>",
                url.as_str().unwrap()
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html><body><div id=\"urls\" role=\"main\">{articles}</div></body></html>"
    )
}

/// An `html` engine on a SearXNG-like instance at `base`.
fn searxng_engine(base: &str) -> EngineConfig {
    EngineConfig {
        samples: 1,
        requests_per_minute: 600,
        url_template: Some(format!("{base}/search?q={{query}}&language=en")),
        answer_selector: Some("article.result p.content".into()),
        link_selector: Some("article.result h3 a".into()),
        ..EngineConfig::new("searxng", EngineKind::Html)
    }
}

/// (prompt id, engine) → the named column, from the visibility report.
fn visibility_cell(table: &Table, column: &str) -> BTreeMap<(i64, String), Value> {
    let (p, e, c) = (
        table.column("prompt_id").unwrap(),
        table.column("engine").unwrap(),
        table.column(column).unwrap(),
    );
    table
        .rows
        .iter()
        .map(|row| {
            let key = (
                row[p].as_i64().unwrap(),
                row[e].as_str().unwrap().to_string(),
            );
            (key, row[c].clone())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn visibility_puts_search_rank_beside_ai_mentions_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let answers = dir.path().join("answers.ndjson");
    std::fs::write(&answers, REPLAY_ANSWERS).unwrap();
    let server = MockServer::start().await;
    for line in SEARCH_RESULTS.lines() {
        let recorded: serde_json::Value = serde_json::from_str(line).unwrap();
        Mock::given(method("GET"))
            .and(path("/search"))
            .and(query_param("q", recorded["prompt"].as_str().unwrap()))
            .and(query_param("language", "en"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(results_page(&recorded), "text/html; charset=utf-8"),
            )
            .mount(&server)
            .await;
    }
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let mut settings = settings(&answers);
        settings.engines.push(searxng_engine(&server.uri()));
        let mut ids = Vec::new();
        for text in DEMO_PROMPTS {
            match store.add_prompt("acme", &prompt(text), 1).await.unwrap() {
                Added::New(id) => ids.push(id),
                other => panic!("{other:?}"),
            }
        }
        let summary = run_checks(
            &store,
            &settings,
            &aivis::checks::client::http_client().unwrap(),
            &CheckSelection::default(),
            &|_: &str| None,
            RetryPolicy::default(),
            &CancellationToken::new(),
        )
        .await
        .unwrap();
        assert_eq!(
            (summary.answers, summary.failed),
            (11 + 4, 1),
            "{}",
            db.name
        );

        let table = report::visibility(&store, &Filters::default())
            .await
            .unwrap();
        assert_eq!(table.columns.last().unwrap(), "prompt");
        let key = |n: usize, engine: &str| (ids[n], engine.to_string());
        let int = |n: i64| Value::Int(n);
        // Worked out by hand from examples/replay/answers.ndjson and search.ndjson.
        let best = visibility_cell(&table, "best_link_rank");
        let expected_best = [
            (key(0, "replay-demo"), int(1)),
            (key(0, "searxng"), int(3)),
            (key(1, "replay-demo"), int(1)),
            (key(1, "searxng"), int(1)),
            // The AI answer names a competitor's URL first, the brand's second.
            (key(2, "replay-demo"), int(2)),
            (key(2, "searxng"), int(2)),
            (key(3, "replay-demo"), int(1)),
            // The brand is not among the results.
            (key(3, "searxng"), Value::Null),
        ];
        assert_eq!(best, expected_best.into_iter().collect(), "{}", db.name);
        let mentioned = visibility_cell(&table, "brand_mentioned");
        let linking = visibility_cell(&table, "answers_linking_brand");
        let answers_col = visibility_cell(&table, "answers");
        let failed = visibility_cell(&table, "failed");
        for (n, engine, answers, brand_mentioned, answers_linking, failures) in [
            (0, "replay-demo", 3, 2, 2, 0),
            (1, "replay-demo", 3, 3, 3, 0),
            (2, "replay-demo", 3, 3, 1, 0),
            (3, "replay-demo", 2, 1, 1, 1),
            (0, "searxng", 1, 1, 1, 0),
            (3, "searxng", 1, 0, 0, 0),
        ] {
            let k = key(n, engine);
            assert_eq!(
                [&answers_col[&k], &mentioned[&k], &linking[&k], &failed[&k]],
                [
                    &int(answers),
                    &int(brand_mentioned),
                    &int(answers_linking),
                    &int(failures)
                ],
                "{} {k:?}",
                db.name
            );
        }
        let rank = visibility_cell(&table, "avg_mention_rank");
        assert_eq!(
            rank[&key(2, "replay-demo")],
            Value::Float(5.0 / 3.0),
            "{}",
            db.name
        );
        let link_rate = visibility_cell(&table, "link_rate");
        assert_eq!(link_rate[&key(2, "replay-demo")], Value::Float(0.333333));
        assert_eq!(link_rate[&key(3, "searxng")], Value::Float(0.0));
        let low = visibility_cell(&table, "mention_low");
        assert!(
            matches!(low[&key(0, "replay-demo")], Value::Float(v) if v > 0.0 && v < 0.666667),
            "{low:?}"
        );
        store.close().await;
        db.drop_db().await;
    }
}
