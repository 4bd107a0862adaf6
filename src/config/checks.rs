//! The prompt-check settings: each site's brand and competitors (`[sites.brand]`,
//! `[[sites.competitors]]`, with the match rules for names that are ordinary words: `match`,
//! `not_before`, `not_after`, `exclude`) and the AI engines to ask (`[[engines]]`), with their
//! validation.
//! API keys are never in the file: an engine names the environment variable that holds its
//! key, read only when a check runs.

use std::path::PathBuf;

use serde::Deserialize;

use crate::checks::engines::{EngineKind, EngineSpec, html};
use crate::checks::mentions::{Entity, MatchMode, MatchRules, Role};

/// A brand or competitor: its name, other names it goes by, its web domains, and how names
/// that are ordinary words are told apart from the word.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityConfig {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
    /// `auto` (the default), `exact_case` or `any_case` (checked when the config is loaded).
    #[serde(default, rename = "match")]
    pub match_mode: Option<String>,
    /// Words that, right before a name, make it not a mention ("every Monday").
    #[serde(default)]
    pub not_before: Vec<String>,
    /// Words that, right after a name, make it not a mention ("Apple pie").
    #[serde(default)]
    pub not_after: Vec<String>,
    /// Phrases a name inside of is not a mention ("square meter").
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// One AI engine (or search page) to ask the tracked prompts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineConfig {
    pub name: String,
    pub kind: EngineKind,
    /// The model to ask (required for the API kinds).
    #[serde(default)]
    pub model: String,
    /// The API root; defaults to the provider's documented one.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the API key (never the key itself).
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Answers per prompt per run.
    #[serde(default = "default_samples")]
    pub samples: u32,
    #[serde(default = "default_requests_per_minute")]
    pub requests_per_minute: u32,
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u32,
    /// Ask the provider to search the web (openai_responses, anthropic, gemini).
    #[serde(default)]
    pub web_search: bool,
    /// Most output tokens asked for (Anthropic requires a limit).
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    /// US dollars per million input tokens, for the estimated cost of each answer.
    #[serde(default)]
    pub input_usd_per_mtok: Option<f64>,
    /// US dollars per million output tokens.
    #[serde(default)]
    pub output_usd_per_mtok: Option<f64>,
    /// `html`: the page URL, `{query}` standing for the URL-encoded prompt.
    #[serde(default)]
    pub url_template: Option<String>,
    /// `html`: CSS selector of the answer text.
    #[serde(default)]
    pub answer_selector: Option<String>,
    /// `html`: CSS selector of the result links.
    #[serde(default)]
    pub link_selector: Option<String>,
    /// `replay`: the NDJSON file of recorded answers.
    #[serde(default)]
    pub path: Option<PathBuf>,
}

/// Most answers per prompt per run.
pub const MAX_SAMPLES: u32 = 20;

fn default_samples() -> u32 {
    3
}

fn default_requests_per_minute() -> u32 {
    60
}

fn default_timeout_seconds() -> u32 {
    60
}

fn default_max_tokens() -> u32 {
    1024
}

impl EntityConfig {
    /// The match mode (`auto` when unset or, before validation, misspelt).
    pub fn mode(&self) -> MatchMode {
        self.match_mode
            .as_deref()
            .and_then(MatchMode::parse)
            .unwrap_or_default()
    }

    /// The entity as extraction tracks it.
    pub fn entity(&self, role: Role) -> Entity {
        Entity {
            name: self.name.trim().to_string(),
            aliases: self.aliases.clone(),
            domains: self.domains.clone(),
            role,
            rules: MatchRules {
                mode: self.mode(),
                not_before: self.not_before.clone(),
                not_after: self.not_after.clone(),
                exclude: self.exclude.clone(),
            },
        }
    }
}

