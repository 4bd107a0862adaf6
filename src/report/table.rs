//! Result tables and their three renderings: an aligned text table for people, CSV and JSON
//! for programs. Untrusted text (referrers, paths) is printed as data: control characters are
//! escaped in the text table, JSON escapes by construction, and CSV quotes what needs quoting
//! and defuses text a spreadsheet would run as a formula (see [`neutralise_formula`]).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// One cell of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

impl Value {
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            Value::Float(v) => Some(*v as i64),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    /// Appends the value as text: nothing for null, numbers as [`format_float`] writes them.
    fn push_text(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Value::Float(v) => out.push_str(&format_float(*v)),
            Value::Text(v) => out.push_str(v),
        }
    }
}

fn format_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        let text = format!("{v:.6}");
        text.trim_end_matches('0').to_string()
    }
}

/// A query result: named columns and rows of values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

/// How to print a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV with a header row; a text cell beginning with `=`, `+`, `-`, `@`, tab or
    /// carriage return is prefixed with `'` so that a spreadsheet shows it as text.
    Csv,
    /// A JSON array of objects keyed by column name.
    Json,
}

impl Table {
    /// Index of the named column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The named columns only, in the order given (names the table lacks are skipped).
    pub fn select(&self, names: &[&str]) -> Table {
        let indexes: Vec<usize> = names.iter().filter_map(|n| self.column(n)).collect();
        Table {
            columns: indexes.iter().map(|&i| self.columns[i].clone()).collect(),
            rows: self
                .rows
                .iter()
                .map(|row| {
                    indexes
                        .iter()
                        .map(|&i| row.get(i).cloned().unwrap_or(Value::Null))
                        .collect()
                })
                .collect(),
        }
    }

    /// Moves the column `name` (and its cells) to the end; no-op when there is none.
    pub fn move_to_end(&mut self, name: &str) {
        let Some(index) = self.column(name) else {
            return;
        };
        let column = self.columns.remove(index);
        self.columns.push(column);
        for row in &mut self.rows {
            if index < row.len() {
                let cell = row.remove(index);
                row.push(cell);
            }
        }
    }

    /// The table rendered in `format`, as text (see [`Table::write_to`]).
    pub fn render(&self, format: OutputFormat) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail; the renderings write UTF-8 only.
        let _ = self.write_to(format, &mut out);
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into())
    }

    /// Writes the table in `format` to `out`, row by row: the rows are read where they are,
    /// never copied whole (the text table reads them twice, to measure the columns first).
    pub fn write_to(&self, format: OutputFormat, out: &mut impl Write) -> io::Result<()> {
        match format {
            OutputFormat::Table => self.write_text_table(out),
            OutputFormat::Csv => self.write_csv(out),
            OutputFormat::Json => self.write_json(out),
        }
    }

    pub fn to_json(&self) -> String {
        self.render(OutputFormat::Json)
    }

    /// RFC 4180 CSV with a header row. Text cells (header included) that a spreadsheet would
    /// read as a formula are neutralised; numbers stay numbers (`-3` is not prefixed).
    pub fn to_csv(&self) -> String {
        self.render(OutputFormat::Csv)
    }

    pub fn to_text_table(&self) -> String {
        self.render(OutputFormat::Table)
    }

    /// A JSON array of objects, pretty-printed, then a newline. Each object's keys are the
    /// column names in sorted order (a repeated name keeps its last cell), as a JSON map
    /// orders them.
    fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        let mut keys: Vec<usize> = (0..self.columns.len()).collect();
        keys.sort_by(|a, b| self.columns[*a].cmp(&self.columns[*b]).then(b.cmp(a)));
        let rows = JsonRows { table: self, keys };
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        out.write_all(b"\n")
    }

    fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let mut line = String::new();
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            push_csv_field(&mut line, &neutralise_formula(column));
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
        let mut number = String::new();
        for row in &self.rows {
            line.clear();
            for (i, value) in row.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                match value {
                    Value::Text(text) => push_csv_field(&mut line, &neutralise_formula(text)),
                    number_or_null => {
                        number.clear();
                        number_or_null.push_text(&mut number);
                        push_csv_field(&mut line, &number);
                    }
                }
            }
            line.push_str("\r\n");
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// Aligned columns: numbers (columns of numbers and nulls only) to the right, control
    /// characters escaped, a rule under the header, `(no rows)` for an empty table.
    fn write_text_table(&self, out: &mut impl Write) -> io::Result<()> {
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        let mut numeric = vec![true; self.columns.len()];
        let mut cell = String::new();
        for row in &self.rows {
            for (i, width) in widths.iter_mut().enumerate() {
                match row.get(i) {
                    Some(value) => {
                        cell.clear();
                        push_printable(&mut cell, value);
                        *width = (*width).max(cell.chars().count());
                        numeric[i] &= !matches!(value, Value::Text(_));
                    }
                    None => numeric[i] = false,
                }
            }
        }
        let left = vec![false; widths.len()];
        let mut line = String::new();
        write_row(out, &mut line, &widths, &left, |i, cell| {
            let Some(name) = self.columns.get(i) else {
                return false;
            };
            cell.push_str(name);
            true
        })?;
        write_row(out, &mut line, &widths, &left, |i, cell| {
            let Some(width) = widths.get(i) else {
                return false;
            };
            cell.extend(std::iter::repeat_n('-', *width));
            true
        })?;
        for row in &self.rows {
            write_row(out, &mut line, &widths, &numeric, |i, cell| {
                let Some(value) = row.get(i) else {
                    return false;
                };
                push_printable(cell, value);
                true
            })?;
        }
        if self.rows.is_empty() {
            out.write_all(b"(no rows)\n")?;
        }
        Ok(())
    }
}

