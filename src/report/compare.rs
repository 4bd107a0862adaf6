//! `aivis report compare`: the counts of the current window and its baseline read with the
//! query library (`traffic_days` for the first day with data, `conversions_by_source` for
//! each window — the same SQL analysts run), judged by [`crate::analysis::compare`], and its
//! three renderings: text for people ([`people_text`], rates as percentages with their
//! intervals), CSV rows ([`program_table`]) and JSON ([`to_json`]) with raw numbers.

use std::collections::BTreeMap;

use super::table::{Table, Value};
use super::{ReportError, run_named};
use crate::analysis::alerts::{CrawlerActivity, EngineAnswers, PromptLeaders};
use crate::analysis::compare::{
    Comparison, RatioComparison, TrafficRow, WindowStats, compare as compare_windows,
};
use crate::analysis::ratio::RateRatio;
use crate::analysis::shift::{Direction, HeldBack, Thresholds, Verdict};
use crate::analysis::windows::{Span, Windows, windows};
use crate::analysis::{percent, percent_with_interval};
use crate::store::Store;

/// What to compare.
#[derive(Debug, Clone)]
pub struct CompareParams {
    /// One site, or all together.
    pub site: Option<String>,
    /// Conversions of this goal; None: sessions that reached a macro goal.
    pub goal: Option<String>,
    /// The last day of the current window (UTC day number, days since 1970-01-01).
    pub as_of: i64,
    pub window_days: u32,
    pub baseline_days: u32,
    pub thresholds: Thresholds,
}

/// Reads both windows' traffic and compares them.
pub async fn compare(store: &Store, params: &CompareParams) -> Result<Comparison, ReportError> {
    let first_day = first_day_of(store, "traffic_days", params.site.as_deref()).await?;
    let spans = windows(
        params.as_of,
        params.window_days,
        params.baseline_days,
        first_day,
    );
    let current = traffic(store, params, &spans.current).await?;
    let baseline = traffic(store, params, &spans.baseline).await?;
    Ok(compare_windows(
        spans,
        &current,
        &baseline,
        &params.thresholds,
    ))
}

/// The first day of a `*_days` library query (`first_day` column), as a day number.
async fn first_day_of(
    store: &Store,
    query: &str,
    site: Option<&str>,
) -> Result<Option<i64>, ReportError> {
    let mut params = BTreeMap::new();
    if let Some(site) = site {
        params.insert("site".to_string(), site.to_string());
    }
    let table = run_named(store, query, &params).await?;
    let column = table.column("first_day");
    let day = table
        .rows
        .first()
        .zip(column)
        .and_then(|(row, at)| row[at].as_str().map(str::to_string));
    Ok(day
        .and_then(|day| crate::day::parse_day(&day))
        .map(|ts| ts / 86_400))
}

/// Prompt-check answers of a site in the windows ending on `as_of` (`window_days` and the
/// `baseline_days` before, shortened by days before its first ok answer), per engine: ok
/// answers, answers mentioning the brand, answers citing the brand's own domains. Read with
/// the library queries `answer_days`, `mentions_by_engine` and `citations_by_engine`.
pub async fn engine_answers(
    store: &Store,
    site: &str,
    as_of: i64,
    window_days: u32,
    baseline_days: u32,
) -> Result<(Windows, Vec<EngineAnswers>, Vec<EngineAnswers>), ReportError> {
    let first = first_day_of(store, "answer_days", Some(site)).await?;
    let spans = windows(as_of, window_days, baseline_days, first);
    let current = engine_answers_in(store, site, &spans.current).await?;
    let baseline = engine_answers_in(store, site, &spans.baseline).await?;
    Ok((spans, current, baseline))
}

