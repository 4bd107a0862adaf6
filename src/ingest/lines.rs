//! Line reading with a hard cap: yields complete lines from any reader, reports over-long
//! lines by length without buffering them, and keeps the unterminated tail of a file apart
//! (it may still be being written). Memory stays flat whatever the input holds.

use std::io::{self, Read};

/// One step of reading.
#[derive(Debug, PartialEq, Eq)]
pub enum LineEvent<'a> {
    /// A line without its `\n`; `consumed` counts the newline too.
    Line { text: &'a [u8], consumed: usize },
    /// A line longer than the cap, skipped; `consumed` counts all of it and its newline.
    TooLong { consumed: usize },
    /// Bytes after the last newline at end of input.
    Unterminated { text: &'a [u8] },
    /// More bytes than the cap after the last newline at end of input: a line still being
    /// written (kept for the next run) or a final over-long line without its newline.
    UnterminatedTooLong { len: usize },
}

/// Reads lines of at most `max_line` bytes.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    max_line: usize,
}

const READ_CHUNK: usize = 256 * 1024;

impl<R: Read> LineReader<R> {
    pub fn new(inner: R, max_line: usize) -> LineReader<R> {
        LineReader {
            inner,
            buf: vec![0; max_line + READ_CHUNK],
            start: 0,
            end: 0,
            eof: false,
            max_line,
        }
    }

    /// The next line, or None at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<LineEvent<'_>>> {
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                let line_start = self.start;
                self.start += pos + 1;
                if pos > self.max_line {
                    return Ok(Some(LineEvent::TooLong { consumed: pos + 1 }));
                }
                return Ok(Some(LineEvent::Line {
                    text: &self.buf[line_start..line_start + pos],
                    consumed: pos + 1,
                }));
            }
            if self.end - self.start > self.max_line {
                return self.skip_long_line().map(Some);
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let tail = self.start;
                self.start = self.end;
                return Ok(Some(LineEvent::Unterminated {
                    text: &self.buf[tail..self.end],
                }));
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let read = loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if read == 0 {
            self.eof = true;
        }
        self.end += read;
        Ok(())
    }

    /// Discards the current over-long line up to and including its newline.
    fn skip_long_line(&mut self) -> io::Result<LineEvent<'static>> {
        let mut consumed = 0;
        loop {
            if let Some(pos) = memchr::memchr(b'\n', &self.buf[self.start..self.end]) {
                consumed += pos + 1;
                self.start += pos + 1;
                return Ok(LineEvent::TooLong { consumed });
            }
            consumed += self.end - self.start;
            self.start = 0;
            self.end = 0;
            if self.eof {
                return Ok(LineEvent::UnterminatedTooLong { len: consumed });
            }
            self.fill()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(event) = reader.next_line().unwrap() {
            out.push(match event {
                LineEvent::Line { text, consumed } => {
                    format!("line:{}:{consumed}", String::from_utf8_lossy(text))
                }
                LineEvent::TooLong { consumed } => format!("long:{consumed}"),
                LineEvent::Unterminated { text } => {
                    format!("tail:{}", String::from_utf8_lossy(text))
                }
                LineEvent::UnterminatedTooLong { len } => format!("long-tail:{len}"),
            });
        }
        out
    }

    #[test]
    fn splits_lines_and_keeps_the_tail_apart() {
        assert_eq!(
            collect(b"a\nbb\n\ncc", 10),
            vec!["line:a:2", "line:bb:3", "line::1", "tail:cc"]
        );
    }

    #[test]
    fn over_long_lines_are_skipped_whole() {
        let mut input = vec![b'x'; 5000];
        input.push(b'\n');
        input.extend_from_slice(b"ok\n");
        assert_eq!(collect(&input, 100), vec!["long:5001", "line:ok:3"]);
    }

    #[test]
    fn long_line_reaching_end_of_input() {
        let input = vec![b'y'; 3000];
        assert_eq!(collect(&input, 100), vec!["long-tail:3000"]);
        let mut input = b"ok\n".to_vec();
        input.extend(vec![b'y'; 300_000]);
        assert_eq!(collect(&input, 100), vec!["line:ok:3", "long-tail:300000"]);
    }

    #[test]
    fn lines_across_read_boundaries() {
        let mut input = Vec::new();
        for i in 0..100_000 {
            input.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let lines = collect(&input, 64);
        assert_eq!(lines.len(), 100_000);
        assert_eq!(lines[99_999], "line:line 99999:11");
    }
}
