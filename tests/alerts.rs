//! `aivis alerts evaluate` and `list` on both backends, on a log written line by line: AI
//! visitors convert at 10% for four weeks, then at 2.5% for a week, then at 10% again, while
//! search converts at 3% throughout. Before the fall nothing is raised; a week into it the AI
//! conversion-rate alert opens (down, critical); evaluating again updates it without a
//! duplicate; a dry run stores nothing; once the rate recovers the alert is resolved.

mod common;

use std::fmt::Write as _;

use common::{BROWSER, TestDb, aivis, combined_line, number, stderr, stdout, write_acme_config};
use serde_json::Value;

use common::{FIRST_DAY, day_lines};

fn day_text(day: i64) -> String {
    aivis::day::day_text((FIRST_DAY + day) * 86_400)
}

fn evaluate(dir: &std::path::Path, as_of: i64, extra: &[&str]) -> Vec<Value> {
    let as_of = day_text(as_of);
    let args = [
        &["alerts", "evaluate", "--as-of", &as_of, "--format", "json"][..],
        extra,
    ]
    .concat();
    let out = aivis(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn find<'a>(alerts: &'a [Value], kind: &str) -> Option<&'a Value> {
    alerts.iter().find(|a| a["kind"] == kind)
}

#[tokio::test]
async fn an_ai_conversion_fall_opens_one_alert_that_resolves_when_the_rate_recovers() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let mut log = String::new();
        for day in 0..28 {
            day_lines(day, 40, 4, &mut log); // 10%
        }
        for day in 28..35 {
            day_lines(day, 40, 1, &mut log); // 2.5%
        }
        for day in 35..42 {
            day_lines(day, 40, 4, &mut log); // 10% again
        }
        let path = dir.path().join("access.log");
        std::fs::write(&path, &log).unwrap();
        let out = aivis(dir.path(), &["ingest", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));

        // The last day before the fall: nothing to say.
        let before = evaluate(dir.path(), 27, &[]);
        assert!(before.is_empty(), "{}: {before:?}", db.name);

        // A dry run a week into the fall stores nothing.
        let dry = evaluate(dir.path(), 34, &["--dry-run"]);
        assert!(
            find(&dry, "ai_conversion_rate").is_some(),
            "{}: {dry:?}",
            db.name
        );
        assert_eq!(
            number(&db.url, "SELECT COUNT(*) FROM alerts").await,
            0,
            "{}",
            db.name
        );

        let during = evaluate(dir.path(), 34, &[]);
        let alert = find(&during, "ai_conversion_rate")
            .unwrap_or_else(|| panic!("{}: {during:?}", db.name));
        assert_eq!(alert["key"], "ai_conversion_rate:acme");
        assert_eq!(alert["direction"], "down");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["status"], "open");
        assert_eq!(alert["first_seen"], day_text(34).as_str());
        assert_eq!(alert["numbers"]["current"]["sessions"], 280);
        assert_eq!(alert["numbers"]["current"]["conversions"], 7);
        assert_eq!(alert["numbers"]["baseline"]["conversions"], 112);
        assert!(
            alert["sentence"]
                .as_str()
                .unwrap()
                .starts_with("Visitors from AI assistants converted at 2.5% this week against 10.0% in the four weeks before (−75%"),
            "{alert}"
        );
        // Search did not move.
        assert!(
            find(&during, "search_conversion_rate").is_none(),
            "{during:?}"
        );
        assert!(find(&during, "ai_traffic_share").is_none(), "{during:?}");

        // Again the same day: updated, not duplicated.
        let again = evaluate(dir.path(), 34, &[]);
        assert_eq!(
            find(&again, "ai_conversion_rate").unwrap()["change"],
            "updated"
        );
        assert_eq!(
            number(
                &db.url,
                "SELECT COUNT(*) FROM alerts WHERE kind = 'ai_conversion_rate'"
            )
            .await,
            1
        );
        let out = aivis(dir.path(), &["alerts", "list", "--format", "json"]);
        let listed: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["key"] == "ai_conversion_rate:acme")
        );

        // The rate recovered: resolved, and no longer listed as open.
        let after = evaluate(dir.path(), 41, &[]);
        let resolved =
            find(&after, "ai_conversion_rate").unwrap_or_else(|| panic!("{}: {after:?}", db.name));
        assert_eq!(resolved["status"], "resolved");
        let out = aivis(dir.path(), &["alerts", "list"]);
        assert!(
            !stdout(&out).contains("ai_conversion_rate:acme"),
            "{}",
            stdout(&out)
        );
        let out = aivis(dir.path(), &["alerts", "list", "--status", "resolved"]);
        assert!(
            stdout(&out).contains("ai_conversion_rate:acme"),
            "{}",
            stdout(&out)
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_steady_site_raises_nothing_and_bad_flags_exit_2() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_acme_config(dir.path(), &db.url);
    let mut log = String::new();
    for day in 0..35 {
        day_lines(day, 40, 4, &mut log);
    }
    let path = dir.path().join("access.log");
    std::fs::write(&path, &log).unwrap();
    assert!(
        aivis(dir.path(), &["ingest", path.to_str().unwrap()])
            .status
            .success()
    );
    assert!(evaluate(dir.path(), 34, &[]).is_empty());
    let mut text = String::new();
    for (args, expected) in [
        (
            vec!["alerts", "evaluate", "--as-of", "yesterday"],
            "--as-of",
        ),
        (
            vec!["alerts", "evaluate", "--site", "acmee"],
            "no site named \"acmee\"",
        ),
        (
            vec!["alerts", "list", "--site", "acmee"],
            "no site named \"acmee\"",
        ),
    ] {
        let out = aivis(dir.path(), &args);
        let _ = write!(text, "{args:?}: {}", stderr(&out));
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr(&out).contains(expected), "{text}");
    }
}

