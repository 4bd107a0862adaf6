//! Mention and citation extraction from one AI answer (pure, no I/O).
//!
//! Owns the rules that decide whether an answer names a tracked entity (whole-word, longest
//! match wins, URLs skipped; case-insensitive unless the entity's [`MatchRules`] say how a name
//! that is also an ordinary word must be written, which words around it or which phrases
//! rule it out), where it first appears (character offset, rank, list position) and which
//! URLs the answer cites (provider-supplied and in-text), with each URL's registrable domain
//! and owning entity.
//!
//! A [`Matcher`] compiles one site's entities (the name automaton, the owned domains) once;
//! a run builds one per site and extracts every answer with it. [`extract`] compiles and
//! extracts in one call, for a single answer.
//!
//! Submodules: `names` (case folding, word boundaries, name matching, rank), `rules` (the
//! match modes, context words, exclude phrases and calendar senses that drop an occurrence),
//! `links` (an entity's own domains and links to them, counted as mentions in `auto`),
//! `words` (the shipped word list and the day and month names), `lists` (list items and
//! positions), `urls` (finding URLs in text) and `citations` (cited URLs with their
//! registrable domain and owner).

mod citations;
mod links;
mod lists;
mod names;
mod rules;
mod urls;
mod words;

use citations::{OwnedDomain, collect_citations, owned_domains};
use names::{Names, find_mentions};
use urls::url_spans;

/// Whether a tracked entity is the site's brand or a competitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Brand,
    Competitor,
}

/// A tracked entity: its display name, other names it goes by, its web domains, and the
/// rules its names are matched by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub name: String,
    pub aliases: Vec<String>,
    pub domains: Vec<String>,
    pub role: Role,
    pub rules: MatchRules,
}

/// How the case of a name's occurrence decides whether it counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    /// A name that is an ordinary lowercase English word (the shipped list) is matched like
    /// [`MatchMode::ExactCase`], and also counts in any case as part of the entity's own domain
    /// (`notion.so`) or as a link to it; day and month names get default context words; every
    /// other name is matched like [`MatchMode::AnyCase`].
    #[default]
    Auto,
    /// As configured (`Notion`) or in all capitals (`NOTION`).
    ExactCase,
    /// In any case.
    AnyCase,
}

impl MatchMode {
    /// Every mode, in the order the config documents them.
    pub const ALL: [MatchMode; 3] = [MatchMode::Auto, MatchMode::ExactCase, MatchMode::AnyCase];

    /// The config spelling: `auto`, `exact_case`, `any_case`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchMode::Auto => "auto",
            MatchMode::ExactCase => "exact_case",
            MatchMode::AnyCase => "any_case",
        }
    }

    /// The mode spelled `value` (exactly as in the config), if any.
    pub fn parse(value: &str) -> Option<MatchMode> {
        MatchMode::ALL.into_iter().find(|m| m.as_str() == value)
    }
}

/// What keeps an entity's names from counting where they are ordinary words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchRules {
    pub mode: MatchMode,
    /// An occurrence directly after one of these words (any case; only spaces, emphasis marks,
    /// quotes and brackets between) is not a mention.
    pub not_before: Vec<String>,
    /// An occurrence directly before one of these words is not a mention.
    pub not_after: Vec<String>,
    /// Phrases (any case, whole words): an occurrence inside one is not a mention.
    pub exclude: Vec<String>,
}

/// How one entity appears in one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// The entity's name.
    pub entity: String,
    pub role: Role,
    /// Non-overlapping matches of the name or any alias, plus (in `auto`, for a name that is
    /// an ordinary word) links to the entity's domains that do not already hold one; 0 = not
    /// mentioned.
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

/// One site's tracked entities compiled for extraction: build it once, use it for every
/// answer of the site.
#[derive(Debug, Clone)]
pub struct Matcher {
    entities: Vec<Entity>,
    names: Names,
    domains: Vec<OwnedDomain>,
}

impl Matcher {
    /// Compiles the entities' names, rules and domains.
    pub fn new(entities: Vec<Entity>) -> Matcher {
        Matcher {
            names: Names::new(&entities),
            domains: owned_domains(&entities),
            entities,
        }
    }

    /// The entities, as given.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// Extracts entity mentions and cited URLs from one answer.
    ///
    /// Never panics and runs in time roughly linear in `text.len()`.
    #[must_use]
    pub fn extract(&self, text: &str, provider_citations: &[String]) -> Extraction {
        let urls = url_spans(text);
        Extraction {
            mentions: find_mentions(text, &urls, &self.entities, &self.names, &self.domains),
            citations: collect_citations(text, &urls, provider_citations, &self.domains),
        }
    }
}

/// Extracts entity mentions and cited URLs from one answer, compiling `entities` first (for
/// many answers, build a [`Matcher`] once instead).
#[must_use]
pub fn extract(text: &str, provider_citations: &[String], entities: &[Entity]) -> Extraction {
    Matcher::new(entities.to_vec()).extract(text, provider_citations)
}

#[cfg(test)]
mod tests;
