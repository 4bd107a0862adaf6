//! Inputs and the two halves of an ingest: a blocking reader thread that reads files from
//! their checkpoints and runs the [`Pipeline`], and an async committer that writes each batch
//! and its checkpoint in one transaction. The two overlap, so parsing the next batch runs
//! while the database writes the last one.
//!
//! Inputs: plain files (read from their checkpoint by seeking), gzip files (detected by their
//! magic bytes, whatever their name) and streams (standard input, pipes such as
//! `<(zcat x.gz)`, FIFOs), which are read from the start and skip what was ingested before.
//!
//! A file is identified by its content: a hash of its first 4 KB, or of its complete lines
//! when it is shorter (the fingerprint then grows with the file, and the checkpoint is
//! re-keyed in the same transaction as the next batch). A file fingerprinted while short and
//! now longer is only taken for the same file when its device and inode match too, so a
//! different file that begins with the same lines is a new file. Rotation by rename keeps the
//! content and the inode, and a rotated file compressed later keeps the content: both
//! continue exactly where the last ingest stopped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use super::lines::{LineEvent, LineReader};
use super::parse::{LogFormat, MAX_LINE_BYTES, detect_format};
use super::pipeline::{FileSummary, FormatChoice, IngestSummary, LineOutcome, Pipeline};
use super::sessionize::Changes;
use crate::config::SiteConfig;
use crate::store::{BatchWriter, Checkpoint, Store, StoredSession};

/// Where log lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// `-` is standard input; anything else a file path.
    pub fn from_arg(arg: &str) -> Input {
        if arg == "-" {
            Input::Stdin
        } else {
            Input::File(PathBuf::from(arg))
        }
    }

    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }
}

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
/// Bytes read from the start of an input to fingerprint it and detect its format.
const HEAD_BYTES: usize = 64 * 1024;
/// The fingerprint covers at most this many bytes at the start of a file.
const FINGERPRINT_BYTES: usize = 4096;
/// Log lines may be slightly out of order; sessions this close to the end are re-read too.
const RESUME_SLACK_SECONDS: i64 = 300;
/// The held-session count is checked every this many lines.
const HELD_CHECK_LINES: u64 = 1024;

/// One batch for the committer; `seq` counts batches from 1.
struct Batch {
    changes: Changes,
    checkpoint: Checkpoint,
    seq: u64,
}

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

/// An input opened for reading, with its first bytes already read.
struct OpenInput {
    input: Input,
    /// The first [`HEAD_BYTES`] of the content (decompressed for gzip).
    head: Vec<u8>,
    /// The rest of a stream after `head` (unused for seekable files).
    reader: Box<dyn Read + Send>,
    /// Total size when known (plain regular files).
    size: Option<u64>,
    /// A plain regular file, read by seeking.
    seekable: Option<File>,
    /// (device, inode) of a plain regular file.
    identity: Option<(i64, i64)>,
    compressed: bool,
}

/// A file's fingerprint: the hash of its first `len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    id: String,
    len: i64,
}

fn hash_id(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..16])
}

fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

