//! The digest mail of one site and period (pure: numbers in, a rendered mail out): a subject
//! saying what changed most; AI against search with intervals and the verdict; AI assistants
//! and their landing pages; brand visibility per engine, prompts gained and lost, share of
//! voice and cited domains; AI crawler activity; open and resolved alerts; and two charts of
//! the last twelve weeks. A rate from too few visits or answers is not shown as a percentage:
//! the digest says there is too little data.

use serde::Serialize;

use super::alert_mail::headline;
use super::chart::{Band, Line, RateChart, alt_text, render_png};
use super::compose::{InlineImage, RenderedMail};
use super::render::{Frame, RenderError, render};
use crate::analysis::alerts::{CrawlerActivity, EngineAnswers};
use crate::analysis::compare::{SegmentComparison, SegmentKind, WindowStats};
use crate::analysis::shift::{Direction, HeldBack, Verdict};
use crate::analysis::significance::Counts;
use crate::analysis::{Z_95, percent, percent_with_interval, wilson};
use crate::report::digest::DigestData;
use crate::store::StoredAlert;

/// Fewest visits whose conversion rate is shown as a percentage.
pub const MIN_VISITS_FOR_RATE: u64 = 30;
/// Fewest ok answers whose mention rate is shown as a percentage.
pub const MIN_ANSWERS_FOR_RATE: u64 = 10;
/// The charts' size in pixels (shown at this width, or narrower on a phone).
pub const CHART_SIZE: (u32, u32) = (600, 300);
/// Longest untrusted text shown (paths, prompts, names), in characters.
const MAX_TEXT: usize = 120;

/// What one digest says, beside its numbers.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    pub data: &'a DigestData,
    pub brand: Option<&'a str>,
    /// Alerts open or notified now.
    pub open_alerts: &'a [StoredAlert],
    /// Alerts resolved during the period.
    pub resolved_alerts: &'a [StoredAlert],
}

/// A digest to look at in a browser: the mail's HTML with its charts as files beside it.
#[derive(Debug, Clone)]
pub struct Preview {
    pub html: String,
    /// `(file name, PNG)`, named from the stem: `digest` → `digest-conversion.png`.
    pub files: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Serialize)]
struct View {
    #[serde(flatten)]
    frame: Frame,
    period_words: String,
    previous_words: String,
    traffic: Vec<TrafficRowView>,
    traffic_note: String,
    ratio: String,
    assistants: Vec<CountRow>,
    landing_pages: Vec<CountRow>,
    engines: Vec<EngineRow>,
    visibility_note: String,
    prompts_gained: Vec<String>,
    prompts_lost: Vec<String>,
    voices: Vec<CountRow>,
    domains: Vec<CountRow>,
    crawlers: Vec<CountRow>,
    crawlers_stopped: Vec<String>,
    open_alerts: Vec<String>,
    resolved_alerts: Vec<String>,
    charts: Vec<ChartView>,
}

#[derive(Debug, Serialize)]
struct TrafficRowView {
    name: &'static str,
    sessions: String,
    conversions: String,
    rate: String,
    rate_before: String,
    verdict: String,
}

/// A name with a figure or two, for the simple tables.
#[derive(Debug, Serialize)]
struct CountRow {
    name: String,
    now: String,
    before: String,
    mark: bool,
}

#[derive(Debug, Serialize)]
struct EngineRow {
    engine: String,
    mentioned: String,
    mentioned_before: String,
    cited: String,
}

#[derive(Debug, Serialize)]
struct ChartView {
    src: String,
    alt: String,
}

