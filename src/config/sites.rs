//! A site's settings: its hosts, goals and source rules (`[[sites]]`), their validation, the
//! classifier they make, and the goals compiled for matching. Brand and competitors are in
//! `checks`.

use regex::{Regex, RegexSet};
use serde::Deserialize;

use crate::checks::mentions::{Entity, Role};
use crate::classify::{Channel, Classifier, RuleError, RuleMatch, SourceRule};

use super::EntityConfig;

/// At most this many goals per site (conversions are tracked in a 64-bit set per session).
pub const MAX_GOALS_PER_SITE: usize = 64;

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
    /// The site's own alert thresholds, over the global `[alerts]`.
    #[serde(default)]
    pub alerts: super::AlertsConfig,
    /// Who receives the site's digest (none: no digest is queued).
    #[serde(default)]
    pub digest_to: Vec<String>,
    /// Who receives the site's alert mails (none: alerts are evaluated but not mailed).
    #[serde(default)]
    pub alerts_to: Vec<String>,
    /// What one digest covers: the last full ISO week (default) or yesterday.
    #[serde(default)]
    pub digest_period: super::DigestPeriod,
    /// The access logs `aivis run` follows for this site.
    #[serde(default)]
    pub logs: Vec<LogSourceConfig>,
}

/// An access log the daemon follows: a path or a glob (`/var/log/nginx/access.log*`), and its
/// format (`auto`, the default, detects it from the first lines).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSourceConfig {
    pub path: String,
    #[serde(default = "default_log_format")]
    pub format: String,
}

fn default_log_format() -> String {
    "auto".into()
}

impl LogSourceConfig {
    /// The format to read with (checked when the config was loaded).
    pub fn format_choice(&self) -> crate::ingest::FormatChoice {
        match self.format.parse() {
            Ok(format) => crate::ingest::FormatChoice::Fixed(format),
            Err(_) => crate::ingest::FormatChoice::Auto,
        }
    }
}

/// Checks a site's log sources: a path, a valid glob, a known format.
pub(super) fn validate_logs(site: &SiteConfig, key: &str) -> Result<(), (String, String)> {
    for (i, log) in site.logs.iter().enumerate() {
        let at = |name: &str| format!("{key}.logs[{i}].{name}");
        if log.path.trim().is_empty() {
            return Err((at("path"), "must not be empty".into()));
        }
        glob::Pattern::new(&log.path).map_err(|err| {
            (
                at("path"),
                format!("{:?} is not a valid glob: {err}", log.path),
            )
        })?;
        if log.format != "auto"
            && log
                .format
                .parse::<crate::ingest::parse::LogFormat>()
                .is_err()
        {
            let known: Vec<&str> = crate::ingest::parse::LogFormat::ALL
                .iter()
                .map(|f| f.as_str())
                .collect();
            return Err((
                at("format"),
                format!(
                    "{:?} is not auto or one of {}",
                    log.format,
                    known.join(", ")
                ),
            ));
        }
    }
    Ok(())
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

fn default_session_timeout() -> u32 {
    30
}

pub(super) fn validate_goals(site: &SiteConfig, key: &str) -> Result<(), (String, String)> {
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
