//! The shift detector: whether a rate moved between a baseline window and the current one
//! enough to tell someone. A change counts only when all three hold:
//!
//! 1. **enough data**: at least `min_trials` trials and `min_successes` successes in both
//!    windows together, and at least `min_trials_each` trials in each window;
//! 2. **significant**: its p-value ([`significance::difference`]), adjusted by
//!    Benjamini–Hochberg over every change judged together that has enough data, is at most
//!    `alpha`;
//! 3. **large**: the relative change is at least `min_relative_change` (a rate rising from
//!    zero is large).
//!
//! Otherwise the change is held back, and the reason says which condition held it (the first
//! that failed, in that order), so a report can show why a visible move is not an alert.

use super::multiple::benjamini_hochberg;
use super::significance::{self, Counts, Test};

/// When a change counts as a shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub alpha: f64,
    pub min_relative_change: f64,
    /// Trials in both windows together.
    pub min_trials: u64,
    /// Successes in both windows together.
    pub min_successes: u64,
    /// Trials in each window.
    pub min_trials_each: u64,
}

impl Default for Thresholds {
    /// Conversion rates: alpha 0.01, a quarter up or down, 200 sessions and 10 conversions.
    fn default() -> Thresholds {
        Thresholds {
            alpha: 0.01,
            min_relative_change: 0.25,
            min_trials: 200,
            min_successes: 10,
            min_trials_each: 0,
        }
    }
}

/// Which way a rate moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// Why a change is not a shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBack {
    /// Too few trials (sessions, answers) to judge.
    FewTrials,
    /// Too few successes (conversions, mentions) to judge.
    FewSuccesses,
    /// Not significant after the correction for many tests.
    NotSignificant,
    /// Significant, but smaller than the minimum relative change.
    SmallChange,
}

impl HeldBack {
    pub fn as_str(self) -> &'static str {
        match self {
            HeldBack::FewTrials => "few_trials",
            HeldBack::FewSuccesses => "few_successes",
            HeldBack::NotSignificant => "not_significant",
            HeldBack::SmallChange => "small_change",
        }
    }
}

/// The verdict on one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Shift(Direction),
    Held(HeldBack),
}

/// One rate in two windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateChange {
    pub current: Counts,
    pub baseline: Counts,
}

/// A change with its numbers and the verdict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    /// Current rate minus baseline rate; None when a window has no trials.
    pub change: Option<f64>,
    /// `change` over the baseline rate; None when that rate is 0 or unknown.
    pub relative_change: Option<f64>,
    /// The two-sided p-value of the change, before the correction.
    pub p_value: Option<f64>,
    /// The p-value adjusted for every change with enough data judged together.
    pub q_value: Option<f64>,
    pub test: Option<Test>,
    pub verdict: Verdict,
}

/// Judges `changes` together (one Benjamini–Hochberg correction over them), in their order.
pub fn judge_all(changes: &[RateChange], thresholds: &Thresholds) -> Vec<Judgement> {
    judge_together(changes, &[], thresholds).0
}

/// Judges `changes` in one correction with other tests of the same evaluation, given by their
/// p-values (`others`, each with enough data by its own rule); returns the judgements and the
/// others' adjusted p-values (q-values), in their orders.
pub fn judge_together(
    changes: &[RateChange],
    others: &[f64],
    thresholds: &Thresholds,
) -> (Vec<Judgement>, Vec<f64>) {
    let enough: Vec<Option<HeldBack>> = changes
        .iter()
        .map(|c| lacking_data(c, thresholds))
        .collect();
    let differences: Vec<_> = changes
        .iter()
        .map(|c| significance::difference(c.current, c.baseline))
        .collect();
    // Only changes with enough data are tested, so the correction counts only those.
    let tested: Vec<usize> = (0..changes.len())
        .filter(|&i| enough[i].is_none() && differences[i].is_some())
        .collect();
    let mut p_values: Vec<f64> = tested
        .iter()
        .filter_map(|&i| differences[i].map(|d| d.p_value))
        .collect();
    p_values.extend_from_slice(others);
    let adjusted = benjamini_hochberg(&p_values);
    let mut q_values = vec![None; changes.len()];
    for (&i, &q) in tested.iter().zip(&adjusted) {
        q_values[i] = Some(q);
    }
    let others_q = adjusted[tested.len()..].to_vec();
    let judgements = changes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (change, relative_change) = sizes(c);
            let verdict = match (enough[i], q_values[i]) {
                (Some(reason), _) => Verdict::Held(reason),
                (None, None) => Verdict::Held(HeldBack::FewTrials),
                (None, Some(q)) if q > thresholds.alpha => Verdict::Held(HeldBack::NotSignificant),
                (None, Some(_)) => size_verdict(change, relative_change, thresholds),
            };
            Judgement {
                change,
                relative_change,
                p_value: differences[i].map(|d| d.p_value),
                q_value: q_values[i],
                test: differences[i].map(|d| d.test),
                verdict,
            }
        })
        .collect();
    (judgements, others_q)
}

/// Why `c` has too little data to be judged (too few trials, then too few successes); None
/// when it has enough.
pub fn lacking_data(c: &RateChange, t: &Thresholds) -> Option<HeldBack> {
    let trials = c.current.trials + c.baseline.trials;
    let successes = c.current.successes + c.baseline.successes;
    if trials < t.min_trials || c.current.trials.min(c.baseline.trials) < t.min_trials_each.max(1) {
        Some(HeldBack::FewTrials)
    } else if successes < t.min_successes {
        Some(HeldBack::FewSuccesses)
    } else {
        None
    }
}

