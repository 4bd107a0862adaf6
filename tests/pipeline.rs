//! End to end through the library on SQLite and PostgreSQL: a generated log with known ground
//! truth is ingested and the reports must reproduce the truth exactly; re-ingesting, ingesting
//! a grown file and splitting a log over two ingests must not change the totals.

mod common;

use std::collections::BTreeMap;
use std::io::Write;

use aivis::demo::demo_site;
use aivis::demo::generate::{GroundTruth, OutputFormat};
use aivis::ingest::{IngestOptions, IngestSummary, Input, ingest};
use aivis::report::table::{Table, Value};
use aivis::report::{self, ConversionsBy, CrawlersBy, Filters};
use aivis::store::Store;
use common::{TestDb, small_spec, spec_with_format, write_log};

type Counts = BTreeMap<(String, String), (i64, i64)>;

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

/// (channel, source) → (sessions, conversions) from a `--by source` report.
fn counts(table: &Table) -> Counts {
    let (ch, so, se, co) = (
        table.column("channel").unwrap(),
        table.column("source").unwrap(),
        table.column("sessions").unwrap(),
        table.column("conversions").unwrap(),
    );
    table
        .rows
        .iter()
        .map(|r| {
            (
                (text(&r[ch]), text(&r[so])),
                (r[se].as_i64().unwrap(), r[co].as_i64().unwrap()),
            )
        })
        .collect()
}

fn truth_counts(truth: &GroundTruth, micro: bool) -> Counts {
    truth
        .by_source
        .iter()
        .map(|(k, t)| {
            let conv = if micro {
                t.micro_conversions
            } else {
                t.conversions
            };
            (k.clone(), (t.sessions as i64, conv as i64))
        })
        .collect()
}

async fn by_source(store: &Store, goal: Option<&str>) -> Counts {
    let filters = Filters {
        goal: goal.map(str::to_string),
        ..Filters::default()
    };
    counts(
        &report::conversions(store, ConversionsBy::Source, &filters)
            .await
            .unwrap(),
    )
}

/// (agent, purpose) → (hits, status_2xx, status_4xx) from `report crawlers --by agent`.
type CrawlerCounts = BTreeMap<(String, String), (i64, i64, i64)>;

