//! Tracked prompts as SEO staff write them (pure): checking a prompt's text, the key that
//! makes two spellings of one question duplicates, tag and engine lists, and reading an
//! import CSV (header `text,tags,engines`, tags and engines separated by `;` within their
//! cell) with the strict reader in [`rfc4180`]. Errors are [`PromptError`] (one prompt) and
//! [`ImportError`] (a file, naming the line), both the user's to fix.

pub mod rfc4180;

use rfc4180::{CsvError, Record};

use crate::error::{ErrorKind, HasKind};

/// The import file's columns, in order; a header names the first one, two or all three.
pub const IMPORT_COLUMNS: [&str; 3] = ["text", "tags", "engines"];

/// Longest prompt accepted (characters).
pub const MAX_PROMPT_CHARS: usize = 2000;
/// Most tags per prompt.
const MAX_TAGS: usize = 20;

/// Why a prompt, its tags or its engines are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error("the prompt is empty")]
    Empty,
    #[error("the prompt contains control characters")]
    ControlCharacters,
    #[error("the prompt has {chars} characters; at most {MAX_PROMPT_CHARS}")]
    TooLong { chars: usize },
    #[error("tag {0:?} may not contain commas")]
    BadTag(String),
    #[error("at most {MAX_TAGS} tags per prompt")]
    TooManyTags,
    /// An engine that is not configured; the message lists the configured ones.
    #[error(transparent)]
    UnknownEngine(#[from] crate::config::UnknownName),
}

impl HasKind for PromptError {
    fn kind(&self) -> ErrorKind {
        match self {
            PromptError::UnknownEngine(err) => err.kind(),
            _ => ErrorKind::Usage,
        }
    }
}

/// Why an import file is refused; every message starts with `line N: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("line 1: no header; the first line must be {:?}", IMPORT_COLUMNS.join(","))]
    NoHeader,
    #[error(
        "line {line}: the first line must be the header {:?} (or \"text\", or \"text,tags\"); \
         found {found:?}",
        IMPORT_COLUMNS.join(",")
    )]
    BadHeader { line: usize, found: String },
    #[error(
        "line {line}: {found} fields, but the header has {columns} ({}); quote a field that \
         contains a comma",
        IMPORT_COLUMNS[..*columns].join(",")
    )]
    FieldCount {
        line: usize,
        found: usize,
        columns: usize,
    },
    #[error("line {line}: {source}")]
    Prompt { line: usize, source: PromptError },
}

impl HasKind for ImportError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// A prompt to add: its text, tags and the engines it is limited to (empty = every engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrompt {
    pub text: String,
    pub tags: Vec<String>,
    pub engines: Vec<String>,
}

/// The prompt text as stored: trimmed, inner whitespace runs kept as one space.
pub fn clean_text(text: &str) -> Result<String, PromptError> {
    let cleaned = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(PromptError::Empty);
    }
    if cleaned.chars().any(char::is_control) {
        return Err(PromptError::ControlCharacters);
    }
    let chars = cleaned.chars().count();
    if chars > MAX_PROMPT_CHARS {
        return Err(PromptError::TooLong { chars });
    }
    Ok(cleaned)
}

/// The duplicate key: the cleaned text in lowercase, trailing `?`/`.`/`!` dropped, so "Best
/// CRM?" and "best crm" are one prompt.
pub fn text_key(cleaned: &str) -> String {
    cleaned
        .to_lowercase()
        .trim_end_matches(['?', '.', '!', ' '])
        .to_string()
}

/// Tags: trimmed, lowercase, deduplicated, no empty ones, none containing a comma.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, PromptError> {
    let mut cleaned: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(',') || tag.chars().any(char::is_control) {
            return Err(PromptError::BadTag(tag));
        }
        if !cleaned.contains(&tag) {
            cleaned.push(tag);
        }
    }
    if cleaned.len() > MAX_TAGS {
        return Err(PromptError::TooManyTags);
    }
    Ok(cleaned)
}

/// Engine names: each must be one of `known` (the configured engines).
pub fn check_engines(engines: &[String], known: &[&str]) -> Result<Vec<String>, PromptError> {
    let mut checked: Vec<String> = Vec::new();
    for engine in engines.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        crate::config::names::check_engine(known, engine)?;
        if !checked.iter().any(|e| e == engine) {
            checked.push(engine.to_string());
        }
    }
    Ok(checked)
}

