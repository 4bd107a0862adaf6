//! PNG line charts of rates with their intervals, for the digest (pure: numbers in, PNG bytes out).

use std::ops::Range;
use std::sync::OnceLock;

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

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

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn alt_intro(p: &Prepared) -> String {
    let title = p.title.trim_end_matches(['.', ' ']);
    let title = if title.is_empty() {
        "Rate chart"
    } else {
        title
    };
    match p.labels.as_slice() {
        [] => format!("{title}: no weeks to show."),
        [only] => format!("{title}, 1 week: {only}."),
        [first, .., last] => format!("{title}, {} weeks from {first} to {last}.", p.labels.len()),
    }
}

fn alt_series(s: &Series, labels: &[String]) -> String {
    let with_data: Vec<(usize, Band)> = s
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|b| (i, b)))
        .collect();
    let last_week = labels.len().saturating_sub(1);
    match with_data.as_slice() {
        [] => format!("{}: not enough data in any week.", s.name),
        [(i, b)] => format!(
            "{}: {} {} (the only week with data).",
            s.name,
            percent(b.value),
            week(*i, last_week, labels)
        ),
        [(fi, first), .., (li, last)] => format!(
            "{}: {} {} (from {} {}).",
            s.name,
            percent(last.value),
            last_phrase(*li, last_week, labels),
            percent(first.value),
            first_phrase(*fi, labels)
        ),
    }
}

fn week(i: usize, last_week: usize, labels: &[String]) -> String {
    if i == last_week {
        "in the last week".into()
    } else {
        format!("in {}", labels[i])
    }
}

fn last_phrase(i: usize, last_week: usize, labels: &[String]) -> String {
    if i == last_week {
        "in the last week".into()
    } else {
        format!("in {}, the last week with data", labels[i])
    }
}

fn first_phrase(i: usize, labels: &[String]) -> String {
    if i == 0 {
        "in the first week".into()
    } else {
        format!("in {}, the first week with data", labels[i])
    }
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type Plot<'a> = DrawingArea<BitMapBackend<'a>, Cartesian2d<KeyedAxis, KeyedAxis>>;
type Chart<'c, 'a> = ChartContext<'c, BitMapBackend<'a>, Cartesian2d<KeyedAxis, KeyedAxis>>;

fn draw_err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn encode_err(e: png::EncodingError) -> ChartError {
    ChartError::Encode(e.to_string())
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(encode_err)?;
    writer.write_image_data(rgb).map_err(encode_err)?;
    writer.finish().map_err(encode_err)?;
    Ok(out)
}

/// Sizes scaled from a 480×240 chart, where the scale is 1: a 600×300 chart (the digest's)
/// draws text and lines a quarter larger, so that it still reads when a phone shows it
/// about 340 px wide.
struct Layout {
    scale: f64,
}

impl Layout {
    fn new(width: u32, height: u32) -> Self {
        let scale = (f64::from(width) / 480.0).min(f64::from(height) / 240.0);
        Layout {
            scale: scale.clamp(0.7, 3.0),
        }
    }

    fn px(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }

    /// `size` pixels scaled, rounded to an even size: plotters puts the baseline half the size
    /// below the glyph's y and truncates, so odd sizes put some glyphs a pixel off the line.
    fn text(&self, size: f64, color: &RGBColor) -> TextStyle<'static> {
        let even = (size * self.scale / 2.0).round().max(4.0) * 2.0;
        (FONT, even).into_font().color(color)
    }
}

fn pixels(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Draws everything into a fresh white RGB buffer.
fn draw_rgb(p: &Prepared, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let layout = Layout::new(width, height);
        let top = draw_title(&root, &p.title, &layout)?;
        let top = draw_legend(&root, top, &p.series, &layout)?;
        draw_plot(&root, &root.split_vertically(top).1, p, &layout)?;
        root.present().map_err(draw_err)?;
    }
    Ok(buf)
}

fn text_width(root: &Area, text: &str, style: &TextStyle) -> Result<i32, ChartError> {
    let (w, _) = root.estimate_text_size(text, style).map_err(draw_err)?;
    Ok(pixels(w))
}

fn widest(root: &Area, texts: &[String], style: &TextStyle) -> Result<i32, ChartError> {
    texts
        .iter()
        .try_fold(0, |acc, t| Ok(acc.max(text_width(root, t, style)?)))
}

/// `text`, shortened with an ellipsis until it is at most `max_width` pixels wide.
fn fit_text(
    root: &Area,
    text: &str,
    style: &TextStyle,
    max_width: i32,
) -> Result<String, ChartError> {
    let chars: Vec<char> = text.chars().collect();
    let mut candidate = text.to_string();
    for keep in (0..chars.len()).rev() {
        if text_width(root, &candidate, style)? <= max_width {
            break;
        }
        candidate = format!("{}…", chars[..keep].iter().collect::<String>().trim_end());
    }
    Ok(candidate)
}

