//! Inputs and the two halves of an ingest: a blocking reader thread that reads files from
//! their checkpoints and runs the [`Pipeline`], and an async committer that writes each batch
//! and its checkpoint in one transaction. The two overlap, so parsing the next batch runs
//! while the database writes the last one.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::lines::{LineEvent, LineReader};
use super::parse::{LogFormat, MAX_LINE_BYTES, detect_format};
use super::pipeline::{FileSummary, FormatChoice, IngestSummary, Pipeline};
use super::sessionize::Changes;
use crate::config::SiteConfig;
use crate::store::{BatchWriter, Checkpoint, Store};

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
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: FormatChoice::Auto,
            batch_lines: 20_000,
            progress: false,
        }
    }
}

/// Sessions held in memory before a batch is committed early.
const MAX_HELD_SESSIONS: usize = 50_000;
/// Bytes read from the start of an input to fingerprint it and detect its format.
const HEAD_BYTES: usize = 64 * 1024;
/// The fingerprint covers the first line, or this many bytes of an over-long first line.
const FINGERPRINT_BYTES: usize = 4096;
/// Log lines may be slightly out of order; sessions this close to the end are re-read too.
const RESUME_SLACK_SECONDS: i64 = 300;

/// One batch for the committer.
struct Batch {
    changes: Changes,
    checkpoint: Checkpoint,
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
    let mut pipeline = Pipeline::new(
        site,
        store.next_session_id().await?,
        store.day_salts().await?,
    )
    .map_err(|message| anyhow::anyhow!("site {:?}: {message}", site.name))?;
    let timeout = i64::from(site.session_timeout_minutes) * 60;
    if let Some(latest) = store.latest_hit(&site.name).await? {
        let since = latest - timeout - RESUME_SLACK_SECONDS;
        pipeline.resume(store.recent_sessions(&site.name, since).await?);
    }
    let writer = store.batch_writer(&site.name)?;
    let (sender, receiver) = mpsc::channel::<Batch>(2);
    let reader_store = store.clone();
    let handle = Handle::current();
    let reader = tokio::task::spawn_blocking(move || {
        read_inputs(pipeline, opened, &options, &reader_store, &handle, &sender)
    });
    let committed = commit_batches(writer, receiver).await;
    let read = reader.await.context("the reader thread failed")?;
    committed?;
    let mut summary = read?;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.lines_per_second = if summary.seconds > 0.0 {
        summary.lines_read as f64 / summary.seconds
    } else {
        0.0
    };
    Ok(summary)
}

async fn commit_batches(
    mut writer: BatchWriter,
    mut receiver: mpsc::Receiver<Batch>,
) -> Result<()> {
    while let Some(Batch {
        changes,
        checkpoint,
    }) = receiver.recv().await
    {
        let context = format!(
            "committing {} up to byte {} (if another ingest runs on this database, \
             run them one at a time)",
            checkpoint.path, checkpoint.byte_offset
        );
        writer.commit(changes, checkpoint).await.context(context)?;
    }
    Ok(())
}

/// An input opened for reading, with its first bytes already read.
struct OpenInput {
    input: Input,
    head: Vec<u8>,
    reader: Box<dyn Read + Send>,
    /// Total size when known (regular files).
    size: Option<u64>,
    seekable: Option<File>,
}

impl OpenInput {
    fn open(input: Input) -> Result<OpenInput> {
        match &input {
            Input::Stdin => {
                let mut stdin = io::stdin();
                let head = read_head(&mut stdin).context("reading standard input")?;
                Ok(OpenInput {
                    input,
                    head,
                    reader: Box::new(stdin),
                    size: None,
                    seekable: None,
                })
            }
            Input::File(path) => {
                let mut file =
                    File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
                let metadata = file
                    .metadata()
                    .with_context(|| format!("cannot read {}", path.display()))?;
                if metadata.is_dir() {
                    return Err(anyhow!("{} is a directory, not a log file", path.display()));
                }
                let head = read_head(&mut file)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                Ok(OpenInput {
                    input,
                    head,
                    reader: Box::new(io::empty()),
                    size: Some(metadata.len()),
                    seekable: Some(file),
                })
            }
        }
    }