/// Writes one line of the text table: cell `i` is what `fill(i, cell)` puts in the empty
/// `cell` (it returns false after the last one), padded to `widths[i]` (to the right where
/// `right[i]`), two spaces apart, trailing spaces dropped. `line` is scratch space.
fn write_row(
    out: &mut impl Write,
    line: &mut String,
    widths: &[usize],
    right: &[bool],
    mut fill: impl FnMut(usize, &mut String) -> bool,
) -> io::Result<()> {
    line.clear();
    let mut cell = String::new();
    for i in 0.. {
        cell.clear();
        if !fill(i, &mut cell) {
            break;
        }
        let width = widths.get(i).copied().unwrap_or(0);
        if i > 0 {
            line.push_str("  ");
        }
        if right.get(i).copied().unwrap_or(false) {
            let _ = write!(line, "{cell:>width$}");
        } else {
            let _ = write!(line, "{cell:<width$}");
        }
    }
    let kept = line.trim_end().len();
    line.truncate(kept);
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// The rows of a table as a JSON array, serialised as they are read.
struct JsonRows<'a> {
    table: &'a Table,
    /// Column indexes by name, each name's last index first.
    keys: Vec<usize>,
}

impl Serialize for JsonRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.table.rows.len()))?;
        for row in &self.table.rows {
            seq.serialize_element(&JsonRow {
                columns: &self.table.columns,
                keys: &self.keys,
                row,
            })?;
        }
        seq.end()
    }
}

/// One row as a JSON object: for each column name (sorted), the cell of its last column that
/// the row has.
struct JsonRow<'a> {
    columns: &'a [String],
    keys: &'a [usize],
    row: &'a [Value],
}

impl JsonRow<'_> {
    fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        let mut previous: Option<&str> = None;
        self.keys.iter().filter_map(move |&i| {
            let name = self.columns[i].as_str();
            let value = self.row.get(i)?;
            if previous == Some(name) {
                return None;
            }
            previous = Some(name);
            Some((name, value))
        })
    }
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries().count()))?;
        for (name, value) in self.entries() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Serialize for Value {
    /// Null, a number or a string; a float that is not finite is null.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Int(v) => serializer.serialize_i64(*v),
            Value::Float(v) if v.is_finite() => serializer.serialize_f64(*v),
            Value::Float(_) => serializer.serialize_unit(),
            Value::Text(v) => serializer.serialize_str(v),
        }
    }
}

/// Appends the cell as the text table shows it.
fn push_printable(out: &mut String, value: &Value) {
    match value {
        Value::Text(text) => {
            for c in text.chars() {
                if c.is_control() {
                    out.extend(c.escape_default());
                } else {
                    out.push(c);
                }
            }
        }
        other => other.push_text(out),
    }
}

