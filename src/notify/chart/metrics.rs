//! Just enough of the shipped TrueType font to place glyphs: its height (which plotters'
//! sizes are in), and each glyph's left side bearing, found through the Unicode BMP `cmap`.
//! Anything unreadable counts as a zero bearing.

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
