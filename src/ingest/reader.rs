//! The reader thread's side of an ingest: reads each input from its checkpoint, runs the
//! [`Pipeline`] line by line, sends a batch to the committer whenever one is full, and waits
//! for the committer when it must see its own writes (before looking up the next input's
//! checkpoint, and before setting sessions aside). While sessions are set aside, it reads
//! lines ahead and fetches the sessions their visitors may continue in one query.
//!
//! Which checkpoint an input continues: the stored one whose fingerprint matches the
//! input's beginning, longest first. A match on a shorter beginning than the file now has is
//! trusted only when the device and inode match too, so a different file that begins with the
//! same lines is a new file; rotation by rename keeps content and inode, and a rotated file
//! compressed later keeps its content, so both continue exactly where the last ingest stopped.

use std::collections::HashMap;
use std::io::Read;

use tokio::runtime::Handle;
use tokio::sync::{mpsc, watch};

use super::error::IngestError;
use super::files::IngestOptions;
use super::inputs::{Fingerprint, OpenInput, gzip_hint};
use super::lines::{LineEvent, LineReader};
use super::parse::{LogFormat, MAX_LINE_BYTES, detect_format};
use super::pipeline::{FileSummary, FormatChoice, IngestSummary, LineOutcome, Pipeline};
use super::sessionize::Changes;
use crate::store::{Checkpoint, Store, StoredSession};

type Result<T> = std::result::Result<T, IngestError>;

/// Session ids reserved by an ingest's first reservation, at its first line; each later one
/// reserves twice as many as the one before, up to [`MAX_SESSION_IDS_PER_RESERVATION`]. The
/// next one is started when half of the last is left, which must outlast a batch commit
/// queued before it on the writer: half of 16,384 ids lasts about 60,000 lines, several
/// batch commits, where half of a 256-id block lasted under a thousand. Unused ids are only
/// gaps: even an ingest a minute that leaves all 16,384 unused takes millions of years to use
/// up the 64-bit ids.
const FIRST_SESSION_IDS: u32 = 16_384;
const MAX_SESSION_IDS_PER_RESERVATION: u32 = 65_536;

/// Reserved session ids, and the next reservation while it is under way: it is started when
/// half of the last one is used, so the reader does not wait for it behind a batch commit.
pub(super) struct SessionIdSupply {
    next_size: u32,
    low_water: u64,
    pending: Option<
        tokio::task::JoinHandle<
            std::result::Result<Vec<std::ops::Range<i64>>, crate::store::StoreError>,
        >,
    >,
}

impl SessionIdSupply {
    /// Nothing reserved yet: the first line that needs an id reserves [`FIRST_SESSION_IDS`].
    pub(super) fn new() -> SessionIdSupply {
        SessionIdSupply {
            next_size: FIRST_SESSION_IDS,
            low_water: 1,
            pending: None,
        }
    }
}

/// The held-session count is checked every this many lines.
const HELD_CHECK_LINES: u64 = 1024;

