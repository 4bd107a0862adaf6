//! `aivis run` as a process: `--once` runs every job once, in order; the daemon follows a log a
//! writer appends to in bursts (every-second schedule) until the stored totals are the
//! writer's ground truth, and stops with exit code 0 on SIGTERM; a job that keeps failing does
//! not stop the others and its error shows in `aivis status`; bad schedules and job names are
//! refused naming them.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use aivis::demo::generate::GroundTruth;
use common::{
    TestDb, aivis, aivis_command, aivis_ok, number, small_spec, stderr, stdout, write_log,
};

/// `dir/aivis.toml` for site acme following `dir/logs/access.log*`, with `extra` TOML on top.
fn write_config(dir: &Path, database_url: &str, extra: &str) {
    let config = format!(
        "database_url = \"{database_url}\"\n{extra}\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\", \"acme.test\"]\n\
         [[sites.logs]]\npath = \"{}/logs/access.log*\"\n\
         [[sites.goals]]\nname = \"purchase\"\npath = \"^/checkout/complete\"\nkind = \"macro\"\n",
        dir.display()
    );
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(dir.join("aivis.toml"), config).unwrap();
}

const EVERY_SECOND: &str = "[schedule]\ningest = \"* * * * * *\"\ndeliver = \"* * * * * *\"\n";

/// A running `aivis run`, killed when dropped (a failed test leaves no daemon behind).
struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            self.0.kill().ok();
            self.0.wait().ok();
        }
    }
}

