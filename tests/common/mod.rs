//! Test support: a fresh database per test on each backend, and generated logs with ground truth.
//!
//! PostgreSQL comes from `AIVIS_TEST_POSTGRES_URL` (`.ci/run` sets it; the default is the local
//! server at 127.0.0.1:5432). Each test gets its own database, dropped when its [`TestDb`] is
//! dropped: at the end of the test, and also when the test panics (a `Drop` guard). A missing
//! server fails the test loudly: nothing is skipped.

#![allow(dead_code)]

pub mod smtp;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use aivis::demo::generate::{GroundTruth, OutputFormat, TrafficSpec};
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The admin URL of the PostgreSQL server used by tests.
pub fn postgres_admin_url() -> String {
    std::env::var("AIVIS_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

/// A database that exists for one test. A PostgreSQL database is dropped with it, however the
/// test ends.
pub struct TestDb {
    pub url: String,
    pub name: &'static str,
    pg_database: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("aivis.db").display());
        TestDb {
            url,
            name: "sqlite",
            pg_database: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin = postgres_admin_url();
        let database = format!(
            "aivis_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            rand::random::<u32>()
        );
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for this test ({admin}): {e}. Set AIVIS_TEST_POSTGRES_URL.")
        });
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let url = replace_database(&admin, &database);
        TestDb {
            url,
            name: "postgres",
            pg_database: Some(database),
            _dir: None,
        }
    }

    /// Both backends, SQLite first.
    pub async fn both() -> Vec<TestDb> {
        vec![TestDb::sqlite().await, TestDb::postgres().await]
    }

    /// Drops a PostgreSQL test database now, from async code; if that fails, dropping the
    /// `TestDb` tries again.
    pub async fn drop_db(mut self) {
        if let Some(database) = self.pg_database.take()
            && drop_postgres_database(&database).await.is_err()
        {
            self.pg_database = Some(database);
        }
    }
}

impl Drop for TestDb {
    /// Drops the PostgreSQL database, also while a failed test unwinds. The drop runs on a
    /// thread of its own with its own runtime, so it works from any context (inside the test's
    /// runtime or outside any). A failure is reported, never a panic (a panic during a panic
    /// aborts the test binary).
    fn drop(&mut self) {
        let Some(database) = self.pg_database.take() else {
            return;
        };
        let name = database.clone();
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime
                .block_on(drop_postgres_database(&database))
                .map_err(|e| e.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: test database {name} was not dropped: {e}"),
            Err(_) => eprintln!("warning: test database {name} was not dropped: thread panicked"),
        }
    }
}

/// `DROP DATABASE … WITH (FORCE)`: connections a test left open (a store it did not close, a
/// child process) are ended first.
async fn drop_postgres_database(database: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::PgConnection::connect(&postgres_admin_url()).await?;
    let dropped = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
    )))
    .execute(&mut conn)
    .await;
    conn.close().await.ok();
    dropped.map(|_| ())
}

fn replace_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{}", &base[..path_start], database);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// A small generated month: enough sessions for every channel, quick to ingest.
pub fn small_spec(seed: u64) -> TrafficSpec {
    TrafficSpec {
        seed,
        sessions: 1500,
        days: 14,
        ..TrafficSpec::demo()
    }
}

/// Writes the generated log to `dir/name` and returns its path and truth.
pub fn write_log(dir: &Path, name: &str, spec: &TrafficSpec) -> (PathBuf, GroundTruth) {
    let path = dir.join(name);
    let truth = aivis::demo::write_log(spec, &path).expect("write generated log");
    (path, truth)
}

pub fn spec_with_format(seed: u64, format: OutputFormat) -> TrafficSpec {
    TrafficSpec {
        format,
        ..small_spec(seed)
    }
}

/// Reads the test's own view of a database, bypassing aivis (whose analyst queries refuse
/// secret tables): every row of a query whose columns are all cast to text, as strings
/// (NULL as "NULL").
pub async fn rows(url: &str, sql: &str) -> Vec<Vec<String>> {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    let fetched = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
    fetched
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    row.try_get::<Option<String>, _>(i)
                        .unwrap_or_else(|e| panic!("{sql}: column {i} is not text: {e}"))
                        .unwrap_or_else(|| "NULL".to_string())
                })
                .collect()
        })
        .collect()
}