/// Per engine, the prompt-check answers of `site` in `span`: ok answers, those mentioning the
/// brand, those citing its own domains.
pub async fn engine_answers_in(
    store: &Store,
    site: &str,
    span: &Span,
) -> Result<Vec<EngineAnswers>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let params = site_span(site, span);
    let mentions = run_named(store, "mentions_by_engine", &params).await?;
    let citations = run_named(store, "citations_by_engine", &params).await?;
    let mut out: BTreeMap<String, EngineAnswers> = BTreeMap::new();
    let count = |table: &Table, row: &[Value], name: &str| -> Result<u64, ReportError> {
        let at = column(table, name, "an answers query")?;
        Ok(row[at].as_i64().unwrap_or(0).max(0) as u64)
    };
    let text = |table: &Table, row: &[Value], name: &str| -> Result<Option<String>, ReportError> {
        let at = column(table, name, "an answers query")?;
        Ok(row[at].as_str().map(str::to_string))
    };
    for row in &citations.rows {
        let Some(engine) = text(&citations, row, "engine")? else {
            continue;
        };
        let entry = out.entry(engine.clone()).or_insert_with(|| EngineAnswers {
            engine,
            ..EngineAnswers::default()
        });
        entry.answers = count(&citations, row, "answers")?;
        entry.citing_brand = count(&citations, row, "answers_citing_brand")?;
    }
    for row in &mentions.rows {
        if text(&mentions, row, "role")?.as_deref() != Some("brand") {
            continue;
        }
        let Some(engine) = text(&mentions, row, "engine")? else {
            continue;
        };
        let entry = out.entry(engine.clone()).or_insert_with(|| EngineAnswers {
            engine,
            ..EngineAnswers::default()
        });
        entry.answers = entry.answers.max(count(&mentions, row, "answers")?);
        entry.mentioned = count(&mentions, row, "mentioned")?;
    }
    Ok(out.into_values().collect())
}

/// Who was named first in the answers of each engine to each prompt of `site` in `span` (the
/// library query `leaders_by_prompt`).
pub async fn prompt_leaders(
    store: &Store,
    site: &str,
    span: &Span,
) -> Result<Vec<PromptLeaders>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let params = site_span(site, span);
    let table = run_named(store, "leaders_by_prompt", &params).await?;
    let at = |name: &str| column(&table, name, "leaders_by_prompt");
    let (engine, prompt_id, prompt) = (at("engine")?, at("prompt_id")?, at("prompt")?);
    let (answers, entity, role, led) = (at("answers")?, at("entity")?, at("role")?, at("led")?);
    let mut out: Vec<PromptLeaders> = Vec::new();
    for row in &table.rows {
        let key = (
            row[engine].as_str().unwrap_or_default(),
            row[prompt_id].as_i64().unwrap_or(0),
        );
        let position = out
            .iter()
            .position(|p| (p.engine.as_str(), p.prompt_id) == key);
        let group = match position {
            Some(at) => &mut out[at],
            None => {
                out.push(PromptLeaders {
                    engine: key.0.to_string(),
                    prompt_id: key.1,
                    prompt: row[prompt].as_str().unwrap_or_default().to_string(),
                    answers: row[answers].as_i64().unwrap_or(0).max(0) as u64,
                    leaders: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        if let (Some(name), Some(role)) = (row[entity].as_str(), row[role].as_str()) {
            let count = row[led].as_i64().unwrap_or(0).max(0) as u64;
            group
                .leaders
                .push((name.to_string(), role.to_string(), count));
        }
    }
    Ok(out)
}

/// The AI crawlers and agents of `site` in `span` (the library query `crawlers_by_agent`): their
/// requests, refused or failed requests (4xx and 5xx) and days, one row per agent. Requests
/// shown to be spoofed (from outside the agent's published ranges) are not the agent's and
/// are left out; [`spoofed_crawler_requests`] counts them.
pub async fn crawler_activity(
    store: &Store,
    site: &str,
    span: &Span,
) -> Result<Vec<CrawlerActivity>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let mut params = site_span(site, span);
    params.insert("verification".into(), "not_spoofed".into());
    let table = run_named(store, "crawlers_by_agent", &params).await?;
    let at = |name: &str| column(&table, name, "crawlers_by_agent");
    let (agent, operator, purpose) = (at("agent")?, at("operator")?, at("purpose")?);
    let (hits, days, s4, s5) = (
        at("hits")?,
        at("days")?,
        at("status_4xx")?,
        at("status_5xx")?,
    );
    let count = |row: &[Value], at: usize| row[at].as_i64().unwrap_or(0).max(0) as u64;
    let mut out: BTreeMap<String, CrawlerActivity> = BTreeMap::new();
    for row in &table.rows {
        let name = row[agent].as_str().unwrap_or_default().to_string();
        // An agent counted under more than one purpose or operator is one agent here.
        let entry = out.entry(name.clone()).or_insert_with(|| CrawlerActivity {
            agent: name,
            operator: row[operator].as_str().map(str::to_string),
            purpose: row[purpose].as_str().unwrap_or_default().to_string(),
            ..CrawlerActivity::default()
        });
        entry.hits += count(row, hits);
        entry.errors += count(row, s4) + count(row, s5);
        entry.days = entry.days.max(count(row, days));
    }
    Ok(out.into_values().collect())
}

/// The requests of `site` in `span` that named an AI agent from outside its published IP
/// ranges (the library query `crawlers_by_purpose`, verification `spoofed`).
pub async fn spoofed_crawler_requests(
    store: &Store,
    site: &str,
    span: &Span,
) -> Result<u64, ReportError> {
    if span.days == 0 {
        return Ok(0);
    }
    let mut params = site_span(site, span);
    params.insert("verification".into(), "spoofed".into());
    let table = run_named(store, "crawlers_by_purpose", &params).await?;
    let hits = column(&table, "hits", "crawlers_by_purpose")?;
    Ok(table
        .rows
        .iter()
        .map(|row| row[hits].as_i64().unwrap_or(0).max(0) as u64)
        .sum())
}

/// A landing page AI assistants sent visitors to, with their visits and conversions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LandingPage {
    pub path: String,
    pub sessions: i64,
    pub conversions: i64,
}

/// The `limit` landing pages AI assistants sent most visitors to over `span`.
pub async fn ai_landing_pages(
    store: &Store,
    site: &str,
    span: &Span,
    limit: usize,
) -> Result<Vec<LandingPage>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let table = run_named(store, "top_landing_pages_ai", &site_span(site, span)).await?;
    let at = |name: &str| column(&table, name, "top_landing_pages_ai");
    let (path, sessions, conversions) = (at("landing_path")?, at("sessions")?, at("conversions")?);
    Ok(table
        .rows
        .iter()
        .take(limit)
        .map(|row| LandingPage {
            path: row[path].as_str().unwrap_or_default().to_string(),
            sessions: row[sessions].as_i64().unwrap_or(0),
            conversions: row[conversions].as_i64().unwrap_or(0),
        })
        .collect())
}

