//! A ranked report's `--limit` is applied in the SQL: on SQLite and PostgreSQL, the report
//! limited to n rows is exactly the first n rows of the whole report, in the report's order,
//! through the library and through the binary.

mod common;

use std::collections::BTreeMap;

use aivis::demo::demo_site;
use aivis::ingest::{IngestOptions, Input, ingest};
use aivis::report::table::{Table, Value};
use aivis::report::{self, CrawlersBy, Filters, NamesHost};
use aivis::store::Store;
use common::{TestDb, aivis_command, small_spec, stderr, write_log};

#[derive(Debug, Clone, Copy)]
enum Ranked {
    Crawlers(CrawlersBy),
    AiPages,
    Referrers,
}

async fn run(store: &Store, report: Ranked, limit: Option<u64>) -> Table {
    let filters = Filters {
        limit,
        ..Filters::default()
    };
    match report {
        Ranked::Crawlers(by) => report::crawlers(store, by, &filters, None).await,
        Ranked::AiPages => report::ai_pages(store, &filters).await,
        Ranked::Referrers => report::referrers(store, &filters, None).await,
    }
    .unwrap_or_else(|e| panic!("{report:?} limit {limit:?}: {e}"))
}

/// The cells of `columns` in each row.
fn keys(table: &Table, columns: &[&str]) -> Vec<Vec<Value>> {
    let indexes: Vec<usize> = columns
        .iter()
        .map(|c| table.column(c).unwrap_or_else(|| panic!("no column {c}")))
        .collect();
    table
        .rows
        .iter()
        .map(|row| indexes.iter().map(|&i| row[i].clone()).collect())
        .collect()
}

/// `limited` is the first rows of `all`. The referrers report orders by sessions, host and
/// site but groups by channel and source too, so rows equal in those three may come in either
/// order: for it the ordering columns must match and every row must be one of the report's.
fn assert_prefix(report: Ranked, all: &Table, limited: &Table, n: usize, backend: &str) {
    let context = format!("{backend}: {report:?} limit {n}");
    assert_eq!(limited.columns, all.columns, "{context}");
    let expected = &all.rows[..n.min(all.rows.len())];
    match report {
        Ranked::Referrers => {
            let order = ["sessions", "referrer_host", "site"];
            let prefix = Table {
                columns: all.columns.clone(),
                rows: expected.to_vec(),
            };
            assert_eq!(keys(limited, &order), keys(&prefix, &order), "{context}");
            for row in &limited.rows {
                assert!(all.rows.contains(row), "{context}: {row:?}");
            }
        }
        _ => assert_eq!(limited.rows, expected, "{context}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limited_report_is_the_first_rows_of_the_whole_report_on_both_backends() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = write_log(dir.path(), "access.log", &small_spec(11));
    let reports = [
        Ranked::Crawlers(CrawlersBy::Agent),
        Ranked::Crawlers(CrawlersBy::Path),
        Ranked::Crawlers(CrawlersBy::Purpose),
        Ranked::AiPages,
        Ranked::Referrers,
    ];
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        ingest(
            &store,
            &demo_site(),
            vec![Input::File(log.clone())],
            IngestOptions::default(),
        )
        .await
        .expect("ingest");
        for report in reports {
            let all = run(&store, report, None).await;
            let len = all.rows.len();
            assert!(len >= 3, "{}: {report:?} has {len} rows", db.name);
            for n in [0, 1, 2, len - 1, len, len + 5] {
                let limited = run(&store, report, Some(n as u64)).await;
                assert_eq!(limited.rows.len(), n.min(len), "{}: {report:?}", db.name);
                assert_prefix(report, &all, &limited, n, db.name);
            }
        }

        // --unclassified drops hosts after the query: the limit counts the rows kept.
        let filters = |limit| Filters {
            limit,
            ..Filters::default()
        };
        let names_none: NamesHost<'_> = &|_site, _host| false;
        let kept = report::referrers(&store, &filters(None), Some(names_none))
            .await
            .unwrap();
        assert!(kept.rows.len() >= 2, "{}: {kept:?}", db.name);
        let host = kept.column("referrer_host").unwrap();
        let first = kept.rows[0][host].as_str().unwrap().to_string();
        let names_first: NamesHost<'_> = &|_site, host| host == first;
        let rest = report::referrers(&store, &filters(None), Some(names_first))
            .await
            .unwrap();
        assert_eq!(rest.rows.len(), kept.rows.len() - 1, "{}", db.name);
        let limited = report::referrers(&store, &filters(Some(1)), Some(names_first))
            .await
            .unwrap();
        assert_prefix(Ranked::Referrers, &rest, &limited, 1, db.name);

        // The binary's --limit: the first lines of the same report without one.
        let csv = |limit: &str| {
            let out = aivis_command(
                dir.path(),
                &[
                    "report", "crawlers", "--by", "path", "--limit", limit, "--format", "csv",
                ],
            )
            .env("AIVIS_DATABASE_URL", &db.url)
            .output()
            .unwrap();
            assert!(out.status.success(), "{}: {}", db.name, stderr(&out));
            String::from_utf8(out.stdout).unwrap()
        };
        let everything = csv("0");
        let lines: Vec<&str> = everything.split_inclusive("\r\n").collect();
        assert!(lines.len() > 4, "{}: {everything}", db.name);
        assert_eq!(csv("3"), lines[..4].concat(), "{}", db.name);
        store.close().await;
    }
}

/// Through the binary, the text table, CSV and JSON show the same first rows.
#[test]
fn every_format_prints_the_same_limited_rows() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::aivis(
        dir.path(),
        &[
            "demo",
            "--db",
            "demo.db",
            "--sessions",
            "1500",
            "--days",
            "10",
        ],
    );
    assert!(demo.status.success(), "{}", stderr(&demo));
    let report = |args: &[&str]| {
        let mut command = aivis_command(dir.path(), &["report", "crawlers", "--by", "path"]);
        command
            .args(args)
            .env("AIVIS_DATABASE_URL", "sqlite://demo.db");
        let out = command.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let rows = |text: &str| -> Vec<BTreeMap<String, serde_json::Value>> {
        serde_json::from_str(text).unwrap()
    };
    let all = rows(&report(&["--limit", "0", "--format", "json"]));
    assert!(all.len() > 5, "{} paths", all.len());
    let json = rows(&report(&["--limit", "5", "--format", "json"]));
    assert_eq!(json, all[..5]);
    let csv = report(&["--limit", "5", "--format", "csv"]);
    let csv: Vec<&str> = csv.split_terminator("\r\n").collect();
    let text = report(&["--limit", "5"]);
    let text: Vec<&str> = text.lines().collect();
    assert_eq!((csv.len(), text.len()), (6, 7), "{csv:?} {text:?}");
    for (i, row) in json.iter().enumerate() {
        let (path, hits) = (row["path"].as_str().unwrap(), &row["hits"]);
        assert!(
            csv[i + 1].starts_with(&format!("{path},{hits},")),
            "{}",
            csv[i + 1]
        );
        let cells: Vec<&str> = text[i + 2].split_whitespace().collect();
        assert_eq!(cells[..2], [path, &hits.to_string()], "{}", text[i + 2]);
    }
}
