//! Pure statistics over counts: conversion rates and their Wilson score intervals
//! ([`wilson`]), whether two rates differ ([`significance`]), the ratio of two rates with its
//! interval ([`ratio`]), the correction for testing many segments at once ([`multiple`]) and
//! the shift detector built on them ([`shift`]), and the windows a comparison looks at
//! ([`windows`]); [`compare`] puts them together for AI against search over two windows.
//! No I/O; the report layer feeds it the counts that the SQL in `queries/` returns.

pub mod alerts;
pub mod compare;
pub mod multiple;
pub mod ratio;
pub mod shift;
pub mod significance;
pub mod windows;

/// z for a two-sided 95% interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

/// A rate or share for people, as a percentage with one decimal: `5.2%`.
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A rate with its interval for people: `5.2% (3.8–7.1%)`.
pub fn percent_with_interval(rate: &Rate) -> String {
    format!(
        "{} ({:.1}–{})",
        percent(rate.rate),
        rate.low * 100.0,
        percent(rate.high)
    )
}

/// A proportion with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub rate: f64,
    pub low: f64,
    pub high: f64,
}

/// The share `successes / trials` with its Wilson score interval at `z`.
/// Zero trials give a rate of 0 and the uninformative interval [0, 1].
pub fn wilson(successes: u64, trials: u64, z: f64) -> Rate {
    if trials == 0 {
        return Rate {
            rate: 0.0,
            low: 0.0,
            high: 1.0,
        };
    }
    let n = trials as f64;
    let p = (successes.min(trials)) as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half_width = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Rate {
        rate: p,
        low: (centre - half_width).max(0.0),
        high: (centre + half_width).min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    #[test]
    fn matches_published_values() {
        // 10 successes in 100 trials: Wilson 95% interval is [0.0552, 0.1744].
        let r = wilson(10, 100, Z_95);
        assert!(close(r.rate, 0.1));
        assert!(close(r.low, 0.0552), "{r:?}");
        assert!(close(r.high, 0.1744), "{r:?}");
    }

    #[test]
    fn zero_successes_has_positive_upper_bound() {
        let r = wilson(0, 20, Z_95);
        assert_eq!(r.low, 0.0);
        assert!(close(r.high, 0.1611), "{r:?}");
    }

    #[test]
    fn all_successes_has_lower_bound_below_one() {
        let r = wilson(20, 20, Z_95);
        assert_eq!(r.high, 1.0);
        assert!(close(r.low, 0.8389), "{r:?}");
    }

    #[test]
    fn no_trials_is_uninformative() {
        assert_eq!(
            wilson(0, 0, Z_95),
            Rate {
                rate: 0.0,
                low: 0.0,
                high: 1.0
            }
        );
    }

    #[test]
    fn interval_narrows_with_more_trials() {
        let small = wilson(5, 50, Z_95);
        let large = wilson(500, 5000, Z_95);
        assert!(large.high - large.low < small.high - small.low);
    }
}
