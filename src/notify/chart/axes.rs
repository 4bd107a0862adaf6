//! The axes: an f64 axis with exactly the key points asked for (plotters' own cannot label
//! fixed ticks), the y range and its percent ticks, and which week labels fit on the x axis.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

/// A linear f64 axis whose ticks are exactly the given points (plotters' `WithKeyPoints` over
/// f64 lacks the value formatter that `configure_mesh` requires).
pub(super) struct KeyedAxis {
    pub(super) range: Range<f64>,
    pub(super) keys: Vec<f64>,
}

impl Ranged for KeyedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let share = (value - self.range.start) / (self.range.end - self.range.start);
        if !share.is_finite() {
            return limit.0;
        }
        // Clamped so that a far-off value cannot overflow the pixel coordinate.
        let pixels = f64::from(limit.1 - limit.0) * share.clamp(-4.0, 5.0);
        limit.0 + pixels.round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// The y axis: its top and its ticks.
pub(super) struct YAxis {
    pub(super) top: f64,
    pub(super) ticks: Vec<f64>,
}

/// From 0 to a little above `max_high` (at least 1%), in at most five round steps.
pub(super) fn y_axis(max_high: f64) -> YAxis {
    const STEPS: [f64; 11] = [
        0.001, 0.002, 0.0025, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25,
    ];
    let target = (max_high * 1.1).max(0.01);
    let step = STEPS
        .into_iter()
        .find(|s| target / s <= 5.0 + 1e-9)
        .unwrap_or(0.25);
    let top_tick = (target / step - 1e-9).ceil() * step;
    let top = if top_tick > 1.0 + 1e-9 {
        target.clamp(1.0, 1.08)
    } else {
        top_tick
    };
    let count = (top / step + 1e-9).floor() as usize;
    YAxis {
        top,
        ticks: (0..=count).map(|k| k as f64 * step).collect(),
    }
}

/// A tick label such as "5%", "2.5%" or "0.25%".
pub(super) fn tick_label(rate: f64) -> String {
    let fixed = format!("{:.2}", rate * 100.0);
    format!("{}%", fixed.trim_end_matches('0').trim_end_matches('.'))
}

/// The x positions that get a label: every `stride`-th one counted back from the last week,
/// with `stride` large enough that the labels do not touch.
pub(super) fn x_keys(labels: &[String], plot_width: i32, label_width: i32) -> Vec<f64> {
    let n = labels.len();
    let fit = usize::try_from(plot_width / label_width.max(1))
        .unwrap_or(0)
        .max(1);
    let stride = n.div_ceil(fit).max(1);
    let mut keys: Vec<f64> = (0..n).rev().step_by(stride).map(|i| i as f64).collect();
    keys.reverse();
    keys
}

pub(super) fn label_at(labels: &[String], x: f64) -> &str {
    let i = x.round();
    if i < 0.0 {
        ""
    } else {
        labels.get(i as usize).map_or("", String::as_str)
    }
}

/// Half a week of room left and right of the first and last week.
pub(super) const X_PAD: f64 = 0.5;
