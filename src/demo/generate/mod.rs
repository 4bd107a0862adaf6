//! Demo traffic: a deterministic generator of a realistic access log for the demo site
//! [`SITE_NAME`], returned together with the exact ground truth the ingest pipeline must
//! reproduce from it. `aivis demo`, the integration tests (pipeline result == truth) and the
//! benchmarks all use it.
//!
//! This module owns the traffic model (the visit kinds with the channel and source each must
//! be classified as, landing and browsing paths, conversion rates per channel, returning
//! visitors, static assets, errors, bots and malformed lines), the four line formats it
//! writes, and the bookkeeping of the truth.
//!
//! Files: this one has the public types and the day-by-day driver; `model` the traffic model,
//! `events` builds one day's events and the truth, `write` renders them in each format,
//! `calendar` dates and sessions per day, `random` the PRNG. The submodules share their
//! items with each other through this module.
//!
//! What keeps the truth unambiguous: every human visitor has an IP address of its own and one
//! of eight browser user agents; a session lies within one UTC day with its pageviews at most
//! 20 minutes apart, and a visitor's next session starts more than 40 minutes after the last
//! pageview of the previous one (the pipeline's timeout is 30 minutes). Malformed lines never
//! appear among the first 20 lines (format detection reads the head of a file).
//!
//! The log is streamed day by day in timestamp order, so memory is bounded by one day of
//! events. Pure std with its own seeded PRNG (and the calendar arithmetic of [`crate::day`]): the
//! same spec always gives the same bytes.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::io::{self, Write};

use crate::day::{civil_from_days, days_from_civil};

/// The demo site's name in the config and the database.
pub const SITE_NAME: &str = "acme";
/// The demo site's own hosts (referrers from them are internal).
pub const SITE_HOSTS: &[&str] = &["www.acme.test", "acme.test"];
/// Path regex of the macro goal `purchase` (matched against path and query).
pub const PURCHASE_GOAL_PATH: &str = "^/checkout/complete";
/// Path regex of the micro goal `newsletter` (matched against path and query).
pub const NEWSLETTER_GOAL_PATH: &str = "^/newsletter/thanks";

/// The access-log format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// NCSA combined, nginx's and Apache's default.
    Combined,
    /// Apache `vhost_combined`: `host:port` in front of combined.
    VhostCombined,
    /// nginx `log_format … escape=json` with the usual variable names.
    NginxJson,
    /// Caddy's structured access log.
    CaddyJson,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSpec {
    /// Seed of the PRNG: the same spec gives the same bytes.
    pub seed: u64,
    /// First day, as days since 1970-01-01 (UTC).
    pub start_day: i64,
    /// Number of days; 0 gives an empty log.
    pub days: u32,
    /// Total human sessions over all days; 0 gives an empty log.
    pub sessions: u64,
    /// The line format.
    pub format: OutputFormat,
    /// Add bots, static assets, non-page responses and malformed lines.
    pub noise: bool,
    /// How the traffic changes from day to day.
    pub story: Story,
}

/// How the generated traffic changes over its days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Story {
    /// AI assistants' share of sessions grows from about 9% to about 15% (the demo's story).
    AiGrowth,
    /// Every day drawn alike: nothing shifts, so any alert is a false alarm.
    Stable,
    /// Every day drawn alike, except that from `from_day` (days since 1970-01-01) on, visitors
    /// from AI assistants buy `per_mille` / 1000 as often (333: a third as often).
    AiConversionShift { from_day: i64, per_mille: u32 },
}

impl Story {
    /// The per-mille chance that a session of `kind` on `day` buys.
    fn purchase_per_mille(self, kind: &VisitKind, day: i64) -> u32 {
        match self {
            Story::AiConversionShift {
                from_day,
                per_mille,
            } if kind.channel == AI && day >= from_day => {
                kind.purchase_per_mille * per_mille / 1000
            }
            _ => kind.purchase_per_mille,
        }
    }
}

