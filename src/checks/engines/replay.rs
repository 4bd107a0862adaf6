//! The `replay` engine: answers recorded earlier, read from an NDJSON file instead of asked.
//! Each line is `{"prompt": …, "text": …, "citations": [urls], "model": …}` or, to replay a
//! failed call, `{"prompt": …, "error": …}`. A prompt's lines are its samples in order (sample
//! n takes line n, cycling). Prompts match by their duplicate key, so spacing, case and a
//! trailing `?` do not matter. Used by the demo and to re-run scoring on fixed answers. A file
//! that cannot be read or parsed is a [`ReplayError`] naming the file and line.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{Answer, CallFailure, dedup_urls};
use crate::checks::prompts::{clean_text, text_key};
use crate::error::{ErrorKind, HasKind};

/// Why a replay file cannot be used (the engine's `path` is the user's to fix).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("cannot read replay file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A line that is not a recorded answer; `path` is empty when parsing text, not a file.
    #[error("{}line {line}: {reason}", file_prefix(path))]
    Line {
        path: String,
        line: usize,
        reason: String,
    },
}

fn file_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("replay file {path}: ")
    }
}

impl HasKind for ReplayError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::Usage
    }
}

/// The duplicate key of a prompt as written anywhere (spacing, case, trailing `?` ignored).
fn prompt_key(prompt: &str) -> String {
    clean_text(prompt)
        .map(|text| text_key(&text))
        .unwrap_or_default()
}

/// One recorded line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    prompt: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    citations: Vec<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The recorded answers of one file, by prompt key.
#[derive(Debug, Clone, Default)]
pub struct Recordings {
    by_prompt: HashMap<String, Vec<Result<Answer, CallFailure>>>,
}

impl Recordings {
    /// Reads the file; errors name the line.
    /// Reads the file (blocking: call it off the async runtime); errors name the file and
    /// line.
    pub fn load(path: &Path) -> Result<Recordings, ReplayError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ReplayError::Read {
            path: shown.clone(),
            source,
        })?;
        Recordings::parse(&text).map_err(|err| match err {
            ReplayError::Line { line, reason, .. } => ReplayError::Line {
                path: shown,
                line,
                reason,
            },
            other => other,
        })
    }

    /// Reads recorded lines; errors name the line.
    pub fn parse(text: &str) -> Result<Recordings, ReplayError> {
        let mut recordings = Recordings::default();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |reason: String| ReplayError::Line {
                path: String::new(),
                line: index + 1,
                reason,
            };
            let recorded: Recorded =
                serde_json::from_str(line).map_err(|err| bad(err.to_string()))?;
            let outcome = match (recorded.error, recorded.text) {
                (Some(error), _) => Err(CallFailure::new(error)),
                (None, Some(text)) => Ok(Answer {
                    text,
                    model: recorded.model,
                    citations: dedup_urls(recorded.citations),
                    usage: None,
                }),
                (None, None) => return Err(bad("needs text or error".into())),
            };
            recordings
                .by_prompt
                .entry(prompt_key(&recorded.prompt))
                .or_default()
                .push(outcome);
        }
        Ok(recordings)
    }

    /// Sample `sample` (1-based) of `prompt`; an error when nothing is recorded for it.
    pub fn answer(&self, prompt: &str, sample: u32) -> Result<Answer, CallFailure> {
        let answers = self
            .by_prompt
            .get(&prompt_key(prompt))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| CallFailure::new("no recorded answer for this prompt"))?;
        let index = (sample.max(1) as usize - 1) % answers.len();
        answers[index].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_cycle_through_a_prompts_lines() {
        let recordings = Recordings::parse(
            "{\"prompt\": \"Best analytics?\", \"text\": \"Acme.\", \"citations\": [\"https://acme.test/\"]}\n\
             \n\
             {\"prompt\": \"best analytics\", \"error\": \"HTTP 503: overloaded\"}\n",
        )
        .unwrap();
        let first = recordings.answer("BEST  analytics?", 1).unwrap();
        assert_eq!(first.text, "Acme.");
        assert_eq!(first.citations, ["https://acme.test/"]);
        assert_eq!(
            recordings.answer("best analytics", 2).unwrap_err().reason,
            "HTTP 503: overloaded"
        );
        assert_eq!(
            recordings.answer("best analytics", 3).unwrap().text,
            "Acme."
        );
        assert!(recordings.answer("other", 1).is_err());
    }

    #[test]
    fn bad_lines_are_named() {
        let err = Recordings::parse("{\"prompt\": \"x\"}\n").unwrap_err();
        assert_eq!(err.to_string(), "line 1: needs text or error");
        let err = Recordings::parse("{\"prompt\": \"x\", \"text\": \"y\"}\nnope\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("line 2: "), "{err}");
    }

    #[test]
    fn file_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.ndjson");
        let err = Recordings::load(&path).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("cannot read replay file {}: ", path.display())),
            "{err}"
        );
        std::fs::write(&path, "\n{\"prompt\": \"x\", \"txt\": \"y\"}\n").unwrap();
        let err = Recordings::load(&path).unwrap_err();
        assert!(
            err.to_string().starts_with(&format!(
                "replay file {}: line 2: unknown field",
                path.display()
            )),
            "{err}"
        );
        assert_eq!(err.kind(), ErrorKind::Usage);
    }
}
