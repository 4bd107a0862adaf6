//! The numbers a digest shows, read with the query library (the same SQL analysts run): the
//! comparison of the period against the one before, AI assistants and the landing pages they
//! send visitors to, brand visibility per engine, prompts gained and lost, share of voice,
//! cited domains, AI crawler activity per purpose, and twelve weeks of weekly rates for the
//! charts. Rendering them is `notify::digest`'s.

use std::collections::BTreeMap;

use super::compare::{
    CompareParams, LandingPage, ai_landing_pages, column, compare, crawler_activity,
    engine_answers_in, site_span, spoofed_crawler_requests,
};
use super::{ReportError, run_named};
use crate::analysis::alerts::{CrawlerActivity, EngineAnswers};
use crate::analysis::compare::Comparison;
use crate::analysis::significance::Counts;
use crate::analysis::windows::{Span, iso_week};
use crate::store::Store;

/// Weeks of history the charts show.
pub const CHART_WEEKS: i64 = 12;

/// What a digest covers: `current` against `previous`, named `label` (`2026-W47`).
#[derive(Debug, Clone, PartialEq)]
pub struct DigestPeriod {
    pub label: String,
    /// `week` or `day`.
    pub kind: &'static str,
    pub current: Span,
    pub previous: Span,
}

/// A prompt whose answers named the brand in most answers in one period and not the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptChange {
    pub prompt_id: i64,
    pub prompt: String,
}

/// An entity's share of the mentions of tracked entities in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    pub entity: String,
    /// `brand` or `competitor`.
    pub role: String,
    pub mentions: u64,
    pub share: f64,
}

/// A cited domain and whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct CitedDomain {
    pub domain: String,
    /// `brand`, `competitor`, or None.
    pub owner_role: Option<String>,
    pub citations: u64,
    pub share: f64,
}

/// One week's AI and search sessions and conversions, and the engines' answers.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekNumbers {
    pub label: String,
    pub ai: Counts,
    pub search: Counts,
    pub engines: Vec<EngineAnswers>,
}

/// Everything a digest shows.
#[derive(Debug, Clone)]
pub struct DigestData {
    pub site: String,
    pub period: DigestPeriod,
    /// The period against the one before, judged as `report compare` judges.
    pub comparison: Comparison,
    pub landing_pages: Vec<LandingPage>,
    pub engines_now: Vec<EngineAnswers>,
    pub engines_before: Vec<EngineAnswers>,
    pub prompts_gained: Vec<PromptChange>,
    pub prompts_lost: Vec<PromptChange>,
    pub voices: Vec<Voice>,
    pub cited_domains: Vec<CitedDomain>,
    /// Spoofed requests are not in an agent's activity: they are counted on their own.
    pub crawlers_now: Vec<CrawlerActivity>,
    pub crawlers_before: Vec<CrawlerActivity>,
    /// Requests that named an AI agent from outside its published IP ranges.
    pub spoofed_crawler_requests_now: u64,
    pub spoofed_crawler_requests_before: u64,
    /// Oldest first, the last one the period's week.
    pub weeks: Vec<WeekNumbers>,
}

/// Reads a digest's numbers for `site` over `period`, judged with `params`' thresholds.
pub async fn digest_data(
    store: &Store,
    site: &str,
    period: DigestPeriod,
    params: &CompareParams,
) -> Result<DigestData, ReportError> {
    let comparison = compare(store, params).await?;
    let (current, previous) = (&period.current, &period.previous);
    let (prompts_gained, prompts_lost) = prompt_changes(
        &brand_prompts(store, site, current).await?,
        &brand_prompts(store, site, previous).await?,
    );
    Ok(DigestData {
        site: site.to_string(),
        landing_pages: ai_landing_pages(store, site, current, 8).await?,
        engines_now: engine_answers_in(store, site, current).await?,
        engines_before: engine_answers_in(store, site, previous).await?,
        prompts_gained,
        prompts_lost,
        voices: voices(store, site, current).await?,
        cited_domains: cited_domains(store, site, current, 6).await?,
        crawlers_now: crawler_activity(store, site, current).await?,
        crawlers_before: crawler_activity(store, site, previous).await?,
        spoofed_crawler_requests_now: spoofed_crawler_requests(store, site, current).await?,
        spoofed_crawler_requests_before: spoofed_crawler_requests(store, site, previous).await?,
        weeks: weeks(store, site, current.to).await?,
        comparison,
        period,
    })
}

/// The brand's answers per prompt in `span`: (prompt id, text) → (ok answers, mentioning).
async fn brand_prompts(
    store: &Store,
    site: &str,
    span: &Span,
) -> Result<BTreeMap<(i64, String), (u64, u64)>, ReportError> {
    let mut out = BTreeMap::new();
    if span.days == 0 {
        return Ok(out);
    }
    let table = run_named(store, "mentions_by_prompt", &site_span(site, span)).await?;
    let at = |name: &str| column(&table, name, "mentions_by_prompt");
    let (id, prompt, role) = (at("prompt_id")?, at("prompt")?, at("role")?);
    let (answers, mentioned) = (at("answers")?, at("mentioned")?);
    for row in &table.rows {
        if row[role].as_str() != Some("brand") {
            continue;
        }
        let key = (
            row[id].as_i64().unwrap_or(0),
            row[prompt].as_str().unwrap_or_default().to_string(),
        );
        let count = |at: usize| row[at].as_i64().unwrap_or(0).max(0) as u64;
        out.insert(key, (count(answers), count(mentioned)));
    }
    Ok(out)
}

