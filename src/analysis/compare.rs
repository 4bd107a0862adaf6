//! AI against search over time: the counts of two windows (sessions and conversions per
//! channel and source) turned into the comparison a brand team reads. Per segment —
//! `ai_assistant`, `search` (organic and paid), `organic_search`, `everything_else`, and each
//! AI source — both windows' sessions, conversions, conversion rate with its Wilson interval
//! and share of all sessions, and the change of the rate judged by the shift detector (one
//! correction over all segments); then the AI/search conversion-rate ratio of both windows
//! with its Katz interval, and whether the current interval leaves out the baseline ratio.

use super::ratio::{RateRatio, rate_ratio, ratio_change_p};
use super::shift::{Judgement, RateChange, Thresholds, judge_all};
use super::significance::Counts;
use super::windows::Windows;
use super::{Rate, Z_95, wilson};

/// Sessions and conversions of one channel and source in one window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficRow {
    pub channel: String,
    pub source: String,
    pub sessions: u64,
    pub conversions: u64,
}

impl TrafficRow {
    pub fn new(channel: &str, source: &str, sessions: u64, conversions: u64) -> TrafficRow {
        TrafficRow {
            channel: channel.into(),
            source: source.into(),
            sessions,
            conversions,
        }
    }
}

/// Which kind of segment a row of the comparison is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentKind {
    /// A channel or group of channels (`ai_assistant`, `search`, …).
    Channel,
    /// One AI assistant (`chatgpt`, `perplexity`, …).
    AiSource,
}

impl SegmentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentKind::Channel => "channel",
            SegmentKind::AiSource => "ai_source",
        }
    }
}

/// One segment in one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    pub sessions: u64,
    pub conversions: u64,
    /// The conversion rate and its Wilson 95% interval (0 in [0, 1] without sessions).
    pub rate: Rate,
    /// All sessions of the window, every segment's.
    pub all_sessions: u64,
}

impl WindowStats {
    pub fn counts(&self) -> Counts {
        Counts::new(self.conversions, self.sessions)
    }

    /// The segment's share of all sessions of the window; None when the window has none.
    pub fn share(&self) -> Option<f64> {
        Counts::new(self.sessions, self.all_sessions).rate()
    }
}

/// One segment in both windows, with the judged change of its conversion rate.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentComparison {
    pub segment: String,
    pub kind: SegmentKind,
    pub current: WindowStats,
    pub baseline: WindowStats,
    pub judgement: Judgement,
}

/// The AI/search conversion-rate ratio in both windows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatioComparison {
    /// None when a window has no AI or no search sessions.
    pub current: Option<RateRatio>,
    pub baseline: Option<RateRatio>,
    /// Current ratio minus baseline ratio, and that over the baseline ratio.
    pub change: Option<f64>,
    pub relative_change: Option<f64>,
    /// The two-sided p-value that the ratio changed (difference of the logs).
    pub p_value: Option<f64>,
    /// The current window's interval leaves out the baseline ratio.
    pub excludes_baseline: bool,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub windows: Windows,
    pub segments: Vec<SegmentComparison>,
    pub ratio: RatioComparison,
}

impl Comparison {
    /// The segment named `name`.
    pub fn segment(&self, name: &str) -> Option<&SegmentComparison> {
        self.segments.iter().find(|s| s.segment == name)
    }
}

const AI: &str = "ai_assistant";
const SEARCH_CHANNELS: [&str; 2] = ["organic_search", "paid_search"];

/// Which rows a segment adds up.
type Keep = fn(&TrafficRow) -> bool;

/// The channel segments, in the order they are shown (the AI sources follow).
const CHANNEL_SEGMENTS: [(&str, Keep); 4] = [
    (AI, |r| r.channel == AI),
    ("search", |r| SEARCH_CHANNELS.contains(&r.channel.as_str())),
    ("organic_search", |r| r.channel == "organic_search"),
    ("everything_else", |r| {
        r.channel != AI && !SEARCH_CHANNELS.contains(&r.channel.as_str())
    }),
];

