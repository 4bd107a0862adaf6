//! Settings: one serde `Settings`, built from defaults, then the TOML file, then `AIVIS_*`
//! environment variables. Owns config-file discovery, validation (unknown keys, bad regexes,
//! duplicate names) and the redaction of secrets in `Debug` output. The prompt-check settings
//! (brand, competitors, engines) are in `checks`; checking names typed in flags against the
//! configured and stored ones is in [`names`].

mod checks;
pub mod names;

pub use checks::{EngineConfig, EntityConfig, MAX_SAMPLES};

use std::fmt;
use std::path::{Path, PathBuf};

use regex::{Regex, RegexSet};
use serde::Deserialize;

use crate::checks::mentions::{Entity, Role};
use crate::classify::{Channel, Classifier, RuleError, RuleMatch, SourceRule};

/// The database used when neither the config file nor `AIVIS_DATABASE_URL` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://aivis.db";
/// Config file looked for in the working directory when no path is given.
pub const DEFAULT_CONFIG_FILE: &str = "aivis.toml";
/// At most this many goals per site (conversions are tracked in a 64-bit set per session).
pub const MAX_GOALS_PER_SITE: usize = 64;
/// Days a day's salt is kept when the config does not say: the latest hit's day and the one
/// before it (a visit that starts before midnight and a log written a little late still find
/// their salt).
pub const DEFAULT_SALT_RETENTION_DAYS: u32 = 2;
/// Largest config file read (bytes): a real one is a few kilobytes, and a larger one is
/// refused before it is parsed (parsing a 15 MB file took half a gigabyte of memory).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Why the configuration could not be loaded. Every variant names the file and, where it can,
/// the key at fault; the CLI maps all of them to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "config file {path}: larger than {limit} bytes (1 MiB); a config file is a few kilobytes"
    )]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: String,
        message: String,
    },
    /// An `AIVIS_*` environment variable holds a bad value.
    #[error("environment variable {key}: {message}")]
    Env { key: String, message: String },
}

/// Everything aivis reads from its config file and environment.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Days a day's secret salt is kept, counting the day of the latest hit ingested; older
    /// salts are deleted, and their visitors can no longer be linked by anyone.
    #[serde(default = "default_salt_retention_days")]
    pub salt_retention_days: u32,
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// The AI engines prompt checks ask.
    #[serde(default)]
    pub engines: Vec<EngineConfig>,
    /// Where the settings came from (for messages); not a config key.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// One website whose traffic aivis analyses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub name: String,
    /// The site's own hosts: referrers from them are internal and never start a session.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Other hosts whose referrers count as internal: a payment provider or login service
    /// that sends the visitor back, the site's other domains.
    #[serde(default)]
    pub internal_hosts: Vec<String>,
    #[serde(default = "default_session_timeout")]
    pub session_timeout_minutes: u32,
    #[serde(default)]
    pub goals: Vec<GoalConfig>,
    /// The site's own source rules; they win over the built-in lists.
    #[serde(default)]
    pub source_rules: Vec<SourceRuleConfig>,
    /// The brand prompt checks look for in AI answers.
    #[serde(default)]
    pub brand: Option<EntityConfig>,
    /// Competitors tracked beside the brand.
    #[serde(default)]
    pub competitors: Vec<EntityConfig>,
}

/// A source rule as written in the config: exactly one of `host` (optionally with a path,
/// `x.com/i/grok`) or `utm_source`, mapped to a channel and source slug; `search_params`
/// names the query parameters carrying an organic_search referrer's search term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRuleConfig {
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub utm_source: Option<String>,
    pub channel: String,
    pub source: String,
    #[serde(default)]
    pub search_params: Vec<String>,
}

/// A conversion goal: a regex on the request path (with its query string).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalConfig {
    pub name: String,
    pub path: String,
    pub kind: GoalKind,
}

/// Macro goals (purchase, signup) make a session "converted"; micro goals are tracked apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GoalKind {
    Macro,
    Micro,
}

impl GoalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GoalKind::Macro => "macro",
            GoalKind::Micro => "micro",
        }
    }
}

fn default_database_url() -> String {
    DEFAULT_DATABASE_URL.to_string()
}

fn default_session_timeout() -> u32 {
    30
}

