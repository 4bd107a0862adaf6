//! Mention and citation extraction from one AI answer (pure, no I/O).
//!
//! Owns the rules that decide whether an answer names a tracked entity (whole-word,
//! case-insensitive, longest match wins, URLs skipped), where it first appears (character
//! offset, rank, list position) and which URLs the answer cites (provider-supplied and
//! in-text), with each URL's registrable domain and owning entity.

use std::collections::HashSet;
use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use url::{Host, Url};

/// Most citations kept for one answer.
const MAX_CITATIONS: usize = 200;
/// Longest URL (in bytes) kept as a citation.
const MAX_URL_LEN: usize = 2048;
/// Most underscores skipped when checking a word boundary (markdown `_x_` / `__x__`).
const MAX_EMPHASIS_UNDERSCORES: usize = 3;

/// Whether a tracked entity is the site's brand or a competitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Brand,
    Competitor,
}

/// A tracked entity: its display name, other names it goes by, and its web domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub name: String,
    pub aliases: Vec<String>,
    pub domains: Vec<String>,
    pub role: Role,
}

/// How one entity appears in one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The entity's name.
    pub entity: String,
    pub role: Role,
    /// Non-overlapping matches of the name or any alias; 0 = not mentioned.
    pub count: u32,
    /// Character (not byte) offset of the first mention.
    pub first_offset: Option<u32>,
    /// 1-based rank among the mentioned entities by first appearance.
    pub rank: Option<u32>,
    /// 1-based position of the list item holding the first mention, if it is in a list.
    pub list_position: Option<u32>,
}

/// Where a cited URL came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Supplied by the AI provider's citation metadata.
    Provider,
    /// Found in the answer text.
    Text,
}

/// One cited URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    pub url: String,
    /// Registrable domain (lowercase); the host itself for IPs and single-label hosts.
    pub domain: String,
    /// The entity whose configured domains contain the URL's host.
    pub owner: Option<(String, Role)>,
    pub origin: Origin,
}

/// Everything extracted from one answer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extraction {
    /// One per input entity, in input order.
    pub mentions: Vec<Mention>,
    /// Provider citations first, then in-text URLs, deduplicated.
    pub citations: Vec<Citation>,
}

/// Extracts entity mentions and cited URLs from one answer.
///
/// Never panics and runs in time roughly linear in `text.len()`.
#[must_use]
pub fn extract(text: &str, provider_citations: &[String], entities: &[Entity]) -> Extraction {
    let urls = url_spans(text);
    Extraction {
        mentions: find_mentions(text, &urls, entities),
        citations: collect_citations(text, &urls, provider_citations, entities),
    }
}

// ---------------------------------------------------------------------------
// Case folding and whitespace collapsing
// ---------------------------------------------------------------------------

/// Lowercases one char when that yields exactly one char (covers ASCII, Latin, Greek,
/// Cyrillic); other chars are kept as they are.
fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// The answer text case-folded with every whitespace run collapsed to one space.
struct Folded {
    text: String,
    /// `map[i]` = byte offset in the original text of the char at folded byte `i`;
    /// `map[text.len()]` = original length.
    map: Vec<usize>,
}

fn fold_text(text: &str) -> Folded {
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
fn fold_pattern(name: &str) -> String {
    let words: Vec<String> = name
        .split_whitespace()
        .map(|w| w.chars().map(fold_char).collect())
        .collect();
    words.join(" ")
}

// ---------------------------------------------------------------------------
// Name matching
// ---------------------------------------------------------------------------

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || ('\u{300}'..='\u{36f}').contains(&c)
}

/// True when the chars yielded by `outward` (moving away from a match) do not continue a
/// word. A short run of `_` (markdown emphasis) is a boundary unless a word char follows it.
fn is_boundary(mut outward: impl Iterator<Item = char>) -> bool {
    for _ in 0..=MAX_EMPHASIS_UNDERSCORES {
        match outward.next() {
            None => return true,
            Some('_') => {}
            Some(c) => return !is_word_char(c),
        }
    }
    false
}

fn has_word_boundaries(text: &str, span: &Range<usize>) -> bool {
    let before = text.get(..span.start).map(|s| s.chars().rev());
    let after = text.get(span.end..).map(str::chars);
    match (before, after) {
        (Some(b), Some(a)) => is_boundary(b) && is_boundary(a),
        _ => false,
    }
}