/// Renders the digest, its charts inline by `Content-ID`.
pub fn render_digest(input: &DigestInput<'_>) -> Result<RenderedMail, RenderError> {
    let data = input.data;
    let brand = input.brand.unwrap_or("your brand");
    let (words_now, words_before) = period_words(data.period.kind);
    let charts = charts(data, brand);
    let mut images = Vec::new();
    let mut chart_views = Vec::new();
    for (name, chart) in &charts {
        let Ok(png) = render_png(chart, CHART_SIZE.0, CHART_SIZE.1) else {
            continue;
        };
        let content_id = format!("{name}{CHART_ID_SUFFIX}");
        chart_views.push(ChartView {
            src: format!("cid:{content_id}"),
            alt: alt_text(chart),
        });
        images.push(InlineImage { content_id, png });
    }
    let title = headline_of(data, words_before);
    let view = View {
        frame: Frame {
            preheader: format!("AI against search, brand visibility and AI crawlers, {words_now}."),
            site: data.site.clone(),
            period: data.period.label.clone(),
            title: title.clone(),
        },
        period_words: words_now.into(),
        previous_words: words_before.into(),
        traffic: traffic_rows(data),
        traffic_note: traffic_note(data),
        ratio: ratio_words(data, words_before),
        assistants: assistants(data),
        landing_pages: data
            .landing_pages
            .iter()
            .map(|p| CountRow {
                name: cap(&p.path),
                now: format!("{} visits", p.sessions),
                before: format!("{} conversions", p.conversions),
                mark: false,
            })
            .collect(),
        engines: engines(data),
        visibility_note: visibility_note(data, brand),
        prompts_gained: data.prompts_gained.iter().map(|p| cap(&p.prompt)).collect(),
        prompts_lost: data.prompts_lost.iter().map(|p| cap(&p.prompt)).collect(),
        voices: data
            .voices
            .iter()
            .map(|v| CountRow {
                name: cap(&v.entity),
                now: percent(v.share),
                before: format!("{} mentions", v.mentions),
                mark: v.role == "brand",
            })
            .collect(),
        domains: data
            .cited_domains
            .iter()
            .map(|d| CountRow {
                name: cap(&d.domain),
                now: format!("{} citations", d.citations),
                before: percent(d.share),
                mark: d.owner_role.as_deref() == Some("brand"),
            })
            .collect(),
        crawlers: crawlers_by_purpose(
            &data.crawlers_now,
            &data.crawlers_before,
            (
                data.spoofed_crawler_requests_now,
                data.spoofed_crawler_requests_before,
            ),
        ),
        crawlers_stopped: stopped(&data.crawlers_now, &data.crawlers_before),
        open_alerts: input
            .open_alerts
            .iter()
            .map(|a| format!("{} ({})", headline(a, brand), a.severity))
            .collect(),
        resolved_alerts: input
            .resolved_alerts
            .iter()
            .map(|a| headline(a, brand))
            .collect(),
        charts: chart_views,
    };
    Ok(RenderedMail {
        subject: format!("{title} — {}, {}", data.site, data.period.label),
        text: render("digest.txt", &view)?,
        html: render("digest.html", &view)?,
        images,
    })
}

/// What ends a chart's `Content-ID` (`conversion-chart`).
const CHART_ID_SUFFIX: &str = "-chart";

/// `mail` (a rendered digest) for a browser: each `src="cid:…"` of a chart points at a file
/// named from `stem` instead. Text in the HTML is escaped, so only the template's own
/// attributes can match.
pub fn preview(mail: &RenderedMail, stem: &str) -> Preview {
    let mut html = mail.html.clone();
    let mut files = Vec::new();
    for image in &mail.images {
        let name = image.content_id.trim_end_matches(CHART_ID_SUFFIX);
        let file = format!("{stem}-{name}.png");
        html = html.replace(
            &format!("src=\"cid:{}\"", image.content_id),
            &format!("src=\"{file}\""),
        );
        files.push((file, image.png.clone()));
    }
    Preview { html, files }
}

fn period_words(kind: &str) -> (&'static str, &'static str) {
    if kind == "day" {
        ("yesterday", "the day before")
    } else {
        ("this week", "the week before")
    }
}

/// What changed most, in words: a conversion rate that shifted, else the change of AI visits
/// when both periods have enough, else that there is too little data.
fn headline_of(data: &DigestData, before: &str) -> String {
    for (name, who) in [
        ("ai_assistant", "AI visitors"),
        ("search", "Search visitors"),
    ] {
        if let Some(segment) = data.comparison.segment(name)
            && let Verdict::Shift(direction) = segment.judgement.verdict
        {
            let size = segment
                .judgement
                .relative_change
                .map_or_else(String::new, |c| format!("{:.0}% ", c.abs() * 100.0));
            let way = if direction == Direction::Down {
                "less"
            } else {
                "more"
            };
            return format!("{who} converted {size}{way} than {before}");
        }
    }
    let Some(ai) = data.comparison.segment("ai_assistant") else {
        return "Too little traffic to compare".into();
    };
    let (now, was) = (ai.current.sessions, ai.baseline.sessions);
    if now < MIN_VISITS_FOR_RATE || was < MIN_VISITS_FOR_RATE {
        return format!("AI assistants sent {now} visitors: too few to compare");
    }
    let change = (now as f64 - was as f64) / was as f64;
    let way = if change < 0.0 { "fewer" } else { "more" };
    format!(
        "AI assistants sent {now} visitors, {:.0}% {way} than {before}",
        change.abs() * 100.0
    )
}

