//! `[alerts]`: when a change between two windows is worth telling someone. The global table
//! sets every site's thresholds; a site's own `[sites.alerts]` overrides them key by key. Read
//! by the comparison report and by alert evaluation, so both judge a change the same way.

use serde::Deserialize;

use crate::analysis::shift::Thresholds;

/// The alert kinds, by their stable names (for `disabled`).
pub const ALERT_KINDS: [&str; 9] = [
    "ai_conversion_rate",
    "search_conversion_rate",
    "ai_search_ratio",
    "ai_traffic_share",
    "ai_source_new",
    "mention_rate",
    "top_rank_lost",
    "own_citation_rate",
    "ai_crawler_change",
];

/// `[alerts]` or `[sites.alerts]` as written: every key optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Days in the current window (default 7).
    pub window_days: Option<u32>,
    /// Days in the baseline just before it (default 28).
    pub baseline_days: Option<u32>,
    /// Significance level after the Benjamini–Hochberg correction (default 0.01).
    pub alpha: Option<f64>,
    /// Smallest relative change reported, 0.25 = a quarter up or down (default 0.25).
    pub min_relative_change: Option<f64>,
    /// Sessions in both windows together (default 200).
    pub min_sessions: Option<u64>,
    /// Conversions in both windows together (default 10).
    pub min_conversions: Option<u64>,
    /// Ok prompt-check answers in each window (default 30).
    pub min_answers: Option<u64>,
    /// Days a resolved alert stays quiet unless its severity rises (default 7).
    pub cooldown_days: Option<u32>,
    /// Alert kinds not evaluated.
    pub disabled: Option<Vec<String>>,
}

/// The thresholds in force for one site: its own keys, else the global ones, else defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertSettings {
    pub window_days: u32,
    pub baseline_days: u32,
    pub alpha: f64,
    pub min_relative_change: f64,
    pub min_sessions: u64,
    pub min_conversions: u64,
    pub min_answers: u64,
    pub cooldown_days: u32,
    pub disabled: Vec<String>,
}

impl Default for AlertSettings {
    fn default() -> AlertSettings {
        AlertSettings {
            window_days: 7,
            baseline_days: 28,
            alpha: 0.01,
            min_relative_change: 0.25,
            min_sessions: 200,
            min_conversions: 10,
            min_answers: 30,
            cooldown_days: 7,
            disabled: Vec::new(),
        }
    }
}

impl AlertSettings {
    /// `site`'s keys over `global`'s over the defaults.
    pub fn resolve(global: &AlertsConfig, site: &AlertsConfig) -> AlertSettings {
        let d = AlertSettings::default();
        AlertSettings {
            window_days: site
                .window_days
                .or(global.window_days)
                .unwrap_or(d.window_days),
            baseline_days: site
                .baseline_days
                .or(global.baseline_days)
                .unwrap_or(d.baseline_days),
            alpha: site.alpha.or(global.alpha).unwrap_or(d.alpha),
            min_relative_change: site
                .min_relative_change
                .or(global.min_relative_change)
                .unwrap_or(d.min_relative_change),
            min_sessions: site
                .min_sessions
                .or(global.min_sessions)
                .unwrap_or(d.min_sessions),
            min_conversions: site
                .min_conversions
                .or(global.min_conversions)
                .unwrap_or(d.min_conversions),
            min_answers: site
                .min_answers
                .or(global.min_answers)
                .unwrap_or(d.min_answers),
            cooldown_days: site
                .cooldown_days
                .or(global.cooldown_days)
                .unwrap_or(d.cooldown_days),
            disabled: site
                .disabled
                .clone()
                .or_else(|| global.disabled.clone())
                .unwrap_or_default(),
        }
    }

    /// The shift detector's thresholds for conversion rates (sessions and conversions).
    pub fn traffic_thresholds(&self) -> Thresholds {
        Thresholds {
            alpha: self.alpha,
            min_relative_change: self.min_relative_change,
            min_trials: self.min_sessions,
            min_successes: self.min_conversions,
            min_trials_each: 0,
        }
    }

    /// The thresholds for prompt-check rates (ok answers in each window).
    pub fn answer_thresholds(&self) -> Thresholds {
        Thresholds {
            alpha: self.alpha,
            min_relative_change: self.min_relative_change,
            min_trials: 0,
            min_successes: 0,
            min_trials_each: self.min_answers,
        }
    }

    pub fn is_enabled(&self, kind: &str) -> bool {
        !self.disabled.iter().any(|k| k == kind)
    }
}

/// Checks one `[alerts]` table; `Err((key, message))` with the key relative to `prefix`.
pub fn validate(config: &AlertsConfig, prefix: &str) -> Result<(), (String, String)> {
    let key = |name: &str| format!("{prefix}.{name}");
    if let Some(days) = config.window_days
        && !(1..=366).contains(&days)
    {
        return Err((key("window_days"), "must be between 1 and 366".into()));
    }
    if let Some(days) = config.baseline_days
        && !(1..=3660).contains(&days)
    {
        return Err((key("baseline_days"), "must be between 1 and 3660".into()));
    }
    if let Some(alpha) = config.alpha
        && !(alpha > 0.0 && alpha < 1.0)
    {
        return Err((
            key("alpha"),
            "must be above 0 and below 1 (e.g. 0.01)".into(),
        ));
    }
    if let Some(change) = config.min_relative_change
        && !(change.is_finite() && change >= 0.0)
    {
        return Err((
            key("min_relative_change"),
            "must be 0 or more (0.25 = a quarter up or down)".into(),
        ));
    }
    if let Some(days) = config.cooldown_days
        && days > 3660
    {
        return Err((key("cooldown_days"), "must be at most 3660".into()));
    }
    for kind in config.disabled.iter().flatten() {
        if !ALERT_KINDS.contains(&kind.as_str()) {
            return Err((
                key("disabled"),
                format!("no alert kind {kind:?}; kinds: {}", ALERT_KINDS.join(", ")),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_overrides_the_global_keys_one_by_one() {
        let global = AlertsConfig {
            alpha: Some(0.05),
            window_days: Some(14),
            disabled: Some(vec!["mention_rate".into()]),
            ..AlertsConfig::default()
        };
        let site = AlertsConfig {
            window_days: Some(3),
            ..AlertsConfig::default()
        };
        let resolved = AlertSettings::resolve(&global, &site);
        assert_eq!(resolved.window_days, 3);
        assert_eq!(resolved.alpha, 0.05);
        assert_eq!(resolved.baseline_days, 28);
        assert!(!resolved.is_enabled("mention_rate"));
        assert!(resolved.is_enabled("ai_conversion_rate"));
        assert_eq!(resolved.traffic_thresholds().min_trials, 200);
        assert_eq!(resolved.answer_thresholds().min_trials_each, 30);
    }

    #[test]
    fn bad_values_name_their_key() {
        let bad = |config: AlertsConfig| validate(&config, "alerts").unwrap_err();
        assert_eq!(
            bad(AlertsConfig {
                alpha: Some(1.5),
                ..AlertsConfig::default()
            })
            .0,
            "alerts.alpha"
        );
        assert_eq!(
            bad(AlertsConfig {
                window_days: Some(0),
                ..AlertsConfig::default()
            })
            .0,
            "alerts.window_days"
        );
        let (key, message) = bad(AlertsConfig {
            disabled: Some(vec!["ai_rate".into()]),
            ..AlertsConfig::default()
        });
        assert_eq!(key, "alerts.disabled");
        assert!(message.contains("ai_conversion_rate"), "{message}");
        assert!(validate(&AlertsConfig::default(), "alerts").is_ok());
    }
}
