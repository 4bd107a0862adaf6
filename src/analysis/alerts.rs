//! Alert rules and their lifecycle, over plain numbers. [`traffic_alerts`] turns a site's
//! comparison into the alerts it raises (AI and search conversion rates, their ratio, AI's
//! share of visits, a new AI assistant); [`answer_alerts`] does the same for the prompt-check
//! rates per engine (answers naming the brand, answers citing its site), [`rank_alerts`] for
//! first places lost to a competitor, and [`crawler_alerts`] for AI crawlers that stopped
//! coming or are refused. Each alert has a stable key, a severity from the size of the change
//! and one sentence a brand manager understands. [`transition`] decides what a new evaluation
//! does to a stored alert: open it, update it, re-open it for a mail when its severity rose,
//! resolve it, or leave it (a resolved alert stays quiet for `cooldown_days` unless its
//! severity rises).

use serde_json::{Value, json};

use super::compare::{Comparison, SegmentComparison, SegmentKind, WindowStats};
use super::percent;
use super::shift::{
    Direction, RateChange, Thresholds, Verdict, judge_all, judge_together, lacking_data,
};
use super::significance::Counts;
use super::windows::Span;

/// The kinds [`traffic_alerts`] evaluates.
pub const TRAFFIC_KINDS: [&str; 5] = [
    "ai_conversion_rate",
    "search_conversion_rate",
    "ai_search_ratio",
    "ai_traffic_share",
    "ai_source_new",
];

/// The kinds evaluated from prompt checks: [`answer_alerts`]' rates and [`rank_alerts`]' lead.
pub const ANSWER_KINDS: [&str; 3] = ["mention_rate", "own_citation_rate", "top_rank_lost"];

/// One engine's ok prompt-check answers in one window: how many, how many mention the brand,
/// how many cite the brand's own domains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineAnswers {
    pub engine: String,
    pub answers: u64,
    pub mentioned: u64,
    pub citing_brand: u64,
}

/// One AI crawler or agent in one window: its requests, those refused or failed (4xx, 5xx),
/// and the days it came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlerActivity {
    pub agent: String,
    pub operator: Option<String>,
    pub purpose: String,
    pub hits: u64,
    pub errors: u64,
    pub days: u64,
}

/// Who led the answers of one engine to one prompt in one window: its ok answers and, per
/// tracked entity named first, how many answers it led.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromptLeaders {
    pub engine: String,
    pub prompt_id: i64,
    pub prompt: String,
    pub answers: u64,
    /// (entity, role: `brand` or `competitor`, answers it led), most first.
    pub leaders: Vec<(String, String, u64)>,
}

impl PromptLeaders {
    /// The entity that led a majority (more than half) of the answers, with its role.
    fn majority(&self) -> Option<(&str, &str, u64)> {
        self.leaders
            .iter()
            .find(|(_, _, led)| *led * 2 > self.answers)
            .map(|(entity, role, led)| (entity.as_str(), role.as_str(), *led))
    }
}

/// Fewest ok answers of a prompt and engine in each window for `top_rank_lost` (a majority of
/// fewer would be one or two answers).
pub const MIN_ANSWERS_FOR_LEAD: u64 = 3;

/// How much an alert matters, from the size of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// From a relative change: at least 60% critical, at least 40% warning, else info.
    pub fn of_change(relative_change: Option<f64>) -> Severity {
        match relative_change.map(f64::abs) {
            None => Severity::Critical,
            Some(size) if size >= 0.6 => Severity::Critical,
            Some(size) if size >= 0.4 => Severity::Warning,
            Some(_) => Severity::Info,
        }
    }
}

/// Where a stored alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Raised and not mailed yet (or risen in severity since the last mail).
    Open,
    /// Mailed; still holds.
    Notified,
    /// No longer holds.
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Notified => "notified",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "open" => Some(Status::Open),
            "notified" => Some(Status::Notified),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
}

/// An alert an evaluation raised.
#[derive(Debug, Clone, PartialEq)]
pub struct Raised {
    /// `kind:site:subject`, stable across evaluations.
    pub key: String,
    pub kind: &'static str,
    pub site: String,
    /// What moved: the segment or AI source.
    pub subject: String,
    pub direction: Direction,
    pub severity: Severity,
    pub sentence: String,
    /// The numbers behind it: both windows, the change, the p-value.
    pub numbers: Value,
}

