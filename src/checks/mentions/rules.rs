//! The rules that drop an occurrence of a name: how it must be written (the match mode), the
//! words directly around it (`not_before`, `not_after`, and in `auto` the calendar senses of
//! day and month names) and the exclude phrases it sits in.
//!
//! Neighbouring words are read past spaces, tabs, markdown emphasis and code marks, quotes and
//! brackets, but never past a line break or other punctuation: in "every **Monday**" the word
//! before Monday is "every", in "every day. Monday" there is none.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::names::{Folded, fold_char, fold_pattern, has_word_boundaries};
use super::words::{Calendar, calendar_word, is_ordinary_word};
use super::{Entity, MatchMode};

/// Most chars passed over between an occurrence and the word next to it.
const MAX_GAP: usize = 16;
/// Longest neighbouring word read, in chars (a longer one is cut, and matches no listed word).
const MAX_WORD: usize = 48;

/// Words that make a day or month name a date in `auto`, when the entity sets no `not_before`
/// ("every Monday", "until March"). "from" is left out: "migrating from Monday" names the
/// product, while "from Monday to Friday" is caught as a range.
pub(super) const CALENDAR_NOT_BEFORE: [&str; 13] = [
    "every", "on", "next", "last", "this", "each", "by", "until", "since", "before", "after",
    "through", "till",
];
/// Also before a month name: "in March", "end of June", "early April".
pub(super) const MONTH_NOT_BEFORE: [&str; 5] = ["in", "of", "early", "late", "mid"];
/// After a day name, the time of day makes it a date ("Monday morning").
pub(super) const TIME_OF_DAY: [&str; 10] = [
    "morning",
    "mornings",
    "afternoon",
    "afternoons",
    "evening",
    "evenings",
    "night",
    "nights",
    "noon",
    "midnight",
];
/// Words joining two days or months into a range or list ("Monday to Friday").
const RANGE_WORDS: [&str; 7] = ["to", "through", "thru", "till", "until", "and", "or"];
/// Marks joining two days or months ("Monday–Friday", "Monday/Tuesday", "Monday, Tuesday").
const RANGE_MARKS: [char; 6] = ['-', '–', '—', '/', '&', ','];

/// How an occurrence of one pattern must be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CaseRule {
    Any,
    /// The accepted spellings, each as its words (whitespace runs do not matter).
    Exact(Vec<Vec<String>>),
}

impl CaseRule {
    /// The rule for `name` under `mode`: exact (as written or all capitals) for `exact_case`,
    /// and for `auto` when the name is an ordinary word; any case otherwise.
    pub(super) fn for_name(name: &str, mode: MatchMode) -> CaseRule {
        let exact = match mode {
            MatchMode::AnyCase => false,
            MatchMode::ExactCase => true,
            MatchMode::Auto => is_ordinary_word(name),
        };
        if !exact {
            return CaseRule::Any;
        }
        let words = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
        let mut spellings = vec![words(name)];
        let upper = words(&name.to_uppercase());
        if upper != spellings[0] {
            spellings.push(upper);
        }
        CaseRule::Exact(spellings)
    }

    /// Combines the rules of two names of one entity that fold to the same pattern.
    pub(super) fn merge(&mut self, other: CaseRule) {
        let CaseRule::Exact(theirs) = other else {
            *self = CaseRule::Any;
            return;
        };
        if let CaseRule::Exact(mine) = self {
            for spelling in theirs {
                if !mine.contains(&spelling) {
                    mine.push(spelling);
                }
            }
        }
    }

    /// Whether `occurrence` (the text matched) is written as this rule asks.
    pub(super) fn accepts(&self, occurrence: &str) -> bool {
        match self {
            CaseRule::Any => true,
            CaseRule::Exact(spellings) => spellings.iter().any(|s| {
                occurrence
                    .split_whitespace()
                    .eq(s.iter().map(String::as_str))
            }),
        }
    }
}

/// One entity's rules, compiled.
#[derive(Debug, Clone)]
pub(super) struct EntityRules {
    auto: bool,
    /// Folded lowercase.
    not_before: Vec<String>,
    not_after: Vec<String>,
    /// `auto` with a name that is an ordinary word or a day or month name: the entity's own
    /// domains and links to them count in any case.
    pub(super) links: bool,
}

