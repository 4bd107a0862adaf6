//! Many tests at once: one comparison evaluates a dozen segments, and at alpha 0.05 twenty
//! independent tests of unchanged rates "find" a change two times in three. The
//! Benjamini–Hochberg procedure (1995) keeps the expected share of false discoveries among
//! the changes reported at alpha: each p-value becomes an adjusted one (a q-value), and a
//! change counts when its q-value is at most alpha.

/// The Benjamini–Hochberg adjusted p-values of `p_values`, in the same order: for the i-th
/// smallest of m, min over j ≥ i of p₍ⱼ₎·m/j, capped at 1. NaN is treated as 1.
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let clean = |p: f64| if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| clean(p_values[a]).total_cmp(&clean(p_values[b])));
    let mut adjusted = vec![1.0; m];
    let mut running_min = 1.0f64;
    for (rank, &index) in order.iter().enumerate().rev() {
        let scaled = clean(p_values[index]) * m as f64 / (rank + 1) as f64;
        running_min = running_min.min(scaled);
        adjusted[index] = running_min;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_worked_example_of_benjamini_and_hochberg_1995() {
        // Benjamini & Hochberg (1995), JRSS B 57(1), section 4: fifteen p-values of a
        // myocardial-infarction study; at q = 0.05 the procedure rejects the four smallest
        // (Bonferroni only three). Adjusted values as statsmodels multipletests(fdr_bh) gives.
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
            0.5719, 0.6528, 0.7590, 1.000,
        ];
        let q = benjamini_hochberg(&p);
        assert_eq!(q.iter().filter(|&&q| q <= 0.05).count(), 4);
        let expected = [
            0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.063857, 0.063857, 0.0645, 0.0765, 0.486,
            0.581182, 0.714875, 0.753231, 0.813214, 1.0,
        ];
        for (got, want) in q.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{q:?}");
        }
    }

    #[test]
    fn keeps_the_input_order_and_handles_edges() {
        // statsmodels: [0.01, 0.04, 0.03, 0.005, 0.2] -> [0.025, 0.05, 0.05, 0.025, 0.2].
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2]);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.2];
        for (got, want) in q.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.3]), vec![0.3]);
        assert_eq!(benjamini_hochberg(&[f64::NAN, 0.01]), vec![1.0, 0.02]);
    }
}