/// True when `span` overlaps any of the sorted, disjoint `urls`.
fn inside_url(urls: &[Range<usize>], span: &Range<usize>) -> bool {
    let idx = urls.partition_point(|u| u.end <= span.start);
    urls.get(idx).is_some_and(|u| u.start < span.end)
}

/// Distinct folded patterns and the index of the entity each belongs to (first wins).
fn build_patterns(entities: &[Entity]) -> (Vec<String>, Vec<usize>) {
    let mut patterns: Vec<String> = Vec::new();
    let mut owners = Vec::new();
    for (idx, entity) in entities.iter().enumerate() {
        for name in std::iter::once(&entity.name).chain(&entity.aliases) {
            let folded = fold_pattern(name);
            if !folded.is_empty() && !patterns.contains(&folded) {
                patterns.push(folded);
                owners.push(idx);
            }
        }
    }
    (patterns, owners)
}

/// Accepted matches as (original byte span, entity index), leftmost first, longest
/// at a position, never overlapping, never inside a URL, always on word boundaries.
fn match_names(
    text: &str,
    urls: &[Range<usize>],
    entities: &[Entity],
) -> Vec<(Range<usize>, usize)> {
    let (patterns, owners) = build_patterns(entities);
    if patterns.is_empty() {
        return Vec::new();
    }
    let Ok(ac) = AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(&patterns)
    else {
        return Vec::new();
    };
    let folded = fold_text(text);
    let mut candidates: Vec<(Range<usize>, usize)> = ac
        .find_overlapping_iter(&folded.text)
        .filter_map(|m| {
            let span = *folded.map.get(m.start())?..*folded.map.get(m.end())?;
            let owner = *owners.get(m.pattern().as_usize())?;
            let ok = has_word_boundaries(text, &span) && !inside_url(urls, &span);
            ok.then_some((span, owner))
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

fn find_mentions(text: &str, urls: &[Range<usize>], entities: &[Entity]) -> Vec<Mention> {
    let mut counts = vec![0u32; entities.len()];
    let mut firsts: Vec<Option<usize>> = vec![None; entities.len()];
    for (span, owner) in match_names(text, urls, entities) {
        if let (Some(count), Some(first)) = (counts.get_mut(owner), firsts.get_mut(owner)) {
            *count = count.saturating_add(1);
            first.get_or_insert(span.start);
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

fn char_offset(text: &str, byte: usize) -> u32 {
    let chars = text.get(..byte).map_or(0, |s| s.chars().count());
    u32::try_from(chars).unwrap_or(u32::MAX)
}

/// 1-based rank of each mentioned entity by first byte offset (same order as chars).
fn ranks_by_offset(firsts: &[Option<usize>]) -> Vec<Option<u32>> {
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

// ---------------------------------------------------------------------------
// List positions
// ---------------------------------------------------------------------------

/// A list marker at the start of a line: numbered (with the number written) or a bullet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Numbered(u64),
    Bullet,
}

fn is_bullet(line: &str) -> bool {
    let mut chars = line.chars();
    matches!(chars.next(), Some('-' | '*' | '+' | '•')) && matches!(chars.next(), Some(' ' | '\t'))
}

fn strip_emphasis(s: &str) -> &str {
    s.strip_prefix("**")
        .or_else(|| s.strip_prefix("__"))
        .unwrap_or(s)
}

/// `12. `, `3) `, also `1.** ` (bold closed right after the marker) or a bare `1.`.
fn numbered(s: &str) -> Option<u64> {
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
fn strip_heading(s: &str) -> Option<&str> {
    let hashes = s.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = s.get(hashes..)?;
    rest.starts_with([' ', '\t']).then(|| rest.trim_start())
}

/// The list marker a (left-trimmed) line starts with, if any.
fn item_marker(line: &str) -> Option<Marker> {
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
fn indent_width(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

/// The list currently being read (or the last one, for resuming numbering).
#[derive(Debug, Clone, Copy)]
struct ListState {
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
fn list_items(text: &str) -> Vec<(Range<usize>, u32)> {
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

fn position_at(items: &[(Range<usize>, u32)], byte: usize) -> Option<u32> {
    let idx = items.partition_point(|(span, _)| span.end <= byte);
    items
        .get(idx)
        .filter(|(span, _)| span.start <= byte)
        .map(|(_, pos)| *pos)
}

// ---------------------------------------------------------------------------
// URL scanning
// ---------------------------------------------------------------------------

/// Chars that end a URL in running text.
fn ends_url(c: char) -> bool {
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
fn trailing_junk(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_' | '~'
    )
}

/// Byte offset where the URL starting at `start` (scheme included) ends.
fn scan_url_end(text: &str, start: usize) -> usize {
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
fn scheme_len(text: &str, sep: usize) -> Option<usize> {
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
fn url_spans(text: &str) -> Vec<Range<usize>> {
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

// ---------------------------------------------------------------------------
// Citations
// ---------------------------------------------------------------------------

/// A configured domain and the entity owning it.
struct OwnedDomain<'a> {
    domain: String,
    entity: &'a Entity,
}

/// Normalises a configured domain: lowercase host, no scheme, path, port or leading `www.`.
fn normalise_domain(raw: &str) -> Option<String> {
    let s = raw.trim();
    let rest = s.find("://").map_or(s, |i| s.get(i + 3..).unwrap_or(""));
    let rest = rest.trim_start_matches('/');
    let host = Url::parse(&format!("http://{rest}"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| {
            let head = rest.split(['/', '?', '#', ':']).next().unwrap_or("");
            head.to_lowercase()
        });
    let host = host.trim_end_matches('.');
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_owned())
}

fn owned_domains(entities: &[Entity]) -> Vec<OwnedDomain<'_>> {
    entities
        .iter()
        .flat_map(|entity| {
            entity
                .domains
                .iter()
                .filter_map(|d| normalise_domain(d))
                .map(move |domain| OwnedDomain { domain, entity })
        })
        .collect()
}

/// True when `host` is `domain` or one of its subdomains.
fn host_in_domain(host: &str, domain: &str) -> bool {
    host == domain
        || host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.ends_with('.'))
}

/// The entity owning `host`; the most specific (longest) configured domain wins.
fn owner_of(host: &str, owned: &[OwnedDomain<'_>]) -> Option<(String, Role)> {
    let mut best: Option<&OwnedDomain<'_>> = None;
    for candidate in owned.iter().filter(|o| host_in_domain(host, &o.domain)) {
        if best.is_none_or(|b| candidate.domain.len() > b.domain.len()) {
            best = Some(candidate);
        }
    }
    best.map(|o| (o.entity.name.clone(), o.entity.role))
}

/// Builds a citation for a valid http(s) URL with a host; `None` otherwise.
fn make_citation(url: &str, origin: Origin, owned: &[OwnedDomain<'_>]) -> Option<Citation> {
    if url.is_empty() || url.len() > MAX_URL_LEN {
        return None;
    }
    let parsed = Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let host = parsed
        .host_str()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let domain = match parsed.host() {
        Some(Host::Domain(_)) => psl::domain_str(&host).unwrap_or(&host).to_owned(),
        _ => host.clone(),
    };
    Some(Citation {
        url: url.to_owned(),
        domain,
        owner: owner_of(&host, owned),
        origin,
    })
}

fn collect_citations(
    text: &str,
    urls: &[Range<usize>],
    provider: &[String],
    entities: &[Entity],
) -> Vec<Citation> {
    let owned = owned_domains(entities);
    let from_provider = provider.iter().map(|u| (u.trim(), Origin::Provider));
    let from_text = urls
        .iter()
        .filter_map(|span| text.get(span.clone()))
        .map(|u| (u, Origin::Text));
    let mut citations: Vec<Citation> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for (url, origin) in from_provider.chain(from_text) {
        if citations.len() >= MAX_CITATIONS {
            break;
        }
        if !seen.insert(url) {
            continue;
        }
        citations.extend(make_citation(url, origin, &owned));
    }
    citations
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity(name: &str, aliases: &[&str], domains: &[&str], role: Role) -> Entity {
        Entity {
            name: name.to_owned(),
            aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
            domains: domains.iter().map(|s| (*s).to_owned()).collect(),
            role,
        }
    }

    fn acme() -> Entity {
        entity("Acme", &[], &["acme.com"], Role::Brand)
    }

    fn count(text: &str, e: &Entity) -> u32 {
        extract(text, &[], std::slice::from_ref(e)).mentions[0].count
    }

    fn mention(text: &str, entities: &[Entity], name: &str) -> Mention {
        let out = extract(text, &[], entities);
        out.mentions
            .into_iter()
            .find(|m| m.entity == name)
            .expect("entity in output")
    }

    fn urls(text: &str) -> Vec<String> {
        extract(text, &[], &[])
            .citations
            .into_iter()
            .map(|c| c.url)
            .collect()
    }

    #[test]
    fn matches_any_case() {
        assert_eq!(count("acme ACME Acme aCmE", &acme()), 4);
    }

    #[test]
    fn matches_inside_markdown_wrappers() {
        for text in [
            "**Acme**", "_Acme_", "__Acme__", "`Acme`", "(Acme)", "*Acme*", "\"Acme\"",
        ] {
            assert_eq!(count(text, &acme()), 1, "{text}");
        }
    }

    #[test]
    fn markdown_link_text_counts_once_and_url_is_cited() {
        let out = extract("Try [Acme](https://acme.com/acme) now", &[], &[acme()]);
        assert_eq!(out.mentions[0].count, 1);
        assert_eq!(out.mentions[0].first_offset, Some(5));
        assert_eq!(out.citations.len(), 1);
        assert_eq!(out.citations[0].url, "https://acme.com/acme");
    }

    #[test]
    fn matches_possessives_and_punctuation() {
        for text in [
            "Acme's plan",
            "Acme’s plan",
            "Acme.",
            "Acme,",
            "Acme:",
            "Acme!",
            "Acme?",
            "Acme;",
        ] {
            assert_eq!(count(text, &acme()), 1, "{text}");
        }
    }

    #[test]
    fn hyphen_is_a_word_boundary() {
        assert_eq!(count("an Acme-based stack", &acme()), 1);
    }

    #[test]
    fn does_not_match_inside_words() {
        for text in [
            "Acmeville",
            "NotAcme",
            "acme2",
            "2acme",
            "acme_corp",
            "snake_acme",
            "Acmé",
        ] {
            assert_eq!(count(text, &acme()), 0, "{text}");
        }
    }

    #[test]
    fn multi_word_names_match_any_whitespace_run() {
        let globex = entity("Globex Corp", &[], &[], Role::Competitor);
        assert_eq!(
            count("Globex Corp, globex   corp and Globex\nCorp", &globex),
            3
        );
        assert_eq!(count("Globex Corporation", &globex), 0);
        assert_eq!(count("Globex", &globex), 0);
    }

    #[test]
    fn punctuated_names_match_as_a_whole() {
        let oetker = entity("Dr. Oetker", &["AT&T"], &[], Role::Brand);
        assert_eq!(count("Dr. Oetker and AT&T, then dr.  oetker", &oetker), 3);
        assert_eq!(count("Dr Oetker and AT and T", &oetker), 0);
        assert_eq!(count("XAT&T", &oetker), 0);
    }

    #[test]
    fn contained_alias_counts_once() {
        let e = entity("Acme", &["Acme Cloud"], &[], Role::Brand);
        assert_eq!(count("Acme Cloud is fast", &e), 1);
        assert_eq!(count("Acme Cloud and Acme", &e), 2);
    }

    #[test]
    fn shorter_name_used_when_longer_fails_boundary() {
        let e = entity("Acme", &["Acme Cloud"], &[], Role::Brand);
        assert_eq!(count("Acme Cloudy skies", &e), 1);
    }

    #[test]
    fn longest_match_wins_between_entities() {
        let entities = [acme(), entity("Acme Labs", &[], &[], Role::Competitor)];
        let out = extract("Acme Labs beats Acme", &[], &entities);
        assert_eq!(out.mentions[0].count, 1);
        assert_eq!(out.mentions[0].first_offset, Some(16));
        assert_eq!(out.mentions[1].count, 1);
        assert_eq!(out.mentions[1].first_offset, Some(0));
    }

    #[test]
    fn names_inside_urls_are_not_mentions() {
        let text =
            "see https://www.acme.com/pricing and <http://acme.io/x> or [docs](https://x.dev/acme)";
        let out = extract(text, &[], &[acme()]);
        assert_eq!(out.mentions[0].count, 0);
        assert_eq!(out.mentions[0].first_offset, None);
        assert_eq!(out.citations.len(), 3);
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        let m = mention("Café 中文 😀 Acme", &[acme()], "Acme");
        assert_eq!(m.first_offset, Some(10));
        let m = mention("Élan\n\n\u{a0}ACME", &[acme()], "Acme");
        assert_eq!(m.first_offset, Some(7));
    }

    #[test]
    fn latin_letters_fold_case() {
        let e = entity("Élan Søft", &[], &[], Role::Brand);
        assert_eq!(count("élan søft and ÉLAN SØFT", &e), 2);
    }

    #[test]
    fn rank_orders_by_first_appearance() {
        let entities = [
            acme(),
            entity("Globex", &[], &[], Role::Competitor),
            entity("Initech", &[], &[], Role::Competitor),
            entity("Hooli", &[], &[], Role::Competitor),
        ];
        let out = extract(
            "Globex, then Initech, then Acme and Globex again",
            &[],
            &entities,
        );
        let ranks: Vec<_> = out.mentions.iter().map(|m| m.rank).collect();
        assert_eq!(ranks, [Some(3), Some(1), Some(2), None]);
        let names: Vec<_> = out.mentions.iter().map(|m| m.entity.as_str()).collect();
        assert_eq!(names, ["Acme", "Globex", "Initech", "Hooli"]);
        assert_eq!(out.mentions[1].count, 2);
        assert_eq!(out.mentions[3].count, 0);
    }

    #[test]
    fn empty_names_and_aliases_never_match() {
        let e = entity("  ", &["", "\t", "Acme"], &[], Role::Brand);
        let out = extract("hello world Acme", &[], &[e]);
        assert_eq!(out.mentions[0].count, 1);
        assert_eq!(out.mentions[0].first_offset, Some(12));
        let blank = entity("", &[], &[], Role::Brand);
        assert_eq!(count("anything at all", &blank), 0);
    }

    fn ranked() -> [Entity; 3] {
        [
            acme(),
            entity("Globex", &[], &[], Role::Competitor),
            entity("Initech", &[], &[], Role::Competitor),
        ]
    }

    fn positions(text: &str) -> Vec<Option<u32>> {
        extract(text, &[], &ranked())
            .mentions
            .iter()
            .map(|m| m.list_position)
            .collect()
    }

    #[test]
    fn numbered_list_uses_item_order_not_written_number() {
        let text = "Top picks:\n\n1. Globex\n1. Initech\n1. Acme\n";
        assert_eq!(positions(text), [Some(3), Some(1), Some(2)]);
        let text = "1) Initech\n2) Acme\n3) Globex";
        assert_eq!(positions(text), [Some(2), Some(3), Some(1)]);
    }

    #[test]
    fn bulleted_list_positions_with_blank_lines() {
        let text = "- Globex\n\n* Acme\n\n+ Initech\n";
        assert_eq!(positions(text), [Some(2), Some(1), Some(3)]);
        let text = "• Initech\n• Acme";
        assert_eq!(positions(text), [Some(2), None, Some(1)]);
    }

    #[test]
    fn nested_items_and_continuations_belong_to_top_item() {
        let text = "1. Globex\n   - also see Acme\n2. Initech\n   Pairs well with nothing\n";
        assert_eq!(positions(text), [Some(1), Some(1), Some(2)]);
        let text = "1. **Globex**\n- cheap\n- integrates with Acme\n2. **Initech**\n- fast";
        assert_eq!(positions(text), [Some(1), Some(1), Some(2)]);
    }

    #[test]
    fn first_mention_in_intro_has_no_list_position() {
        let text = "Acme is popular.\n\n1. Globex\n2. Acme\n";
        assert_eq!(positions(text), [None, Some(1), None]);
    }

    #[test]
    fn mention_only_after_the_list_has_no_position() {
        let text = "1. Globex\n2. Initech\n\nYou could also consider Acme.";
        assert_eq!(positions(text), [None, Some(1), Some(2)]);
    }

    #[test]
    fn numbered_list_after_bullets_starts_over() {
        let text = "- Note about Initech\n1. Globex\n2. Acme\n";
        assert_eq!(positions(text), [Some(2), Some(1), Some(1)]);
    }

    #[test]
    fn paragraph_line_ends_the_list() {
        let text = "- Globex\nSome paragraph.\n- Acme";
        assert_eq!(positions(text), [Some(1), Some(1), None]);
    }

    #[test]
    fn bold_and_heading_numbered_items_count() {
        let text = "**1. Globex**\nGreat for teams.\n\n**2. Acme**\nCheap.\n\n**3.** Initech\n";
        assert_eq!(positions(text), [Some(2), Some(1), Some(3)]);
        let text = "### 1. Initech\nText.\n### 2. Acme\nText about Globex.\n";
        assert_eq!(positions(text), [Some(2), None, Some(1)]);
    }

    #[test]
    fn non_list_lines_are_not_items() {
        let text = "**Acme** leads.\n*Globex* follows.\n2024 was -Initech's year";
        assert_eq!(positions(text), [None, None, None]);
    }

    #[test]
    fn citations_from_markdown_angle_and_bare_urls() {
        let text = "See [a](https://a.com/x), <https://b.org/y> and https://c.net/z.\n\
                    Also (https://d.io/p), \"https://e.com/q\"; https://f.com/w?x=1!";
        assert_eq!(
            urls(text),
            [
                "https://a.com/x",
                "https://b.org/y",
                "https://c.net/z",
                "https://d.io/p",
                "https://e.com/q",
                "https://f.com/w?x=1",
            ]
        );
        let out = extract(text, &[], &[]);
        assert!(out.citations.iter().all(|c| c.origin == Origin::Text));
    }

    #[test]
    fn balanced_parentheses_stay_in_urls() {
        let text = "([wiki](https://en.wikipedia.org/wiki/Foo_(bar))). **https://g.com/a**";
        assert_eq!(
            urls(text),
            ["https://en.wikipedia.org/wiki/Foo_(bar)", "https://g.com/a"]
        );
        assert_eq!(
            urls("[https://h.com](https://h.com/)"),
            ["https://h.com", "https://h.com/"]
        );
    }

    #[test]
    fn provider_citations_first_and_deduplicated() {
        let provider = vec![
            "https://b.com/1".to_owned(),
            "https://a.com/2".to_owned(),
            "https://b.com/1".to_owned(),
        ];
        let text = "https://c.com/3 https://a.com/2 https://c.com/3";
        let out = extract(text, &provider, &[]);
        let got: Vec<_> = out
            .citations
            .iter()
            .map(|c| (c.url.as_str(), c.origin))
            .collect();
        assert_eq!(
            got,
            [
                ("https://b.com/1", Origin::Provider),
                ("https://a.com/2", Origin::Provider),
                ("https://c.com/3", Origin::Text),
            ]
        );
    }

    #[test]
    fn owner_by_domain_and_subdomain() {
        let entities = [
            acme(),
            entity(
                "Globex",
                &[],
                &["https://www.Globex.io/about"],
                Role::Competitor,
            ),
        ];
        let text =
            "https://blog.acme.com/a https://ACME.com./b https://www.globex.io/ https://other.org/";
        let owners: Vec<_> = extract(text, &[], &entities)
            .citations
            .into_iter()
            .map(|c| c.owner)
            .collect();
        assert_eq!(
            owners,
            [
                Some(("Acme".to_owned(), Role::Brand)),
                Some(("Acme".to_owned(), Role::Brand)),
                Some(("Globex".to_owned(), Role::Competitor)),
                None,
            ]
        );
    }

    #[test]
    fn lookalike_hosts_are_not_owned() {
        let text = "https://acme.com.evil.test/ https://notacme.com/ https://acme.co/";
        let out = extract(text, &[], &[acme()]);
        assert_eq!(out.citations.len(), 3);
        assert!(out.citations.iter().all(|c| c.owner.is_none()));
        assert_eq!(out.citations[0].domain, "evil.test");
    }

    #[test]
    fn most_specific_domain_wins() {
        let entities = [
            entity("Host", &[], &["hosting.com"], Role::Brand),
            entity("Tenant", &[], &["tenant.hosting.com"], Role::Competitor),
        ];
        let out = extract(
            "https://docs.tenant.hosting.com/x https://hosting.com/",
            &[],
            &entities,
        );
        assert_eq!(
            out.citations[0].owner,
            Some(("Tenant".to_owned(), Role::Competitor))
        );
        assert_eq!(
            out.citations[1].owner,
            Some(("Host".to_owned(), Role::Brand))
        );
    }

    #[test]
    fn domain_is_registrable_and_lowercase() {
        let text = "https://www.BBC.co.uk/news https://a.b.example.com/ http://192.168.1.1:8080/x http://localhost:3000/";
        let domains: Vec<_> = extract(text, &[], &[])
            .citations
            .into_iter()
            .map(|c| c.domain)
            .collect();
        assert_eq!(
            domains,
            ["bbc.co.uk", "example.com", "192.168.1.1", "localhost"]
        );
    }

    #[test]
    fn malformed_and_non_http_urls_are_skipped() {
        let provider = vec![
            "ftp://files.acme.com/x".to_owned(),
            "not a url".to_owned(),
            "https://".to_owned(),
            "javascript:alert(1)".to_owned(),
            "https://exa mple.com".to_owned(),
            "https://ok.com/".to_owned(),
        ];
        let text = "broken https:// and http://[::1 and https://%%%/ and http://exa%20mple.com/";
        let got: Vec<_> = extract(text, &provider, &[])
            .citations
            .into_iter()
            .map(|c| c.url)
            .collect();
        assert_eq!(got, ["https://ok.com/"]);
    }

    #[test]
    fn caps_url_length_and_citation_count() {
        let long = format!("https://a.com/{}", "x".repeat(MAX_URL_LEN));
        assert!(urls(&format!("{long} https://b.com/")) == ["https://b.com/"]);
        let many: String = (0..300).map(|i| format!("https://s{i}.com/ ")).collect();
        let got = urls(&many);
        assert_eq!(got.len(), MAX_CITATIONS);
        assert_eq!(got[0], "https://s0.com/");
    }

    /// Fixed-seed xorshift so the hostile-input test is reproducible.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            usize::try_from(self.0 % 1_000_003).unwrap_or(0)
        }
    }

    #[test]
    fn hostile_input_never_panics_and_offsets_stay_in_text() {
        const PIECES: &[&str] = &[
            "Acme",
            "acme",
            "Acme Cloud",
            "Globex Corp",
            "AT&T",
            "é",
            "中文",
            "😀",
            "İ",
            "ß",
            "\u{301}",
            " ",
            "  ",
            "\n",
            "\r\n",
            "\t",
            "1. ",
            "1) ",
            "- ",
            "* ",
            "• ",
            "**",
            "__",
            "_",
            "`",
            "#",
            "### 2. ",
            "[",
            "]",
            "(",
            ")",
            "<",
            ">",
            "'",
            "’s",
            ".",
            ",",
            "https://",
            "http://",
            "://",
            "www.",
            "acme.com",
            "/path",
            "?q=1",
            "[x](https://acme.com/a)",
            "<https://b.io>",
            "%",
            "\u{a0}",
            "0",
        ];
        let entities = [
            entity(
                "Acme",
                &["Acme Cloud", "", "a"],
                &["acme.com", "https://"],
                Role::Brand,
            ),
            entity(
                "Globex Corp",
                &["AT&T", "ß"],
                &["globex.io"],
                Role::Competitor,
            ),
            entity("İ", &["\u{301}"], &[""], Role::Competitor),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let len = rng.next() % 40;
            let text: String = (0..len)
                .map(|_| PIECES[rng.next() % PIECES.len()])
                .collect();
            let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
            let out = extract(&text, &["https://acme.com/x".to_owned()], &entities);
            assert_eq!(out.mentions.len(), entities.len());
            for m in &out.mentions {
                assert!(m.first_offset.is_none_or(|o| o < chars), "{text:?}");
                assert_eq!(m.count == 0, m.first_offset.is_none(), "{text:?}");
                assert_eq!(m.rank.is_some(), m.first_offset.is_some(), "{text:?}");
            }
            assert!(out.citations.len() <= MAX_CITATIONS);
            for c in out.citations.iter().filter(|c| c.origin == Origin::Text) {
                assert!(text.contains(&c.url), "{text:?}");
            }
        }
    }

    #[test]
    fn large_input_stays_fast() {
        let text = "Acme and https://acme.com/x and 中文 1. Globex Corp\n".repeat(4000);
        let started = std::time::Instant::now();
        let out = extract(&text, &[], &[acme()]);
        assert_eq!(out.mentions[0].count, 4000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