/// A generated month whose AI visitors buy a third as often from its fourth week on: no
/// alert before the shift, the AI conversion-rate alert (down) a week into it, with exactly
/// the ground truth's numbers; the same month without the shift raises no such alert.
#[tokio::test]
async fn a_generated_shift_is_found_and_a_stable_month_is_not() {
    use aivis::demo::generate::{Story, TrafficSpec};
    let start = TrafficSpec::demo().start_day;
    let spec = |story| TrafficSpec {
        seed: 5,
        sessions: 20_000,
        days: 28,
        noise: false,
        story,
        ..TrafficSpec::demo()
    };
    let shift = Story::AiConversionShift {
        from_day: start + 21,
        per_mille: 333,
    };
    let evaluate_on = |dir: &std::path::Path, day: i64| -> Vec<Value> {
        let as_of = aivis::day::day_text((start + day) * 86_400);
        let args = [
            "alerts",
            "evaluate",
            "--as-of",
            &as_of,
            "--dry-run",
            "--format",
            "json",
        ];
        let out = aivis(dir, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        json.as_array().unwrap().clone()
    };
    let ingested = |dir: &std::path::Path, url: &str, story| {
        write_acme_config(dir, url);
        let (log, truth) = common::write_log(dir, "access.log", &spec(story));
        let out = aivis(dir, &["ingest", log.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        truth
    };
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let truth = ingested(dir.path(), &db.url, shift);
        let before = evaluate_on(dir.path(), 20);
        assert!(
            find(&before, "ai_conversion_rate").is_none(),
            "{}: {before:?}",
            db.name
        );
        let after = evaluate_on(dir.path(), 27);
        let alert =
            find(&after, "ai_conversion_rate").unwrap_or_else(|| panic!("{}: {after:?}", db.name));
        assert_eq!(alert["direction"], "down");
        let shift = truth.ai_shift.unwrap();
        let numbers = &alert["numbers"];
        for (window, field, expected) in [
            ("current", "sessions", shift.sessions_after),
            ("current", "conversions", shift.conversions_after),
            ("baseline", "sessions", shift.sessions_before),
            ("baseline", "conversions", shift.conversions_before),
        ] {
            assert_eq!(
                numbers[window][field], expected,
                "{} {window} {field}",
                db.name
            );
        }
        db.drop_db().await;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("stable.db").display());
    ingested(dir.path(), &url, Story::Stable);
    let after = evaluate_on(dir.path(), 27);
    assert!(
        find(&after, "ai_conversion_rate").is_none(),
        "a stable month raised {after:?}"
    );
}

/// One combined line with its response status.
fn line_with_status(ip: &str, ts: i64, path: &str, ua: &str, status: u16) -> String {
    combined_line(ip, ts, path, "-", ua).replace(" 200 512 ", &format!(" {status} 512 "))
}

const GPTBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)";
const CLAUDEBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)";
const PERPLEXITYBOT: &str = "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)";

