//! The shipped list of ordinary lowercase English words (`data/ordinary_words.txt`, from SCOWL;
//! rebuilt only by `tools/build_word_list.py`) and the English day and month names: what
//! `match = "auto"` consults to decide that a brand name is also a word.

use std::sync::LazyLock;

/// The embedded list: `#` header lines, then one word a line, sorted by byte order.
const WORD_LIST: &str = include_str!("data/ordinary_words.txt");

static WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    WORD_LIST
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .collect()
});

/// The days of the week, lowercase.
pub(super) const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The months, lowercase.
pub(super) const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// True when `name` is one word that the list holds in lowercase ("Notion", "apple"); false
/// for several words, names with digits or punctuation, and names only written capitalised.
pub(super) fn is_ordinary_word(name: &str) -> bool {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    WORDS.binary_search(&lower.as_str()).is_ok()
}

/// Whether a name is a day of the week or a month (any case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Calendar {
    Day,
    Month,
}

/// The calendar word `word` is (compared lowercase), if any.
pub(super) fn calendar_word(word: &str) -> Option<Calendar> {
    let lower = word.trim().to_lowercase();
    if DAYS.contains(&lower.as_str()) {
        Some(Calendar::Day)
    } else if MONTHS.contains(&lower.as_str()) {
        Some(Calendar::Month)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_lowercase_and_large() {
        assert!(WORDS.len() > 50_000, "{}", WORDS.len());
        assert!(
            WORDS.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
        assert!(
            WORDS
                .iter()
                .all(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_lowercase()))
        );
        assert!(WORD_LIST.contains("SCOWL") && WORD_LIST.contains("Licence"));
    }

    #[test]
    fn ordinary_words_and_names() {
        for word in [
            "Notion", "notion", "Linear", "Slack", "Zoom", "Square", "Apple", "Stripe", "Buffer",
            "Discord", "Signal", "Box", "Loom", "BOX",
        ] {
            assert!(is_ordinary_word(word), "{word}");
        }
        for name in [
            "Monday",
            "Shopify",
            "Figma",
            "Globex",
            "Notion HQ",
            "monday.com",
            "Zoom2",
            "",
            " ",
            "Élan",
            "x",
        ] {
            assert!(!is_ordinary_word(name), "{name}");
        }
    }

    #[test]
    fn days_and_months() {
        assert_eq!(calendar_word("Monday"), Some(Calendar::Day));
        assert_eq!(calendar_word("SUNDAY"), Some(Calendar::Day));
        assert_eq!(calendar_word("May"), Some(Calendar::Month));
        assert_eq!(calendar_word("Mondays"), None);
        assert_eq!(calendar_word("Notion"), None);
    }
}
