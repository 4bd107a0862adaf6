//! `aivis run` and `aivis status`: sets up the log output (tracing, `RUST_LOG`, text or JSON),
//! turns SIGTERM and SIGINT into the app's shutdown (a second one exits at once), runs the
//! daemon, and prints what `--once` or `--job` did; `status` prints each job's last run and
//! success, its next run, and the outbox by status.

use std::sync::Arc;

use anyhow::{Result, bail};
use chrono::Utc;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::{Signals, print_out, with_app};
use crate::cli::{AlertsFormatArg, LogOutputArg, RunArgs, StatusArgs};
use crate::config::Settings;
use crate::daemon::{self, RunOptions};
use crate::day::time_text;
use crate::report::table::{Table, Value};
use crate::service::App;

pub async fn run(settings: Settings, args: &RunArgs) -> Result<()> {
    init_logs(args.log_format);
    let options = RunOptions {
        once: args.once,
        job: args.job.clone(),
    };
    let env: Arc<daemon::jobs::Env> = Arc::new(|key: &str| std::env::var(key).ok());
    // Signals are caught from here on, also while the database is being opened.
    let signals = Signals::install();
    let app = App::open(settings).await?;
    let listener = tokio::spawn(stop_on_signal(signals, app.shutdown().clone()));
    let records = daemon::run(&app, &options, env).await;
    listener.abort();
    app.close().await;
    let records = records?;
    if records.is_empty() {
        return Ok(());
    }
    let mut table = Table {
        columns: ["job", "outcome", "seconds", "message"]
            .map(String::from)
            .to_vec(),
        rows: Vec::new(),
    };
    for record in &records {
        table.rows.push(vec![
            Value::Text(record.job.clone()),
            Value::Text(record.outcome.into()),
            Value::Float((record.seconds * 100.0).round() / 100.0),
            Value::Text(record.message.clone()),
        ]);
    }
    print_out(&table.to_text_table())?;
    let failed: Vec<&str> = records
        .iter()
        .filter(|r| r.outcome == "error")
        .map(|r| r.job.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("job(s) failed: {}", failed.join(", "));
    }
    Ok(())
}

/// Log lines to standard error: `RUST_LOG` when set, else aivis's at `info` (the scheduler's
/// own bookkeeping only from `warn`).
fn init_logs(format: LogOutputArg) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tokio_cron_scheduler=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let installed = match format {
        LogOutputArg::Json => builder.json().flatten_event(true).try_init(),
        LogOutputArg::Text => builder.with_ansi(false).try_init(),
    };
    installed.ok();
}

/// The first SIGTERM or SIGINT cancels `shutdown`; the second exits at once (a batch under
/// way is rolled back by the database).
async fn stop_on_signal(signals: Option<Signals>, shutdown: CancellationToken) {
    let Some(mut signals) = signals else {
        return;
    };
    while signals.next().await {
        if shutdown.is_cancelled() {
            tracing::warn!("second signal: stopping at once");
            std::process::exit(130);
        }
        tracing::info!("signal received: stopping (a second one stops at once)");
        shutdown.cancel();
    }
}

pub async fn status(settings: Settings, args: &StatusArgs) -> Result<()> {
    let schedules = settings.schedule.schedules().unwrap_or_default();
    let (statuses, outbox) = with_app(settings, async |app| {
        let statuses = app.store().job_statuses().await?;
        let outbox = app.store().outbox_counts().await?;
        anyhow::Ok((statuses, outbox))
    })
    .await??;
    let now = Utc::now();
    let next = |job: &str| {
        schedules
            .iter()
            .find(|s| s.job == job)
            .and_then(|s| s.next_after(now))
            .map(|t| time_text(t.timestamp()))
    };
    match args.format {
        AlertsFormatArg::Json => {
            let jobs: Vec<serde_json::Value> = crate::config::JOB_NAMES
                .iter()
                .map(|job| {
                    let status = statuses.iter().find(|s| s.latest.job == *job);
                    json!({
                        "job": job,
                        "last_started_at": status.map(|s| s.latest.started_at),
                        "last_finished_at": status.and_then(|s| s.latest.finished_at),
                        "last_outcome": status.map(|s| &s.latest.outcome),
                        "last_message": status.and_then(|s| s.latest.message.as_ref()),
                        "last_counts": status.and_then(|s| s.latest.counts.as_deref())
                            .and_then(|c| serde_json::from_str::<serde_json::Value>(c).ok()),
                        "last_ok_at": status.and_then(|s| s.last_ok_at),
                        "next_run": next(job),
                    })
                })
                .collect();
            let outbox: serde_json::Map<String, serde_json::Value> =
                outbox.iter().map(|(s, n)| (s.clone(), json!(n))).collect();
            print_out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&json!({"jobs": jobs, "outbox": outbox}))?
            ))
        }
        AlertsFormatArg::Table => {
            let mut table = Table {
                columns: [
                    "job",
                    "last run",
                    "outcome",
                    "last success",
                    "next run",
                    "message",
                ]
                .map(String::from)
                .to_vec(),
                rows: Vec::new(),
            };
            for job in crate::config::JOB_NAMES {
                let status = statuses.iter().find(|s| s.latest.job == job);
                let text = |v: Option<String>| v.map_or(Value::Text("never".into()), Value::Text);
                table.rows.push(vec![
                    Value::Text(job.into()),
                    text(status.map(|s| time_text(s.latest.started_at))),
                    Value::Text(status.map_or("-".into(), |s| s.latest.outcome.clone())),
                    text(status.and_then(|s| s.last_ok_at).map(time_text)),
                    next(job).map_or(Value::Null, Value::Text),
                    status
                        .and_then(|s| s.latest.message.clone())
                        .map_or(Value::Null, Value::Text),
                ]);
            }
            let mut text = table.to_text_table();
            let queued: Vec<String> = outbox.iter().map(|(s, n)| format!("{n} {s}")).collect();
            text.push_str(&format!(
                "\noutbox: {}\n",
                if queued.is_empty() {
                    "empty".to_string()
                } else {
                    queued.join(", ")
                }
            ));
            print_out(&text)
        }
    }
}
