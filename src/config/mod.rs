//! Settings: one serde `Settings`, built from defaults, then the TOML file, then `AIVIS_*`
//! environment variables. Owns config-file discovery, validation (unknown keys, bad regexes,
//! duplicate names) and the redaction of secrets in `Debug` output. The prompt-check settings
//! (brand, competitors, engines) are in `checks`; a site's hosts, goals and source rules in
//! `sites`; checking names typed in flags against the configured and stored ones in [`names`].

mod alerts;
mod checks;
mod email;
pub mod names;
mod schedule;
mod sites;
#[cfg(test)]
mod tests;

pub use alerts::{ALERT_KINDS, AlertSettings, AlertsConfig};
pub use checks::{EngineConfig, EntityConfig, MAX_SAMPLES};
pub use email::{DEFAULT_OUTBOX_DIR, DigestPeriod, EmailConfig, TlsMode, TransportKind};
pub use schedule::{JOB_NAMES, JobSchedule, ScheduleConfig};
pub use sites::{
    CompiledGoals, GoalConfig, GoalKind, LogSourceConfig, MAX_GOALS_PER_SITE, SiteConfig,
    SourceRuleConfig,
};

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{ErrorKind, HasKind};
pub use names::UnknownName;

/// The database used when neither the config file nor `AIVIS_DATABASE_URL` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://aivis.db";
/// Config file looked for in the working directory when no path is given.
pub const DEFAULT_CONFIG_FILE: &str = "aivis.toml";
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
    /// `database_url` in the file names a database aivis cannot open.
    #[error("config file {path}: database_url: {source}")]
    DatabaseUrl {
        path: PathBuf,
        source: UnsupportedDatabaseUrl,
    },
    /// `AIVIS_DATABASE_URL` names a database aivis cannot open.
    #[error("environment variable AIVIS_DATABASE_URL: {0}")]
    EnvDatabaseUrl(#[source] UnsupportedDatabaseUrl),
}

impl HasKind for ConfigError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// A database URL of no backend aivis has (the URL with its password hidden).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} must start with sqlite:, postgres:// or postgresql://")]
pub struct UnsupportedDatabaseUrl {
    pub url: String,
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
    /// Days of visits and answer texts kept: `aivis run`'s retention job deletes sessions (and
    /// their conversions) of older days and clears older answers' texts; the daily rollups,
    /// mentions and citations are kept. None: everything is kept.
    #[serde(default)]
    pub retention_days: Option<u32>,
    #[serde(default)]
    pub sites: Vec<SiteConfig>,
    /// The AI engines prompt checks ask.
    #[serde(default)]
    pub engines: Vec<EngineConfig>,
    /// Alert thresholds for every site (each site may override them).
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// How email leaves aivis (`.eml` files by default, or SMTP).
    #[serde(default)]
    pub email: EmailConfig,
    /// When `aivis run` runs each job.
    #[serde(default)]
    pub schedule: ScheduleConfig,
    /// Where the settings came from (for messages); not a config key.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

fn default_database_url() -> String {
    DEFAULT_DATABASE_URL.to_string()
}

fn default_salt_retention_days() -> u32 {
    DEFAULT_SALT_RETENTION_DAYS
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: default_database_url(),
            salt_retention_days: DEFAULT_SALT_RETENTION_DAYS,
            retention_days: None,
            sites: Vec::new(),
            engines: Vec::new(),
            alerts: AlertsConfig::default(),
            email: EmailConfig::default(),
            schedule: ScheduleConfig::default(),
            source: None,
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("salt_retention_days", &self.salt_retention_days)
            .field("retention_days", &self.retention_days)
            .field("sites", &self.sites)
            .field("engines", &self.engines)
            .field("alerts", &self.alerts)
            .field("email", &self.email)
            .field("schedule", &self.schedule)
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
        check_database_url(&url).map_err(ConfigError::EnvDatabaseUrl)?;
        settings.database_url = url;
    }
    Ok(settings)
}

