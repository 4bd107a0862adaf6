//! A site's own source rules, from its config: a referrer host (optionally limited to a
//! path) or a utm_source value mapped to a channel and source. They are looked up before the
//! built-in lists and win over them, so a new AI assistant, a partner's newsletter or a
//! mislabelled host can be fixed without waiting for a release.
//!
//! Host rules match at dot boundaries like the built-in lists (`newai.example` also matches
//! `chat.newai.example`), the most specific host winning and, on one host, the longest path;
//! an Android app referrer matches a rule naming its package exactly. utm_source rules match
//! the whole value, case-insensitively.

use rustc_hash::FxHashMap as HashMap;

use super::Channel;
use super::referrer::normalise_host;
use super::sources::{Family, KnownSource, parent_domains, path_has_prefix};
use super::text::cap;

/// Longest source slug a rule may set (bytes).
const MAX_RULE_SOURCE_BYTES: usize = 64;

/// What a rule matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleMatch {
    /// A referrer host, optionally with a path prefix: `newai.example`, `x.com/i/grok`.
    Host(String),
    /// A utm_source value.
    UtmSource(String),
}

/// One configured rule, as written: what it matches, the channel it stands for, the source
/// slug to report and, for search engines, the query parameters carrying the search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRule {
    pub matches: RuleMatch,
    pub channel: Channel,
    pub source: String,
    pub search_params: Vec<String>,
}

/// Why a rule was refused; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("{0}")]
    Channel(String),
    #[error("{0}")]
    Source(String),
    #[error("{0}")]
    Match(String),
    #[error("{0}")]
    SearchParams(String),
}

/// The channels a rule may name. Paid channels follow from paid markers (a click id, a paid
/// utm_medium) on a source of the right family; direct and internal traffic is configured
/// with the site's hosts.
fn family_of(channel: Channel) -> Option<Family> {
    match channel {
        Channel::AiAssistant => Some(Family::Ai),
        Channel::OrganicSearch => Some(Family::Search),
        Channel::OrganicSocial => Some(Family::Social),
        Channel::Email => Some(Family::Email),
        Channel::Referral => Some(Family::Referral),
        _ => None,
    }
}

/// The owned form of a [`KnownSource`].
#[derive(Debug, Clone)]
struct RuleSource {
    family: Family,
    slug: String,
    term_params: String,
}

impl RuleSource {
    fn known(&self) -> KnownSource<'_> {
        KnownSource {
            family: self.family,
            slug: &self.slug,
            term_params: &self.term_params,
            charsets: "",
        }
    }
}

/// A site's rules, ready for lookup.
#[derive(Debug, Clone, Default)]
pub(super) struct Overrides {
    /// Host → (path prefix, source), longest path first.
    hosts: HashMap<String, Vec<(Option<String>, RuleSource)>>,
    utm_sources: HashMap<String, RuleSource>,
}

impl Overrides {
    /// Checks and indexes `rules`; the error names the rule (by index) at fault. A later
    /// rule for the same host and path, or the same utm_source, is refused as a duplicate.
    pub fn new(rules: &[SourceRule]) -> Result<Overrides, (usize, RuleError)> {
        let mut overrides = Overrides::default();
        for (index, rule) in rules.iter().enumerate() {
            overrides.add(rule).map_err(|err| (index, err))?;
        }
        for entries in overrides.hosts.values_mut() {
            entries.sort_by_key(|(path, _)| std::cmp::Reverse(path.as_deref().map_or(0, str::len)));
        }
        Ok(overrides)
    }

