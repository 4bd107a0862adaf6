//! The alert operations: `evaluate` judges each site's current window against its baseline
//! (the comparison of `report compare`, and its prompt-check answers per engine, with the
//! site's `[alerts]` thresholds), raises the alerts of the enabled kinds and moves the stored ones through their lifecycle (see
//! `analysis::alerts::transition`), in one transaction per site unless it is a dry run;
//! `list_alerts` reads what is stored; `notify_alerts` evaluates, then queues each site's
//! alert mail and marks what it told.

use std::collections::HashMap;

use super::compare::as_of_day;
use super::outbox::{MailToQueue, composed};
use super::{App, ServiceError, named_or_every_site};
use crate::analysis::alerts::{
    ANSWER_KINDS, Raised, Severity, Status, StoredState, TRAFFIC_KINDS, Transition, answer_alerts,
    crawler_alerts, rank_alerts, traffic_alerts, transition,
};
use crate::analysis::windows::Span;
use crate::day::{day_text, now_unix, parse_day};
use crate::notify::alert_mail::{AlertMailInput, render_alert_mail};
use crate::report::compare::ai_landing_pages;
use crate::report::compare::{
    CompareParams, compare, crawler_activity, engine_answers, prompt_leaders,
};
use crate::store::{AlertFields, AlertWrite, StoredAlert};

/// Which sites to evaluate, as of which day.
#[derive(Debug, Clone, Default)]
pub struct EvaluateRequest {
    /// One configured site; None: every configured site.
    pub site: Option<String>,
    /// `YYYY-MM-DD`, the last day of the current window; None: yesterday (UTC).
    pub as_of: Option<String>,
    /// Judge and report without storing anything.
    pub dry_run: bool,
}

/// An alert after an evaluation: as stored (or as it would be, in a dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluatedAlert {
    /// Key, kind, site, subject, direction, severity, sentence and numbers (JSON text: both
    /// windows' numbers, the change and its p-value).
    pub alert: AlertFields,
    pub status: String,
    pub first_seen: String,
    pub last_seen: String,
    /// What this evaluation did: `opened`, `updated`, `resolved`.
    pub change: &'static str,
}

/// Evaluates the alerts of one site or of every configured site. Refused: a day not in the
/// form `YYYY-MM-DD` (usage); a site not configured (not found: its thresholds and goals are
/// in the config).
pub async fn evaluate(
    app: &App,
    request: EvaluateRequest,
) -> Result<Vec<EvaluatedAlert>, ServiceError> {
    let as_of = as_of_day(request.as_of.as_deref())?;
    let sites = named_or_every_site(app, request.site.as_deref())?;
    let mut out = Vec::new();
    for site in sites {
        out.extend(evaluate_site(app, &site, as_of, request.dry_run).await?);
    }
    Ok(out)
}