async fn by_agent(store: &Store) -> CrawlerCounts {
    let table = report::crawlers(store, CrawlersBy::Agent, &Filters::default(), None)
        .await
        .unwrap();
    let col = |name: &str| table.column(name).unwrap();
    let (agent, purpose, hits) = (col("agent"), col("purpose"), col("hits"));
    let (ok, refused) = (col("status_2xx"), col("status_4xx"));
    table
        .rows
        .iter()
        .map(|r| {
            (
                (text(&r[agent]), text(&r[purpose])),
                (
                    r[hits].as_i64().unwrap(),
                    r[ok].as_i64().unwrap(),
                    r[refused].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

fn truth_crawlers(truth: &GroundTruth) -> CrawlerCounts {
    truth
        .ai_crawlers
        .iter()
        .map(|(key, t)| {
            let counts = (t.hits as i64, t.status_2xx as i64, t.status_4xx as i64);
            (key.clone(), counts)
        })
        .collect()
}

async fn run(store: &Store, inputs: Vec<Input>, batch_lines: u64) -> IngestSummary {
    let options = IngestOptions {
        batch_lines: Some(batch_lines),
        ..IngestOptions::default()
    };
    ingest(store, &demo_site(), inputs, options).await.unwrap()
}

async fn assert_rollups_consistent(store: &Store) {
    let table = report::run_named(store, "rollup_check", &BTreeMap::new())
        .await
        .unwrap();
    assert!(
        table.rows.is_empty(),
        "rollups differ from sessions: {table:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reproduces_ground_truth_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let (log, truth) = write_log(dir.path(), "access.log", &small_spec(7));
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let summary = run(&store, vec![Input::File(log.clone())], 3000).await;
        assert_eq!(summary.lines_read, truth.lines, "{}", db.name);
        assert_eq!(summary.pageviews, truth.pageviews, "{}", db.name);
        assert_eq!(summary.sessions, truth.sessions, "{}", db.name);
        let skipped = |k: &str| summary.skipped.get(k).copied().unwrap_or(0);
        assert_eq!(skipped("bot"), truth.bot_lines, "{}", db.name);
        assert_eq!(skipped("asset"), truth.asset_lines, "{}", db.name);
        assert_eq!(skipped("non_page"), truth.non_page_lines, "{}", db.name);
        assert_eq!(
            skipped("malformed") + skipped("too_long"),
            truth.malformed_lines,
            "{}",
            db.name
        );
        assert_eq!(
            by_source(&store, None).await,
            truth_counts(&truth, false),
            "{}",
            db.name
        );
        assert_eq!(
            by_source(&store, Some("newsletter")).await,
            truth_counts(&truth, true),
            "{}",
            db.name
        );
        assert_rollups_consistent(&store).await;
        let crawlers = by_agent(&store).await;
        assert_eq!(crawlers, truth_crawlers(&truth), "{}", db.name);
        assert!(crawlers.contains_key(&("ChatGPT-User".into(), "user_fetch".into())));
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_log_format_gives_the_same_truth() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::sqlite().await;
    for (i, format) in [
        OutputFormat::VhostCombined,
        OutputFormat::NginxJson,
        OutputFormat::CaddyJson,
    ]
    .into_iter()
    .enumerate()
    {
        let site_db = TestDb::sqlite().await;
        let (log, truth) = write_log(
            dir.path(),
            &format!("access{i}.log"),
            &spec_with_format(11, format),
        );
        let store = Store::connect(&site_db.url).await.unwrap();
        let summary = run(&store, vec![Input::File(log)], 100_000).await;
        assert_eq!(summary.sessions, truth.sessions, "format {i}");
        assert_eq!(
            by_source(&store, None).await,
            truth_counts(&truth, false),
            "format {i}"
        );
        store.close().await;
    }
    drop(db);
}

#[tokio::test(flavor = "multi_thread")]
async fn reingesting_the_same_file_counts_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (log, truth) = write_log(dir.path(), "access.log", &small_spec(3));
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, vec![Input::File(log.clone())], 5000).await;
        let second = run(&store, vec![Input::File(log.clone())], 5000).await;
        assert_eq!(second.lines_read, 0, "{}", db.name);
        assert_eq!(
            by_agent(&store).await,
            truth_crawlers(&truth),
            "{}",
            db.name
        );
        assert_eq!(second.sessions, 0, "{}", db.name);
        assert_eq!(
            by_source(&store, None).await,
            truth_counts(&truth, false),
            "{}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
}

/// Splits `bytes` after the newline nearest to `fraction` of its length.
fn split_point(bytes: &[u8], fraction: f64) -> usize {
    let target = (bytes.len() as f64 * fraction) as usize;
    target + bytes[target..].iter().position(|b| *b == b'\n').unwrap() + 1
}

#[tokio::test(flavor = "multi_thread")]
async fn a_grown_file_adds_only_its_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (full, truth) = write_log(dir.path(), "full.log", &small_spec(5));
    let bytes = std::fs::read(&full).unwrap();
    let cut = split_point(&bytes, 0.45);
    for db in TestDb::both().await {
        let growing = dir.path().join(format!("growing-{}.log", db.name));
        std::fs::write(&growing, &bytes[..cut]).unwrap();
        let store = Store::connect(&db.url).await.unwrap();
        let first = run(&store, vec![Input::File(growing.clone())], 2000).await;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&growing)
            .unwrap();
        file.write_all(&bytes[cut..]).unwrap();
        drop(file);
        let second = run(&store, vec![Input::File(growing.clone())], 2000).await;
        assert_eq!(
            first.lines_read + second.lines_read,
            truth.lines,
            "{}",
            db.name
        );
        assert_eq!(second.files[0].resumed_at, cut as u64, "{}", db.name);
        assert_eq!(
            by_source(&store, None).await,
            truth_counts(&truth, false),
            "{}",
            db.name
        );
        assert_eq!(
            by_source(&store, Some("newsletter")).await,
            truth_counts(&truth, true),
            "{}",
            db.name
        );
        assert_rollups_consistent(&store).await;
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_log_split_in_two_files_counts_like_one() {
    let dir = tempfile::tempdir().unwrap();
    let (full, truth) = write_log(dir.path(), "full.log", &small_spec(9));
    let bytes = std::fs::read(&full).unwrap();
    let cut = split_point(&bytes, 0.6);
    let part1 = dir.path().join("part1.log");
    let part2 = dir.path().join("part2.log");
    std::fs::write(&part1, &bytes[..cut]).unwrap();
    std::fs::write(&part2, &bytes[cut..]).unwrap();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, vec![Input::File(part1.clone())], 100_000).await;
        run(&store, vec![Input::File(part2.clone())], 100_000).await;
        assert_eq!(
            by_source(&store, None).await,
            truth_counts(&truth, false),
            "{}",
            db.name
        );
        assert_eq!(
            by_agent(&store).await,
            truth_crawlers(&truth),
            "{}",
            db.name
        );
        assert_eq!(
            by_source(&store, Some("newsletter")).await,
            truth_counts(&truth, true),
            "{}",
            db.name
        );
        assert_rollups_consistent(&store).await;
        store.close().await;
        db.drop_db().await;
    }
}

/// A small hand-written log: AI agents reading pages, and visitors AI assistants and other
/// sites sent.
fn ai_reading_log() -> String {
    const BROWSER: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHATGPT_USER: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot";
    const GPTBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)";
    let lines = [
        ("20.1.1.1", "10:00:00", "/guide?x=1", 200, "-", CHATGPT_USER),
        ("20.1.1.1", "10:00:05", "/guide", 200, "-", CHATGPT_USER),
        ("20.1.1.1", "10:00:09", "/pricing", 200, "-", CHATGPT_USER),
        ("20.1.1.1", "10:00:12", "/old", 404, "-", CHATGPT_USER),
        ("20.2.2.2", "10:01:00", "/guide", 200, "-", GPTBOT),
        ("20.2.2.2", "10:01:01", "/robots.txt", 200, "-", GPTBOT),
        (
            "10.0.0.1",
            "10:02:00",
            "/guide",
            200,
            "https://chatgpt.com/",
            BROWSER,
        ),
        (
            "10.0.0.2",
            "10:03:00",
            "/pricing",
            200,
            "https://www.perplexity.ai/search?q=x",
            BROWSER,
        ),
        (
            "10.0.0.3",
            "10:04:00",
            "/guide",
            200,
            "https://chat.newai.example/c/1",
            BROWSER,
        ),
        (
            "10.0.0.4",
            "10:05:00",
            "/",
            200,
            "https://blog.example.org/post",
            BROWSER,
        ),
        (
            "10.0.0.5",
            "10:06:00",
            "/",
            200,
            "https://blog.example.org/other",
            BROWSER,
        ),
        (
            "10.0.0.6",
            "10:07:00",
            "/",
            200,
            "https://news.ycombinator.com/item?id=1",
            BROWSER,
        ),
    ];
    lines
        .iter()
        .map(|(ip, time, target, status, referrer, agent)| {
            format!(
                "{ip} - - [02/Nov/2026:{time} +0000] \"GET {target} HTTP/1.1\" {status} 512 \"{referrer}\" \"{agent}\"\n"
            )
        })
        .collect()
}

/// The rows of `table` as text, `|`-joined, for compact comparisons.
fn rows(table: &Table, columns: &[&str]) -> Vec<String> {
    let indices: Vec<usize> = columns.iter().map(|c| table.column(c).unwrap()).collect();
    table
        .rows
        .iter()
        .map(|row| {
            indices
                .iter()
                .map(|&i| match &row[i] {
                    Value::Text(t) => t.clone(),
                    Value::Int(n) => n.to_string(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn crawler_pages_and_unclassified_referrers_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ai.log");
    std::fs::write(&log, ai_reading_log()).unwrap();
    let mut with_rule = demo_site();
    with_rule
        .source_rules
        .push(aivis::config::SourceRuleConfig {
            host: Some("chat.newai.example".into()),
            utm_source: None,
            channel: "ai_assistant".into(),
            source: "newai".into(),
            search_params: Vec::new(),
        });
    let with_rule = with_rule.classifier().unwrap();
    let plain = demo_site().classifier().unwrap();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, vec![Input::File(log.clone())], 1000).await;
        let filters = Filters::default();

        let pages = report::ai_pages(&store, &filters).await.unwrap();
        let columns = [
            "path",
            "user_fetches",
            "fetch_agents",
            "ai_sessions",
            "ai_conversions",
            "ai_sources",
        ];
        assert_eq!(
            rows(&pages, &columns),
            ["/guide|2|1|1|0|1", "/pricing|1|1|1|0|1", "/old|1|1|0|0|0"],
            "{}",
            db.name
        );

        let purposes = report::crawlers(&store, CrawlersBy::Purpose, &filters, None)
            .await
            .unwrap();
        assert_eq!(
            rows(
                &purposes,
                &[
                    "purpose",
                    "agents",
                    "hits",
                    "paths",
                    "status_2xx",
                    "status_4xx"
                ]
            ),
            ["user_fetch|1|4|3|3|1", "training|1|2|2|2|0"],
            "{}",
            db.name
        );
        let paths = report::crawlers(&store, CrawlersBy::Path, &filters, None)
            .await
            .unwrap();
        assert_eq!(
            rows(
                &paths,
                &["path", "hits", "training", "user_fetch", "agents"]
            )[0],
            "/guide|3|1|2|2",
            "{}",
            db.name
        );

        let is_named = |_: &str, host: &str| plain.names_referrer_host(host);
        let unclassified = report::referrers(&store, &filters, Some(&is_named))
            .await
            .unwrap();
        assert_eq!(
            rows(&unclassified, &["referrer_host", "source", "sessions"]),
            [
                "blog.example.org|example.org|2",
                "chat.newai.example|newai.example|1",
                "news.ycombinator.com|ycombinator.com|1"
            ],
            "{}",
            db.name
        );
        // Once a rule names the new assistant, it drops off the list.
        let is_named = |_: &str, host: &str| with_rule.names_referrer_host(host);
        let unclassified = report::referrers(&store, &filters, Some(&is_named))
            .await
            .unwrap();
        assert_eq!(unclassified.rows.len(), 2, "{}", db.name);
        let all = report::referrers(&store, &filters, None).await.unwrap();
        assert_eq!(all.rows.len(), 5, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}
