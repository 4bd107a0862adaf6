//! `aivis report compare` on both backends, against the generator's ground truth: when the
//! two windows cover every generated day, each segment's sessions and conversions in the two
//! windows add up to the truth of its channels exactly; days before the first data shorten the
//! baseline; CSV and JSON carry the same numbers.

mod common;

use common::{TestDb, aivis, small_spec, stderr, stdout, write_acme_config, write_log};
use serde_json::Value;

/// The truth's sessions and conversions of the channels `keep` accepts.
fn truth_of(truth: &aivis::demo::generate::GroundTruth, keep: impl Fn(&str) -> bool) -> (u64, u64) {
    truth
        .by_source
        .iter()
        .filter(|((channel, _), _)| keep(channel))
        .fold((0, 0), |(s, c), (_, t)| (s + t.sessions, c + t.conversions))
}

fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("not a count: {value}"))
}

#[tokio::test]
async fn the_windows_add_up_to_the_ground_truth_on_both_backends() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_acme_config(dir.path(), &db.url);
        let (log, truth) = write_log(dir.path(), "access.log", &small_spec(41));
        let out = aivis(dir.path(), &["ingest", log.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let last = common::rows(&db.url, "SELECT MAX(day) FROM daily_traffic").await[0][0].clone();
        // 14 generated days: 7 in the window, the 7 before in a baseline of up to 28.
        let args = [
            "report",
            "compare",
            "--as-of",
            &last,
            "--window",
            "7",
            "--baseline",
            "28",
        ];
        let out = aivis(dir.path(), &[&args[..], &["--format", "json"]].concat());
        assert!(out.status.success(), "{}: {}", db.name, stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let objects = json.as_array().unwrap();
        let segment = |name: &str| {
            objects
                .iter()
                .find(|o| o["segment"] == name)
                .unwrap_or_else(|| panic!("{}: no segment {name}", db.name))
        };
        let ai = segment("ai_assistant");
        assert_eq!(ai["current"]["to"], last.as_str());
        assert_eq!(
            (
                ai["current"]["days"].as_u64(),
                ai["baseline"]["days"].as_u64()
            ),
            (Some(7), Some(7))
        );
        let both =
            |o: &Value, field: &str| number(&o["current"][field]) + number(&o["baseline"][field]);
        for (name, keep) in [
            (
                "ai_assistant",
                &(|c: &str| c == "ai_assistant") as &dyn Fn(&str) -> bool,
            ),
            ("search", &|c: &str| {
                c == "organic_search" || c == "paid_search"
            }),
            ("organic_search", &|c: &str| c == "organic_search"),
            ("everything_else", &|c: &str| {
                !["ai_assistant", "organic_search", "paid_search"].contains(&c)
            }),
        ] {
            let o = segment(name);
            let expected = truth_of(&truth, keep);
            assert_eq!(
                (both(o, "sessions"), both(o, "conversions")),
                expected,
                "{} {name}",
                db.name
            );
        }
        // Each AI assistant on its own adds up to its source's truth.
        for ((channel, source), t) in &truth.by_source {
            if channel == "ai_assistant" {
                let o = segment(source);
                assert_eq!(o["kind"], "ai_source");
                assert_eq!(
                    (both(o, "sessions"), both(o, "conversions")),
                    (t.sessions, t.conversions)
                );
            }
        }
        // The three channel groups share all sessions of a window.
        let shares: f64 = ["ai_assistant", "search", "everything_else"]
            .iter()
            .map(|s| segment(s)["current"]["share"].as_f64().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9, "{shares}");
        let ratio = segment("ai_vs_search_ratio");
        let (rate_ai, rate_search) = (
            segment("ai_assistant")["current"]["rate"].as_f64().unwrap(),
            segment("search")["current"]["rate"].as_f64().unwrap(),
        );
        assert!((ratio["current"]["ratio"].as_f64().unwrap() - rate_ai / rate_search).abs() < 1e-9);
        // CSV: the same rows, the same numbers.
        let out = aivis(dir.path(), &[&args[..], &["--format", "csv"]].concat());
        let mut csv = csv::Reader::from_reader(out.stdout.as_slice());
        let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), objects.len());
        let headers = csv.headers().unwrap().clone();
        let at = |name: &str| headers.iter().position(|h| h == name).unwrap();
        let ai_row = records.iter().find(|r| &r[0] == "ai_assistant").unwrap();
        assert_eq!(
            ai_row[at("current_sessions")].parse::<u64>().unwrap(),
            number(&ai["current"]["sessions"])
        );
        // The table for people shows rates as percentages with their intervals.
        let out = aivis(dir.path(), &args);
        let text = stdout(&out);
        assert!(
            text.contains("(7 days)") && text.contains("AI/search conversion-rate ratio"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("ai_assistant") && l.contains("% (") && l.contains("–")),
            "{text}"
        );
        db.drop_db().await;
    }
}

#[tokio::test]
async fn bad_flags_exit_2_naming_them() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_acme_config(dir.path(), &db.url);
    for (args, expected) in [
        (vec!["--as-of", "2026-02-30"], "--as-of"),
        (vec!["--window", "0"], "--window"),
        (vec!["--baseline", "4000"], "--baseline"),
        (vec!["--site", "acmee"], "no site named \"acmee\""),
        (vec!["--goal", "purchse"], "no goal named \"purchse\""),
    ] {
        let out = aivis(dir.path(), &[&["report", "compare"][..], &args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // No data yet: both windows are empty, and that is said, not an error.
    let out = aivis(dir.path(), &["report", "compare", "--as-of", "2026-11-24"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("no days with data"),
        "{}",
        stdout(&out)
    );
}
