//! Writers side by side on one database, on both backends: ingests of two sites at once (ids
//! assigned by the database, so neither conflicts), and a second ingest of the same site refused
//! at once while the first goes on, exact; prompt-check writes beside an ingest, all landing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aivis::config::SiteConfig;
use aivis::demo::demo_site;
use aivis::demo::generate::GroundTruth;
use aivis::ingest::{IngestError, IngestOptions, Input, ingest, lease_name};
use aivis::store::Store;
use common::{TestDb, number, small_spec, stderr, write_log};

fn site(name: &str) -> SiteConfig {
    SiteConfig {
        name: name.into(),
        ..demo_site()
    }
}

fn options() -> IngestOptions {
    IngestOptions {
        batch_lines: Some(500),
        ..IngestOptions::default()
    }
}

/// What a site's stored rows must add up to.
async fn assert_site_exact(url: &str, site: &str, truth: &GroundTruth, backend: &str) {
    let count = async |sql: &str| number(url, &sql.replace("SITE", site)).await;
    assert_eq!(
        count("SELECT COUNT(*) FROM sessions WHERE site = 'SITE'").await,
        truth.sessions as i64,
        "{backend} {site} sessions"
    );
    assert_eq!(
        count(
            "SELECT CAST(COALESCE(SUM(pageviews), 0) AS BIGINT) FROM sessions WHERE site = 'SITE'"
        )
        .await,
        truth.pageviews as i64,
        "{backend} {site} pageviews"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM conversions WHERE site = 'SITE' AND kind = 'macro'").await,
        truth.conversions as i64,
        "{backend} {site} conversions"
    );
    assert_eq!(
        count("SELECT CAST(COALESCE(SUM(sessions), 0) AS BIGINT) FROM daily_traffic WHERE site = 'SITE'").await,
        truth.sessions as i64,
        "{backend} {site} rollup"
    );
    // Every conversion belongs to a session of its own site.
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM conversions c JOIN sessions s ON s.id = c.session_id \
             WHERE c.site = 'SITE' AND s.site <> c.site"
        )
        .await,
        0,
        "{backend} {site} conversions joined to another site's sessions"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_sites_ingest_side_by_side_with_exact_totals() {
    let dir = tempfile::tempdir().unwrap();
    let (acme_log, acme_truth) = write_log(dir.path(), "acme.log", &small_spec(11));
    let (beta_log, beta_truth) = write_log(dir.path(), "beta.log", &small_spec(12));
    for db in TestDb::both().await {
        // Two stores, as two processes would have: neither waits for the other's ids.
        let first = Store::connect(&db.url).await.unwrap();
        let second = Store::connect(&db.url).await.unwrap();
        let (acme, beta) = (site("acme"), site("beta"));
        let (a, b) = tokio::join!(
            ingest(
                &first,
                &acme,
                vec![Input::File(acme_log.clone())],
                options()
            ),
            ingest(
                &second,
                &beta,
                vec![Input::File(beta_log.clone())],
                options()
            ),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sessions, acme_truth.sessions, "{}", db.name);
        assert_eq!(b.sessions, beta_truth.sessions, "{}", db.name);
        first.close().await;
        second.close().await;
        assert_site_exact(&db.url, "acme", &acme_truth, db.name).await;
        assert_site_exact(&db.url, "beta", &beta_truth, db.name).await;
        db.drop_db().await;
    }
}

/// Makes a named pipe: an input that blocks its reader until the test writes.
fn fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success(), "mkfifo failed");
    path
}