impl EntityRules {
    pub(super) fn new(entity: &Entity) -> EntityRules {
        let fold = |words: &[String]| -> Vec<String> {
            words
                .iter()
                .map(|w| fold_pattern(w))
                .filter(|w| !w.is_empty())
                .collect()
        };
        let auto = entity.rules.mode == MatchMode::Auto;
        EntityRules {
            auto,
            not_before: fold(&entity.rules.not_before),
            not_after: fold(&entity.rules.not_after),
            links: auto
                && std::iter::once(&entity.name)
                    .chain(&entity.aliases)
                    .any(|n| is_ordinary_word(n) || calendar_word(n).is_some()),
        }
    }

    /// The calendar kind of a pattern, when its entity gives it the calendar rules (`auto`).
    pub(super) fn calendar_of(&self, name: &str) -> Option<Calendar> {
        if self.auto { calendar_word(name) } else { None }
    }
}

/// What sits next to an occurrence: a word (folded lowercase) or one other char.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Mark(char),
}

impl Token {
    fn word(&self) -> Option<&str> {
        match self {
            Token::Word(w) => Some(w),
            Token::Mark(_) => None,
        }
    }
}

/// Chars passed over when looking for the neighbouring word.
fn passed_over(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{a0}'
            | '*'
            | '_'
            | '~'
            | '`'
            | '"'
            | '\''
            | '“'
            | '”'
            | '‘'
            | '’'
            | '('
            | ')'
            | '['
            | ']'
    )
}

/// Reads one token from `chars` (moving away from an occurrence); `reversed` when moving
/// backwards, so the word's chars come last to first. Returns the token and how many bytes it
/// and the gap before it take.
fn read_token(mut chars: impl Iterator<Item = char>, reversed: bool) -> Option<(Token, usize)> {
    let mut used = 0;
    let mut gap = 0;
    let first = loop {
        let c = chars.next()?;
        used += c.len_utf8();
        if !passed_over(c) {
            break c;
        }
        gap += 1;
        if gap > MAX_GAP {
            return None;
        }
    };
    if !first.is_alphanumeric() {
        return Some((Token::Mark(first), used));
    }
    let mut word = vec![fold_char(first)];
    for c in chars {
        if !c.is_alphanumeric() || word.len() >= MAX_WORD {
            break;
        }
        used += c.len_utf8();
        word.push(fold_char(c));
    }
    if reversed {
        word.reverse();
    }
    Some((Token::Word(word.into_iter().collect()), used))
}

/// The token after byte `pos`, and the byte where it ends.
fn token_after(text: &str, pos: usize) -> Option<(Token, usize)> {
    let rest = text.get(pos..)?;
    read_token(rest.chars(), false).map(|(t, used)| (t, pos + used))
}

/// The token before byte `pos`, and the byte where it starts.
fn token_before(text: &str, pos: usize) -> Option<(Token, usize)> {
    let head = text.get(..pos)?;
    read_token(head.chars().rev(), true).map(|(t, used)| (t, pos - used))
}

fn joins_range(token: &Token) -> bool {
    match token {
        Token::Word(w) => RANGE_WORDS.contains(&w.as_str()),
        Token::Mark(c) => RANGE_MARKS.contains(c),
    }
}

