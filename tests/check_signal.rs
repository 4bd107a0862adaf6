//! `aivis check` stopped by a signal, as a scheduler or a person at the terminal stops it: the
//! real binary asks an engine on loopback that answers slowly; the first SIGINT or SIGTERM
//! (sent once the first call is on the wire) lets that call finish and be stored, starts no
//! other, closes the run as aborted, prints the summary and exits 1 (SQLite and PostgreSQL).
//! A second signal ends the process at once.

#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use common::{TestDb, aivis_command, number, stderr, stdout};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A config with the demo brand and one `html` engine on `server` asked 3 times per prompt,
/// one call a second.
fn write_config(dir: &Path, database_url: &str, server: &str) {
    let config = format!(
        "database_url = \"{database_url}\"\n\
         [[sites]]\nname = \"acme\"\n[sites.brand]\nname = \"Acme\"\ndomains = [\"acme.test\"]\n\
         [[engines]]\nname = \"slow\"\nkind = \"html\"\n\
         url_template = \"{server}/search?q={{query}}\"\nanswer_selector = \"p\"\n\
         samples = 3\nrequests_per_minute = 60\ntimeout_seconds = 10\n"
    );
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

/// A server whose answers take `delay`.
async fn slow_server(delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/search"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw("<p>Acme is the pick.</p>", "text/html")
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

async fn requests_to(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// Starts `aivis check` in `dir` (with two tracked prompts), and returns it once its first
/// call has reached `server`.
async fn start_check(dir: &Path, server: &MockServer) -> Child {
    for prompt in ["Best project tool?", "Which tool for a small team?"] {
        let added = aivis_command(dir, &["prompts", "add", prompt])
            .output()
            .unwrap();
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let child = aivis_command(dir, &["check"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while requests_to(server).await == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child
}

fn signal(child: &Child, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name}");
}

async fn wait(child: Child) -> Output {
    tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signal_stops_the_run_after_the_calls_on_the_wire_on_both_backends() {
    for (db, name) in TestDb::both().await.into_iter().zip(["INT", "TERM"]) {
        let server = slow_server(Duration::from_millis(1500)).await;
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, &server.uri());
        let child = start_check(dir.path(), &server).await;
        signal(&child, name);
        let out = wait(child).await;
        let (printed, errors) = (stdout(&out), stderr(&out));
        let at = format!("{} SIG{name}: {printed}{errors}", db.name);

        assert_eq!(out.status.code(), Some(1), "{at}");
        assert!(errors.contains("stopping: no new calls start"), "{at}");
        assert!(
            printed.contains(" aborted: 1 answers stored, 0 failed calls"),
            "{at}"
        );
        assert!(printed.contains("5 calls not asked"), "{at}");
        assert!(errors.contains("was stopped: 5 calls not asked"), "{at}");
        assert_eq!(requests_to(&server).await, 1, "{at}");
        let aborted = "SELECT COUNT(*) FROM check_runs WHERE status = 'aborted' \
                       AND finished_at IS NOT NULL";
        assert_eq!(number(&db.url, aborted).await, 1, "{at}");
        let stored = "SELECT COUNT(*) FROM answers a JOIN mentions m ON m.answer_id = a.id \
                      WHERE a.status = 'ok' AND m.entity = 'Acme' AND m.mentioned = 1";
        assert_eq!(number(&db.url, stored).await, 1, "{at}");
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_signal_ends_the_process_at_once() {
    let server = slow_server(Duration::from_secs(30)).await;
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, &server.uri());
    let child = start_check(dir.path(), &server).await;
    signal(&child, "TERM");
    tokio::time::sleep(Duration::from_millis(200)).await;
    signal(&child, "INT");
    let started = std::time::Instant::now();
    let out = wait(child).await;
    let at = format!("{}{}", stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(130), "{at}");
    assert!(stderr(&out).contains("stopped at once"), "{at}");
    assert!(started.elapsed() < Duration::from_secs(20), "{at}");
    // The process never closed its run.
    let open = "SELECT COUNT(*) FROM check_runs WHERE status = 'running' AND finished_at IS NULL";
    assert_eq!(number(&db.url, open).await, 1, "{at}");
}
