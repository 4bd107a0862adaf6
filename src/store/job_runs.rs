//! Job runs of `aivis run`: a row when a scheduled job starts, finished with its outcome,
//! message and counts; and per job its latest run and latest success, for `aivis status`.

use sqlx::Row;

use super::{Store, StoreError, doing};

/// How a job run ended (or that it is still running).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRunEnd {
    /// `ok`, `error` or `skipped`.
    pub outcome: &'static str,
    pub message: Option<String>,
    /// JSON text.
    pub counts: Option<String>,
}

/// One stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub job: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// `running`, `ok`, `error` or `skipped`.
    pub outcome: String,
    pub message: Option<String>,
    pub counts: Option<String>,
    pub pid: i64,
    pub host: String,
}

/// A job's latest run and when it last succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    pub latest: JobRun,
    pub last_ok_at: Option<i64>,
    /// Runs stored for this job.
    pub runs: i64,
}

const START: &str = "INSERT INTO job_runs (job, started_at, outcome, pid, host) \
     VALUES ($1, $2, 'running', $3, $4) RETURNING id";

const FINISH: &str = "UPDATE job_runs SET finished_at = $1, outcome = $2, message = $3, \
     counts = $4 WHERE id = $5";

impl Store {
    /// Records that `job` started at `now`; returns the run's id.
    pub async fn start_job_run(
        &self,
        job: &str,
        now: i64,
        pid: i64,
        host: &str,
    ) -> Result<i64, StoreError> {
        doing("recording a job run", async {
            let mut tx = self.begin_write().await?;
            let row = tx
                .fetch_one(START, vec![job.into(), now.into(), pid.into(), host.into()])
                .await?;
            tx.commit().await?;
            row.int(0)
        })
        .await
    }

    /// Records how run `id` ended at `now`.
    pub async fn finish_job_run(
        &self,
        id: i64,
        end: &JobRunEnd,
        now: i64,
    ) -> Result<(), StoreError> {
        doing("recording a job run", async {
            let args = vec![
                now.into(),
                end.outcome.into(),
                end.message.as_deref().into(),
                end.counts.as_deref().into(),
                id.into(),
            ];
            self.write_one(FINISH, args).await.map(|_| ())
        })
        .await
    }

    /// Per job that ever ran: its latest run, its latest success and how many runs are stored.
    pub async fn job_statuses(&self) -> Result<Vec<JobStatus>, StoreError> {
        doing("reading job runs", async {
            let rows = sqlx::query(
                "SELECT r.job, r.started_at, r.finished_at, r.outcome, r.message, r.counts, \
                 r.pid, r.host, \
                 (SELECT MAX(o.started_at) FROM job_runs o \
                  WHERE o.job = r.job AND o.outcome = 'ok') AS last_ok_at, \
                 (SELECT COUNT(*) FROM job_runs c WHERE c.job = r.job) AS runs \
                 FROM job_runs r \
                 WHERE r.id = (SELECT MAX(l.id) FROM job_runs l WHERE l.job = r.job) \
                 ORDER BY r.job",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(JobStatus {
                    latest: JobRun {
                        job: row.try_get("job")?,
                        started_at: row.try_get("started_at")?,
                        finished_at: row.try_get("finished_at")?,
                        outcome: row.try_get("outcome")?,
                        message: row.try_get("message")?,
                        counts: row.try_get("counts")?,
                        pid: row.try_get("pid")?,
                        host: row.try_get("host")?,
                    },
                    last_ok_at: row.try_get("last_ok_at")?,
                    runs: row.try_get("runs")?,
                });
            }
            Ok(out)
        })
        .await
    }
}
