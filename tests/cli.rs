//! The `aivis` binary as a user runs it: exit codes and messages for bad config and bad input,
//! JSON reports, and a crash test (SIGKILL in the middle of an ingest, then run again: the
//! totals must be exact) on SQLite and PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use aivis::demo::generate::{GroundTruth, TrafficSpec};
use common::{TestDb, aivis, stderr, write_log};

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(dir.path(), &["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for command in [
        "init",
        "ingest",
        "report",
        "query",
        "classify",
        "demo",
        "Exit codes",
    ] {
        assert!(text.contains(command), "--help lacks {command}: {text}");
    }
    let out = aivis(dir.path(), &["report", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for report in ["conversions", "crawlers", "ai-pages", "referrers"] {
        assert!(
            text.contains(report),
            "report --help lacks {report}: {text}"
        );
    }
    let out = aivis(dir.path(), &["ingest", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("nginx_json") && text.contains("exactly once"),
        "{text}"
    );
}

#[test]
fn unknown_config_key_exits_2_naming_key_and_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[[sites]]\nname = \"acme\"\nsession_timout_minutes = 5\n",
    )
    .unwrap();
    let out = aivis(dir.path(), &["--config", "bad.toml", "ingest", "x.log"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("session_timout_minutes"), "{err}");
    assert!(err.contains("bad.toml") && err.contains("line 3"), "{err}");
}

#[test]
fn missing_config_file_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(
        dir.path(),
        &["--config", "nope.toml", "report", "conversions"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
}

#[test]
fn unreadable_log_file_exits_1_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    common::write_acme_config(dir.path(), "sqlite://t.db");
    let out = aivis(dir.path(), &["ingest", "missing.log"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing.log"), "{}", stderr(&out));
    let out = aivis(dir.path(), &["ingest", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("directory"), "{}", stderr(&out));
}

#[test]
fn a_log_whose_format_cannot_be_detected_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    common::write_acme_config(dir.path(), "sqlite://t.db");
    std::fs::write(dir.path().join("notes.log"), "dear diary\ntoday nothing\n").unwrap();
    let out = aivis(dir.path(), &["ingest", "notes.log"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("notes.log: cannot detect the log format"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    common::write_acme_config(dir.path(), "sqlite://t.db");
    let cases: &[&[&str]] = &[
        &["report", "conversions", "--from", "2026-02-30"],
        &["report", "conversions", "--by", "planet"],
        &["ingest", "--site", "nosuch", "x.log"],
        &["ingest", "--format", "xml", "x.log"],
        &["query", "no_such_query"],
        &["query", "conversions_by_channel", "--param", "sight=acme"],
        &["frobnicate"],
    ];
    for args in cases {
        let out = aivis(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?} gave no message");
    }
}

#[test]
fn init_writes_a_config_that_loads_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = aivis(dir.path(), &["init"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--force"));
    // The written example config is valid: a report against it runs.
    let out = aivis(dir.path(), &["report", "conversions", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn report_json(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["report", "conversions", "--format", "json"];
    args.extend_from_slice(extra);
    let out = aivis(dir, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

fn report_by_source(dir: &Path) -> BTreeMap<(String, String), (u64, u64)> {
    report_json(dir, &["--by", "source"])
        .iter()
        .map(|row| {
            (
                (
                    row["channel"].as_str().unwrap().to_string(),
                    row["source"].as_str().unwrap().to_string(),
                ),
                (
                    row["sessions"].as_u64().unwrap(),
                    row["conversions"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

fn truth_by_source(truth: &GroundTruth) -> BTreeMap<(String, String), (u64, u64)> {
    truth
        .by_source
        .iter()
        .map(|(k, t)| (k.clone(), (t.sessions, t.conversions)))
        .collect()
}

#[test]
fn report_json_has_the_documented_keys_and_wilson_interval() {
    let dir = tempfile::tempdir().unwrap();
    common::write_acme_config(dir.path(), "sqlite://r.db");
    let spec = TrafficSpec {
        sessions: 800,
        days: 7,
        ..TrafficSpec::demo()
    };
    let (log, _) = write_log(dir.path(), "a.log", &spec);
    let out = aivis(dir.path(), &["ingest", log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = report_json(dir.path(), &[]);
    assert!(!rows.is_empty());
    for row in &rows {
        let keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for key in [
            "channel",
            "sessions",
            "conversions",
            "conversion_rate",
            "ci_low",
            "ci_high",
        ] {
            assert!(keys.contains(&key), "missing {key} in {row}");
        }
        let rate = row["conversion_rate"].as_f64().unwrap();
        let (low, high) = (
            row["ci_low"].as_f64().unwrap(),
            row["ci_high"].as_f64().unwrap(),
        );
        assert!(
            low <= rate && rate <= high && low >= 0.0 && high <= 1.0,
            "{row}"
        );
    }
    let by_source = report_json(dir.path(), &["--by", "source"]);
    assert!(by_source.iter().all(|r| r["source"].is_string()));
    let csv = aivis(dir.path(), &["report", "conversions", "--format", "csv"]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert!(csv.starts_with("channel,sessions,conversions,conversion_rate,ci_low,ci_high"));
}

/// Reads the furthest checkpoint offset, or None while the table does not exist yet.
/// Lines covered by the stored checkpoint.
async fn checkpoint_lines(url: &str) -> i64 {
    common::number(
        url,
        "SELECT COALESCE(MAX(lines), 0) FROM ingest_checkpoints",
    )
    .await
}

/// Runs an ingest of `log` in 2,000-line batches that aborts the process (as `kill -9` would)
/// at `failpoint` (`before-commit:N` or `after-commit:N`).
fn ingest_until_abort(dir: &Path, log: &Path, failpoint: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_aivis"))
        .args(["ingest", "--batch-lines", "2000", log.to_str().unwrap()])
        .current_dir(dir)
        .env_remove("AIVIS_CONFIG")
        .env_remove("AIVIS_DATABASE_URL")
        .env("AIVIS_FAILPOINT", failpoint)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{failpoint}: the ingest was not stopped"
    );
    assert!(
        stderr(&out).contains("AIVIS_FAILPOINT: aborting"),
        "{failpoint}: {}",
        stderr(&out)
    );
}

async fn crash_and_resume(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    common::write_acme_config(dir.path(), &db.url);
    let spec = TrafficSpec {
        sessions: 4_000,
        days: 14,
        seed: 42,
        ..TrafficSpec::demo()
    };
    let (log, truth) = write_log(dir.path(), "big.log", &spec);
    assert!(
        truth.lines > 12_000,
        "the log is long enough for the batches below"
    );
    // Aborted right before the third COMMIT: the third batch is lost, two are stored.
    ingest_until_abort(dir.path(), &log, "before-commit:3");
    assert_eq!(checkpoint_lines(&db.url).await, 4_000, "{}", db.name);
    // Resumed, and aborted right after its second COMMIT: that batch is stored.
    ingest_until_abort(dir.path(), &log, "after-commit:2");
    assert_eq!(checkpoint_lines(&db.url).await, 8_000, "{}", db.name);
    let out = aivis(dir.path(), &["ingest", log.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        checkpoint_lines(&db.url).await,
        truth.lines as i64,
        "{}",
        db.name
    );
    assert_eq!(
        report_by_source(dir.path()),
        truth_by_source(&truth),
        "{}",
        db.name
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_aborted_before_or_after_commit_resumes_with_exact_totals_on_both_backends() {
    for db in TestDb::both().await {
        crash_and_resume(&db).await;
        db.drop_db().await;
    }
}

#[test]
fn demo_runs_offline_and_prints_ai_against_search() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(dir.path(), &["demo", "--sessions", "1500", "--days", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ai_assistant") && text.contains("search"),
        "{text}"
    );
    assert!(text.contains("ci_low"), "{text}");
    // The comparison of the last week with the days before, and the alerts it would raise.
    assert!(
        text.contains("current window: ") && text.contains("AI/search conversion-rate ratio"),
        "{text}"
    );
    assert!(text.contains("Alerts it would raise"), "{text}");
    assert!(dir.path().join("aivis-demo.db").exists());
    // Running it again starts from a fresh database and prints the same numbers.
    let again = aivis(dir.path(), &["demo", "--sessions", "1500", "--days", "10"]);
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("lines/s"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&text), strip(&String::from_utf8_lossy(&again.stdout)));
    assert!(
        text.contains("ChatGPT-User") && text.contains("user_fetch"),
        "{text}"
    );
}

/// Runs `aivis report …` on the demo database.
fn demo_report(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aivis"))
        .arg("report")
        .args(args)
        .current_dir(dir)
        .env_remove("AIVIS_CONFIG")
        .env("AIVIS_DATABASE_URL", "sqlite://aivis-demo.db")
        .stdin(Stdio::null())
        .output()
        .expect("run aivis")
}

#[test]
fn crawler_page_and_referrer_reports_print_for_people_and_programs() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(dir.path(), &["demo", "--sessions", "1500", "--days", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = demo_report(
        dir.path(),
        &["crawlers", "--by", "purpose", "--format", "json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let purposes: Vec<&str> = rows
        .iter()
        .map(|r| r["purpose"].as_str().unwrap())
        .collect();
    let mut sorted = purposes.clone();
    sorted.sort();
    assert_eq!(sorted, ["search_index", "training", "user_fetch"]);

    let out = demo_report(
        dir.path(),
        &[
            "crawlers",
            "--by",
            "path",
            "--purpose",
            "user_fetch",
            "--limit",
            "3",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 4, "header and 3 rows: {text}");
    assert!(
        text.starts_with("path,hits,training,search_index,user_fetch"),
        "{text}"
    );

    let out = demo_report(dir.path(), &["ai-pages", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.iter()
            .any(|r| r["user_fetches"].as_i64() > Some(0) && r["ai_sessions"].as_i64() > Some(0))
    );

    let out = demo_report(
        dir.path(),
        &[
            "referrers",
            "--unclassified",
            "--format",
            "json",
            "--limit",
            "0",
        ],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["channel"] == "referral"), "{rows:?}");
    let hosts: Vec<&str> = rows
        .iter()
        .map(|r| r["referrer_host"].as_str().unwrap())
        .collect();
    assert!(hosts.contains(&"www.g2.com"), "{hosts:?}");

    let out = demo_report(dir.path(), &["crawlers", "--purpose", "scraping"]);
    assert_eq!(out.status.code(), Some(2));
    let out = demo_report(dir.path(), &["ai-pages", "--from", "2026-13-01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--from"), "{}", stderr(&out));
}

#[test]
fn classify_answers_one_request_from_flags() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(
        dir.path(),
        &[
            "classify",
            "--referrer",
            "https://www.bing.com/search?q=acme+widgets",
            "--url",
            "/pricing",
            "--ua",
            "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
            "--format",
            "json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["channel"], "organic_search");
    assert_eq!(answer["source"], "bing");
    assert_eq!(answer["term"], "acme widgets");
    assert!(answer["bot"].is_null());

    let out = aivis(dir.path(), &["classify", "--ua", "PerplexityBot/1.0"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PerplexityBot") && text.contains("search_index"),
        "{text}"
    );

    // Nothing to classify, and --batch with single-request flags, are usage errors.
    let out = aivis(dir.path(), &["classify"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--batch"), "{}", stderr(&out));
    let out = aivis(dir.path(), &["classify", "--batch", "--url", "/"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn classify_batch_reads_ndjson_and_uses_the_site_hosts_and_rules() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_acme_config(dir.path(), "sqlite://unused.db");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "[[sites.source_rules]]\nhost = \"chat.newai.example\"\nchannel = \"ai_assistant\"\nsource = \"newai\"\n",
    );
    std::fs::write(&config, text).unwrap();
    let input = concat!(
        "{\"referrer\": \"https://www.acme.test/pricing\", \"url\": \"/checkout\"}\n",
        "{\"url\": \"/?utm_source=perplexity\", \"ua\": \"Perplexity-User/1.0\"}\n",
        "oops\n",
        "{\"referrer\": \"https://blog.example.org/post\"}\n",
        "{\"referrer\": \"https://chat.newai.example/c/9\"}\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_aivis"))
        .args(["classify", "--batch", "--site", "acme"])
        .current_dir(dir.path())
        .env_remove("AIVIS_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let answers: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 5);
    // The site's own host is internal: no referrer, so direct.
    assert_eq!(answers[0]["channel"], "direct");
    assert_eq!(answers[1]["channel"], "ai_assistant");
    assert_eq!(answers[1]["bot"]["purpose"], "user_fetch");
    assert!(answers[2]["error"].as_str().unwrap().contains("line 3"));
    assert_eq!(answers[3]["source"], "example.org");
    // The site's own rule names an assistant the built-in lists lack.
    assert_eq!(answers[4]["channel"], "ai_assistant");
    assert_eq!(answers[4]["source"], "newai");
}

#[test]
fn prompts_check_and_mentions_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::write_acme_config(dir.path(), "sqlite://checks.db");
    let answers = dir.path().join("answers.ndjson");
    std::fs::write(&answers, aivis::demo::checks::REPLAY_ANSWERS).unwrap();
    // An engine that fails every call, as a dead endpoint or a revoked key would.
    let failures = dir.path().join("failures.ndjson");
    std::fs::write(
        &failures,
        "{\"prompt\": \"Is Acme GDPR compliant?\", \"error\": \"HTTP 401: revoked key\"}\n",
    )
    .unwrap();
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[sites.brand]\nname = \"Acme\"\ndomains = [\"acme.test\"]\n\
         [[sites.competitors]]\nname = \"Globex\"\ndomains = [\"globex.test\"]\n\
         [[engines]]\nname = \"recorded\"\nkind = \"replay\"\npath = {:?}\nsamples = 2\n\
         [[engines]]\nname = \"gpt\"\nkind = \"openai_chat\"\nmodel = \"m\"\napi_key_env = \"AIVIS_UNSET_TEST_KEY\"\n\
         [[engines]]\nname = \"broken\"\nkind = \"replay\"\npath = {:?}\nsamples = 1\n",
        answers.display().to_string(),
        failures.display().to_string()
    ));
    std::fs::write(&config, text).unwrap();

    let add = aivis(
        dir.path(),
        &[
            "prompts",
            "add",
            "--tag",
            "Pricing",
            "--engine",
            "recorded",
            "Acme vs Globex for an online shop",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    assert!(String::from_utf8_lossy(&add.stdout).contains("added prompt 1"));
    let dup = aivis(
        dir.path(),
        &["prompts", "add", "acme VS globex for an online shop?"],
    );
    assert_eq!(dup.status.code(), Some(2));
    assert!(
        stderr(&dup).contains("already asks this"),
        "{}",
        stderr(&dup)
    );
    let unknown = aivis(dir.path(), &["prompts", "add", "--engine", "bard", "x"]);
    assert_eq!(unknown.status.code(), Some(2));

    let csv = dir.path().join("prompts.csv");
    std::fs::write(&csv, "text,tags,engines\n\"Which analytics tool shows traffic from ChatGPT and Perplexity?\",ai,recorded\nBest CRM?,crm,recorded\n").unwrap();
    let import = aivis(dir.path(), &["prompts", "import", csv.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&import.stdout).contains("2 added"),
        "{}",
        stderr(&import)
    );
    let removed = aivis(dir.path(), &["prompts", "remove", "3"]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let list = aivis(dir.path(), &["prompts", "list", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["tags"], "pricing");

    // The gpt engine's key is missing: refused before anything is asked.
    let refused = aivis(dir.path(), &["check"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("AIVIS_UNSET_TEST_KEY"),
        "{}",
        stderr(&refused)
    );

    let check = aivis(dir.path(), &["check", "--engine", "recorded", "--json"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let summary: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(summary["answers"], 4, "2 prompts × 2 samples: {summary}");
    assert_eq!(summary["failed"], 0);

    let report = aivis(
        dir.path(),
        &["report", "mentions", "--by", "entity", "--format", "json"],
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&report.stdout).unwrap();
    let acme = rows.iter().find(|r| r["entity"] == "Acme").unwrap();
    assert_eq!(acme["answers"], 4);
    assert_eq!(acme["mentioned"], 4);
    assert!(acme["ci_low"].as_f64().unwrap() < 1.0);

    let visibility = aivis(dir.path(), &["report", "visibility", "--format", "json"]);
    assert!(visibility.status.success(), "{}", stderr(&visibility));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&visibility.stdout).unwrap();
    // One row per prompt asked of the engine; the shop comparison's first two recorded answers
    // both name Acme, and only the first links an Acme URL (second among its links).
    let shop = rows
        .iter()
        .find(|r| r["prompt"] == "Acme vs Globex for an online shop")
        .unwrap();
    assert_eq!(
        (
            &shop["engine"],
            &shop["answers"],
            &shop["brand_mentioned"],
            &shop["answers_linking_brand"],
            &shop["best_link_rank"]
        ),
        (
            &serde_json::json!("recorded"),
            &serde_json::json!(2),
            &serde_json::json!(2),
            &serde_json::json!(1),
            &serde_json::json!(2)
        ),
        "{shop}"
    );
    assert_eq!(shop["link_rate"], 0.5);
    let bad = aivis(dir.path(), &["report", "visibility", "--from", "yesterday"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));

    let rescore = aivis(dir.path(), &["rescore"]);
    assert!(
        String::from_utf8_lossy(&rescore.stdout).contains("re-scored 4 answers"),
        "{}",
        stderr(&rescore)
    );

    // A scheduled check whose engine answered nothing does not exit 0; the run is still
    // summarised and stored.
    // Prompt 1 is asked of `recorded` only: nothing to ask, said so, no empty run stored.
    let nothing = aivis(
        dir.path(),
        &["check", "--engine", "broken", "--prompt", "1"],
    );
    assert_eq!(nothing.status.code(), Some(2), "{}", stderr(&nothing));
    assert!(
        stderr(&nothing).contains("none of the selected prompts"),
        "{}",
        stderr(&nothing)
    );
    let add = aivis(
        dir.path(),
        &[
            "prompts",
            "add",
            "--engine",
            "broken",
            "Is Acme GDPR compliant?",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let silent = aivis(dir.path(), &["check", "--engine", "broken"]);
    assert_eq!(silent.status.code(), Some(1), "{}", stderr(&silent));
    assert!(
        String::from_utf8_lossy(&silent.stdout).contains("broken: 0 ok, 1 failed"),
        "{}",
        String::from_utf8_lossy(&silent.stdout)
    );
    assert!(
        stderr(&silent).contains("no answer from broken"),
        "{}",
        stderr(&silent)
    );
}