impl EngineConfig {
    /// An engine of `kind` with every other setting at its config-file default (as if only
    /// `name` and `kind` were written).
    pub fn new(name: &str, kind: EngineKind) -> EngineConfig {
        EngineConfig {
            name: name.to_string(),
            kind,
            model: String::new(),
            base_url: None,
            api_key_env: None,
            samples: default_samples(),
            requests_per_minute: default_requests_per_minute(),
            timeout_seconds: default_timeout_seconds(),
            web_search: false,
            max_tokens: default_max_tokens(),
            input_usd_per_mtok: None,
            output_usd_per_mtok: None,
            url_template: None,
            answer_selector: None,
            link_selector: None,
            path: None,
        }
    }

    /// The adapter's view of this engine, with `api_key` read by the caller.
    pub fn spec(&self, api_key: Option<String>) -> EngineSpec {
        let base_url = self
            .base_url
            .clone()
            .or_else(|| self.kind.default_base_url().map(str::to_string))
            .unwrap_or_default();
        EngineSpec {
            name: self.name.clone(),
            kind: self.kind,
            model: self.model.clone(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            web_search: self.web_search,
            url_template: self.url_template.clone(),
            answer_selector: self.answer_selector.clone(),
            link_selector: self.link_selector.clone(),
            max_tokens: self.max_tokens,
        }
    }

    /// Estimated cost in US dollars of an answer with this usage, when prices are configured.
    pub fn cost_usd(&self, input_tokens: u64, output_tokens: u64) -> Option<f64> {
        let input = self.input_usd_per_mtok? * input_tokens as f64;
        let output = self.output_usd_per_mtok? * output_tokens as f64;
        Some((input + output) / 1_000_000.0)
    }

    /// Whether the engine calls an HTTP API that takes a model name.
    fn needs_model(&self) -> bool {
        !matches!(self.kind, EngineKind::Html | EngineKind::Replay)
    }
}

/// Checks the engines; the error is (key, message).
pub fn validate_engines(engines: &[EngineConfig]) -> Result<(), (String, String)> {
    let mut names = std::collections::HashSet::new();
    for (i, engine) in engines.iter().enumerate() {
        let key = |field: &str| format!("engines[{i}].{field}");
        if engine.name.trim().is_empty() || engine.name.contains(',') {
            return Err((
                key("name"),
                "must be a non-empty name without commas".into(),
            ));
        }
        if !names.insert(engine.name.as_str()) {
            return Err((
                key("name"),
                format!("engine {:?} is defined twice", engine.name),
            ));
        }
        validate_engine(engine).map_err(|(field, message)| (key(field), message))?;
    }
    Ok(())
}

fn validate_engine(engine: &EngineConfig) -> Result<(), (&'static str, String)> {
    if engine.needs_model() && engine.model.trim().is_empty() {
        return Err((
            "model",
            format!("a {} engine needs a model", engine.kind.as_str()),
        ));
    }
    if !(1..=MAX_SAMPLES).contains(&engine.samples) {
        return Err(("samples", format!("must be between 1 and {MAX_SAMPLES}")));
    }
    if !(1..=10_000).contains(&engine.requests_per_minute) {
        return Err(("requests_per_minute", "must be between 1 and 10000".into()));
    }
    if !(1..=600).contains(&engine.timeout_seconds) {
        return Err(("timeout_seconds", "must be between 1 and 600".into()));
    }
    if let Some(url) = &engine.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        return Err(("base_url", "must start with http:// or https://".into()));
    }
    if let Some(var) = &engine.api_key_env
        && (var.is_empty()
            || !var
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    {
        return Err((
            "api_key_env",
            "must name an environment variable (A-Z, 0-9, _), not hold the key".into(),
        ));
    }
    for (field, price) in [
        ("input_usd_per_mtok", engine.input_usd_per_mtok),
        ("output_usd_per_mtok", engine.output_usd_per_mtok),
    ] {
        if price.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
            return Err((field, "must be a price of zero or more".into()));
        }
    }
    validate_kind_fields(engine)
}