/// Text that a spreadsheet would evaluate (it begins with `=`, `+`, `-`, `@`, tab or carriage
/// return: OWASP's CSV injection rule) with a single quote put in front, so that
/// `=HYPERLINK(…)` from a log or a prompt is shown as text, not run. Other text is unchanged.
pub fn neutralise_formula(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Appends `text` as one CSV field, quoted when it holds a comma, a quote or a line break.
fn push_csv_field(out: &mut String, text: &str) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            columns: vec!["channel".into(), "sessions".into(), "rate".into()],
            rows: vec![
                vec![
                    Value::Text("ai_assistant".into()),
                    Value::Int(12),
                    Value::Float(0.25),
                ],
                vec![Value::Text("a,\"b\"\n".into()), Value::Int(3), Value::Null],
            ],
        }
    }

    #[test]
    fn a_column_moves_to_the_end_with_its_cells() {
        let mut table = sample();
        table.move_to_end("channel");
        assert_eq!(table.columns, ["sessions", "rate", "channel"]);
        assert_eq!(
            table.rows[0],
            [
                Value::Int(12),
                Value::Float(0.25),
                Value::Text("ai_assistant".into())
            ]
        );
        let before = table.clone();
        table.move_to_end("missing");
        assert_eq!(table, before);
    }

    #[test]
    fn select_keeps_the_named_columns_in_the_order_given() {
        let picked = sample().select(&["rate", "missing", "channel"]);
        assert_eq!(picked.columns, ["rate", "channel"]);
        assert_eq!(
            picked.rows[1],
            [Value::Null, Value::Text("a,\"b\"\n".into())]
        );
    }

    #[test]
    fn json_is_an_array_of_objects() {
        let parsed: serde_json::Value = serde_json::from_str(&sample().to_json()).unwrap();
        assert_eq!(parsed[0]["channel"], "ai_assistant");
        assert_eq!(parsed[0]["sessions"], 12);
        assert_eq!(parsed[0]["rate"], 0.25);
        assert!(parsed[1]["rate"].is_null());
    }

    #[test]
    fn csv_quotes_special_characters() {
        let csv = sample().to_csv();
        assert!(csv.starts_with("channel,sessions,rate\r\n"));
        assert!(csv.contains("\"a,\"\"b\"\"\n\",3,\r\n"), "{csv:?}");
    }

    #[test]
    fn csv_neutralises_text_that_starts_a_formula() {
        for (text, shown) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("x=1", "x=1"),
            (" =1", " =1"),
            ("'quoted", "'quoted"),
            ("", ""),
        ] {
            assert_eq!(neutralise_formula(text), shown, "{text:?}");
        }
        let table = Table {
            columns: vec!["=col".into(), "n".into(), "x".into()],
            rows: vec![
                vec![
                    Value::Text("=HYPERLINK(\"http://x\",\"y\")".into()),
                    Value::Int(-3),
                    Value::Float(-0.5),
                ],
                vec![
                    Value::Text("=cmd|'/c calc'!A0".into()),
                    Value::Int(4),
                    Value::Null,
                ],
                vec![
                    Value::Text("\r=1+1\n".into()),
                    Value::Int(0),
                    Value::Float(1.5),
                ],
            ],
        };
        let csv = table.to_csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "'=col,n,x");
        // Quoted as before, the quote mark inside the quotes; negative numbers untouched.
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-3,-0.5"
        );
        assert_eq!(lines[2], "'=cmd|'/c calc'!A0,4,");
        assert_eq!(lines[3], "\"'\r=1+1\n\",0,1.5");
        // JSON and the text table keep the text as it is.
        let json: serde_json::Value = serde_json::from_str(&table.to_json()).unwrap();
        assert_eq!(json[0]["=col"], "=HYPERLINK(\"http://x\",\"y\")");
        assert!(table.to_text_table().contains("=HYPERLINK"));
        assert!(!table.to_text_table().contains("'="));
    }

    /// The streamed JSON is what serde_json prints for the same rows built as maps (keys in
    /// sorted order, a repeated column name keeping its last cell, non-finite floats null).
    #[test]
    fn streamed_json_matches_serde_json_maps() {
        let table = Table {
            columns: vec!["b".into(), "a".into(), "b".into(), "c".into()],
            rows: vec![
                vec![
                    Value::Int(1),
                    Value::Text("x\"\n\u{1}".into()),
                    Value::Float(0.5),
                    Value::Float(f64::NAN),
                ],
                vec![Value::Null, Value::Float(f64::INFINITY)],
                vec![Value::Int(-7), Value::Int(2), Value::Text("=1".into())],
            ],
        };
        let expected: Vec<serde_json::Value> = table
            .rows
            .iter()
            .map(|row| {
                let object: serde_json::Map<String, serde_json::Value> = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.clone(), serde_json::to_value(v).unwrap()))
                    .collect();
                serde_json::Value::Object(object)
            })
            .collect();
        let expected = format!("{}\n", serde_json::to_string_pretty(&expected).unwrap());
        assert_eq!(table.to_json(), expected);
        let parsed: serde_json::Value = serde_json::from_str(&table.to_json()).unwrap();
        assert_eq!(parsed[0]["b"], 0.5);
        assert!(parsed[0]["c"].is_null());
        assert_eq!(parsed[1]["b"], serde_json::Value::Null);
        assert!(parsed[1].get("c").is_none());
        assert_eq!(parsed[2]["b"], "=1");
        let empty = Table {
            columns: vec!["a".into()],
            rows: Vec::new(),
        };
        assert_eq!(empty.to_json(), "[]\n");
    }

    #[test]
    fn text_table_aligns_numbers_right_and_marks_an_empty_table() {
        let text = sample().to_text_table();
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "channel       sessions  rate",
                "------------  --------  ----",
                "ai_assistant        12  0.25",
                "a,\"b\"\\n              3",
            ]
        );
        let empty = Table {
            columns: vec!["n".into()],
            rows: Vec::new(),
        };
        assert_eq!(empty.to_text_table(), "n\n-\n(no rows)\n");
    }

    #[test]
    fn text_table_escapes_control_characters() {
        let text = sample().to_text_table();
        assert!(text.contains("a,\"b\"\\n"), "{text}");
        assert_eq!(text.lines().count(), 4);
    }
}
