//! Name matching: case folding with whitespace collapsed, word boundaries that survive
//! markdown and possessives, longest non-overlapping matches outside URLs that the entity's
//! rules accept (`rules`, `links`), and the rank of each entity by first appearance.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::citations::{OwnedDomain, owned_domains};
use super::links::{DomainFinder, in_own_domain, link_mentions};
use super::lists::{list_items, position_at};
use super::rules::{CaseRule, Covered, EntityRules, Excludes, ruled_out_by_context};
use super::words::Calendar;
use super::{Entity, Mention};

/// Most underscores skipped when checking a word boundary (markdown `_x_` / `__x__`).
const MAX_EMPHASIS_UNDERSCORES: usize = 3;

/// Lowercases one char when that yields exactly one char (covers ASCII, Latin, Greek,
/// Cyrillic); other chars are kept as they are.
pub(super) fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The answer text case-folded with every whitespace run collapsed to one space.
pub(super) struct Folded {
    pub(super) text: String,
    /// `map[i]` = byte offset in the original text of the char at folded byte `i`;
    /// `map[text.len()]` = original length.
    pub(super) map: Vec<usize>,
}

pub(super) fn fold_text(text: &str) -> Folded {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    let mut in_space = false;
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                map.push(i);
            }
            in_space = true;
            continue;
        }
        in_space = false;
        let f = fold_char(c);
        out.push(f);
        map.extend(std::iter::repeat_n(i, f.len_utf8()));
    }
    map.push(text.len());
    Folded { text: out, map }
}

/// A name or alias folded like the text; empty when it has no visible characters.
pub(super) fn fold_pattern(name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| w.chars().map(fold_char).collect())
        .collect();
    words.join(" ")
}

// ---------------------------------------------------------------------------
// Name matching
// ---------------------------------------------------------------------------

pub(super) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || ('\u{300}'..='\u{36f}').contains(&c)
}

/// True when the chars yielded by `outward` (moving away from a match) do not continue a
/// word. A short run of `_` (markdown emphasis) is a boundary unless a word char follows it.
pub(super) fn is_boundary(mut outward: impl Iterator<Item = char>) -> bool {
    for _ in 0..=MAX_EMPHASIS_UNDERSCORES {
        match outward.next() {
            None => return true,
            Some('_') => {}
            Some(c) => return !is_word_char(c),
        }
    }
    false
}

pub(super) fn has_word_boundaries(text: &str, span: &Range<usize>) -> bool {
    let before = text.get(..span.start).map(|s| s.chars().rev());
    let after = text.get(span.end..).map(str::chars);
    match (before, after) {
        (Some(b), Some(a)) => is_boundary(b) && is_boundary(a),
        _ => false,
    }
}

/// True when `span` overlaps any of the sorted, disjoint `urls`.
pub(super) fn inside_url(urls: &[Range<usize>], span: &Range<usize>) -> bool {
    let idx = urls.partition_point(|u| u.end <= span.start);
    urls.get(idx).is_some_and(|u| u.start < span.end)
}

/// What one compiled pattern stands for: its entity, how it must be written, and whether it
/// is a day or month name the calendar rules apply to.
#[derive(Debug, Clone)]
struct Pattern {
    owner: usize,
    case: CaseRule,
    calendar: Option<Calendar>,
}

/// Distinct folded patterns and what each stands for. Names of one entity that fold alike
/// share a pattern (accepted when either name's case rule accepts); across entities the first
/// wins.
fn build_patterns(entities: &[Entity], rules: &[EntityRules]) -> (Vec<String>, Vec<Pattern>) {
    let mut patterns: Vec<String> = Vec::new();
    let mut info: Vec<Pattern> = Vec::new();
    for (idx, entity) in entities.iter().enumerate() {
        for name in std::iter::once(&entity.name).chain(&entity.aliases) {
            let folded = fold_pattern(name);
            if folded.is_empty() {
                continue;
            }
            let case = CaseRule::for_name(name, entity.rules.mode);
            match patterns.iter().position(|p| *p == folded) {
                Some(at) => {
                    if let Some(existing) = info.get_mut(at).filter(|p| p.owner == idx) {
                        existing.case.merge(case);
                    }
                }
                None => {
                    patterns.push(folded);
                    info.push(Pattern {
                        owner: idx,
                        case,
                        calendar: rules.get(idx).and_then(|r| r.calendar_of(name)),
                    });
                }
            }
        }
    }
    (patterns, info)
}

/// The entities' names and aliases compiled into one automaton, with what each pattern stands
/// for, each entity's rules and exclude phrases. No automaton when no name has a visible
/// character.
#[derive(Debug, Clone)]
pub(super) struct Names {
    automaton: Option<AhoCorasick>,
    patterns: Vec<Pattern>,
    rules: Vec<EntityRules>,
    excludes: Excludes,
    written_domains: DomainFinder,
}

impl Names {
    pub(super) fn new(entities: &[Entity]) -> Names {
        let rules: Vec<EntityRules> = entities.iter().map(EntityRules::new).collect();
        let (folded, patterns) = build_patterns(entities, &rules);
        let automaton = if folded.is_empty() {
            None
        } else {
            AhoCorasick::builder()
                .match_kind(MatchKind::Standard)
                .build(&folded)
                .ok()
        };
        let links: Vec<bool> = rules.iter().map(|r| r.links).collect();
        Names {
            automaton,
            patterns,
            rules,
            excludes: Excludes::new(entities),
            written_domains: DomainFinder::new(&owned_domains(entities), &links),
        }
    }