impl OpenInput {
    fn open(input: Input) -> Result<OpenInput> {
        let path = match &input {
            Input::Stdin => return OpenInput::stream(input, Box::new(io::stdin())),
            Input::File(path) => path.clone(),
        };
        let mut file =
            File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
        let metadata = file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            return Err(anyhow!("{} is a directory, not a log file", path.display()));
        }
        if !metadata.is_file() {
            // A pipe (`<(zcat x.gz)`), a FIFO or a device: read it as a stream.
            return OpenInput::stream(input, Box::new(file));
        }
        let head =
            read_head(&mut file).with_context(|| format!("cannot read {}", path.display()))?;
        if is_gzip(&head) {
            file.seek(SeekFrom::Start(0))
                .with_context(|| format!("cannot read {}", path.display()))?;
            return OpenInput::stream(input, Box::new(file));
        }
        Ok(OpenInput {
            input,
            head,
            reader: Box::new(io::empty()),
            size: Some(metadata.len()),
            seekable: Some(file),
            identity: file_identity(&metadata),
            compressed: false,
        })
    }

    /// A stream read from its start; gzip is detected and decompressed.
    fn stream(input: Input, mut reader: Box<dyn Read + Send>) -> Result<OpenInput> {
        let name = input.display();
        let head = read_head(&mut reader).with_context(|| format!("cannot read {name}"))?;
        let rejoined: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(reader));
        let mut probe = BufReader::new(rejoined);
        let compressed = is_gzip(io::BufRead::fill_buf(&mut probe).unwrap_or_default());
        let mut reader: Box<dyn Read + Send> = if compressed {
            Box::new(flate2::read::MultiGzDecoder::new(probe))
        } else {
            Box::new(probe)
        };
        let head = read_head(&mut reader)
            .with_context(|| format!("cannot read {name}{}", gzip_hint(compressed)))?;
        Ok(OpenInput {
            input,
            head,
            reader,
            size: None,
            seekable: None,
            identity: None,
            compressed,
        })
    }

    /// Whether the input is finished as it is (a stream or a compressed file): its last line
    /// counts even without a newline, since nothing will be appended.
    fn is_complete(&self) -> bool {
        self.seekable.is_none()
    }

    /// The fingerprint of the input as it is now: its first 4 KB, or its complete lines when
    /// shorter; None when it has no complete line yet.
    fn fingerprint(&self) -> Option<Fingerprint> {
        if self.head.len() >= FINGERPRINT_BYTES {
            return Some(Fingerprint {
                id: hash_id(&self.head[..FINGERPRINT_BYTES]),
                len: FINGERPRINT_BYTES as i64,
            });
        }
        let end = match memchr::memrchr(b'\n', &self.head) {
            Some(pos) => pos + 1,
            None if self.is_complete() && !self.head.is_empty() => self.head.len(),
            None => return None,
        };
        Some(Fingerprint {
            id: hash_id(&self.head[..end]),
            len: end as i64,
        })
    }

    /// The fingerprint of the first `len` bytes, as a checkpoint stored it (0: the first
    /// line, as checkpoints written before head lengths were recorded).
    fn prefix_fingerprint(&self, len: i64) -> Option<Fingerprint> {
        if len > 0 {
            let len_bytes = usize::try_from(len).ok()?;
            return (len_bytes <= self.head.len()).then(|| Fingerprint {
                id: hash_id(&self.head[..len_bytes]),
                len,
            });
        }
        let window = &self.head[..self.head.len().min(FINGERPRINT_BYTES)];
        let first_line = match memchr::memchr(b'\n', window) {
            Some(pos) => &window[..=pos],
            None if window.len() == FINGERPRINT_BYTES => window,
            None => return None,
        };
        Some(Fingerprint {
            id: hash_id(first_line),
            len: first_line.len() as i64,
        })
    }

    /// A reader positioned at `offset`, or None if the input is shorter than that.
    fn reader_from(self, offset: u64) -> Result<Option<Box<dyn Read + Send>>> {
        let name = self.input.display();
        if let Some(mut file) = self.seekable {
            if self.size.is_some_and(|size| size < offset) {
                return Ok(None);
            }
            file.seek(SeekFrom::Start(offset))
                .with_context(|| format!("cannot seek in {name}"))?;
            return Ok(Some(Box::new(file)));
        }
        let mut reader: Box<dyn Read + Send> =
            Box::new(io::Cursor::new(self.head).chain(self.reader));
        let skipped = io::copy(&mut (&mut reader).take(offset), &mut io::sink())
            .with_context(|| format!("reading {name}{}", gzip_hint(self.compressed)))?;
        Ok((skipped == offset).then_some(reader))
    }
}

fn gzip_hint(compressed: bool) -> &'static str {
    if compressed { " (gzip)" } else { "" }
}

#[cfg(unix)]
fn file_identity(metadata: &std::fs::Metadata) -> Option<(i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    Some((metadata.dev() as i64, metadata.ino() as i64))
}

#[cfg(not(unix))]
fn file_identity(_metadata: &std::fs::Metadata) -> Option<(i64, i64)> {
    None
}

fn read_head(reader: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    reader.take(HEAD_BYTES as u64).read_to_end(&mut head)?;
    Ok(head)
}