/// What a stored alert holds that decides its next state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredState {
    pub status: Status,
    pub severity: Severity,
    /// Day numbers (days since 1970-01-01).
    pub first_seen: i64,
    pub resolved_on: Option<i64>,
}

/// What an evaluation on day `as_of` does to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Raised and not stored, or stored resolved and allowed to re-open: a new alert,
    /// `open`, first seen today.
    Open,
    /// Raised and stored open or notified: numbers updated, last seen today, status as
    /// given (back to `open` when its severity rose since a mail).
    Update(Status),
    /// Stored open or notified and no longer raised.
    Resolve,
    /// Nothing to store (not raised and not active; or resolved within its cooldown).
    Keep,
}

/// The transition of a key stored as `stored` (None: never raised) when the evaluation on day
/// `as_of` raises it with `raised` severity (None: the condition does not hold).
pub fn transition(
    stored: Option<&StoredState>,
    raised: Option<Severity>,
    as_of: i64,
    cooldown_days: u32,
) -> Transition {
    match (stored, raised) {
        (None, Some(_)) => Transition::Open,
        (None, None) => Transition::Keep,
        (Some(s), Some(severity)) => match s.status {
            Status::Open => Transition::Update(Status::Open),
            Status::Notified if severity > s.severity => Transition::Update(Status::Open),
            Status::Notified => Transition::Update(Status::Notified),
            Status::Resolved => {
                let quiet_until = s.resolved_on.unwrap_or(i64::MIN) + i64::from(cooldown_days);
                if as_of >= quiet_until || severity > s.severity {
                    Transition::Open
                } else {
                    Transition::Keep
                }
            }
        },
        (Some(s), None) => match s.status {
            Status::Open | Status::Notified => Transition::Resolve,
            Status::Resolved => Transition::Keep,
        },
    }
}

