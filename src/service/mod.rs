//! The service layer: one [`App`] per process and the operations every front end calls with
//! it. The CLI (`app`) parses arguments, calls an operation and prints; the scheduler and the
//! HTTP server to come call the same operations with the same `App`, so there is one
//! implementation of each step. Operations check their inputs against the settings (unknown
//! sites, flags out of range) and return a [`ServiceError`] whose kind the caller maps to an
//! exit code or an HTTP status.
//!
//! Operations: [`ingest`], [`forget`] and [`check`] here; [`report`] and [`query`] in
//! `reports`; [`compare`] (AI against search over two windows) in `compare`; [`evaluate`] and
//! [`list_alerts`] in `alerts`; [`deliver_outbox`], [`list_outbox`], [`retry_outbox`] and
//! [`queue_mail`] in `outbox`; [`digest`] (preview or queue a site's digest) in `digest`;
//! [`list_prompts`], [`add_prompt`], [`remove_prompt`], [`import_prompts`] and [`rescore`] in
//! `prompts`; [`update_crawler_ranges`] and [`crawler_ranges_in_use`] (the AI crawlers'
//! published IP ranges) in `crawler_ranges`.

mod alerts;
mod compare;
mod crawler_ranges;
mod digest;
mod outbox;
mod prompts;
mod reports;
#[cfg(test)]
mod tests;

pub use alerts::{
    EvaluateRequest, EvaluatedAlert, NotifyRequest, SiteNotice, evaluate, list_alerts,
    notify_alerts,
};
pub use compare::{CompareRequest, compare};
pub use crawler_ranges::{
    FETCH_TIMEOUT, ListInUseRow, ListUpdate, MAX_LIST_BYTES, crawler_ranges_in_use,
    update_crawler_ranges,
};
pub use digest::{DigestAction, DigestOutcome, DigestRequest, digest};
pub use outbox::{
    MailToQueue, OUTBOX_STATUSES, deliver_outbox, list_outbox, queue_mail, retry_outbox,
};
pub use prompts::{
    AddPrompt, AddedPrompt, Imported, add_prompt, import_prompts, list_prompts, remove_prompt,
    rescore,
};
pub use reports::{
    MAX_QUERY_TIMEOUT, QueryRequest, QuerySource, ReportKind, ReportRequest, query, report,
};

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::checks::client::{HttpClientError, RetryPolicy};
use crate::checks::prompts::{ImportError, PromptError};
use crate::checks::run::{CheckError, CheckSelection, CheckSummary, run_checks};
use crate::config::{Settings, SiteError, UnknownName};
use crate::error::{ErrorKind, HasKind};
use crate::ingest::{IngestError, IngestOptions, IngestSummary, Input};
use crate::notify::compose::ComposeError;
use crate::notify::render::RenderError;
use crate::notify::transport::TransportError;
use crate::report::ReportError;
use crate::store::{Forgotten, Store, StoreError};

