//! Ingest under hostile and careless input, on SQLite and PostgreSQL: salts that are deleted
//! once their day is over (and `late` lines after that), memory bounded by the session cap
//! with exact totals, the AI crawler path cap, files recognised by their content (not their
//! first line), gzip and pipes, malformed parts and time going backwards.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use aivis::config::SiteConfig;
use aivis::demo::demo_site;
use aivis::ingest::{IngestOptions, IngestSummary, Input, ingest};
use aivis::store::Store;
use common::{BROWSER, TestDb, combined_line, number, rows};

/// 2026-11-01 00:00:00 UTC.
const NOV_1: i64 = 1_793_491_200;
const DAY: i64 = 86_400;

fn site(name: &str) -> SiteConfig {
    SiteConfig {
        name: name.to_string(),
        ..demo_site()
    }
}

async fn run(
    store: &Store,
    site: &SiteConfig,
    files: &[&Path],
    options: IngestOptions,
) -> IngestSummary {
    let inputs = files.iter().map(|f| Input::File(f.to_path_buf())).collect();
    ingest(store, site, inputs, options).await.unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Five days, three visitors a day (one of them twice, 10 minutes apart).
fn five_days() -> String {
    let mut log = String::new();
    for day in 0..5 {
        let noon = NOV_1 + day * DAY + 12 * 3600;
        for visitor in 0..3 {
            let ip = format!("10.0.{day}.{visitor}");
            log.push_str(&combined_line(&ip, noon + visitor * 60, "/", "-", BROWSER));
        }
        log.push_str(&combined_line(
            &format!("10.0.{day}.0"),
            noon + 600,
            "/pricing",
            "-",
            BROWSER,
        ));
    }
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn salts_are_kept_only_while_their_day_can_receive_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let log = write(dir.path(), "access.log", &five_days());
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let summary = run(&store, &site("acme"), &[&log], IngestOptions::default()).await;
        assert_eq!((summary.sessions, summary.late), (15, 0), "{}", db.name);
        let days = rows(&db.url, "SELECT site, day FROM day_salts ORDER BY day").await;
        assert_eq!(
            days,
            [["acme", "2026-11-04"], ["acme", "2026-11-05"]],
            "{}: only the latest day and the one before keep a salt",
            db.name
        );
        // A line for Nov 2 arrives after its salt is gone: counted as late, still ingested,
        // and no salt is stored for it again.
        let late = write(
            dir.path(),
            "late.log",
            &combined_line("10.0.1.0", NOV_1 + DAY + 13 * 3600, "/", "-", BROWSER),
        );
        let summary = run(&store, &site("acme"), &[&late], IngestOptions::default()).await;
        assert_eq!((summary.pageviews, summary.late), (1, 1), "{}", db.name);
        assert_eq!(
            number(
                &db.url,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions WHERE day = '2026-11-02'"
            )
            .await,
            4,
            "{}: the late visit is a session of its own",
            db.name
        );
        assert_eq!(
            number(&db.url, "SELECT CAST(COUNT(*) AS BIGINT) FROM day_salts").await,
            2,
            "{}",
            db.name
        );
        // The same log for a second site: its own salts, and no visitor key in common.
        run(&store, &site("globex"), &[&log], IngestOptions::default()).await;
        let shared = number(
            &db.url,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions a JOIN sessions b \
             ON a.visitor_key = b.visitor_key WHERE a.site = 'acme' AND b.site = 'globex'",
        )
        .await;
        assert_eq!(shared, 0, "{}: a visitor's key differs per site", db.name);
        assert_eq!(
            number(
                &db.url,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM day_salts WHERE site = 'globex'"
            )
            .await,
            2,
            "{}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_longer_retention_keeps_more_salts_and_a_split_log_counts_like_one() {
    let dir = tempfile::tempdir().unwrap();
    let text = five_days();
    let split = text.match_indices('\n').nth(9).unwrap().0 + 1;
    let first = write(dir.path(), "first.log", &text[..split]);
    let second = write(dir.path(), "second.log", &text[split..]);
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let options = IngestOptions {
            salt_retention_days: 3,
            ..IngestOptions::default()
        };
        let a = run(&store, &site("acme"), &[&first], options.clone()).await;
        let b = run(&store, &site("acme"), &[&second], options).await;
        assert_eq!(a.sessions + b.sessions, 15, "{}", db.name);
        assert_eq!(a.late + b.late, 0, "{}", db.name);
        let days = rows(&db.url, "SELECT day FROM day_salts ORDER BY day").await;
        assert_eq!(
            days,
            [["2026-11-03"], ["2026-11-04"], ["2026-11-05"]],
            "{}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
}

/// `visitors` distinct visitors, each with two pageviews ten minutes apart, all within one
/// day and one session timeout of each other (the second views start once every first view
/// is in: at most `visitors` sessions open at once).
fn flood(visitors: u32) -> String {
    let start = NOV_1 + 3600;
    let mut log = String::with_capacity(visitors as usize * 300);
    for round in 0..2 {
        for v in 0..visitors {
            let ip = format!("10.{}.{}.{}", v >> 16, (v >> 8) & 255, v & 255);
            let ts = start + i64::from(v) / 100 + round * 600;
            let path = if round == 1 && v % 10 == 0 {
                "/checkout/complete"
            } else {
                "/"
            };
            log.push_str(&combined_line(&ip, ts, path, "-", BROWSER));
        }
    }
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_is_bounded_by_the_session_cap_and_totals_stay_exact() {
    let visitors = 8_000;
    let dir = tempfile::tempdir().unwrap();
    let text = flood(visitors);
    let log = write(dir.path(), "flood.log", &text);
    // The same log in two halves: the second ingest resumes more open sessions than the cap.
    let split = text
        .match_indices('\n')
        .nth(visitors as usize + 1_999)
        .unwrap()
        .0
        + 1;
    let first = write(dir.path(), "first.log", &text[..split]);
    let second = write(dir.path(), "second.log", &text[split..]);
    let cap = 1_000;
    let options = IngestOptions {
        max_held_sessions: cap,
        ..IngestOptions::default()
    };
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let summary = run(&store, &site("acme"), &[&log], options.clone()).await;
        let memory = summary.memory;
        assert_eq!(summary.sessions, u64::from(visitors), "{}", db.name);
        assert!(
            memory.peak_held_sessions <= cap + 1024,
            "{}: {memory:?}",
            db.name
        );
        assert!(
            memory.sessions_set_aside >= u64::from(visitors) - cap as u64
                && memory.sessions_found_again >= u64::from(visitors) - cap as u64,
            "{}: {memory:?}",
            db.name
        );
        let stored = number(&db.url, "SELECT CAST(COUNT(*) AS BIGINT) FROM sessions").await;
        let views = number(
            &db.url,
            "SELECT CAST(SUM(pageviews) AS BIGINT) FROM sessions",
        )
        .await;
        let converted = number(
            &db.url,
            "SELECT CAST(SUM(converted) AS BIGINT) FROM sessions",
        )
        .await;
        let rollup = number(
            &db.url,
            "SELECT CAST(SUM(sessions) AS BIGINT) FROM daily_traffic",
        )
        .await;
        let rollup_views = number(
            &db.url,
            "SELECT CAST(SUM(pageviews) AS BIGINT) FROM daily_traffic",
        )
        .await;
        let rollup_conversions = number(
            &db.url,
            "SELECT CAST(SUM(conversions) AS BIGINT) FROM daily_traffic",
        )
        .await;
        let expected = i64::from(visitors);
        assert_eq!(
            (stored, views, converted),
            (expected, 2 * expected, expected / 10),
            "{}",
            db.name
        );
        assert_eq!(
            (rollup, rollup_views, rollup_conversions),
            (expected, 2 * expected, expected / 10),
            "{}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let a = run(&store, &site("acme"), &[&first], options.clone()).await;
        let b = run(&store, &site("acme"), &[&second], options.clone()).await;
        assert_eq!(a.sessions + b.sessions, u64::from(visitors), "{}", db.name);
        assert!(
            b.memory.sessions_found_again > 0,
            "{}: {:?}",
            db.name,
            b.memory
        );
        let views = number(
            &db.url,
            "SELECT CAST(SUM(pageviews) AS BIGINT) FROM daily_traffic",
        )
        .await;
        assert_eq!(views, 2 * i64::from(visitors), "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

const GPTBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)";

#[tokio::test(flavor = "multi_thread")]
async fn an_ai_crawler_keeps_at_most_1000_paths_a_day_and_the_rest_is_other() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = String::new();
    for i in 0..1_200 {
        first.push_str(&combined_line(
            "192.0.2.9",
            NOV_1 + 60 + i,
            &format!("/p/{i}"),
            "-",
            GPTBOT,
        ));
    }
    // Known paths stay on their own row; new ones on a later ingest go to (other).
    let mut second = String::new();
    for path in ["/p/1", "/p/999", "/p/1000", "/new"] {
        second.push_str(&combined_line(
            "192.0.2.9",
            NOV_1 + 7_200,
            path,
            "-",
            GPTBOT,
        ));
    }
    let first = write(dir.path(), "first.log", &first);
    let second = write(dir.path(), "second.log", &second);
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let a = run(&store, &site("acme"), &[&first], IngestOptions::default()).await;
        let b = run(&store, &site("acme"), &[&second], IngestOptions::default()).await;
        assert_eq!(a.crawler_requests_folded, 200, "{}", db.name);
        assert_eq!(b.crawler_requests_folded, 2, "{}", db.name);
        let paths = number(
            &db.url,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM daily_crawlers WHERE path <> '(other)'",
        )
        .await;
        let other = number(
            &db.url,
            "SELECT CAST(hits AS BIGINT) FROM daily_crawlers WHERE path = '(other)'",
        )
        .await;
        let hits = number(
            &db.url,
            "SELECT CAST(SUM(hits) AS BIGINT) FROM daily_crawlers",
        )
        .await;
        assert_eq!((paths, other, hits), (1_000, 202, 1_204), "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

/// Lines of one visitor a minute apart from `start`, each with its own path.
fn numbered_lines(start: i64, from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| {
            combined_line(
                "10.9.9.9",
                start + i as i64 * 60,
                &format!("/n/{i}"),
                "-",
                BROWSER,
            )
        })
        .collect()
}

async fn pageviews(url: &str) -> i64 {
    number(
        url,
        "SELECT CAST(COALESCE(SUM(pageviews), 0) AS BIGINT) FROM daily_traffic",
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn files_are_recognised_by_their_content_not_their_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    // Two long files with the same first line and different rest.
    let shared_first = numbered_lines(start, 0, 1);
    let a = write(
        dir.path(),
        "a.log",
        &(shared_first.clone() + &numbered_lines(start, 1, 60)),
    );
    let b = write(
        dir.path(),
        "b.log",
        &(shared_first + &numbered_lines(start, 100, 80)),
    );
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, &site("acme"), &[&a], IngestOptions::default()).await;
        let summary = run(&store, &site("acme"), &[&b], IngestOptions::default()).await;
        assert_eq!(summary.files[0].resumed_at, 0, "{}", db.name);
        assert_eq!(summary.pageviews, 81, "{}: every line of b.log", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_file_that_grows_continues_and_a_different_one_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let path = write(
            dir.path(),
            &format!("grow-{}.log", db.name),
            &numbered_lines(start, 0, 2),
        );
        run(&store, &site("acme"), &[&path], IngestOptions::default()).await;
        // A different file that begins with the same two lines, longer: a new file.
        let other = write(
            dir.path(),
            &format!("other-{}.log", db.name),
            &(numbered_lines(start, 0, 2) + &numbered_lines(start, 500, 3)),
        );
        let summary = run(&store, &site("acme"), &[&other], IngestOptions::default()).await;
        assert_eq!(
            (summary.files[0].resumed_at, summary.pageviews),
            (0, 5),
            "{}",
            db.name
        );
        // The first file grows past 4 KB: only its new lines are read, and its fingerprint
        // now covers 4 KB.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(numbered_lines(start, 2, 40).as_bytes())
            .unwrap();
        drop(file);
        let summary = run(&store, &site("acme"), &[&path], IngestOptions::default()).await;
        assert!(summary.files[0].resumed_at > 0, "{}", db.name);
        assert_eq!(summary.pageviews, 40, "{}", db.name);
        let lengths = rows(
            &db.url,
            "SELECT CAST(head_len AS TEXT) AS len FROM ingest_checkpoints ORDER BY head_len",
        )
        .await;
        assert_eq!(
            lengths.last().unwrap(),
            &["4096"],
            "{}: {lengths:?}",
            db.name
        );
        assert_eq!(
            lengths.len(),
            2,
            "{}: the grown file's old row is replaced",
            db.name
        );
        // Run again: nothing new.
        let again = run(
            &store,
            &site("acme"),
            &[&path, &other],
            IngestOptions::default(),
        )
        .await;
        assert_eq!(again.pageviews, 0, "{}", db.name);
        assert_eq!(pageviews(&db.url).await, 2 + 5 + 40, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

fn gzip(path: &Path) -> PathBuf {
    let bytes = std::fs::read(path).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&bytes).unwrap();
    let target = PathBuf::from(format!("{}.gz", path.display()));
    std::fs::write(&target, encoder.finish().unwrap()).unwrap();
    std::fs::remove_file(path).unwrap();
    target
}

#[tokio::test(flavor = "multi_thread")]
async fn rotation_by_rename_then_compression_reads_every_line_once() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    for db in TestDb::both().await {
        let live = dir.path().join(format!("access-{}.log", db.name));
        std::fs::write(&live, numbered_lines(start, 0, 100)).unwrap();
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, &site("acme"), &[&live], IngestOptions::default()).await;
        // The server writes 20 more lines, then logrotate renames and later compresses the
        // file; the new file starts empty and gets 30 lines.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&live)
            .unwrap();
        file.write_all(numbered_lines(start, 100, 20).as_bytes())
            .unwrap();
        drop(file);
        let rotated = dir.path().join(format!("access-{}.log.1", db.name));
        std::fs::rename(&live, &rotated).unwrap();
        let compressed = gzip(&rotated);
        std::fs::write(&live, numbered_lines(start, 200, 30)).unwrap();
        let summary = run(
            &store,
            &site("acme"),
            &[&compressed, &live],
            IngestOptions::default(),
        )
        .await;
        assert!(summary.files[0].compressed, "{}", db.name);
        assert_eq!(summary.pageviews, 50, "{}: 20 unread + 30 new", db.name);
        let again = run(
            &store,
            &site("acme"),
            &[&compressed, &live],
            IngestOptions::default(),
        )
        .await;
        assert_eq!(again.pageviews, 0, "{}", db.name);
        assert_eq!(pageviews(&db.url).await, 150, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_written_before_head_lengths_is_still_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    let text = numbered_lines(start, 0, 80);
    let path = write(dir.path(), "old.log", &text);
    let first_line_end = text.find('\n').unwrap() + 1;
    let legacy_id = {
        use sha2::{Digest, Sha256};
        hex::encode(&Sha256::digest(&text.as_bytes()[..first_line_end])[..16])
    };
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, &site("acme"), &[&path], IngestOptions::default()).await;
        // Rewrite the checkpoint as an older aivis stored it: keyed by the first line only,
        // with 50 lines read.
        let offset: usize = text.match_indices('\n').nth(49).unwrap().0 + 1;
        common::execute(
            &db.url,
            &format!(
                "UPDATE ingest_checkpoints SET file_id = '{legacy_id}', head_len = 0, \
                 device = NULL, inode = NULL, byte_offset = {offset}, lines = 50"
            ),
        )
        .await;
        common::execute(&db.url, "DELETE FROM daily_traffic").await;
        let summary = run(&store, &site("acme"), &[&path], IngestOptions::default()).await;
        assert_eq!(summary.files[0].resumed_at, offset as u64, "{}", db.name);
        assert_eq!(summary.pageviews, 30, "{}", db.name);
        let ids = rows(
            &db.url,
            "SELECT file_id, CAST(head_len AS TEXT) FROM ingest_checkpoints",
        )
        .await;
        assert_eq!(ids.len(), 1, "{}: {ids:?}", db.name);
        assert_eq!(ids[0][1], "4096", "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_parts_time_going_back_and_wrong_formats_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    let mut text = String::new();
    text.push_str(&combined_line("10.1.1.1", start, "/ok", "-", BROWSER));
    // nginx writes a NUL byte in the path as \x00.
    text.push_str(&combined_line(
        "10.1.1.2",
        start + 5,
        "/a\\x00b",
        "-",
        BROWSER,
    ));
    // Invalid UTF-8 in the referrer's host.
    text.push_str(&combined_line(
        "10.1.1.3",
        start + 6,
        "/",
        "https://bad\\xff\\xfehost.test/",
        BROWSER,
    ));
    // Ten minutes back in time.
    text.push_str(&combined_line("10.1.1.4", start - 600, "/", "-", BROWSER));
    let log = write(dir.path(), "mixed.log", &text);
    let garbage = write(
        dir.path(),
        "garbage.log",
        &format!(
            "{}not a log line\nnor this\nnor that\n",
            combined_line("10.1.1.5", start, "/", "-", BROWSER)
        ),
    );
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let summary = run(&store, &site("acme"), &[&log], IngestOptions::default()).await;
        assert_eq!(summary.skipped.get("malformed"), Some(&2), "{}", db.name);
        let reasons: Vec<&str> = summary
            .malformed_samples
            .iter()
            .map(|s| s.reason.as_str())
            .collect();
        assert_eq!(reasons, ["nul_in_path", "bad_referrer_host"], "{}", db.name);
        // The referrer line is refused after its time was read: the step back is from it.
        assert_eq!(
            (summary.out_of_order, summary.max_step_back_seconds),
            (1, 606),
            "{}",
            db.name
        );
        assert_eq!(summary.pageviews, 2, "{}", db.name);
        let stored_paths = rows(
            &db.url,
            "SELECT landing_path FROM sessions ORDER BY landing_path",
        )
        .await;
        assert_eq!(stored_paths, [["/"], ["/ok"]], "{}", db.name);
        let options = IngestOptions {
            format: aivis::ingest::FormatChoice::Fixed(aivis::ingest::parse::LogFormat::Combined),
            ..IngestOptions::default()
        };
        let summary = run(&store, &site("acme"), &[&garbage], options).await;
        let warning = summary.files[0].warning.clone().unwrap_or_default();
        assert!(
            warning.contains("3 of 4 lines are malformed"),
            "{}: {warning:?}",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_set_aside_visitor_is_found_as_their_latest_session_with_its_goals() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 10 * 3600;
    let text = [
        combined_line("10.4.4.4", start, "/checkout/complete", "-", BROWSER),
        combined_line("10.4.4.4", start + 2 * 3600, "/", "-", BROWSER),
        combined_line(
            "10.4.4.4",
            start + 2 * 3600 + 60,
            "/checkout/complete",
            "-",
            BROWSER,
        ),
        combined_line("10.5.5.5", start + 2 * 3600, "/", "-", BROWSER),
    ]
    .concat();
    let log = write(dir.path(), "two.log", &text);
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        run(&store, &site("acme"), &[&log], IngestOptions::default()).await;
        let by_sessions = |n: i64| {
            format!("SELECT visitor_key FROM sessions GROUP BY visitor_key HAVING COUNT(*) = {n}")
        };
        let returning = rows(&db.url, &by_sessions(2)).await[0][0].clone();
        let other = rows(&db.url, &by_sessions(1)).await[0][0].clone();
        let found = store
            .find_sessions(
                "acme",
                &[returning.clone(), other.clone(), "f".repeat(32)],
                0,
            )
            .await
            .unwrap();
        assert_eq!(found.len(), 2, "{}: {found:?}", db.name);
        let latest = &found[&returning];
        assert_eq!(latest.last_hit_at, start + 2 * 3600 + 60, "{}", db.name);
        assert_eq!(latest.pageviews, 2, "{}", db.name);
        assert_eq!(latest.goals, ["purchase"], "{}", db.name);
        // Nothing of that visitor after their last hit; another site's name finds nothing.
        let later = store
            .find_session("acme", &returning, start + 2 * 3600 + 61)
            .await
            .unwrap();
        assert!(later.is_none(), "{}", db.name);
        let elsewhere = store.find_session("globex", &returning, 0).await.unwrap();
        assert!(elsewhere.is_none(), "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unfinished_last_line_longer_than_the_cap_waits_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let start = NOV_1 + 3_600;
    let head = numbered_lines(start, 0, 10);
    // A line still being written, already longer than the 16 KiB line cap.
    let unfinished = format!("10.9.9.9 - - [{}", "x".repeat(20 * 1024));
    let path = write(dir.path(), "growing.log", &format!("{head}{unfinished}"));
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let first = run(&store, &site("acme"), &[&path], IngestOptions::default()).await;
        assert_eq!(first.pageviews, 10, "{}", db.name);
        assert_eq!(
            first.files[0].unterminated_bytes,
            unfinished.len() as u64,
            "{}",
            db.name
        );
        let offset = number(&db.url, "SELECT MAX(byte_offset) FROM ingest_checkpoints").await;
        assert_eq!(
            offset,
            head.len() as i64,
            "{}: the checkpoint stops before it",
            db.name
        );
        store.close().await;
        db.drop_db().await;
    }
    // Once finished (and followed by more lines), the next run reads it as the over-long
    // line it is, and then the rest.
    let tail = numbered_lines(start, 10, 5);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, format!("\n{tail}").as_bytes()).unwrap();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        std::fs::write(dir.path().join("part.log"), format!("{head}{unfinished}")).unwrap();
        let part = dir.path().join("part.log");
        run(&store, &site("acme"), &[&part], IngestOptions::default()).await;
        // The grown file is the same file (same beginning): it continues at the checkpoint.
        std::fs::write(&part, std::fs::read(&path).unwrap()).unwrap();
        let second = run(&store, &site("acme"), &[&part], IngestOptions::default()).await;
        assert_eq!(second.pageviews, 5, "{}", db.name);
        assert_eq!(
            second.skipped.get("too_long").copied(),
            Some(1),
            "{}",
            db.name
        );
        assert_eq!(pageviews(&db.url).await, 15, "{}", db.name);
        store.close().await;
        db.drop_db().await;
    }
}