    /// Identifies the input by its first line; None when it has no complete line yet.
    fn fingerprint(&self) -> Option<String> {
        let window = &self.head[..self.head.len().min(FINGERPRINT_BYTES)];
        let first_line = match memchr::memchr(b'\n', window) {
            Some(pos) => &window[..=pos],
            None if window.len() == FINGERPRINT_BYTES => window,
            None => return None,
        };
        let digest = Sha256::digest(first_line);
        Some(hex::encode(&digest[..16]))
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
            .with_context(|| format!("reading {name}"))?;
        Ok((skipped == offset).then_some(reader))
    }
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

fn read_inputs(
    mut pipeline: Pipeline,
    inputs: Vec<OpenInput>,
    options: &IngestOptions,
    store: &Store,
    handle: &Handle,
    sender: &mpsc::Sender<Batch>,
) -> Result<IngestSummary> {
    for input in inputs {
        let file_summary = read_input(&mut pipeline, input, options, store, handle, sender)?;
        pipeline.summary.files.push(file_summary);
    }
    Ok(pipeline.summary)
}

fn read_input(
    pipeline: &mut Pipeline,
    input: OpenInput,
    options: &IngestOptions,
    store: &Store,
    handle: &Handle,
    sender: &mpsc::Sender<Batch>,
) -> Result<FileSummary> {
    let name = input.input.display();
    let mut summary = FileSummary {
        path: name.clone(),
        ..FileSummary::default()
    };
    let Some(file_id) = input.fingerprint() else {
        summary.unterminated_bytes = input.head.len() as u64;
        summary.note = Some("no complete line yet; nothing ingested".into());
        return Ok(summary);
    };
    let format = choose_format(options.format, &input.head, &name)?;
    pipeline.set_format(format);
    summary.format = format.as_str().to_string();
    let previous = handle.block_on(store.checkpoint(&pipeline.site, &file_id))?;
    let mut checkpoint = previous.unwrap_or_else(|| Checkpoint {
        site: pipeline.site.clone(),
        file_id,
        path: name.clone(),
        byte_offset: 0,
        lines: 0,
    });
    checkpoint.path = name.clone();
    summary.resumed_at = checkpoint.byte_offset as u64;
    let is_stdin = input.input == Input::Stdin;
    let size = input.size;
    let Some(reader) = input.reader_from(checkpoint.byte_offset as u64)? else {
        summary.note = Some(format!(
            "shorter than the {} bytes already ingested from a file with the same first line; skipped",
            checkpoint.byte_offset
        ));
        return Ok(summary);
    };
    let progress = progress_bar(options.progress, size, checkpoint.byte_offset as u64);
    let mut lines = LineReader::new(reader, MAX_LINE_BYTES);
    let mut since_commit = 0u64;
    while let Some(event) = lines
        .next_line()
        .with_context(|| format!("reading {name}"))?
    {
        let line_no = checkpoint.lines as u64 + 1;
        match event {
            LineEvent::Line { text, consumed } => {
                pipeline.line(&name, line_no, text);
                checkpoint.byte_offset += consumed as i64;
            }
            LineEvent::TooLong { consumed } => {
                pipeline.too_long(&name, line_no);
                checkpoint.byte_offset += consumed as i64;
            }
            LineEvent::Unterminated { text } if is_stdin => {
                pipeline.line(&name, line_no, text);
                checkpoint.byte_offset += text.len() as i64;
            }
            LineEvent::Unterminated { text } => {
                summary.unterminated_bytes = text.len() as u64;
                break;
            }
        }
        checkpoint.lines += 1;
        summary.lines_read += 1;
        since_commit += 1;
        if since_commit.is_multiple_of(4096) {
            progress.set_position(checkpoint.byte_offset as u64);
        }
        let full = since_commit >= options.batch_lines
            || (since_commit.is_multiple_of(1024) && pipeline.held_sessions() > MAX_HELD_SESSIONS);
        if full {
            send(pipeline, &checkpoint, sender)?;
            since_commit = 0;
        }
    }
    send(pipeline, &checkpoint, sender)?;
    progress.finish_and_clear();
    Ok(summary)
}

fn send(
    pipeline: &mut Pipeline,
    checkpoint: &Checkpoint,
    sender: &mpsc::Sender<Batch>,
) -> Result<()> {
    let batch = Batch {
        changes: pipeline.take_changes(),
        checkpoint: checkpoint.clone(),
    };
    sender
        .blocking_send(batch)
        .map_err(|_| anyhow!("the database writer stopped"))
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

    fn open_bytes(bytes: &[u8]) -> OpenInput {
        OpenInput {
            input: Input::Stdin,
            head: bytes[..bytes.len().min(HEAD_BYTES)].to_vec(),
            reader: Box::new(io::Cursor::new(
                bytes[bytes.len().min(HEAD_BYTES)..].to_vec(),
            )),
            size: None,
            seekable: None,
        }
    }

    #[test]
    fn fingerprint_is_the_first_line() {
        let a = open_bytes(b"first line\nsecond\n").fingerprint();
        let b = open_bytes(b"first line\nother second\nthird\n").fingerprint();
        let c = open_bytes(b"another first\nsecond\n").fingerprint();
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(open_bytes(b"no newline yet").fingerprint(), None);
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
}
