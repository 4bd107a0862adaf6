//! The alert mail of one site: the alerts that are new or rose in severity since the last
//! mail (most important first), each with its sentence, the numbers of both windows with
//! intervals and what to look at next; the landing pages AI assistants sent visitors to; and
//! the alerts resolved since they were mailed, once. The subject states the most important
//! change in words. Pure: stored alerts in, a rendered mail out.

use serde::Serialize;
use serde_json::Value;

use super::compose::RenderedMail;
use super::render::{Frame, RenderError, cap, render};
use crate::analysis::{Z_95, percent, percent_with_interval, wilson};
use crate::report::compare::LandingPage;
use crate::store::StoredAlert;

/// What one alert mail says.
#[derive(Debug, Clone)]
pub struct AlertMailInput<'a> {
    pub site: &'a str,
    /// The evaluation's day, `YYYY-MM-DD`.
    pub as_of: &'a str,
    /// The brand's name, for headlines about mentions.
    pub brand: Option<&'a str>,
    /// Alerts to tell (status `open`: new, or more severe than when last mailed).
    pub active: &'a [StoredAlert],
    /// Alerts resolved since they were mailed.
    pub resolved: &'a [StoredAlert],
    pub landing_pages: &'a [LandingPage],
}

#[derive(Debug, Serialize)]
struct View {
    #[serde(flatten)]
    frame: Frame,
    window_words: String,
    alerts: Vec<AlertView>,
    resolved: Vec<ResolvedView>,
    landing_pages: Vec<LandingPage>,
}

#[derive(Debug, Serialize)]
struct AlertView {
    severity: String,
    colour: &'static str,
    again: bool,
    headline: String,
    sentence: String,
    windows: Vec<WindowView>,
    next: Vec<String>,
}

#[derive(Debug, Serialize)]
struct WindowView {
    label: String,
    period: String,
    figures: Vec<String>,
}

#[derive(Debug, Serialize)]
struct ResolvedView {
    headline: String,
    resolved_on: String,
}

/// Longest landing path shown, in characters.
const MAX_PATH_CHARS: usize = 120;

/// Renders the mail; the active alerts are ordered most important first.
pub fn render_alert_mail(input: &AlertMailInput<'_>) -> Result<RenderedMail, RenderError> {
    let brand = input.brand.unwrap_or("your brand");
    let mut active: Vec<&StoredAlert> = input.active.iter().collect();
    active.sort_by(|a, b| {
        importance(b)
            .total_cmp(&importance(a))
            .then(a.key.cmp(&b.key))
    });
    let alerts: Vec<AlertView> = active
        .iter()
        .map(|alert| alert_view(alert, brand, input.site))
        .collect();
    let resolved: Vec<ResolvedView> = input
        .resolved
        .iter()
        .map(|alert| ResolvedView {
            headline: headline(alert, brand),
            resolved_on: alert.resolved_on.clone().unwrap_or_default(),
        })
        .collect();
    let title = subject_words(&alerts, &resolved);
    let window_words = active
        .first()
        .map(|a| window_label(&numbers(a), "current").to_lowercase())
        .unwrap_or_else(|| "this week".into());
    let view = View {
        frame: Frame {
            preheader: alerts
                .first()
                .map(|a| a.sentence.clone())
                .unwrap_or_default(),
            title: title.clone(),
            site: input.site.to_string(),
            period: format!("as of {}", input.as_of),
        },
        window_words,
        alerts,
        resolved,
        landing_pages: input
            .landing_pages
            .iter()
            .map(|page| LandingPage {
                path: cap(&page.path, MAX_PATH_CHARS),
                ..page.clone()
            })
            .collect(),
    };
    Ok(RenderedMail {
        subject: format!("{title} — {}", input.site),
        text: render("alerts.txt", &view)?,
        html: render("alerts.html", &view)?,
        images: Vec::new(),
    })
}

