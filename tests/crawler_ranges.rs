//! Verified AI crawlers: requests that name an AI agent are counted as verified, spoofed or
//! unverifiable by their client address against the agent's published IP ranges; the reports
//! split them; `aivis crawler-ranges update` stores fresh lists (served here by a real HTTP
//! server on loopback) that later ingests use, and a list that fails keeps its old ranges.
//! Every case runs on SQLite and PostgreSQL.

mod common;

use std::path::Path;

use aivis::analysis::windows::Span;
use aivis::report::compare::{crawler_activity, spoofed_crawler_requests};
use aivis::store::Store;
use common::{
    BROWSER, FIRST_DAY, TestDb, aivis, aivis_command, aivis_ok, combined_line, execute, number,
    rows, stderr, stdout, write_acme_config,
};
use serde_json::Value;
use sqlx::Connection;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GPTBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)";
const CLAUDEBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)";

/// In the shipped GPTBot list (20.171.206.0/24).
const OPENAI_IP: &str = "20.171.206.9";
/// A documentation address: in no operator's list.
const OTHER_IP: &str = "203.0.113.9";

fn line(ip: &str, second: i64, path: &str, ua: &str, status: u16) -> String {
    combined_line(ip, FIRST_DAY * 86_400 + second, path, "-", ua)
        .replace(" 200 512 ", &format!(" {status} 512 "))
}

/// Writes `name` in `dir` with `lines` and ingests it; returns its path.
fn ingest(dir: &Path, name: &str, lines: &[String]) {
    let file = dir.join(name);
    std::fs::write(&file, lines.concat()).unwrap();
    aivis_ok(dir, &["ingest", file.to_str().unwrap()]);
}

/// `report crawlers --by agent` as JSON rows keyed by agent.
fn by_agent(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    let out = aivis_ok(
        dir,
        &["report", "crawlers", "--by", "agent", "--format", "json"],
    );
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    rows.into_iter()
        .map(|r| (r["agent"].as_str().unwrap().to_string(), r))
        .collect()
}