/// What a long-running process shares: the settings, the store (its pools and, for a SQLite
/// file, its one writer thread), one HTTP client (one connection pool for every engine call)
/// and the token that tells every operation to stop. Cheap to clone; clones share all of it.
#[derive(Debug, Clone)]
pub struct App {
    settings: Arc<Settings>,
    store: Store,
    /// Built on first use: most commands never call an engine.
    http: Arc<std::sync::OnceLock<reqwest::Client>>,
    shutdown: CancellationToken,
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The caller's mistake, naming the flag or value at fault.
    #[error("{0}")]
    Usage(String),
    /// No site was named where several (or none) are configured, or the named one is not
    /// configured.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// A site, goal, engine or prompt that is neither configured nor stored.
    #[error(transparent)]
    Name(#[from] UnknownName),
    /// A prompt's text, tags or engines are refused.
    #[error(transparent)]
    Prompt(#[from] PromptError),
    /// A prompt import file is refused (nothing was imported); the message names the line.
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The site already tracks this prompt (the caller's mistake: usage).
    #[error("prompt {id} of site {site} already asks this: {text:?}")]
    DuplicatePrompt { id: i64, site: String, text: String },
    /// A report or query was refused or failed.
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The HTTP client could not be built (no TLS roots, say).
    #[error(transparent)]
    Http(#[from] HttpClientError),
    #[error(transparent)]
    Check(#[from] CheckError),
    /// The mail transport could not be set up from `[email]` (a missing secret, a bad CA file).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A mail could not be composed.
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// A check run in which these engines answered none of their calls.
    #[error("check run {run_id}: no answer from {}: every call failed (stored as failed)", engines.join(", "))]
    SilentEngines { run_id: i64, engines: Vec<String> },
    /// A mail template could not be rendered.
    #[error(transparent)]
    Render(#[from] RenderError),
}

impl HasKind for ServiceError {
    fn kind(&self) -> ErrorKind {
        match self {
            ServiceError::Usage(_) | ServiceError::DuplicatePrompt { .. } => ErrorKind::Usage,
            ServiceError::Site(err) => err.kind(),
            ServiceError::Name(err) => err.kind(),
            ServiceError::Prompt(err) => err.kind(),
            ServiceError::Import(err) => err.kind(),
            ServiceError::Report(err) => err.kind(),
            ServiceError::Store(err) => err.kind(),
            ServiceError::Ingest(err) => err.kind(),
            ServiceError::Http(err) => err.kind(),
            ServiceError::Check(err) => err.kind(),
            ServiceError::Transport(err) => err.kind(),
            ServiceError::Compose(_) | ServiceError::Render(_) => ErrorKind::Internal,
            ServiceError::SilentEngines { .. } => ErrorKind::Unavailable,
        }
    }
}

impl App {
    /// Opens the configured database (migrating it). The shared HTTP client is built when it
    /// is first needed.
    pub async fn open(settings: Settings) -> Result<App, ServiceError> {
        let store = Store::connect(&settings.database_url).await?;
        Ok(App {
            settings: Arc::new(settings),
            store,
            http: Arc::default(),
            shutdown: CancellationToken::new(),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The one HTTP client: clones share its connection pool; timeouts are set per request.
    pub fn http(&self) -> Result<&reqwest::Client, ServiceError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let client = crate::checks::client::http_client()?;
        Ok(self.http.get_or_init(|| client))
    }

    /// Cancelled when the process is asked to stop: operations stop starting new work.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Stops every operation and closes the database pools.
    pub async fn close(&self) {
        self.shutdown.cancel();
        self.store.close().await;
    }
}

/// The configured site named, or every configured site when none is.
fn named_or_every_site(app: &App, site: Option<&str>) -> Result<Vec<String>, ServiceError> {
    Ok(match site {
        Some(site) => vec![app.settings.site(Some(site))?.name.clone()],
        None => app.settings.sites.iter().map(|s| s.name.clone()).collect(),
    })
}

/// What to ingest.
#[derive(Debug)]
pub struct IngestRequest {
    /// The configured site (None: the only one).
    pub site: Option<String>,
    pub inputs: Vec<Input>,
    pub options: IngestOptions,
}

/// Ingests logs of one configured site (see [`crate::ingest::ingest`]): refused as not found
/// for an unknown site, as usage for options out of range, and as a conflict while another
/// ingest of the site runs.
pub async fn ingest(app: &App, request: IngestRequest) -> Result<IngestSummary, ServiceError> {
    let site = app.settings.site(request.site.as_deref())?;
    if request.options.batch_lines == Some(0) {
        return Err(ServiceError::Usage(
            "--batch-lines must be at least 1".into(),
        ));
    }
    if request.options.max_held_sessions < 2 {
        return Err(ServiceError::Usage(
            "--max-held-sessions must be at least 2".into(),
        ));
    }
    if request.inputs.is_empty() {
        return Err(ServiceError::Usage(
            "name at least one log file (or -)".into(),
        ));
    }
    let options = IngestOptions {
        salt_retention_days: app.settings.salt_retention_days,
        ..request.options
    };
    Ok(crate::ingest::ingest(&app.store, site, request.inputs, options).await?)
}

/// Deletes visits and salts of days before `before` (`YYYY-MM-DD`), of one site or all;
/// refused for days that the next ingest could still continue (see `salt_retention_days`).
pub async fn forget(
    app: &App,
    site: Option<&str>,
    before: &str,
) -> Result<Forgotten, ServiceError> {
    let Some(before_ts) = crate::day::parse_day(before) else {
        return Err(ServiceError::Usage(format!(
            "--before {before:?} is not a date in the form YYYY-MM-DD"
        )));
    };
    if let Some(site) = site
        && !app.settings.sites.is_empty()
    {
        app.settings.site(Some(site))?;
    }
    let retention = i64::from(app.settings.salt_retention_days);
    for (stored, latest) in app.store.latest_hits().await? {
        if site.is_some_and(|s| s != stored) {
            continue;
        }
        let first_open = crate::day::day_number(latest) - (retention - 1);
        if before_ts / 86_400 > first_open {
            let day = crate::day::day_text(first_open * 86_400);
            return Err(ServiceError::Usage(format!(
                "site {stored}: visits from {day} on can still be continued by the next ingest \
                 (salt_retention_days = {retention}); pass --before {day} or earlier"
            )));
        }
    }
    Ok(app.store.forget_before(site, before).await?)
}

/// Runs the selected prompt checks (see [`run_checks`]) with the app's store, settings, HTTP
/// client and shutdown token: cancelling [`App::shutdown`] stops the run, which is then closed
/// as aborted with every answer already received stored. `env` reads the API keys.
pub async fn check(
    app: &App,
    selection: &CheckSelection,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    policy: RetryPolicy,
) -> Result<CheckSummary, ServiceError> {
    Ok(run_checks(
        &app.store,
        &app.settings,
        app.http()?,
        selection,
        env,
        policy,
        &app.shutdown,
    )
    .await?)
}
