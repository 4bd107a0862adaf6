//! The daemon's jobs. Each is a call of the library step its CLI command calls (no second
//! implementation): `ingest` reads each site's configured logs, `check` asks the tracked
//! prompts, `alerts` evaluates and queues alert mails, `digest` queues each site's digest,
//! `deliver` sends the outbox, `retention` deletes visits and clears answer texts older than
//! `retention_days`, in bounded batches.
//! [`run_recorded`] wraps one run: a lease so a job never overlaps itself (in this process or
//! another), a `job_runs` row from start to end, and one log line.

use std::path::PathBuf;
use std::time::Instant;

use serde_json::{Value, json};

use crate::checks::client::RetryPolicy;
use crate::checks::run::CheckSelection;
use crate::config::{JOB_NAMES, SiteConfig};
use crate::day::{day_text, now_unix};
use crate::ingest::{IngestError, IngestOptions, Input, OpenedFile};
use crate::service::{
    self, App, DigestAction, DigestRequest, IngestRequest, NotifyRequest, ServiceError,
};
use crate::store::{JobRunEnd, StoreError, host_name};

/// Reads the secrets the jobs need (API keys, SMTP credentials) by variable name.
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// What a job did: a line for people and counts for programs.
#[derive(Debug, Clone, PartialEq)]
pub struct StepOutcome {
    pub summary: String,
    pub counts: Value,
    /// True when there was nothing to do for a reason worth saying (no logs configured).
    pub skipped: bool,
}

impl StepOutcome {
    fn done(summary: String, counts: Value) -> StepOutcome {
        StepOutcome {
            summary,
            counts,
            skipped: false,
        }
    }

    fn skipped(summary: &str) -> StepOutcome {
        StepOutcome {
            summary: summary.to_string(),
            counts: json!({}),
            skipped: true,
        }
    }
}

/// Runs job `job` (one of [`JOB_NAMES`]) once.
pub async fn run_step(app: &App, job: &str, env: &Env) -> Result<StepOutcome, ServiceError> {
    match job {
        "ingest" => ingest(app).await,
        "check" => check(app, env).await,
        "alerts" => alerts(app).await,
        "digest" => digest(app).await,
        "deliver" => deliver(app, env).await,
        "retention" => retention(app).await,
        other => Err(ServiceError::Usage(format!(
            "no job {other:?}; the jobs are {}",
            JOB_NAMES.join(", ")
        ))),
    }
}

async fn ingest(app: &App) -> Result<StepOutcome, ServiceError> {
    let sites: Vec<&SiteConfig> = app
        .settings()
        .sites
        .iter()
        .filter(|s| !s.logs.is_empty())
        .collect();
    if sites.is_empty() {
        return Ok(StepOutcome::skipped(
            "no [[sites.logs]] configured: nothing to follow",
        ));
    }
    let (mut lines, mut sessions, mut conversions, mut files) = (0, 0, 0, 0);
    for site in sites {
        for log in &site.logs {
            let paths = matching_files(&log.path)?;
            if paths.is_empty() {
                continue;
            }
            files += paths.len();
            let request = IngestRequest {
                site: Some(site.name.clone()),
                inputs: paths.into_iter().map(Input::Opened).collect(),
                options: IngestOptions {
                    format: log.format_choice(),
                    stop: Some(app.shutdown().clone()),
                    ..IngestOptions::default()
                },
            };
            let summary = match service::ingest(app, request).await {
                Err(ServiceError::Ingest(IngestError::Stopped { .. })) => {
                    return Ok(StepOutcome::skipped(
                        "stopped after a committed batch for shutdown; the next run continues",
                    ));
                }
                other => other?,
            };
            lines += summary.lines_read;
            sessions += summary.sessions;
            conversions += summary.conversions;
        }
    }
    Ok(StepOutcome::done(
        format!(
            "{lines} lines from {files} files: {sessions} new sessions, {conversions} conversions"
        ),
        json!({"files": files, "lines": lines, "sessions": sessions, "conversions": conversions}),
    ))
}