fn choose_format(choice: FormatChoice, head: &[u8], name: &str) -> Result<LogFormat> {
    match choice {
        FormatChoice::Fixed(format) => Ok(format),
        FormatChoice::Auto => {
            let lines: Vec<&[u8]> = head
                .split(|b| *b == b'\n')
                .filter(|l| !l.is_empty())
                .take(20)
                .collect();
            detect_format(&lines).ok_or_else(|| {
                anyhow!(
                    "{name}: cannot detect the log format from its first lines; \
                     pass --format (combined, common, vhost_combined, nginx_json, caddy_json)"
                )
            })
        }
    }
}

/// Lines read ahead to fetch the set-aside sessions they continue in one query.
const LOOKAHEAD_LINES: usize = 1024;

/// Set-aside sessions fetched ahead, by visitor key (None: the visitor has none).
type Prefetched = HashMap<String, Option<StoredSession>>;

/// The state of reading one input.
struct FileRun {
    name: String,
    site: String,
    checkpoint: Checkpoint,
    summary: FileSummary,
    since_commit: u64,
    progress: indicatif::ProgressBar,
    ahead: Prefetched,
}

/// What reading the next line gave.
enum Step<'a> {
    /// A line (None: too long, skipped) and the bytes it took, newline included.
    Line(Option<&'a [u8]>, usize),
    /// The end of the input, or an unterminated last line left for the next run.
    End,
}

fn next_step<'a, R: Read>(
    lines: &'a mut LineReader<R>,
    complete: bool,
    run: &mut FileRun,
) -> Result<Step<'a>> {
    let event = lines
        .next_line()
        .with_context(|| format!("reading {}{}", run.name, gzip_hint(run.summary.compressed)))?;
    Ok(match event {
        None => Step::End,
        Some(LineEvent::Line { text, consumed }) => Step::Line(Some(text), consumed),
        Some(LineEvent::TooLong { consumed }) => Step::Line(None, consumed),
        Some(LineEvent::Unterminated { text }) if complete => Step::Line(Some(text), text.len()),
        Some(LineEvent::Unterminated { text }) => {
            run.summary.unterminated_bytes = text.len() as u64;
            Step::End
        }
    })
}

/// A warning when more than half of an input's lines are malformed (a wrong `--format`?).
fn malformed_warning(summary: &FileSummary) -> Option<String> {
    (summary.malformed * 2 > summary.lines_read).then(|| {
        format!(
            "{} of {} lines are malformed: is this a {} log{}? (see --format)",
            summary.malformed,
            summary.lines_read,
            summary.format,
            if summary.compressed {
                " once decompressed"
            } else {
                ""
            }
        )
    })
}

/// The reader thread's side of an ingest: sends batches, waits for commits when it must.
struct Reader<'a> {
    store: &'a Store,
    handle: &'a Handle,
    sender: &'a mpsc::Sender<Batch>,
    /// The last batch `seq` the committer has written.
    committed: watch::Receiver<u64>,
    /// The last batch `seq` sent.
    sent: u64,
    options: &'a IngestOptions,
    /// Sessions this ingest had added when the sessions table's statistics were last
    /// refreshed (0: never).
    analyzed_at: u64,
}

