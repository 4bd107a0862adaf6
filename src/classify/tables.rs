//! The embedded source database: referrer hosts (AI assistants, search engines with their
//! search-term parameters, social networks, webmail), utm_source names and paid click ids,
//! parsed once from `data/*.tsv` (built by `tools/build_classify_data.py` from public lists;
//! each file names its sources and licences in its header).
//!
//! Host lookup works at dot boundaries and the most specific entry wins: for
//! `gemini.google.com` the exact entry (AI) beats `google.{}` (search), and
//! `chatgpt.com.evil.test` matches nothing because no entry is a suffix of it.

use std::collections::HashMap;
use std::sync::LazyLock;

const HOSTS: &str = include_str!("data/hosts.tsv");
const UTM_SOURCES: &str = include_str!("data/utm_sources.tsv");
const CLICK_IDS: &str = include_str!("data/click_ids.tsv");

/// The kind of a known source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Ai,
    Search,
    Social,
    Email,
    /// Only for click ids whose network is neither search nor social.
    Other,
}

impl Family {
    fn parse(text: &str) -> Option<Family> {
        match text {
            "ai" => Some(Family::Ai),
            "search" => Some(Family::Search),
            "social" => Some(Family::Social),
            "email" => Some(Family::Email),
            "other" => Some(Family::Other),
            _ => None,
        }
    }
}

/// A known source: its family, slug and (search engines) the query parameters of the term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSource {
    pub family: Family,
    pub slug: String,
    pub term_params: Vec<String>,
}

/// All lookup tables, built once.
pub struct Tables {
    exact_hosts: HashMap<String, KnownSource>,
    /// `name.{}`: the label `name` followed by any public suffix.
    any_suffix: HashMap<String, KnownSource>,
    /// `host/path` entries, by host.
    path_scoped: HashMap<String, Vec<(String, KnownSource)>>,
    utm_sources: HashMap<String, KnownSource>,
    click_ids: HashMap<String, KnownSource>,
}

/// The tables, parsed on first use.
pub static TABLES: LazyLock<Tables> = LazyLock::new(Tables::load);

/// Data lines of a TSV file split into columns (comments and blank lines skipped).
fn rows(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
}