    /// Whether the entity's rules accept the occurrence at `span` of `pattern`: written as
    /// its case rule asks, outside the entity's exclude phrases and not ruled out by the words
    /// around it; or part of one of the entity's own domains (in any case when the entity's
    /// links count).
    fn accepts(
        &self,
        text: &str,
        span: &Range<usize>,
        pattern: &Pattern,
        excluded: &[Covered],
        domains: &[OwnedDomain],
    ) -> bool {
        let Some(rules) = self.rules.get(pattern.owner) else {
            return false;
        };
        let case_ok = text
            .get(span.clone())
            .is_some_and(|o| pattern.case.accepts(o));
        if case_ok
            && !excluded.get(pattern.owner).is_some_and(|c| c.covers(span))
            && !ruled_out_by_context(text, span, rules, pattern.calendar)
        {
            return true;
        }
        (case_ok || rules.links) && in_own_domain(text, span, pattern.owner, domains)
    }

    /// Per entity, whether links to its domains count as mentions.
    fn links(&self) -> Vec<bool> {
        self.rules.iter().map(|r| r.links).collect()
    }
}

/// Accepted matches as (original byte span, entity index), leftmost first, longest
/// at a position, never overlapping, never inside a URL, always on word boundaries, each
/// accepted by its entity's rules.
pub(super) fn match_names(
    text: &str,
    urls: &[Range<usize>],
    names: &Names,
    domains: &[OwnedDomain],
) -> Vec<(Range<usize>, usize)> {
    let Some(ac) = &names.automaton else {
        return Vec::new();
    };
    let folded = fold_text(text);
    let excluded = names.excludes.find(text, &folded, names.rules.len());
    let mut candidates: Vec<(Range<usize>, usize)> = ac
        .find_overlapping_iter(&folded.text)
        .filter_map(|m| {
            let span = *folded.map.get(m.start())?..*folded.map.get(m.end())?;
            let pattern = names.patterns.get(m.pattern().as_usize())?;
            let ok = has_word_boundaries(text, &span)
                && !inside_url(urls, &span)
                && names.accepts(text, &span, pattern, &excluded, domains);
            ok.then_some((span, pattern.owner))
        })
        .collect();
    candidates.sort_by(|a, b| (a.0.start, b.0.end, a.1).cmp(&(b.0.start, a.0.end, b.1)));
    let mut accepted = Vec::new();
    let mut last_end = 0;
    for (span, owner) in candidates {
        if span.start >= last_end {
            last_end = span.end;
            accepted.push((span, owner));
        }
    }
    accepted
}

/// One mention per entity (in `entities` order); `names` and `domains` are compiled from
/// `entities`.
pub(super) fn find_mentions(
    text: &str,
    urls: &[Range<usize>],
    entities: &[Entity],
    names: &Names,
    domains: &[OwnedDomain],
) -> Vec<Mention> {
    let mut counts = vec![0u32; entities.len()];
    let mut firsts: Vec<Option<usize>> = vec![None; entities.len()];
    let mut found = match_names(text, urls, names, domains);
    let written = names.written_domains.find(text, urls);
    let bare: Vec<(Range<usize>, usize)> = written
        .into_iter()
        .filter(|(span, owner)| !overlaps_owner(&found, span, *owner))
        .collect();
    found.extend(bare);
    found.sort_by_key(|(span, _)| span.start);
    let links = link_mentions(text, urls, domains, &names.links(), &found);
    let at = found.iter().map(|(span, owner)| (span.start, *owner));
    for (offset, owner) in at.chain(links) {
        if let (Some(count), Some(first)) = (counts.get_mut(owner), firsts.get_mut(owner)) {
            *count = count.saturating_add(1);
            *first = Some(first.map_or(offset, |f| f.min(offset)));
        }
    }
    let items = list_items(text);
    let ranks = ranks_by_offset(&firsts);
    entities
        .iter()
        .enumerate()
        .map(|(idx, entity)| {
            let first = firsts.get(idx).copied().flatten();
            Mention {
                entity: entity.name.clone(),
                role: entity.role,
                count: counts.get(idx).copied().unwrap_or(0),
                first_offset: first.map(|b| char_offset(text, b)),
                rank: ranks.get(idx).copied().flatten(),
                list_position: first.and_then(|b| position_at(&items, b)),
            }
        })
        .collect()
}

/// True when one of `matched` (sorted, disjoint) of entity `owner` overlaps `span`.
fn overlaps_owner(matched: &[(Range<usize>, usize)], span: &Range<usize>, owner: usize) -> bool {
    let from = matched.partition_point(|(s, _)| s.end <= span.start);
    matched
        .get(from..)
        .unwrap_or(&[])
        .iter()
        .take_while(|(s, _)| s.start < span.end)
        .any(|(_, o)| *o == owner)
}

pub(super) fn char_offset(text: &str, byte: usize) -> u32 {
    let chars = text.get(..byte).map_or(0, |s| s.chars().count());
    u32::try_from(chars).unwrap_or(u32::MAX)
}

/// 1-based rank of each mentioned entity by first byte offset (same order as chars).
pub(super) fn ranks_by_offset(firsts: &[Option<usize>]) -> Vec<Option<u32>> {
    let mut order: Vec<(usize, usize)> = firsts
        .iter()
        .enumerate()
        .filter_map(|(idx, first)| Some(((*first)?, idx)))
        .collect();
    order.sort_unstable();
    let mut ranks = vec![None; firsts.len()];
    for (rank, (_, idx)) in order.into_iter().enumerate() {
        if let Some(slot) = ranks.get_mut(idx) {
            *slot = u32::try_from(rank + 1).ok();
        }
    }
    ranks
}