/// Compares the `current` window's traffic with the `baseline` window's.
pub fn compare(
    windows: Windows,
    current: &[TrafficRow],
    baseline: &[TrafficRow],
    thresholds: &Thresholds,
) -> Comparison {
    let mut segments: Vec<(String, SegmentKind)> = Vec::new();
    let mut stats: Vec<(WindowStats, WindowStats)> = Vec::new();
    for (name, keep) in CHANNEL_SEGMENTS {
        segments.push((name.to_string(), SegmentKind::Channel));
        stats.push((window_stats(current, keep), window_stats(baseline, keep)));
    }
    for source in ai_sources(current, baseline) {
        let keep = |r: &TrafficRow| r.channel == AI && r.source == source;
        stats.push((window_stats(current, keep), window_stats(baseline, keep)));
        segments.push((source, SegmentKind::AiSource));
    }
    let changes: Vec<RateChange> = stats
        .iter()
        .map(|(now, before)| RateChange {
            current: now.counts(),
            baseline: before.counts(),
        })
        .collect();
    let judgements = judge_all(&changes, thresholds);
    let ratio = ratio_comparison(&stats[0], &stats[1]);
    let segments = segments
        .into_iter()
        .zip(stats)
        .zip(judgements)
        .map(
            |(((segment, kind), (current, baseline)), judgement)| SegmentComparison {
                segment,
                kind,
                current,
                baseline,
                judgement,
            },
        )
        .collect();
    Comparison {
        windows,
        segments,
        ratio,
    }
}

