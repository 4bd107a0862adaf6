//! Is the difference between two conversion rates (or any two proportions) more than chance?
//! The two-sided p-value of the difference: the two-proportion z-test for large samples, and
//! Fisher's exact test when a cell of the 2×2 table is expected to hold fewer than five
//! counts, where the normal approximation misleads. Pure arithmetic over counts.

/// A number of successes (conversions, mentions) out of trials (sessions, answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub successes: u64,
    pub trials: u64,
}

impl Counts {
    pub fn new(successes: u64, trials: u64) -> Counts {
        Counts {
            successes: successes.min(trials),
            trials,
        }
    }

    /// The share of successes; None without trials.
    pub fn rate(self) -> Option<f64> {
        (self.trials > 0).then(|| self.successes as f64 / self.trials as f64)
    }
}

/// Which test gave a p-value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Test {
    /// The pooled two-proportion z-test.
    ZTest,
    /// Fisher's exact test, two-sided.
    Fisher,
}

impl Test {
    pub fn as_str(self) -> &'static str {
        match self {
            Test::ZTest => "z_test",
            Test::Fisher => "fisher",
        }
    }
}

/// The two-sided p-value of the difference between two proportions, and the test used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    pub p_value: f64,
    pub test: Test,
}

/// Smallest expected cell count for which the z-test is used (the usual rule of thumb).
pub const MIN_EXPECTED_FOR_Z: f64 = 5.0;

/// The two-sided p-value of the difference between `a` and `b`: Fisher's exact test when an
/// expected cell count is below [`MIN_EXPECTED_FOR_Z`], else the z-test. None when either has
/// no trials (nothing to compare).
pub fn difference(a: Counts, b: Counts) -> Option<Difference> {
    if a.trials == 0 || b.trials == 0 {
        return None;
    }
    let (p_value, test) = if smallest_expected_cell(a, b) < MIN_EXPECTED_FOR_Z {
        (fisher_exact(a, b), Test::Fisher)
    } else {
        (two_proportion_z(a, b).1, Test::ZTest)
    };
    Some(Difference { p_value, test })
}

/// The smallest expected count of the 2×2 table `a`, `b` (successes, failures) if both had the
/// pooled rate.
fn smallest_expected_cell(a: Counts, b: Counts) -> f64 {
    let total = (a.trials + b.trials) as f64;
    let successes = (a.successes + b.successes) as f64;
    let failures = total - successes;
    let smaller_row = a.trials.min(b.trials) as f64;
    smaller_row * successes.min(failures) / total
}

/// The pooled two-proportion z statistic of `a` minus `b` and its two-sided p-value. Two
/// samples with the same rate of 0 or 1 give z = 0 and p = 1 (no evidence of a difference).
/// Both must have trials.
pub fn two_proportion_z(a: Counts, b: Counts) -> (f64, f64) {
    let (n1, n2) = (a.trials as f64, b.trials as f64);
    let pooled = (a.successes + b.successes) as f64 / (n1 + n2);
    let standard_error = (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)).sqrt();
    if standard_error == 0.0 || !standard_error.is_finite() {
        return (0.0, 1.0);
    }
    let z = (a.successes as f64 / n1 - b.successes as f64 / n2) / standard_error;
    (z, normal_two_sided_p(z))
}