/// A database URL aivis can open, or why not.
pub fn check_database_url(url: &str) -> Result<(), UnsupportedDatabaseUrl> {
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|prefix| url.starts_with(prefix)) {
        Ok(())
    } else {
        Err(UnsupportedDatabaseUrl {
            url: redact_url(url),
        })
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
    check_database_url(&settings.database_url).map_err(|source| ConfigError::DatabaseUrl {
        path: path.to_path_buf(),
        source,
    })?;
    if settings.salt_retention_days == 0 || settings.salt_retention_days > 3650 {
        return Err(invalid(
            "salt_retention_days".into(),
            "must be between 1 and 3650 (days a salt is kept, the latest hit's day included)"
                .into(),
        ));
    }
    if let Some(days) = settings.retention_days
        && (days < settings.salt_retention_days || days > 36_500)
    {
        return Err(invalid(
            "retention_days".into(),
            format!(
                "must be between salt_retention_days ({}) and 36500 (days of visits kept)",
                settings.salt_retention_days
            ),
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
        sites::validate_goals(site, &key).map_err(|(k, m)| invalid(k, m))?;
        sites::validate_logs(site, &key).map_err(|(k, m)| invalid(k, m))?;
        site.classifier()
            .map_err(|(k, m)| invalid(format!("{key}.{k}"), m))?;
        checks::validate_entities(site.brand.as_ref(), &site.competitors)
            .map_err(|(k, m)| invalid(format!("{key}.{k}"), m))?;
        alerts::validate(&site.alerts, &format!("{key}.alerts")).map_err(|(k, m)| invalid(k, m))?;
        email::validate_recipients(&site.digest_to, &format!("{key}.digest_to"))
            .map_err(|(k, m)| invalid(k, m))?;
        email::validate_recipients(&site.alerts_to, &format!("{key}.alerts_to"))
            .map_err(|(k, m)| invalid(k, m))?;
    }
    email::validate(&settings.email, "email").map_err(|(k, m)| invalid(k, m))?;
    schedule::validate(&settings.schedule).map_err(|(k, m)| invalid(k, m))?;
    alerts::validate(&settings.alerts, "alerts").map_err(|(k, m)| invalid(k, m))?;
    checks::validate_engines(&settings.engines).map_err(|(k, m)| invalid(k, m))?;
    Ok(())
}

impl Settings {
    /// The alert thresholds in force for `site` (its own, else the global ones, else the
    /// defaults); the global ones for a site not configured.
    pub fn alert_settings(&self, site: &str) -> AlertSettings {
        let own = self
            .sites
            .iter()
            .find(|s| s.name == site)
            .map(|s| s.alerts.clone())
            .unwrap_or_default();
        AlertSettings::resolve(&self.alerts, &own)
    }

    /// The named site, or the only site when `name` is None.
    pub fn site(&self, name: Option<&str>) -> Result<&SiteConfig, SiteError> {
        let config = names::config_path(self);
        match name {
            Some(name) => self
                .sites
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| names::unknown_configured_site(self, name).into()),
            None => match self.sites.as_slice() {
                [only] => Ok(only),
                [] => Err(SiteError::NoneConfigured { config }),
                _ => Err(SiteError::Several { config }),
            },
        }
    }
}

/// Why [`Settings::site`] found no site: none or several configured and none named (the
/// caller's to fix: usage), or the named one is not configured (not found).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteError {
    #[error(
        "{}: no [[sites]] configured; run `aivis init` to write an example config",
        names::config_file(config)
    )]
    NoneConfigured { config: Option<Box<Path>> },
    #[error(
        "{}: several sites are configured; choose one with --site",
        names::config_file(config)
    )]
    Several { config: Option<Box<Path>> },
    #[error(transparent)]
    Unknown(#[from] UnknownName),
}

impl HasKind for SiteError {
    fn kind(&self) -> ErrorKind {
        match self {
            SiteError::NoneConfigured { .. } | SiteError::Several { .. } => ErrorKind::Usage,
            SiteError::Unknown(err) => err.kind(),
        }
    }
}

/// The commented example written by `aivis init` (also `examples/aivis.toml`).
pub const EXAMPLE_CONFIG: &str = include_str!("../../examples/aivis.toml");