fn default_salt_retention_days() -> u32 {
    DEFAULT_SALT_RETENTION_DAYS
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: default_database_url(),
            salt_retention_days: DEFAULT_SALT_RETENTION_DAYS,
            sites: Vec::new(),
            engines: Vec::new(),
            source: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("salt_retention_days", &self.salt_retention_days)
            .field("sites", &self.sites)
            .field("engines", &self.engines)
            .field("source", &self.source)
            .finish()
    }
}

/// Hides the password of a `scheme://user:password@host/...` URL.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..scheme_end + 3],
        &userinfo[..colon],
        &rest[at..]
    )
}

/// Which file to read: `--config`, else `AIVIS_CONFIG`, else `./aivis.toml` when it exists.
/// `required` is true when the user named the file (it must then exist).
pub fn locate(cli_path: Option<&Path>, env_path: Option<&str>) -> Option<(PathBuf, bool)> {
    if let Some(path) = cli_path {
        return Some((path.to_path_buf(), true));
    }
    if let Some(path) = env_path.filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(path), true));
    }
    let default = PathBuf::from(DEFAULT_CONFIG_FILE);
    default.exists().then_some((default, false))
}

/// Loads settings: defaults, then the file (if any), then environment overrides.
pub fn load(
    cli_path: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let env_path = env("AIVIS_CONFIG");
    let mut settings = match locate(cli_path, env_path.as_deref()) {
        Some((path, _)) => {
            let text = read_capped(&path)?;
            let mut settings = parse(&text, &path)?;
            settings.source = Some(path);
            settings
        }
        None => Settings::default(),
    };
    if let Some(url) = env("AIVIS_DATABASE_URL").filter(|u| !u.is_empty()) {
        check_database_url(&url).map_err(|message| ConfigError::Env {
            key: "AIVIS_DATABASE_URL".into(),
            message,
        })?;
        settings.database_url = url;
    }
    Ok(settings)
}

/// A database URL aivis can open, or why not.
fn check_database_url(url: &str) -> Result<(), String> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|prefix| url.starts_with(prefix)) {
        Ok(())
    } else {
        Err(format!(
            "{:?} must start with sqlite:, postgres:// or postgresql://",
            redact_url(url)
        ))
    }
}

/// Reads a config file of at most [`MAX_CONFIG_BYTES`]: no more than one byte past the limit
/// is ever read, so a huge file (or a device that never ends) is refused at once.
fn read_capped(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|_| {
        read_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// Parses and validates the TOML text of a config file.
pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
    let settings: Settings = toml::from_str(text).map_err(|err| ConfigError::Parse {
        path: path.to_path_buf(),
        message: describe_toml_error(text, &err),
    })?;
    validate(&settings, path)?;
    Ok(settings)
}

fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    let message = err.message().trim().to_string();
    match err.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: {message}")
        }
        None => message,
    }
}

fn validate(settings: &Settings, path: &Path) -> Result<(), ConfigError> {
    let invalid = |key: String, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        key,
        message,
    };
    check_database_url(&settings.database_url)
        .map_err(|message| invalid("database_url".into(), message))?;
    if settings.salt_retention_days == 0 || settings.salt_retention_days > 3650 {
        return Err(invalid(
            "salt_retention_days".into(),
            "must be between 1 and 3650 (days a salt is kept, the latest hit's day included)"
                .into(),
        ));
    }
    let mut names = std::collections::HashSet::new();
    for (i, site) in settings.sites.iter().enumerate() {
        let key = format!("sites[{i}]");
        if site.name.trim().is_empty() {
            return Err(invalid(format!("{key}.name"), "must not be empty".into()));
        }
        if !names.insert(site.name.as_str()) {
            return Err(invalid(
                format!("{key}.name"),
                format!("site {:?} is defined twice", site.name),
            ));
        }
        if site.session_timeout_minutes == 0 || site.session_timeout_minutes > 24 * 60 {
            return Err(invalid(
                format!("{key}.session_timeout_minutes"),
                "must be between 1 and 1440".into(),
            ));
        }
        validate_goals(site, &key).map_err(|(k, m)| invalid(k, m))?;
        site.classifier()
            .map_err(|(k, m)| invalid(format!("{key}.{k}"), m))?;
        checks::validate_entities(site.brand.as_ref(), &site.competitors)
            .map_err(|(k, m)| invalid(format!("{key}.{k}"), m))?;
    }
    checks::validate_engines(&settings.engines).map_err(|(k, m)| invalid(k, m))?;
    Ok(())
}

