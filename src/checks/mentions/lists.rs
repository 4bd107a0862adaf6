//! List positions: which numbered or bulleted list item (1-based, by order in its list)
//! covers a byte of the answer.

use std::ops::Range;

/// A list marker at the start of a line: numbered (with the number written) or a bullet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marker {
    Numbered(u64),
    Bullet,
}

pub(super) fn is_bullet(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('-' | '*' | '+' | '•')) && matches!(chars.next(), Some(' ' | '\t'))
}

pub(super) fn strip_emphasis(s: &str) -> &str {
    s.strip_prefix("**")
        .or_else(|| s.strip_prefix("__"))
        .unwrap_or(s)
}

/// `12. `, `3) `, also `1.** ` (bold closed right after the marker) or a bare `1.`.
pub(super) fn numbered(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let rest = s.get(digits..)?;
    let rest = rest.strip_prefix('.').or_else(|| rest.strip_prefix(')'))?;
    let rest = strip_emphasis(rest);
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    s.get(..digits)?.parse().ok()
}

/// Strips a markdown heading prefix (`### `), if any.
pub(super) fn strip_heading(s: &str) -> Option<&str> {
    let hashes = s.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = s.get(hashes..)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim_start())
}

/// The list marker a (left-trimmed) line starts with, if any.
pub(super) fn item_marker(line: &str) -> Option<Marker> {
    if is_bullet(line) {
        return Some(Marker::Bullet);
    }
    if let Some(heading) = strip_heading(line) {
        return numbered(strip_emphasis(heading)).map(Marker::Numbered);
    }
    let unbold = strip_emphasis(line);
    if let Some(n) = numbered(unbold) {
        return Some(Marker::Numbered(n));
    }
    (unbold.len() < line.len() && is_bullet(unbold)).then_some(Marker::Bullet)
}

/// Leading whitespace width (a tab counts as 4).
pub(super) fn indent_width(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The list currently being read (or the last one, for resuming numbering).
#[derive(Debug, Clone, Copy)]
pub(super) struct ListState {
    open: bool,
    numbered: bool,
    base_indent: usize,
    position: u32,
    last_number: Option<u64>,
}

impl ListState {
    /// Handles a top-level item line and returns its position.
    fn top_item(&mut self, marker: Marker, indent: usize) -> u32 {
        let number = match marker {
            Marker::Numbered(n) => Some(n),
            Marker::Bullet => None,
        };
        let resumes = !self.open
            && self.numbered
            && matches!((self.last_number, number), (Some(a), Some(b)) if a.checked_add(1) == Some(b));
        let same_kind = self.numbered == number.is_some();
        let same_list = (self.open && same_kind) || resumes;
        self.position = if same_list {
            self.position.saturating_add(1)
        } else {
            1
        };
        self.open = true;
        self.numbered = number.is_some();
        self.base_indent = indent;
        self.last_number = number;
        self.position
    }

    /// The position a line belongs to, updating the state.
    fn line(&mut self, line: &str) -> Option<u32> {
        let rest = line.trim_start();
        if rest.is_empty() {
            return None;
        }
        let indent = indent_width(line);
        let deeper = self.open && indent > self.base_indent;
        match item_marker(rest) {
            Some(_) if deeper && indent >= self.base_indent + 2 => Some(self.position),
            // Bullets right under a numbered item are its sub-points.
            Some(Marker::Bullet) if self.open && self.numbered => Some(self.position),
            Some(marker) => Some(self.top_item(marker, indent)),
            None if deeper => Some(self.position),
            None => {
                self.open = false;
                None
            }
        }
    }
}

/// Byte spans of list items (item lines and their continuation lines) with their
/// 1-based position in their list; sorted and disjoint.
pub(super) fn list_items(text: &str) -> Vec<(Range<usize>, u32)> {
    let mut state = ListState {
        open: false,
        numbered: false,
        base_indent: 0,
        position: 0,
        last_number: None,
    };
    let mut items = Vec::new();
    let mut start = 0;
    for raw in text.split_inclusive('\n') {
        let end = start + raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        if let Some(pos) = state.line(line) {
            items.push((start..end, pos));
        }
        start = end;
    }
    items
}

pub(super) fn position_at(items: &[(Range<usize>, u32)], byte: usize) -> Option<u32> {
    let idx = items.partition_point(|(span, _)| span.end <= byte);
    items
        .get(idx)
        .filter(|(span, _)| span.start <= byte)
        .map(|(_, pos)| *pos)
}
