//! The `aivis` binary as a careless user meets it: configuration mistakes exit 2 wherever they
//! are made, an unreachable database is reported at once with its address, each cause is
//! printed once, `aivis forget` deletes visits and salts but keeps the rollups (on SQLite and
//! PostgreSQL), compressed logs and pipes are read, and two processes opening a new SQLite
//! file at once both work.

mod common;

use common::{BROWSER, TestDb, combined_line, number, rows, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// 2026-11-01 00:00:00 UTC.
const NOV_1: i64 = 1_793_491_200;
const DAY: i64 = 86_400;

fn aivis(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = common::aivis_command(dir, args);
    command.envs(env.iter().copied());
    command.output().expect("run aivis")
}

fn write_config(dir: &Path, database_url: &str) -> PathBuf {
    let path = dir.join("aivis.toml");
    std::fs::write(
        &path,
        format!("database_url = \"{database_url}\"\n[[sites]]\nname = \"acme\"\n"),
    )
    .unwrap();
    path
}

#[test]
fn a_bad_database_url_exits_2_from_the_file_and_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "garbage");
    let out = aivis(dir.path(), &["report", "conversions"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("database_url"), "{}", stderr(&out));
    write_config(dir.path(), "sqlite://ok.db");
    let env = [("AIVIS_DATABASE_URL", "garbage")];
    let out = aivis(dir.path(), &["report", "conversions"], &env);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("AIVIS_DATABASE_URL"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refused_postgres_connection_is_reported_at_once_with_its_address() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "postgres://postgres@127.0.0.1:1/aivis");
    let started = Instant::now();
    let out = aivis(dir.path(), &["report", "conversions"], &[]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("connection refused") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    assert!(!err.contains("pool timed out"), "{err}");
}

#[test]
fn each_cause_is_printed_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(
        dir.path(),
        &["--config", "nope.toml", "report", "conversions"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    write_config(dir.path(), "sqlite://t.db");
    let out = aivis(dir.path(), &["ingest", "missing.log"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("missing.log"), "{err}");
}

/// Five days, four visitors a day.
fn five_days(dir: &Path) -> PathBuf {
    let mut log = String::new();
    for day in 0..5 {
        for visitor in 0..4 {
            let ts = NOV_1 + day * DAY + 9 * 3600 + visitor * 120;
            let path = if visitor == 0 {
                "/checkout/complete"
            } else {
                "/"
            };
            log.push_str(&combined_line(
                &format!("10.2.{day}.{visitor}"),
                ts,
                path,
                "-",
                BROWSER,
            ));
        }
    }
    let path = dir.join("five.log");
    std::fs::write(&path, log).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn forget_deletes_visits_and_salts_before_a_day_and_keeps_the_rollups() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("aivis.toml"),
            format!(
                "database_url = \"{}\"\nsalt_retention_days = 3\n[[sites]]\nname = \"acme\"\n\
                 [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n",
                db.url
            ),
        )
        .unwrap();
        let log = five_days(dir.path());
        let out = aivis(dir.path(), &["ingest", log.to_str().unwrap()], &[]);
        assert!(out.status.success(), "{}: {}", db.name, stderr(&out));
        let rollup = "SELECT CAST(SUM(sessions) AS BIGINT) FROM daily_traffic";
        assert_eq!(number(&db.url, rollup).await, 20, "{}", db.name);
        // Nov 3 to 5 can still receive sessions (three days of salts).
        let out = aivis(dir.path(), &["forget", "--before", "2026-11-04"], &[]);
        assert_eq!(out.status.code(), Some(2), "{}: {}", db.name, stderr(&out));
        assert!(stderr(&out).contains("2026-11-03"), "{}", stderr(&out));
        let out = aivis(
            dir.path(),
            &["forget", "--before", "2026-11-02", "--site", "acmee"],
            &[],
        );
        assert_eq!(out.status.code(), Some(2), "{}: {}", db.name, stderr(&out));
        let out = aivis(
            dir.path(),
            &["forget", "--before", "2026-11-03", "--json"],
            &[],
        );
        assert!(out.status.success(), "{}: {}", db.name, stderr(&out));
        let deleted: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(deleted["sessions"], 8, "{}: {deleted}", db.name);
        assert_eq!(deleted["conversions"], 2, "{}: {deleted}", db.name);
        assert_eq!(
            deleted["salts"], 0,
            "{}: only Nov 3-5 had salts left",
            db.name
        );
        let days = rows(&db.url, "SELECT DISTINCT day FROM sessions ORDER BY day").await;
        assert_eq!(
            days,
            [["2026-11-03"], ["2026-11-04"], ["2026-11-05"]],
            "{}",
            db.name
        );
        assert_eq!(
            number(&db.url, rollup).await,
            20,
            "{}: rollups stay",
            db.name
        );
        // The report over the forgotten days still adds up (it reads the rollups).
        let out = aivis(
            dir.path(),
            &["report", "conversions", "--format", "json"],
            &[],
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let sessions: u64 = report
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["sessions"].as_u64().unwrap())
            .sum();
        assert_eq!(sessions, 20, "{}", db.name);
        db.drop_db().await;
    }
}

/// `aivis ingest --json <(producer)` through bash: the log arrives as a pipe, `/dev/fd/N`.
fn ingest_from_pipe(dir: &Path, producer: &str) -> serde_json::Value {
    let bin = env!("CARGO_BIN_EXE_aivis");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{bin} ingest --json <({producer})"))
        .current_dir(dir)
        .env_remove("AIVIS_CONFIG")
        .env_remove("AIVIS_DATABASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn compressed_logs_and_pipes_are_read() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), "sqlite://p.db");
    let log = five_days(dir.path());
    let gz = dir.path().join("five.log.2.gz");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("gzip -c {} > {}", log.display(), gz.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let out = aivis(
        dir.path(),
        &[
            "ingest",
            "--format",
            "combined",
            "--json",
            gz.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["pageviews"], 20, "{summary}");
    assert_eq!(summary["files"][0]["compressed"], true, "{summary}");
    // The same lines through a pipe (bash process substitution): recognised, nothing twice.
    let summary = ingest_from_pipe(dir.path(), &format!("zcat {}", gz.display()));
    assert_eq!(summary["lines_read"], 0, "{summary}");
    // A pipe with new lines is read as a stream.
    let fresh = dir.path().join("fresh.log");
    std::fs::write(
        &fresh,
        combined_line("10.3.3.3", NOV_1 + 5 * DAY, "/", "-", BROWSER),
    )
    .unwrap();
    let summary = ingest_from_pipe(dir.path(), &format!("cat {}", fresh.display()));
    assert_eq!(summary["pageviews"], 1, "{summary}");
    // Text output names the compression and warns about a wrong format (a new database).
    let other = tempfile::tempdir().unwrap();
    write_config(other.path(), "sqlite://w.db");
    let out = aivis(
        other.path(),
        &["ingest", "--format", "nginx_json", gz.to_str().unwrap()],
        &[],
    );
    let text = stdout(&out);
    assert!(
        text.contains("gzip") && text.contains("warning: 20 of 20 lines are malformed"),
        "{text}"
    );
}

#[test]
fn processes_opening_a_new_sqlite_file_at_once_all_work() {
    for round in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), "sqlite://fresh.db");
        let children: Vec<_> = (0..4)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_aivis"))
                    .args(["report", "conversions", "--format", "json"])
                    .current_dir(dir.path())
                    .env_remove("AIVIS_CONFIG")
                    .env_remove("AIVIS_DATABASE_URL")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", stderr(&out));
        }
    }
}