fn split(row: &Value) -> [i64; 4] {
    ["hits", "verified", "spoofed", "unverifiable"].map(|c| row[c].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_are_counted_verified_spoofed_or_unverifiable() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let lines = [
            line(OPENAI_IP, 100, "/docs", GPTBOT, 200),
            line(&format!("::ffff:{OPENAI_IP}"), 110, "/docs", GPTBOT, 200),
            line(OTHER_IP, 200, "/docs", GPTBOT, 403),
            line(OTHER_IP, 210, "/docs", GPTBOT, 200),
            line(OTHER_IP, 220, "/admin", GPTBOT, 404),
            line("-", 300, "/docs", GPTBOT, 200),
            line("10.0.0.2", 310, "/docs", GPTBOT, 200),
            line(OTHER_IP, 400, "/blog", CLAUDEBOT, 200),
            combined_line(
                "198.51.100.7",
                FIRST_DAY * 86_400 + 500,
                "/pricing",
                "-",
                BROWSER,
            ),
        ];
        let dir = dir.path();
        ingest(dir, "access.log", &lines);

        let agents = by_agent(dir);
        assert_eq!(split(&agents["GPTBot"]), [7, 2, 3, 2], "{}", db.name);
        assert_eq!(agents["GPTBot"]["status_4xx"], 2, "{}", db.name);
        // No published ranges for ClaudeBot: never spoofed, whatever the address.
        assert_eq!(split(&agents["ClaudeBot"]), [1, 0, 0, 1], "{}", db.name);

        let stored = rows(
            &db.url,
            "SELECT path, verification, CAST(hits AS TEXT) FROM daily_crawlers \
             WHERE agent = 'GPTBot' ORDER BY path, verification",
        )
        .await;
        assert_eq!(
            stored,
            [
                ["/admin", "spoofed", "1"],
                ["/docs", "spoofed", "2"],
                ["/docs", "unverifiable", "2"],
                ["/docs", "verified", "2"],
            ],
            "{}",
            db.name
        );

        // The people's table and the CSV carry the split.
        let table = aivis_ok(dir, &["report", "crawlers", "--by", "agent"]);
        let header = table.lines().next().unwrap();
        for column in ["verified", "spoofed", "unverifiable"] {
            assert!(header.contains(column), "{header}");
        }
        let csv = aivis_ok(
            dir,
            &["report", "crawlers", "--by", "path", "--format", "csv"],
        );
        assert!(
            csv.starts_with(
                "path,hits,training,search_index,user_fetch,verified,spoofed,unverifiable,"
            ),
            "{csv}"
        );
        assert!(csv.contains("\n/docs,6,6,0,0,2,2,2,"), "{csv}");
        let purposes = aivis_ok(
            dir,
            &["report", "crawlers", "--by", "purpose", "--format", "json"],
        );
        let purposes: Vec<Value> = serde_json::from_str(&purposes).unwrap();
        let training = purposes
            .iter()
            .find(|r| r["purpose"] == "training")
            .unwrap();
        assert_eq!(split(training), [8, 2, 3, 3], "{}", db.name);

        // What the digest and the alerts read: the agent's own requests, spoofed ones apart.
        let store = Store::connect(&db.url).await.unwrap();
        let span = Span::new(FIRST_DAY, FIRST_DAY);
        let activity = crawler_activity(&store, "acme", &span).await.unwrap();
        let gptbot = activity.iter().find(|a| a.agent == "GPTBot").unwrap();
        assert_eq!((gptbot.hits, gptbot.errors), (4, 0), "{}", db.name);
        assert_eq!(
            spoofed_crawler_requests(&store, "acme", &span)
                .await
                .unwrap(),
            3,
            "{}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
}

/// A list in the published shape.
fn list(created: &str, prefixes: &[&str]) -> String {
    let entries: Vec<Value> = prefixes
        .iter()
        .map(|p| {
            let key = if p.contains(':') {
                "ipv6Prefix"
            } else {
                "ipv4Prefix"
            };
            serde_json::json!({ key: p })
        })
        .collect();
    serde_json::json!({ "creationTime": created, "prefixes": entries }).to_string()
}

/// A server on loopback answering every list file; `gptbot` is GPTBot's list body and status.
async fn serve_lists(gptbot: (u16, String), searchbot: (u16, String)) -> MockServer {
    let server = MockServer::start().await;
    let others = [
        ("/chatgpt-user.json", "23.98.142.176/28"),
        ("/perplexitybot.json", "107.20.236.150/32"),
        ("/perplexity-user.json", "44.208.221.197/32"),
        ("/common-crawlers.json", "2001:4860:4801:10::/64"),
    ];
    for (file, prefix) in others {
        Mock::given(method("GET"))
            .and(path(file))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(list("2030-01-01T00:00:00", &[prefix])),
            )
            .mount(&server)
            .await;
    }
    for (file, (status, body)) in [("/gptbot.json", gptbot), ("/searchbot.json", searchbot)] {
        Mock::given(method("GET"))
            .and(path(file))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
    }
    server
}

/// Runs `aivis crawler-ranges update` against `base`, off the runtime (the server runs on it).
async fn update(dir: &Path, base: &str) -> std::process::Output {
    let mut command = aivis_command(dir, &["crawler-ranges", "update"]);
    command.env("AIVIS_CRAWLER_RANGES_BASE_URL", base);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn lists_in_use(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    let out = aivis_ok(dir, &["crawler-ranges", "list", "--format", "json"]);
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    rows.into_iter()
        .map(|r| (r["list"].as_str().unwrap().to_string(), r))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn update_stores_fresh_lists_that_later_ingests_use() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let dir = dir.path();
        let before = lists_in_use(dir);
        assert_eq!(before.len(), 6, "{before:?}");
        assert!(before.values().all(|l| l["source"] == "snapshot"));
        assert_eq!(
            before["openai-gptbot"]["creation_time"],
            "2025-10-30T11:00:00.000000"
        );

        ingest(dir, "day1.log", &[line(OTHER_IP, 100, "/a", GPTBOT, 200)]);
        let server = serve_lists(
            (200, list("2030-02-03T04:05:06", &["203.0.113.0/24"])),
            (200, list("2030-01-01", &["40.84.180.0/24"])),
        )
        .await;
        let out = update(dir, &server.uri()).await;
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        let table = stdout(&out);
        assert_eq!(table.matches("updated").count(), 6, "{table}");
        assert!(table.contains("2030-02-03T04:05:06"), "{table}");

        let after = lists_in_use(dir);
        assert!(
            after.values().all(|l| l["source"] == "database"),
            "{after:?}"
        );
        assert_eq!(after["openai-gptbot"]["prefixes"], 1);
        assert_eq!(
            after["openai-gptbot"]["creation_time"],
            "2030-02-03T04:05:06"
        );
        assert!(
            after["openai-gptbot"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/gptbot.json")
        );
        assert_eq!(
            number(
                &db.url,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM crawler_ranges"
            )
            .await,
            6
        );

        // The next ingest judges by the stored list: the address that was spoofed is
        // GPTBot's now, and the one in the shipped list is not.
        ingest(
            dir,
            "day1-more.log",
            &[
                line(OTHER_IP, 200, "/a", GPTBOT, 200),
                line(OPENAI_IP, 300, "/a", GPTBOT, 200),
            ],
        );
        assert_eq!(split(&by_agent(dir)["GPTBot"]), [3, 1, 2, 0], "{}", db.name);
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_that_fails_keeps_its_previous_ranges() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let dir = dir.path();
        let good = serve_lists(
            (200, list("2030-01-01", &["203.0.113.0/24"])),
            (200, list("2030-01-01", &["40.84.180.0/24"])),
        )
        .await;
        let out = update(dir, &good.uri()).await;
        assert!(out.status.success(), "{}", stderr(&out));

        let broken = serve_lists(
            (500, "upstream down".into()),
            (200, "<html>not a list</html>".into()),
        )
        .await;
        let out = update(dir, &broken.uri()).await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let (table, message) = (stdout(&out), stderr(&out));
        assert!(
            message.contains("2 of 6 crawler range lists could not be updated")
                && message.contains("openai-gptbot")
                && message.contains("openai-searchbot")
                && message.contains("keep their previous ranges"),
            "{message}"
        );
        assert!(table.contains("failed: HTTP 500"), "{table}");
        assert!(table.contains("failed: not a JSON object"), "{table}");
        assert_eq!(table.matches("updated").count(), 4, "{table}");

        // The failed lists still hold what the first update stored.
        let lists = lists_in_use(dir);
        assert_eq!(lists["openai-gptbot"]["prefixes"], 1, "{lists:?}");
        assert_eq!(lists["openai-gptbot"]["source"], "database");
        let document = rows(
            &db.url,
            "SELECT document FROM crawler_ranges WHERE list = 'openai-gptbot'",
        )
        .await;
        assert!(document[0][0].contains("203.0.113.0/24"), "{document:?}");
        ingest(dir, "access.log", &[line(OTHER_IP, 100, "/a", GPTBOT, 200)]);
        assert_eq!(split(&by_agent(dir)["GPTBot"]), [1, 1, 0, 0], "{}", db.name);

        // An unreachable server fails every list, and the command says so.
        let out = update(dir, "http://127.0.0.1:9").await;
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(
            stdout(&out).matches("failed: could not connect").count(),
            6,
            "{}",
            stdout(&out)
        );
        let out = aivis(
            dir,
            &[
                "crawler-ranges",
                "update",
                "--base-url",
                "file:///etc/passwd",
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        db.drop_db().await;
    }
}

/// Crawler rows stored before verification existed become `unverifiable`, and the new key
/// takes a spoofed row beside them.
#[tokio::test(flavor = "multi_thread")]
async fn older_crawler_rows_become_unverifiable() {
    for db in TestDb::both().await {
        sqlx::any::install_default_drivers();
        let (url, migrator) = if db.url.starts_with("sqlite") {
            (
                format!("{}?mode=rwc", db.url),
                sqlx::migrate!("./migrations/sqlite"),
            )
        } else {
            (db.url.clone(), sqlx::migrate!("./migrations/postgres"))
        };
        let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
        migrator.run_to(11, &mut conn).await.unwrap();
        conn.close().await.ok();
        execute(
            &db.url,
            "INSERT INTO daily_crawlers (site, day, agent, operator, purpose, path, hits, \
             status_2xx, status_3xx, status_4xx, status_5xx) VALUES \
             ('acme', '2026-09-01', 'GPTBot', 'OpenAI', 'training', '/docs', 5, 4, 0, 1, 0)",
        )
        .await;
        Store::connect(&db.url).await.unwrap().close().await;
        assert_eq!(
            rows(
                &db.url,
                "SELECT verification, CAST(hits AS TEXT), CAST(status_4xx AS TEXT) \
                 FROM daily_crawlers"
            )
            .await,
            [["unverifiable", "5", "1"]],
            "{}",
            db.name
        );
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        ingest(
            dir.path(),
            "access.log",
            &[line(OTHER_IP, 100, "/docs", GPTBOT, 200)],
        );
        assert_eq!(
            split(&by_agent(dir.path())["GPTBot"]),
            [6, 0, 1, 5],
            "{}",
            db.name
        );
        db.drop_db().await;
    }
}