/// Prompts the brand was named in most answers to now and not before (gained), and the
/// reverse (lost); prompts without answers in one of the periods are neither.
fn prompt_changes(
    now: &BTreeMap<(i64, String), (u64, u64)>,
    before: &BTreeMap<(i64, String), (u64, u64)>,
) -> (Vec<PromptChange>, Vec<PromptChange>) {
    let named = |(answers, mentioned): (u64, u64)| answers > 0 && mentioned * 2 > answers;
    let (mut gained, mut lost) = (Vec::new(), Vec::new());
    for (key, &counts_now) in now {
        let Some(&counts_before) = before.get(key) else {
            continue;
        };
        if counts_now.0 == 0 || counts_before.0 == 0 {
            continue;
        }
        let change = PromptChange {
            prompt_id: key.0,
            prompt: key.1.clone(),
        };
        match (named(counts_now), named(counts_before)) {
            (true, false) => gained.push(change),
            (false, true) => lost.push(change),
            _ => {}
        }
    }
    (gained, lost)
}

async fn voices(store: &Store, site: &str, span: &Span) -> Result<Vec<Voice>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let table = run_named(store, "mentions_by_entity", &site_span(site, span)).await?;
    let at = |name: &str| column(&table, name, "mentions_by_entity");
    let (entity, role, mentions, share) = (
        at("entity")?,
        at("role")?,
        at("mentions")?,
        at("share_of_voice")?,
    );
    Ok(table
        .rows
        .iter()
        .filter_map(|row| {
            Some(Voice {
                entity: row[entity].as_str()?.to_string(),
                role: row[role].as_str().unwrap_or_default().to_string(),
                mentions: row[mentions].as_i64().unwrap_or(0).max(0) as u64,
                share: row[share].as_f64().unwrap_or(0.0),
            })
        })
        .collect())
}

async fn cited_domains(
    store: &Store,
    site: &str,
    span: &Span,
    limit: usize,
) -> Result<Vec<CitedDomain>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let table = run_named(store, "citations_by_domain", &site_span(site, span)).await?;
    let at = |name: &str| column(&table, name, "citations_by_domain");
    let (domain, owner, citations, share) = (
        at("domain")?,
        at("owner_role")?,
        at("citations")?,
        at("share")?,
    );
    Ok(table
        .rows
        .iter()
        .take(limit)
        .map(|row| CitedDomain {
            domain: row[domain].as_str().unwrap_or_default().to_string(),
            owner_role: row[owner].as_str().map(str::to_string),
            citations: row[citations].as_i64().unwrap_or(0).max(0) as u64,
            share: row[share].as_f64().unwrap_or(0.0),
        })
        .collect())
}

/// The [`CHART_WEEKS`] ISO weeks up to the one holding `last_day`.
async fn weeks(store: &Store, site: &str, last_day: i64) -> Result<Vec<WeekNumbers>, ReportError> {
    let (last_monday, _) = iso_week(last_day);
    let first_monday = last_monday - 7 * (CHART_WEEKS - 1);
    let all = Span::new(first_monday, last_monday + 6);
    let mut out: Vec<WeekNumbers> = (0..CHART_WEEKS)
        .map(|i| WeekNumbers {
            label: iso_week(first_monday + 7 * i).1,
            ai: Counts::new(0, 0),
            search: Counts::new(0, 0),
            engines: Vec::new(),
        })
        .collect();
    let table = run_named(store, "daily_sessions_by_channel", &site_span(site, &all)).await?;
    let at = |name: &str| column(&table, name, "daily_sessions_by_channel");
    let (day, channel, sessions, conversions) = (
        at("day")?,
        at("channel")?,
        at("sessions")?,
        at("conversions")?,
    );
    for row in &table.rows {
        let Some(day) = row[day].as_str().and_then(crate::day::parse_day) else {
            continue;
        };
        let Some(week) = out.get_mut(((day / 86_400 - first_monday) / 7) as usize) else {
            continue;
        };
        let counts = match row[channel].as_str() {
            Some("ai_assistant") => &mut week.ai,
            Some("organic_search" | "paid_search") => &mut week.search,
            _ => continue,
        };
        let count = |at: usize| row[at].as_i64().unwrap_or(0).max(0) as u64;
        *counts = Counts::new(
            counts.successes + count(conversions),
            counts.trials + count(sessions),
        );
    }
    for (i, week) in out.iter_mut().enumerate() {
        let monday = first_monday + 7 * i as i64;
        week.engines = engine_answers_in(store, site, &Span::new(monday, monday + 6)).await?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_are_gained_and_lost_by_majority_of_answers() {
        let key = |id: i64| (id, format!("prompt {id}"));
        let now = BTreeMap::from([
            (key(1), (4, 3)), // named in most answers now
            (key(2), (4, 1)), // no longer
            (key(3), (4, 4)), // named both times
            (key(4), (4, 4)), // not asked before
        ]);
        let before = BTreeMap::from([
            (key(1), (4, 2)), // half is not most
            (key(2), (6, 5)),
            (key(3), (2, 2)),
            (key(5), (3, 3)),
        ]);
        let (gained, lost) = prompt_changes(&now, &before);
        let ids = |list: &[PromptChange]| list.iter().map(|p| p.prompt_id).collect::<Vec<_>>();
        assert_eq!(ids(&gained), [1]);
        assert_eq!(ids(&lost), [2]);
    }
}