impl std::ops::Deref for Daemon {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Daemon {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

fn start(dir: &Path) -> Daemon {
    Daemon(
        aivis_command(dir, &["run", "--log-format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// Sends SIGTERM and waits (at most `limit`) for the exit; returns whether it exited 0 (and
/// prints its log when not).
fn terminate(child: &mut Daemon, limit: Duration) -> bool {
    let ok = terminate_quietly(child, limit);
    if !ok && let Some(err) = child.stderr.take() {
        eprintln!("{}", std::io::read_to_string(err).unwrap_or_default());
    }
    ok
}

fn terminate_quietly(child: &mut Daemon, limit: Duration) -> bool {
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        assert!(
            Instant::now() < deadline,
            "still running {limit:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (at most `limit`) until the stored sessions reach the writer's, then checks, a tick
/// later, that sessions, pageviews and conversions are exactly the ground truth's.
async fn assert_exact_totals(url: &str, truth: &GroundTruth, limit: Duration, context: &str) {
    let sql = "SELECT COUNT(*) FROM sessions";
    wait_for(url, sql, truth.sessions as i64, limit).await;
    tokio::time::sleep(Duration::from_millis(1500)).await; // a tick more: nothing twice
    let found = [
        number(url, sql).await,
        number(url, "SELECT CAST(SUM(pageviews) AS BIGINT) FROM sessions").await,
        number(url, "SELECT COUNT(*) FROM sessions WHERE converted = 1").await,
    ];
    let expected = [truth.sessions, truth.pageviews, truth.conversions].map(|n| n as i64);
    assert_eq!(
        found, expected,
        "sessions, pageviews, conversions: {context}"
    );
}

/// Polls `sql` until it gives `expected` or `limit` passes; returns the last value. A SQLite
/// file the daemon has not created yet reads as -1.
async fn wait_for(url: &str, sql: &str, expected: i64, limit: Duration) -> i64 {
    let deadline = Instant::now() + limit;
    loop {
        let missing = url
            .strip_prefix("sqlite://")
            .is_some_and(|file| !Path::new(file).exists());
        let found = if missing { -1 } else { number(url, sql).await };
        if found == expected || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn once_runs_every_job_once_in_order() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, "");
    let (log, truth) = write_log(dir.path(), "generated.log", &small_spec(3));
    std::fs::rename(log, dir.path().join("logs/access.log")).unwrap();
    let out = aivis_ok(dir.path(), &["run", "--once"]);
    let jobs: Vec<&str> = out
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        jobs,
        [
            "ingest",
            "check",
            "alerts",
            "digest",
            "deliver",
            "retention"
        ]
    );
    assert_eq!(
        number(&db.url, "SELECT COUNT(*) FROM job_runs").await,
        6,
        "one run each"
    );
    assert_eq!(
        number(&db.url, "SELECT COUNT(*) FROM sessions").await,
        truth.sessions as i64
    );
    let status = aivis_ok(dir.path(), &["status", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["jobs"][0]["job"], "ingest");
    assert_eq!(status["jobs"][0]["last_outcome"], "ok");
    assert_eq!(status["jobs"][0]["last_counts"]["sessions"], truth.sessions);
    assert_eq!(status["jobs"][1]["last_outcome"], "skipped", "no engines");

    // One job alone.
    let out = aivis_ok(dir.path(), &["run", "--job", "deliver"]);
    assert!(out.contains("deliver"), "{out}");
    assert_eq!(number(&db.url, "SELECT COUNT(*) FROM job_runs").await, 7);
}

#[tokio::test]
async fn the_daemon_follows_a_growing_log_to_exact_totals_and_stops_on_sigterm() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, EVERY_SECOND);
        let (generated, truth) = write_log(dir.path(), "generated.log", &small_spec(11));
        let bytes = std::fs::read(&generated).unwrap(); // not all UTF-8: hostile lines
        let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
        let followed = dir.path().join("logs/access.log");
        std::fs::write(&followed, "").unwrap();
        let mut daemon = start(dir.path());

        // Four bursts of whole lines, a little over a second apart.
        let burst = lines.len().div_ceil(4);
        for chunk in lines.chunks(burst) {
            let mut file = std::fs::OpenOptions::new()
                .append(true)
                .open(&followed)
                .unwrap();
            file.write_all(&chunk.concat()).unwrap();
            drop(file);
            std::thread::sleep(Duration::from_millis(1200));
        }
        assert_exact_totals(&db.url, &truth, Duration::from_secs(20), db.name).await;
        assert!(
            terminate(&mut daemon, Duration::from_secs(10)),
            "exit 0 ({})",
            db.name
        );
        let logs = std::io::read_to_string(daemon.stderr.take().unwrap()).unwrap();
        let runs: Vec<serde_json::Value> = logs
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .filter(|v: &serde_json::Value| v["job"] == "ingest" && v["outcome"].is_string())
            .collect();
        let ok = runs.iter().filter(|r| r["outcome"] == "ok").count();
        assert!(ok >= 4, "a JSON line per ingest run: {logs}");
        let fine = |r: &serde_json::Value| {
            (r["outcome"] == "ok" || r["outcome"] == "skipped") && r["seconds"].is_number()
        };
        assert!(runs.iter().all(fine), "{logs}");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn failing_jobs_do_not_stop_the_others_and_show_in_status() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    // An engine whose server is not there (every call fails), and SMTP whose password
    // variable is not set: both jobs fail at every tick, every second.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let extra = format!(
        "[schedule]\ningest = \"* * * * * *\"\ndeliver = \"* * * * * *\"\n\
         check = \"* * * * * *\"\n\
         [[engines]]\nname = \"dead\"\nkind = \"openai_chat\"\nmodel = \"m\"\n\
         base_url = \"http://127.0.0.1:{dead_port}/v1\"\nsamples = 1\ntimeout_seconds = 1\n\
         [email]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = 9\n\
         tls = \"none\"\nusername_env = \"AIVIS_TEST_NO_SUCH_USER\"\n\
         password_env = \"AIVIS_TEST_NO_SUCH_PASSWORD\"\n"
    );
    write_config(dir.path(), &db.url, &extra);
    aivis_ok(dir.path(), &["prompts", "add", "best analytics tool?"]);
    let (log, truth) = write_log(dir.path(), "generated.log", &small_spec(5));
    std::fs::rename(log, dir.path().join("logs/access.log")).unwrap();
    let mut daemon = start(dir.path());
    let sessions = wait_for(
        &db.url,
        "SELECT COUNT(*) FROM sessions",
        truth.sessions as i64,
        Duration::from_secs(20),
    )
    .await;
    assert_eq!(sessions, truth.sessions as i64);
    for job in ["deliver", "check"] {
        let errors = wait_for(
            &db.url,
            &format!(
                "SELECT CASE WHEN COUNT(*) >= 2 THEN 2 ELSE COUNT(*) END FROM job_runs \
                 WHERE job = '{job}' AND outcome = 'error'"
            ),
            2,
            Duration::from_secs(20),
        )
        .await;
        assert_eq!(errors, 2, "{job} fails and is tried again at a later tick");
    }
    assert!(
        daemon.try_wait().unwrap().is_none(),
        "the daemon keeps running"
    );

    // `aivis status` shows each job's latest run, which may be one under way: look until a
    // snapshot shows finished runs of both failing jobs.
    let line = |status: &str, job: &str| {
        status
            .lines()
            .find(|l| l.starts_with(job))
            .unwrap_or_default()
            .to_string()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        let status = aivis_ok(dir.path(), &["status"]);
        let finished = !line(&status, "check").contains("running")
            && !line(&status, "deliver").contains("running");
        if finished || Instant::now() > deadline {
            break status;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let deliver = line(&status, "deliver");
    assert!(deliver.contains("error"), "{status}");
    assert!(
        deliver.contains("environment variable AIVIS_TEST_NO_SUCH_USER is not set"),
        "{status}"
    );
    assert!(
        line(&status, "check").contains("no answer from dead"),
        "{status}"
    );
    assert!(line(&status, "ingest").contains(" ok "), "{status}");
    assert!(terminate(&mut daemon, Duration::from_secs(15)));
}

#[test]
fn bad_schedules_and_job_names_are_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("aivis.db").display());
    write_config(dir.path(), &url, "[schedule]\ncheck = \"0 6 * * *\"\n");
    let out = aivis(dir.path(), &["run", "--once"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("schedule.check"), "{}", stderr(&out));
    assert!(stderr(&out).contains("seconds field"), "{}", stderr(&out));

    write_config(
        dir.path(),
        &url,
        "[schedule]\ntimezone = \"Europe/Amsterdma\"\n",
    );
    let out = aivis(dir.path(), &["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("schedule.timezone"),
        "{}",
        stderr(&out)
    );

    write_config(dir.path(), &url, "");
    let out = aivis(dir.path(), &["run", "--job", "ingset"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no job \"ingset\""),
        "{}",
        stderr(&out)
    );
}

/// The id of the latest ingest run (0: none, or no database yet).
async fn ingest_runs(url: &str) -> i64 {
    let missing = url
        .strip_prefix("sqlite://")
        .is_some_and(|file| !Path::new(file).exists());
    if missing {
        return 0;
    }
    number(
        url,
        "SELECT COALESCE(MAX(id), 0) FROM job_runs WHERE job = 'ingest'",
    )
    .await
}

/// Appends `lines` to `path` (created if missing).
fn append(path: &Path, lines: &[&[u8]]) {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(&lines.concat()).unwrap();
}

fn gzip(path: &Path) {
    let status = std::process::Command::new("gzip")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "gzip {}", path.display());
}

#[tokio::test]
async fn rotation_by_rename_with_compression_and_by_copy_truncate_keeps_exact_totals() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, EVERY_SECOND);
    let (generated, truth) = write_log(dir.path(), "generated.log", &small_spec(21));
    let bytes = std::fs::read(&generated).unwrap();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let part = lines.len().div_ceil(5);
    let parts: Vec<&[&[u8]]> = lines.chunks(part).collect();
    let logs = dir.path().join("logs");
    let (live, rotated) = (logs.join("access.log"), logs.join("access.log.1"));
    let pause = || std::thread::sleep(Duration::from_millis(1500));
    let mut daemon = start(dir.path());

    append(&live, parts[0]);
    pause();
    // Rename rotation: lines written just before the rename are still unread.
    append(&live, parts[1]);
    std::fs::rename(&live, &rotated).unwrap();
    append(&live, parts[2]);
    pause();
    // The rotated file is compressed later (access.log.1.gz), and the next rotation comes.
    gzip(&rotated);
    std::fs::rename(&live, &rotated).unwrap();
    append(&live, parts[3]);
    pause();
    // Copy-truncate: the live file is copied away and emptied, then written again.
    let copied = logs.join("access.log.2");
    std::fs::copy(&live, &copied).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(&live)
        .unwrap();
    append(&live, parts[4]);

    assert_exact_totals(&db.url, &truth, Duration::from_secs(20), "rotated").await;
    assert!(terminate(&mut daemon, Duration::from_secs(10)));
}

#[tokio::test]
async fn killed_at_random_moments_twenty_times_the_daemon_still_counts_exactly() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, EVERY_SECOND);
        let spec = aivis::demo::generate::TrafficSpec {
            sessions: 12_000,
            ..small_spec(31)
        };
        let (generated, truth) = write_log(dir.path(), "generated.log", &spec);
        let bytes = std::fs::read(&generated).unwrap();
        let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
        let live = dir.path().join("logs/access.log");
        let mut delays = Vec::new();
        aivis_ok(dir.path(), &["status"]); // the database, migrated
        // Each round: a twentieth of the log more, a daemon, and a SIGKILL at a random moment
        // once its ingest run has started (so the kills land in ingests, not between ticks).
        for chunk in lines.chunks(lines.len().div_ceil(20)) {
            append(&live, chunk);
            let runs_before = ingest_runs(&db.url).await;
            let mut daemon = start(dir.path());
            let started = wait_for(
                &db.url,
                &format!(
                    "SELECT COUNT(*) FROM job_runs WHERE job = 'ingest' AND id > {runs_before}"
                ),
                1,
                Duration::from_secs(5),
            )
            .await;
            assert_eq!(started, 1, "an ingest run started ({})", db.name);
            let delay = rand::random::<u64>() % 80;
            delays.push(delay);
            std::thread::sleep(Duration::from_millis(delay));
            daemon.kill().unwrap(); // SIGKILL
            daemon.wait().unwrap();
        }
        let mut daemon = start(dir.path());
        let context = format!("{} after kills at {delays:?} ms", db.name);
        assert_exact_totals(&db.url, &truth, Duration::from_secs(60), &context).await;
        let interrupted = number(
            &db.url,
            "SELECT COUNT(*) FROM job_runs WHERE job = 'ingest' AND finished_at IS NULL",
        )
        .await;
        assert!(terminate(&mut daemon, Duration::from_secs(10)));
        println!("{context}: {interrupted} ingest runs cut short");
        assert!(
            interrupted >= 5,
            "the kills must land in ingests: {context}"
        );
        db.drop_db().await;
    }
}

/// A daemon in `dir` on `url` whose first ingest run has started, on a generated log of
/// `sessions` sessions; and that log's ground truth.
async fn daemon_in_an_ingest(
    dir: &Path,
    url: &str,
    sessions: u64,
    seed: u64,
) -> (Daemon, GroundTruth) {
    write_config(dir, url, EVERY_SECOND);
    let spec = aivis::demo::generate::TrafficSpec {
        sessions,
        ..small_spec(seed)
    };
    let (generated, truth) = write_log(dir, "generated.log", &spec);
    aivis_ok(dir, &["status"]); // the database, migrated
    std::fs::rename(&generated, dir.join("logs/access.log")).unwrap();
    let daemon = start(dir);
    let sql = "SELECT COUNT(*) FROM job_runs WHERE job = 'ingest'";
    let started = wait_for(url, sql, 1, Duration::from_secs(5)).await;
    assert_eq!(started, 1, "an ingest run started");
    (daemon, truth)
}

#[tokio::test]
async fn sigterm_during_an_ingest_exits_0_and_leaves_nothing_half_written() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let (mut daemon, truth) = daemon_in_an_ingest(dir.path(), &db.url, 8_000, 41).await;
        assert!(
            terminate(&mut daemon, Duration::from_secs(10)),
            "exit 0 ({})",
            db.name
        );
        // Whatever was committed is whole: a new daemon finishes the log to exact totals.
        let mut daemon = start(dir.path());
        assert_exact_totals(&db.url, &truth, Duration::from_secs(30), db.name).await;
        // Stopped once it has run (a signal before it catches them would end it by default).
        let runs = wait_for(
            &db.url,
            "SELECT CASE WHEN COUNT(*) > 1 THEN 2 ELSE COUNT(*) END FROM job_runs \
             WHERE job = 'ingest' AND finished_at IS NOT NULL",
            2,
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(runs, 2, "{}", db.name);
        assert!(terminate(&mut daemon, Duration::from_secs(10)));
        db.drop_db().await;
    }
}

