//! Timestamps of the log formats: CLF `[10/Oct/2000:13:55:36 -0700]` and ISO 8601, to
//! Unix seconds, rejecting out-of-range parts.

use super::ParseError;
use crate::day::{civil_from_days, days_from_civil};

/// `10/Oct/2000:13:55:36 -0700` → Unix seconds.
pub(super) fn parse_clf_time(raw: &[u8]) -> Result<i64, ParseError> {
    if raw.len() != 26 || raw[2] != b'/' || raw[6] != b'/' || raw[11] != b':' || raw[20] != b' ' {
        return Err(ParseError::BadTimestamp);
    }
    let month = month_number(&raw[3..6]).ok_or(ParseError::BadTimestamp)?;
    let number =
        |range: std::ops::Range<usize>| digits(&raw[range]).ok_or(ParseError::BadTimestamp);
    let (day, year) = (number(0..2)?, number(7..11)?);
    if raw[14] != b':' || raw[17] != b':' {
        return Err(ParseError::BadTimestamp);
    }
    let (hour, minute, second) = (number(12..14)?, number(15..17)?, number(18..20)?);
    let offset = parse_offset(&raw[21..26]).ok_or(ParseError::BadTimestamp)?;
    let clock = Clock {
        hour,
        minute,
        second,
    };
    civil_seconds(i64::from(year), month, day, clock)
        .map(|t| t - offset)
        .ok_or(ParseError::BadTimestamp)
}

fn month_number(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.as_slice() == name)
        .map(|i| i as u32 + 1)
}

/// `+hhmm`, `-hhmm`, `+hh:mm` or `Z` → seconds east of UTC.
fn parse_offset(raw: &[u8]) -> Option<i64> {
    if raw == b"Z" || raw == b"z" {
        return Some(0);
    }
    let sign = match raw.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (hours, minutes) = match raw.len() {
        5 => (digits(&raw[1..3])?, digits(&raw[3..5])?),
        6 if raw[3] == b':' => (digits(&raw[1..3])?, digits(&raw[4..6])?),
        _ => return None,
    };
    if hours > 23 || minutes > 59 {
        return None;
    }
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

struct Clock {
    hour: u32,
    minute: u32,
    second: u32,
}

/// Unix seconds of a UTC civil time, None when a part is out of range.
fn civil_seconds(year: i64, month: u32, day: u32, clock: Clock) -> Option<i64> {
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && clock.hour < 24
        && clock.minute < 60
        && clock.second <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if civil_from_days(days).1 != month {
        return None; // 31 April and the like roll into the next month
    }
    Some(days * 86_400 + i64::from(clock.hour * 3600 + clock.minute * 60 + clock.second))
}

/// An unsigned decimal of 1 to 9 ASCII digits.
fn digits(raw: &[u8]) -> Option<u32> {
    if raw.is_empty() || raw.len() > 9 {
        return None;
    }
    raw.iter().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// `2026-11-24T10:00:00+00:00` (also `Z`, `+0000` and fractional seconds) → Unix seconds.
pub(super) fn parse_iso_time(text: &str) -> Result<i64, ParseError> {
    let raw = text.as_bytes();
    if raw.len() < 20 || raw[4] != b'-' || raw[7] != b'-' || !matches!(raw[10], b'T' | b' ') {
        return Err(ParseError::BadTimestamp);
    }
    if raw[13] != b':' || raw[16] != b':' {
        return Err(ParseError::BadTimestamp);
    }
    let number =
        |range: std::ops::Range<usize>| digits(&raw[range]).ok_or(ParseError::BadTimestamp);
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let clock = Clock {
        hour: number(11..13)?,
        minute: number(14..16)?,
        second: number(17..19)?,
    };
    let mut zone = &raw[19..];
    if zone.first() == Some(&b'.') {
        let fraction = zone[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        zone = &zone[1 + fraction..];
    }
    let offset = parse_offset(zone).ok_or(ParseError::BadTimestamp)?;
    civil_seconds(i64::from(year), month, day, clock)
        .map(|t| t - offset)
        .ok_or(ParseError::BadTimestamp)
}
