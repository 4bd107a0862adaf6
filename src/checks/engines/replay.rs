//! The `replay` engine: answers recorded earlier, read from an NDJSON file instead of asked.
//! Each line is `{"prompt": …, "text": …, "citations": [urls], "model": …}` or, to replay a
//! failed call, `{"prompt": …, "error": …}`. A prompt's lines are its samples in order (sample
//! n takes line n, cycling). Prompts match by their duplicate key, so spacing, case and a
//! trailing `?` do not matter. Used by the demo and to re-run scoring on fixed answers.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{Answer, dedup_urls};
use crate::checks::prompts::{clean_text, text_key};

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
    by_prompt: HashMap<String, Vec<Result<Answer, String>>>,
}

impl Recordings {
    /// Reads the file; errors name the line.
    pub fn load(path: &Path) -> Result<Recordings, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|err| format!("cannot read replay file {}: {err}", path.display()))?;
        Recordings::parse(&text).map_err(|err| format!("replay file {}: {err}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Recordings, String> {
        let mut recordings = Recordings::default();
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let recorded: Recorded =
                serde_json::from_str(line).map_err(|err| format!("line {}: {err}", index + 1))?;
            let outcome = match (recorded.error, recorded.text) {
                (Some(error), _) => Err(error),
                (None, Some(text)) => Ok(Answer {
                    text,
                    model: recorded.model,
                    citations: dedup_urls(recorded.citations),
                    usage: None,
                }),
                (None, None) => {
                    return Err(format!("line {}: needs text or error", index + 1));
                }
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
    pub fn answer(&self, prompt: &str, sample: u32) -> Result<Answer, String> {
        let answers = self
            .by_prompt
            .get(&prompt_key(prompt))
            .filter(|a| !a.is_empty())
            .ok_or_else(|| "no recorded answer for this prompt".to_string())?;
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
            recordings.answer("best analytics", 2).unwrap_err(),
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
        assert!(err.contains("line 1"), "{err}");
        let err = Recordings::parse("{\"prompt\": \"x\", \"text\": \"y\"}\nnope\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
    }
}