fn rate_or_thin(stats: &WindowStats) -> String {
    if stats.sessions < MIN_VISITS_FOR_RATE {
        return format!("too few visits ({})", stats.sessions);
    }
    percent_with_interval(&stats.rate)
}

fn traffic_rows(data: &DigestData) -> Vec<TrafficRowView> {
    [("ai_assistant", "AI assistants"), ("search", "Search")]
        .iter()
        .filter_map(|(segment, name)| {
            let s = data.comparison.segment(segment)?;
            Some(TrafficRowView {
                name,
                sessions: format!("{} ({} before)", s.current.sessions, s.baseline.sessions),
                conversions: format!(
                    "{} ({} before)",
                    s.current.conversions, s.baseline.conversions
                ),
                rate: rate_or_thin(&s.current),
                rate_before: rate_or_thin(&s.baseline),
                verdict: verdict_words(s),
            })
        })
        .collect()
}

fn verdict_words(segment: &SegmentComparison) -> String {
    let p = segment
        .judgement
        .q_value
        .map_or_else(String::new, |q| format!(", q = {q:.3}"));
    match segment.judgement.verdict {
        Verdict::Shift(Direction::Up) => format!("rose{p}"),
        Verdict::Shift(Direction::Down) => format!("fell{p}"),
        Verdict::Held(HeldBack::FewTrials | HeldBack::FewSuccesses) => {
            "too little data to tell".into()
        }
        Verdict::Held(HeldBack::NotSignificant | HeldBack::SmallChange) => "no clear change".into(),
    }
}

fn traffic_note(data: &DigestData) -> String {
    let thin = ["ai_assistant", "search"].iter().any(|s| {
        data.comparison.segment(s).is_some_and(|s| {
            matches!(
                s.judgement.verdict,
                Verdict::Held(HeldBack::FewTrials | HeldBack::FewSuccesses)
            )
        })
    });
    if thin {
        "There is too little data to say whether conversion rates changed: a difference this \
         small in so few visits is what chance alone produces."
            .into()
    } else {
        String::new()
    }
}

fn ratio_words(data: &DigestData, before: &str) -> String {
    let ratio = &data.comparison.ratio;
    match (ratio.current, ratio.baseline) {
        (Some(now), Some(was)) if now.ratio.is_some() && was.ratio.is_some() => format!(
            "AI visitors converted {:.2}× as often as search visitors ({:.2}–{:.2}), against \
             {:.2}× {before}.",
            now.ratio.unwrap_or(0.0),
            now.low,
            now.high,
            was.ratio.unwrap_or(0.0)
        ),
        (Some(now), _) if now.ratio.is_some() => format!(
            "AI visitors converted {:.2}× as often as search visitors ({:.2}–{:.2}).",
            now.ratio.unwrap_or(0.0),
            now.low,
            now.high
        ),
        _ => "Too few conversions to compare AI with search.".into(),
    }
}

fn assistants(data: &DigestData) -> Vec<CountRow> {
    let mut rows: Vec<&SegmentComparison> = data
        .comparison
        .segments
        .iter()
        .filter(|s| s.kind == SegmentKind::AiSource)
        .collect();
    rows.sort_by_key(|s| std::cmp::Reverse(s.current.sessions));
    rows.iter()
        .map(|s| CountRow {
            name: cap(&s.segment),
            now: format!("{} visits", s.current.sessions),
            before: format!("{} before", s.baseline.sessions),
            mark: s.baseline.sessions == 0 && s.current.sessions > 0,
        })
        .collect()
}

fn answers_rate(hits: u64, answers: u64) -> String {
    if answers < MIN_ANSWERS_FOR_RATE {
        return format!("too few answers ({answers})");
    }
    percent_with_interval(&wilson(hits, answers, Z_95))
}

fn engines(data: &DigestData) -> Vec<EngineRow> {
    data.engines_now
        .iter()
        .map(|now| {
            let before = data
                .engines_before
                .iter()
                .find(|b| b.engine == now.engine)
                .cloned()
                .unwrap_or_default();
            EngineRow {
                engine: cap(&now.engine),
                mentioned: answers_rate(now.mentioned, now.answers),
                mentioned_before: answers_rate(before.mentioned, before.answers),
                cited: answers_rate(now.citing_brand, now.answers),
            }
        })
        .collect()
}