fn subject_words(alerts: &[AlertView], resolved: &[ResolvedView]) -> String {
    match (alerts, resolved) {
        ([first], _) => first.headline.clone(),
        ([first, rest @ ..], _) => format!("{} (and {} more)", first.headline, rest.len()),
        ([], [first]) => format!("Resolved: {}", first.headline),
        ([], [first, rest @ ..]) => {
            format!("Resolved: {} (and {} more)", first.headline, rest.len())
        }
        ([], []) => "No new alerts".into(),
    }
}

/// Severity first, then the size of the change.
fn importance(alert: &StoredAlert) -> f64 {
    let severity = match alert.severity.as_str() {
        "critical" => 3.0,
        "warning" => 2.0,
        _ => 1.0,
    };
    let change = numbers(alert)["relative_change"]
        .as_f64()
        .unwrap_or(0.0)
        .abs()
        .min(10.0);
    severity * 100.0 + change
}

fn alert_view(alert: &StoredAlert, brand: &str, site: &str) -> AlertView {
    let numbers = numbers(alert);
    AlertView {
        severity: alert.severity.clone(),
        colour: match alert.severity.as_str() {
            "critical" => "#b91c1c",
            "warning" => "#b45309",
            _ => "#1d4ed8",
        },
        again: alert.mailed,
        headline: headline(alert, brand),
        sentence: alert.sentence.clone(),
        windows: ["current", "baseline"]
            .iter()
            .filter(|w| numbers[**w].is_object())
            .map(|w| WindowView {
                label: window_label(&numbers, w),
                period: period(&numbers[*w]),
                figures: figures(&alert.kind, &numbers[*w]),
            })
            .collect(),
        next: next_steps(&alert.kind, site),
    }
}

fn numbers(alert: &StoredAlert) -> Value {
    serde_json::from_str(&alert.numbers).unwrap_or(Value::Null)
}

/// The most important change in words: `AI visitors convert 68% less than in the four weeks
/// before`.
pub fn headline(alert: &StoredAlert, brand: &str) -> String {
    let numbers = numbers(alert);
    let change = numbers["relative_change"].as_f64();
    let down = alert.direction == "down";
    let (more, less) = if down {
        ("less", "fell")
    } else {
        ("more", "rose")
    };
    let before = baseline_words(&numbers);
    let size = change.map_or_else(String::new, |c| format!("{:.0}% ", c.abs() * 100.0));
    let subject = cap(&alert.subject, 60);
    match alert.kind.as_str() {
        "ai_conversion_rate" => format!("AI visitors convert {size}{more} than {before}"),
        "search_conversion_rate" => format!("Search visitors convert {size}{more} than {before}"),
        "ai_search_ratio" => format!("AI visitors' conversion edge over search {less} {size}"),
        "ai_traffic_share" => format!("AI assistants' share of visits {less} {size}"),
        "ai_source_new" => format!("A new AI assistant sends visitors: {subject}"),
        "mention_rate" => format!("{subject} names {brand} {size}{more} often than {before}"),
        "own_citation_rate" => {
            format!("{subject} cites your site {size}{more} often than {before}")
        }
        "top_rank_lost" => {
            let leader = numbers["current"]["leader"]
                .as_str()
                .unwrap_or("a competitor");
            let engine = subject.split(':').next().unwrap_or_default();
            format!(
                "{} is now named before {brand} on {engine}",
                cap(leader, 60)
            )
        }
        "ai_crawler_change" if down => format!("{subject} stopped crawling the site"),
        "ai_crawler_change" => format!("{subject} is refused more often"),
        _ => cap(&alert.sentence, 120),
    }
    .trim_end()
    .to_string()
}

fn baseline_words(numbers: &Value) -> String {
    match numbers["baseline"]["days"].as_i64() {
        Some(28) => "in the four weeks before".into(),
        Some(7) => "in the week before".into(),
        Some(1) => "the day before".into(),
        Some(days) => format!("in the {days} days before"),
        None => "before".into(),
    }
}

