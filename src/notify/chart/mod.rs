//! PNG line charts of rates with their intervals, for the digest (pure: numbers in, PNG bytes out).
//!
//! This file holds the public API ([`render_png`], [`alt_text`]) and the preparation both
//! share (names and labels cleaned, values clamped, gaps found); `alt` writes the text for
//! screen readers, `draw` lays out and draws the picture with `legend` and `axes`, and
//! `metrics` reads the shipped font's glyph bearings.

use std::sync::OnceLock;

use plotters::prelude::*;

use alt::{alt_intro, alt_series};
use draw::{draw_rgb, encode_png};

/// A rate (a proportion 0..=1) with its interval, at one x position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// The rate itself.
    pub value: f64,
    /// Lower end of its interval.
    pub low: f64,
    /// Upper end of its interval.
    pub high: f64,
}

/// One named series; `points[i]` belongs to `x_labels[i]`; `None` = too little data that week (a gap, not zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Shown in the legend and the alt text (untrusted: cleaned and shortened before use).
    pub name: String,
    /// One entry per x label; entries past the last label are ignored.
    pub points: Vec<Option<Band>>,
}

/// A chart of rates per week: a title, the week labels and the lines drawn over them.
#[derive(Debug, Clone, PartialEq)]
pub struct RateChart {
    /// Drawn at the top and opening the alt text.
    pub title: String,
    /// One label per x position, oldest first.
    pub x_labels: Vec<String>,
    /// The series, each in its own colour.
    pub lines: Vec<Line>,
}

/// Why a chart could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// The requested size is too small to draw a readable chart, or unreasonably large.
    #[error(
        "chart size {width}x{height} is outside {MIN_WIDTH}x{MIN_HEIGHT} to {MAX_SIDE}x{MAX_SIDE}"
    )]
    Size { width: u32, height: u32 },
    /// Plotting into the pixel buffer failed.
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    /// Encoding the pixels as PNG failed.
    #[error("encoding the chart as PNG failed: {0}")]
    Encode(String),
}

/// Smallest width [`render_png`] accepts.
pub const MIN_WIDTH: u32 = 100;
/// Smallest height [`render_png`] accepts.
pub const MIN_HEIGHT: u32 = 80;
/// Largest width or height [`render_png`] accepts.
pub const MAX_SIDE: u32 = 4096;

/// Characters of a line name kept for the legend and the alt text.
const NAME_CHARS: usize = 40;
/// Characters of an x label kept under the axis.
const LABEL_CHARS: usize = 16;
const FONT: &str = "sans-serif";
const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies (yellow last:
/// it is faint on white).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];
const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(90, 90, 90);
const AXIS: RGBColor = RGBColor(160, 160, 160);
const GRID: RGBColor = RGBColor(228, 228, 228);
const BAND_ALPHA: f64 = 0.2;

/// Draws `chart` as a `width`×`height` 8-bit RGB PNG on white.
pub fn render_png(chart: &RateChart, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let size_ok = |v: u32, min: u32| (min..=MAX_SIDE).contains(&v);
    if !size_ok(width, MIN_WIDTH) || !size_ok(height, MIN_HEIGHT) {
        return Err(ChartError::Size { width, height });
    }
    register_font()?;
    let rgb = draw_rgb(&prepare(chart), width, height)?;
    encode_png(&rgb, width, height)
}

/// A short plain-text description of `chart` for screen readers: what is plotted over which
/// weeks, each line's latest and earliest value, and whether weeks are missing.
pub fn alt_text(chart: &RateChart) -> String {
    let prepared = prepare(chart);
    let mut out = alt_intro(&prepared);
    for series in &prepared.series {
        out.push(' ');
        out.push_str(&alt_series(series, &prepared.labels));
    }
    if prepared.has_gaps() {
        out.push_str(" Weeks without enough data are left out.");
    }
    out
}

/// Registers the shipped font under "sans-serif" once per process.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(ChartError::Draw(
            "the bundled DejaVu Sans font could not be loaded".into(),
        ))
    }
}

/// The chart with names and labels cleaned, values clamped and NaN turned into gaps.
struct Prepared {
    title: String,
    labels: Vec<String>,
    series: Vec<Series>,
}

struct Series {
    name: String,
    color: RGBColor,
    /// One entry per x label.
    points: Vec<Option<Band>>,
}

impl Prepared {
    fn has_gaps(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.points.iter().any(Option::is_none))
    }

    fn has_data(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.points.iter().any(Option::is_some))
    }

    fn max_high(&self) -> f64 {
        let highs = self.series.iter().flat_map(|s| s.points.iter().flatten());
        highs.map(|b| b.high).fold(0.0, f64::max)
    }
}

/// Consecutive weeks with data, as (x index, band).
type Run = Vec<(usize, Band)>;

impl Series {
    /// Runs of consecutive points with data, as (x index, band).
    fn runs(&self) -> Vec<Run> {
        let mut runs: Vec<Run> = Vec::new();
        let mut current = Vec::new();
        for (i, point) in self.points.iter().enumerate() {
            match point {
                Some(b) => current.push((i, *b)),
                None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
                None => {}
            }
        }
        if !current.is_empty() {
            runs.push(current);
        }
        runs
    }
}

fn prepare(chart: &RateChart) -> Prepared {
    let n = chart.x_labels.len();
    let series = chart.lines.iter().enumerate().map(|(i, line)| Series {
        name: line_name(&line.name, i),
        color: PALETTE[i % PALETTE.len()],
        points: (0..n)
            .map(|x| line.points.get(x).copied().flatten().and_then(clean_band))
            .collect(),
    });
    Prepared {
        title: clean_text(&chart.title, 120),
        labels: chart.x_labels.iter().enumerate().map(week_label).collect(),
        series: series.collect(),
    }
}

fn week_label((i, raw): (usize, &String)) -> String {
    let label = clean_text(raw, LABEL_CHARS);
    if label.is_empty() {
        format!("week {}", i + 1)
    } else {
        label
    }
}

/// Clamps into [0, 1] and orders low ≤ value ≤ high; `None` when any part is NaN.
fn clean_band(b: Band) -> Option<Band> {
    if b.value.is_nan() || b.low.is_nan() || b.high.is_nan() {
        return None;
    }
    let value = b.value.clamp(0.0, 1.0);
    let low = b.low.clamp(0.0, 1.0).min(value);
    let high = b.high.clamp(0.0, 1.0).max(value);
    Some(Band { value, low, high })
}

fn line_name(raw: &str, index: usize) -> String {
    let name = clean_text(raw, NAME_CHARS);
    if name.is_empty() {
        format!("Line {}", index + 1)
    } else {
        name
    }
}

/// Untrusted text made safe to draw and read: control and bidi-override characters become
/// spaces, runs of whitespace collapse, and it is cut to `max_chars` with an ellipsis.
fn clean_text(raw: &str, max_chars: usize) -> String {
    let spaced: String = raw
        .chars()
        .map(|c| if is_unsafe_char(c) { ' ' } else { c })
        .collect();
    let words: Vec<&str> = spaced.split_whitespace().collect();
    truncate(&words.join(" "), max_chars)
}

fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}')
        || super::render::is_bidi_control(c)
        || c == '\u{FEFF}'
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let kept: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

mod alt;
mod axes;
mod draw;
mod legend;
mod metrics;
#[cfg(test)]
mod tests;
