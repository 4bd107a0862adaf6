//! isbot's pattern list (`data/isbot.tsv`, public domain): about 200 regular-expression
//! fragments describing what bots put in their user agents and browsers never do (`^\w+/…$`,
//! an email address, `check\b`, `headless`). The plain fragments form one case-insensitive
//! byte regex (ASCII classes, as in JavaScript, where isbot runs). Six fragments use
//! look-behind or look-ahead, which the `regex` crate lacks; the build script splits those
//! into a fragment and literals that must not sit right before or after a match, checked
//! here at every candidate position, so they match exactly where isbot's do (a test compares
//! them with a backtracking engine).

use std::sync::LazyLock;

use regex::bytes::{Regex, RegexBuilder};

pub(super) const ISBOT_TSV: &str = include_str!("../data/isbot.tsv");

/// A fragment that had look-around.
pub(super) struct Guarded {
    regex: Regex,
    /// Literals (lowercase) that must not end right where a match starts.
    not_preceded_by: Vec<Vec<u8>>,
    /// Literals (lowercase) that must not start right where a match ends.
    not_followed_by: Vec<Vec<u8>>,
}

impl Guarded {
    /// The first match that passes the checks, as a byte range.
    pub fn find(&self, user_agent: &[u8]) -> Option<(usize, usize)> {
        let mut at = 0;
        while at <= user_agent.len() {
            let found = self.regex.find_at(user_agent, at)?;
            let before = &user_agent[..found.start()];
            let after = &user_agent[found.end()..];
            let blocked = self
                .not_preceded_by
                .iter()
                .any(|text| ends_with_ignore_case(before, text))
                || self
                    .not_followed_by
                    .iter()
                    .any(|text| starts_with_ignore_case(after, text));
            if !blocked {
                return Some((found.start(), found.end()));
            }
            at = found.start() + 1;
        }
        None
    }
}

fn ends_with_ignore_case(text: &[u8], suffix: &[u8]) -> bool {
    text.len() >= suffix.len() && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

pub(super) struct IsbotMatcher {
    /// Every plain fragment as one alternation.
    plain: Regex,
    guarded: Vec<Guarded>,
}

pub(super) static ISBOT: LazyLock<IsbotMatcher> = LazyLock::new(IsbotMatcher::load);

/// A case-insensitive byte regex with ASCII classes (`\w`, `\d`, `\b`), as JavaScript reads them.
fn compile(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .unicode(false)
        .build()
        .unwrap_or_else(|err| panic!("isbot fragment {pattern:?} compiles: {err}"))
}

/// The rows of `isbot.tsv`: (fragment, not preceded by, not followed by).
pub(super) fn rows() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    ISBOT_TSV
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let mut columns = line.split('\t');
            Some((columns.next()?, columns.next()?, columns.next()?))
        })
}

fn literals(column: &str) -> Vec<Vec<u8>> {
    if column == "-" {
        return Vec::new();
    }
    column
        .split('|')
        .map(|text| text.to_ascii_lowercase().into_bytes())
        .collect()
}

impl IsbotMatcher {
    fn load() -> IsbotMatcher {
        let mut plain = Vec::new();
        let mut guarded = Vec::new();
        for (fragment, before, after) in rows() {
            if before == "-" && after == "-" {
                plain.push(format!("(?:{fragment})"));
            } else {
                guarded.push(Guarded {
                    regex: compile(fragment),
                    not_preceded_by: literals(before),
                    not_followed_by: literals(after),
                });
            }
        }
        IsbotMatcher {
            plain: compile(&plain.join("|")),
            guarded,
        }
    }

    /// The leftmost place any fragment matches, as a byte range; None when none does.
    pub fn find(&self, user_agent: &str) -> Option<(usize, usize)> {
        let bytes = user_agent.as_bytes();
        let plain = self.plain.find(bytes).map(|m| (m.start(), m.end()));
        self.guarded
            .iter()
            .filter_map(|fragment| fragment.find(bytes))
            .chain(plain)
            .min_by_key(|(start, _)| *start)
    }

    /// Fragment `index` (in `isbot.tsv` order) on its own: for the agreement test.
    #[cfg(test)]
    pub fn fragment(index: usize) -> Guarded {
        let (fragment, before, after) = rows().nth(index).expect("a fragment");
        Guarded {
            regex: compile(fragment),
            not_preceded_by: literals(before),
            not_followed_by: literals(after),
        }
    }
}
