//! Inputs: opening plain files (read from their checkpoint by seeking), gzip files (detected
//! by their magic bytes, whatever their name) and streams (standard input, pipes such as
//! `<(zcat x.gz)`, FIFOs), which are read from the start and skip what was ingested before;
//! and the fingerprint that tells which file an input is.
//!
//! A file is identified by its content: a hash of its first 4 KB, or of its complete lines
//! when it is shorter (the fingerprint then grows with the file, and the checkpoint is
//! re-keyed in the same transaction as the next batch). Which stored checkpoint an input
//! continues is decided by the reader (`reader::Reader::find_checkpoint`).

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::error::IngestError;

/// Bytes read from the start of an input to fingerprint it and detect its format.
const HEAD_BYTES: usize = 64 * 1024;
/// The fingerprint covers at most this many bytes at the start of a file.
const FINGERPRINT_BYTES: usize = 4096;

/// Where log lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
    /// A file opened before the ingest, read through that handle whatever its name is by
    /// then (a log listed, opened, then renamed by rotation is still read whole, in order).
    Opened(OpenedFile),
}

/// A file opened by the caller, and the path it was opened by (for messages).
#[derive(Debug, Clone)]
pub struct OpenedFile {
    pub path: PathBuf,
    pub file: std::sync::Arc<File>,
}

impl PartialEq for OpenedFile {
    fn eq(&self, other: &OpenedFile) -> bool {
        self.path == other.path
    }
}

impl Eq for OpenedFile {}

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
            Input::Opened(opened) => opened.path.display().to_string(),
        }
    }
}

/// An input opened for reading, with its first bytes already read.
pub(super) struct OpenInput {
    pub(super) input: Input,
    /// The first [`HEAD_BYTES`] of the content (decompressed for gzip).
    pub(super) head: Vec<u8>,
    /// The rest of a stream after `head` (unused for seekable files).
    pub(super) reader: Box<dyn Read + Send>,
    /// Total size when known (plain regular files).
    pub(super) size: Option<u64>,
    /// A plain regular file, read by seeking.
    pub(super) seekable: Option<File>,
    /// (device, inode) of a plain regular file.
    pub(super) identity: Option<(i64, i64)>,
    pub(super) compressed: bool,
}

/// A file's fingerprint: the hash of its first `len` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fingerprint {
    pub(super) id: String,
    pub(super) len: i64,
}

fn hash_id(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..16])
}

fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
}

impl OpenInput {
    pub(super) fn open(input: Input) -> Result<OpenInput, IngestError> {
        let name = input.display();
        let mut file = match &input {
            Input::Stdin => return OpenInput::stream(input, Box::new(io::stdin())),
            Input::File(path) => File::open(path).map_err(IngestError::io("cannot open", &name))?,
            Input::Opened(opened) => opened
                .file
                .try_clone()
                .map_err(IngestError::io("cannot open", &name))?,
        };
        let metadata = file
            .metadata()
            .map_err(IngestError::io("cannot read", &name))?;
        if metadata.is_dir() {
            return Err(IngestError::NotAFile { input: name });
        }
        if !metadata.is_file() {
            // A pipe (`<(zcat x.gz)`), a FIFO or a device: read it as a stream.
            return OpenInput::stream(input, Box::new(file));
        }
        let head = read_head(&mut file).map_err(IngestError::io("cannot read", &name))?;
        if is_gzip(&head) {
            file.seek(SeekFrom::Start(0))
                .map_err(IngestError::io("cannot read", &name))?;
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
    fn stream(input: Input, mut reader: Box<dyn Read + Send>) -> Result<OpenInput, IngestError> {
        let name = input.display();
        let head = read_head(&mut reader).map_err(IngestError::io("cannot read", &name))?;
        let rejoined: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(reader));
        let mut probe = BufReader::new(rejoined);
        let compressed = is_gzip(io::BufRead::fill_buf(&mut probe).unwrap_or_default());
        let mut reader: Box<dyn Read + Send> = if compressed {
            Box::new(flate2::read::MultiGzDecoder::new(probe))
        } else {
            Box::new(probe)
        };
        let head = read_head(&mut reader).map_err(IngestError::io(
            "cannot read",
            format!("{name}{}", gzip_hint(compressed)),
        ))?;
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
    pub(super) fn is_complete(&self) -> bool {
        self.seekable.is_none()
    }

    /// The fingerprint of the input as it is now: its first 4 KB, or its complete lines when
    /// shorter; None when it has no complete line yet.
    pub(super) fn fingerprint(&self) -> Option<Fingerprint> {
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
    pub(super) fn prefix_fingerprint(&self, len: i64) -> Option<Fingerprint> {
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
    pub(super) fn reader_from(
        self,
        offset: u64,
    ) -> Result<Option<Box<dyn Read + Send>>, IngestError> {
        let name = self.input.display();
        if let Some(mut file) = self.seekable {
            if self.size.is_some_and(|size| size < offset) {
                return Ok(None);
            }
            file.seek(SeekFrom::Start(offset))
                .map_err(IngestError::io("cannot seek in", &name))?;
            return Ok(Some(Box::new(file)));
        }
        let mut reader: Box<dyn Read + Send> =
            Box::new(io::Cursor::new(self.head).chain(self.reader));
        let skipped = io::copy(&mut (&mut reader).take(offset), &mut io::sink()).map_err(
            IngestError::io("reading", format!("{name}{}", gzip_hint(self.compressed))),
        )?;
        Ok((skipped == offset).then_some(reader))
    }
}

pub(super) fn gzip_hint(compressed: bool) -> &'static str {
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