/// The alerts a site's comparison raises, for the enabled kinds among [`TRAFFIC_KINDS`].
/// The two conversion rates, AI's share of visits and the change of the AI/search ratio are
/// judged together (one correction); the ratio raises when both rates have enough data, its
/// change is significant after the correction and large, and its current interval leaves out
/// the baseline ratio (the interval alone ignores the baseline's own uncertainty: on stable
/// generated months it raised a false alarm in one evaluation of six); a new AI assistant needs a tenth of `min_trials`
/// sessions in the window and none in a baseline that has days.
pub fn traffic_alerts(
    site: &str,
    comparison: &Comparison,
    thresholds: &Thresholds,
    enabled: impl Fn(&str) -> bool,
) -> Vec<Raised> {
    let mut raised = Vec::new();
    let (Some(ai), Some(search)) = (
        comparison.segment("ai_assistant"),
        comparison.segment("search"),
    ) else {
        return raised;
    };
    let windows = Periods {
        current: &comparison.windows.current,
        baseline: &comparison.windows.baseline,
    };
    let share_change = RateChange {
        current: Counts::new(ai.current.sessions, ai.current.all_sessions),
        baseline: Counts::new(ai.baseline.sessions, ai.baseline.all_sessions),
    };
    // The ratio's change joins the correction when both rates have enough data to be judged.
    let ratio = &comparison.ratio;
    let enough_for_ratio = [change_of(ai), change_of(search)]
        .iter()
        .all(|change| lacking_data(change, thresholds).is_none());
    let ratio_p: Vec<f64> = ratio
        .p_value
        .filter(|_| enough_for_ratio)
        .into_iter()
        .collect();
    let (judged, ratio_q) = judge_together(
        &[change_of(ai), change_of(search), share_change],
        &ratio_p,
        thresholds,
    );
    let rates = [
        ("ai_conversion_rate", ai, "Visitors from AI assistants"),
        (
            "search_conversion_rate",
            search,
            "Visitors from search engines",
        ),
    ];
    for ((kind, segment, who), judgement) in rates.into_iter().zip(&judged) {
        if let Verdict::Shift(direction) = judgement.verdict
            && enabled(kind)
        {
            let sentence = format!(
                "{who} converted at {}.",
                windows.versus(
                    segment.current.rate.rate,
                    segment.baseline.rate.rate,
                    judgement
                )
            );
            raised.push(Raised {
                key: format!("{kind}:{site}"),
                kind,
                site: site.into(),
                subject: segment.segment.clone(),
                direction,
                severity: Severity::of_change(judgement.relative_change),
                sentence,
                numbers: segment_numbers(
                    &windows,
                    segment,
                    judgement.p_value,
                    judgement.relative_change,
                ),
            });
        }
    }
    let share = &judged[2];
    if let Verdict::Shift(direction) = share.verdict
        && enabled("ai_traffic_share")
    {
        let (now, before) = (
            ai.current.share().unwrap_or(0.0),
            ai.baseline.share().unwrap_or(0.0),
        );
        raised.push(Raised {
            key: format!("ai_traffic_share:{site}"),
            kind: "ai_traffic_share",
            site: site.into(),
            subject: "ai_assistant".into(),
            direction,
            severity: Severity::of_change(share.relative_change),
            sentence: format!(
                "AI assistants brought {}.",
                windows.versus_with(now, " of all visits", before, share)
            ),
            numbers: json!({
                "current": {"from": windows.current.from_text(), "to": windows.current.to_text(),
                            "days": windows.current.days, "ai_sessions": ai.current.sessions,
                            "sessions": share_change.current.trials, "share": now},
                "baseline": {"from": windows.baseline.from_text(), "to": windows.baseline.to_text(),
                             "days": windows.baseline.days, "ai_sessions": ai.baseline.sessions,
                             "sessions": share_change.baseline.trials, "share": before},
                "relative_change": share.relative_change, "p_value": share.p_value,
            }),
        });
    }
    if let (Some(now), Some(before), Some(relative), Some(&q)) = (
        ratio.current,
        ratio.baseline,
        ratio.relative_change,
        ratio_q.first(),
    ) && q <= thresholds.alpha
        && ratio.excludes_baseline
        && relative.abs() >= thresholds.min_relative_change
        && enabled("ai_search_ratio")
    {
        let (now_value, before_value) = (now.ratio.unwrap_or(0.0), before.ratio.unwrap_or(0.0));
        raised.push(Raised {
            key: format!("ai_search_ratio:{site}"),
            kind: "ai_search_ratio",
            site: site.into(),
            subject: "ai_vs_search".into(),
            direction: if relative < 0.0 {
                Direction::Down
            } else {
                Direction::Up
            },
            severity: Severity::of_change(Some(relative)),
            sentence: format!(
                "AI visitors converted {now_value:.2} times as often as search visitors {} \
                 (95% interval {:.2}–{:.2}), against {before_value:.2} times {} ({}, {}).",
                windows.now(),
                now.low,
                now.high,
                windows.before(),
                signed(Some(relative)),
                p_words(ratio.p_value),
            ),
            numbers: json!({
                "current": {"from": windows.current.from_text(), "to": windows.current.to_text(),
                            "days": windows.current.days, "ratio": now_value,
                            "ci_low": now.low, "ci_high": now.high},
                "baseline": {"from": windows.baseline.from_text(), "to": windows.baseline.to_text(),
                             "days": windows.baseline.days, "ratio": before_value,
                             "ci_low": before.low, "ci_high": before.high},
                "relative_change": relative, "p_value": ratio.p_value,
            }),
        });
    }
    if enabled("ai_source_new") && windows.baseline.days > 0 {
        let least = (thresholds.min_trials / 10).max(1);
        for source in comparison
            .segments
            .iter()
            .filter(|s| s.kind == SegmentKind::AiSource)
            .filter(|s| s.baseline.sessions == 0 && s.current.sessions >= least)
        {
            raised.push(Raised {
                key: format!("ai_source_new:{site}:{}", source.segment),
                kind: "ai_source_new",
                site: site.into(),
                subject: source.segment.clone(),
                direction: Direction::Up,
                severity: Severity::Info,
                sentence: format!(
                    "A new AI assistant sends visitors: {} brought {} visits {} and none {}.",
                    source.segment,
                    source.current.sessions,
                    windows.now(),
                    windows.before()
                ),
                numbers: segment_numbers(&windows, source, None, None),
            });
        }
    }
    raised
}