/// Measuring at this many times the size keeps pen positions from drifting by whole pixels.
const SUBPIXEL: f64 = 8.0;

/// Each character's pen position from the start of `text`, and the text's advance width.
fn pen_positions(
    root: &Area,
    text: &str,
    style: &TextStyle,
) -> Result<(Vec<i32>, i32), ChartError> {
    let fine = TextStyle::from(style.font.resize(style.font.get_size() * SUBPIXEL));
    let measure = |end: usize| {
        text_width(root, &text[..end], &fine).map(|w| (f64::from(w) / SUBPIXEL).round() as i32)
    };
    let pens = text
        .char_indices()
        .map(|(i, _)| measure(i))
        .collect::<Result<_, _>>()?;
    Ok((pens, measure(text.len())?))
}

/// Draws `text` anchored at (`x`, `y`) (vertically on the capital letters), glyph by glyph: plotters'
/// ab_glyph backend starts every glyph at the pen position, ignoring its left side bearing,
/// which spaces letters unevenly ("Con version"); each glyph is moved by its bearing here.
fn draw_label(
    root: &Area,
    text: &str,
    style: &TextStyle,
    (x, y): (i32, i32),
    anchor: Pos,
) -> Result<(), ChartError> {
    let size = style.font.get_size();
    let (pens, width) = pen_positions(root, text, style)?;
    let left = match anchor.h_pos {
        HPos::Left => x,
        HPos::Center => x - width / 2,
        HPos::Right => x - width,
    };
    let cap = metrics::cap_height(size);
    let baseline = match anchor.v_pos {
        VPos::Top => y + cap,
        VPos::Center => y + cap / 2,
        VPos::Bottom => y,
    };
    let top = baseline - (size / 2.0).round() as i32;
    let glyph_style = style.pos(Pos::new(HPos::Left, VPos::Top));
    for (c, pen) in text.chars().zip(pens).filter(|(c, _)| !c.is_whitespace()) {
        let at = (left + pen + metrics::left_bearing(c, size), top);
        root.draw_text(c.encode_utf8(&mut [0; 4]), &glyph_style, at)
            .map_err(draw_err)?;
    }
    Ok(())
}

/// The title centred at the top; returns the y where the space below it starts.
fn draw_title(root: &Area, title: &str, layout: &Layout) -> Result<i32, ChartError> {
    if title.is_empty() {
        return Ok(layout.px(8.0));
    }
    let style = layout.text(16.0, &INK);
    let width = pixels(root.dim_in_pixel().0);
    let text = fit_text(root, title, &style, width - layout.px(16.0))?;
    let anchor = Pos::new(HPos::Center, VPos::Top);
    draw_label(root, &text, &style, (width / 2, layout.px(9.0)), anchor)?;
    Ok(layout.px(30.0))
}

/// One legend entry: the series it stands for (`None` for the "+N more" note), its shown
/// name and its width in pixels including the swatch.
struct Entry {
    series: Option<usize>,
    name: String,
    width: i32,
}

fn row_width(row: &[Entry], layout: &Layout) -> i32 {
    let gaps = entry_gap(layout) * (row.len() as i32 - 1).max(0);
    row.iter().map(|e| e.width).sum::<i32>() + gaps
}

fn swatch_width(layout: &Layout) -> i32 {
    layout.px(24.0)
}

fn entry_gap(layout: &Layout) -> i32 {
    layout.px(18.0)
}

/// The legend in centred rows from `top`; returns the y where the space below it starts.
fn draw_legend(
    root: &Area,
    top: i32,
    series: &[Series],
    layout: &Layout,
) -> Result<i32, ChartError> {
    if series.is_empty() {
        return Ok(top);
    }
    let style = layout.text(12.0, &INK);
    let (width, height) = root.dim_in_pixel();
    let width = pixels(width);
    let max_rows = if height >= 250 { 3 } else { 1 };
    let rows = legend_rows(
        root,
        series,
        &style,
        layout,
        width - layout.px(16.0),
        max_rows,
    )?;
    let row_height = layout.px(18.0);
    for (r, row) in rows.iter().enumerate() {
        let x = (width - row_width(row, layout)) / 2;
        let y = top + row_height * r as i32 + row_height / 2;
        draw_legend_row(root, row, series, &style, layout, (x, y))?;
    }
    Ok(top + row_height * rows.len() as i32 + layout.px(2.0))
}

fn draw_legend_row(
    root: &Area,
    row: &[Entry],
    series: &[Series],
    style: &TextStyle,
    layout: &Layout,
    (mut x, y): (i32, i32),
) -> Result<(), ChartError> {
    for entry in row {
        let mut text_x = x;
        if let Some(color) = entry.series.and_then(|i| series.get(i)).map(|s| s.color) {
            draw_swatch(root, color, (x, y), layout)?;
            text_x += swatch_width(layout);
        }
        let anchor = Pos::new(HPos::Left, VPos::Center);
        draw_label(root, &entry.name, style, (text_x, y), anchor)?;
        x += entry.width + entry_gap(layout);
    }
    Ok(())
}