/// The probability that a standard normal variable lies at least `|z|` from zero.
pub fn normal_two_sided_p(z: f64) -> f64 {
    libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Fisher's exact test, two-sided, of the 2×2 table (successes, failures) of `a` and `b`: the
/// probability, with the table's margins fixed, of a table no more likely than the one
/// observed (tables within a relative 1e-7 of its probability count as equally likely, so
/// rounding does not drop the mirror table). Both must have trials.
pub fn fisher_exact(a: Counts, b: Counts) -> f64 {
    let successes = a.successes + b.successes;
    let lowest = successes.saturating_sub(b.trials);
    let highest = successes.min(a.trials);
    let log_denominator = ln_choose(a.trials + b.trials, successes);
    let log_probability =
        |k: u64| ln_choose(a.trials, k) + ln_choose(b.trials, successes - k) - log_denominator;
    let observed = log_probability(a.successes);
    let threshold = observed + (1e-7f64).ln_1p();
    let total: f64 = (lowest..=highest)
        .map(log_probability)
        .filter(|&p| p <= threshold)
        .map(f64::exp)
        .sum();
    total.min(1.0)
}

/// ln(n choose k), through ln Γ.
fn ln_choose(n: u64, k: u64) -> f64 {
    let (n, k) = (n as f64, k as f64);
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

fn ln_factorial(n: f64) -> f64 {
    libm::lgamma(n + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn fisher_matches_the_lady_tasting_tea() {
        // Fisher (1935), The Design of Experiments, ch. 2: 3 of 4 cups with milk first named
        // right, 1 of 4 with tea first named wrong. Two-sided p = 0.4857 (R's `fisher.test`
        // on its TeaTasting example, and scipy.stats.fisher_exact: 0.485714...).
        let p = fisher_exact(Counts::new(3, 4), Counts::new(1, 4));
        assert!(close(p, 0.485_714_285_7, 1e-9), "{p}");
    }

    #[test]
    fn fisher_matches_the_wikipedia_example() {
        // Wikipedia, "Fisher's exact test", Example: 1 of 10 men and 11 of 14 women are
        // studying; two-sided p = 0.002759 (scipy.stats.fisher_exact: 0.0027594561852).
        let p = fisher_exact(Counts::new(1, 10), Counts::new(11, 14));
        assert!(close(p, 0.002_759_456_185, 1e-11), "{p}");
    }

    #[test]
    fn fisher_edge_cases() {
        // scipy.stats.fisher_exact([[0, 10], [5, 5]]) = 0.032507739938.
        let p = fisher_exact(Counts::new(0, 10), Counts::new(5, 10));
        assert!(close(p, 0.032_507_739_938, 1e-11), "{p}");
        // No successes (or only successes) at all: nothing differs.
        assert_eq!(fisher_exact(Counts::new(0, 20), Counts::new(0, 30)), 1.0);
        assert_eq!(fisher_exact(Counts::new(20, 20), Counts::new(30, 30)), 1.0);
        // scipy.stats.fisher_exact([[5, 0], [0, 5]]) = 0.0079365 (= 2 / C(10, 5)).
        let p = fisher_exact(Counts::new(5, 5), Counts::new(0, 5));
        assert!(close(p, 2.0 / 252.0, 1e-12), "{p}");
    }

    #[test]
    fn z_test_matches_published_values() {
        // 10/100 against 20/100: statsmodels proportions_ztest gives z = -1.98030, p = 0.047670.
        let (z, p) = two_proportion_z(Counts::new(10, 100), Counts::new(20, 100));
        assert!(close(z, -1.980_295_086, 1e-8), "{z}");
        assert!(close(p, 0.047_670_380_656, 1e-10), "{p}");
        // 29/1000 against 91/1000: z = -5.83764, p = 5.2946e-9 (statsmodels).
        let (z, p) = two_proportion_z(Counts::new(29, 1000), Counts::new(91, 1000));
        assert!(close(z, -5.837_637_723, 1e-8), "{z}");
        assert!(close(p / 5.294_612_492_9e-9, 1.0, 1e-6), "{p}");
    }

    #[test]
    fn z_test_without_variation_finds_nothing() {
        assert_eq!(
            two_proportion_z(Counts::new(0, 50), Counts::new(0, 80)),
            (0.0, 1.0)
        );
        assert_eq!(
            two_proportion_z(Counts::new(50, 50), Counts::new(80, 80)),
            (0.0, 1.0)
        );
    }

    #[test]
    fn small_expected_counts_use_fisher() {
        // Expected successes of the smaller row: 8 * 7 / 18 = 3.1 < 5.
        let few = difference(Counts::new(1, 8), Counts::new(6, 10)).unwrap();
        assert_eq!(few.test, Test::Fisher);
        assert_eq!(
            few.p_value,
            fisher_exact(Counts::new(1, 8), Counts::new(6, 10))
        );
        // 10 * 12 / 24 = 5: the z-test.
        let five = difference(Counts::new(1, 10), Counts::new(11, 14)).unwrap();
        assert_eq!(five.test, Test::ZTest);
        let many = difference(Counts::new(29, 1000), Counts::new(91, 1000)).unwrap();
        assert_eq!(many.test, Test::ZTest);
        // Expected conversions 1000 * 8 / 2000 = 4 < 5: exact.
        let rare = difference(Counts::new(2, 1000), Counts::new(6, 1000)).unwrap();
        assert_eq!(rare.test, Test::Fisher);
        assert_eq!(difference(Counts::new(0, 0), Counts::new(1, 10)), None);
    }

    #[test]
    fn normal_tail() {
        assert!(close(
            normal_two_sided_p(1.959_963_984_540_054),
            0.05,
            1e-12
        ));
        assert_eq!(normal_two_sided_p(0.0), 1.0);
        assert!(normal_two_sided_p(40.0) < 1e-300);
    }
}
