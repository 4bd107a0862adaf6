//! The ratio of two rates (AI's conversion rate over search's) with its 95% interval by the
//! log method of Katz et al. (1978): ln(ratio) ± z·√(1/x₁ − 1/n₁ + 1/x₂ − 1/n₂). When a count
//! of successes or failures is zero the log is undefined, so 0.5 is added to every cell of
//! the 2×2 table for the interval (the usual correction, as in Altman's *Practical
//! Statistics for Medical Research*). Pure arithmetic over counts.

use super::significance::Counts;

/// `a`'s rate over `b`'s with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateRatio {
    /// The observed ratio; None when `b` has no successes (the ratio is unbounded).
    pub ratio: Option<f64>,
    pub low: f64,
    /// Finite, also when `ratio` is None (the interval is computed with the correction).
    pub high: f64,
    /// The natural log of the (corrected) ratio and its standard error, for comparing two
    /// ratios ([`ratio_change_p`]).
    pub log_ratio: f64,
    pub log_standard_error: f64,
}

/// The ratio of `a`'s rate to `b`'s with its Katz log interval at `z`; None when either has no
/// trials.
pub fn rate_ratio(a: Counts, b: Counts, z: f64) -> Option<RateRatio> {
    if a.trials == 0 || b.trials == 0 {
        return None;
    }
    let ratio = (b.successes > 0)
        .then(|| (a.successes as f64 / a.trials as f64) / (b.successes as f64 / b.trials as f64));
    let any_zero_cell = [
        a.successes,
        a.trials - a.successes,
        b.successes,
        b.trials - b.successes,
    ]
    .contains(&0);
    let correction = if any_zero_cell { 0.5 } else { 0.0 };
    let (x1, n1) = (
        a.successes as f64 + correction,
        a.trials as f64 + 2.0 * correction,
    );
    let (x2, n2) = (
        b.successes as f64 + correction,
        b.trials as f64 + 2.0 * correction,
    );
    let log_ratio = ((x1 / n1) / (x2 / n2)).ln();
    let standard_error = (1.0 / x1 - 1.0 / n1 + 1.0 / x2 - 1.0 / n2).max(0.0).sqrt();
    Some(RateRatio {
        ratio,
        low: (log_ratio - z * standard_error).exp(),
        high: (log_ratio + z * standard_error).exp(),
        log_ratio,
        log_standard_error: standard_error,
    })
}

/// The two-sided p-value that two independent ratios differ, from the difference of their
/// logs over its standard error √(se₁² + se₂²) (Altman & Bland, "Interaction revisited: the
/// difference between two estimates", BMJ 2003). 1 when neither has any spread.
pub fn ratio_change_p(now: &RateRatio, before: &RateRatio) -> f64 {
    let spread = now.log_standard_error.hypot(before.log_standard_error);
    if spread == 0.0 || !spread.is_finite() {
        return 1.0;
    }
    super::significance::normal_two_sided_p((now.log_ratio - before.log_ratio) / spread)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Z_95;

    fn close(actual: f64, expected: f64) -> bool {
        (actual - expected).abs() < 1e-9
    }

    #[test]
    fn matches_scipy_relative_risk() {
        // scipy.stats.contingency.relative_risk(10, 100, 20, 100).confidence_interval(0.95),
        // which uses the Katz log method: 0.5 (0.246640801683, 1.013619799701).
        let r = rate_ratio(Counts::new(10, 100), Counts::new(20, 100), Z_95).unwrap();
        assert!(close(r.ratio.unwrap(), 0.5));
        assert!(close(r.low, 0.246_640_801_683), "{r:?}");
        assert!(close(r.high, 1.013_619_799_701), "{r:?}");
        // relative_risk(29, 1000, 91, 1000): 0.318681318681 (0.211778595816, 0.479546965005).
        let r = rate_ratio(Counts::new(29, 1000), Counts::new(91, 1000), Z_95).unwrap();
        assert!(close(r.ratio.unwrap(), 29.0 / 91.0));
        assert!(close(r.low, 0.211_778_595_816), "{r:?}");
        assert!(close(r.high, 0.479_546_965_005), "{r:?}");
    }

    #[test]
    fn the_change_of_a_ratio_matches_altman_and_bland() {
        // Altman & Bland (BMJ 2003, and its worked example in Heart): ln RR 0.765468 (SE
        // 0.244637) for women against 0.746688 (SE 0.324736) for men; the ratio of the two
        // relative risks is 1.02 (0.46 to 2.26): the difference of logs 0.01878 over its SE
        // 0.406572, z = 0.0462, two-sided p = 0.9632.
        let at = |log_ratio: f64, log_standard_error: f64| RateRatio {
            ratio: Some(log_ratio.exp()),
            low: 0.0,
            high: 0.0,
            log_ratio,
            log_standard_error,
        };
        let p = ratio_change_p(&at(0.765_468, 0.244_637), &at(0.746_688, 0.324_736));
        assert!((p - 0.963_16).abs() < 1e-4, "{p}");
        let same = at(0.5, 0.0);
        assert_eq!(ratio_change_p(&same, &same), 1.0);
    }

    #[test]
    fn zero_cells_give_a_finite_interval() {
        // No AI conversions: the ratio is 0; the corrected interval is finite and holds it.
        let r = rate_ratio(Counts::new(0, 50), Counts::new(5, 50), Z_95).unwrap();
        assert_eq!(r.ratio, Some(0.0));
        assert!(r.low > 0.0 && r.high.is_finite() && r.low < r.high, "{r:?}");
        // No search conversions: no ratio, an interval all the same.
        let r = rate_ratio(Counts::new(5, 50), Counts::new(0, 50), Z_95).unwrap();
        assert_eq!(r.ratio, None);
        assert!(r.low > 0.0 && r.high > 1.0 && r.high.is_finite(), "{r:?}");
        // Every session converted on both sides: ratio 1.
        let r = rate_ratio(Counts::new(7, 7), Counts::new(9, 9), Z_95).unwrap();
        assert_eq!(r.ratio, Some(1.0));
        assert!(r.low < 1.0 && r.high > 1.0, "{r:?}");
        assert_eq!(rate_ratio(Counts::new(0, 0), Counts::new(1, 2), Z_95), None);
    }
}