/// GPTBot is refused (403) from day 28 on, ClaudeBot stops coming, PerplexityBot goes on as
/// before: two `ai_crawler_change` alerts, each saying what happened, and none for the third.
#[tokio::test]
async fn a_blocked_crawler_and_a_vanished_one_raise_crawler_alerts() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let mut log = String::new();
        for day in 0..35 {
            let start = (FIRST_DAY + day) * 86_400;
            let mut lines: Vec<(i64, String)> = Vec::new();
            for i in 0..20 {
                let status = if day >= 28 { 403 } else { 200 };
                let ts = start + 1000 + i * 600;
                lines.push((
                    ts,
                    line_with_status("20.171.207.1", ts, &format!("/docs/{i}"), GPTBOT, status),
                ));
            }
            for i in 0..10 {
                let ts = start + 2000 + i * 900;
                if day < 28 {
                    lines.push((
                        ts,
                        line_with_status("160.79.104.1", ts, &format!("/blog/{i}"), CLAUDEBOT, 200),
                    ));
                }
                lines.push((
                    ts + 1,
                    line_with_status(
                        "44.221.181.1",
                        ts + 1,
                        &format!("/p/{i}"),
                        PERPLEXITYBOT,
                        200,
                    ),
                ));
            }
            let ts = start + 40_000;
            lines.push((
                ts,
                combined_line(
                    &format!("10.9.{}.1", day),
                    ts,
                    "/pricing",
                    "https://www.google.com/",
                    BROWSER,
                ),
            ));
            lines.sort_by_key(|l| l.0);
            for (_, line) in lines {
                log.push_str(&line);
            }
        }
        let path = dir.path().join("access.log");
        std::fs::write(&path, &log).unwrap();
        let out = aivis(dir.path(), &["ingest", path.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let alerts = evaluate(dir.path(), 34, &["--dry-run"]);
        let crawler: Vec<&Value> = alerts
            .iter()
            .filter(|a| a["kind"] == "ai_crawler_change")
            .collect();
        let mut keys: Vec<&str> = crawler.iter().map(|a| a["key"].as_str().unwrap()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "ai_crawler_change:acme:ClaudeBot",
                "ai_crawler_change:acme:GPTBot"
            ],
            "{}: {alerts:?}",
            db.name
        );
        let gpt = crawler.iter().find(|a| a["subject"] == "GPTBot").unwrap();
        assert_eq!(gpt["direction"], "up");
        assert_eq!(gpt["numbers"]["current"]["refused"], 140);
        assert!(
            gpt["sentence"]
                .as_str()
                .unwrap()
                .contains("100.0% of its requests got a 4xx or 5xx"),
            "{gpt}"
        );
        let claude = crawler
            .iter()
            .find(|a| a["subject"] == "ClaudeBot")
            .unwrap();
        assert_eq!(claude["direction"], "down");
        assert_eq!(claude["severity"], "warning");
        assert_eq!(claude["numbers"]["baseline"]["requests"], 280);
        db.drop_db().await;
    }
}