fn visibility_note(data: &DigestData, brand: &str) -> String {
    if data.engines_now.is_empty() {
        return format!(
            "No prompt checks ran {}: add tracked prompts (`aivis prompts add`) and run \
             `aivis check` to see how AI engines talk about {brand}.",
            period_words(data.period.kind).0
        );
    }
    String::new()
}

/// Requests per purpose (spoofed ones are in no agent's activity), and the spoofed requests on
/// a line of their own when there were any, now or before.
fn crawlers_by_purpose(
    now: &[CrawlerActivity],
    before: &[CrawlerActivity],
    (spoofed_now, spoofed_before): (u64, u64),
) -> Vec<CountRow> {
    let mut rows: Vec<CountRow> = ["training", "search_index", "user_fetch"]
        .iter()
        .map(|purpose| {
            let hits = |list: &[CrawlerActivity]| -> u64 {
                list.iter()
                    .filter(|c| c.purpose == *purpose)
                    .map(|c| c.hits)
                    .sum()
            };
            CountRow {
                name: purpose.replace('_', " "),
                now: format!("{} requests", hits(now)),
                before: format!("{} before", hits(before)),
                mark: false,
            }
        })
        .collect();
    if spoofed_now > 0 || spoofed_before > 0 {
        rows.push(CountRow {
            name: "spoofed (outside the agents' published IP ranges)".into(),
            now: format!("{spoofed_now} requests"),
            before: format!("{spoofed_before} before"),
            mark: false,
        });
    }
    rows
}

/// Agents that came before and not at all now.
fn stopped(now: &[CrawlerActivity], before: &[CrawlerActivity]) -> Vec<String> {
    before
        .iter()
        .filter(|b| b.hits > 0 && !now.iter().any(|n| n.agent == b.agent && n.hits > 0))
        .map(|b| format!("{} ({} requests before)", cap(&b.agent), b.hits))
        .collect()
}

/// The two charts: AI and search conversion rates per week, and the brand's mention rate per
/// engine per week; a week with too few visits or answers is a gap.
fn charts(data: &DigestData, brand: &str) -> Vec<(&'static str, RateChart)> {
    let labels: Vec<String> = data.weeks.iter().map(|w| w.label.clone()).collect();
    let band = |counts: Counts, least: u64| {
        (counts.trials >= least).then(|| {
            let rate = wilson(counts.successes, counts.trials, Z_95);
            Band {
                value: rate.rate,
                low: rate.low,
                high: rate.high,
            }
        })
    };
    let conversion = RateChart {
        title: "Conversion rate per week".into(),
        x_labels: labels.clone(),
        lines: vec![
            Line {
                name: "AI assistants".into(),
                points: data
                    .weeks
                    .iter()
                    .map(|w| band(w.ai, MIN_VISITS_FOR_RATE))
                    .collect(),
            },
            Line {
                name: "Search".into(),
                points: data
                    .weeks
                    .iter()
                    .map(|w| band(w.search, MIN_VISITS_FOR_RATE))
                    .collect(),
            },
        ],
    };
    let mut engines: Vec<&str> = data
        .weeks
        .iter()
        .flat_map(|w| w.engines.iter().map(|e| e.engine.as_str()))
        .collect();
    engines.sort_unstable();
    engines.dedup();
    let mentions = RateChart {
        title: format!("Answers naming {brand}, per engine and week"),
        x_labels: labels,
        lines: engines
            .iter()
            .map(|engine| Line {
                name: (*engine).to_string(),
                points: data
                    .weeks
                    .iter()
                    .map(|w| {
                        let e = w.engines.iter().find(|e| e.engine == *engine);
                        let counts = e.map_or(Counts::new(0, 0), |e: &EngineAnswers| {
                            Counts::new(e.mentioned, e.answers)
                        });
                        band(counts, MIN_ANSWERS_FOR_RATE)
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut out = vec![("conversion", conversion)];
    if !mentions.lines.is_empty() {
        out.push(("mentions", mentions));
    }
    out
}

fn cap(text: &str) -> String {
    super::render::cap(text, MAX_TEXT)
}

#[cfg(test)]
mod tests;
