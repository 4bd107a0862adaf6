//! The digest operation: a site's numbers for the last full week (or yesterday) against the
//! period before, rendered with its charts, and either written as a preview (`FILE.html`
//! with its charts beside it, and `FILE.eml`, the message as it would be sent) or queued in the
//! outbox under `digest:<site>:<period>`, so queuing it again sends nothing twice.

use std::path::{Path, PathBuf};

use super::compare::as_of_day;
use super::outbox::{MailToQueue, composed};
use super::{App, ServiceError, named_or_every_site};
use crate::analysis::windows::{Span, iso_week, last_full_week};
use crate::config::DigestPeriod;
use crate::day::{day_text, now_unix};
use crate::notify::compose::RenderedMail;
use crate::notify::digest::{DigestInput, preview, render_digest};
use crate::report::compare::CompareParams;
use crate::report::digest::{DigestData, DigestPeriod as Period, digest_data};

/// What to do with the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestAction {
    /// Write `FILE.html` (charts beside it) and `FILE.eml`; one site.
    Preview(PathBuf),
    /// Queue it for each site's `digest_to`.
    Queue,
}

/// Which digest.
#[derive(Debug, Clone)]
pub struct DigestRequest {
    /// One configured site; None: the only one (preview) or every one (queue).
    pub site: Option<String>,
    /// `YYYY-MM-DD`; the digest covers the last full week ending on or before it, or that
    /// day. None: yesterday (UTC).
    pub as_of: Option<String>,
    /// None: each site's `digest_period`.
    pub period: Option<DigestPeriod>,
    pub action: DigestAction,
}

/// What was done for one site.
#[derive(Debug, Clone)]
pub struct DigestOutcome {
    pub site: String,
    pub key: String,
    pub subject: String,
    /// Bytes of the whole message.
    pub bytes: usize,
    /// Queue: Some(true) when queued now, Some(false) when it was queued before; None for a
    /// preview or when nobody is in `digest_to`.
    pub queued: Option<bool>,
    /// Preview: the files written.
    pub files: Vec<PathBuf>,
    pub note: Option<String>,
}

/// Renders the digest of one site (preview) or of each (queue).
pub async fn digest(app: &App, request: DigestRequest) -> Result<Vec<DigestOutcome>, ServiceError> {
    let as_of = as_of_day(request.as_of.as_deref())?;
    let sites = match &request.action {
        DigestAction::Preview(_) => {
            vec![app.settings().site(request.site.as_deref())?.name.clone()]
        }
        DigestAction::Queue => named_or_every_site(app, request.site.as_deref())?,
    };
    let mut out = Vec::new();
    for site in sites {
        out.push(site_digest(app, &site, as_of, &request).await?);
    }
    Ok(out)
}

async fn site_digest(
    app: &App,
    site: &str,
    as_of: i64,
    request: &DigestRequest,
) -> Result<DigestOutcome, ServiceError> {
    let config = app.settings().site(Some(site))?;
    let period = period_of(request.period.unwrap_or(config.digest_period), as_of);
    let key = format!("digest:{site}:{}", period.label);
    let data = read_data(app, site, period).await?;
    let open = app
        .store()
        .alerts(Some(site), &["open", "notified"])
        .await?;
    let resolved: Vec<_> = app
        .store()
        .alerts(Some(site), &["resolved"])
        .await?
        .into_iter()
        .filter(|a| {
            a.resolved_on.as_deref().is_some_and(|on| {
                on >= data.period.current.from_text().as_str()
                    && on <= data.period.current.to_text().as_str()
            })
        })
        .collect();
    let input = DigestInput {
        data: &data,
        brand: config.brand.as_ref().map(|b| b.name.as_str()),
        open_alerts: &open,
        resolved_alerts: &resolved,
    };
    let recipients = if config.digest_to.is_empty() {
        vec!["brand-team@example.com".to_string()]
    } else {
        config.digest_to.clone()
    };
    let mail = render_digest(&input)?;
    let to_queue = MailToQueue {
        key: key.clone(),
        site,
        kind: "digest",
        recipients: &recipients,
        mail,
    };
    let message = composed(app, &to_queue)?;
    let mut outcome = DigestOutcome {
        site: site.to_string(),
        key,
        subject: message.subject.clone(),
        bytes: message.message.len(),
        queued: None,
        files: Vec::new(),
        note: None,
    };
    match &request.action {
        DigestAction::Preview(path) => {
            outcome.files = write_preview(path, &to_queue.mail, &message.message)?;
        }
        DigestAction::Queue if config.digest_to.is_empty() => {
            outcome.note = Some(format!(
                "nobody to send it to: sites.digest_to of {site} is empty"
            ));
        }
        DigestAction::Queue => {
            outcome.queued = Some(app.store().queue_message(&message, now_unix()).await?);
        }
    }
    Ok(outcome)
}

/// The period a digest as of day `as_of` covers, and the one before it.
fn period_of(kind: DigestPeriod, as_of: i64) -> Period {
    match kind {
        DigestPeriod::Week => {
            let current = last_full_week(as_of);
            Period {
                label: iso_week(current.from).1,
                kind: "week",
                previous: Span::new(current.from - 7, current.from - 1),
                current,
            }
        }
        DigestPeriod::Day => Period {
            label: day_text(as_of * 86_400),
            kind: "day",
            current: Span::new(as_of, as_of),
            previous: Span::new(as_of - 1, as_of - 1),
        },
    }
}

async fn read_data(app: &App, site: &str, period: Period) -> Result<DigestData, ServiceError> {
    let settings = app.settings().alert_settings(site);
    let params = CompareParams {
        site: Some(site.to_string()),
        goal: None,
        as_of: period.current.to,
        window_days: period.current.days,
        baseline_days: period.previous.days,
        thresholds: settings.traffic_thresholds(),
    };
    Ok(digest_data(app.store(), site, period, &params).await?)
}

/// Writes `path` (the HTML, charts as files beside it) and `path` with `.eml`; returns them.
fn write_preview(
    path: &Path,
    mail: &RenderedMail,
    message: &str,
) -> Result<Vec<PathBuf>, ServiceError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("digest");
    let rendered = preview(mail, stem);
    let write = |file: &Path, bytes: &[u8]| {
        std::fs::write(file, bytes)
            .map_err(|err| ServiceError::Usage(format!("cannot write {}: {err}", file.display())))
    };
    let mut files = vec![path.to_path_buf()];
    write(path, rendered.html.as_bytes())?;
    for (name, png) in &rendered.files {
        let file = dir.join(name);
        write(&file, png)?;
        files.push(file);
    }
    let eml = path.with_extension("eml");
    write(&eml, message.as_bytes())?;
    files.push(eml);
    Ok(files)
}