/// Waits until the lease of `site`'s ingest is held.
async fn wait_for_lease(url: &str, site: &str) {
    let store = Store::connect(url).await.unwrap();
    for _ in 0..2000 {
        if store
            .lease_holder(&lease_name(site))
            .await
            .unwrap()
            .is_some()
        {
            store.close().await;
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the first ingest never took its lease");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_ingest_of_a_site_fails_at_once_and_the_first_stays_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (log, truth) = write_log(dir.path(), "acme.log", &small_spec(13));
    let bytes = std::fs::read(&log).unwrap();
    for db in TestDb::both().await {
        let pipe = fifo(dir.path(), &format!("{}.pipe", db.name));
        let store = Store::connect(&db.url).await.unwrap();
        let first = {
            let (store, pipe) = (store.clone(), pipe.clone());
            tokio::spawn(async move {
                ingest(&store, &site("acme"), vec![Input::File(pipe)], options()).await
            })
        };
        wait_for_lease(&db.url, "acme").await;
        // The first ingest holds its lease and waits for its input: a second one, in another
        // store, is refused at once.
        let other = Store::connect(&db.url).await.unwrap();
        let refused = ingest(
            &other,
            &site("acme"),
            vec![Input::File(log.clone())],
            options(),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(refused, IngestError::AlreadyRunning { .. }),
            "{}: {refused:?}",
            db.name
        );
        let message = refused.to_string();
        let pid = std::process::id();
        assert!(
            message.starts_with(&format!("an ingest of site acme is running (pid {pid} on ")),
            "{}: {message}",
            db.name
        );
        assert!(message.contains(", since 20"), "{}: {message}", db.name);
        // A different site is not held up.
        let (beta_log, beta_truth) = write_log(dir.path(), "beta.log", &small_spec(14));
        ingest(
            &other,
            &site("beta"),
            vec![Input::File(beta_log)],
            options(),
        )
        .await
        .unwrap();
        other.close().await;
        // Now the first ingest gets its input and finishes, exact.
        let writer = {
            let (pipe, bytes) = (pipe.clone(), bytes.clone());
            tokio::task::spawn_blocking(move || {
                let mut out = std::fs::OpenOptions::new().write(true).open(pipe).unwrap();
                out.write_all(&bytes).unwrap();
            })
        };
        writer.await.unwrap();
        let summary = first.await.unwrap().unwrap();
        assert_eq!(summary.sessions, truth.sessions, "{}", db.name);
        assert!(
            store
                .lease_holder(&lease_name("acme"))
                .await
                .unwrap()
                .is_none(),
            "{}: the lease is released",
            db.name
        );
        store.close().await;
        assert_site_exact(&db.url, "acme", &truth, db.name).await;
        assert_site_exact(&db.url, "beta", &beta_truth, db.name).await;
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_second_ingest_process_exits_1_naming_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = write_log(dir.path(), "acme.log", &small_spec(15));
    for db in TestDb::both().await {
        common::write_acme_config(dir.path(), &db.url);
        let pipe = fifo(dir.path(), &format!("{}.pipe", db.name));
        let mut first = common::aivis_command(dir.path(), &["ingest", pipe.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_lease(&db.url, "acme").await;
        let out = common::aivis(dir.path(), &["ingest", log.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let expected = format!("an ingest of site acme is running (pid {} on ", first.id());
        assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
        // The first one finishes normally once its input ends.
        std::fs::OpenOptions::new()
            .write(true)
            .open(&pipe)
            .unwrap()
            .write_all(&std::fs::read(&log).unwrap())
            .unwrap();
        let status = first.wait().unwrap();
        assert!(status.success(), "{}: the first ingest failed", db.name);
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn text_with_tabs_backslashes_and_newlines_is_stored_the_same_on_both_backends() {
    // PostgreSQL's batch writer copies sessions in with COPY's text format, where a tab, a
    // newline, a backslash or `\N` would end a field, end a row or become NULL unless escaped;
    // SQLite binds them as parameters. Both must store the same text.
    let dir = tempfile::tempdir().unwrap();
    let ts = 1_793_577_600; // 2026-11-02
    let paths = [
        r"/a\b\N?utm_source=x%09y%5CN&utm_campaign=one%0Atwo%0Dthree",
        r"/\N?utm_source=%5C&utm_medium=t%09ab",
        "/caf%C3%A9?utm_source=%E2%82%AC%5Ct",
    ];
    let log: String = paths
        .iter()
        .enumerate()
        .map(|(i, path)| {
            common::combined_line(
                &format!("10.0.0.{i}"),
                ts + i as i64,
                path,
                "-",
                common::BROWSER,
            )
        })
        .collect();
    let file = dir.path().join("odd.log");
    std::fs::write(&file, log).unwrap();
    let mut stored = Vec::new();
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        ingest(
            &store,
            &site("acme"),
            vec![Input::File(file.clone())],
            options(),
        )
        .await
        .unwrap();
        store.close().await;
        stored.push(
            common::rows(
                &db.url,
                "SELECT landing_path, COALESCE(utm_source, 'NULL'), COALESCE(utm_medium, 'NULL'), \
                 COALESCE(utm_campaign, 'NULL') FROM sessions ORDER BY started_at",
            )
            .await,
        );
        db.drop_db().await;
    }
    assert_eq!(stored[0].len(), 3, "{:?}", stored[0]);
    assert_eq!(stored[0], stored[1], "SQLite and PostgreSQL differ");
    // Control characters are cleaned out of stored text; a backslash and `\N` are kept, so
    // the COPY escaping is exercised.
    let all: String = stored[0].iter().flatten().cloned().collect();
    assert!(all.contains("\\N") && all.contains('€'), "{all:?}");
}

/// Session ids an ingest reserves are its own: two reservations never overlap, each holds at
/// least the ids asked for, and a session inserted without an id (by hand, or by another
/// writer) gets one that no reservation holds.
#[tokio::test]
async fn reserved_session_ids_are_never_handed_out_twice() {
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let first = store.reserve_session_ids(3000).await.unwrap();
        let second = store.reserve_session_ids(1).await.unwrap();
        let count =
            |runs: &[std::ops::Range<i64>]| -> i64 { runs.iter().map(|r| r.end - r.start).sum() };
        assert!(count(&first) >= 3000, "{}: {first:?}", db.name);
        assert!(count(&second) >= 1, "{}: {second:?}", db.name);
        store.close().await;
        common::execute(
            &db.url,
            "INSERT INTO sessions (site, visitor_key, started_at, last_hit_at, day, channel, \
             source, landing_path, pageviews, converted) \
             VALUES ('acme', 'k', 0, 0, '1970-01-01', 'direct', 'direct', '/', 1, 0)",
        )
        .await;
        let by_hand = number(&db.url, "SELECT MAX(id) FROM sessions").await;
        let all: Vec<&std::ops::Range<i64>> = first.iter().chain(&second).collect();
        for (i, a) in all.iter().enumerate() {
            assert!(!a.contains(&by_hand), "{}: {by_hand} in {a:?}", db.name);
            for b in &all[i + 1..] {
                assert!(
                    a.end <= b.start || b.end <= a.start,
                    "{}: {a:?} {b:?}",
                    db.name
                );
            }
        }
        db.drop_db().await;
    }
}

/// One check's writes, as `aivis check` makes them: a prompt, a run, an answer, the run closed.
async fn check_writes(store: Store, n: i64) -> Result<(), aivis::store::StoreError> {
    use aivis::checks::prompts::NewPrompt;
    use aivis::checks::run::RunStatus;
    use aivis::store::{Added, NewAnswer};
    let prompt = NewPrompt {
        text: format!("best analytics tool number {n}"),
        tags: Vec::new(),
        engines: Vec::new(),
    };
    let Added::New(prompt_id) = store.add_prompt("acme", &prompt, n).await? else {
        panic!("prompt {n} is new");
    };
    let run_id = store.start_check_run(1_000 + n).await?;
    let answer = NewAnswer {
        run_id,
        prompt_id,
        site: "acme".into(),
        engine: "openai".into(),
        kind: "openai".into(),
        asked_at: 1_000 + n,
        attempts: 1,
        cost_usd: Some(0.5),
        text: Some("Acme is fine.".into()),
        ..NewAnswer::default()
    };
    store.store_answer(&answer, None).await?;
    store
        .finish_check_run(run_id, 2_000 + n, RunStatus::Finished)
        .await
}

/// Prompt-check writes from other tasks while an ingest commits batch after batch through the
/// same store: on a SQLite file they all queue on its one writer thread with the batches, so
/// none meets a busy database, and every row of both lands exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_writes_beside_an_ingest_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let (log, truth) = write_log(dir.path(), "acme.log", &small_spec(21));
    for db in TestDb::both().await {
        let store = Store::connect(&db.url).await.unwrap();
        let acme = site("acme");
        let checks: Vec<_> = (0..24)
            .map(|n| tokio::spawn(check_writes(store.clone(), n)))
            .collect();
        let summary = ingest(&store, &acme, vec![Input::File(log.clone())], options())
            .await
            .unwrap();
        for check in checks {
            if let Err(err) = check.await.unwrap() {
                panic!("{}: a check write failed beside the ingest: {err}", db.name);
            }
        }
        assert_eq!(summary.sessions, truth.sessions, "{}", db.name);
        store.close().await;
        assert_site_exact(&db.url, "acme", &truth, db.name).await;
        let count = async |sql: &str| number(&db.url, sql).await;
        assert_eq!(
            count("SELECT COUNT(*) FROM prompts").await,
            24,
            "{}",
            db.name
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM answers").await,
            24,
            "{}",
            db.name
        );
        assert_eq!(
            count("SELECT COUNT(*) FROM check_runs WHERE status = 'finished'").await,
            24,
            "{}",
            db.name
        );
        db.drop_db().await;
    }
}