fn window_label(numbers: &Value, which: &str) -> String {
    let days = numbers[which]["days"].as_i64().unwrap_or(0);
    match (which, days) {
        ("current", 7) => "This week".into(),
        ("current", 1) => "Yesterday".into(),
        ("current", d) => format!("Last {d} days"),
        (_, 28) => "Four weeks before".into(),
        (_, 7) => "The week before".into(),
        (_, d) => format!("{d} days before"),
    }
}

fn period(window: &Value) -> String {
    match (window["from"].as_str(), window["to"].as_str()) {
        (Some(from), Some(to)) if from == to => from.to_string(),
        (Some(from), Some(to)) => format!("{from} – {to}"),
        _ => String::new(),
    }
}

/// A window's numbers for people, from what the alert's kind stored.
fn figures(kind: &str, w: &Value) -> Vec<String> {
    let int = |name: &str| w[name].as_u64();
    let mut out = Vec::new();
    if let (Some(sessions), Some(conversions)) = (int("sessions"), int("conversions")) {
        out.push(format!("{sessions} visits"));
        out.push(format!("{conversions} conversions"));
        out.push(rate_figure("converted", conversions, sessions));
    } else if let (Some(ai), Some(all)) = (int("ai_sessions"), int("sessions")) {
        out.push(format!("{ai} AI visits of {all}"));
        out.push(rate_figure("share", ai, all));
    } else if let Some(ratio) = w["ratio"].as_f64() {
        out.push(format!(
            "AI converts {ratio:.2}× as often as search ({:.2}–{:.2})",
            w["ci_low"].as_f64().unwrap_or(0.0),
            w["ci_high"].as_f64().unwrap_or(0.0)
        ));
    } else if let (Some(answers), Some(hits)) = (int("answers"), int("hits")) {
        let what = if kind == "own_citation_rate" {
            "citing your site"
        } else {
            "naming the brand"
        };
        out.push(format!("{hits} of {answers} answers {what}"));
        out.push(rate_figure("rate", hits, answers));
    } else if let (Some(requests), Some(refused)) = (int("requests"), int("refused")) {
        out.push(format!("{requests} requests, {refused} refused (4xx/5xx)"));
        out.push(rate_figure("refused", refused, requests));
    } else if let Some(requests) = int("requests") {
        out.push(format!("{requests} requests"));
        if let Some(days) = int("days_seen") {
            out.push(format!("seen on {days} days"));
        }
    } else if let (Some(leader), Some(led), Some(answers)) =
        (w["leader"].as_str(), int("led"), int("answers"))
    {
        out.push(format!(
            "{} named first in {led} of {answers} answers",
            cap(leader, 60)
        ));
    } else if let Some(share) = w["share"].as_f64() {
        out.push(percent(share));
    }
    out
}

/// `converted 3.2% (2.3–4.3%)`, or that there was no data.
fn rate_figure(what: &str, successes: u64, trials: u64) -> String {
    if trials == 0 {
        return format!("{what}: no data");
    }
    format!(
        "{what} {}",
        percent_with_interval(&wilson(successes, trials, Z_95))
    )
}

fn next_steps(kind: &str, site: &str) -> Vec<String> {
    let site = format!("--site {site}");
    match kind {
        "mention_rate" => vec![
            format!("aivis report mentions --by engine {site}"),
            format!("aivis report visibility {site}"),
        ],
        "own_citation_rate" => vec![
            format!("aivis report citations --by engine {site}"),
            format!("aivis report citations --by domain {site}"),
        ],
        "top_rank_lost" => vec![format!("aivis report visibility {site}")],
        "ai_crawler_change" => vec![
            format!("aivis report crawlers --by agent {site}"),
            "your robots.txt and firewall rules".into(),
        ],
        _ => vec![
            format!("aivis report compare {site}"),
            format!("aivis report conversions --by source {site}"),
            format!("aivis report ai-pages {site}"),
        ],
    }
}

#[cfg(test)]
mod tests;
