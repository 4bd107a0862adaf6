//! Small text helpers shared by the URL parsers and ingest: cutting untrusted text to a byte budget on a
//! character boundary, and cleaning decoded query values.

use std::borrow::Cow;

/// `text` cut to at most `max` bytes, on a character boundary.
pub fn cap(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// A decoded query value made fit to keep: control characters removed, trimmed, capped at
/// `max` bytes; None when nothing is left.
pub(super) fn clean_value(value: Cow<'_, str>, max: usize) -> Option<String> {
    let value = if value.chars().any(char::is_control) {
        Cow::Owned(value.chars().filter(|c| !c.is_control()).collect())
    } else {
        value
    };
    let value = value.trim();
    (!value.is_empty()).then(|| cap(value, max).trim_end().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_cuts_on_a_char_boundary() {
        assert_eq!(cap("abc", 5), "abc");
        assert_eq!(cap("abcdef", 3), "abc");
        assert_eq!(cap("aé", 2), "a");
        assert_eq!(cap("😀😀", 5), "😀");
        assert_eq!(cap("", 0), "");
        assert_eq!(cap("héllo", 2), "h");
        assert_eq!(cap("abc", 10), "abc");
    }

    #[test]
    fn clean_value_trims_and_drops_control_characters() {
        assert_eq!(clean_value(" a b ".into(), 10).as_deref(), Some("a b"));
        assert_eq!(clean_value("a\u{0}b\r\n".into(), 10).as_deref(), Some("ab"));
        assert_eq!(clean_value("  ".into(), 10), None);
        assert_eq!(clean_value("abc def".into(), 4).as_deref(), Some("abc"));
    }
}