/// The files a configured path or glob names now, opened, oldest first, so that lines are
/// read in time order: by modification time, and among equal times (file times are coarse:
/// a line written just before a rotation and one just after can share one) the rotated name
/// first — the longer name (`access.log.2.gz`, `access.log.1`, then `access.log`).
///
/// The files are opened here and read through these handles, and the listing is taken again
/// after opening: when a rotation renamed a file in between (the names no longer point at the
/// files opened), everything is listed and opened again. So a rotated file's last lines are
/// never read after the lines of the file that replaced it. A pattern that matches nothing is
/// no error (a log not yet written, or between rotation and recreation); a directory that
/// cannot be read is.
fn matching_files(pattern: &str) -> Result<Vec<OpenedFile>, ServiceError> {
    let mut attempts = 0;
    loop {
        let opened = open_listed(pattern)?;
        let again: Vec<(PathBuf, Option<FileIdentity>)> = list(pattern)?
            .into_iter()
            .map(|path| {
                let identity = std::fs::metadata(&path).ok().map(|m| identity(&m));
                (path, identity)
            })
            .collect();
        let same = again.len() == opened.len()
            && opened.iter().all(|(file, id)| {
                again
                    .iter()
                    .any(|(path, again_id)| *path == file.path && again_id == &Some(*id))
            });
        attempts += 1;
        if same || attempts >= 5 {
            return Ok(opened.into_iter().map(|(file, _)| file).collect());
        }
    }
}

/// The paths `pattern` matches (files or not).
fn list(pattern: &str) -> Result<Vec<PathBuf>, ServiceError> {
    let entries = glob::glob(pattern)
        .map_err(|err| ServiceError::Usage(format!("log path {pattern:?}: {err}")))?;
    entries
        .map(|entry| {
            entry.map_err(|err| ServiceError::Usage(format!("log path {pattern:?}: {err}")))
        })
        .collect()
}

/// Opens the regular files `pattern` matches, oldest first, with their (device, inode).
fn open_listed(pattern: &str) -> Result<Vec<(OpenedFile, FileIdentity)>, ServiceError> {
    let mut files = Vec::new();
    for path in list(pattern)? {
        let Ok(file) = std::fs::File::open(&path) else {
            continue; // gone since the listing: rotated away
        };
        let Ok(meta) = file.metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let name_len = path.as_os_str().len();
        let opened = OpenedFile {
            path,
            file: std::sync::Arc::new(file),
        };
        files.push((
            meta.modified().ok(),
            std::cmp::Reverse(name_len),
            opened,
            identity(&meta),
        ));
    }
    files.sort_by(|a, b| (a.0, a.1, &a.2.path).cmp(&(b.0, b.1, &b.2.path)));
    Ok(files
        .into_iter()
        .map(|(_, _, file, id)| (file, id))
        .collect())
}

/// A file's (device, inode): which file a name points at.
type FileIdentity = (u64, u64);

