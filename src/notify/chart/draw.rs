//! Drawing a prepared chart into an RGB buffer and encoding it as PNG: the layout scaled
//! from a 480×240 chart, text placed glyph by glyph, the title, the plot area and the series
//! (interval bands, lines split at gaps, markers).

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::*;
use super::legend::*;
use super::*;

pub(super) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
pub(super) type Plot<'a> = DrawingArea<BitMapBackend<'a>, Cartesian2d<KeyedAxis, KeyedAxis>>;
pub(super) type Chart<'c, 'a> =
    ChartContext<'c, BitMapBackend<'a>, Cartesian2d<KeyedAxis, KeyedAxis>>;

pub(super) fn draw_err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

pub(super) fn encode_err(e: png::EncodingError) -> ChartError {
    ChartError::Encode(e.to_string())
}

pub(super) fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
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
pub(super) struct Layout {
    pub(super) scale: f64,
}

impl Layout {
    pub(super) fn new(width: u32, height: u32) -> Self {
        let scale = (f64::from(width) / 480.0).min(f64::from(height) / 240.0);
        Layout {
            scale: scale.clamp(0.7, 3.0),
        }
    }

    pub(super) fn px(&self, v: f64) -> i32 {
        (v * self.scale).round() as i32
    }

    /// `size` pixels scaled, rounded to an even size: plotters puts the baseline half the size
    /// below the glyph's y and truncates, so odd sizes put some glyphs a pixel off the line.
    pub(super) fn text(&self, size: f64, color: &RGBColor) -> TextStyle<'static> {
        let even = (size * self.scale / 2.0).round().max(4.0) * 2.0;
        (FONT, even).into_font().color(color)
    }
}

pub(super) fn pixels(v: u32) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// Draws everything into a fresh white RGB buffer.
pub(super) fn draw_rgb(p: &Prepared, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
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

pub(super) fn text_width(root: &Area, text: &str, style: &TextStyle) -> Result<i32, ChartError> {
    let (w, _) = root.estimate_text_size(text, style).map_err(draw_err)?;
    Ok(pixels(w))
}

pub(super) fn widest(root: &Area, texts: &[String], style: &TextStyle) -> Result<i32, ChartError> {
    texts
        .iter()
        .try_fold(0, |acc, t| Ok(acc.max(text_width(root, t, style)?)))
}

/// `text`, shortened with an ellipsis until it is at most `max_width` pixels wide.
pub(super) fn fit_text(
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
pub(super) const SUBPIXEL: f64 = 8.0;

/// Each character's pen position from the start of `text`, and the text's advance width.
pub(super) fn pen_positions(
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
pub(super) fn draw_label(
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
pub(super) fn draw_title(root: &Area, title: &str, layout: &Layout) -> Result<i32, ChartError> {
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

/// Axes, grid, bands, lines, markers and axis labels in `area`.
pub(super) fn draw_plot(
    root: &Area,
    area: &Area,
    p: &Prepared,
    layout: &Layout,
) -> Result<(), ChartError> {
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
pub(super) fn build_chart<'c, 'a>(
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

pub(super) fn draw_y_labels(
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
pub(super) fn draw_x_labels(
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
pub(super) fn draw_series(
    root: &Area,
    plot: &Plot,
    p: &Prepared,
    layout: &Layout,
) -> Result<(), ChartError> {
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
pub(super) fn draw_band(
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
pub(super) fn band_outline(run: &[(usize, Band)]) -> Vec<(f64, f64)> {
    let highs = run.iter().map(|(x, b)| (*x as f64, b.high));
    let lows = run.iter().rev().map(|(x, b)| (*x as f64, b.low));
    highs.chain(lows).collect()
}