async fn evaluate_site(
    app: &App,
    site: &str,
    as_of: i64,
    dry_run: bool,
) -> Result<Vec<EvaluatedAlert>, ServiceError> {
    let settings = app.settings().alert_settings(site);
    let thresholds = settings.traffic_thresholds();
    let params = CompareParams {
        site: Some(site.to_string()),
        goal: None,
        as_of,
        window_days: settings.window_days,
        baseline_days: settings.baseline_days,
        thresholds,
    };
    let comparison = compare(app.store(), &params).await?;
    let mut raised = traffic_alerts(site, &comparison, &thresholds, |kind| {
        settings.is_enabled(kind)
    });
    let (answer_windows, answers_now, answers_before) = engine_answers(
        app.store(),
        site,
        as_of,
        settings.window_days,
        settings.baseline_days,
    )
    .await?;
    if settings.is_enabled("ai_crawler_change") {
        let windows = &comparison.windows;
        let crawlers_now = crawler_activity(app.store(), site, &windows.current).await?;
        let crawlers_before = crawler_activity(app.store(), site, &windows.baseline).await?;
        raised.extend(crawler_alerts(
            site,
            &comparison.windows,
            &crawlers_now,
            &crawlers_before,
            &thresholds,
        ));
    }
    if settings.is_enabled("top_rank_lost") {
        let leaders_now = prompt_leaders(app.store(), site, &answer_windows.current).await?;
        let leaders_before = prompt_leaders(app.store(), site, &answer_windows.baseline).await?;
        raised.extend(rank_alerts(
            site,
            &answer_windows,
            &leaders_now,
            &leaders_before,
        ));
    }
    raised.extend(answer_alerts(
        site,
        &answer_windows,
        &answers_now,
        &answers_before,
        &settings.answer_thresholds(),
        |kind| settings.is_enabled(kind),
    ));
    let stored: HashMap<String, StoredAlert> = app
        .store()
        .alerts(Some(site), &[])
        .await?
        .into_iter()
        .map(|alert| (alert.key.clone(), alert))
        .collect();
    let today = day_text(as_of * 86_400);
    let mut writes = Vec::new();
    let mut out = Vec::new();
    for alert in &raised {
        let before = stored.get(&alert.key);
        let state = before.and_then(stored_state);
        match transition(
            state.as_ref(),
            Some(alert.severity),
            as_of,
            settings.cooldown_days,
        ) {
            Transition::Open => {
                writes.push(AlertWrite::Open {
                    fields: fields(alert),
                    day: today.clone(),
                });
                out.push(evaluated(alert, Status::Open, &today, &today, "opened"));
            }
            Transition::Update(status) => {
                writes.push(AlertWrite::Update {
                    fields: fields(alert),
                    status: status.as_str().into(),
                    day: today.clone(),
                });
                let first_seen = before.map_or(today.clone(), |b| b.first_seen.clone());
                out.push(evaluated(alert, status, &first_seen, &today, "updated"));
            }
            Transition::Resolve | Transition::Keep => {}
        }
    }
    // Active alerts of the kinds evaluated here that were not raised again are resolved.
    for alert in stored.values() {
        let kind = alert.kind.as_str();
        let evaluated_kind = (TRAFFIC_KINDS.contains(&kind)
            || ANSWER_KINDS.contains(&kind)
            || kind == "ai_crawler_change")
            && settings.is_enabled(kind);
        if !evaluated_kind || raised.iter().any(|r| r.key == alert.key) {
            continue;
        }
        let Some(state) = stored_state(alert) else {
            continue;
        };
        if transition(Some(&state), None, as_of, settings.cooldown_days) == Transition::Resolve {
            writes.push(AlertWrite::Resolve {
                key: alert.key.clone(),
                day: today.clone(),
            });
            out.push(EvaluatedAlert {
                alert: AlertFields {
                    key: alert.key.clone(),
                    kind: alert.kind.clone(),
                    site: alert.site.clone(),
                    subject: alert.subject.clone(),
                    direction: alert.direction.clone(),
                    severity: alert.severity.clone(),
                    sentence: alert.sentence.clone(),
                    numbers: alert.numbers.clone(),
                },
                status: Status::Resolved.as_str().into(),
                first_seen: alert.first_seen.clone(),
                last_seen: alert.last_seen.clone(),
                change: "resolved",
            });
        }
    }
    if !dry_run {
        app.store().write_alerts(&writes, now_unix()).await?;
    }
    Ok(out)
}

/// The stored alerts of one site or all, by status: `open` (open or notified: still holding),
/// `resolved` or `all`.
pub async fn list_alerts(
    app: &App,
    site: Option<&str>,
    status: &str,
) -> Result<Vec<StoredAlert>, ServiceError> {
    let statuses: &[&str] = match status {
        "open" => &["open", "notified"],
        "resolved" => &["resolved"],
        "all" => &[],
        other => {
            return Err(ServiceError::Usage(format!(
                "--status {other:?} is not open, resolved or all"
            )));
        }
    };
    if let Some(site) = site {
        let stored = app.store().stored_sites().await?;
        crate::config::names::check_site(app.settings(), site, &stored)?;
    }
    Ok(app.store().alerts(site, statuses).await?)
}

/// The lifecycle state of a stored alert (None for a row with values this version does not
/// know, which is then left alone).
fn stored_state(alert: &StoredAlert) -> Option<StoredState> {
    Some(StoredState {
        status: Status::parse(&alert.status)?,
        severity: Severity::parse(&alert.severity)?,
        first_seen: parse_day(&alert.first_seen)? / 86_400,
        resolved_on: alert
            .resolved_on
            .as_deref()
            .and_then(parse_day)
            .map(|ts| ts / 86_400),
    })
}

fn fields(alert: &Raised) -> AlertFields {
    AlertFields {
        key: alert.key.clone(),
        kind: alert.kind.into(),
        site: alert.site.clone(),
        subject: alert.subject.clone(),
        direction: alert.direction.as_str().into(),
        severity: alert.severity.as_str().into(),
        sentence: alert.sentence.clone(),
        numbers: alert.numbers.to_string(),
    }
}

fn evaluated(
    alert: &Raised,
    status: Status,
    first_seen: &str,
    last_seen: &str,
    change: &'static str,
) -> EvaluatedAlert {
    EvaluatedAlert {
        alert: fields(alert),
        status: status.as_str().into(),
        first_seen: first_seen.into(),
        last_seen: last_seen.into(),
        change,
    }
}

