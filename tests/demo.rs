//! `aivis demo --db FILE` through the binary: it replaces a database it made itself, and
//! refuses (exit code 2, the file left byte for byte as it was, nothing written beside it) a
//! file that is not a SQLite database, an aivis database it did not make, and a demo database
//! that another site's logs were ingested into.

mod common;

use std::path::Path;

use common::{BROWSER, aivis, aivis_command, combined_line, number, stderr, stdout};

const DEMO: &[&str] = &["demo", "--sessions", "300", "--days", "3"];

fn demo(dir: &Path, db: &str) -> std::process::Output {
    let mut args = DEMO.to_vec();
    args.extend(["--db", db]);
    aivis(dir, &args)
}

/// Ingests one pageview of the site `shop` into the SQLite file `db` in `dir`.
fn ingest_shop(dir: &Path, db: &str) {
    std::fs::write(
        dir.join("shop.toml"),
        format!("database_url = \"sqlite://{db}\"\n[[sites]]\nname = \"shop\"\n"),
    )
    .unwrap();
    let line = combined_line("198.51.100.7", 1_790_000_000, "/", "-", BROWSER);
    std::fs::write(dir.join("shop.log"), line).unwrap();
    let out = aivis(dir, &["--config", "shop.toml", "ingest", "shop.log"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs the demo on `db` and checks that it was refused for `reason` and changed nothing.
fn assert_refused(dir: &Path, db: &str, reason: &str) {
    let before = std::fs::read(dir.join(db)).unwrap();
    let log = dir.join(db).with_extension("log");
    let log_before = std::fs::read(&log).ok();
    let out = demo(dir, db);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{message}");
    assert!(message.contains("is not a demo database"), "{message}");
    assert!(message.contains(reason), "{message}");
    assert!(message.contains("--db"), "{message}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(dir.join(db)).unwrap(), before, "{db} changed");
    assert_eq!(
        std::fs::read(&log).ok(),
        log_before,
        "{} changed",
        log.display()
    );
    for side in ["-wal", "-shm", "-journal"] {
        assert!(!dir.join(format!("{db}{side}")).exists(), "{db}{side}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_previous_demo_database_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), "demo.db");
    assert!(out.status.success(), "{}", stderr(&out));
    let url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let sessions = number(&url, "SELECT COUNT(*) FROM sessions").await;
    let answers = number(&url, "SELECT COUNT(*) FROM answers").await;
    assert!(sessions > 0 && answers > 0);
    // Again: a fresh database with the same contents, not twice as much.
    let out = demo(dir.path(), "demo.db");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        number(&url, "SELECT COUNT(*) FROM sessions").await,
        sessions
    );
    assert_eq!(number(&url, "SELECT COUNT(*) FROM answers").await, answers);
}

#[test]
fn the_demo_writes_a_digest_preview_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), "demo.db");
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    for file in [
        "demo.digest.html",
        "demo.digest.eml",
        "demo.digest-conversion.png",
    ] {
        assert!(printed.contains(&format!("wrote {file}")), "{printed}");
        let written = std::fs::read(dir.path().join(file)).unwrap();
        assert!(!written.is_empty(), "{file}");
    }
    let eml = std::fs::read_to_string(dir.path().join("demo.digest.eml")).unwrap();
    assert!(eml.contains("Content-Type: multipart/alternative"));
    assert!(eml.contains("To: brand-team@acme.test"));
    let html = std::fs::read_to_string(dir.path().join("demo.digest.html")).unwrap();
    assert!(html.contains("src=\"demo.digest-conversion.png\""));
}

#[test]
fn a_file_that_is_not_a_sqlite_database_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.db"), "my notes\n".repeat(50)).unwrap();
    assert_refused(dir.path(), "notes.db", "not a SQLite database");
    std::fs::write(dir.path().join("empty.db"), "").unwrap();
    assert_refused(dir.path(), "empty.db", "not a SQLite database");
}

#[test]
fn an_aivis_database_the_demo_did_not_make_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    ingest_shop(dir.path(), "real.db");
    std::fs::write(dir.path().join("real.log"), "the shop's own log\n").unwrap();
    assert_refused(dir.path(), "real.db", "did not create");
}

#[test]
fn a_demo_database_holding_another_site_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = demo(dir.path(), "demo.db");
    assert!(out.status.success(), "{}", stderr(&out));
    ingest_shop(dir.path(), "demo.db");
    assert_refused(dir.path(), "demo.db", "holds data of site shop");
    // The refusal is about the file, not the flags: the same run elsewhere works.
    let out = aivis_command(dir.path(), DEMO).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}
