//! Tracked prompts as SEO staff write them (pure): checking a prompt's text, the key that
//! makes two spellings of one question duplicates, tag and engine lists, and reading an
//! import CSV (`text,tags,engines`, tags and engines separated by `;` within their cell).

use std::io::Read;

/// Longest prompt accepted (characters).
pub const MAX_PROMPT_CHARS: usize = 2000;
/// Most tags per prompt.
const MAX_TAGS: usize = 20;

/// A prompt to add: its text, tags and the engines it is limited to (empty = every engine).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrompt {
    pub text: String,
    pub tags: Vec<String>,
    pub engines: Vec<String>,
}

/// The prompt text as stored: trimmed, inner whitespace runs kept as one space. Errors say
/// what is wrong.
pub fn clean_text(text: &str) -> Result<String, String> {
    let cleaned = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err("the prompt is empty".into());
    }
    if cleaned.chars().any(char::is_control) {
        return Err("the prompt contains control characters".into());
    }
    let chars = cleaned.chars().count();
    if chars > MAX_PROMPT_CHARS {
        return Err(format!(
            "the prompt has {chars} characters; at most {MAX_PROMPT_CHARS}"
        ));
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
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut cleaned: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.contains(',') || tag.chars().any(char::is_control) {
            return Err(format!("tag {tag:?} may not contain commas"));
        }
        if !cleaned.contains(&tag) {
            cleaned.push(tag);
        }
    }
    if cleaned.len() > MAX_TAGS {
        return Err(format!("at most {MAX_TAGS} tags per prompt"));
    }
    Ok(cleaned)
}

/// Engine names: each must be one of `known` (the configured engines).
pub fn check_engines(engines: &[String], known: &[&str]) -> Result<Vec<String>, String> {
    let mut checked: Vec<String> = Vec::new();
    for engine in engines.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
        if !known.contains(&engine) {
            let list = if known.is_empty() {
                "none are configured".to_string()
            } else {
                format!("configured: {}", known.join(", "))
            };
            return Err(format!("no engine named {engine:?} ({list})"));
        }
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

/// Reads an import CSV: one prompt per row, columns `text`, `tags`, `engines` (the last two
/// optional; `;` separates several tags or engines). A first row `text,…` is a header.
/// Errors name the row.
pub fn read_csv(input: impl Read, known_engines: &[&str]) -> Result<Vec<NewPrompt>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(input);
    let mut prompts = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        let record = record.map_err(|err| format!("row {row}: {err}"))?;
        let cell = |i: usize| record.get(i).unwrap_or("");
        if row == 1 && cell(0).eq_ignore_ascii_case("text") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > 3 {
            return Err(format!(
                "row {row}: {} columns; expected text, tags, engines",
                record.len()
            ));
        }
        let list = |i: usize| cell(i).split(';').map(str::to_string).collect::<Vec<_>>();
        let parsed = clean_text(cell(0)).and_then(|text| {
            Ok(NewPrompt {
                text,
                tags: clean_tags(&list(1))?,
                engines: check_engines(&list(2), known_engines)?,
            })
        });
        prompts.push(parsed.map_err(|err| format!("row {row}: {err}"))?);
    }
    Ok(prompts)
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
        let err = check_engines(&["gemini".into()], &known).unwrap_err();
        assert!(
            err.contains("gemini") && err.contains("gpt, claude"),
            "{err}"
        );
    }

    #[test]
    fn csv_rows_with_header_quotes_and_lists() {
        let csv = "text,tags,engines\n\
                   \"Best CRM, for startups?\",crm;startup,gpt\n\
                   Which analytics tool respects privacy?\n\
                   \n\
                   \"Acme vs Globex\",,gpt;claude\n";
        let prompts = read_csv(csv.as_bytes(), &["gpt", "claude"]).unwrap();
        assert_eq!(prompts.len(), 3);
        assert_eq!(prompts[0].text, "Best CRM, for startups?");
        assert_eq!(prompts[0].tags, ["crm", "startup"]);
        assert_eq!(prompts[0].engines, ["gpt"]);
        assert!(prompts[1].tags.is_empty() && prompts[1].engines.is_empty());
        assert_eq!(prompts[2].engines, ["gpt", "claude"]);
    }

    #[test]
    fn csv_errors_name_the_row() {
        let err = read_csv("ok prompt\n\"\",x\n".as_bytes(), &[]).unwrap_err();
        assert!(err.starts_with("row 2:"), "{err}");
        let err = read_csv("a,b,nope\n".as_bytes(), &["gpt"]).unwrap_err();
        assert!(err.contains("row 1") && err.contains("nope"), "{err}");
        let err = read_csv("a,b,c,d\n".as_bytes(), &[]).unwrap_err();
        assert!(err.contains("4 columns"), "{err}");
    }
}