    fn add(&mut self, rule: &SourceRule) -> Result<(), RuleError> {
        let source = rule_source(rule)?;
        match &rule.matches {
            RuleMatch::Host(pattern) => {
                let (host, path) = split_host_pattern(pattern)?;
                let entries = self.hosts.entry(host.clone()).or_default();
                if entries.iter().any(|(p, _)| *p == path) {
                    return Err(RuleError::Match(format!(
                        "host {pattern:?} already has a rule"
                    )));
                }
                entries.push((path, source));
            }
            RuleMatch::UtmSource(value) => {
                let value = value.trim().to_lowercase();
                if value.is_empty() {
                    return Err(RuleError::Match("utm_source must not be empty".into()));
                }
                if source.family == Family::Referral {
                    return Err(RuleError::Channel(
                        "a utm_source rule takes ai_assistant, organic_search, organic_social \
                         or email (campaign traffic is never a referral)"
                            .into(),
                    ));
                }
                if self.utm_sources.insert(value.clone(), source).is_some() {
                    return Err(RuleError::Match(format!(
                        "utm_source {value:?} already has a rule"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The rule for a referrer `host` (normalised) and `path`: the most specific host, then
    /// the longest matching path.
    pub fn by_host(&self, host: &str, path: &str) -> Option<KnownSource<'_>> {
        if self.hosts.is_empty() {
            return None;
        }
        parent_domains(host).find_map(|domain| self.pick(domain, path))
    }

    /// The rule naming an Android app's package exactly.
    pub fn by_app(&self, package: &str) -> Option<KnownSource<'_>> {
        self.pick(package, "/")
    }

    /// The rule for a utm_source value (lowercase).
    pub fn by_utm_source(&self, value: &str) -> Option<KnownSource<'_>> {
        self.utm_sources.get(value).map(RuleSource::known)
    }

    fn pick(&self, host: &str, path: &str) -> Option<KnownSource<'_>> {
        self.hosts.get(host)?.iter().find_map(|(prefix, source)| {
            prefix
                .as_deref()
                .is_none_or(|prefix| path_has_prefix(path, prefix))
                .then(|| source.known())
        })
    }
}

fn rule_source(rule: &SourceRule) -> Result<RuleSource, RuleError> {
    let family = family_of(rule.channel).ok_or_else(|| {
        RuleError::Channel(format!(
            "channel {:?} cannot be set by a rule; use ai_assistant, organic_search, \
             organic_social, email or referral (paid channels follow from paid markers on \
             these sources; list internal hosts under internal_hosts)",
            rule.channel.as_str()
        ))
    })?;
    let slug = rule.source.trim().to_lowercase();
    if slug.is_empty() {
        return Err(RuleError::Source("source must not be empty".into()));
    }
    if slug.len() > MAX_RULE_SOURCE_BYTES || slug.chars().any(char::is_control) {
        return Err(RuleError::Source(format!(
            "source must be at most {MAX_RULE_SOURCE_BYTES} bytes without control characters"
        )));
    }
    if !rule.search_params.is_empty() && family != Family::Search {
        return Err(RuleError::SearchParams(
            "search_params only apply to organic_search rules".into(),
        ));
    }
    if let Some(bad) = rule.search_params.iter().find(|p| {
        let p = p.trim();
        // `/…/` and `@name` mean path patterns and nested queries in the built-in data.
        p.is_empty() || p.contains([',', '=', '&']) || p.starts_with(['/', '@'])
    }) {
        return Err(RuleError::SearchParams(format!(
            "{bad:?} is not a query parameter name"
        )));
    }
    Ok(RuleSource {
        family,
        slug: cap(&slug, MAX_RULE_SOURCE_BYTES).to_string(),
        term_params: rule
            .search_params
            .iter()
            .map(|p| p.trim())
            .collect::<Vec<_>>()
            .join(","),
    })
}

/// `https://Chat.NewAI.example/app/` → (`chat.newai.example`, Some(`/app`)).
fn split_host_pattern(pattern: &str) -> Result<(String, Option<String>), RuleError> {
    let text = pattern.trim();
    let without_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let (host_part, path) = match without_scheme.find('/') {
        Some(slash) => (&without_scheme[..slash], &without_scheme[slash..]),
        None => (without_scheme, ""),
    };
    let host = normalise_host(host_part);
    if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
        return Err(RuleError::Match(format!(
            "host {pattern:?} has no host name"
        )));
    }
    let path = path.trim_end_matches('/');
    Ok((host, (!path.is_empty()).then(|| path.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_rule(host: &str, channel: Channel, source: &str) -> SourceRule {
        SourceRule {
            matches: RuleMatch::Host(host.into()),
            channel,
            source: source.into(),
            search_params: Vec::new(),
        }
    }

    fn found(source: Option<KnownSource<'_>>) -> Option<(Family, String)> {
        source.map(|s| (s.family, s.slug.to_string()))
    }

    #[test]
    fn host_rules_match_at_dot_boundaries_most_specific_first() {
        let overrides = Overrides::new(&[
            host_rule("NewAI.example", Channel::AiAssistant, "NewAI"),
            host_rule("https://mail.newai.example/", Channel::Email, "newai-mail"),
        ])
        .unwrap();
        let lookup = |host: &str| found(overrides.by_host(host, "/"));
        assert_eq!(lookup("newai.example"), Some((Family::Ai, "newai".into())));
        assert_eq!(
            lookup("chat.newai.example"),
            Some((Family::Ai, "newai".into()))
        );
        assert_eq!(
            lookup("eu.mail.newai.example"),
            Some((Family::Email, "newai-mail".into()))
        );
        assert_eq!(lookup("newai.example.evil.test"), None);
        assert_eq!(lookup("notnewai.example"), None);
    }

    #[test]
    fn path_rules_take_the_longest_prefix() {
        let overrides = Overrides::new(&[
            host_rule("portal.example", Channel::Referral, "portal"),
            host_rule("portal.example/ai/", Channel::AiAssistant, "portal-ai"),
        ])
        .unwrap();
        let slug = |path: &str| overrides.by_host("portal.example", path).unwrap().slug;
        assert_eq!(slug("/ai"), "portal-ai");
        assert_eq!(slug("/ai/chat?x=1"), "portal-ai");
        assert_eq!(slug("/aim"), "portal");
        assert_eq!(slug("/"), "portal");
    }

    #[test]
    fn search_rules_carry_their_parameters() {
        let rule = SourceRule {
            search_params: vec!["query".into(), " s ".into()],
            ..host_rule("find.example", Channel::OrganicSearch, "find")
        };
        let overrides = Overrides::new(&[rule]).unwrap();
        let source = overrides.by_host("find.example", "/").unwrap();
        use crate::classify::sources::TermParam;
        assert_eq!(
            source.term_params().collect::<Vec<_>>(),
            [TermParam::Query("query"), TermParam::Query("s")]
        );
    }

    #[test]
    fn utm_source_rules_match_the_whole_value() {
        let overrides = Overrides::new(&[SourceRule {
            matches: RuleMatch::UtmSource(" NewAI ".into()),
            ..host_rule("-", Channel::AiAssistant, "newai")
        }])
        .unwrap();
        assert_eq!(
            found(overrides.by_utm_source("newai")),
            Some((Family::Ai, "newai".into()))
        );
        assert_eq!(found(overrides.by_utm_source("newai2")), None);
        assert_eq!(found(overrides.by_host("newai", "/")), None);
    }

    #[test]
    fn bad_rules_are_refused_with_the_index() {
        let refused = |rules: &[SourceRule]| Overrides::new(rules).unwrap_err();
        let ok = host_rule("a.example", Channel::AiAssistant, "a");
        let (index, err) = refused(&[ok.clone(), host_rule("b.example", Channel::PaidSearch, "b")]);
        assert_eq!(index, 1);
        assert!(err.to_string().contains("paid channels follow"), "{err}");
        let (_, err) = refused(&[host_rule("b.example", Channel::Direct, "b")]);
        assert!(err.to_string().contains("internal_hosts"), "{err}");
        let (_, err) = refused(&[ok.clone(), ok.clone()]);
        assert!(err.to_string().contains("already has a rule"), "{err}");
        let (_, err) = refused(&[host_rule("a.example", Channel::AiAssistant, " ")]);
        assert!(matches!(err, RuleError::Source(_)));
        let (_, err) = refused(&[host_rule("https:///x", Channel::AiAssistant, "a")]);
        assert!(matches!(err, RuleError::Match(_)), "{err}");
        let (_, err) = refused(&[SourceRule {
            search_params: vec!["q".into()],
            ..ok.clone()
        }]);
        assert!(matches!(err, RuleError::SearchParams(_)));
        // The built-in data's path patterns and nested parameters are not for site rules.
        for param in ["/search/(.*)/", "@prev", "q,s", "a=b"] {
            let (_, err) = refused(&[SourceRule {
                search_params: vec![param.into()],
                ..host_rule("find.example", Channel::OrganicSearch, "find")
            }]);
            assert!(matches!(err, RuleError::SearchParams(_)), "{param}: {err}");
        }
        let (_, err) = refused(&[SourceRule {
            matches: RuleMatch::UtmSource("x".into()),
            ..host_rule("-", Channel::Referral, "x")
        }]);
        assert!(err.to_string().contains("never a referral"), "{err}");
    }
}
