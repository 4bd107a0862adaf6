//! An ingest's two halves: a blocking reader thread (`reader`) that opens and reads the inputs
//! (`inputs`) from their checkpoints and runs the [`Pipeline`],
//! and an async committer that writes each batch and its checkpoint in one transaction. The
//! two overlap through a channel of two batches, so parsing the next batch runs while the
//! database writes the last one; the committer announces each committed batch on a watch
//! channel the reader waits on when it must see its own writes.
//!
//! An ingest holds the site's lease (`ingest:<site>`) from start to end, so a second ingest of
//! the same site, in this process or another, is refused at once ([`IngestError::AlreadyRunning`])
//! while ingests of other sites run side by side. Session ids are reserved from the database in
//! blocks as sessions start.

use std::time::Instant;

use std::sync::Arc;

use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use super::error::IngestError;
use super::inputs::OpenInput;
pub use super::inputs::{Input, OpenedFile};
use super::pipeline::{FormatChoice, IngestSummary, Pipeline};
use super::reader::{Batch, Reader, SessionIdSupply};
use crate::config::SiteConfig;
use crate::crawler_ranges::CrawlerRanges;
use crate::store::{BatchWriter, Lease, Store, StoreError};

type Result<T> = std::result::Result<T, IngestError>;

/// Told how far an ingest has read, so a caller can show progress (the CLI draws a bar).
pub trait Progress: Send + Sync {
    /// Reading of an input starts: its name, its size in bytes when known, and the byte
    /// reading starts at (its checkpoint).
    fn start_input(&self, name: &str, size: Option<u64>, start: u64);
    /// Reading reached byte `position` of the current input.
    fn advance(&self, position: u64);
    /// The current input is read to its end.
    fn finish_input(&self);
}

/// A [`Progress`] observer, shared with the reader thread.
#[derive(Clone)]
pub struct ProgressObserver(pub Arc<dyn Progress>);

impl std::fmt::Debug for ProgressObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressObserver")
    }
}

impl std::ops::Deref for ProgressObserver {
    type Target = dyn Progress;
    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

/// How to run an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub format: FormatChoice,
    /// Lines per committed batch; None: the backend's default ([`default_batch_lines`]).
    pub batch_lines: Option<u64>,
    /// Told how far reading has come (None: nobody is watching).
    pub progress: Option<ProgressObserver>,
    /// Most sessions held in memory; beyond it the oldest committed ones are set aside to
    /// the database (and found again when their visitor returns).
    pub max_held_sessions: usize,
    /// Days a day's salt is kept, counting the day of the latest hit (see the config key
    /// `salt_retention_days`).
    pub salt_retention_days: u32,
    /// Cancelled when the process is asked to stop: the ingest ends after the next batch is
    /// committed ([`IngestError::Stopped`]), and the next one continues from there.
    pub stop: Option<tokio_util::sync::CancellationToken>,
}

/// Lines per committed batch when not set: 20,000 on SQLite, 50,000 on PostgreSQL, where each
/// batch costs round trips and its rollup upserts repeat keys the next batch has too (on the
/// 1M-line benchmark, 50,000-line batches took a fifth off PostgreSQL's time and cost SQLite
/// a few percent).
pub fn default_batch_lines(backend: crate::store::Backend) -> u64 {
    match backend {
        crate::store::Backend::Sqlite => 20_000,
        crate::store::Backend::Postgres => 50_000,
    }
}

impl IngestOptions {
    /// The lines per batch on `backend`: the option's, else the backend's default.
    pub fn batch_lines_on(&self, backend: crate::store::Backend) -> u64 {
        self.batch_lines
            .unwrap_or_else(|| default_batch_lines(backend))
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: FormatChoice::Auto,
            batch_lines: None,
            progress: None,
            max_held_sessions: DEFAULT_MAX_HELD_SESSIONS,
            salt_retention_days: crate::config::DEFAULT_SALT_RETENTION_DAYS,
            stop: None,
        }
    }
}

/// Sessions held in memory before the oldest are set aside (about 20 MB of sessions).
pub const DEFAULT_MAX_HELD_SESSIONS: usize = 50_000;
/// Log lines may be slightly out of order; sessions this close to the end are re-read too.
const RESUME_SLACK_SECONDS: i64 = 300;

/// The AI crawler ranges to check requests against: the shipped copies, each replaced by the
/// list `aivis crawler-ranges update` stored, if any. A stored list that no longer parses is
/// skipped with a warning (its shipped copy is used).
async fn crawler_ranges(store: &Store) -> Result<Arc<CrawlerRanges>> {
    let stored = store
        .crawler_range_lists()
        .await
        .map_err(IngestError::store("reading the stored crawler ranges"))?;
    if stored.is_empty() {
        return Ok(CrawlerRanges::snapshot());
    }
    let (ranges, problems) =
        CrawlerRanges::with_stored(stored.iter().map(|l| l.to_stored_list()).collect());
    for problem in problems {
        tracing::warn!("{problem}");
    }
    Ok(Arc::new(ranges))
}