fn validate_kind_fields(engine: &EngineConfig) -> Result<(), (&'static str, String)> {
    match engine.kind {
        EngineKind::Html => {
            let template = engine.url_template.as_deref().unwrap_or("");
            if !template.contains("{query}")
                || !(template.starts_with("http://") || template.starts_with("https://"))
            {
                return Err((
                    "url_template",
                    "an html engine needs an http(s) url_template containing {query}".into(),
                ));
            }
            if engine.answer_selector.is_none() && engine.link_selector.is_none() {
                return Err((
                    "answer_selector",
                    "an html engine needs answer_selector, link_selector or both".into(),
                ));
            }
            for (field, selector) in [
                ("answer_selector", &engine.answer_selector),
                ("link_selector", &engine.link_selector),
            ] {
                if let Some(selector) = selector {
                    html::check_selector(selector)
                        .map_err(|err| (field, format!("not a CSS selector: {err}")))?;
                }
            }
        }
        EngineKind::Replay if engine.path.is_none() => {
            return Err((
                "path",
                "a replay engine needs the path of its answers file".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Checks a site's brand and competitors; the error is (key below the site, message).
pub fn validate_entities(
    brand: Option<&EntityConfig>,
    competitors: &[EntityConfig],
) -> Result<(), (String, String)> {
    let mut names = std::collections::HashSet::new();
    let all = brand.map(|b| ("brand".to_string(), b)).into_iter().chain(
        competitors
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("competitors[{i}]"), c)),
    );
    for (key, entity) in all {
        if entity.name.trim().is_empty() {
            return Err((format!("{key}.name"), "must not be empty".into()));
        }
        if !names.insert(entity.name.trim().to_lowercase()) {
            return Err((
                format!("{key}.name"),
                format!("{:?} is named twice", entity.name),
            ));
        }
        if entity.aliases.iter().any(|a| a.trim().is_empty()) {
            return Err((format!("{key}.aliases"), "must not hold empty names".into()));
        }
        if let Some(bad) = entity
            .domains
            .iter()
            .find(|d| d.trim().is_empty() || d.contains(char::is_whitespace))
        {
            return Err((format!("{key}.domains"), format!("{bad:?} is not a domain")));
        }
        validate_match_rules(entity)
            .map_err(|(field, message)| (format!("{key}.{field}"), message))?;
    }
    Ok(())
}

/// Most entries in one of `not_before`, `not_after`, `exclude`.
pub const MAX_MATCH_RULE_ENTRIES: usize = 200;
/// Longest entry, in bytes.
const MAX_MATCH_RULE_LEN: usize = 200;

/// Checks `match`, `not_before`, `not_after` and `exclude`; the error is (field, message).
fn validate_match_rules(entity: &EntityConfig) -> Result<(), (&'static str, String)> {
    if let Some(mode) = &entity.match_mode
        && MatchMode::parse(mode).is_none()
    {
        let known: Vec<&str> = MatchMode::ALL.iter().map(|m| m.as_str()).collect();
        return Err((
            "match",
            format!(
                "{mode:?} is not {} or {}",
                known[..known.len() - 1].join(", "),
                known[known.len() - 1]
            ),
        ));
    }
    for (field, entries) in [
        ("not_before", &entity.not_before),
        ("not_after", &entity.not_after),
        ("exclude", &entity.exclude),
    ] {
        if entries.len() > MAX_MATCH_RULE_ENTRIES {
            return Err((field, format!("at most {MAX_MATCH_RULE_ENTRIES} entries")));
        }
        for entry in entries {
            if entry.trim().is_empty() {
                return Err((field, "must not hold empty strings".into()));
            }
            if entry.len() > MAX_MATCH_RULE_LEN {
                return Err((
                    field,
                    format!("{entry:?} is longer than {MAX_MATCH_RULE_LEN} bytes"),
                ));
            }
            if field != "exclude" && !entry.trim().chars().all(char::is_alphanumeric) {
                return Err((
                    field,
                    format!(
                        "{entry:?} is not one word (letters and digits; use exclude for phrases)"
                    ),
                ));
            }
        }
    }
    Ok(())
}