/// A short stretch of band, line and marker, as the series is drawn.
fn draw_swatch(
    root: &Area,
    color: RGBColor,
    (x, y): (i32, i32),
    layout: &Layout,
) -> Result<(), ChartError> {
    let (x0, x1, half) = (x, x + layout.px(18.0), layout.px(5.0));
    let band = Rectangle::new(
        [(x0, y - half), (x1, y + half)],
        color.mix(BAND_ALPHA).filled(),
    );
    root.draw(&band).map_err(draw_err)?;
    let line = PathElement::new(
        vec![(x0, y), (x1, y)],
        color.stroke_width(line_width(layout)),
    );
    root.draw(&line).map_err(draw_err)?;
    draw_marker(root, ((x0 + x1) / 2, y), color, layout)
}

/// A dot: plotters fills small circles nearly square, so a smaller filled circle gets a
/// smoothed outline.
fn draw_marker(
    root: &Area,
    at: (i32, i32),
    color: RGBColor,
    layout: &Layout,
) -> Result<(), ChartError> {
    let radius = marker_radius(layout);
    let fill = Circle::new(at, radius - 1, color.filled());
    root.draw(&fill).map_err(draw_err)?;
    root.draw(&Circle::new(at, radius, color.stroke_width(1)))
        .map_err(draw_err)
}

/// Greedy rows of legend entries; entries that do not fit in `max_rows` become "+N more".
fn legend_rows(
    root: &Area,
    series: &[Series],
    style: &TextStyle,
    layout: &Layout,
    max_width: i32,
    max_rows: usize,
) -> Result<Vec<Vec<Entry>>, ChartError> {
    let mut rows: Vec<Vec<Entry>> = vec![Vec::new()];
    for (i, s) in series.iter().enumerate() {
        let name = fit_text(root, &s.name, style, max_width - swatch_width(layout))?;
        let width = swatch_width(layout) + text_width(root, &name, style)?;
        let entry = Entry {
            series: Some(i),
            name,
            width,
        };
        let row = rows.last().map(Vec::as_slice).unwrap_or_default();
        if !row.is_empty() && row_width(row, layout) + entry_gap(layout) + width > max_width {
            if rows.len() == max_rows {
                return more_note(root, rows, series.len() - i, style, layout, max_width);
            }
            rows.push(Vec::new());
        }
        if let Some(row) = rows.last_mut() {
            row.push(entry);
        }
    }
    Ok(rows)
}

/// Ends the last row with "+N more", dropping entries from that row until the note fits.
fn more_note(
    root: &Area,
    mut rows: Vec<Vec<Entry>>,
    mut hidden: usize,
    style: &TextStyle,
    layout: &Layout,
    max_width: i32,
) -> Result<Vec<Vec<Entry>>, ChartError> {
    let Some(last) = rows.last_mut() else {
        return Ok(rows);
    };
    loop {
        let name = format!("+{hidden} more");
        let width = text_width(root, &name, style)?;
        if last.is_empty() || row_width(last, layout) + entry_gap(layout) + width <= max_width {
            last.push(Entry {
                series: None,
                name,
                width,
            });
            return Ok(rows);
        }
        last.pop();
        hidden += 1;
    }
}

fn line_width(layout: &Layout) -> u32 {
    layout.px(2.0).max(1) as u32
}

fn marker_radius(layout: &Layout) -> i32 {
    layout.px(3.0).max(2)
}