#[tokio::test]
async fn retention_deletes_old_visits_in_batches_and_keeps_the_rollups() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), &db.url, "retention_days = 30");
        let mut log = String::new();
        for day in 0..35 {
            common::day_lines(day, 40, 4, &mut log);
        }
        std::fs::write(dir.path().join("logs/access.log"), log).unwrap();
        aivis_ok(dir.path(), &["run", "--job", "ingest"]);
        let rollup = "SELECT CAST(SUM(sessions) AS BIGINT) FROM daily_traffic";
        let visits = number(&db.url, rollup).await;
        assert_eq!(
            number(&db.url, "SELECT COUNT(*) FROM sessions").await,
            visits
        );

        // In batches of 100 rows, through the store: the first ten days go.
        let store = aivis::store::Store::connect(&db.url).await.unwrap();
        let before = aivis::day::day_text((common::FIRST_DAY + 10) * 86_400);
        let retained = store.retain("acme", &before, 100).await.unwrap();
        store.close().await;
        assert_eq!(retained.sessions, 10 * 120, "{}", db.name);
        // AI visitors buy 4 a day, search visitors 12 in 5 days.
        assert_eq!(retained.conversions, 10 * 4 + 24, "{}", db.name);
        let older = format!("SELECT COUNT(*) FROM sessions WHERE day < '{before}'");
        assert_eq!(number(&db.url, &older).await, 0);

        // The job: everything but the days the next ingest may continue (the log is older
        // than 30 days), the rollups untouched.
        let out = aivis_ok(dir.path(), &["run", "--job", "retention"]);
        assert!(out.contains("older than 30 days deleted"), "{out}");
        let last = aivis::day::day_text((common::FIRST_DAY + 33) * 86_400);
        let kept = format!("SELECT COUNT(*) FROM sessions WHERE day < '{last}'");
        assert_eq!(number(&db.url, &kept).await, 0, "{}", db.name);
        assert_eq!(
            number(&db.url, "SELECT COUNT(*) FROM sessions").await,
            2 * 120
        );
        assert_eq!(number(&db.url, rollup).await, visits, "rollups are kept");
        db.drop_db().await;
    }
}