/// Which sites to notify, as of which day.
#[derive(Debug, Clone, Default)]
pub struct NotifyRequest {
    /// One configured site; None: every configured site.
    pub site: Option<String>,
    /// `YYYY-MM-DD`, the last day of the current window; None: yesterday (UTC).
    pub as_of: Option<String>,
}

/// What `notify_alerts` did for one site.
#[derive(Debug, Clone)]
pub struct SiteNotice {
    pub site: String,
    /// What the evaluation changed.
    pub evaluated: Vec<EvaluatedAlert>,
    /// Alerts the mail tells (new, or more severe than when last mailed).
    pub told: usize,
    /// Resolutions the mail tells.
    pub resolutions: usize,
    /// The mail's idempotency key and subject, when there was something to tell and someone
    /// to tell it to.
    pub mail: Option<(String, String)>,
    /// Why no mail was queued, when none was.
    pub note: Option<String>,
}

/// Evaluates the alerts of one site or of every configured site, then queues one mail per
/// site (to its `alerts_to`) listing the alerts that are new or rose in severity since the
/// last mail, and the resolutions not yet told; the alerts told are marked `notified`, in the
/// same transaction as the mail is queued. Nothing to tell, or nobody in `alerts_to`: no mail.
pub async fn notify_alerts(
    app: &App,
    request: NotifyRequest,
) -> Result<Vec<SiteNotice>, ServiceError> {
    let as_of = as_of_day(request.as_of.as_deref())?;
    let sites = named_or_every_site(app, request.site.as_deref())?;
    let mut out = Vec::new();
    for site in sites {
        let evaluated = evaluate_site(app, &site, as_of, false).await?;
        out.push(notify_site(app, &site, as_of, evaluated).await?);
    }
    Ok(out)
}

async fn notify_site(
    app: &App,
    site: &str,
    as_of: i64,
    evaluated: Vec<EvaluatedAlert>,
) -> Result<SiteNotice, ServiceError> {
    let config = app.settings().site(Some(site))?;
    let stored = app.store().alerts(Some(site), &[]).await?;
    let (active, resolved): (Vec<StoredAlert>, Vec<StoredAlert>) = stored
        .into_iter()
        .filter(|a| {
            a.status == "open" || (a.status == "resolved" && a.mailed && !a.resolution_mailed)
        })
        .partition(|a| a.status == "open");
    let mut notice = SiteNotice {
        site: site.to_string(),
        evaluated,
        told: active.len(),
        resolutions: resolved.len(),
        mail: None,
        note: None,
    };
    if active.is_empty() && resolved.is_empty() {
        notice.note = Some("nothing new to tell".into());
        return Ok(notice);
    }
    if config.alerts_to.is_empty() {
        notice.note = Some(format!(
            "nobody to tell: sites.alerts_to of {site} is empty; the alerts stay open"
        ));
        return Ok(notice);
    }
    let settings = app.settings().alert_settings(site);
    let window = Span::new(as_of - i64::from(settings.window_days) + 1, as_of);
    let landing_pages = ai_landing_pages(app.store(), site, &window, 5).await?;
    let as_of_text = day_text(as_of * 86_400);
    let mail = render_alert_mail(&AlertMailInput {
        site,
        as_of: &as_of_text,
        brand: config.brand.as_ref().map(|b| b.name.as_str()),
        active: &active,
        resolved: &resolved,
        landing_pages: &landing_pages,
    })?;
    let key = alert_mail_key(site, &active, &resolved);
    let message = composed(
        app,
        &MailToQueue {
            key: key.clone(),
            site,
            kind: "alerts",
            recipients: &config.alerts_to,
            mail,
        },
    )?;
    let active_keys: Vec<String> = active.iter().map(|a| a.key.clone()).collect();
    let resolved_keys: Vec<String> = resolved.iter().map(|a| a.key.clone()).collect();
    app.store()
        .queue_alert_mail(&message, &active_keys, &resolved_keys, now_unix())
        .await?;
    notice.mail = Some((key, message.subject));
    Ok(notice)
}

/// `alerts:<site>:<digest>`: the same alerts in the same states give the same key, so a
/// notify run again after a crash between queuing and marking queues nothing twice.
fn alert_mail_key(site: &str, active: &[StoredAlert], resolved: &[StoredAlert]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for alert in active {
        hasher.update(format!(
            "open|{}|{}|{}\n",
            alert.key, alert.severity, alert.first_seen
        ));
    }
    for alert in resolved {
        let on = alert.resolved_on.as_deref().unwrap_or_default();
        hasher.update(format!(
            "resolved|{}|{}|{on}\n",
            alert.key, alert.first_seen
        ));
    }
    format!("alerts:{site}:{}", hex::encode(&hasher.finalize()[..8]))
}
