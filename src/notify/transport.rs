//! How a stored message leaves: written as an `.eml` file into a folder, or sent to an SMTP
//! server with lettre (plain, STARTTLS or TLS, AUTH from environment variables). Whether a
//! failure is transient or permanent is decided here, in [`classify`], and nowhere else.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

use super::retry::FailureKind;
use crate::config::{EmailConfig, TlsMode, TransportKind};
use crate::error::{ErrorKind, HasKind};

/// Why a transport could not be set up from the config (the user's to fix).
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("email.{key}: environment variable {variable} is not set")]
    MissingSecret { key: &'static str, variable: String },
    #[error("email.ca_file {path}: {message}")]
    CaFile { path: PathBuf, message: String },
    #[error("email: cannot set up TLS for {host}: {message}")]
    Tls { host: String, message: String },
}

impl HasKind for TransportError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// One failed attempt: whether to try again, and what went wrong (the server's reply when
/// there was one). Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub kind: FailureKind,
    pub message: String,
}

/// Where messages go.
pub enum Transport {
    /// `.eml` files in a folder.
    File { dir: PathBuf },
    /// An SMTP server.
    Smtp {
        mailer: AsyncSmtpTransport<Tokio1Executor>,
        /// `host:port`, for messages.
        server: String,
    },
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::File { dir } => write!(f, "Transport::File({})", dir.display()),
            Transport::Smtp { server, .. } => write!(f, "Transport::Smtp({server})"),
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transport::File { dir } => write!(f, ".eml files in {}", dir.display()),
            Transport::Smtp { server, .. } => write!(f, "SMTP {server}"),
        }
    }
}

impl Transport {
    /// The transport `[email]` describes; `env` reads the AUTH secrets' variables.
    pub fn from_config(
        config: &EmailConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Transport, TransportError> {
        match config.transport {
            TransportKind::File => Ok(Transport::File {
                dir: config.dir.clone(),
            }),
            TransportKind::Smtp => smtp(config, env),
        }
    }

    /// Hands one message to its destination. Ok means the server accepted it (SMTP: its 250
    /// reply to the message's data) or the file is in place.
    pub async fn send(
        &self,
        file_name: &str,
        sender: &str,
        recipients: &[String],
        message: &[u8],
    ) -> Result<(), SendFailure> {
        match self {
            Transport::File { dir } => write_eml(dir, file_name, message).await,
            Transport::Smtp { mailer, .. } => {
                let envelope = envelope(sender, recipients)?;
                mailer
                    .send_raw(&envelope, message)
                    .await
                    .map(|_| ())
                    .map_err(|err| SendFailure {
                        kind: classify(&err),
                        message: err.to_string(),
                    })
            }
        }
    }
}

/// Transient or permanent: a 5xx reply is permanent; a 4xx reply, a refused or dropped
/// connection, a timeout or a failed TLS handshake may pass.
pub fn classify(err: &lettre::transport::smtp::Error) -> FailureKind {
    if err.is_permanent() {
        FailureKind::Permanent
    } else {
        FailureKind::Transient
    }
}

fn smtp(
    config: &EmailConfig,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Transport, TransportError> {
    let host = config.host.clone().unwrap_or_default();
    let port = config.smtp_port();
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
        .port(port)
        .timeout(Some(Duration::from_secs(config.timeout_seconds)));
    if config.tls != TlsMode::None {
        let parameters = tls_parameters(config, &host)?;
        builder = builder.tls(match config.tls {
            TlsMode::Tls => Tls::Wrapper(parameters),
            _ => Tls::Required(parameters),
        });
    }
    if let (Some(user_var), Some(pass_var)) = (&config.username_env, &config.password_env) {
        let read = |key: &'static str, variable: &String| {
            env(variable)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| TransportError::MissingSecret {
                    key,
                    variable: variable.clone(),
                })
        };
        let user = read("username_env", user_var)?;
        let password = read("password_env", pass_var)?;
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(Transport::Smtp {
        mailer: builder.build(),
        server: format!("{host}:{port}"),
    })
}

fn tls_parameters(config: &EmailConfig, host: &str) -> Result<TlsParameters, TransportError> {
    let mut builder = TlsParameters::builder(host.to_string());
    if let Some(path) = &config.ca_file {
        let ca_error = |message: String| TransportError::CaFile {
            path: path.clone(),
            message,
        };
        let pem = std::fs::read(path).map_err(|err| ca_error(err.to_string()))?;
        let certificate = Certificate::from_pem(&pem).map_err(|err| ca_error(err.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|err| TransportError::Tls {
        host: host.to_string(),
        message: err.to_string(),
    })
}

fn envelope(sender: &str, recipients: &[String]) -> Result<Envelope, SendFailure> {
    let permanent = |message: String| SendFailure {
        kind: FailureKind::Permanent,
        message,
    };
    let parse = |text: &str| {
        text.parse::<Address>()
            .map_err(|err| permanent(format!("address {text:?}: {err}")))
    };
    let to = recipients
        .iter()
        .map(|r| parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(parse(sender)?), to).map_err(|err| permanent(err.to_string()))
}

/// Writes `message` as `dir/file_name.eml`, whole or not at all (a temporary file renamed):
/// delivering the same message again replaces the file, so a folder never holds it twice.
async fn write_eml(dir: &Path, file_name: &str, message: &[u8]) -> Result<(), SendFailure> {
    let io_failure = |err: std::io::Error| SendFailure {
        kind: FailureKind::Transient,
        message: format!("{}: {err}", dir.display()),
    };
    tokio::fs::create_dir_all(dir).await.map_err(io_failure)?;
    let target = dir.join(format!("{file_name}.eml"));
    let temporary = dir.join(format!(".{file_name}.eml.tmp"));
    tokio::fs::write(&temporary, message)
        .await
        .map_err(io_failure)?;
    tokio::fs::rename(&temporary, &target)
        .await
        .map_err(io_failure)
}

/// A file name for a message from its idempotency key: letters, digits, `-`, `_` and `.`
/// kept, anything else `_`, at most 120 characters.
pub fn eml_file_name(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect::<String>()
        .trim_start_matches('.')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_keys_are_safe() {
        assert_eq!(
            eml_file_name("digest:acme:2026-W47"),
            "digest_acme_2026-W47"
        );
        assert_eq!(eml_file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(eml_file_name(&"x".repeat(500)).len(), 120);
    }

    #[test]
    fn a_missing_secret_names_the_variable_not_a_value() {
        let config = EmailConfig {
            transport: TransportKind::Smtp,
            host: Some("smtp.example.test".into()),
            username_env: Some("AIVIS_SMTP_USER".into()),
            password_env: Some("AIVIS_SMTP_PASSWORD".into()),
            ..EmailConfig::default()
        };
        let env = |name: &str| (name == "AIVIS_SMTP_USER").then(|| "team".to_string());
        let err = Transport::from_config(&config, &env).unwrap_err();
        assert_eq!(
            err.to_string(),
            "email.password_env: environment variable AIVIS_SMTP_PASSWORD is not set"
        );
    }
}