#[tokio::test]
async fn a_second_signal_exits_at_once_and_nothing_is_half_written() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, truth) = daemon_in_an_ingest(dir.path(), &db.url, 30_000, 43).await;
    let pid = daemon.id().to_string();
    for _ in 0..2 {
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20));
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    let status = loop {
        if let Some(status) = daemon.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after two signals");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130), "stopped at once");
    let mut daemon = start(dir.path());
    assert_exact_totals(
        &db.url,
        &truth,
        Duration::from_secs(60),
        "after two signals",
    )
    .await;
    assert!(terminate(&mut daemon, Duration::from_secs(10)));
}

#[test]
fn an_unreadable_log_directory_is_a_clear_error_and_is_retried() {
    // Run as an unprivileged user (root reads every directory): `nobody` through setpriv.
    let dir = tempfile::tempdir().unwrap();
    let open = |path: &Path, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    open(dir.path(), 0o777);
    let url = format!("sqlite://{}", dir.path().join("aivis.db").display());
    write_config(dir.path(), &url, "");
    let logs = dir.path().join("logs");
    let (log, truth) = write_log(dir.path(), "generated.log", &small_spec(8));
    std::fs::rename(log, logs.join("access.log")).unwrap();
    open(&logs.join("access.log"), 0o644);
    open(&logs, 0o000);
    let as_nobody = || {
        let binary = env!("CARGO_BIN_EXE_aivis");
        let config = dir.path().join("aivis.toml");
        let args = [
            "--config",
            config.to_str().unwrap(),
            "run",
            "--job",
            "ingest",
        ];
        let mut command = if is_root() {
            let mut c = std::process::Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", binary]);
            c
        } else {
            std::process::Command::new(binary)
        };
        command
            .args(args)
            .env_remove("AIVIS_CONFIG")
            .env_remove("AIVIS_DATABASE_URL")
            .output()
            .expect("run setpriv (util-linux)")
    };
    let out = as_nobody();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("error") && stdout(&out).contains("Permission denied"),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    open(&logs, 0o755);
    let out = as_nobody();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!("{} new sessions", truth.sessions)),
        "{}",
        stdout(&out)
    );
}