impl Reader<'_> {
    fn read_all(
        &mut self,
        mut pipeline: Pipeline,
        inputs: Vec<OpenInput>,
    ) -> Result<IngestSummary> {
        for (i, input) in inputs.into_iter().enumerate() {
            if i > 0 {
                // The next file's checkpoint may be the one just written (the same file
                // named twice, or a rotated pair): look it up only once that is committed.
                self.flush()?;
            }
            let file_summary = self.read_input(&mut pipeline, input)?;
            pipeline.summary.files.push(file_summary);
        }
        Ok(pipeline.summary)
    }

    fn read_input(&mut self, pipeline: &mut Pipeline, input: OpenInput) -> Result<FileSummary> {
        let name = input.input.display();
        let mut summary = FileSummary {
            path: name.clone(),
            compressed: input.compressed,
            ..FileSummary::default()
        };
        let Some(fingerprint) = input.fingerprint() else {
            summary.unterminated_bytes = input.head.len() as u64;
            summary.note = Some("no complete line yet; nothing ingested".into());
            return Ok(summary);
        };
        let format = choose_format(self.options.format, &input.head, &name)?;
        pipeline.set_format(format);
        summary.format = format.as_str().to_string();
        let mut checkpoint = self.find_checkpoint(&pipeline.site, &input, &fingerprint)?;
        checkpoint.path = name.clone();
        summary.resumed_at = checkpoint.byte_offset as u64;
        let complete = input.is_complete();
        let size = input.size;
        let Some(reader) = input.reader_from(checkpoint.byte_offset as u64)? else {
            summary.note = Some(format!(
                "shorter than the {} bytes already ingested from a file with the same \
                 beginning; skipped",
                checkpoint.byte_offset
            ));
            return Ok(summary);
        };
        let mut run = FileRun {
            name,
            site: pipeline.site.clone(),
            progress: progress_bar(self.options.progress, size, checkpoint.byte_offset as u64),
            checkpoint,
            summary,
            since_commit: 0,
            ahead: HashMap::new(),
        };
        let mut lines = LineReader::new(reader, MAX_LINE_BYTES);
        self.read_lines(pipeline, &mut run, &mut lines, complete)?;
        let FileRun {
            mut checkpoint,
            mut summary,
            progress,
            ..
        } = run;
        self.send(pipeline, &mut checkpoint)?;
        progress.finish_and_clear();
        summary.warning = malformed_warning(&summary);
        Ok(summary)
    }

    /// Reads the lines of one input to its end (or to an unterminated last line).
    fn read_lines<R: Read>(
        &mut self,
        pipeline: &mut Pipeline,
        run: &mut FileRun,
        lines: &mut LineReader<R>,
        complete: bool,
    ) -> Result<()> {
        let mut chunk: Vec<(Option<Vec<u8>>, usize)> = Vec::new();
        loop {
            if !pipeline.may_look_up() {
                match next_step(lines, complete, run)? {
                    Step::Line(text, consumed) => self.take_line(pipeline, run, text, consumed)?,
                    Step::End => return Ok(()),
                }
                continue;
            }
            // Visitors may return to sessions set aside in the database: read a stretch of
            // lines ahead and fetch their sessions in one round trip.
            chunk.clear();
            let mut ended = false;
            while chunk.len() < LOOKAHEAD_LINES && !ended {
                match next_step(lines, complete, run)? {
                    Step::Line(text, consumed) => chunk.push((text.map(<[u8]>::to_vec), consumed)),
                    Step::End => ended = true,
                }
            }
            self.fetch_ahead(pipeline, &chunk, &mut run.ahead)?;
            for (text, consumed) in &chunk {
                self.take_line(pipeline, run, text.as_deref(), *consumed)?;
            }
            run.ahead.clear();
            if ended {
                return Ok(());
            }
        }
    }

    /// Processes one line (None: one too long to read) and commits when the batch is full,
    /// or sets sessions aside when too many are held.
    fn take_line(
        &mut self,
        pipeline: &mut Pipeline,
        run: &mut FileRun,
        text: Option<&[u8]>,
        consumed: usize,
    ) -> Result<()> {
        let line_no = run.checkpoint.lines as u64 + 1;
        let outcome = match text {
            Some(text) => {
                let (store, handle, site) = (self.store, self.handle, &run.site);
                let ahead = &mut run.ahead;
                let mut lookup = |key: &str, since: i64| match ahead.remove(key) {
                    Some(found) => Ok(found.filter(|s| s.last_hit_at >= since)),
                    None => handle.block_on(store.find_session(site, key, since)),
                };
                pipeline.line(&run.name, line_no, text, &mut lookup)?
            }
            None => {
                pipeline.too_long(&run.name, line_no);
                LineOutcome::Malformed
            }
        };
        run.summary.malformed += u64::from(outcome == LineOutcome::Malformed);
        run.checkpoint.byte_offset += consumed as i64;
        run.checkpoint.lines += 1;
        run.summary.lines_read += 1;
        run.since_commit += 1;
        if run.since_commit.is_multiple_of(4096) {
            run.progress.set_position(run.checkpoint.byte_offset as u64);
        }
        let cap = self.options.max_held_sessions.max(2);
        let over_cap =
            run.since_commit.is_multiple_of(HELD_CHECK_LINES) && pipeline.held_sessions() > cap;
        if over_cap {
            // Commit what is held, wait until it is in the database, then set the oldest
            // sessions aside: they can be found there again. Sessions fetched ahead may now
            // be stale: they are fetched again when needed.
            self.send(pipeline, &mut run.checkpoint)?;
            self.flush()?;
            pipeline.evict_to(cap / 2);
            run.ahead.clear();
            run.since_commit = 0;
            // From now on visitors are looked up: through their index, with the planner's view
            // of the sessions table kept current (again each time this ingest doubled it).
            let added = pipeline.summary.sessions;
            if added >= self.analyzed_at.saturating_mul(2) {
                self.handle.block_on(async {
                    self.store.ensure_visitor_index().await?;
                    self.store.refresh_session_statistics().await
                })?;
                self.analyzed_at = added.max(1);
            }
        } else if run.since_commit >= self.options.batch_lines {
            self.send(pipeline, &mut run.checkpoint)?;
            run.since_commit = 0;
        }
        Ok(())
    }

    /// Fetches, in one query, the set-aside sessions the lines of `chunk` will look up.
    fn fetch_ahead(
        &self,
        pipeline: &mut Pipeline,
        chunk: &[(Option<Vec<u8>>, usize)],
        ahead: &mut Prefetched,
    ) -> Result<()> {
        let mut keys = Vec::new();
        let mut since = i64::MAX;
        for text in chunk.iter().filter_map(|(text, _)| text.as_deref()) {
            if let Some((key, earliest)) = pipeline.lookup_ahead(text) {
                keys.push(key);
                since = since.min(earliest);
            }
        }
        if keys.is_empty() {
            return Ok(());
        }
        keys.sort_unstable();
        keys.dedup();
        let mut found =
            self.handle
                .block_on(self.store.find_sessions(&pipeline.site, &keys, since))?;
        for key in keys {
            let session = found.remove(&key);
            ahead.insert(key, session);
        }
        Ok(())
    }

    /// The checkpoint of `input`: the stored one it continues, or a new one. See the module
    /// header for how a file is recognised.
    fn find_checkpoint(
        &self,
        site: &str,
        input: &OpenInput,
        current: &Fingerprint,
    ) -> Result<Checkpoint> {
        let lengths = self
            .handle
            .block_on(self.store.short_fingerprint_lengths(site))?;
        let mut candidates = vec![current.clone()];
        candidates.extend(
            lengths
                .into_iter()
                .filter_map(|len| input.prefix_fingerprint(len))
                .filter(|f| f.len <= current.len),
        );
        let mut best: Option<(Checkpoint, i64)> = None;
        for candidate in candidates {
            let stored = self
                .handle
                .block_on(self.store.checkpoint(site, &candidate.id))?;
            if let Some(stored) = stored
                && best.as_ref().is_none_or(|(_, len)| candidate.len > *len)
            {
                best = Some((stored, candidate.len));
            }
        }
        let identity = input.identity;
        let same_file = |stored: &Checkpoint, len: i64| {
            // A match on a shorter beginning than the file now has is only trusted when the
            // file is the same file on disk (or when the system cannot tell).
            len >= current.len
                || input.compressed
                || stored.inode.is_none()
                || identity.is_none()
                || identity == stored.device.zip(stored.inode)
        };
        let mut checkpoint = match best {
            Some((stored, len)) if same_file(&stored, len) => Checkpoint {
                replaces: Some(stored.file_id.clone()),
                ..stored
            },
            _ => Checkpoint {
                site: site.to_string(),
                file_id: current.id.clone(),
                head_len: current.len,
                device: None,
                inode: None,
                path: input.input.display(),
                byte_offset: 0,
                lines: 0,
                replaces: None,
            },
        };
        checkpoint.file_id = current.id.clone();
        checkpoint.head_len = current.len;
        checkpoint.device = identity.map(|(device, _)| device);
        checkpoint.inode = identity.map(|(_, inode)| inode);
        if checkpoint.replaces.as_deref() == Some(current.id.as_str()) {
            checkpoint.replaces = None;
        }
        Ok(checkpoint)
    }

    fn send(&mut self, pipeline: &mut Pipeline, checkpoint: &mut Checkpoint) -> Result<()> {
        self.sent += 1;
        let batch = Batch {
            changes: pipeline.take_changes(),
            checkpoint: checkpoint.clone(),
            seq: self.sent,
        };
        // The old row goes with the first batch; later batches need not delete it again.
        checkpoint.replaces = None;
        self.sender
            .blocking_send(batch)
            .map_err(|_| anyhow!("the database writer stopped"))
    }

    /// Waits until every batch sent so far is committed.
    fn flush(&mut self) -> Result<()> {
        let sent = self.sent;
        self.handle
            .block_on(self.committed.wait_for(|committed| *committed >= sent))
            .map(|_| ())
            .map_err(|_| anyhow!("the database writer stopped"))
    }
}