fn validate_goals(site: &SiteConfig, key: &str) -> Result<(), (String, String)> {
    if site.goals.len() > MAX_GOALS_PER_SITE {
        return Err((
            format!("{key}.goals"),
            format!("at most {MAX_GOALS_PER_SITE} goals per site"),
        ));
    }
    let mut goal_names = std::collections::HashSet::new();
    for (j, goal) in site.goals.iter().enumerate() {
        let goal_key = format!("{key}.goals[{j}]");
        if goal.name.trim().is_empty() {
            return Err((format!("{goal_key}.name"), "must not be empty".into()));
        }
        if !goal_names.insert(goal.name.as_str()) {
            return Err((
                format!("{goal_key}.name"),
                format!("goal {:?} is defined twice", goal.name),
            ));
        }
        if let Err(err) = Regex::new(&goal.path) {
            return Err((
                format!("{goal_key}.path"),
                format!("not a valid regex: {err}"),
            ));
        }
    }
    Ok(())
}

impl SiteConfig {
    /// The brand (first) and competitors, as extraction tracks them.
    pub fn entities(&self) -> Vec<Entity> {
        self.brand
            .iter()
            .map(|b| b.entity(Role::Brand))
            .chain(self.competitors.iter().map(|c| c.entity(Role::Competitor)))
            .collect()
    }

    /// The site's classifier: its hosts and internal hosts are internal, its source rules
    /// win over the built-in lists. The error is the key at fault (below the site's) and why.
    pub fn classifier(&self) -> Result<Classifier, (String, String)> {
        let rules = self
            .source_rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                rule.to_rule()
                    .map_err(|(k, m)| (format!("source_rules[{i}]{k}"), m))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let internal: Vec<String> = self
            .hosts
            .iter()
            .chain(&self.internal_hosts)
            .cloned()
            .collect();
        Classifier::with_rules(&internal, &rules).map_err(|(i, err)| {
            let field = match err {
                RuleError::Channel(_) => "channel",
                RuleError::Source(_) => "source",
                RuleError::SearchParams(_) => "search_params",
                RuleError::Match(_) if self.source_rules[i].host.is_some() => "host",
                RuleError::Match(_) => "utm_source",
            };
            (format!("source_rules[{i}].{field}"), err.to_string())
        })
    }
}

impl SourceRuleConfig {
    /// The rule, or (the key suffix at fault, why).
    fn to_rule(&self) -> Result<SourceRule, (String, String)> {
        let matches = match (&self.host, &self.utm_source) {
            (Some(host), None) => RuleMatch::Host(host.clone()),
            (None, Some(value)) => RuleMatch::UtmSource(value.clone()),
            _ => {
                return Err((
                    String::new(),
                    "give exactly one of host or utm_source".into(),
                ));
            }
        };
        let channel = Channel::parse(self.channel.trim()).ok_or_else(|| {
            let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
            (
                ".channel".to_string(),
                format!(
                    "unknown channel {:?} (channels: {})",
                    self.channel,
                    names.join(", ")
                ),
            )
        })?;
        Ok(SourceRule {
            matches,
            channel,
            source: self.source.clone(),
            search_params: self.search_params.clone(),
        })
    }
}