/// One batch for the committer; `seq` counts batches from 1.
pub(super) struct Batch {
    pub(super) changes: Changes,
    pub(super) checkpoint: Checkpoint,
    pub(super) seq: u64,
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
            detect_format(&lines).ok_or_else(|| IngestError::UnknownFormat {
                input: name.to_string(),
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
    // The file's name is formatted only on an error: this runs for every line.
    let event = lines.next_line().map_err(|err| {
        let name = format!("{}{}", run.name, gzip_hint(run.summary.compressed));
        IngestError::io("reading", name)(err)
    })?;
    Ok(match event {
        None => Step::End,
        Some(LineEvent::Line { text, consumed }) => Step::Line(Some(text), consumed),
        Some(LineEvent::TooLong { consumed }) => Step::Line(None, consumed),
        Some(LineEvent::Unterminated { text }) if complete => Step::Line(Some(text), text.len()),
        Some(LineEvent::Unterminated { text }) => {
            run.summary.unterminated_bytes = text.len() as u64;
            Step::End
        }
        // An input that can no longer grow ends in an over-long line: skipped like any other.
        Some(LineEvent::UnterminatedTooLong { len }) if complete => Step::Line(None, len),
        // A file may still be growing: its unfinished last line is read by the next run.
        Some(LineEvent::UnterminatedTooLong { len }) => {
            run.summary.unterminated_bytes = len as u64;
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
pub(super) struct Reader<'a> {
    pub(super) store: &'a Store,
    pub(super) handle: &'a Handle,
    pub(super) sender: &'a mpsc::Sender<Batch>,
    /// The last batch `seq` the committer has written.
    pub(super) committed: watch::Receiver<u64>,
    /// The last batch `seq` sent.
    pub(super) sent: u64,
    pub(super) options: &'a IngestOptions,
    /// Lines per batch, resolved once for the store's backend.
    pub(super) batch_lines: u64,
    /// Sessions this ingest had added when the sessions table's statistics were last
    /// refreshed (0: never).
    pub(super) analyzed_at: u64,
    pub(super) ids: SessionIdSupply,
}

impl Reader<'_> {
    pub(super) fn read_all(
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
        Ok(pipeline.into_summary())
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
        if let Some(progress) = &self.options.progress {
            progress.start_input(&name, size, checkpoint.byte_offset as u64);
        }
        let mut run = FileRun {
            name,
            site: pipeline.site.clone(),
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
            ..
        } = run;
        self.send(pipeline, &mut checkpoint)?;
        if let Some(progress) = &self.options.progress {
            progress.finish_input();
        }
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
        self.supply_session_ids(pipeline)?;
        let outcome = match text {
            Some(text) => {
                let (store, handle, site) = (self.store, self.handle, &run.site);
                let ahead = &mut run.ahead;
                let mut lookup = |key: &str, since: i64| match ahead.remove(key) {
                    Some(found) => Ok(found.filter(|s| s.last_hit_at >= since)),
                    None => handle
                        .block_on(store.find_session(site, key, since))
                        .map_err(IngestError::store("looking up a set-aside session")),
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
        if run.since_commit.is_multiple_of(4096)
            && let Some(progress) = &self.options.progress
        {
            progress.advance(run.checkpoint.byte_offset as u64);
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
                self.handle
                    .block_on(async {
                        self.store.ensure_visitor_index().await?;
                        self.store.refresh_session_statistics().await
                    })
                    .map_err(IngestError::store("indexing set-aside sessions"))?;
                self.analyzed_at = added.max(1);
            }
        } else if run.since_commit >= self.batch_lines {
            self.send(pipeline, &mut run.checkpoint)?;
            run.since_commit = 0;
            if self
                .options
                .stop
                .as_ref()
                .is_some_and(|stop| stop.is_cancelled())
            {
                // As an ingest stopped right after a commit: the next one continues here.
                self.flush()?;
                return Err(IngestError::Stopped {
                    site: run.site.clone(),
                });
            }
        }
        Ok(())
    }

    /// Keeps at least one reserved session id ready for the next line: starts the next
    /// reservation when few are left, and takes it in once it is done (waiting only when none
    /// is left).
    fn supply_session_ids(&mut self, pipeline: &mut Pipeline) -> Result<()> {
        let left = pipeline.session_ids_left();
        let supply = &mut self.ids;
        if left < supply.low_water && supply.pending.is_none() {
            let (store, size) = (self.store.clone(), supply.next_size);
            supply.pending = Some(
                self.handle
                    .spawn(async move { store.reserve_session_ids(size).await }),
            );
            supply.low_water = u64::from(size / 2);
            supply.next_size = (size * 2).min(MAX_SESSION_IDS_PER_RESERVATION);
        }
        let ready = supply
            .pending
            .as_ref()
            .is_some_and(|task| left == 0 || task.is_finished());
        if ready && let Some(task) = supply.pending.take() {
            let ids = self
                .handle
                .block_on(task)
                .map_err(|err| IngestError::Internal(format!("reserving session ids: {err}")))?
                .map_err(IngestError::store("reserving session ids"))?;
            pipeline.add_session_ids(ids);
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
        let mut found = self
            .handle
            .block_on(self.store.find_sessions(&pipeline.site, &keys, since))
            .map_err(IngestError::store("looking up set-aside sessions"))?;
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
            .block_on(self.store.short_fingerprint_lengths(site))
            .map_err(IngestError::store("reading checkpoints"))?;
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
                .block_on(self.store.checkpoint(site, &candidate.id))
                .map_err(IngestError::store("reading checkpoints"))?;
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
            .map_err(|_| writer_stopped())
    }

    /// Waits until every batch sent so far is committed.
    fn flush(&mut self) -> Result<()> {
        let sent = self.sent;
        self.handle
            .block_on(self.committed.wait_for(|committed| *committed >= sent))
            .map(|_| ())
            .map_err(|_| writer_stopped())
    }
}

/// The committer ended early; its own error says why (this one is shown only if it has none).
fn writer_stopped() -> IngestError {
    IngestError::Internal("the database writer stopped".into())
}
