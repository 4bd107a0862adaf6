//! The known-source database: referrer hosts (AI assistants, search engines with the query
//! parameters of their search terms, social networks, webmail, and plain websites inside
//! listed domains), utm_source names and click-id parameters. It is parsed once from
//! `data/hosts.tsv`, `data/utm_sources.tsv` and `data/click_ids.tsv` (built by
//! `tools/build_classify_data.py`; each file's header names its sources and licences).
//!
//! Host lookup works at dot boundaries and the most specific entry wins: for
//! `gemini.google.com` the exact entry (AI) beats `google.{}` (search), and
//! `chatgpt.com.evil.test` matches nothing because no entry is one of its parent domains.
//! Besides literal hosts and `name.{}` (any public suffix), an entry may be
//! `prefix*.domain` (a label starting with `prefix` right under `domain`, which may itself be
//! `name.{}`: `lightmailer*.gmx.{}` for `lightmailer-bs.gmx.net`) or `label.*` (any host whose
//! first label is `label`, below a registrable domain: `webmail.*`). Lookups stay one or two
//! hash probes per parent domain.
//!
//! A search engine's term parameters may also be path patterns (`/regex/`, from Matomo's
//! list), compiled once here, and `@name` parameters holding a URL-encoded path and query.

use regex::Regex;
use rustc_hash::FxHashMap as HashMap;
use std::sync::LazyLock;

const HOSTS_TSV: &str = include_str!("data/hosts.tsv");
const UTM_SOURCES_TSV: &str = include_str!("data/utm_sources.tsv");
const CLICK_IDS_TSV: &str = include_str!("data/click_ids.tsv");

/// The kind of a known source; it decides the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    Ai,
    Search,
    Social,
    Email,
    /// A plain website inside a listed domain (`docs.google.com`): an ordinary referral.
    Referral,
    /// A shopping site named by utm_source (GA4's shopping sources; never a referrer entry).
    Shopping,
}

impl Family {
    fn parse(text: &str) -> Option<Family> {
        match text {
            "ai" => Some(Family::Ai),
            "search" => Some(Family::Search),
            "social" => Some(Family::Social),
            "email" => Some(Family::Email),
            "referral" => Some(Family::Referral),
            "shopping" => Some(Family::Shopping),
            _ => None,
        }
    }
}

/// A known source: its family, slug and, for search engines, the query parameters that
/// carry the search term (comma-separated, in the order to try them) and the legacy
/// encodings a term may be in when it is not UTF-8 (WHATWG labels, in order).
/// Built-in sources live for the whole process; a site's own rules borrow from its
/// [`super::Classifier`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KnownSource<'a> {
    pub family: Family,
    /// Empty for plain websites (family referral) that the lists name without a product.
    pub slug: &'a str,
    pub(super) term_params: &'a str,
    pub(super) charsets: &'a str,
}

impl<'a> KnownSource<'a> {
    /// Where the search term is, in the order to try.
    pub fn term_params(&self) -> impl Iterator<Item = TermParam<'a>> {
        self.term_params
            .split(',')
            .filter(|p| !p.is_empty())
            .map(TermParam::of)
    }

    /// The legacy encodings of the engine's search terms (`gb2312` for Baidu).
    pub fn charsets(&self) -> impl Iterator<Item = &'a str> {
        self.charsets.split(',').filter(|c| !c.is_empty())
    }
}

