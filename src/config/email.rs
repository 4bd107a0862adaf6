//! `[email]`: who mail comes from and how it leaves — written as `.eml` files into a folder
//! (the default: no mail server needed) or sent over SMTP — and how often delivery is tried.
//! A site's recipients (`digest_to`, `alerts_to`) and digest period live in `[[sites]]`.
//! Secrets are never written here: `username_env` and `password_env` name environment
//! variables, read only when a message is sent.

use std::path::PathBuf;

use lettre::message::Mailbox;
use serde::Deserialize;

/// The folder `.eml` files are written to when `dir` is not given.
pub const DEFAULT_OUTBOX_DIR: &str = "outbox";
/// The sender when `from` is not given.
pub const DEFAULT_FROM: &str = "aivis <aivis@localhost>";

/// How mail leaves aivis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportKind {
    /// Each message written as an RFC 5322 `.eml` file into `dir`.
    #[default]
    File,
    /// Sent to an SMTP server.
    Smtp,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text (a relay on the same host or network only).
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl TlsMode {
    /// The port used when `port` is not given.
    pub fn default_port(self) -> u16 {
        match self {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        }
    }
}

/// `[email]` as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The sender, `"Name <address>"` or a bare address.
    #[serde(default = "default_from")]
    pub from: String,
    #[serde(default)]
    pub transport: TransportKind,
    /// `file`: the folder `.eml` files are written to (created if missing).
    #[serde(default = "default_dir")]
    pub dir: PathBuf,
    /// `smtp`: the server's host name (required for `smtp`).
    #[serde(default)]
    pub host: Option<String>,
    /// `smtp`: the port (default 587 with STARTTLS, 465 with TLS, 25 without).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    /// `smtp`: a PEM file of a certificate authority to trust besides the system's (a
    /// company's own relay).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// `smtp`: the environment variable holding the user name for AUTH.
    #[serde(default)]
    pub username_env: Option<String>,
    /// `smtp`: the environment variable holding the password for AUTH.
    #[serde(default)]
    pub password_env: Option<String>,
    /// `smtp`: seconds one connection or reply may take (default 30).
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u64,
    /// Attempts before a message that keeps failing transiently is marked failed (default 10:
    /// about eight hours of retries).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
}

impl Default for EmailConfig {
    fn default() -> EmailConfig {
        EmailConfig {
            from: default_from(),
            transport: TransportKind::default(),
            dir: default_dir(),
            host: None,
            port: None,
            tls: TlsMode::default(),
            ca_file: None,
            username_env: None,
            password_env: None,
            timeout_seconds: default_timeout_seconds(),
            max_attempts: default_max_attempts(),
        }
    }
}

fn default_from() -> String {
    DEFAULT_FROM.to_string()
}

fn default_dir() -> PathBuf {
    PathBuf::from(DEFAULT_OUTBOX_DIR)
}

fn default_timeout_seconds() -> u64 {
    30
}

fn default_max_attempts() -> u32 {
    10
}

impl EmailConfig {
    /// The sender as a mailbox (checked when the config was loaded).
    pub fn sender(&self) -> Mailbox {
        self.from
            .parse()
            .unwrap_or_else(|_| DEFAULT_FROM.parse().expect("the default sender parses"))
    }

    /// The SMTP port in force.
    pub fn smtp_port(&self) -> u16 {
        self.port.unwrap_or_else(|| self.tls.default_port())
    }
}

/// How often a site's digest covers: the last full ISO week, or yesterday.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestPeriod {
    #[default]
    Week,
    Day,
}

impl DigestPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestPeriod::Week => "week",
            DigestPeriod::Day => "day",
        }
    }
}

/// Checks `[email]`; the error names the key (under `key`) and says what is wrong.
pub(super) fn validate(email: &EmailConfig, key: &str) -> Result<(), (String, String)> {
    let at = |name: &str| format!("{key}.{name}");
    check_mailbox(&email.from).map_err(|m| (at("from"), m))?;
    if email.transport == TransportKind::Smtp {
        match email.host.as_deref().map(str::trim) {
            None | Some("") => {
                return Err((at("host"), "required when transport = \"smtp\"".into()));
            }
            Some(host) if host.contains(char::is_whitespace) || host.contains('/') => {
                return Err((at("host"), format!("{host:?} is not a host name")));
            }
            Some(_) => {}
        }
    }
    if email.port == Some(0) {
        return Err((at("port"), "must be between 1 and 65535".into()));
    }
    for (name, value) in [
        ("username_env", &email.username_env),
        ("password_env", &email.password_env),
    ] {
        if let Some(variable) = value {
            check_variable_name(variable).map_err(|m| (at(name), m))?;
        }
    }
    if email.username_env.is_some() != email.password_env.is_some() {
        return Err((
            at("password_env"),
            "username_env and password_env go together: give both or neither".into(),
        ));
    }
    if !(1..=600).contains(&email.timeout_seconds) {
        return Err((at("timeout_seconds"), "must be between 1 and 600".into()));
    }
    if !(1..=100).contains(&email.max_attempts) {
        return Err((at("max_attempts"), "must be between 1 and 100".into()));
    }
    Ok(())
}

/// Checks a list of recipients (`digest_to`, `alerts_to`); the error names the entry.
pub(super) fn validate_recipients(list: &[String], key: &str) -> Result<(), (String, String)> {
    for (i, address) in list.iter().enumerate() {
        check_mailbox(address).map_err(|m| (format!("{key}[{i}]"), m))?;
    }
    Ok(())
}

fn check_mailbox(text: &str) -> Result<(), String> {
    if text.chars().any(char::is_control) {
        return Err("an email address must not contain control characters".into());
    }
    text.parse::<Mailbox>()
        .map(|_| ())
        .map_err(|err| format!("{text:?} is not an email address ({err})"))
}

fn check_variable_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not an environment variable name (the name of the variable holding \
             the secret, e.g. \"SMTP_PASSWORD\", not the secret itself)"
        ))
    }
}
