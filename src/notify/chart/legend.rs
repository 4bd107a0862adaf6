//! The legend: one swatch and name per line, in centred rows under the title, ending in
//! "+N more" when they do not fit.

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::*;
use super::*;

/// One legend entry: the series it stands for (`None` for the "+N more" note), its shown
/// name and its width in pixels including the swatch.
pub(super) struct Entry {
    pub(super) series: Option<usize>,
    pub(super) name: String,
    pub(super) width: i32,
}

pub(super) fn row_width(row: &[Entry], layout: &Layout) -> i32 {
    let gaps = entry_gap(layout) * (row.len() as i32 - 1).max(0);
    row.iter().map(|e| e.width).sum::<i32>() + gaps
}

pub(super) fn swatch_width(layout: &Layout) -> i32 {
    layout.px(24.0)
}

pub(super) fn entry_gap(layout: &Layout) -> i32 {
    layout.px(18.0)
}

/// The legend in centred rows from `top`; returns the y where the space below it starts.
pub(super) fn draw_legend(
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

pub(super) fn draw_legend_row(
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
pub(super) fn draw_swatch(
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
pub(super) fn draw_marker(
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
pub(super) fn legend_rows(
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
pub(super) fn more_note(
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

pub(super) fn line_width(layout: &Layout) -> u32 {
    layout.px(2.0).max(1) as u32
}

pub(super) fn marker_radius(layout: &Layout) -> i32 {
    layout.px(3.0).max(2)
}