/// One place a search engine puts its search term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TermParam<'a> {
    /// A query parameter (also read from the URL fragment: `google.com/#q=…`).
    Query(&'a str),
    /// A path pattern (`/search/([^/]+)`), as written in the data between its slashes.
    Path(&'a str),
    /// A parameter holding a URL-encoded `path?query` whose own query has the term (`prev`).
    Nested(&'a str),
}

impl<'a> TermParam<'a> {
    /// `q`, `/regex/` or `@name`.
    fn of(text: &'a str) -> TermParam<'a> {
        if let Some(name) = text.strip_prefix('@') {
            return TermParam::Nested(name);
        }
        match text.strip_prefix('/').and_then(|t| t.strip_suffix('/')) {
            Some(pattern) if !pattern.is_empty() => TermParam::Path(pattern),
            _ => TermParam::Query(text),
        }
    }
}

/// A compiled path pattern of a search engine's term.
#[derive(Debug)]
pub(super) struct PathRule {
    pub regex: Regex,
    /// The pattern names the query (`\?`): it is matched against path and query, else
    /// against the path alone.
    pub with_query: bool,
}

/// A click-id parameter of the landing URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ClickId {
    /// Whether the click id marks a paid click (`gclid`) or only names the source (`fbclid`).
    pub paid: bool,
    /// The ad network's family, when known.
    pub family: Option<Family>,
    /// The ad network's slug, when known.
    pub slug: Option<&'static str>,
}

/// One host entry: the label prefix and path prefix it is limited to, if any, and the
/// source.
#[derive(Debug)]
struct HostEntry {
    /// `lightmailer` for `lightmailer*.gmx.{}`: the host's label right under the entry's
    /// domain must start with it.
    label_prefix: Option<&'static str>,
    path: Option<&'static str>,
    source: KnownSource<'static>,
}

/// All lookup tables.
pub(super) struct Sources {
    /// Entries for a literal host (`chatgpt.com`, `x.com` with path `/i/grok`).
    hosts: HashMap<&'static str, Vec<HostEntry>>,
    /// Entries for `name.{}`, keyed by `name`: the name followed by any ICANN public suffix.
    any_suffix: HashMap<&'static str, Vec<HostEntry>>,
    /// Entries for `label.*`, keyed by `label`: any host whose first label it is.
    first_label: HashMap<&'static str, Vec<HostEntry>>,
    /// The search engines' path patterns, by their text in the data.
    path_rules: HashMap<&'static str, PathRule>,
    utm_names: HashMap<&'static str, KnownSource<'static>>,
    click_ids: HashMap<&'static str, ClickId>,
}

/// The tables, parsed on first use.
pub(super) static SOURCES: LazyLock<Sources> = LazyLock::new(Sources::load);

/// The data rows of a TSV file, split into columns (`#` comments and blank lines skipped).
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
}

/// `-` marks an empty column.
fn column(text: &'static str) -> Option<&'static str> {
    (text != "-" && !text.is_empty()).then_some(text)
}

impl Sources {
    fn load() -> Sources {
        let mut sources = Sources {
            hosts: HashMap::default(),
            any_suffix: HashMap::default(),
            first_label: HashMap::default(),
            path_rules: HashMap::default(),
            utm_names: HashMap::default(),
            click_ids: HashMap::default(),
        };
        for row in rows(HOSTS_TSV) {
            if let [pattern, family, slug, params, charsets] = row[..]
                && let Some(family) = Family::parse(family)
            {
                sources.add_host(
                    pattern,
                    KnownSource {
                        family,
                        slug: column(slug).unwrap_or(""),
                        term_params: column(params).unwrap_or(""),
                        charsets: column(charsets).unwrap_or(""),
                    },
                );
            }
        }
        for row in rows(UTM_SOURCES_TSV) {
            if let [value, family, slug] = row[..]
                && let Some(family) = Family::parse(family)
            {
                let source = KnownSource {
                    family,
                    slug,
                    term_params: "",
                    charsets: "",
                };
                sources.utm_names.insert(value, source);
            }
        }
        for row in rows(CLICK_IDS_TSV) {
            if let [name, marker, family, slug] = row[..] {
                let click = ClickId {
                    paid: marker == "paid",
                    family: Family::parse(family),
                    slug: column(slug),
                };
                sources.click_ids.insert(name, click);
            }
        }
        sources.sort_path_entries_first();
        sources
    }

    fn add_host(&mut self, pattern: &'static str, source: KnownSource<'static>) {
        let (host, path) = match pattern.find('/') {
            Some(slash) => (&pattern[..slash], Some(&pattern[slash..])),
            None => (pattern, None),
        };
        let (label_prefix, host) = match host.split_once('.') {
            Some((first, rest)) if first.ends_with('*') => (first.strip_suffix('*'), rest),
            _ => (None, host),
        };
        for param in source.term_params() {
            if let TermParam::Path(pattern) = param {
                self.add_path_rule(pattern);
            }
        }
        let entry = HostEntry {
            label_prefix,
            path,
            source,
        };
        if let Some(label) = host.strip_suffix(".*") {
            self.first_label.entry(label).or_default().push(entry);
        } else if let Some(name) = host.strip_suffix(".{}") {
            self.any_suffix.entry(name).or_default().push(entry);
        } else {
            self.hosts.entry(host).or_default().push(entry);
        }
    }

    /// Compiles a term path pattern once; one that does not compile is left out (a test
    /// checks that every pattern in the data compiles).
    fn add_path_rule(&mut self, pattern: &'static str) {
        if self.path_rules.contains_key(pattern) {
            return;
        }
        if let Ok(regex) = Regex::new(pattern) {
            let with_query = pattern.contains("\\?");
            self.path_rules
                .insert(pattern, PathRule { regex, with_query });
        }
    }

    /// Label- and path-limited entries are tried before the domain's plain entry, longest
    /// path first.
    fn sort_path_entries_first(&mut self) {
        for table in [&mut self.hosts, &mut self.any_suffix, &mut self.first_label] {
            for entries in table.values_mut() {
                entries.sort_by_key(|e| {
                    (
                        e.label_prefix.is_none(),
                        std::cmp::Reverse(e.path.map_or(0, str::len)),
                    )
                });
            }
        }
    }

    /// The most specific entry for a referrer `host` (lowercase, no port or trailing dot)
    /// and its URL `path`: the host itself (literal, `name.{}`, then `label.*`), then each
    /// parent domain, nearest first.
    pub fn by_host(&self, host: &str, path: &str) -> Option<KnownSource<'static>> {
        let icann_suffix = icann_suffix(host);
        // The host's label right before the domain being looked at (`lightmailer-bs` for
        // `gmx.net` in `lightmailer-bs.gmx.net`).
        let mut label_before: Option<&str> = None;
        for domain in parent_domains(host) {
            let exact = self
                .hosts
                .get(domain)
                .and_then(|e| pick(e, path, label_before));
            let found = exact.or_else(|| {
                let name = domain.strip_suffix(icann_suffix?)?.strip_suffix('.')?;
                let entries = self.any_suffix.get(name)?;
                pick(entries, path, label_before)
            });
            let found = found.or_else(|| {
                label_before
                    .is_none()
                    .then(|| self.by_first_label(host, icann_suffix?, path))
                    .flatten()
            });
            if found.is_some() {
                return found;
            }
            label_before = domain.split('.').next();
        }
        None
    }

    /// A `label.*` entry for `host`, when the host is below a registrable domain (not
    /// `webmail.co.uk`, which is one).
    fn by_first_label(
        &self,
        host: &str,
        icann_suffix: &str,
        path: &str,
    ) -> Option<KnownSource<'static>> {
        if self.first_label.is_empty() {
            return None;
        }
        let (label, rest) = host.split_once('.')?;
        let entries = self.first_label.get(label)?;
        // `rest` must be more than the public suffix: a registrable domain or below.
        let below_registrable = rest.len() > icann_suffix.len();
        below_registrable
            .then(|| pick(entries, path, None))
            .flatten()
    }

    /// The entry for an Android app referrer's package name (exact match only: package names
    /// are not domains).
    pub fn by_app(&self, package: &str) -> Option<KnownSource<'static>> {
        self.hosts.get(package).and_then(|e| pick(e, "/", None))
    }

    /// The compiled path pattern written `pattern` in the data.
    pub fn path_rule(&self, pattern: &str) -> Option<&PathRule> {
        self.path_rules.get(pattern)
    }

    /// A utm_source value (lowercase) naming a known source: a slug, list name or alias, else
    /// a host (`chatgpt.com`). Plain websites (family referral) are not sources.
    pub fn by_utm_source(&self, value: &str) -> Option<KnownSource<'static>> {
        let named = self.utm_names.get(value).copied();
        let hosted = || {
            value
                .contains('.')
                .then(|| self.by_host(value, "/"))
                .flatten()
        };
        named
            .or_else(hosted)
            .filter(|s| s.family != Family::Referral)
    }

    /// A click-id parameter (lowercase name).
    pub fn click_id(&self, name: &str) -> Option<ClickId> {
        self.click_ids.get(name).copied()
    }
}