/// A linear f64 axis whose ticks are exactly the given points (plotters' `WithKeyPoints` over
/// f64 lacks the value formatter that `configure_mesh` requires).
struct KeyedAxis {
    range: Range<f64>,
    keys: Vec<f64>,
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
struct YAxis {
    top: f64,
    ticks: Vec<f64>,
}

/// From 0 to a little above `max_high` (at least 1%), in at most five round steps.
fn y_axis(max_high: f64) -> YAxis {
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
fn tick_label(rate: f64) -> String {
    let fixed = format!("{:.2}", rate * 100.0);
    format!("{}%", fixed.trim_end_matches('0').trim_end_matches('.'))
}

/// The x positions that get a label: every `stride`-th one counted back from the last week,
/// with `stride` large enough that the labels do not touch.
fn x_keys(labels: &[String], plot_width: i32, label_width: i32) -> Vec<f64> {
    let n = labels.len();
    let fit = usize::try_from(plot_width / label_width.max(1))
        .unwrap_or(0)
        .max(1);
    let stride = n.div_ceil(fit).max(1);
    let mut keys: Vec<f64> = (0..n).rev().step_by(stride).map(|i| i as f64).collect();
    keys.reverse();
    keys
}

fn label_at(labels: &[String], x: f64) -> &str {
    let i = x.round();
    if i < 0.0 {
        ""
    } else {
        labels.get(i as usize).map_or("", String::as_str)
    }
}

/// Half a week of room left and right of the first and last week.
const X_PAD: f64 = 0.5;

/// Axes, grid, bands, lines, markers and axis labels in `area`.
fn draw_plot(root: &Area, area: &Area, p: &Prepared, layout: &Layout) -> Result<(), ChartError> {
    let axis = y_axis(p.max_high());
    let style = layout.text(12.0, &MUTED);
    let tick_labels: Vec<String> = axis.ticks.iter().map(|t| tick_label(*t)).collect();
    let y_label_width = widest(root, &tick_labels, &style)?;
    let plot_width = pixels(area.dim_in_pixel().0) - y_label_width - layout.px(30.0);
    let gap = layout.px(14.0);
    let keys = x_keys(
        &p.labels,
        plot_width,
        widest(root, &p.labels, &style)? + gap,
    );
    let chart = build_chart(
        area,
        &axis,
        keys.clone(),
        p.labels.len(),
        y_label_width,
        layout,
    )?;
    draw_series(root, chart.plotting_area(), p, layout)?;
    draw_y_labels(root, &chart, &axis, &style, layout)?;
    draw_x_labels(root, &chart, &p.labels, &keys, &style, layout)?;
    if p.has_data() {
        return Ok(());
    }
    let middle = chart.backend_coord(&((p.labels.len().max(1) - 1) as f64 / 2.0, axis.top / 2.0));
    let anchor = Pos::new(HPos::Center, VPos::Center);
    draw_label(
        root,
        "Not enough data yet",
        &layout.text(14.0, &MUTED),
        middle,
        anchor,
    )
}

/// The coordinate system with its axes and horizontal grid lines; labels are drawn separately.
fn build_chart<'c, 'a>(
    area: &'c Area<'a>,
    axis: &YAxis,
    x_keys: Vec<f64>,
    weeks: usize,
    y_label_width: i32,
    layout: &Layout,
) -> Result<Chart<'c, 'a>, ChartError> {
    let x_range = -X_PAD..(weeks.max(1) - 1) as f64 + X_PAD;
    let mut chart = ChartBuilder::on(area)
        .margin_left(layout.px(8.0))
        .margin_right(layout.px(14.0))
        .margin_top(layout.px(6.0))
        .margin_bottom(layout.px(4.0))
        .x_label_area_size(layout.px(24.0))
        .y_label_area_size(y_label_width + layout.px(12.0))
        .build_cartesian_2d(
            KeyedAxis {
                range: x_range,
                keys: x_keys,
            },
            KeyedAxis {
                range: 0.0..axis.top,
                keys: axis.ticks.clone(),
            },
        )
        .map_err(draw_err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .axis_style(AXIS)
        .set_all_tick_mark_size(layout.px(4.0))
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .draw()
        .map_err(draw_err)?;
    Ok(chart)
}

fn draw_y_labels(
    root: &Area,
    chart: &Chart,
    axis: &YAxis,
    style: &TextStyle,
    layout: &Layout,
) -> Result<(), ChartError> {
    let anchor = Pos::new(HPos::Right, VPos::Center);
    for tick in &axis.ticks {
        let (x, y) = chart.backend_coord(&(-X_PAD, *tick));
        draw_label(
            root,
            &tick_label(*tick),
            style,
            (x - layout.px(7.0), y),
            anchor,
        )?;
    }
    Ok(())
}

/// The week labels under their positions, kept inside the image at the edges.
fn draw_x_labels(
    root: &Area,
    chart: &Chart,
    labels: &[String],
    keys: &[f64],
    style: &TextStyle,
    layout: &Layout,
) -> Result<(), ChartError> {
    let width = pixels(root.dim_in_pixel().0);
    let anchor = Pos::new(HPos::Center, VPos::Top);
    for key in keys {
        let text = label_at(labels, *key);
        let half = text_width(root, text, style)? / 2 + 2;
        let (x, y) = chart.backend_coord(&(*key, 0.0));
        let x = x.clamp(half, (width - half).max(half));
        draw_label(root, text, style, (x, y + layout.px(8.0)), anchor)?;
    }
    Ok(())
}

/// All bands first, then all lines, then all markers, so no band veils another line.
fn draw_series(root: &Area, plot: &Plot, p: &Prepared, layout: &Layout) -> Result<(), ChartError> {
    let runs: Vec<(RGBColor, Vec<Run>)> = p.series.iter().map(|s| (s.color, s.runs())).collect();
    let all = || {
        runs.iter()
            .flat_map(|(color, runs)| runs.iter().map(move |run| (*color, run)))
    };
    for (color, run) in all() {
        draw_band(plot, run, color, layout)?;
    }
    for (color, run) in all().filter(|(_, run)| run.len() > 1) {
        let path: Vec<(f64, f64)> = run.iter().map(|(x, b)| (*x as f64, b.value)).collect();
        let line = PathElement::new(path, color.stroke_width(line_width(layout)));
        plot.draw(&line).map_err(draw_err)?;
    }
    for (color, (x, b)) in all().flat_map(|(color, run)| run.iter().map(move |p| (color, p))) {
        draw_marker(
            root,
            plot.map_coordinate(&(*x as f64, b.value)),
            color,
            layout,
        )?;
    }
    Ok(())
}

/// The interval along a run as a translucent area; a lone point's as a bar of fixed width.
fn draw_band(
    plot: &Plot,
    run: &[(usize, Band)],
    color: RGBColor,
    layout: &Layout,
) -> Result<(), ChartError> {
    let fill = color.mix(BAND_ALPHA);
    let drawn = if let [(x, b)] = run {
        let bar = vec![(*x as f64, b.low), (*x as f64, b.high)];
        plot.draw(&PathElement::new(
            bar,
            fill.stroke_width(layout.px(10.0) as u32),
        ))
    } else {
        plot.draw(&Polygon::new(band_outline(run), fill.filled()))
    };
    drawn.map_err(draw_err)
}

/// The interval's outline along a run: the highs forward, the lows back.
fn band_outline(run: &[(usize, Band)]) -> Vec<(f64, f64)> {
    let highs = run.iter().map(|(x, b)| (*x as f64, b.high));
    let lows = run.iter().rev().map(|(x, b)| (*x as f64, b.low));
    highs.chain(lows).collect()
}

/// Just enough of the shipped TrueType font to place glyphs: its height (which plotters'
/// sizes are in), and each glyph's left side bearing, found through the Unicode BMP `cmap`.
/// Anything unreadable counts as a zero bearing.
mod metrics {
    use std::sync::OnceLock;

    use super::FONT_BYTES;

    /// Height of the capital letters in DejaVu Sans, in font units (the top of "H").
    const CAP_HEIGHT_UNITS: f64 = 1493.0;

    struct Tables {
        /// Ascender minus descender, in font units.
        height: f64,
        cmap: usize,
        hmtx: usize,
        long_metrics: usize,
    }

    fn tables() -> Option<&'static Tables> {
        static TABLES: OnceLock<Option<Tables>> = OnceLock::new();
        TABLES.get_or_init(read_tables).as_ref()
    }

    /// Pixels from the pen position to the ink of `c` at `size`, rounded down as ab_glyph
    /// rounds a glyph's bounds.
    pub(super) fn left_bearing(c: char, size: f64) -> i32 {
        let Some(t) = tables() else { return 0 };
        let bearing = glyph_id(t, c)
            .and_then(|g| bearing_units(t, g))
            .unwrap_or(0);
        (f64::from(bearing) * size / t.height).floor() as i32
    }

    /// Pixels from the baseline to the top of the capitals at `size`.
    pub(super) fn cap_height(size: f64) -> i32 {
        let height = tables().map_or(2384.0, |t| t.height);
        (CAP_HEIGHT_UNITS * size / height).round() as i32
    }

    fn u16_at(at: usize) -> Option<u16> {
        FONT_BYTES
            .get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    fn i16_at(at: usize) -> Option<i16> {
        u16_at(at).map(|v| v as i16)
    }

    fn u32_at(at: usize) -> Option<usize> {
        let b = FONT_BYTES.get(at..at + 4)?;
        usize::try_from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])).ok()
    }