fn starts_with_digit(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// True when the words around the occurrence at `span` rule it out: a `not_before` word right
/// before it (for a day or month name in `auto` without its own list, the calendar defaults),
/// a `not_after` word right after it, or (day and month names in `auto`) a date sense.
pub(super) fn ruled_out_by_context(
    text: &str,
    span: &Range<usize>,
    rules: &EntityRules,
    calendar: Option<Calendar>,
) -> bool {
    let before = token_before(text, span.start);
    let after = token_after(text, span.end);
    if let Some(word) = before.as_ref().and_then(|(t, _)| t.word()) {
        if rules.not_before.iter().any(|w| w == word) {
            return true;
        }
        let defaults = rules.not_before.is_empty()
            && calendar.is_some_and(|kind| {
                CALENDAR_NOT_BEFORE.contains(&word)
                    || (kind == Calendar::Month && MONTH_NOT_BEFORE.contains(&word))
            });
        if defaults {
            return true;
        }
    }
    if let Some(word) = after.as_ref().and_then(|(t, _)| t.word())
        && rules.not_after.iter().any(|w| w == word)
    {
        return true;
    }
    calendar.is_some_and(|kind| is_date(text, kind, before.as_ref(), after.as_ref()))
}

/// A day or month name used as one: "Monday morning", "Monday 12th", "Monday, March 3",
/// "January 2025", "15 January", "Monday to Friday", "Saturday and Monday",
/// "Monday–Friday", "Monday, Wednesday and Friday".
fn is_date(
    text: &str,
    kind: Calendar,
    before: Option<&(Token, usize)>,
    after: Option<&(Token, usize)>,
) -> bool {
    let same_kind = |t: &Token| t.word().and_then(calendar_word) == Some(kind);
    if let Some((token, end)) = after {
        match token {
            Token::Word(w) if starts_with_digit(w) => return true,
            Token::Word(w) if kind == Calendar::Day && TIME_OF_DAY.contains(&w.as_str()) => {
                return true;
            }
            Token::Mark(',') => {
                let next = token_after(text, *end);
                if next.is_some_and(|(t, _)| {
                    t.word().is_some_and(|w| {
                        starts_with_digit(w) || calendar_word(w) == Some(Calendar::Month)
                    })
                }) {
                    return true;
                }
            }
            _ => {}
        }
        if joins_range(token) && token_after(text, *end).is_some_and(|(t, _)| same_kind(&t)) {
            return true;
        }
    }
    if let Some((token, start)) = before {
        if kind == Calendar::Month && token.word().is_some_and(starts_with_digit) {
            return true;
        }
        if joins_range(token) && token_before(text, *start).is_some_and(|(t, _)| same_kind(&t)) {
            return true;
        }
    }
    false
}

/// Every entity's exclude phrases compiled into one automaton, with the entities each
/// (folded) phrase belongs to.
#[derive(Debug, Clone)]
pub(super) struct Excludes {
    automaton: Option<AhoCorasick>,
    owners: Vec<Vec<usize>>,
}

impl Excludes {
    pub(super) fn new(entities: &[Entity]) -> Excludes {
        let mut phrases: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (idx, entity) in entities.iter().enumerate() {
            for phrase in &entity.rules.exclude {
                let folded = fold_pattern(phrase);
                if folded.is_empty() {
                    continue;
                }
                match phrases.iter().position(|p| *p == folded) {
                    Some(at) => owners[at].push(idx),
                    None => {
                        phrases.push(folded);
                        owners.push(vec![idx]);
                    }
                }
            }
        }
        let automaton = if phrases.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&phrases)
                .ok()
        };
        Excludes { automaton, owners }
    }

    /// Where each entity's exclude phrases occur in the text (whole words, any case).
    pub(super) fn find(&self, text: &str, folded: &Folded, entities: usize) -> Vec<Covered> {
        let mut spans: Vec<Vec<Range<usize>>> = vec![Vec::new(); entities];
        if let Some(ac) = &self.automaton {
            for m in ac.find_overlapping_iter(&folded.text) {
                let (Some(&start), Some(&end)) =
                    (folded.map.get(m.start()), folded.map.get(m.end()))
                else {
                    continue;
                };
                let span = start..end;
                if !has_word_boundaries(text, &span) {
                    continue;
                }
                for &owner in self
                    .owners
                    .get(m.pattern().as_usize())
                    .into_iter()
                    .flatten()
                {
                    if let Some(list) = spans.get_mut(owner) {
                        list.push(span.clone());
                    }
                }
            }
        }
        spans.into_iter().map(Covered::new).collect()
    }
}

/// One entity's excluded spans, sorted by start, each with the furthest end reached so far.
#[derive(Debug, Clone, Default)]
pub(super) struct Covered {
    starts_and_reach: Vec<(usize, usize)>,
}

impl Covered {
    fn new(mut spans: Vec<Range<usize>>) -> Covered {
        spans.sort_by_key(|s| s.start);
        let mut reach = 0;
        let starts_and_reach = spans
            .into_iter()
            .map(|s| {
                reach = reach.max(s.end);
                (s.start, reach)
            })
            .collect();
        Covered { starts_and_reach }
    }

    /// True when `span` lies inside one of the excluded spans.
    pub(super) fn covers(&self, span: &Range<usize>) -> bool {
        let idx = self
            .starts_and_reach
            .partition_point(|(start, _)| *start <= span.start);
        idx > 0
            && self
                .starts_and_reach
                .get(idx - 1)
                .is_some_and(|(_, reach)| *reach >= span.end)
    }
}