/// The `site`, `from` and `to` parameters of a library query over `span`.
pub(super) fn site_span(site: &str, span: &Span) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("site".to_string(), site.to_string()),
        ("from".to_string(), span.from_text()),
        ("to".to_string(), span.to_text()),
    ])
}

pub(super) fn column(table: &Table, name: &str, query: &str) -> Result<usize, ReportError> {
    table.column(name).ok_or_else(|| {
        ReportError::Store(crate::store::StoreError::Corrupt(format!(
            "{query} returned no {name} column"
        )))
    })
}

/// Sessions and conversions per channel and source in `span` (nothing for an empty span).
async fn traffic(
    store: &Store,
    params: &CompareParams,
    span: &Span,
) -> Result<Vec<TrafficRow>, ReportError> {
    if span.days == 0 {
        return Ok(Vec::new());
    }
    let mut query = BTreeMap::from([
        ("from".to_string(), span.from_text()),
        ("to".to_string(), span.to_text()),
    ]);
    if let Some(site) = &params.site {
        query.insert("site".into(), site.clone());
    }
    if let Some(goal) = &params.goal {
        query.insert("goal".into(), goal.clone());
    }
    let table = run_named(store, "conversions_by_source", &query).await?;
    let at = |name: &str| column(&table, name, "conversions_by_source");
    let (channel, source, sessions, conversions) = (
        at("channel")?,
        at("source")?,
        at("sessions")?,
        at("conversions")?,
    );
    Ok(table
        .rows
        .iter()
        .map(|row| TrafficRow {
            channel: row[channel].as_str().unwrap_or_default().to_string(),
            source: row[source].as_str().unwrap_or_default().to_string(),
            sessions: row[sessions].as_i64().unwrap_or(0).max(0) as u64,
            conversions: row[conversions].as_i64().unwrap_or(0).max(0) as u64,
        })
        .collect())
}

/// The segment name of the AI/search ratio's row in CSV and JSON.
pub const RATIO_SEGMENT: &str = "ai_vs_search_ratio";

/// A rate with its interval for people: `5.2% (3.8–7.1%)`, or `–` without sessions.
fn rate_text(stats: &WindowStats) -> String {
    if stats.sessions == 0 {
        return "–".into();
    }
    percent_with_interval(&stats.rate)
}

/// A relative change for people: `+12.5%`, `−68.1%`.
fn signed_percent(change: f64) -> String {
    let sign = if change < 0.0 { "−" } else { "+" };
    format!("{sign}{:.1}%", change.abs() * 100.0)
}

