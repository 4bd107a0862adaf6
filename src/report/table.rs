//! Result tables and their three renderings: an aligned text table for people, CSV and JSON
//! for programs. Untrusted text (referrers, paths) is printed as data: control characters are
//! escaped in the text table, JSON escapes by construction, and CSV quotes what needs quoting
//! and defuses text a spreadsheet would run as a formula (see [`neutralise_formula`]).

use std::fmt::Write as _;

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

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Int(v) => (*v).into(),
            Value::Float(v) => serde_json::Number::from_f64(*v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Text(v) => v.clone().into(),
        }
    }

    fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(v) => v.to_string(),
            Value::Float(v) => format_float(*v),
            Value::Text(v) => v.clone(),
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

    pub fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Table => self.to_text_table(),
            OutputFormat::Csv => self.to_csv(),
            OutputFormat::Json => self.to_json(),
        }
    }

    pub fn to_json(&self) -> String {
        let rows: Vec<serde_json::Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: serde_json::Map<String, serde_json::Value> = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, v)| (c.clone(), v.to_json()))
                    .collect();
                serde_json::Value::Object(object)
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
        text.push('\n');
        text
    }

    /// RFC 4180 CSV with a header row. Text cells (header included) that a spreadsheet would
    /// read as a formula are neutralised; numbers stay numbers (`-3` is not prefixed).
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self
            .columns
            .iter()
            .map(|c| csv_field(&neutralise_formula(c)))
            .collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|v| match v {
                    Value::Text(text) => csv_field(&neutralise_formula(text)),
                    number_or_null => csv_field(&number_or_null.to_text()),
                })
                .collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }

    pub fn to_text_table(&self) -> String {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|v| printable(&v.to_text())).collect())
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &cells {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(cell.chars().count());
                }
            }
        }
        let numeric: Vec<bool> = (0..self.columns.len())
            .map(|i| {
                self.rows.iter().all(|r| {
                    matches!(
                        r.get(i),
                        Some(Value::Int(_) | Value::Float(_) | Value::Null)
                    )
                })
            })
            .collect();
        let mut out = String::new();
        write_row(&mut out, &self.columns, &widths, &vec![false; widths.len()]);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        write_row(&mut out, &rule, &widths, &vec![false; widths.len()]);
        for row in &cells {
            write_row(&mut out, row, &widths, &numeric);
        }
        if self.rows.is_empty() {
            out.push_str("(no rows)\n");
        }
        out
    }
}

fn write_row(out: &mut String, cells: &[String], widths: &[usize], right: &[bool]) {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
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
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Escapes control characters so untrusted text cannot move the cursor or break rows.
fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
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

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
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

    #[test]
    fn text_table_escapes_control_characters() {
        let text = sample().to_text_table();
        assert!(text.contains("a,\"b\"\\n"), "{text}");
        assert_eq!(text.lines().count(), 4);
    }
}