/// Splits a stored comma-separated list.
pub fn split_list(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads an import CSV: its first line is the header `text,tags,engines` (or `text`, or
/// `text,tags`; any case, cells trimmed), then one prompt per line with exactly the header's
/// number of fields (`;` separates several tags or engines). Blank lines are skipped. The
/// whole file is checked before anything is returned; an error names the line where the bad
/// record starts (`line N: …`).
pub fn read_csv(bytes: &[u8], known_engines: &[&str]) -> Result<Vec<NewPrompt>, ImportError> {
    let records = rfc4180::parse(bytes)?;
    let mut records = records.into_iter().filter(|r| !r.is_blank());
    let header = records.next().ok_or(ImportError::NoHeader)?;
    let columns = check_header(&header)?;
    records
        .map(|record| {
            if record.fields.len() != columns {
                return Err(ImportError::FieldCount {
                    line: record.line,
                    found: record.fields.len(),
                    columns,
                });
            }
            prompt_of(&record, known_engines).map_err(|source| ImportError::Prompt {
                line: record.line,
                source,
            })
        })
        .collect()
}

/// The number of columns the header declares.
fn check_header(header: &Record) -> Result<usize, ImportError> {
    let names: Vec<String> = header
        .fields
        .iter()
        .map(|f| f.trim().to_lowercase())
        .collect();
    if !names.is_empty()
        && names.len() <= IMPORT_COLUMNS.len()
        && names == IMPORT_COLUMNS[..names.len()]
    {
        return Ok(names.len());
    }
    let found = header.fields.join(",");
    Err(ImportError::BadHeader {
        line: header.line,
        found: crate::classify::cap(&found, 80).to_string(),
    })
}

/// The prompt of a data record whose field count matches the header.
fn prompt_of(record: &Record, known_engines: &[&str]) -> Result<NewPrompt, PromptError> {
    let cell = |i: usize| record.fields.get(i).map_or("", |f| f.trim());
    let list = |i: usize| cell(i).split(';').map(str::to_string).collect::<Vec<_>>();
    Ok(NewPrompt {
        text: clean_text(cell(0))?,
        tags: clean_tags(&list(1))?,
        engines: check_engines(&list(2), known_engines)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cleaned_and_keyed() {
        let text = clean_text("  Best   web\tanalytics for shops?  ").unwrap();
        assert_eq!(text, "Best web analytics for shops?");
        assert_eq!(text_key(&text), "best web analytics for shops");
        assert_eq!(text_key("BEST web analytics for shops"), text_key(&text));
        assert!(clean_text("   ").is_err());
        assert!(clean_text(&"x".repeat(MAX_PROMPT_CHARS + 1)).is_err());
    }

    #[test]
    fn tags_are_lowercase_and_unique() {
        let tags = clean_tags(&[
            "Pricing".into(),
            " pricing ".into(),
            "".into(),
            "brand".into(),
        ]);
        assert_eq!(tags.unwrap(), ["pricing", "brand"]);
        assert!(clean_tags(&["a,b".into()]).is_err());
    }

    #[test]
    fn engines_must_be_configured() {
        let known = ["gpt", "claude"];
        assert_eq!(
            check_engines(&["gpt".into(), "gpt".into()], &known).unwrap(),
            ["gpt"]
        );
        let err = check_engines(&["gemini".into()], &known)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("gemini") && err.contains("gpt, claude"),
            "{err}"
        );
    }

    #[test]
    fn csv_rows_with_header_quotes_and_lists() {
        let csv = "Text, Tags ,ENGINES\r\n\
                   \"Best CRM, for startups?\",crm;startup,gpt\r\n\
                   Which analytics tool respects privacy?,,\r\n\
                   \r\n\
                   ,,\r\n\
                   \"Acme vs \"\"Globex\"\"\",,gpt;claude\r\n";
        let prompts = read_csv(csv.as_bytes(), &["gpt", "claude"]).unwrap();
        assert_eq!(prompts.len(), 3);
        assert_eq!(prompts[0].text, "Best CRM, for startups?");
        assert_eq!(prompts[0].tags, ["crm", "startup"]);
        assert_eq!(prompts[0].engines, ["gpt"]);
        assert!(prompts[1].tags.is_empty() && prompts[1].engines.is_empty());
        assert_eq!(prompts[2].text, "Acme vs \"Globex\"");
        assert_eq!(prompts[2].engines, ["gpt", "claude"]);
    }

    #[test]
    fn the_header_may_name_fewer_columns_but_rows_must_match_it() {
        let prompts = read_csv(b"text\nBest CRM?\n\"A, B or C?\"\n", &[]).unwrap();
        assert_eq!(prompts[1].text, "A, B or C?");
        let prompts = read_csv(b" TEXT , tags \nBest CRM?,crm\n", &[]).unwrap();
        assert_eq!(prompts[0].tags, ["crm"]);
        // An unquoted comma makes a second field the header does not have.
        let err = read_csv(b"text\nok\nBest CRM, for startups?\n", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "line 3: 2 fields, but the header has 1 (text); quote a field that contains a comma"
        );
        let err = read_csv(b"text,tags,engines\na,b\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("line 2: 2 fields, but the header has 3"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_or_wrong_header_is_refused() {
        for (csv, line, found) in [
            ("Best CRM?,crm\n", 1, "Best CRM?,crm"),
            ("tags,text\nx,y\n", 1, "tags,text"),
            ("text,engines\nx,gpt\n", 1, "text,engines"),
            ("text,tags,engines,extra\n", 1, "text,tags,engines,extra"),
            ("\n\nprompt\n", 3, "prompt"),
        ] {
            let err = read_csv(csv.as_bytes(), &["gpt"]).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!(
                    "line {line}: the first line must be the header \"text,tags,engines\""
                )) && err.ends_with(&format!("found {found:?}")),
                "{csv:?}: {err}"
            );
        }
        let err = read_csv(b"", &[]).unwrap_err().to_string();
        assert!(err.starts_with("line 1: no header"), "{err}");
    }

    #[test]
    fn malformed_csv_is_refused_with_the_line_of_the_bad_record() {
        // Lenient readers merge everything after an unterminated quote into one prompt.
        let err = read_csv(b"text\nfirst\n\"second\nthird\nfourth\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("line 3: a quoted field is never closed"),
            "{err}"
        );
        let err = read_csv(b"text,tags\n\"a\"b,x\n", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("line 2: text after a closing quote"),
            "{err}"
        );
    }

    #[test]
    fn csv_errors_name_the_line() {
        let err = read_csv(b"text,tags\nok prompt,\n\n\"\",x\n", &[])
            .unwrap_err()
            .to_string();
        assert_eq!(err, "line 4: the prompt is empty");
        let err = read_csv(b"text,tags,engines\na,b,nope\n", &["gpt"])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 2:") && err.contains("nope"), "{err}");
        // A record spanning lines is named by its first line.
        let err = read_csv(b"text,tags\n\"multi\nline\",a\nx,\"b,c\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 4: tag \"b,c\""), "{err}");
    }
}
