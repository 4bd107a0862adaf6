//! The service layer is the one implementation of each command: a report or query run
//! through `aivis::service` gives exactly the table the `aivis` binary prints, and the
//! binary's exit codes follow the service errors' kinds (2 for usage and unknown names).
//! On SQLite and PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use aivis::error::{ErrorKind, HasKind};
use aivis::report::table::OutputFormat;
use aivis::report::{ConversionsBy, CrawlersBy, Filters};
use aivis::service::{self, App, QueryRequest, QuerySource, ReportKind, ReportRequest};
use common::{TestDb, aivis, stderr, stdout, write_log};

/// Runs `args` and returns its standard output, expecting success.
fn printed(dir: &Path, args: &[&str]) -> String {
    let out = aivis(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

async fn scenario(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let config = common::write_acme_config(dir, &db.url);
    let (log, _) = write_log(dir, "access.log", &common::small_spec(7));
    printed(dir, &["ingest", log.to_str().unwrap()]);

    let settings = aivis::config::load(Some(&config), &|_| None).unwrap();
    let app = App::open(settings).await.unwrap();
    let cases: [(ReportKind, Filters, &[&str]); 3] = [
        (
            ReportKind::Conversions(ConversionsBy::Source),
            Filters {
                goal: Some("newsletter".into()),
                ..Filters::default()
            },
            &[
                "report",
                "conversions",
                "--by",
                "source",
                "--goal",
                "newsletter",
            ],
        ),
        (
            ReportKind::Crawlers(CrawlersBy::Path, None),
            Filters {
                limit: Some(5),
                ..Filters::default()
            },
            &["report", "crawlers", "--by", "path", "--limit", "5"],
        ),
        (
            ReportKind::Referrers { unclassified: true },
            Filters {
                site: Some("acme".into()),
                limit: Some(50),
                ..Filters::default()
            },
            &["report", "referrers", "--unclassified", "--site", "acme"],
        ),
    ];
    for (kind, filters, args) in cases {
        let table = service::report(&app, ReportRequest { kind, filters })
            .await
            .unwrap();
        assert!(!table.rows.is_empty(), "{}: {args:?} is empty", db.name);
        let cli = printed(dir, &[args, &["--format", "csv"][..]].concat());
        assert_eq!(
            table.render(OutputFormat::Csv),
            cli,
            "{}: {args:?}",
            db.name
        );
    }

    let params = BTreeMap::from([("site".to_string(), "acme".to_string())]);
    let request = QueryRequest {
        source: QuerySource::Library("ai_pages".into()),
        params,
        timeout: Duration::from_secs(60),
    };
    let table = service::query(&app, request).await.unwrap();
    let cli = printed(
        dir,
        &[
            "query",
            "ai_pages",
            "--param",
            "site=acme",
            "--format",
            "csv",
        ],
    );
    assert_eq!(table.render(OutputFormat::Csv), cli, "{}", db.name);

    // A misspelt site: not found through the service, exit 2 from the binary.
    let misspelt = ReportRequest {
        kind: ReportKind::AiPages,
        filters: Filters {
            site: Some("acmee".into()),
            ..Filters::default()
        },
    };
    let err = service::report(&app, misspelt).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let out = aivis(dir, &["report", "ai-pages", "--site", "acmee"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&err.to_string()), "{}", stderr(&out));
    app.close().await;

    // An unknown library query names the library; a query without a name is a usage error.
    let out = aivis(dir, &["query", "conversion_by_channel"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no library query named \"conversion_by_channel\"; library: "),
        "{}",
        stderr(&out)
    );
    let out = aivis(dir, &["query"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_through_the_service_match_what_the_cli_prints_on_both_backends() {
    for db in TestDb::both().await {
        scenario(&db).await;
        db.drop_db().await;
    }
}