fn identity(meta: &std::fs::Metadata) -> FileIdentity {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

async fn check(app: &App, env: &Env) -> Result<StepOutcome, ServiceError> {
    if app.settings().engines.is_empty() {
        return Ok(StepOutcome::skipped(
            "no [[engines]] configured: nothing to ask",
        ));
    }
    if app.store().prompts(None, false).await?.is_empty() {
        return Ok(StepOutcome::skipped(
            "no tracked prompts: add some with `aivis prompts add`",
        ));
    }
    let every = CheckSelection {
        site: None,
        engine: None,
        prompt: None,
    };
    let summary = service::check(app, &every, env, RetryPolicy::default()).await?;
    let silent = summary.silent_engines();
    if !silent.is_empty() {
        return Err(ServiceError::SilentEngines {
            run_id: summary.run_id,
            engines: silent,
        });
    }
    Ok(StepOutcome::done(
        format!(
            "check run {}: {} answers, {} failed calls",
            summary.run_id, summary.answers, summary.failed
        ),
        json!({"run_id": summary.run_id, "answers": summary.answers, "failed": summary.failed}),
    ))
}

async fn alerts(app: &App) -> Result<StepOutcome, ServiceError> {
    let notices = service::notify_alerts(app, NotifyRequest::default()).await?;
    let changed: usize = notices.iter().map(|n| n.evaluated.len()).sum();
    let mails = notices.iter().filter(|n| n.mail.is_some()).count();
    Ok(StepOutcome::done(
        format!("{changed} alert changes, {mails} mails queued"),
        json!({"alert_changes": changed, "mails_queued": mails}),
    ))
}

async fn digest(app: &App) -> Result<StepOutcome, ServiceError> {
    let request = DigestRequest {
        site: None,
        as_of: None,
        period: None,
        action: DigestAction::Queue,
    };
    let outcomes = service::digest(app, request).await?;
    let queued = outcomes.iter().filter(|o| o.queued == Some(true)).count();
    Ok(StepOutcome::done(
        format!("{queued} digests queued"),
        json!({"queued": queued, "sites": outcomes.len()}),
    ))
}

async fn deliver(app: &App, env: &Env) -> Result<StepOutcome, ServiceError> {
    let (report, destination) = service::deliver_outbox(app, env).await?;
    Ok(StepOutcome::done(
        format!(
            "{} sent, {} to retry, {} failed ({destination})",
            report.sent, report.retrying, report.failed
        ),
        json!({"sent": report.sent, "retrying": report.retrying, "failed": report.failed}),
    ))
}

/// Rows per transaction when retention deletes.
const RETENTION_BATCH: i64 = 5_000;

async fn retention(app: &App) -> Result<StepOutcome, ServiceError> {
    let Some(days) = app.settings().retention_days else {
        return Ok(StepOutcome::skipped(
            "retention_days is not set: everything is kept",
        ));
    };
    let cutoff = crate::day::day_number(now_unix()) - i64::from(days);
    let latest = app.store().latest_hits().await?;
    let keep_open = i64::from(app.settings().salt_retention_days) - 1;
    let mut total = crate::store::Retained::default();
    for site in &app.settings().sites {
        // Never a day the next ingest may still continue (see `aivis forget`).
        let open_from = latest
            .iter()
            .find(|(name, _)| *name == site.name)
            .map_or(i64::MAX, |(_, ts)| crate::day::day_number(*ts) - keep_open);
        let before = day_text(cutoff.min(open_from) * 86_400);
        let retained = app
            .store()
            .retain(&site.name, &before, RETENTION_BATCH)
            .await?;
        total.sessions += retained.sessions;
        total.conversions += retained.conversions;
        total.answer_texts += retained.answer_texts;
    }
    Ok(StepOutcome::done(
        format!(
            "{} sessions, {} conversions and {} answer texts older than {days} days deleted",
            total.sessions, total.conversions, total.answer_texts
        ),
        json!({"sessions": total.sessions, "conversions": total.conversions,
               "answer_texts": total.answer_texts, "retention_days": days}),
    ))
}

/// Gives memory freed by a run (an ingest's held sessions and batches) back to the system, so
/// an idle daemon stays small: glibc's allocator otherwise keeps it in each thread's arena.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How one recorded run ended.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub job: String,
    /// `ok`, `error` or `skipped`.
    pub outcome: &'static str,
    pub message: String,
    pub seconds: f64,
}

/// Runs `job` once under its lease, recorded in `job_runs` and logged. A run still going (here
/// or in another process) makes this one `skipped`; a failure is `error` with its message, and
/// never panics the caller. Only a database that cannot record the run is an `Err`.
pub async fn run_recorded(app: &App, job: &str, env: &Env) -> Result<RunRecord, StoreError> {
    let started = Instant::now();
    let lease = match app.store().take_lease(&format!("job:{job}")).await {
        Ok(lease) => lease,
        Err(StoreError::LeaseHeld { holder, .. }) => {
            let message = format!("still running ({holder}): this tick is skipped");
            tracing::warn!(job, outcome = "skipped", seconds = 0.0, "{message}");
            return Ok(RunRecord {
                job: job.to_string(),
                outcome: "skipped",
                message,
                seconds: 0.0,
            });
        }
        Err(err) => return Err(err),
    };
    let pid = i64::from(std::process::id());
    let id = app
        .store()
        .start_job_run(job, now_unix(), pid, &host_name())
        .await?;
    let result = run_step(app, job, env).await;
    let seconds = started.elapsed().as_secs_f64();
    let end = match &result {
        Ok(step) => JobRunEnd {
            outcome: if step.skipped { "skipped" } else { "ok" },
            message: Some(step.summary.clone()),
            counts: Some(step.counts.to_string()),
        },
        Err(err) => JobRunEnd {
            outcome: "error",
            message: Some(crate::error::describe(err)),
            counts: None,
        },
    };
    let recorded = app.store().finish_job_run(id, &end, now_unix()).await;
    lease.release().await.ok();
    app.store().release_memory().await.ok();
    return_freed_memory();
    recorded?;
    let message = end.message.clone().unwrap_or_default();
    match end.outcome {
        "error" => tracing::error!(job, outcome = end.outcome, seconds, "{message}"),
        _ => tracing::info!(job, outcome = end.outcome, seconds, "{message}"),
    }
    Ok(RunRecord {
        job: job.to_string(),
        outcome: end.outcome,
        message,
        seconds,
    })
}