    fn table(tag: &[u8; 4]) -> Option<usize> {
        let count = usize::from(u16_at(4)?);
        let record = (0..count)
            .map(|i| 12 + 16 * i)
            .find(|r| FONT_BYTES.get(*r..r + 4) == Some(tag))?;
        u32_at(record + 8)
    }

    fn read_tables() -> Option<Tables> {
        let hhea = table(b"hhea")?;
        let height = f64::from(i16_at(hhea + 4)?) - f64::from(i16_at(hhea + 6)?);
        let cmap = table(b"cmap")?;
        let records = (0..usize::from(u16_at(cmap + 2)?)).map(|i| cmap + 4 + 8 * i);
        let unicode_bmp = |r: &usize| u16_at(*r) == Some(3) && u16_at(r + 2) == Some(1);
        let subtable = cmap + u32_at(records.clone().find(unicode_bmp)? + 4)?;
        let long_metrics = usize::from(u16_at(hhea + 34)?);
        let usable = height > 0.0 && u16_at(subtable) == Some(4);
        usable.then_some(Tables {
            height,
            cmap: subtable,
            hmtx: table(b"hmtx")?,
            long_metrics,
        })
    }

    /// The glyph for `c` in the format 4 (segment) subtable; `None` outside the BMP.
    fn glyph_id(t: &Tables, c: char) -> Option<u16> {
        let code = u16::try_from(u32::from(c)).ok()?;
        let seg_bytes = usize::from(u16_at(t.cmap + 6)?);
        let ends = t.cmap + 14;
        let (starts, deltas) = (ends + seg_bytes + 2, ends + 2 * seg_bytes + 2);
        let offsets = deltas + seg_bytes;
        let seg = (0..seg_bytes)
            .step_by(2)
            .find(|s| u16_at(ends + s).is_some_and(|e| e >= code))?;
        let start = u16_at(starts + seg)?;
        let delta = u16_at(deltas + seg)?;
        let range_offset = usize::from(u16_at(offsets + seg)?);
        if code < start {
            return Some(0);
        }
        if range_offset == 0 {
            return Some(code.wrapping_add(delta));
        }
        let glyph = u16_at(offsets + seg + range_offset + 2 * usize::from(code - start))?;
        Some(if glyph == 0 {
            0
        } else {
            glyph.wrapping_add(delta)
        })
    }