fn sizes(c: &RateChange) -> (Option<f64>, Option<f64>) {
    match (c.current.rate(), c.baseline.rate()) {
        (Some(now), Some(before)) => {
            let change = now - before;
            (Some(change), (before > 0.0).then(|| change / before))
        }
        _ => (None, None),
    }
}

fn size_verdict(change: Option<f64>, relative: Option<f64>, t: &Thresholds) -> Verdict {
    let Some(change) = change else {
        return Verdict::Held(HeldBack::FewTrials);
    };
    // From a rate of zero any rise is large.
    let large = relative.is_none_or(|r| r.abs() >= t.min_relative_change);
    match (large, change >= 0.0) {
        (false, _) => Verdict::Held(HeldBack::SmallChange),
        (true, true) => Verdict::Shift(Direction::Up),
        (true, false) => Verdict::Shift(Direction::Down),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(now: (u64, u64), before: (u64, u64)) -> RateChange {
        RateChange {
            current: Counts::new(now.0, now.1),
            baseline: Counts::new(before.0, before.1),
        }
    }

    fn verdict(c: RateChange) -> Verdict {
        judge_all(&[c], &Thresholds::default())[0].verdict
    }

    #[test]
    fn a_stable_rate_is_not_a_shift() {
        // 9.1% in both windows.
        let j = judge_all(&[change((91, 1000), (364, 4000))], &Thresholds::default())[0];
        assert_eq!(j.verdict, Verdict::Held(HeldBack::NotSignificant));
        assert!(j.change.unwrap().abs() < 1e-12);
    }

    #[test]
    fn a_real_fall_is_a_shift_down() {
        // 2.9% this week against 9.1% in the four weeks before.
        let j = judge_all(&[change((29, 1000), (364, 4000))], &Thresholds::default())[0];
        assert_eq!(j.verdict, Verdict::Shift(Direction::Down));
        assert!((j.relative_change.unwrap() - (0.029 / 0.091 - 1.0)).abs() < 1e-9);
        assert!(j.p_value.unwrap() < 1e-9);
        assert_eq!(
            verdict(change((91, 1000), (116, 4000))),
            Verdict::Shift(Direction::Up)
        );
    }

    #[test]
    fn small_samples_never_shift() {
        // 0 of 40 against 8 of 40 (20%): a big move, but 80 sessions.
        assert_eq!(
            verdict(change((0, 40), (8, 40))),
            Verdict::Held(HeldBack::FewTrials)
        );
        // 600 sessions, but 6 conversions in all.
        assert_eq!(
            verdict(change((0, 300), (6, 300))),
            Verdict::Held(HeldBack::FewSuccesses)
        );
        // A window without sessions.
        assert_eq!(
            verdict(change((0, 0), (30, 900))),
            Verdict::Held(HeldBack::FewTrials)
        );
    }

    #[test]
    fn a_tiny_but_significant_change_is_held_back() {
        // 10.0% against 10.5% on two million sessions: p < 1e-40, but 5% relative.
        let j = judge_all(
            &[change((100_000, 1_000_000), (105_000, 1_000_000))],
            &Thresholds::default(),
        )[0];
        assert!(j.q_value.unwrap() < 1e-10);
        assert_eq!(j.verdict, Verdict::Held(HeldBack::SmallChange));
    }

    #[test]
    fn the_correction_counts_every_change_with_enough_data() {
        // Alone, p ~ 0.006 passes alpha 0.01; beside nine unchanged rates it does not.
        let borderline = change((130, 1000), (90, 1000));
        let alone = judge_all(&[borderline], &Thresholds::default())[0];
        assert!(alone.p_value.unwrap() < 0.01, "{alone:?}");
        assert_eq!(alone.verdict, Verdict::Shift(Direction::Up));
        let mut many = vec![borderline];
        many.extend(std::iter::repeat_n(change((100, 1000), (100, 1000)), 9));
        let together = judge_all(&many, &Thresholds::default());
        assert_eq!(together[0].verdict, Verdict::Held(HeldBack::NotSignificant));
        // Changes without enough data are not tests: they do not tighten the correction.
        let mut with_small = vec![borderline];
        with_small.extend(std::iter::repeat_n(change((1, 10), (1, 10)), 9));
        let judged = judge_all(&with_small, &Thresholds::default());
        assert_eq!(judged[0].verdict, Verdict::Shift(Direction::Up));
        assert_eq!(judged[1].q_value, None);
    }

    #[test]
    fn a_rise_from_zero_is_large() {
        let t = Thresholds {
            min_successes: 5,
            ..Thresholds::default()
        };
        let j = judge_all(&[change((12, 500), (0, 500))], &t)[0];
        assert_eq!(j.relative_change, None);
        assert_eq!(j.verdict, Verdict::Shift(Direction::Up));
    }

    #[test]
    fn per_window_minimum() {
        let t = Thresholds {
            min_trials_each: 30,
            min_trials: 0,
            min_successes: 0,
            ..Thresholds::default()
        };
        assert_eq!(
            judge_all(&[change((0, 29), (20, 100))], &t)[0].verdict,
            Verdict::Held(HeldBack::FewTrials)
        );
        assert_eq!(
            judge_all(&[change((0, 30), (20, 100))], &t)[0].verdict,
            Verdict::Shift(Direction::Down)
        );
    }
}