impl TrafficSpec {
    /// What `aivis demo` shows: four weeks from Monday 2026-10-26, 6000 sessions, combined
    /// format, with noise.
    pub fn demo() -> TrafficSpec {
        TrafficSpec {
            seed: 7,
            start_day: days_from_civil(2026, 10, 26),
            days: 28,
            sessions: 6000,
            format: OutputFormat::Combined,
            noise: true,
            story: Story::AiGrowth,
        }
    }
}

/// Ground truth of one (channel, source).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceTruth {
    pub sessions: u64,
    /// Sessions that reached the macro goal `purchase`.
    pub conversions: u64,
    /// Sessions that reached the micro goal `newsletter`.
    pub micro_conversions: u64,
    /// Pageviews in the sessions of this source.
    pub pageviews: u64,
}

/// What the pipeline must find in a generated log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundTruth {
    /// Lines written (each ends in `\n`).
    pub lines: u64,
    pub pageviews: u64,
    pub sessions: u64,
    /// Sessions that reached the macro goal `purchase`.
    pub conversions: u64,
    /// Sessions that reached the micro goal `newsletter`.
    pub micro_conversions: u64,
    /// Lines whose user agent is a bot's (whatever they request).
    pub bot_lines: u64,
    /// Human requests for static files.
    pub asset_lines: u64,
    /// Human requests that are not pageviews (errors, redirects, HEAD).
    pub non_page_lines: u64,
    /// Lines no parser accepts, including over-long lines.
    pub malformed_lines: u64,
    /// Keyed by (channel, source); only entries with sessions.
    pub by_source: BTreeMap<(String, String), SourceTruth>,
    /// AI crawler and agent requests (part of `bot_lines`), keyed by (agent, purpose).
    pub ai_crawlers: BTreeMap<(String, String), CrawlerTruth>,
    /// With [`Story::AiConversionShift`]: AI assistants' sessions and purchases before the
    /// shift's day and from it on.
    pub ai_shift: Option<ShiftTruth>,
}

/// AI assistants' sessions and purchases on both sides of a conversion shift.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShiftTruth {
    /// The shift's first day, as days since 1970-01-01.
    pub from_day: i64,
    pub sessions_before: u64,
    pub conversions_before: u64,
    pub sessions_after: u64,
    pub conversions_after: u64,
}

/// What an AI crawler or agent requested.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CrawlerTruth {
    pub hits: u64,
    /// Requests answered 2xx.
    pub status_2xx: u64,
    /// Requests answered 4xx.
    pub status_4xx: u64,
}

/// Writes the log for `spec` to `out` and returns its ground truth. Fails only when `out`
/// fails or the days fall outside the years 0000–9999.
pub fn generate(spec: &TrafficSpec, out: &mut dyn Write) -> io::Result<GroundTruth> {
    let mut truth = GroundTruth::default();
    if let Story::AiConversionShift { from_day, .. } = spec.story {
        truth.ai_shift = Some(ShiftTruth {
            from_day,
            ..ShiftTruth::default()
        });
    }
    if spec.days == 0 || spec.sessions == 0 {
        return Ok(truth);
    }
    check_day_range(spec)?;
    let mut traffic = Traffic::new(spec);
    let mut writer = LogWriter::new(out, spec.format);
    for (index, sessions) in DailySessions::new(spec).enumerate() {
        let day = spec.start_day + index as i64;
        let events = traffic.day(day, index as u32, sessions, &mut truth);
        writer.write_events(&events, &time_order(&events), &mut truth)?;
    }
    Ok(truth)
}

/// Fails when the spec's days fall outside the years 0000–9999 (the only spec [`generate`]
/// refuses).
pub fn check_day_range(spec: &TrafficSpec) -> io::Result<()> {
    let first = days_from_civil(0, 1, 1);
    let last = days_from_civil(9999, 12, 31);
    let end = spec.start_day.checked_add(i64::from(spec.days) - 1);
    match end {
        Some(end) if spec.start_day >= first && end <= last => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "demo traffic days must lie within the years 0000-9999",
        )),
    }
}

mod calendar;
mod events;
mod model;
mod random;
mod write;

use calendar::*;
use events::*;
pub use model::HUMAN_AGENTS;
use model::*;
use random::*;
use write::*;

#[cfg(test)]
mod tests;
