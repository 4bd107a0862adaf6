//! UTC calendar days: Unix seconds to `YYYY-MM-DD` and back. Pure date arithmetic
//! (the proleptic Gregorian calendar), so the same day text is stored on every backend.

const SECONDS_PER_DAY: i64 = 86_400;

/// The current time in Unix seconds (0 if the clock is before 1970).
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Days since 1970-01-01 of the UTC day containing `ts`.
pub fn day_number(ts: i64) -> i64 {
    ts.div_euclid(SECONDS_PER_DAY)
}

/// `YYYY-MM-DD` of the UTC day containing `ts`.
pub fn day_text(ts: i64) -> String {
    let (y, m, d) = civil_from_days(day_number(ts));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM:SS UTC` of `ts`, for messages.
pub fn time_text(ts: i64) -> String {
    let seconds = ts.rem_euclid(SECONDS_PER_DAY);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        day_text(ts),
        seconds / 3600,
        seconds % 3600 / 60,
        seconds % 60
    )
}

/// Unix seconds of midnight UTC starting the day `text` (`YYYY-MM-DD`), or None if invalid.
pub fn parse_day(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_for_messages_are_utc_with_seconds() {
        assert_eq!(time_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time_text(1_764_098_461), "2025-11-25 19:21:01 UTC");
    }

    #[test]
    fn known_days() {
        assert_eq!(day_text(0), "1970-01-01");
        assert_eq!(day_text(971_211_336), "2000-10-10");
        assert_eq!(day_text(-1), "1969-12-31");
        assert_eq!(day_text(1_709_164_800), "2024-02-29");
    }

    #[test]
    fn parse_round_trips() {
        for ts in [0, 86_399, 86_400, 1_709_164_800, 1_795_000_000] {
            let day = day_text(ts);
            let start = parse_day(&day).unwrap();
            assert!(start <= ts && ts < start + SECONDS_PER_DAY, "{day}");
        }
    }

    #[test]
    fn parse_rejects_bad_dates() {
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "2026-1-01",
            "yesterday",
            "2025-02-29",
            "",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
        assert!(parse_day("2024-02-29").is_some());
    }
}