fn source(family: &str, slug: &str, params: &str) -> Option<KnownSource> {
    let params = params.split(';').next().unwrap_or("");
    Some(KnownSource {
        family: Family::parse(family)?,
        slug: slug.to_string(),
        term_params: params
            .split(',')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

impl Tables {
    fn load() -> Tables {
        let mut tables = Tables {
            exact_hosts: HashMap::new(),
            any_suffix: HashMap::new(),
            path_scoped: HashMap::new(),
            utm_sources: HashMap::new(),
            click_ids: HashMap::new(),
        };
        for row in rows(HOSTS) {
            let (Some(pattern), Some(known)) = (
                row.first(),
                source(
                    row.get(1).copied().unwrap_or(""),
                    row.get(2).copied().unwrap_or(""),
                    row.get(3).copied().unwrap_or(""),
                ),
            ) else {
                continue;
            };
            tables.add_host(pattern, known);
        }
        for row in rows(UTM_SOURCES) {
            if let [value, family, slug, ..] = row[..]
                && let Some(known) = source(family, slug, "")
            {
                tables.utm_sources.insert(value.to_string(), known);
            }
        }
        for row in rows(CLICK_IDS) {
            if let [param, slug, family, ..] = row[..]
                && let Some(known) = source(family, slug, "")
            {
                tables.click_ids.insert(param.to_string(), known);
            }
        }
        tables
    }

    fn add_host(&mut self, pattern: &str, known: KnownSource) {
        if let Some(name) = pattern.strip_suffix(".{}") {
            self.any_suffix.insert(name.to_string(), known);
        } else if let Some((host, path)) = pattern.split_once('/') {
            self.path_scoped
                .entry(host.to_string())
                .or_default()
                .push((format!("/{path}"), known));
        } else {
            self.exact_hosts.insert(pattern.to_string(), known);
        }
    }

    /// The most specific entry matching `host` (lowercase, no port) and `path`.
    pub fn host(&self, host: &str, path: &str) -> Option<&KnownSource> {
        let public_suffix = psl::suffix_str(host).unwrap_or("");
        let mut suffix = host;
        loop {
            if let Some(found) = self.at_level(suffix, path, public_suffix) {
                return Some(found);
            }
            suffix = suffix.split_once('.')?.1;
        }
    }

    fn at_level(&self, suffix: &str, path: &str, public_suffix: &str) -> Option<&KnownSource> {
        if let Some(scoped) = self.path_scoped.get(suffix)
            && let Some((_, known)) = scoped
                .iter()
                .find(|(prefix, _)| path_has_prefix(path, prefix))
        {
            return Some(known);
        }
        if let Some(known) = self.exact_hosts.get(suffix) {
            return Some(known);
        }
        let (label, rest) = suffix.split_once('.')?;
        (rest == public_suffix).then(|| self.any_suffix.get(label))?
    }

    /// A utm_source value (lowercase): a known name, else a known host.
    pub fn utm_source(&self, value: &str) -> Option<&KnownSource> {
        self.utm_sources
            .get(value)
            .or_else(|| value.contains('.').then(|| self.host(value, "/")).flatten())
    }

    /// A paid click-id parameter name (lowercase).
    pub fn click_id(&self, param: &str) -> Option<&KnownSource> {
        self.click_ids.get(param)
    }
}

/// `/i/grok/x` has the prefix `/i/grok`; `/i/grokker` does not.
fn path_has_prefix(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(host: &str) -> Option<(Family, String)> {
        TABLES.host(host, "/").map(|k| (k.family, k.slug.clone()))
    }

    #[test]
    fn most_specific_entry_wins() {
        assert_eq!(
            slug("gemini.google.com"),
            Some((Family::Ai, "gemini".into()))
        );
        assert_eq!(
            slug("mail.google.com"),
            Some((Family::Email, "gmail".into()))
        );
        assert_eq!(
            slug("www.google.com"),
            Some((Family::Search, "google".into()))
        );
        assert_eq!(
            slug("www.google.co.uk"),
            Some((Family::Search, "google".into()))
        );
        assert_eq!(slug("google.de"), Some((Family::Search, "google".into())));
    }

    #[test]
    fn matching_is_at_dot_boundaries() {
        assert_eq!(
            slug("chat.chatgpt.com"),
            Some((Family::Ai, "chatgpt".into()))
        );
        assert_eq!(slug("chatgpt.com.evil.test"), None);
        assert_eq!(slug("notchatgpt.com"), None);
        assert_eq!(slug("google.evil.test"), None);
    }

    #[test]
    fn path_scoped_entries() {
        let grok = TABLES.host("x.com", "/i/grok?conversation=1").unwrap();
        assert_eq!((grok.family, grok.slug.as_str()), (Family::Ai, "grok"));
        let x = TABLES.host("x.com", "/i/grokker").unwrap();
        assert_eq!(x.family, Family::Social);
    }

    #[test]
    fn search_engines_carry_their_term_parameters() {
        let yahoo = TABLES.host("search.yahoo.com", "/").unwrap();
        assert!(yahoo.term_params.contains(&"p".to_string()));
        let yandex = TABLES.host("yandex.ru", "/").unwrap();
        assert!(yandex.term_params.contains(&"text".to_string()));
        let baidu = TABLES.host("www.baidu.com", "/").unwrap();
        assert!(baidu.term_params.contains(&"wd".to_string()));
    }

    #[test]
    fn utm_sources_and_click_ids() {
        assert_eq!(TABLES.utm_source("chatgpt.com").unwrap().family, Family::Ai);
        assert_eq!(TABLES.utm_source("perplexity").unwrap().slug, "perplexity");
        assert_eq!(TABLES.utm_source("fb").unwrap().slug, "facebook");
        assert_eq!(
            TABLES.utm_source("news.google.com").unwrap().family,
            Family::Search
        );
        assert!(TABLES.utm_source("partner-x").is_none());
        assert_eq!(TABLES.click_id("gclid").unwrap().slug, "google");
        assert_eq!(TABLES.click_id("msclkid").unwrap().slug, "bing");
        assert!(TABLES.click_id("fbclid").is_none());
    }
}