/// The AI sources of both windows, by current sessions (most first), then baseline sessions,
/// then name.
fn ai_sources(current: &[TrafficRow], baseline: &[TrafficRow]) -> Vec<String> {
    let mut totals: Vec<(String, u64, u64)> = Vec::new();
    for (rows, now) in [(current, true), (baseline, false)] {
        for row in rows.iter().filter(|r| r.channel == AI) {
            let at = match totals.iter().position(|(s, _, _)| *s == row.source) {
                Some(at) => at,
                None => {
                    totals.push((row.source.clone(), 0, 0));
                    totals.len() - 1
                }
            };
            if now {
                totals[at].1 += row.sessions;
            } else {
                totals[at].2 += row.sessions;
            }
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
    totals.into_iter().map(|(source, _, _)| source).collect()
}

fn window_stats(rows: &[TrafficRow], keep: impl Fn(&TrafficRow) -> bool) -> WindowStats {
    let all: u64 = rows.iter().map(|r| r.sessions).sum();
    let (sessions, conversions) = rows
        .iter()
        .filter(|r| keep(r))
        .fold((0, 0), |(s, c), r| (s + r.sessions, c + r.conversions));
    WindowStats {
        sessions,
        conversions,
        rate: wilson(conversions, sessions, Z_95),
        all_sessions: all,
    }
}

fn ratio_comparison(
    ai: &(WindowStats, WindowStats),
    search: &(WindowStats, WindowStats),
) -> RatioComparison {
    let current = rate_ratio(ai.0.counts(), search.0.counts(), Z_95);
    let baseline = rate_ratio(ai.1.counts(), search.1.counts(), Z_95);
    let values = current
        .and_then(|c| c.ratio)
        .zip(baseline.and_then(|b| b.ratio));
    let change = values.map(|(now, before)| now - before);
    let relative_change = values
        .filter(|(_, before)| *before > 0.0)
        .map(|(now, before)| now / before - 1.0);
    let p_value = current
        .zip(baseline)
        .map(|(now, before)| ratio_change_p(&now, &before));
    let excludes_baseline = match (current, baseline.and_then(|b| b.ratio)) {
        (Some(now), Some(before)) => before < now.low || before > now.high,
        _ => false,
    };
    RatioComparison {
        current,
        baseline,
        change,
        relative_change,
        p_value,
        excludes_baseline,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::shift::{Direction, HeldBack, Verdict};
    use crate::analysis::windows::windows;

    fn row(channel: &str, source: &str, sessions: u64, conversions: u64) -> TrafficRow {
        TrafficRow::new(channel, source, sessions, conversions)
    }

    fn month() -> Windows {
        windows(20_000, 7, 28, Some(19_000))
    }

    /// A baseline where AI converts at 9.1% and search at 3%, and a current week where AI
    /// fell to 2.9%.
    fn falling_ai() -> Comparison {
        let baseline = [
            row("ai_assistant", "chatgpt", 3000, 273),
            row("ai_assistant", "perplexity", 1000, 91),
            row("organic_search", "google", 18000, 540),
            row("paid_search", "google", 2000, 60),
            row("direct", "direct", 16000, 320),
        ];
        let current = [
            row("ai_assistant", "chatgpt", 700, 20),
            row("ai_assistant", "perplexity", 300, 9),
            row("organic_search", "google", 4500, 135),
            row("paid_search", "google", 500, 15),
            row("direct", "direct", 4000, 80),
        ];
        compare(month(), &current, &baseline, &Thresholds::default())
    }

    #[test]
    fn segments_add_up_and_come_in_order() {
        let c = falling_ai();
        let names: Vec<&str> = c.segments.iter().map(|s| s.segment.as_str()).collect();
        assert_eq!(
            names,
            [
                "ai_assistant",
                "search",
                "organic_search",
                "everything_else",
                "chatgpt",
                "perplexity"
            ]
        );
        let search = c.segment("search").unwrap();
        assert_eq!(
            (search.current.sessions, search.current.conversions),
            (5000, 150)
        );
        assert_eq!(
            (search.baseline.sessions, search.baseline.conversions),
            (20000, 600)
        );
        let ai = c.segment("ai_assistant").unwrap();
        assert_eq!(ai.current.share(), Some(0.1));
        assert!((ai.current.rate.rate - 0.029).abs() < 1e-12);
        assert!(ai.current.rate.low < 0.029 && ai.current.rate.high > 0.029);
        assert_eq!(c.segment("chatgpt").unwrap().kind, SegmentKind::AiSource);
    }

    #[test]
    fn a_falling_ai_rate_is_a_shift_and_search_is_not() {
        let c = falling_ai();
        let ai = c.segment("ai_assistant").unwrap();
        assert_eq!(ai.judgement.verdict, Verdict::Shift(Direction::Down));
        assert!((ai.judgement.relative_change.unwrap() - (0.029 / 0.091 - 1.0)).abs() < 1e-9);
        let search = c.segment("search").unwrap();
        assert_eq!(
            search.judgement.verdict,
            Verdict::Held(HeldBack::NotSignificant)
        );
        // The ratio fell from about 3 to under 1, and the current interval leaves 3 out.
        let ratio = c.ratio;
        assert!((ratio.baseline.unwrap().ratio.unwrap() - 0.091 / 0.03).abs() < 1e-9);
        assert!((ratio.current.unwrap().ratio.unwrap() - 0.029 / 0.03).abs() < 1e-9);
        assert!(ratio.excludes_baseline);
        assert!(ratio.p_value.unwrap() < 1e-6);
    }

    #[test]
    fn an_ai_source_new_in_the_window_has_no_baseline() {
        let baseline = [row("ai_assistant", "chatgpt", 100, 5)];
        let current = [
            row("ai_assistant", "chatgpt", 100, 5),
            row("ai_assistant", "claude", 40, 2),
        ];
        let c = compare(month(), &current, &baseline, &Thresholds::default());
        let claude = c.segment("claude").unwrap();
        assert_eq!(claude.baseline.sessions, 0);
        assert_eq!(claude.judgement.verdict, Verdict::Held(HeldBack::FewTrials));
        // No search at all: no ratio.
        assert_eq!(c.ratio.current, None);
        assert!(!c.ratio.excludes_baseline);
    }

    #[test]
    fn empty_windows_compare_to_nothing() {
        let c = compare(month(), &[], &[], &Thresholds::default());
        assert_eq!(c.segments.len(), 4);
        for s in &c.segments {
            assert_eq!(s.current.share(), None);
            assert_eq!(s.judgement.verdict, Verdict::Held(HeldBack::FewTrials));
        }
    }
}
