//! The comparison operation: AI against search over a current window and its baseline, for
//! one site or all, as of a given day (yesterday, UTC, the last complete day, when not given),
//! judged with the site's `[alerts]` thresholds.

use super::reports::check_names;
use super::{App, ServiceError};
use crate::analysis::compare::Comparison;
use crate::config::{AlertSettings, AlertsConfig};
use crate::report::Filters;
use crate::report::compare::{CompareParams, compare as compare_report};

/// What to compare; None takes the configured (or default) value.
#[derive(Debug, Clone, Default)]
pub struct CompareRequest {
    pub site: Option<String>,
    pub goal: Option<String>,
    /// `YYYY-MM-DD`: the last day of the current window.
    pub as_of: Option<String>,
    pub window_days: Option<u32>,
    pub baseline_days: Option<u32>,
}

/// The current window against its baseline. Refused: a day not in the form `YYYY-MM-DD`, a
/// window of 0 or over 366 days, a baseline of 0 or over 3660 days (usage); a site or goal
/// neither configured nor stored (not found).
pub async fn compare(app: &App, request: CompareRequest) -> Result<Comparison, ServiceError> {
    let as_of = as_of_day(request.as_of.as_deref())?;
    check_names(
        app,
        &Filters {
            site: request.site.clone(),
            goal: request.goal.clone(),
            ..Filters::default()
        },
    )
    .await?;
    let alerts = alert_settings(app, request.site.as_deref());
    let window_days = request.window_days.unwrap_or(alerts.window_days);
    let baseline_days = request.baseline_days.unwrap_or(alerts.baseline_days);
    if !(1..=366).contains(&window_days) {
        return Err(ServiceError::Usage(
            "--window must be between 1 and 366 days".into(),
        ));
    }
    if !(1..=3660).contains(&baseline_days) {
        return Err(ServiceError::Usage(
            "--baseline must be between 1 and 3660 days".into(),
        ));
    }
    let params = CompareParams {
        site: request.site,
        goal: request.goal,
        as_of,
        window_days,
        baseline_days,
        thresholds: alerts.traffic_thresholds(),
    };
    Ok(compare_report(app.store(), &params).await?)
}

/// The thresholds of `site`; without one, those of the only configured site, else the global
/// ones.
fn alert_settings(app: &App, site: Option<&str>) -> AlertSettings {
    let settings = app.settings();
    match (site, settings.sites.as_slice()) {
        (Some(site), _) => settings.alert_settings(site),
        (None, [only]) => settings.alert_settings(&only.name),
        (None, _) => AlertSettings::resolve(&settings.alerts, &AlertsConfig::default()),
    }
}

/// The day number of an `--as-of` day (`YYYY-MM-DD`); None: yesterday, UTC, the last
/// complete day. Shared by the comparison and alert evaluation.
pub(super) fn as_of_day(as_of: Option<&str>) -> Result<i64, ServiceError> {
    use crate::day::{day_number, now_unix, parse_day};
    match as_of {
        Some(day) => parse_day(day).map(|ts| ts / 86_400).ok_or_else(|| {
            ServiceError::Usage(format!(
                "--as-of {day:?} is not a date in the form YYYY-MM-DD"
            ))
        }),
        None => Ok(day_number(now_unix()) - 1),
    }
}