impl Settings {
    /// The named site, or the only site when `name` is None.
    pub fn site(&self, name: Option<&str>) -> Result<&SiteConfig, String> {
        let where_ = self
            .source
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(no config file)".into());
        match name {
            Some(name) => self.sites.iter().find(|s| s.name == name).ok_or_else(|| {
                let known: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
                format!(
                    "{where_}: no site named {name:?} (configured: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            }),
            None => match self.sites.as_slice() {
                [only] => Ok(only),
                [] => Err(format!(
                    "{where_}: no [[sites]] configured; run `aivis init` to write an example config"
                )),
                _ => Err(format!(
                    "{where_}: several sites are configured; choose one with --site"
                )),
            },
        }
    }
}

/// A site's goals compiled for matching; goal `i` is bit `i` of a session's goal set.
#[derive(Debug, Clone)]
pub struct CompiledGoals {
    pub names: Vec<String>,
    pub kinds: Vec<GoalKind>,
    set: RegexSet,
}

impl CompiledGoals {
    pub fn new(goals: &[GoalConfig]) -> Result<CompiledGoals, regex::Error> {
        Ok(CompiledGoals {
            names: goals.iter().map(|g| g.name.clone()).collect(),
            kinds: goals.iter().map(|g| g.kind).collect(),
            set: RegexSet::new(goals.iter().map(|g| g.path.as_str()))?,
        })
    }

    /// The goals whose regex matches `target` (path plus query), as a bit set.
    pub fn matches(&self, target: &str) -> u64 {
        // is_match first: most pageviews reach no goal, and it does not allocate.
        if self.names.is_empty() || !self.set.is_match(target) {
            return 0;
        }
        self.set
            .matches(target)
            .iter()
            .fold(0u64, |bits, i| bits | (1u64 << i))
    }

    /// Bit set of the macro goals.
    pub fn macro_mask(&self) -> u64 {
        self.kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == GoalKind::Macro)
            .fold(0u64, |bits, (i, _)| bits | (1u64 << i))
    }
}

/// The commented example written by `aivis init` (also `examples/aivis.toml`).
pub const EXAMPLE_CONFIG: &str = include_str!("../../examples/aivis.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Settings, ConfigError> {
        parse(text, Path::new("test.toml"))
    }

    #[test]
    fn example_config_parses() {
        let settings = parse_str(EXAMPLE_CONFIG).unwrap();
        assert_eq!(settings.sites.len(), 1);
        let site = &settings.sites[0];
        assert_eq!(site.goals.len(), 2);
        assert_eq!(site.goals[0].kind, GoalKind::Macro);
        assert_eq!(site.session_timeout_minutes, 30);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = parse_str("[[sites]]\nname = \"a\"\nsesion_timeout_minutes = 5\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("sesion_timeout_minutes"), "{text}");
        assert!(text.contains("line 3"), "{text}");
        assert!(text.contains("test.toml"), "{text}");
    }

    #[test]
    fn bad_goal_regex_names_the_key() {
        let err = parse_str(
            "[[sites]]\nname = \"a\"\n[[sites.goals]]\nname = \"g\"\npath = \"(\"\nkind = \"macro\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("sites[0].goals[0].path"), "{err}");
    }

    #[test]
    fn bad_goal_kind_is_an_error() {
        let err = parse_str(
            "[[sites]]\nname = \"a\"\n[[sites.goals]]\nname = \"g\"\npath = \"x\"\nkind = \"huge\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("huge"), "{err}");
    }

    #[test]
    fn duplicate_site_is_an_error() {
        let err = parse_str("[[sites]]\nname = \"a\"\n[[sites]]\nname = \"a\"\n").unwrap_err();
        assert!(err.to_string().contains("defined twice"), "{err}");
    }

    #[test]
    fn env_overrides_database_url() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "database_url = \"sqlite://x.db\"\n").unwrap();
        let env = |k: &str| (k == "AIVIS_DATABASE_URL").then(|| "sqlite://y.db".to_string());
        let settings = load(Some(&path), &env).unwrap();
        assert_eq!(settings.database_url, "sqlite://y.db");
    }

    #[test]
    fn a_bad_database_url_in_the_environment_names_the_variable() {
        let env = |k: &str| (k == "AIVIS_DATABASE_URL").then(|| "garbage".to_string());
        let err = load(None, &env).unwrap_err();
        assert!(matches!(err, ConfigError::Env { .. }), "{err}");
        assert!(err.to_string().contains("AIVIS_DATABASE_URL"), "{err}");
    }

    #[test]
    fn salt_retention_is_checked() {
        assert_eq!(parse_str("").unwrap().salt_retention_days, 2);
        assert_eq!(
            parse_str("salt_retention_days = 7\n")
                .unwrap()
                .salt_retention_days,
            7
        );
        let err = parse_str("salt_retention_days = 0\n").unwrap_err();
        assert!(err.to_string().contains("salt_retention_days"), "{err}");
    }

    #[test]
    fn config_files_over_one_mebibyte_are_refused_unparsed() {
        let dir = tempfile::tempdir().unwrap();
        let env = |_: &str| None;
        // Exactly at the limit: read and parsed (a comment padded to 1 MiB).
        let at_limit = dir.path().join("at.toml");
        let mut text = "database_url = \"sqlite://x.db\"\n#".to_string();
        text.push_str(&"x".repeat(MAX_CONFIG_BYTES as usize - text.len()));
        std::fs::write(&at_limit, &text).unwrap();
        assert_eq!(
            load(Some(&at_limit), &env).unwrap().database_url,
            "sqlite://x.db"
        );
        // One byte more: refused naming the file and the limit, whatever follows.
        let over = dir.path().join("over.toml");
        std::fs::write(&over, format!("{text}x = [")).unwrap();
        let err = load(Some(&over), &env).unwrap_err();
        assert!(matches!(err, ConfigError::TooLarge { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("over.toml") && message.contains("1048576 bytes (1 MiB)"),
            "{message}"
        );
        // Not UTF-8: a read error naming the file, as before.
        let binary = dir.path().join("bin.toml");
        std::fs::write(&binary, b"\xff\xfe").unwrap();
        let err = load(Some(&binary), &env).unwrap_err();
        assert!(
            matches!(err, ConfigError::Read { .. }) && err.to_string().contains("bin.toml"),
            "{err}"
        );
    }

    #[test]
    fn debug_redacts_password() {
        let settings = Settings {
            database_url: "postgres://bob:s3cret@db:5432/x".into(),
            ..Settings::default()
        };
        let text = format!("{settings:?}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("bob:***@db:5432/x"), "{text}");
    }

    #[test]
    fn source_rules_and_internal_hosts_reach_the_classifier() {
        let settings = parse_str(
            "[[sites]]\nname = \"a\"\nhosts = [\"a.test\"]\ninternal_hosts = [\"pay.example\"]\n\
             [[sites.source_rules]]\nhost = \"chat.newai.example\"\nchannel = \"ai_assistant\"\nsource = \"newai\"\n\
             [[sites.source_rules]]\nutm_source = \"newai\"\nchannel = \"ai_assistant\"\nsource = \"newai\"\n",
        )
        .unwrap();
        let classifier = settings.sites[0].classifier().unwrap();
        let ai = classifier.classify(Some("https://chat.newai.example/"), "/");
        assert_eq!(
            (ai.channel.as_str(), ai.source.as_str()),
            ("ai_assistant", "newai")
        );
        let tagged = classifier.classify(None, "/?utm_source=NewAI");
        assert_eq!(tagged.source, "newai");
        assert!(classifier.is_internal_referrer("https://pay.example/back"));
        assert!(classifier.is_internal_referrer("https://a.test/"));
    }

    #[test]
    fn bad_source_rules_name_the_key() {
        let site = "[[sites]]\nname = \"a\"\n[[sites.source_rules]]\n";
        let error = |rule: &str| parse_str(&format!("{site}{rule}")).unwrap_err().to_string();
        let both = error(
            "host = \"x.example\"\nutm_source = \"x\"\nchannel = \"email\"\nsource = \"x\"\n",
        );
        assert!(
            both.contains("sites[0].source_rules[0]: give exactly one"),
            "{both}"
        );
        let channel = error("host = \"x.example\"\nchannel = \"ai\"\nsource = \"x\"\n");
        assert!(
            channel.contains("sites[0].source_rules[0].channel"),
            "{channel}"
        );
        assert!(
            channel.contains("ai_assistant, organic_search"),
            "{channel}"
        );
        let paid = error("host = \"x.example\"\nchannel = \"paid_search\"\nsource = \"x\"\n");
        assert!(paid.contains("source_rules[0].channel"), "{paid}");
        let source = error("utm_source = \"x\"\nchannel = \"email\"\nsource = \"\"\n");
        assert!(source.contains("source_rules[0].source"), "{source}");
        let unknown = error("host = \"x.example\"\nchanel = \"email\"\nsource = \"x\"\n");
        assert!(unknown.contains("chanel"), "{unknown}");
        let twice = parse_str(&format!(
            "{site}host = \"x.example\"\nchannel = \"email\"\nsource = \"x\"\n\
             [[sites.source_rules]]\nhost = \"X.example\"\nchannel = \"email\"\nsource = \"y\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            twice.contains("source_rules[1].host") && twice.contains("already"),
            "{twice}"
        );
    }

    #[test]
    fn engines_are_validated_naming_the_key() {
        let error = |engine: &str| {
            parse_str(&format!("[[engines]]\n{engine}"))
                .unwrap_err()
                .to_string()
        };
        let err = error("name = \"gpt\"\nkind = \"openai_chat\"\n");
        assert!(err.contains("engines[0].model"), "{err}");
        let err = error(
            "name = \"gpt\"\nkind = \"openai_chat\"\nmodel = \"m\"\napi_key_env = \"sk-live-123\"\n",
        );
        assert!(
            err.contains("engines[0].api_key_env") && err.contains("not hold the key"),
            "{err}"
        );
        let err = error("name = \"s\"\nkind = \"html\"\nurl_template = \"https://s.test/?q=x\"\n");
        assert!(err.contains("engines[0].url_template"), "{err}");
        let err = error(
            "name = \"s\"\nkind = \"html\"\nurl_template = \"https://s.test/?q={query}\"\nlink_selector = \"a[\"\n",
        );
        assert!(err.contains("engines[0].link_selector"), "{err}");
        let err = error("name = \"r\"\nkind = \"replay\"\n");
        assert!(err.contains("engines[0].path"), "{err}");
        let err = error("name = \"g\"\nkind = \"gemini\"\nmodel = \"m\"\nsamples = 0\n");
        assert!(err.contains("engines[0].samples"), "{err}");
        let err = error("name = \"g\"\nkind = \"bard\"\nmodel = \"m\"\n");
        assert!(err.contains("bard"), "{err}");
        let twice = "[[engines]]\nname = \"g\"\nkind = \"replay\"\npath = \"a\"\n";
        let err = parse_str(&format!("{twice}{twice}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("engines[1].name") && err.contains("twice"),
            "{err}"
        );
        let ok = parse_str("[[engines]]\nname = \"local\"\nkind = \"openai_chat\"\nmodel = \"llama3\"\nbase_url = \"http://127.0.0.1:11434/v1/\"\n").unwrap();
        let spec = ok.engines[0].spec(None);
        assert_eq!(spec.base_url, "http://127.0.0.1:11434/v1");
        assert_eq!(ok.engines[0].samples, 3);
        let default =
            parse_str("[[engines]]\nname = \"c\"\nkind = \"anthropic\"\nmodel = \"m\"\n").unwrap();
        assert_eq!(
            default.engines[0].spec(None).base_url,
            "https://api.anthropic.com/v1"
        );
    }

    #[test]
    fn a_new_engine_has_the_config_file_defaults() {
        let parsed =
            parse_str("[[engines]]\nname = \"r\"\nkind = \"replay\"\npath = \"a\"\n").unwrap();
        let built = EngineConfig {
            path: Some("a".into()),
            ..EngineConfig::new("r", crate::checks::engines::EngineKind::Replay)
        };
        assert_eq!(format!("{built:?}"), format!("{:?}", parsed.engines[0]));
    }

    #[test]
    fn brand_and_competitors_become_tracked_entities() {
        let settings = parse_str(EXAMPLE_CONFIG).unwrap();
        let entities = settings.sites[0].entities();
        assert_eq!(entities[0].name, "Acme");
        assert_eq!(entities[0].role, Role::Brand);
        assert_eq!(entities[1].role, Role::Competitor);
        let err = parse_str("[[sites]]\nname = \"a\"\n[sites.brand]\nname = \"Acme\"\n[[sites.competitors]]\nname = \"acme\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("sites[0].competitors[0].name"), "{err}");
    }

    #[test]
    fn goals_match_as_bits() {
        let settings = parse_str(EXAMPLE_CONFIG).unwrap();
        let goals = CompiledGoals::new(&settings.sites[0].goals).unwrap();
        assert_eq!(goals.matches("/checkout/complete?o=1"), 0b01);
        assert_eq!(goals.matches("/newsletter/thanks"), 0b10);
        assert_eq!(goals.matches("/pricing"), 0);
        assert_eq!(goals.macro_mask(), 0b01);
    }
}