/// The alerts a site's prompt checks raise, per engine, for the enabled kinds among
/// [`ANSWER_KINDS`]: the share of ok answers mentioning the brand (`mention_rate`) and citing
/// its own domains (`own_citation_rate`), judged together (one correction over every engine
/// and both rates) with `thresholds` (for answers: `min_trials_each` ok answers in each
/// window). Failed calls are not answers: they never count as "not mentioned".
pub fn answer_alerts(
    site: &str,
    windows: &super::windows::Windows,
    current: &[EngineAnswers],
    baseline: &[EngineAnswers],
    thresholds: &Thresholds,
    enabled: impl Fn(&str) -> bool,
) -> Vec<Raised> {
    let periods = Periods {
        current: &windows.current,
        baseline: &windows.baseline,
    };
    let empty = EngineAnswers::default();
    let mut tests: Vec<(&'static str, &str, RateChange)> = Vec::new();
    for now in current {
        let before = baseline
            .iter()
            .find(|b| b.engine == now.engine)
            .unwrap_or(&empty);
        for kind in ["mention_rate", "own_citation_rate"]
            .into_iter()
            .filter(|k| enabled(k))
        {
            let hits = |a: &EngineAnswers| match kind {
                "mention_rate" => a.mentioned,
                _ => a.citing_brand,
            };
            tests.push((
                kind,
                &now.engine,
                RateChange {
                    current: Counts::new(hits(now), now.answers),
                    baseline: Counts::new(hits(before), before.answers),
                },
            ));
        }
    }
    let changes: Vec<RateChange> = tests.iter().map(|(_, _, c)| *c).collect();
    let judged = judge_all(&changes, thresholds);
    let mut raised = Vec::new();
    for ((kind, engine, change), judgement) in tests.iter().zip(&judged) {
        let Verdict::Shift(direction) = judgement.verdict else {
            continue;
        };
        let what = match *kind {
            "mention_rate" => "mentioned the brand",
            _ => "cited the brand's own site",
        };
        let rate = |c: Counts| c.rate().unwrap_or(0.0);
        raised.push(Raised {
            key: format!("{kind}:{site}:{engine}"),
            kind,
            site: site.into(),
            subject: (*engine).to_string(),
            direction,
            severity: Severity::of_change(judgement.relative_change),
            sentence: format!(
                "{engine} {what} in {}.",
                periods.versus_with(
                    rate(change.current),
                    " of its answers",
                    rate(change.baseline),
                    judgement
                )
            ),
            numbers: rate_numbers(&periods, change, judgement, ["answers", "hits"]),
        });
    }
    raised
}

/// The `ai_crawler_change` alerts of a site: an AI crawler or agent that came on at least half
/// of the baseline's days (and on two at least) and not once in a current window of three
/// days or more has stopped (critical for the ones that feed AI answers, `search_index` and
/// `user_fetch`; warning for `training`); one whose share of refused or failed requests
/// (4xx, 5xx) rose is being blocked (the shift detector's rules with `thresholds`, requests
/// as trials and refusals as successes, one correction over the agents).
pub fn crawler_alerts(
    site: &str,
    windows: &super::windows::Windows,
    current: &[CrawlerActivity],
    baseline: &[CrawlerActivity],
    thresholds: &Thresholds,
) -> Vec<Raised> {
    let periods = Periods {
        current: &windows.current,
        baseline: &windows.baseline,
    };
    let mut raised = Vec::new();
    let regular = u64::from(windows.baseline.days).div_ceil(2).max(2);
    let label = |a: &CrawlerActivity| match &a.operator {
        Some(operator) => format!("{} ({operator}, {})", a.agent, a.purpose),
        None => format!("{} ({})", a.agent, a.purpose),
    };
    let mut stopped: Vec<&str> = Vec::new();
    if windows.current.days >= 3 {
        for before in baseline.iter().filter(|b| b.days >= regular) {
            let now_hits = current
                .iter()
                .find(|c| c.agent == before.agent)
                .map_or(0, |c| c.hits);
            if now_hits > 0 {
                continue;
            }
            stopped.push(&before.agent);
            raised.push(Raised {
                key: format!("ai_crawler_change:{site}:{}", before.agent),
                kind: "ai_crawler_change",
                site: site.into(),
                subject: before.agent.clone(),
                direction: Direction::Down,
                severity: if before.purpose == "training" {
                    Severity::Warning
                } else {
                    Severity::Critical
                },
                sentence: format!(
                    "{} stopped coming: no requests {} against {} {}, on {} of {} days.",
                    label(before),
                    periods.now(),
                    before.hits,
                    periods.before(),
                    before.days,
                    windows.baseline.days
                ),
                numbers: json!({
                    "current": {"from": periods.current.from_text(), "to": periods.current.to_text(),
                                "days": periods.current.days, "requests": 0},
                    "baseline": {"from": periods.baseline.from_text(), "to": periods.baseline.to_text(),
                                 "days": periods.baseline.days, "requests": before.hits,
                                 "days_seen": before.days},
                }),
            });
        }
    }
    let empty = CrawlerActivity::default();
    let pairs: Vec<(&CrawlerActivity, &CrawlerActivity)> = current
        .iter()
        .map(|now| {
            let before = baseline
                .iter()
                .find(|b| b.agent == now.agent)
                .unwrap_or(&empty);
            (now, before)
        })
        .collect();
    let changes: Vec<RateChange> = pairs
        .iter()
        .map(|(now, before)| RateChange {
            current: Counts::new(now.errors, now.hits),
            baseline: Counts::new(before.errors, before.hits),
        })
        .collect();
    for ((now, _), (change, judgement)) in pairs
        .iter()
        .zip(changes.iter().zip(judge_all(&changes, thresholds)))
    {
        if judgement.verdict != Verdict::Shift(Direction::Up)
            || stopped.contains(&now.agent.as_str())
        {
            continue;
        }
        let rate = |c: Counts| c.rate().unwrap_or(0.0);
        raised.push(Raised {
            key: format!("ai_crawler_change:{site}:{}", now.agent),
            kind: "ai_crawler_change",
            site: site.into(),
            subject: now.agent.clone(),
            direction: Direction::Up,
            severity: Severity::of_change(judgement.relative_change),
            sentence: format!(
                "{} is refused more often: {}. Is it blocked by robots.txt or a firewall?",
                label(now),
                periods.versus_with(
                    rate(change.current),
                    " of its requests got a 4xx or 5xx",
                    rate(change.baseline),
                    &judgement
                )
            ),
            numbers: rate_numbers(&periods, change, &judgement, ["requests", "refused"]),
        });
    }
    raised
}

/// The `top_rank_lost` alerts of a site: a prompt and engine where the brand was named first in
/// a majority of the baseline's answers and a competitor is named first in a majority of the
/// current window's (each window with at least [`MIN_ANSWERS_FOR_LEAD`] ok answers). A
/// majority rule over the samples, not a test: a prompt is asked a few times a day at most.
pub fn rank_alerts(
    site: &str,
    windows: &super::windows::Windows,
    current: &[PromptLeaders],
    baseline: &[PromptLeaders],
) -> Vec<Raised> {
    let periods = Periods {
        current: &windows.current,
        baseline: &windows.baseline,
    };
    let mut raised = Vec::new();
    for now in current.iter().filter(|p| p.answers >= MIN_ANSWERS_FOR_LEAD) {
        let Some(before) = baseline.iter().find(|b| {
            b.engine == now.engine
                && b.prompt_id == now.prompt_id
                && b.answers >= MIN_ANSWERS_FOR_LEAD
        }) else {
            continue;
        };
        let (Some((brand, "brand", brand_led)), Some((rival, "competitor", rival_led))) =
            (before.majority(), now.majority())
        else {
            continue;
        };
        raised.push(Raised {
            key: format!("top_rank_lost:{site}:{}:{}", now.engine, now.prompt_id),
            kind: "top_rank_lost",
            site: site.into(),
            subject: format!("{}:{}", now.engine, now.prompt_id),
            direction: Direction::Down,
            severity: Severity::Warning,
            sentence: format!(
                "{} now names {rival} first for \"{}\" ({rival_led} of {} answers {}), where it \
                 named {brand} first in {brand_led} of {} answers {}.",
                now.engine,
                now.prompt,
                now.answers,
                periods.now(),
                before.answers,
                periods.before()
            ),
            numbers: json!({
                "prompt_id": now.prompt_id, "engine": now.engine,
                "current": {"from": periods.current.from_text(), "to": periods.current.to_text(),
                            "answers": now.answers, "leader": rival, "led": rival_led},
                "baseline": {"from": periods.baseline.from_text(), "to": periods.baseline.to_text(),
                             "answers": before.answers, "leader": brand, "led": brand_led},
            }),
        });
    }
    raised
}

/// The numbers behind a rate's alert: both windows' trials and successes (named `names`) and
/// rate, the relative change and its p-value.
fn rate_numbers(
    periods: &Periods<'_>,
    change: &RateChange,
    judgement: &super::shift::Judgement,
    names: [&str; 2],
) -> Value {
    let window = |span: &Span, counts: Counts| {
        let mut object = json!({
            "from": span.from_text(), "to": span.to_text(), "days": span.days,
            "rate": counts.rate(),
        });
        object[names[0]] = json!(counts.trials);
        object[names[1]] = json!(counts.successes);
        object
    };
    json!({
        "current": window(periods.current, change.current),
        "baseline": window(periods.baseline, change.baseline),
        "relative_change": judgement.relative_change,
        "p_value": judgement.p_value,
    })
}

fn change_of(segment: &SegmentComparison) -> RateChange {
    RateChange {
        current: segment.current.counts(),
        baseline: segment.baseline.counts(),
    }
}

/// The two windows, for sentences.
struct Periods<'a> {
    current: &'a Span,
    baseline: &'a Span,
}