/// A p-value for people: `<0.001`, `0.032`.
fn p_text(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// The verdict in words: `shift down`, or why the change was held back.
pub fn verdict_text(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Shift(Direction::Up) => "shift up",
        Verdict::Shift(Direction::Down) => "shift down",
        Verdict::Held(HeldBack::FewTrials) => "too few sessions",
        Verdict::Held(HeldBack::FewSuccesses) => "too few conversions",
        Verdict::Held(HeldBack::NotSignificant) => "not significant",
        Verdict::Held(HeldBack::SmallChange) => "change too small",
    }
}

fn span_text(span: &Span) -> String {
    match span.days {
        0 => "no days with data".into(),
        1 => format!("{} (1 day)", span.to_text()),
        days => format!("{} to {} ({days} days)", span.from_text(), span.to_text()),
    }
}

/// The comparison for people: a heading naming both windows, an aligned table with rates as
/// percentages and their intervals, and the ratio in a sentence.
pub fn people_text(c: &Comparison) -> String {
    let mut table = Table {
        columns: [
            "segment",
            "sessions",
            "conversion rate",
            "share",
            "baseline sessions",
            "baseline rate",
            "baseline share",
            "change",
            "p",
            "judgement",
        ]
        .map(String::from)
        .to_vec(),
        rows: Vec::new(),
    };
    for s in &c.segments {
        let text = |t: String| Value::Text(t);
        table.rows.push(vec![
            text(s.segment.clone()),
            Value::Int(s.current.sessions as i64),
            text(rate_text(&s.current)),
            text(s.current.share().map_or("–".into(), percent)),
            Value::Int(s.baseline.sessions as i64),
            text(rate_text(&s.baseline)),
            text(s.baseline.share().map_or("–".into(), percent)),
            text(
                s.judgement
                    .relative_change
                    .map_or("–".into(), signed_percent),
            ),
            text(p_text(s.judgement.p_value)),
            text(verdict_text(s.judgement.verdict).into()),
        ]);
    }
    let mut out = format!(
        "current window: {}\nbaseline:       {}\n\n",
        span_text(&c.windows.current),
        span_text(&c.windows.baseline)
    );
    out.push_str(&table.to_text_table());
    out.push('\n');
    out.push_str(&ratio_sentence(&c.ratio));
    out.push('\n');
    out
}

fn ratio_sentence(r: &RatioComparison) -> String {
    let one = |ratio: &Option<RateRatio>| match ratio {
        Some(RateRatio {
            ratio: Some(value),
            low,
            high,
            ..
        }) => format!("{value:.2} ({low:.2}–{high:.2})"),
        _ => "–".into(),
    };
    let mut text = format!(
        "AI/search conversion-rate ratio: {} now against {} in the baseline",
        one(&r.current),
        one(&r.baseline)
    );
    if let Some(change) = r.relative_change {
        text.push_str(&format!(
            " ({}, p {})",
            signed_percent(change),
            match r.p_value {
                Some(p) if p < 0.001 => "< 0.001".to_string(),
                p => format!("= {}", p_text(p)),
            }
        ));
    }
    if r.excludes_baseline {
        text.push_str("; the current interval leaves out the baseline ratio");
    }
    text
}

fn float(value: Option<f64>) -> Value {
    value.map_or(Value::Null, Value::Float)
}