    fn bearing_units(t: &Tables, glyph: u16) -> Option<i16> {
        let g = usize::from(glyph);
        if g < t.long_metrics {
            i16_at(t.hmtx + 4 * g + 2)
        } else {
            i16_at(t.hmtx + 4 * t.long_metrics + 2 * (g - t.long_metrics))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn bearings_and_heights_come_from_the_shipped_font() {
            let t = tables().expect("DejaVu Sans tables");
            assert_eq!(t.height, 2384.0);
            assert_eq!(glyph_id(t, 'A'), Some(36));
            let units = |c| glyph_id(t, c).and_then(|g| bearing_units(t, g));
            assert_eq!(units('n'), Some(186));
            assert_eq!(units('v'), Some(61));
            assert_eq!(units('é'), Some(113));
            assert_eq!(left_bearing('n', 2384.0), 186);
            assert_eq!(left_bearing('🤖', 2384.0), 0);
            assert_eq!(cap_height(2384.0), 1493);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(value: f64) -> Option<Band> {
        Some(Band {
            value,
            low: value * 0.7,
            high: value * 1.3,
        })
    }

    fn weeks(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("2026-W{}", 36 + i)).collect()
    }

    fn conversion_chart() -> RateChart {
        let ai = [
            0.020, 0.024, 0.022, 0.028, 0.031, 0.0, 0.033, 0.036, 0.035, 0.038, 0.040, 0.041,
        ];
        let mut ai_points: Vec<Option<Band>> = ai.iter().map(|v| band(*v)).collect();
        ai_points[5] = None;
        let search = [
            0.030, 0.029, 0.031, 0.030, 0.028, 0.030, 0.031, 0.029, 0.030, 0.032, 0.031, 0.030,
        ];
        RateChart {
            title: "Conversion rate per week".into(),
            x_labels: weeks(12),
            lines: vec![
                Line {
                    name: "AI assistants".into(),
                    points: ai_points,
                },
                Line {
                    name: "Search".into(),
                    points: search.iter().map(|v| band(*v)).collect(),
                },
            ],
        }
    }

    fn mention_chart() -> RateChart {
        let line = |name: &str, base: f64, slope: f64| Line {
            name: name.into(),
            points: (0..12).map(|i| band(base + slope * i as f64)).collect(),
        };
        RateChart {
            title: "Share of answers that mention the brand".into(),
            x_labels: weeks(12),
            lines: vec![
                line("ChatGPT", 0.42, 0.01),
                line("Perplexity", 0.55, -0.005),
                line("Gemini", 0.18, 0.012),
            ],
        }
    }

    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
        let info = reader.next_frame(&mut buf).expect("png frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        (info.width, info.height, buf)
    }

    fn has_color(rgb: &[u8], color: RGBColor) -> bool {
        rgb.chunks_exact(3)
            .any(|px| px == [color.0, color.1, color.2])
    }

    #[test]
    fn png_decodes_to_the_requested_size() {
        for (w, h) in [(600, 300), (MIN_WIDTH, MIN_HEIGHT), (1200, 600), (300, 400)] {
            let bytes = render_png(&conversion_chart(), w, h).unwrap();
            let (dw, dh, rgb) = decode(&bytes);
            assert_eq!((dw, dh), (w, h));
            assert_eq!(rgb.len(), (w * h * 3) as usize);
        }
    }

    #[test]
    fn the_image_has_a_white_background_and_each_line_colour() {
        let (_, _, rgb) = decode(&render_png(&mention_chart(), 600, 300).unwrap());
        assert_eq!(&rgb[..3], &[255, 255, 255]);
        for color in &PALETTE[..3] {
            assert!(has_color(&rgb, *color), "{color:?} missing");
        }
    }

    #[test]
    fn different_data_gives_different_images() {
        let a = render_png(&conversion_chart(), 600, 300).unwrap();
        let mut changed = conversion_chart();
        changed.lines[0].points[11] = band(0.08);
        let b = render_png(&changed, 600, 300).unwrap();
        assert_ne!(decode(&a).2, decode(&b).2);
        assert_eq!(
            a,
            render_png(&conversion_chart(), 600, 300).unwrap(),
            "rendering is deterministic"
        );
    }

    /// Whether the line's colour shows in the middle of the plot, between the first and last week.
    fn line_in_the_middle(points: Vec<Option<Band>>) -> bool {
        let line = Line {
            name: "AI".into(),
            points,
        };
        let chart = RateChart {
            title: "Gap".into(),
            x_labels: weeks(3),
            lines: vec![line],
        };
        let (w, _, rgb) = decode(&render_png(&chart, 600, 300).unwrap());
        let middle = (70..260).flat_map(|y| (260..380).map(move |x| (y * w as usize + x) * 3));
        middle
            .into_iter()
            .any(|i| rgb[i..i + 3] == [PALETTE[0].0, PALETTE[0].1, PALETTE[0].2])
    }

    #[test]
    fn a_gap_is_not_drawn_through() {
        assert!(line_in_the_middle(vec![band(0.05), band(0.05), band(0.05)]));
        assert!(!line_in_the_middle(vec![band(0.05), None, band(0.05)]));
        assert!(!line_in_the_middle(vec![
            band(0.05),
            Some(Band {
                value: f64::NAN,
                low: 0.0,
                high: 0.1
            }),
            band(0.05)
        ]));
    }

    #[test]
    fn sizes_outside_the_limits_are_errors() {
        let chart = conversion_chart();
        for (w, h) in [
            (0, 0),
            (MIN_WIDTH - 1, 300),
            (600, MIN_HEIGHT - 1),
            (MAX_SIDE + 1, 300),
            (600, u32::MAX),
        ] {
            assert!(
                matches!(render_png(&chart, w, h), Err(ChartError::Size { .. })),
                "{w}x{h}"
            );
        }
    }

    fn awkward_charts() -> Vec<RateChart> {
        let nan = Band {
            value: f64::NAN,
            low: 0.1,
            high: 0.2,
        };
        let wild = Band {
            value: 7.0,
            low: -3.0,
            high: f64::INFINITY,
        };
        let names = [
            "x".repeat(500),
            "مساعدات الذكاء الاصطناعي \u{202E}evil\u{202C}".into(),
            "bell\u{7}\nnew\tline\u{0}".into(),
            String::new(),
            "🤖 日本語 ".repeat(20),
        ];
        let hostile = names.iter().map(|n| Line {
            name: n.clone(),
            points: vec![band(0.1), None, Some(nan), Some(wild)],
        });
        let chart = |title: &str, labels: Vec<String>, lines: Vec<Line>| RateChart {
            title: title.into(),
            x_labels: labels,
            lines,
        };
        vec![
            chart("", vec![], vec![]),
            chart("No lines", weeks(12), vec![]),
            chart(
                "No labels",
                vec![],
                vec![Line {
                    name: "AI".into(),
                    points: vec![band(0.1)],
                }],
            ),
            chart(
                "All gaps",
                weeks(5),
                vec![Line {
                    name: "AI".into(),
                    points: vec![None; 5],
                }],
            ),
            chart(
                "One point",
                weeks(1),
                vec![Line {
                    name: "AI".into(),
                    points: vec![band(0.2)],
                }],
            ),
            chart(
                "Short and long",
                weeks(6),
                vec![
                    Line {
                        name: "a".into(),
                        points: vec![band(0.1)],
                    },
                    Line {
                        name: "b".into(),
                        points: vec![band(0.2); 40],
                    },
                ],
            ),
            chart(&"Long title ".repeat(40), weeks(200), hostile.collect()),
            chart(
                "Zeros",
                weeks(3),
                vec![Line {
                    name: "z".into(),
                    points: vec![band(0.0); 3],
                }],
            ),
            chart(
                "Full",
                weeks(3),
                vec![Line {
                    name: "f".into(),
                    points: vec![band(1.0); 3],
                }],
            ),
            chart(
                "Many",
                weeks(8),
                (0..30)
                    .map(|i| Line {
                        name: format!("Engine number {i}"),
                        points: vec![band(0.01 * i as f64); 8],
                    })
                    .collect(),
            ),
        ]
    }

    #[test]
    fn awkward_charts_render_at_every_size_without_panicking() {
        for chart in awkward_charts() {
            for (w, h) in [
                (600, 300),
                (MIN_WIDTH, MIN_HEIGHT),
                (101, 300),
                (600, 81),
                (2000, 90),
            ] {
                let bytes = render_png(&chart, w, h)
                    .unwrap_or_else(|e| panic!("{:?} at {w}x{h}: {e}", chart.title));
                assert_eq!(decode(&bytes).0, w);
                let _ = alt_text(&chart);
            }
        }
    }

    #[test]
    fn bands_are_clamped_and_nan_becomes_a_gap() {
        assert_eq!(
            clean_band(Band {
                value: f64::NAN,
                low: 0.0,
                high: 1.0
            }),
            None
        );
        assert_eq!(
            clean_band(Band {
                value: 0.5,
                low: 0.0,
                high: f64::NAN
            }),
            None
        );
        let wild = clean_band(Band {
            value: 2.0,
            low: -1.0,
            high: f64::INFINITY,
        });
        assert_eq!(
            wild,
            Some(Band {
                value: 1.0,
                low: 0.0,
                high: 1.0
            })
        );
        let swapped = clean_band(Band {
            value: 0.2,
            low: 0.3,
            high: 0.1,
        });
        assert_eq!(
            swapped,
            Some(Band {
                value: 0.2,
                low: 0.2,
                high: 0.2
            })
        );
    }

    #[test]
    fn lines_split_into_runs_at_gaps_and_ignore_points_past_the_labels() {
        let mut chart = conversion_chart();
        chart.lines[0].points.push(band(0.5));
        let prepared = prepare(&chart);
        let runs = prepared.series[0].runs();
        let lengths: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(lengths, [5, 6]);
        assert_eq!(runs[1][0].0, 6);
        assert!(
            prepared.max_high() < 0.06,
            "the point past the labels is ignored"
        );
    }

    #[test]
    fn names_lose_control_characters_and_are_shortened() {
        assert_eq!(clean_text("a\u{0}b\n\tc\u{202E}d", 40), "a b c d");
        let long = clean_text(&"é".repeat(100), NAME_CHARS);
        assert_eq!(long.chars().count(), NAME_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(line_name(" \u{7} ", 2), "Line 3");
    }

    #[test]
    fn the_y_axis_reaches_a_little_above_the_highest_interval() {
        let small = y_axis(0.0);
        assert!((small.top - 0.01).abs() < 1e-12);
        let conv = y_axis(0.053);
        assert!(conv.top > 0.053 && conv.top <= 0.08, "{}", conv.top);
        assert_eq!(conv.ticks.first(), Some(&0.0));
        assert!(conv.ticks.len() <= 6);
        let full = y_axis(1.0);
        assert!(full.top >= 1.0 && full.top <= 1.08);
        assert!(full.ticks.iter().all(|t| *t <= 1.0 + 1e-9));
    }

    #[test]
    fn tick_labels_are_percentages_without_trailing_zeros() {
        assert_eq!(tick_label(0.0), "0%");
        assert_eq!(tick_label(0.05), "5%");
        assert_eq!(tick_label(0.025), "2.5%");
        assert_eq!(tick_label(0.0025), "0.25%");
        assert_eq!(tick_label(0.3), "30%");
    }

    #[test]
    fn crowded_x_labels_are_thinned_keeping_the_last_week() {
        let labels = weeks(12);
        assert_eq!(x_keys(&labels, 1000, 60).len(), 12);
        let thinned = x_keys(&labels, 500, 60);
        assert!(thinned.len() < 12 && thinned.len() * 60 <= 500);
        assert_eq!(thinned.last(), Some(&11.0));
        assert!(x_keys(&[], 500, 60).is_empty());
        assert_eq!(x_keys(&labels, 0, 60), [11.0]);
    }

    #[test]
    fn alt_text_names_every_line_with_its_last_value_and_the_gaps() {
        let text = alt_text(&conversion_chart());
        assert!(
            text.starts_with("Conversion rate per week, 12 weeks from 2026-W36 to 2026-W47."),
            "{text}"
        );
        assert!(
            text.contains("AI assistants: 4.1% in the last week (from 2.0% in the first week)."),
            "{text}"
        );
        assert!(text.contains("Search: 3.0% in the last week"), "{text}");
        assert!(
            text.ends_with("Weeks without enough data are left out."),
            "{text}"
        );
        let mentions = alt_text(&mention_chart());
        for name in ["ChatGPT", "Perplexity", "Gemini"] {
            assert!(mentions.contains(name), "{mentions}");
        }
        assert!(!mentions.contains("left out"), "{mentions}");
    }

    #[test]
    fn alt_text_describes_missing_data_and_strips_control_characters() {
        let chart = RateChart {
            title: "Mentions\u{0}".into(),
            x_labels: weeks(4),
            lines: vec![
                Line {
                    name: "Bad\u{7}\u{202E}name\n".into(),
                    points: vec![band(0.1), band(0.2), None, None],
                },
                Line {
                    name: "Empty".into(),
                    points: vec![],
                },
                Line {
                    name: "Once".into(),
                    points: vec![None, None, None, band(0.05)],
                },
            ],
        };
        let text = alt_text(&chart);
        assert!(!text.chars().any(is_unsafe_char), "{text:?}");
        assert!(text.contains("Bad name: 20.0% in 2026-W37, the last week with data (from 10.0% in the first week)."), "{text}");
        assert!(
            text.contains("Empty: not enough data in any week."),
            "{text}"
        );
        assert!(
            text.contains("Once: 5.0% in the last week (the only week with data)."),
            "{text}"
        );
        assert!(text.contains("left out"), "{text}");
        let unlabelled = RateChart {
            title: "T".into(),
            x_labels: vec![String::new(), "\u{7}".into()],
            lines: vec![],
        };
        assert_eq!(alt_text(&unlabelled), "T, 2 weeks from week 1 to week 2.");
        assert_eq!(
            alt_text(&RateChart {
                title: String::new(),
                x_labels: vec![],
                lines: vec![]
            }),
            "Rate chart: no weeks to show."
        );
    }
}
