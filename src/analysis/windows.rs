//! The two windows a comparison looks at: the current one, `window` days ending on the as-of
//! day (inclusive), and the baseline, the `baseline` days just before it. Days before the first
//! day with any data are not counted as days without traffic: they shorten a window (or empty
//! it), and each window says how many days it really covers. Days are UTC day numbers (days
//! since 1970-01-01); pure arithmetic.

use crate::day::day_text;

/// An inclusive span of UTC days; empty when `days` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The first day with data the span covers (`to + 1` when empty).
    pub from: i64,
    /// The last day of the span.
    pub to: i64,
    /// Days covered: `to - from + 1`, or 0.
    pub days: u32,
}

impl Span {
    /// The days `from` to `to` (day numbers); empty when `to` is before `from`.
    pub fn new(from: i64, to: i64) -> Span {
        let days = u32::try_from((to - from + 1).max(0)).unwrap_or(0);
        Span {
            from: if days == 0 { to + 1 } else { from },
            to,
            days,
        }
    }

    /// `YYYY-MM-DD` of the first day (of the day after `to` when empty).
    pub fn from_text(&self) -> String {
        day_text(self.from * 86_400)
    }

    pub fn to_text(&self) -> String {
        day_text(self.to * 86_400)
    }
}

/// The current window and its baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Windows {
    pub current: Span,
    pub baseline: Span,
}

/// The windows ending on day `as_of`: `window` days, and `baseline` days before them, both
/// starting no earlier than `first_data_day` (None: no data at all, so both are empty).
pub fn windows(as_of: i64, window: u32, baseline: u32, first_data_day: Option<i64>) -> Windows {
    let current_from = as_of - i64::from(window) + 1;
    let baseline_to = current_from - 1;
    let baseline_from = baseline_to - i64::from(baseline) + 1;
    let first = first_data_day.unwrap_or(i64::MAX);
    Windows {
        current: Span::new(current_from.max(first), as_of),
        baseline: Span::new(baseline_from.max(first), baseline_to),
    }
}

/// The ISO week (Monday to Sunday) holding day `day`: its Monday, and its label
/// (`2026-W47`; the year is the ISO year, that of the week's Thursday).
pub fn iso_week(day: i64) -> (i64, String) {
    let weekday = (day + 3).rem_euclid(7); // 1970-01-01 was a Thursday; Monday is 0
    let monday = day - weekday;
    let thursday = monday + 3;
    let (year, _, _) = crate::day::civil_from_days(thursday);
    let week = (thursday - crate::day::days_from_civil(year, 1, 1)) / 7 + 1;
    (monday, format!("{year}-W{week:02}"))
}

/// The last full ISO week ending on or before `as_of` (a Sunday `as_of` ends its own week).
pub fn last_full_week(as_of: i64) -> Span {
    let sunday = as_of - (as_of + 4).rem_euclid(7);
    Span::new(sunday - 6, sunday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::day::parse_day;

    fn day(text: &str) -> i64 {
        parse_day(text).unwrap() / 86_400
    }

    #[test]
    fn iso_weeks_and_the_last_full_week() {
        assert_eq!(
            iso_week(day("2026-11-18")),
            (day("2026-11-16"), "2026-W47".into())
        );
        assert_eq!(iso_week(day("2026-11-22")).1, "2026-W47");
        assert_eq!(iso_week(day("2027-01-01")).1, "2026-W53");
        assert_eq!(iso_week(day("2024-12-30")).1, "2025-W01");
        let week = last_full_week(day("2026-11-25"));
        assert_eq!(
            (week.from_text(), week.to_text()),
            ("2026-11-16".into(), "2026-11-22".into())
        );
        let sunday = last_full_week(day("2026-11-22"));
        assert_eq!(sunday.to_text(), "2026-11-22");
    }

    #[test]
    fn a_week_against_the_four_weeks_before() {
        let w = windows(day("2026-11-24"), 7, 28, Some(day("2026-01-01")));
        assert_eq!(
            (w.current.from_text(), w.current.to_text()),
            ("2026-11-18".into(), "2026-11-24".into())
        );
        assert_eq!(
            (w.baseline.from_text(), w.baseline.to_text()),
            ("2026-10-21".into(), "2026-11-17".into())
        );
        assert_eq!((w.current.days, w.baseline.days), (7, 28));
    }

    #[test]
    fn days_before_the_first_data_shorten_the_windows() {
        // Data from 2026-11-01: the baseline covers 17 of its 28 days.
        let w = windows(day("2026-11-24"), 7, 28, Some(day("2026-11-01")));
        assert_eq!(w.baseline.from_text(), "2026-11-01");
        assert_eq!((w.current.days, w.baseline.days), (7, 17));
        // Data from within the current window: no baseline at all.
        let w = windows(day("2026-11-24"), 7, 28, Some(day("2026-11-20")));
        assert_eq!((w.current.days, w.baseline.days), (5, 0));
        // No data at all.
        let w = windows(day("2026-11-24"), 7, 28, None);
        assert_eq!((w.current.days, w.baseline.days), (0, 0));
    }
}
