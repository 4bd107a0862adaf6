//! Prompt checks end to end on SQLite and PostgreSQL: tracked prompts, a check run with the
//! recorded (`replay`) answers of the demo (one recorded failure among them), the mentions and
//! citations reports against counts worked out by hand from those answers, and `rescore`.

mod common;

use std::collections::BTreeMap;

use aivis::checks::client::RetryPolicy;
use aivis::checks::prompts::NewPrompt;
use aivis::checks::run::{CheckError, CheckSelection, rescore, run_checks};
use aivis::config::{EntityConfig, Settings};
use aivis::demo::checks::{DEMO_PROMPTS, REPLAY_ANSWERS, replay_engine};
use aivis::demo::demo_site;
use aivis::report::table::{Table, Value};
use aivis::report::{self, CitationsBy, Filters, MentionsBy};
use aivis::store::{Added, Store};
use common::TestDb;

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
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
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
            &CheckSelection::default(),
            &no_env,
            RetryPolicy::default(),
        )
        .await
        .unwrap();
        // 4 prompts × 3 samples; the fourth prompt's third recorded answer is a failure.
        assert_eq!((summary.answers, summary.failed), (11, 1), "{}", db.name);
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
        });
        assert_eq!(
            rescore(&store, &later, None).await.unwrap(),
            11,
            "{}",
            db.name
        );
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
