//! `[schedule]`: when `aivis run` runs each job — a cron expression with a seconds field per
//! job (`ingest = "0 * * * * *"`) in one IANA time zone — and the arithmetic of the next run.
//! Expressions and the zone are checked when the config is read, naming the key. The next run
//! is found in the zone's own calendar (croner's daylight-saving rules), so a change of clocks
//! neither skips nor doubles a daily run: a time that does not exist that night runs at the
//! first valid time after it, a time that happens twice runs once.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use serde::Deserialize;

/// The jobs of `aivis run`, in the order `--once` runs them: what feeds the next step first.
pub const JOB_NAMES: [&str; 6] = [
    "ingest",
    "check",
    "alerts",
    "digest",
    "deliver",
    "retention",
];

/// `[schedule]` as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleConfig {
    /// The zone the expressions are read in (IANA name, default UTC).
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Read the configured logs (default: every minute).
    #[serde(default = "default_ingest")]
    pub ingest: String,
    /// Ask the tracked prompts (default: daily at 06:00).
    #[serde(default = "default_check")]
    pub check: String,
    /// Evaluate alerts and queue their mails (default: hourly).
    #[serde(default = "default_alerts")]
    pub alerts: String,
    /// Queue each site's digest (default: Mondays at 08:00).
    #[serde(default = "default_digest")]
    pub digest: String,
    /// Send what the outbox holds (default: every minute).
    #[serde(default = "default_deliver")]
    pub deliver: String,
    /// Delete what is older than the retention (default: daily at 03:30).
    #[serde(default = "default_retention")]
    pub retention: String,
}

fn default_timezone() -> String {
    "UTC".into()
}
fn default_ingest() -> String {
    "0 * * * * *".into()
}
fn default_check() -> String {
    "0 0 6 * * *".into()
}
fn default_alerts() -> String {
    "0 5 * * * *".into()
}
fn default_digest() -> String {
    "0 0 8 * * MON".into()
}
fn default_deliver() -> String {
    "30 * * * * *".into()
}
fn default_retention() -> String {
    "0 30 3 * * *".into()
}

impl Default for ScheduleConfig {
    fn default() -> ScheduleConfig {
        ScheduleConfig {
            timezone: default_timezone(),
            ingest: default_ingest(),
            check: default_check(),
            alerts: default_alerts(),
            digest: default_digest(),
            deliver: default_deliver(),
            retention: default_retention(),
        }
    }
}

/// A job's schedule, ready to tell its next run.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    pub job: &'static str,
    pub expression: String,
    cron: Cron,
    zone: Tz,
}

impl JobSchedule {
    /// The first run strictly after `after`; None when the expression never matches again.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron
            .find_next_occurrence(&after.with_timezone(&self.zone), false)
            .ok()
            .map(|next| next.with_timezone(&Utc))
    }
}

impl ScheduleConfig {
    /// The expression configured for `job` (one of [`JOB_NAMES`]).
    pub fn expression(&self, job: &str) -> Option<&str> {
        Some(match job {
            "ingest" => &self.ingest,
            "check" => &self.check,
            "alerts" => &self.alerts,
            "digest" => &self.digest,
            "deliver" => &self.deliver,
            "retention" => &self.retention,
            _ => return None,
        })
    }

    /// Every job's schedule, in [`JOB_NAMES`] order; the error names the key at fault.
    pub fn schedules(&self) -> Result<Vec<JobSchedule>, (String, String)> {
        let zone: Tz = self.timezone.parse().map_err(|_| {
            (
                "schedule.timezone".to_string(),
                format!(
                    "{:?} is not an IANA time zone name (such as \"UTC\" or \"Europe/Amsterdam\")",
                    self.timezone
                ),
            )
        })?;
        JOB_NAMES
            .iter()
            .map(|job| {
                let expression = self.expression(job).unwrap_or_default().to_string();
                let cron =
                    parse(&expression).map_err(|message| (format!("schedule.{job}"), message))?;
                Ok(JobSchedule {
                    job,
                    expression,
                    cron,
                    zone,
                })
            })
            .collect()
    }
}

/// A cron expression with a seconds field: `sec min hour day-of-month month day-of-week`.
fn parse(expression: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
        .map_err(|err| {
            format!(
                "{expression:?} is not a cron expression with a seconds field \
                 (\"sec min hour day month weekday\", e.g. \"0 0 6 * * *\" for 06:00 daily): {err}"
            )
        })
}

/// Checks `[schedule]`.
pub(super) fn validate(schedule: &ScheduleConfig) -> Result<(), (String, String)> {
    schedule.schedules().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn schedule(zone: &str, job: &str, expression: &str) -> JobSchedule {
        let mut config = ScheduleConfig {
            timezone: zone.into(),
            ..ScheduleConfig::default()
        };
        match job {
            "check" => config.check = expression.into(),
            _ => config.ingest = expression.into(),
        }
        config
            .schedules()
            .unwrap()
            .into_iter()
            .find(|s| s.job == job)
            .unwrap()
    }

    /// The runs in (from, to].
    fn runs(s: &JobSchedule, from: &str, to: &str) -> Vec<DateTime<Utc>> {
        let (mut t, end) = (at(from), at(to));
        let mut out = Vec::new();
        while let Some(next) = s.next_after(t).filter(|n| *n <= end) {
            out.push(next);
            t = next;
        }
        out
    }

    #[test]
    fn defaults_parse_and_every_second_is_every_second() {
        assert_eq!(ScheduleConfig::default().schedules().unwrap().len(), 6);
        let every = schedule("UTC", "ingest", "* * * * * *");
        assert_eq!(
            runs(&every, "2026-11-26T10:00:00Z", "2026-11-26T10:00:05Z").len(),
            5
        );
    }

    #[test]
    fn a_daily_run_in_a_dst_gap_runs_once_after_it() {
        // Europe/Amsterdam skips 02:00–03:00 on 2026-03-29.
        let daily = schedule("Europe/Amsterdam", "check", "0 30 2 * * *");
        let found = runs(&daily, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            at("2026-03-29T01:00:00Z"),
            "03:00 CEST, the first valid time"
        );
        assert_eq!(
            found[1],
            at("2026-03-30T00:30:00Z"),
            "02:30 CEST the next day"
        );
    }

    #[test]
    fn a_daily_run_in_a_dst_overlap_runs_once() {
        // 02:30 happens twice in Europe/Amsterdam on 2026-10-25.
        let daily = schedule("Europe/Amsterdam", "check", "0 30 2 * * *");
        let found = runs(&daily, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z");
        assert_eq!(
            found,
            [at("2026-10-25T00:30:00Z"), at("2026-10-26T01:30:00Z")],
            "once at the first 02:30 (CEST), then 02:30 CET"
        );
    }

    #[test]
    fn bad_expressions_and_zones_name_the_key() {
        let bad = ScheduleConfig {
            check: "0 6 * * *".into(),
            ..ScheduleConfig::default()
        };
        let (key, message) = bad.schedules().unwrap_err();
        assert_eq!(key, "schedule.check");
        assert!(message.contains("seconds field"), "{message}");
        let zone = ScheduleConfig {
            timezone: "Mars/Olympus".into(),
            ..ScheduleConfig::default()
        };
        assert_eq!(zone.schedules().unwrap_err().0, "schedule.timezone");
    }
}
