//! When visits happen: the date stamps of a day's lines, and how many sessions each day
//! gets.

use super::*;

pub(super) const SECONDS_PER_DAY: i64 = 86_400;
pub(super) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
pub(super) fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The date parts of one day, rendered once for all its lines.
pub(super) struct DayStamp {
    pub(super) day: i64,
    /// `24/Nov/2026`
    pub(super) clf: String,
    /// `2026-11-24`
    pub(super) iso: String,
}

impl DayStamp {
    pub(super) fn new(day: i64) -> DayStamp {
        let (year, month, day_of_month) = civil_from_days(day);
        let month_name = MONTHS[(month as usize).clamp(1, 12) - 1];
        DayStamp {
            day,
            clf: format!("{day_of_month:02}/{month_name}/{year:04}"),
            iso: format!("{year:04}-{month:02}-{day_of_month:02}"),
        }
    }
}

/// `hh:mm:ss` of a Unix time.
pub(super) fn clock(ts: i64) -> (i64, i64, i64) {
    let second = ts.rem_euclid(SECONDS_PER_DAY);
    (second / 3600, second / 60 % 60, second % 60)
}

// ---------------------------------------------------------------------------------------------
// Sessions per day

/// The number of sessions of each day: weekends are quieter, every day varies a little, and
/// the counts add up to exactly `spec.sessions`. Computed day by day from cumulative weights,
/// so no table of days is kept.
pub(super) struct DailySessions {
    pub(super) seed: u64,
    pub(super) start_day: i64,
    pub(super) days: u32,
    pub(super) sessions: u128,
    pub(super) total_weight: u128,
    pub(super) weight_so_far: u128,
    pub(super) index: u32,
}

impl DailySessions {
    pub(super) fn new(spec: &TrafficSpec) -> DailySessions {
        let total_weight = (0..spec.days)
            .map(|index| day_weight(spec.seed, spec.start_day, index))
            .sum();
        DailySessions {
            seed: spec.seed,
            start_day: spec.start_day,
            days: spec.days,
            sessions: u128::from(spec.sessions),
            total_weight,
            weight_so_far: 0,
            index: 0,
        }
    }

    pub(super) fn sessions_through(&self, weight: u128) -> u64 {
        (self.sessions * weight / self.total_weight.max(1)) as u64
    }
}

impl Iterator for DailySessions {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.index >= self.days {
            return None;
        }
        let before = self.sessions_through(self.weight_so_far);
        self.weight_so_far += day_weight(self.seed, self.start_day, self.index);
        self.index += 1;
        Some(self.sessions_through(self.weight_so_far) - before)
    }
}

/// Relative traffic of a day: weekday factor times a per-day jitter of ±12%.
pub(super) fn day_weight(seed: u64, start_day: i64, index: u32) -> u128 {
    const WEEKDAY_FACTOR: [u128; 7] = [100, 104, 102, 98, 92, 68, 74];
    let factor = WEEKDAY_FACTOR[weekday(start_day + i64::from(index)) as usize];
    let jitter = 88 + u128::from(mix64(seed ^ mix64(u64::from(index))) % 25);
    factor * jitter
}