/// The lease an ingest of `site` holds.
pub fn lease_name(site: &str) -> String {
    format!("ingest:{site}")
}

/// Ingests `inputs` for `site`, committing batch by batch; returns the summary. Fails at once
/// with [`IngestError::AlreadyRunning`] while another ingest of the site runs.
pub async fn ingest(
    store: &Store,
    site: &SiteConfig,
    inputs: Vec<Input>,
    options: IngestOptions,
) -> Result<IngestSummary> {
    let lease = store
        .take_lease(&lease_name(&site.name))
        .await
        .map_err(|err| match err {
            StoreError::LeaseHeld { holder, .. } => IngestError::AlreadyRunning {
                site: site.name.clone(),
                holder,
            },
            other => IngestError::store("taking the ingest lease")(other),
        })?;
    let lease = Arc::new(lease);
    let result = ingest_holding(store, site, inputs, options, &lease).await;
    if let Some(lease) = Arc::into_inner(lease) {
        let released = lease
            .release()
            .await
            .map_err(IngestError::store("releasing the ingest lease"));
        if result.is_ok() {
            released?;
        }
    }
    result
}

async fn ingest_holding(
    store: &Store,
    site: &SiteConfig,
    inputs: Vec<Input>,
    options: IngestOptions,
    lease: &Arc<Lease>,
) -> Result<IngestSummary> {
    let started = Instant::now();
    // Opening reads each file's first 4 KiB (and may wait on a pipe): not on the runtime.
    let opened = tokio::task::spawn_blocking(move || {
        inputs
            .into_iter()
            .map(OpenInput::open)
            .collect::<Result<Vec<_>>>()
    })
    .await
    .map_err(|err| IngestError::Internal(format!("opening the inputs failed: {err}")))??;
    let doing = IngestError::store;
    let latest = store
        .latest_hit(&site.name)
        .await
        .map_err(doing("reading the latest stored hit"))?;
    let mut pipeline = Pipeline::new(
        site,
        store
            .day_salts(&site.name)
            .await
            .map_err(doing("reading day salts"))?,
        options.salt_retention_days,
        latest,
    )?;
    pipeline.set_crawler_ranges(crawler_ranges(store).await?);
    if let Some(latest) = latest {
        let timeout = i64::from(site.session_timeout_minutes) * 60;
        let since = latest - timeout - RESUME_SLACK_SECONDS;
        let held = (options.max_held_sessions / 2).max(1) as i64;
        pipeline.resume(
            store
                .recent_sessions(&site.name, since, held)
                .await
                .map_err(doing("reading open sessions"))?,
        );
        store
            .older_recent_session_keys(&site.name, since, held, &mut |key, last_hit| {
                pipeline.remember_stored(key, last_hit)
            })
            .await
            .map_err(doing("reading open sessions"))?;
    }
    if pipeline.may_look_up() {
        // More sessions were left open than are held: the rest are looked up.
        store
            .ensure_visitor_index()
            .await
            .map_err(doing("indexing set-aside sessions"))?;
        store
            .refresh_session_statistics()
            .await
            .map_err(doing("indexing set-aside sessions"))?;
    }
    let writer = store
        .batch_writer(&site.name)
        .map_err(doing("opening the batch writer"))?;
    let (sender, receiver) = mpsc::channel::<Batch>(2);
    let (committed_tx, committed_rx) = watch::channel(0u64);
    let reader_store = store.clone();
    let batch_lines = options.batch_lines_on(store.backend());
    let handle = Handle::current();
    let reader = tokio::task::spawn_blocking(move || {
        let mut reader = Reader {
            store: &reader_store,
            handle: &handle,
            sender: &sender,
            committed: committed_rx,
            sent: 0,
            options: &options,
            batch_lines,
            analyzed_at: 0,
            ids: SessionIdSupply::new(),
        };
        reader.read_all(pipeline, opened)
    });
    let committed = commit_batches(writer, receiver, committed_tx, &site.name, lease).await;
    let read = reader
        .await
        .map_err(|err| IngestError::Internal(format!("the reader thread failed: {err}")));
    // The committer's error explains a reader that stopped because the committer did.
    let folded = committed?;
    let mut summary = read??;
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
/// requests folded under `(other)`. Stops, committing nothing more, if the lease was lost.
async fn commit_batches(
    mut writer: BatchWriter,
    mut receiver: mpsc::Receiver<Batch>,
    committed: watch::Sender<u64>,
    site: &str,
    lease: &Lease,
) -> Result<u64> {
    let mut folded = 0;
    while let Some(Batch {
        changes,
        checkpoint,
        seq,
    }) = receiver.recv().await
    {
        if lease.is_lost() {
            return Err(IngestError::LeaseLost { site: site.into() });
        }
        let doing = format!(
            "committing {} up to byte {}",
            checkpoint.path, checkpoint.byte_offset
        );
        folded += writer
            .commit(changes, checkpoint)
            .await
            .map_err(IngestError::store(doing))?
            .crawler_requests_folded;
        committed.send_replace(seq);
    }
    Ok(folded)
}