impl Periods<'_> {
    /// `9.4% this week against 5.8% in the four weeks before (+63%, p = 0.001)`.
    fn versus(&self, now: f64, before: f64, judgement: &super::shift::Judgement) -> String {
        self.versus_with(now, "", before, judgement)
    }

    /// [`Periods::versus`] with `what` after the current rate (` of all visits`).
    fn versus_with(
        &self,
        now: f64,
        what: &str,
        before: f64,
        judgement: &super::shift::Judgement,
    ) -> String {
        format!(
            "{}{what} {} against {} {} ({}, {})",
            percent(now),
            self.now(),
            percent(before),
            self.before(),
            signed(judgement.relative_change),
            p_words(judgement.p_value)
        )
    }

    fn now(&self) -> String {
        match self.current.days {
            7 => "this week".into(),
            1 => "yesterday".into(),
            days => format!("in the last {days} days"),
        }
    }

    fn before(&self) -> String {
        match self.baseline.days {
            28 => "in the four weeks before".into(),
            7 => "in the week before".into(),
            1 => "the day before".into(),
            days => format!("in the {days} days before"),
        }
    }
}

fn segment_numbers(
    windows: &Periods<'_>,
    segment: &SegmentComparison,
    p_value: Option<f64>,
    relative_change: Option<f64>,
) -> Value {
    let one = |span: &Span, s: &WindowStats| {
        json!({
            "from": span.from_text(), "to": span.to_text(), "days": span.days,
            "sessions": s.sessions, "conversions": s.conversions,
            "rate": s.rate.rate, "ci_low": s.rate.low, "ci_high": s.rate.high,
        })
    };
    json!({
        "current": one(windows.current, &segment.current),
        "baseline": one(windows.baseline, &segment.baseline),
        "relative_change": relative_change,
        "p_value": p_value,
    })
}

fn signed(change: Option<f64>) -> String {
    match change {
        Some(c) if c < 0.0 => format!("−{:.0}%", -c * 100.0),
        Some(c) => format!("+{:.0}%", c * 100.0),
        None => "from none".into(),
    }
}

fn p_words(p: Option<f64>) -> String {
    match p {
        Some(p) if p < 0.001 => "p < 0.001".into(),
        Some(p) => format!("p = {p:.3}"),
        None => "no test".into(),
    }
}

#[cfg(test)]
mod tests;
