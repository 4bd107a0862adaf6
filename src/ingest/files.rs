//! An ingest's two halves: a blocking reader thread (`reader`) that reads the inputs
//! (`inputs`) from their checkpoints and runs the [`Pipeline`],
//! and an async committer that writes each batch and its checkpoint in one transaction. The
//! two overlap through a channel of two batches, so parsing the next batch runs while the
//! database writes the last one; the committer announces each committed batch on a watch
//! channel the reader waits on when it must see its own writes.

use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

pub use super::inputs::Input;
use super::inputs::OpenInput;
use super::pipeline::{FormatChoice, IngestSummary, Pipeline};
use super::reader::{Batch, Reader};
use crate::config::SiteConfig;
use crate::store::{BatchWriter, Store};

/// How to run an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub format: FormatChoice,
    /// Lines per committed batch.
    pub batch_lines: u64,
    /// Draw a progress bar on stderr.
    pub progress: bool,
    /// Most sessions held in memory; beyond it the oldest committed ones are set aside to
    /// the database (and found again when their visitor returns).
    pub max_held_sessions: usize,
    /// Days a day's salt is kept, counting the day of the latest hit (see the config key
    /// `salt_retention_days`).
    pub salt_retention_days: u32,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: FormatChoice::Auto,
            batch_lines: 20_000,
            progress: false,
            max_held_sessions: DEFAULT_MAX_HELD_SESSIONS,
            salt_retention_days: crate::config::DEFAULT_SALT_RETENTION_DAYS,
        }
    }
}

/// Sessions held in memory before the oldest are set aside (about 20 MB of sessions).
pub const DEFAULT_MAX_HELD_SESSIONS: usize = 50_000;
/// Log lines may be slightly out of order; sessions this close to the end are re-read too.
const RESUME_SLACK_SECONDS: i64 = 300;

/// Ingests `inputs` for `site`, committing batch by batch; returns the summary.
pub async fn ingest(
    store: &Store,
    site: &SiteConfig,
    inputs: Vec<Input>,
    options: IngestOptions,
) -> Result<IngestSummary> {
    let started = Instant::now();
    let opened = inputs
        .into_iter()
        .map(OpenInput::open)
        .collect::<Result<Vec<_>>>()?;
    let latest = store.latest_hit(&site.name).await?;
    let mut pipeline = Pipeline::new(
        site,
        store.next_session_id().await?,
        store.day_salts(&site.name).await?,
        options.salt_retention_days,
        latest,
    )
    .map_err(|message| anyhow!("site {:?}: {message}", site.name))?;
    if let Some(latest) = latest {
        let timeout = i64::from(site.session_timeout_minutes) * 60;
        let since = latest - timeout - RESUME_SLACK_SECONDS;
        let held = (options.max_held_sessions / 2).max(1) as i64;
        pipeline.resume(store.recent_sessions(&site.name, since, held).await?);
        store
            .older_recent_session_keys(&site.name, since, held, &mut |key, last_hit| {
                pipeline.remember_stored(key, last_hit)
            })
            .await?;
    }
    if pipeline.may_look_up() {
        // More sessions were left open than are held: the rest are looked up.
        store.ensure_visitor_index().await?;
        store.refresh_session_statistics().await?;
    }
    let writer = store.batch_writer(&site.name)?;
    let (sender, receiver) = mpsc::channel::<Batch>(2);
    let (committed_tx, committed_rx) = watch::channel(0u64);
    let reader_store = store.clone();
    let handle = Handle::current();
    let reader = tokio::task::spawn_blocking(move || {
        let mut reader = Reader {
            store: &reader_store,
            handle: &handle,
            sender: &sender,
            committed: committed_rx,
            sent: 0,
            options: &options,
            analyzed_at: 0,
        };
        reader.read_all(pipeline, opened)
    });
    let committed = commit_batches(writer, receiver, committed_tx).await;
    let read = reader.await.context("the reader thread failed")?;
    let folded = committed?;
    let mut summary = read?;
    summary.crawler_requests_folded = folded;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.lines_per_second = if summary.seconds > 0.0 {
        summary.lines_read as f64 / summary.seconds
    } else {
        0.0
    };
    Ok(summary)
}

/// Commits batches in order and announces each committed `seq`; returns the AI crawler
/// requests folded under `(other)`.
async fn commit_batches(
    mut writer: BatchWriter,
    mut receiver: mpsc::Receiver<Batch>,
    committed: watch::Sender<u64>,
) -> Result<u64> {
    let mut folded = 0;
    while let Some(Batch {
        changes,
        checkpoint,
        seq,
    }) = receiver.recv().await
    {
        let context = format!(
            "committing {} up to byte {}",
            checkpoint.path, checkpoint.byte_offset
        );
        folded += writer
            .commit(changes, checkpoint)
            .await
            .context(context)?
            .crawler_requests_folded;
        committed.send_replace(seq);
    }
    Ok(folded)
}
