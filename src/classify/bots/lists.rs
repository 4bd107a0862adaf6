//! The named lists (`data/bots.tsv`): AI crawlers and agents with operator and purpose, the
//! crawler list's literals, generic automation tokens (`curl/`, `python-requests`, `headless`)
//! and browser tokens that contain a bot marker (the phone maker `Cubot`). One
//! ASCII-case-insensitive Aho-Corasick scan: a contiguous NFA built once per process (0.4 MB,
//! 8 ms) that checks a 130-byte browser user agent in about 0.7 µs.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::AiPurpose;

pub(super) const BOTS_TSV: &str = include_str!("../data/bots.tsv");

/// What a matched substring means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Ai,
    Bot,
    /// A browser token containing a bot marker (the phone maker `Cubot`): not a bot.
    Browser,
}

/// Where a substring must sit in the user agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Anywhere,
    Start,
    End,
}

/// An AI agent as the lists describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Listed {
    pub name: &'static str,
    pub operator: Option<&'static str>,
    pub purpose: Option<AiPurpose>,
}

/// One row of `bots.tsv`.
#[derive(Debug)]
pub(super) struct Pattern {
    pub kind: Kind,
    anchor: Anchor,
    /// Set for AI agents; other bots are named by their product token in the user agent.
    pub listed: Option<Listed>,
}

impl Pattern {
    fn parse(row: &[&'static str]) -> Option<(&'static str, Pattern)> {
        let [substring, kind, anchor, name, operator, purpose] = row[..] else {
            return None;
        };
        let kind = match kind {
            "ai" => Kind::Ai,
            "bot" => Kind::Bot,
            "browser" => Kind::Browser,
            _ => return None,
        };
        let anchor = match anchor {
            "start" => Anchor::Start,
            "end" => Anchor::End,
            _ => Anchor::Anywhere,
        };
        let listed = (kind == Kind::Ai).then(|| Listed {
            name,
            operator: (operator != "-").then_some(operator),
            purpose: AiPurpose::parse(purpose),
        });
        Some((
            substring,
            Pattern {
                kind,
                anchor,
                listed,
            },
        ))
    }
}

/// A generic bot marker that contains an AI agent's marker (`perplexitybot/` from the
/// crawler list, `perplexitybot` from the AI list) is that AI agent: the scan reports the
/// longest match at a position, which would otherwise hide the AI agent's name and purpose.
fn inherit_ai_agents(substrings: &[&str], mut patterns: Vec<Pattern>) -> Vec<Pattern> {
    let ai: Vec<(String, Listed)> = substrings
        .iter()
        .zip(&patterns)
        .filter_map(|(s, p)| Some((s.to_ascii_lowercase(), p.listed?)))
        .collect();
    for (substring, pattern) in substrings.iter().zip(patterns.iter_mut()) {
        if pattern.kind != Kind::Bot {
            continue;
        }
        let lower = substring.to_ascii_lowercase();
        let inner = ai
            .iter()
            .filter(|(marker, _)| lower.contains(marker.as_str()))
            .max_by_key(|(marker, _)| marker.len());
        if let Some((_, listed)) = inner {
            pattern.kind = Kind::Ai;
            pattern.listed = Some(*listed);
        }
    }
    patterns
}

/// A bot substring found in a user agent.
pub(super) struct Found<'a> {
    pub pattern: &'a Pattern,
    pub start: usize,
    pub end: usize,
}

pub(super) struct ListMatcher {
    automaton: AhoCorasick,
    /// Indexed by the automaton's pattern id.
    pub patterns: Vec<Pattern>,
}

pub(super) static LISTS: LazyLock<ListMatcher> = LazyLock::new(ListMatcher::load);

impl ListMatcher {
    fn load() -> ListMatcher {
        let (substrings, patterns): (Vec<&str>, Vec<Pattern>) = BOTS_TSV
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .filter_map(|line| Pattern::parse(&line.split('\t').collect::<Vec<_>>()))
            .unzip();
        let patterns = inherit_ai_agents(&substrings, patterns);
        // A contiguous NFA: under 0.5 MB (a DFA takes 7 MB) and under 1 µs a scan; callers
        // cache verdicts per user agent, so the scan runs once per distinct agent.
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(&substrings)
            .expect("the embedded bot list builds an automaton");
        ListMatcher {
            automaton,
            patterns,
        }
    }

    /// The bot patterns found in `user_agent`, left to right (browser tokens and misplaced
    /// anchored substrings left out).
    pub fn bots_in<'a>(&'a self, user_agent: &'a str) -> impl Iterator<Item = Found<'a>> {
        self.automaton
            .find_iter(user_agent)
            .filter_map(move |found| {
                let pattern = &self.patterns[found.pattern().as_usize()];
                let placed = match pattern.anchor {
                    Anchor::Anywhere => true,
                    Anchor::Start => found.start() == 0,
                    Anchor::End => found.end() == user_agent.len(),
                };
                (placed && pattern.kind != Kind::Browser).then_some(Found {
                    pattern,
                    start: found.start(),
                    end: found.end(),
                })
            })
    }
}
