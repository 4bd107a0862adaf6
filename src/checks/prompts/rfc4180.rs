//! A strict RFC 4180 CSV reader for prompt import files (pure). The `csv` crate is lenient: an
//! unterminated quote swallows the rest of the file into one field, and text after a closing
//! quote is glued on. Here both are errors, as is a quote inside an unquoted field and a
//! carriage return without its line feed, each naming the physical line (1-based) where the
//! bad record starts. Records end with CRLF or LF; quoted fields may hold commas, line breaks
//! and doubled quotes (`""`). A leading UTF-8 byte order mark is skipped.

/// One record: the line it starts on and its fields, as written (not trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based physical line of the record's first character.
    pub line: usize,
    pub fields: Vec<String>,
}

impl Record {
    /// Whether every field is empty or whitespace (a blank line, or `,,`).
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Why the text is not well-formed CSV; `line` is where the bad record starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("line {line}: not UTF-8 text (save the file as UTF-8)")]
    NotUtf8 { line: usize },
    #[error("line {line}: a quoted field is never closed (a closing \" is missing)")]
    Unterminated { line: usize },
    #[error(
        "line {line}: text after a closing quote (write a quote inside a quoted field as \"\")"
    )]
    TextAfterQuote { line: usize },
    #[error(
        "line {line}: a quote inside an unquoted field (quote the whole field, with no space \
         before the opening quote, and write a quote inside it as \"\")"
    )]
    QuoteInUnquotedField { line: usize },
    #[error("line {line}: a carriage return without a line feed")]
    BareCarriageReturn { line: usize },
}

/// Reads every record of `bytes`. A final line break does not start another record; an
/// empty line is a record with one empty field.
pub fn parse(bytes: &[u8]) -> Result<Vec<Record>, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|err| CsvError::NotUtf8 {
        line: line_of(&bytes[..err.valid_up_to()]),
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut chars = text.chars().peekable();
    let mut line = 1;
    let mut records = Vec::new();
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        loop {
            let mut field = String::new();
            if chars.next_if_eq(&'"').is_some() {
                loop {
                    match chars.next() {
                        None => return Err(CsvError::Unterminated { line: start }),
                        Some('"') if chars.next_if_eq(&'"').is_some() => field.push('"'),
                        Some('"') => break,
                        Some(c) => {
                            line += usize::from(c == '\n');
                            field.push(c);
                        }
                    }
                }
                if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                    return Err(CsvError::TextAfterQuote { line: start });
                }
            } else {
                while let Some(c) = chars.next_if(|c| !matches!(c, ',' | '\n' | '\r')) {
                    if c == '"' {
                        return Err(CsvError::QuoteInUnquotedField { line: start });
                    }
                    field.push(c);
                }
            }
            fields.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') if chars.next_if_eq(&'\n').is_none() => {
                    return Err(CsvError::BareCarriageReturn { line: start });
                }
                Some(_) => line += 1,
                None => {}
            }
            break;
        }
        records.push(Record {
            line: start,
            fields,
        });
    }
    Ok(records)
}

/// The 1-based line at the end of `bytes`.
fn line_of(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, fields) of each record.
    fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
        parse(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| (r.line, r.fields))
            .collect()
    }

    fn record(line: usize, fields: &[&str]) -> (usize, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn records_fields_and_their_lines() {
        assert_eq!(
            fields("text,tags\r\n\"a, \"\"b\"\"\nc\",x\n\nlast,"),
            [
                record(1, &["text", "tags"]),
                record(2, &["a, \"b\"\nc", "x"]),
                record(4, &[""]),
                record(5, &["last", ""]),
            ]
        );
        assert_eq!(fields(""), []);
        assert_eq!(fields("a\n"), [record(1, &["a"])]);
        assert_eq!(
            fields("\u{feff}text\n\"\"\n"),
            [record(1, &["text"]), record(2, &[""])]
        );
        assert!(parse(b",,\n").unwrap()[0].is_blank());
        assert!(!parse(b",x,\n").unwrap()[0].is_blank());
    }

    #[test]
    fn an_unterminated_quote_is_refused_at_its_record() {
        let text = "text\nfine\n\"Best CRM,\nfor startups?\nnext row\n";
        assert_eq!(
            parse(text.as_bytes()),
            Err(CsvError::Unterminated { line: 3 })
        );
    }

    #[test]
    fn text_after_a_closing_quote_is_refused() {
        let text = "text\n\"multi\nline\" here\n";
        assert_eq!(
            parse(text.as_bytes()),
            Err(CsvError::TextAfterQuote { line: 2 })
        );
        assert_eq!(
            parse(b"\"a\"\"\"b\n"),
            Err(CsvError::TextAfterQuote { line: 1 })
        );
    }

    #[test]
    fn stray_quotes_and_carriage_returns_are_refused() {
        assert_eq!(
            parse(b"text\nsay \"hi\"\n"),
            Err(CsvError::QuoteInUnquotedField { line: 2 })
        );
        assert_eq!(
            parse(b"a, \"b\"\n"),
            Err(CsvError::QuoteInUnquotedField { line: 1 })
        );
        assert_eq!(
            parse(b"a\rb\n"),
            Err(CsvError::BareCarriageReturn { line: 1 })
        );
        // Inside quotes, a carriage return is data.
        assert_eq!(fields("\"a\rb\"\n"), [record(1, &["a\rb"])]);
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        assert_eq!(
            parse(b"text\nok\nbad \xff\n"),
            Err(CsvError::NotUtf8 { line: 3 })
        );
    }
}
