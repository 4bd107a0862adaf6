//! Finding http(s) URLs in answer text: where each starts and where trailing punctuation,
//! quotes and unmatched brackets end it.

use std::ops::Range;

/// Chars that end a URL in running text.
pub(super) fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(
            c,
            '<' | '>'
                | '"'
                | '`'
                | '|'
                | '{'
                | '}'
                | '^'
                | '\\'
                | '。'
                | '，'
                | '、'
                | '）'
                | '」'
                | '』'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
        )
}

/// Chars trimmed from the end of a URL: sentence punctuation, quotes, emphasis marks.
pub(super) fn trailing_junk(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~'
    )
}

/// Byte offset where the URL starting at `start` (scheme included) ends.
pub(super) fn scan_url_end(text: &str, start: usize) -> usize {
    let Some(rest) = text.get(start..) else {
        return start;
    };
    let (mut parens, mut brackets) = (0usize, 0usize);
    let mut end = text.len();
    for (i, c) in rest.char_indices() {
        let stop = match c {
            '(' => {
                parens += 1;
                false
            }
            '[' => {
                brackets += 1;
                false
            }
            ')' => parens.checked_sub(1).map(|p| parens = p).is_none(),
            ']' => brackets.checked_sub(1).map(|b| brackets = b).is_none(),
            _ => ends_url(c),
        };
        if stop {
            end = start + i;
            break;
        }
    }
    let trimmed = text
        .get(start..end)
        .unwrap_or("")
        .trim_end_matches(trailing_junk);
    start + trimmed.len()
}

/// Length of the `http://` / `https://` scheme ending at byte `sep` (the `://`).
pub(super) fn scheme_len(text: &str, sep: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let ends_with = |word: &[u8]| {
        sep.checked_sub(word.len())
            .and_then(|s| bytes.get(s..sep))
            .is_some_and(|b| b.eq_ignore_ascii_case(word))
    };
    if ends_with(b"https") {
        Some(5)
    } else if ends_with(b"http") {
        Some(4)
    } else {
        None
    }
}

/// Byte spans of every http(s) URL in the text, in order, trimmed, disjoint.
pub(super) fn url_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans: Vec<Range<usize>> = Vec::new();
    let mut next_free = 0;
    for (sep, _) in text.match_indices("://") {
        let Some(scheme) = scheme_len(text, sep) else {
            continue;
        };
        let start = sep - scheme;
        if start < next_free {
            continue;
        }
        let end = scan_url_end(text, start);
        if end > sep + 3 {
            spans.push(start..end);
            next_free = end;
        }
    }
    spans
}