/// The comparison for programs (CSV): one row per segment and one for the ratio, raw numbers
/// (rates and shares as fractions, nulls where there is nothing to compute).
pub fn program_table(c: &Comparison) -> Table {
    let mut columns = vec!["segment".to_string(), "kind".to_string()];
    for window in ["current", "baseline"] {
        for field in [
            "from",
            "to",
            "days",
            "sessions",
            "conversions",
            "rate",
            "ci_low",
            "ci_high",
            "share",
        ] {
            columns.push(format!("{window}_{field}"));
        }
    }
    columns.extend(
        [
            "change",
            "relative_change",
            "p_value",
            "q_value",
            "test",
            "verdict",
        ]
        .map(String::from),
    );
    let window = |span: &Span, stats: Option<&WindowStats>, ratio: Option<&RateRatio>| {
        let mut cells = vec![
            Value::Text(span.from_text()),
            Value::Text(span.to_text()),
            Value::Int(i64::from(span.days)),
        ];
        match (stats, ratio) {
            (Some(s), _) => cells.extend([
                Value::Int(s.sessions as i64),
                Value::Int(s.conversions as i64),
                float((s.sessions > 0).then_some(s.rate.rate)),
                float((s.sessions > 0).then_some(s.rate.low)),
                float((s.sessions > 0).then_some(s.rate.high)),
                float(s.share()),
            ]),
            (None, ratio) => cells.extend([
                Value::Null,
                Value::Null,
                float(ratio.and_then(|r| r.ratio)),
                float(ratio.map(|r| r.low)),
                float(ratio.map(|r| r.high)),
                Value::Null,
            ]),
        }
        cells
    };
    let (now, before) = (&c.windows.current, &c.windows.baseline);
    let mut rows: Vec<Vec<Value>> = c
        .segments
        .iter()
        .map(|s| {
            let mut row = vec![
                Value::Text(s.segment.clone()),
                Value::Text(s.kind.as_str().into()),
            ];
            row.extend(window(now, Some(&s.current), None));
            row.extend(window(before, Some(&s.baseline), None));
            let j = &s.judgement;
            row.extend([
                float(j.change),
                float(j.relative_change),
                float(j.p_value),
                float(j.q_value),
                j.test
                    .map_or(Value::Null, |t| Value::Text(t.as_str().into())),
                Value::Text(verdict_code(j.verdict).into()),
            ]);
            row
        })
        .collect();
    let r = &c.ratio;
    let mut ratio_row = vec![
        Value::Text(RATIO_SEGMENT.into()),
        Value::Text("ratio".into()),
    ];
    ratio_row.extend(window(now, None, r.current.as_ref()));
    ratio_row.extend(window(before, None, r.baseline.as_ref()));
    ratio_row.extend([
        float(r.change),
        float(r.relative_change),
        float(r.p_value),
        Value::Null,
        Value::Null,
        Value::Text(
            if r.excludes_baseline {
                "outside_baseline"
            } else {
                "within_baseline"
            }
            .into(),
        ),
    ]);
    rows.push(ratio_row);
    Table { columns, rows }
}

/// The verdict as a stable code: `up`, `down`, or the reason it was held back.
pub fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Shift(direction) => direction.as_str(),
        Verdict::Held(reason) => reason.as_str(),
    }
}

/// The comparison for programs (JSON): one object per segment with `segment`, `kind`,
/// `current` and `baseline` (`from`, `to`, `days`, `sessions`, `conversions`, `rate`,
/// `ci_low`, `ci_high`, `share`), `change`, `relative_change`, `p_value`, `q_value`, `test`
/// and `verdict`; then the ratio's object (`segment = "ai_vs_search_ratio"`, with `ratio` in
/// place of the counts, and `excludes_baseline`).
pub fn to_json(c: &Comparison) -> serde_json::Value {
    use serde_json::json;
    let window = |span: &Span, s: &WindowStats| {
        let rate = |v: f64| (s.sessions > 0).then_some(v);
        json!({
            "from": span.from_text(), "to": span.to_text(), "days": span.days,
            "sessions": s.sessions, "conversions": s.conversions,
            "rate": rate(s.rate.rate), "ci_low": rate(s.rate.low), "ci_high": rate(s.rate.high),
            "share": s.share(),
        })
    };
    let (now, before) = (&c.windows.current, &c.windows.baseline);
    let mut out: Vec<serde_json::Value> = c
        .segments
        .iter()
        .map(|s| {
            let j = &s.judgement;
            json!({
                "segment": s.segment, "kind": s.kind.as_str(),
                "current": window(now, &s.current), "baseline": window(before, &s.baseline),
                "change": j.change, "relative_change": j.relative_change,
                "p_value": j.p_value, "q_value": j.q_value,
                "test": j.test.map(|t| t.as_str()), "verdict": verdict_code(j.verdict),
            })
        })
        .collect();
    let ratio = |span: &Span, r: &Option<RateRatio>| {
        json!({
            "from": span.from_text(), "to": span.to_text(), "days": span.days,
            "ratio": r.and_then(|r| r.ratio), "ci_low": r.map(|r| r.low),
            "ci_high": r.map(|r| r.high),
        })
    };
    let r = &c.ratio;
    out.push(json!({
        "segment": RATIO_SEGMENT, "kind": "ratio",
        "current": ratio(now, &r.current), "baseline": ratio(before, &r.baseline),
        "change": r.change, "relative_change": r.relative_change, "p_value": r.p_value,
        "excludes_baseline": r.excludes_baseline,
    }));
    serde_json::Value::Array(out)
}
