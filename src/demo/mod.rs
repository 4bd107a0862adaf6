//! The demo library: a deterministic generator of a realistic month of traffic for the demo
//! site with its exact ground truth ([`generate`]), the site's config ([`demo_site`]), writing
//! the log to a file ([`write_log`]; [`generate_log`] from async code, on a blocking thread),
//! the demo database file that `aivis demo` may replace and no other ([`database`]), and the
//! recorded prompt-check answers it replays ([`checks`]). The same generator feeds the
//! integration tests and the benchmark, because it also returns the ground truth the pipeline
//! must reproduce. Running `aivis demo` (its flags, the pipeline, what it prints) is
//! `app::demo`'s; nothing here prints.

pub mod checks;
pub mod database;
pub mod generate;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::config::{EntityConfig, GoalConfig, GoalKind, SiteConfig};
use crate::error::{ErrorKind, HasKind};
use generate::{GroundTruth, TrafficSpec};

/// Why the demo library could not do its part.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A traffic spec the generator cannot write (its days beyond the year 9999).
    #[error("{0}")]
    Spec(String),
    /// The file at the demo database's path was not made by the demo (or now holds other
    /// data): it is left as it is.
    #[error("{} is not a demo database ({reason}); the demo replaces only a database it made", path.display())]
    NotADemoDatabase { path: PathBuf, reason: String },
    /// Reading, writing or removing a file failed.
    #[error("cannot {action} {}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A new demo database file could not be marked as the demo's.
    #[error("cannot create the demo database {}", path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The blocking thread doing the work panicked or was cancelled.
    #[error("the demo's file work stopped before it finished")]
    Stopped,
}

impl DemoError {
    fn file(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> DemoError {
        let path = path.to_path_buf();
        move |source| DemoError::File {
            action,
            path,
            source,
        }
    }
}

impl HasKind for DemoError {
    fn kind(&self) -> ErrorKind {
        match self {
            DemoError::Spec(_) | DemoError::NotADemoDatabase { .. } => ErrorKind::Usage,
            DemoError::File { source, .. } => match source.kind() {
                // A path the caller named that cannot be used.
                io::ErrorKind::NotFound
                | io::ErrorKind::PermissionDenied
                | io::ErrorKind::IsADirectory
                | io::ErrorKind::NotADirectory
                | io::ErrorKind::ReadOnlyFilesystem
                | io::ErrorKind::AlreadyExists => ErrorKind::Usage,
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => ErrorKind::Unavailable,
                _ => ErrorKind::Internal,
            },
            DemoError::Create { .. } | DemoError::Stopped => ErrorKind::Internal,
        }
    }
}

/// The site the generated traffic belongs to, with its goals.
pub fn demo_site() -> SiteConfig {
    SiteConfig {
        name: generate::SITE_NAME.to_string(),
        hosts: generate::SITE_HOSTS.iter().map(|h| h.to_string()).collect(),
        internal_hosts: Vec::new(),
        session_timeout_minutes: 30,
        goals: vec![
            GoalConfig {
                name: "purchase".into(),
                path: generate::PURCHASE_GOAL_PATH.into(),
                kind: GoalKind::Macro,
            },
            GoalConfig {
                name: "newsletter".into(),
                path: generate::NEWSLETTER_GOAL_PATH.into(),
                kind: GoalKind::Micro,
            },
        ],
        source_rules: Vec::new(),
        brand: Some(EntityConfig {
            name: "Acme".into(),
            aliases: vec!["Acme Analytics".into()],
            domains: generate::SITE_HOSTS.iter().map(|h| h.to_string()).collect(),
            ..EntityConfig::default()
        }),
        competitors: ["Globex", "Initech", "Umbrella"]
            .iter()
            .map(|name| EntityConfig {
                name: name.to_string(),
                aliases: Vec::new(),
                domains: vec![format!("{}.test", name.to_lowercase())],
                ..EntityConfig::default()
            })
            .collect(),
        alerts: crate::config::AlertsConfig::default(),
        digest_to: vec!["brand-team@acme.test".into()],
        alerts_to: vec!["brand-team@acme.test".into()],
        digest_period: crate::config::DigestPeriod::Week,
        logs: Vec::new(),
    }
}

/// Writes the generated log to `path` (replacing the file) and returns its ground truth.
/// Blocking: from async code use [`generate_log`].
pub fn write_log(spec: &TrafficSpec, path: &Path) -> Result<GroundTruth, DemoError> {
    generate::check_day_range(spec).map_err(|e| DemoError::Spec(e.to_string()))?;
    let file = File::create(path).map_err(DemoError::file("create", path))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let truth = generate::generate(spec, &mut out).map_err(DemoError::file("write", path))?;
    out.flush().map_err(DemoError::file("write", path))?;
    Ok(truth)
}

/// [`write_log`] on a blocking thread, for async callers.
pub async fn generate_log(spec: TrafficSpec, path: PathBuf) -> Result<GroundTruth, DemoError> {
    tokio::task::spawn_blocking(move || write_log(&spec, &path))
        .await
        .map_err(|_| DemoError::Stopped)?
}

/// The ground truth as JSON, for scripts and tests.
pub fn truth_json(truth: &GroundTruth) -> serde_json::Value {
    let by_source: Vec<serde_json::Value> = truth
        .by_source
        .iter()
        .map(|((channel, source), t)| {
            serde_json::json!({
                "channel": channel, "source": source, "sessions": t.sessions,
                "conversions": t.conversions, "micro_conversions": t.micro_conversions,
                "pageviews": t.pageviews,
            })
        })
        .collect();
    serde_json::json!({
        "lines": truth.lines, "pageviews": truth.pageviews, "sessions": truth.sessions,
        "conversions": truth.conversions, "micro_conversions": truth.micro_conversions,
        "bot_lines": truth.bot_lines, "asset_lines": truth.asset_lines,
        "non_page_lines": truth.non_page_lines, "malformed_lines": truth.malformed_lines,
        "by_source": by_source,
        "ai_shift": truth.ai_shift.map(|shift| serde_json::json!({
            "from_day": crate::day::day_text(shift.from_day * 86_400),
            "sessions_before": shift.sessions_before,
            "conversions_before": shift.conversions_before,
            "sessions_after": shift.sessions_after,
            "conversions_after": shift.conversions_after,
        })),
    })
}