/// One number from a query returning one BIGINT cell.
pub async fn number(url: &str, sql: &str) -> i64 {
    use sqlx::Row;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    let row = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
    row.try_get::<i64, _>(0)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A browser's user agent (not a bot).
pub const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";

/// One combined-format log line at Unix time `ts`.
pub fn combined_line(ip: &str, ts: i64, path: &str, referrer: &str, ua: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = aivis::day::civil_from_days(ts.div_euclid(86_400));
    let secs = ts.rem_euclid(86_400);
    format!(
        "{ip} - - [{d:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000] \"GET {path} HTTP/1.1\" 200 512 \"{referrer}\" \"{ua}\"\n",
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Runs one statement of the test's own (setting up a case aivis must cope with).
pub async fn execute(url: &str, sql: &str) {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.ok();
}

/// The `aivis` binary, run in `dir`, with none of the caller's `AIVIS_CONFIG` or
/// `AIVIS_DATABASE_URL` and standard input closed.
pub fn aivis_command(dir: &Path, args: &[&str]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_aivis"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("AIVIS_CONFIG")
        .env_remove("AIVIS_DATABASE_URL")
        .stdin(std::process::Stdio::null());
    command
}

/// Writes `dir/aivis.toml` for site acme (hosts `www.acme.test`, `acme.test`; goals
/// `purchase`, macro, and `newsletter`, micro, as the generated logs have them) on
/// `database_url`; returns its path.
pub fn write_acme_config(dir: &Path, database_url: &str) -> PathBuf {
    let path = dir.join("aivis.toml");
    let config = format!(
        "database_url = \"{database_url}\"\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\", \"acme.test\"]\n\
         [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n\
         [[sites.goals]]\nname = \"newsletter\"\npath = \"^/newsletter/thanks\"\nkind = \"micro\"\n"
    );
    std::fs::write(&path, config).unwrap();
    path
}

/// Runs `aivis args` in `dir` (see [`aivis_command`]) and returns what it did.
pub fn aivis(dir: &Path, args: &[&str]) -> std::process::Output {
    aivis_command(dir, args).output().expect("run aivis")
}

/// Runs `aivis args` in `dir`, fails the test (with both outputs) unless it succeeds, and
/// returns its standard output.
pub fn aivis_ok(dir: &Path, args: &[&str]) -> String {
    let out = aivis(dir, args);
    assert!(
        out.status.success(),
        "aivis {args:?}: {}{}",
        stdout(&out),
        stderr(&out)
    );
    stdout(&out)
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// 2026-09-01, the log's first day (UTC day number).
pub const FIRST_DAY: i64 = 20_697;

/// One day of the alert tests' traffic (site acme, from [`FIRST_DAY`]): `ai` AI sessions (`ai_converting` of them buy) and 80 search sessions
/// (2 or 3 buy: 3% over the week), each a pageview and, for a buyer, the checkout a minute later.
pub fn day_lines(day: i64, ai: u32, ai_converting: u32, out: &mut String) {
    let start = (FIRST_DAY + day) * 86_400;
    let search_converting = if day % 5 < 2 { 3 } else { 2 }; // 12 in 5 days: 3%
    let mut visits: Vec<(i64, String, &str, bool)> = Vec::new();
    for i in 0..ai {
        let ip = format!("10.{}.{}.{}", day % 200, i / 200, i % 200);
        visits.push((
            start + 600 + i64::from(i) * 400,
            ip,
            "https://chatgpt.com/",
            i < ai_converting,
        ));
    }
    for i in 0..80u32 {
        let ip = format!("11.{}.{}.{}", day % 200, i / 200, i % 200);
        visits.push((
            start + 700 + i64::from(i) * 400,
            ip,
            "https://www.google.com/",
            i < search_converting,
        ));
    }
    visits.sort_by_key(|v| v.0);
    let mut lines: Vec<(i64, String)> = Vec::new();
    for (ts, ip, referrer, buys) in visits {
        lines.push((ts, combined_line(&ip, ts, "/pricing", referrer, BROWSER)));
        if buys {
            let line = combined_line(
                &ip,
                ts + 60,
                "/checkout/complete",
                "https://www.acme.test/pricing",
                BROWSER,
            );
            lines.push((ts + 60, line));
        }
    }
    lines.sort_by_key(|l| l.0);
    for (_, line) in lines {
        out.push_str(&line);
    }
}