fn progress_bar(enabled: bool, size: Option<u64>, start: u64) -> indicatif::ProgressBar {
    let Some(size) = size.filter(|_| enabled) else {
        return indicatif::ProgressBar::hidden();
    };
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style);
    }
    bar.set_position(start);
    bar
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn open_bytes(bytes: &[u8]) -> OpenInput {
        OpenInput::stream(Input::Stdin, Box::new(io::Cursor::new(bytes.to_vec()))).unwrap()
    }

    fn file_with(dir: &std::path::Path, name: &str, bytes: &[u8]) -> OpenInput {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        OpenInput::open(Input::File(path)).unwrap()
    }

    #[test]
    fn a_short_file_is_fingerprinted_by_its_complete_lines() {
        let dir = tempfile::tempdir().unwrap();
        let a = file_with(dir.path(), "a", b"first line\nsecond\npartial");
        let fingerprint = a.fingerprint().unwrap();
        assert_eq!(fingerprint.len, 18);
        assert_eq!(fingerprint.id, hash_id(b"first line\nsecond\n"));
        // The first line as older checkpoints hashed it.
        assert_eq!(
            a.prefix_fingerprint(0).unwrap().id,
            hash_id(b"first line\n")
        );
        assert_eq!(
            a.prefix_fingerprint(11).unwrap().id,
            hash_id(b"first line\n")
        );
        assert!(a.prefix_fingerprint(5000).is_none());
        let b = file_with(dir.path(), "b", b"no newline yet");
        assert_eq!(b.fingerprint(), None);
        // A stream is complete: its last line counts.
        assert_eq!(open_bytes(b"only line").fingerprint().unwrap().len, 9);
    }

    #[test]
    fn a_long_file_is_fingerprinted_by_its_first_4_kb() {
        let mut text = Vec::new();
        for i in 0..1000 {
            text.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let input = open_bytes(&text);
        let fingerprint = input.fingerprint().unwrap();
        assert_eq!(fingerprint.len, 4096);
        assert_eq!(fingerprint.id, hash_id(&text[..4096]));
    }

    #[test]
    fn gzip_is_read_decompressed_from_files_and_streams() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(b"aaa\nbbb\nccc\n").unwrap();
        let gz = encoder.finish().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = file_with(dir.path(), "access.log.2.gz", &gz);
        assert!(file.compressed && file.is_complete());
        assert_eq!(file.head, b"aaa\nbbb\nccc\n");
        let mut rest = String::new();
        file.reader_from(4)
            .unwrap()
            .unwrap()
            .read_to_string(&mut rest)
            .unwrap();
        assert_eq!(rest, "bbb\nccc\n");
        let stream = open_bytes(&gz);
        assert!(stream.compressed);
        assert_eq!(stream.head, b"aaa\nbbb\nccc\n");
    }

    #[test]
    fn stdin_reader_skips_to_offset() {
        let input = open_bytes(b"aaa\nbbb\nccc\n");
        let mut reader = input.reader_from(4).unwrap().unwrap();
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "bbb\nccc\n");
        assert!(open_bytes(b"aaa\n").reader_from(10).unwrap().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_read_as_a_stream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo");
        assert!(status.success());
        let writer_path = path.clone();
        let writer = std::thread::spawn(move || {
            std::fs::write(writer_path, b"one\ntwo\n").unwrap();
        });
        let input = OpenInput::open(Input::File(path)).unwrap();
        writer.join().unwrap();
        assert!(input.seekable.is_none() && input.identity.is_none());
        assert_eq!(input.head, b"one\ntwo\n");
    }
}