/// The first entry whose label prefix the host's `label_before` the domain has, and whose
/// path prefix `path` has (at a segment boundary); else the plain one.
fn pick(
    entries: &[HostEntry],
    path: &str,
    label_before: Option<&str>,
) -> Option<KnownSource<'static>> {
    entries
        .iter()
        .find(|e| {
            e.label_prefix
                .is_none_or(|prefix| label_before.is_some_and(|l| l.starts_with(prefix)))
                && e.path.is_none_or(|prefix| path_has_prefix(path, prefix))
        })
        .map(|e| e.source)
}

/// `/i/grok/x` is under `/i/grok`; `/i/grokker` is not.
pub(super) fn path_has_prefix(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
}

/// `a.b.c`, `b.c`, `c`.
pub(super) fn parent_domains(host: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(host), |domain| {
        domain.split_once('.').map(|(_, parent)| parent)
    })
    .filter(|domain| !domain.is_empty())
}

/// The ICANN public suffix of `host` (`co.uk` for `www.google.co.uk`), skipping private
/// suffixes (`blogspot.com` → `com`); None when the host has no known suffix.
fn icann_suffix(host: &str) -> Option<&str> {
    let mut candidate = host;
    loop {
        let suffix = psl::suffix(candidate.as_bytes())?;
        let start = candidate.len().checked_sub(suffix.as_bytes().len())?;
        let text = candidate.get(start..)?;
        match suffix.typ()? {
            psl::Type::Icann => return Some(text),
            psl::Type::Private => candidate = text.split_once('.')?.1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(host: &str) -> Option<(Family, &'static str)> {
        SOURCES.by_host(host, "/").map(|s| (s.family, s.slug))
    }

    #[test]
    fn every_data_row_parses() {
        let count = |text: &'static str| rows(text).count();
        let entries =
            |table: &HashMap<&str, Vec<HostEntry>>| -> usize { table.values().map(Vec::len).sum() };
        assert_eq!(
            entries(&SOURCES.hosts) + entries(&SOURCES.any_suffix) + entries(&SOURCES.first_label),
            count(HOSTS_TSV)
        );
        assert_eq!(SOURCES.utm_names.len(), count(UTM_SOURCES_TSV));
        assert_eq!(SOURCES.click_ids.len(), count(CLICK_IDS_TSV));
    }

    #[test]
    fn most_specific_entry_wins() {
        assert_eq!(lookup("gemini.google.com"), Some((Family::Ai, "gemini")));
        assert_eq!(lookup("mail.google.com"), Some((Family::Email, "gmail")));
        assert_eq!(lookup("www.google.com"), Some((Family::Search, "google")));
        assert_eq!(lookup("www.google.co.uk"), Some((Family::Search, "google")));
        assert_eq!(lookup("google.de"), Some((Family::Search, "google")));
        assert_eq!(
            lookup("www.google.com.br"),
            Some((Family::Search, "google"))
        );
        assert_eq!(
            lookup("docs.google.com").map(|s| s.0),
            Some(Family::Referral)
        );
    }

    #[test]
    fn matching_is_at_dot_boundaries() {
        assert_eq!(lookup("chat.chatgpt.com"), Some((Family::Ai, "chatgpt")));
        assert_eq!(lookup("chatgpt.com.evil.test"), None);
        assert_eq!(lookup("notchatgpt.com"), None);
        assert_eq!(lookup("google.evil.test"), None);
        assert_eq!(lookup("google.com.evil.test"), None);
    }

    #[test]
    fn any_suffix_means_an_icann_suffix() {
        // github.io and blogspot.com are private suffixes: these are someone's sites.
        assert_eq!(lookup("google.github.io"), None);
        assert_eq!(lookup("google.blogspot.com").map(|s| s.1), Some("blogspot"));
        assert_eq!(
            lookup("images.google.fr"),
            Some((Family::Search, "google-images"))
        );
    }

    #[test]
    fn path_limited_entries() {
        let grok = SOURCES.by_host("x.com", "/i/grok").unwrap();
        assert_eq!((grok.family, grok.slug), (Family::Ai, "grok"));
        let post = SOURCES.by_host("x.com", "/i/grokker").unwrap();
        assert_eq!((post.family, post.slug), (Family::Social, "twitter"));
        let images = SOURCES.by_host("www.google.de", "/imgres").unwrap();
        assert_eq!(images.slug, "google-images");
    }

    #[test]
    fn search_engines_carry_their_term_parameters() {
        let params = |host: &str| -> Vec<TermParam<'static>> {
            SOURCES.by_host(host, "/").unwrap().term_params().collect()
        };
        let query = TermParam::Query;
        assert!(params("www.google.com").contains(&query("q")));
        assert!(params("www.bing.com").contains(&query("q")));
        assert!(params("duckduckgo.com").contains(&query("q")));
        assert!(params("search.yahoo.com").contains(&query("p")));
        assert!(params("yandex.ru").contains(&query("text")));
        assert!(params("www.baidu.com").contains(&query("wd")));
        assert!(params("www.baidu.com").contains(&query("word")));
        assert!(params("search.aol.com").contains(&query("q")));
        assert!(params("www.pricerunner.co.uk").contains(&query("q")));
        // Matomo's path patterns, in its order (1.cz: the path first, then `q`).
        assert_eq!(params("1.cz"), [TermParam::Path("s/([^/]+)"), query("q")]);
        assert_eq!(
            params("images.google.de"),
            [query("q"), TermParam::Nested("prev")]
        );
    }

    /// Every path pattern in the data compiles and captures a term.
    #[test]
    fn every_path_pattern_compiles() {
        let patterns: Vec<&str> = rows(HOSTS_TSV)
            .flat_map(|row| row[3].split(','))
            .filter_map(|p| p.strip_prefix('/')?.strip_suffix('/'))
            .collect();
        assert!(patterns.len() >= 8, "{patterns:?}");
        for pattern in patterns {
            let rule = SOURCES.path_rule(pattern).expect(pattern);
            assert!(rule.regex.captures_len() >= 2, "{pattern}");
        }
        assert!(
            SOURCES
                .path_rule("search\\?q=cache:(?:[A-Za-z0-9]+):[^+]+([^&]+)")
                .is_none()
        );
        assert!(
            SOURCES
                .path_rule("/search\\?q=cache:(?:[A-Za-z0-9]+):[^+]+([^&]+)")
                .unwrap()
                .with_query
        );
        assert!(!SOURCES.path_rule("/search/([^/]+)").unwrap().with_query);
    }

    #[test]
    fn wildcard_hosts() {
        // `prefix*.domain`: a label starting with the prefix, right under the domain.
        assert_eq!(
            lookup("lightmailer-bs.gmx.net"),
            Some((Family::Email, "gmx"))
        );
        assert_eq!(
            lookup("lightmailer-bap.gmx.com"),
            Some((Family::Email, "gmx"))
        );
        assert_eq!(lookup("lightmailer.gmx.net"), Some((Family::Email, "gmx")));
        assert_eq!(
            lookup("lightmailer-bs.web.de"),
            Some((Family::Email, "web-de-mail"))
        );
        assert_eq!(
            lookup("x.lightmailer-bs.gmx.net"),
            Some((Family::Email, "gmx"))
        );
        assert_eq!(lookup("suche.gmx.net").map(|s| s.0), Some(Family::Search));
        assert_eq!(lookup("lightmailer.evil.test"), None);
        assert_eq!(
            lookup("mail01.orange.fr"),
            Some((Family::Email, "orange-mail"))
        );
        assert_eq!(
            lookup("mail.orange.fr"),
            Some((Family::Email, "orange-mail"))
        );
        assert_eq!(lookup("orange.fr"), None);
        assert_eq!(lookup("xmail.orange.fr"), None);
        // `name.{}` across public suffixes.
        assert_eq!(lookup("deref-gmx.net"), Some((Family::Email, "gmx")));
        assert_eq!(lookup("deref-gmx.co.uk"), Some((Family::Email, "gmx")));
        assert_eq!(
            lookup("deref-web-02.de"),
            Some((Family::Email, "web-de-mail"))
        );
        assert_eq!(lookup("deref-mail.com"), Some((Family::Email, "mail-com")));
        // `*.mail.yahoo.net` is written as the domain: subdomains match.
        assert_eq!(
            lookup("36ohk6dgmcd1n-c.c.yom.mail.yahoo.net"),
            Some((Family::Email, "yahoo-mail"))
        );
        assert_eq!(
            lookup("mail.yahoo.co.jp"),
            Some((Family::Email, "yahoo-mail"))
        );
        // `label.*`: a first label below a registrable domain; the specific entry wins.
        let webmail = SOURCES.by_host("webmail.example.org", "/").unwrap();
        assert_eq!((webmail.family, webmail.slug), (Family::Email, ""));
        assert!(SOURCES.by_host("webmail.uni.example.ac.uk", "/").is_some());
        assert_eq!(lookup("webmail.co.uk"), None);
        assert_eq!(lookup("webmail.com"), None);
        assert_eq!(lookup("x.webmail.example.org"), None);
        assert_eq!(lookup("webmail.gmx.net"), Some((Family::Email, "gmx")));
        assert_eq!(
            lookup("webmail.bluewin.ch"),
            Some((Family::Email, "bluewin-mail"))
        );
        assert_eq!(
            lookup("eur01.safelinks.protection.outlook.com"),
            Some((Family::Email, "outlook"))
        );
        assert_eq!(
            lookup("co106w.col106.mail.live.com"),
            Some((Family::Email, "outlook"))
        );
    }

    #[test]
    fn utm_sources_by_name_and_by_host() {
        let slug = |v: &str| SOURCES.by_utm_source(v).map(|s| (s.family, s.slug));
        assert_eq!(slug("chatgpt.com"), Some((Family::Ai, "chatgpt")));
        assert_eq!(slug("chatgpt"), Some((Family::Ai, "chatgpt")));
        assert_eq!(slug("openai"), Some((Family::Ai, "chatgpt")));
        assert_eq!(slug("perplexity"), Some((Family::Ai, "perplexity")));
        assert_eq!(slug("perplexity.ai"), Some((Family::Ai, "perplexity")));
        assert_eq!(slug("claude.ai"), Some((Family::Ai, "claude")));
        assert_eq!(slug("copilot.com"), Some((Family::Ai, "copilot")));
        assert_eq!(slug("gemini"), Some((Family::Ai, "gemini")));
        assert_eq!(slug("google"), Some((Family::Search, "google")));
        assert_eq!(slug("google.com"), Some((Family::Search, "google")));
        assert_eq!(slug("facebook"), Some((Family::Social, "facebook")));
        assert_eq!(slug("fb"), Some((Family::Social, "facebook")));
        assert_eq!(slug("yahoo!"), Some((Family::Search, "yahoo")));
        assert_eq!(slug("docs.google.com"), None);
        assert_eq!(slug("partner-x"), None);
        // GA4's shopping sources, by name and by host; `adwords` names Google.
        assert_eq!(slug("amazon"), Some((Family::Shopping, "amazon")));
        assert_eq!(slug("ebay.de"), Some((Family::Shopping, "ebay")));
        assert_eq!(slug("adwords"), Some((Family::Search, "google")));
        assert_eq!(slug("duckduckgo"), Some((Family::Search, "duckduckgo")));
        assert_eq!(slug("vimeo").map(|s| s.0), Some(Family::Social));
        assert_eq!(slug("-"), None);
    }

    #[test]
    fn click_ids() {
        let gclid = SOURCES.click_id("gclid").unwrap();
        assert_eq!((gclid.paid, gclid.slug), (true, Some("google")));
        assert_eq!(SOURCES.click_id("msclkid").unwrap().slug, Some("bing"));
        assert!(!SOURCES.click_id("fbclid").unwrap().paid);
        assert_eq!(SOURCES.click_id("aid"), None);
    }

    #[test]
    fn android_apps_match_exactly() {
        let app = |p: &str| SOURCES.by_app(p).map(|s| (s.family, s.slug));
        assert_eq!(app("com.google.android.gm"), Some((Family::Email, "gmail")));
        assert_eq!(app("com.openai.chatgpt"), Some((Family::Ai, "chatgpt")));
        assert_eq!(
            app("com.google.android.googlequicksearchbox"),
            Some((Family::Search, "google"))
        );
        assert_eq!(app("x.com.openai.chatgpt"), None);
    }
}