/// Whether this test runs as root (uid 0), as /proc says.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        .unwrap_or(false)
}

#[tokio::test]
async fn frequent_rotations_at_random_moments_keep_exact_totals() {
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &db.url, EVERY_SECOND);
    let (generated, truth) = write_log(dir.path(), "generated.log", &small_spec(23));
    let bytes = std::fs::read(&generated).unwrap();
    let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    let logs = dir.path().join("logs");
    let live = logs.join("access.log");
    let mut daemon = start(dir.path());
    let mut rotations = 0;
    for (i, part) in lines.chunks(lines.len().div_ceil(12)).enumerate() {
        append(&live, part);
        if i % 2 == 1 {
            // logrotate's numbering: access.log.N → .N+1, …, access.log → access.log.1, and
            // the server writes on at once into a new access.log.
            for n in (1..=rotations).rev() {
                let from = logs.join(format!("access.log.{n}"));
                std::fs::rename(&from, logs.join(format!("access.log.{}", n + 1))).unwrap();
            }
            std::fs::rename(&live, logs.join("access.log.1")).unwrap();
            rotations += 1;
            continue; // the next part goes into the new access.log at once
        }
        std::thread::sleep(Duration::from_millis(200 + rand::random::<u64>() % 700));
    }
    let context = format!("{rotations} rotations");
    assert_exact_totals(&db.url, &truth, Duration::from_secs(20), &context).await;
    assert!(terminate(&mut daemon, Duration::from_secs(10)));
}
