//! `aivis run`: the daemon. Its jobs ([`jobs`]) are the library steps the CLI commands call;
//! this module decides when they run. With `--once` (or `--job NAME`) it runs every job (or
//! that one) in order and returns; otherwise it runs each job on its `[schedule]` until the
//! app's shutdown token is cancelled, then waits for the runs under way.
//!
//! tokio-cron-scheduler fires the runs; it appears nowhere else. It reads a time zone as the
//! fixed offset it has when a job is added, which would run a daily job an hour off after a
//! change of clocks, so each job is added as a one-shot at its next run, found by
//! [`JobSchedule::next_after`] in the zone's own calendar, and re-armed for the run after
//! when it fires. A failed run is recorded and logged and the job runs again at its next
//! tick; a run that is still going when its next tick comes makes that tick `skipped`.

pub mod jobs;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::task::TaskTracker;

use crate::config::{JOB_NAMES, JobSchedule};
use crate::error::{ErrorKind, HasKind};
use crate::service::App;
use crate::store::StoreError;
use jobs::{Env, RunRecord, run_recorded};

/// How long a stopping daemon waits for the runs under way.
pub const STOP_GRACE: Duration = Duration::from_secs(20);

/// What `aivis run` does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Run every job once, in order, and return.
    pub once: bool,
    /// Run only this job once and return.
    pub job: Option<String>,
}

/// Why the daemon could not run.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("no job {0:?}; the jobs are ingest, check, alerts, digest, deliver, retention")]
    UnknownJob(String),
    #[error("config: {key}: {message}")]
    Schedule { key: String, message: String },
    #[error("the scheduler failed: {0}")]
    Scheduler(#[from] JobSchedulerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasKind for DaemonError {
    fn kind(&self) -> ErrorKind {
        match self {
            DaemonError::UnknownJob(_) | DaemonError::Schedule { .. } => ErrorKind::Usage,
            DaemonError::Scheduler(_) => ErrorKind::Internal,
            DaemonError::Store(err) => err.kind(),
        }
    }
}

/// Runs the daemon as `options` says; returns the runs made (for `--once` and `--job`; a
/// scheduled daemon returns none once it has stopped).
pub async fn run(
    app: &App,
    options: &RunOptions,
    env: Arc<Env>,
) -> Result<Vec<RunRecord>, DaemonError> {
    app.settings()
        .schedule
        .schedules()
        .map_err(|(key, message)| DaemonError::Schedule { key, message })?;
    if let Some(job) = &options.job {
        let job = JOB_NAMES
            .iter()
            .find(|name| **name == job.as_str())
            .ok_or_else(|| DaemonError::UnknownJob(job.clone()))?;
        return Ok(vec![run_recorded(app, job, env.as_ref()).await?]);
    }
    if options.once {
        let mut records = Vec::new();
        for job in JOB_NAMES {
            if app.shutdown().is_cancelled() {
                break;
            }
            records.push(run_recorded(app, job, env.as_ref()).await?);
        }
        return Ok(records);
    }
    scheduled(app, env).await?;
    Ok(Vec::new())
}

/// Runs every job on its schedule until shutdown, then waits up to [`STOP_GRACE`] for the
/// runs under way.
async fn scheduled(app: &App, env: Arc<Env>) -> Result<(), DaemonError> {
    let schedules = app
        .settings()
        .schedule
        .schedules()
        .map_err(|(key, message)| DaemonError::Schedule { key, message })?;
    let mut scheduler = JobScheduler::new().await?;
    let runs = TaskTracker::new();
    for schedule in schedules {
        tracing::info!(
            job = schedule.job,
            schedule = %schedule.expression,
            next = ?schedule.next_after(Utc::now()),
            "scheduled"
        );
        let ticker = Ticker {
            app: app.clone(),
            env: env.clone(),
            runs: runs.clone(),
            schedule: Arc::new(schedule),
        };
        ticker.arm(&scheduler, Utc::now()).await?;
    }
    scheduler.start().await?;
    app.shutdown().cancelled().await;
    tracing::info!("stopping: no new runs start; waiting for the runs under way");
    scheduler.shutdown().await.ok();
    runs.close();
    if tokio::time::timeout(STOP_GRACE, runs.wait()).await.is_err() {
        tracing::warn!("runs still going after {STOP_GRACE:?}: stopping without them");
    }
    Ok(())
}

/// One job's schedule and what a run needs.
#[derive(Clone)]
struct Ticker {
    app: App,
    env: Arc<Env>,
    runs: TaskTracker,
    schedule: Arc<JobSchedule>,
}

impl Ticker {
    /// Adds a one-shot for the job's first run after `after` (boxed: a run re-arms its job,
    /// so the future refers to itself).
    fn arm<'a>(
        &'a self,
        scheduler: &'a JobScheduler,
        after: chrono::DateTime<Utc>,
    ) -> Pin<Box<dyn Future<Output = Result<(), JobSchedulerError>> + Send + 'a>> {
        Box::pin(async move {
            let Some(next) = self.schedule.next_after(after) else {
                return Ok(());
            };
            let wait = (next - Utc::now()).to_std().unwrap_or_default();
            let at = std::time::Instant::now() + wait;
            let ticker = self.clone();
            let job = Job::new_one_shot_at_instant_async(at, move |_, scheduler| {
                let ticker = ticker.clone();
                Box::pin(async move { ticker.fire(scheduler, next).await })
            })?;
            scheduler.add(job).await.map(|_| ())
        })
    }

    /// A tick: re-arm for the next one, then run the job in the background.
    async fn fire(self, scheduler: JobScheduler, tick: chrono::DateTime<Utc>) {
        if self.app.shutdown().is_cancelled() {
            return;
        }
        if let Err(err) = self.arm(&scheduler, tick).await {
            tracing::error!(
                job = self.schedule.job,
                "cannot schedule the next run: {err}"
            );
        }
        let (app, env, job) = (self.app.clone(), self.env.clone(), self.schedule.job);
        self.runs.spawn(async move {
            if let Err(err) = run_recorded(&app, job, env.as_ref()).await {
                tracing::error!(
                    job,
                    "cannot record the run: {}",
                    crate::error::describe(&err)
                );
            }
        });
    }
}
