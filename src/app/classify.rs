//! `aivis classify`: one answer from flags, or NDJSON requests from standard input to NDJSON
//! answers on standard output (one per input line, in order, so answer N is line N's; a bad
//! or blank line gets an `{"error": …}` answer and the batch goes on).

use std::borrow::Cow;
use std::io::{self, BufWriter, Read, Write};
use std::path::Path;

use anyhow::Result;

use super::UsageError;
use crate::classify::Classifier;
use crate::classify::record::{Answer, Request, RequestClassifier};
use crate::cli::{ClassifyArgs, ClassifyFormat};
use crate::config;
use crate::ingest::lines::{LineEvent, LineReader};

/// Longest batch line accepted; longer ones get an error answer.
const MAX_REQUEST_BYTES: usize = 64 * 1024;

pub fn run(config_path: Option<&Path>, args: &ClassifyArgs) -> Result<()> {
    let classifier = match &args.site {
        Some(name) => {
            let env = |key: &str| std::env::var(key).ok();
            let settings = config::load(config_path, &env)?;
            let mut site = settings.site(Some(name))?.clone();
            site.internal_hosts.extend(args.hosts.iter().cloned());
            site.classifier()
                .map_err(|(key, message)| UsageError(format!("site {name:?}: {key}: {message}")))?
        }
        None => Classifier::new(&args.hosts),
    };
    let mut classifier = RequestClassifier::new(classifier);
    if args.batch {
        let output = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
        return match classify_lines(&mut classifier, io::stdin().lock(), output) {
            // The reader of our output went away (`| head`): nothing left to do.
            Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        };
    }
    if args.referrer.is_none() && args.url.is_none() && args.ua.is_none() {
        return Err(UsageError(
            "nothing to classify: give --referrer, --url or --ua, or --batch".into(),
        )
        .into());
    }
    let request = Request {
        referrer: args.referrer.as_deref().map(Cow::Borrowed),
        url: args.url.as_deref().map(Cow::Borrowed),
        ua: args.ua.as_deref().map(Cow::Borrowed),
    };
    let answer = classifier.answer(&request);
    match args.format {
        ClassifyFormat::Json => println!("{}", serde_json::to_string(&answer)?),
        ClassifyFormat::Text => print!("{}", describe(&answer)),
    }
    Ok(())
}

/// Answers every NDJSON request line of `input` on `output`.
pub fn classify_lines(
    classifier: &mut RequestClassifier,
    input: impl Read,
    mut output: impl Write,
) -> io::Result<()> {
    let mut lines = LineReader::new(input, MAX_REQUEST_BYTES);
    let mut line_no = 0u64;
    // Each answer is serialised into this buffer and written in one call.
    let mut answer = Vec::with_capacity(256);
    while let Some(event) = lines.next_line()? {
        line_no += 1;
        answer.clear();
        match event {
            LineEvent::Line { text, .. } | LineEvent::Unterminated { text } => {
                // Answered like any bad line: skipping it would shift every later answer.
                if text.iter().all(u8::is_ascii_whitespace) {
                    write_error(&mut answer, &format!("line {line_no}: blank line"))?;
                } else {
                    match parse_request(text) {
                        Ok(request) => classifier.answer(&request).write_json(&mut answer),
                        Err(err) => write_error(&mut answer, &format!("line {line_no}: {err}"))?,
                    }
                }
            }
            LineEvent::TooLong { .. } | LineEvent::UnterminatedTooLong { .. } => write_error(
                &mut answer,
                &format!("line {line_no}: longer than {MAX_REQUEST_BYTES} bytes"),
            )?,
        }
        answer.push(b'\n');
        output.write_all(&answer)?;
    }
    output.flush()
}

/// One UTF-8 check of the whole line, then JSON strings need none of their own.
fn parse_request(line: &[u8]) -> Result<Request<'_>, String> {
    let line = std::str::from_utf8(line).map_err(|_| "not UTF-8".to_string())?;
    Request::from_json(line).map_err(|err| err.to_string())
}

fn write_error(answer: &mut Vec<u8>, message: &str) -> io::Result<()> {
    serde_json::to_writer(answer, &serde_json::json!({ "error": message })).map_err(io::Error::from)
}

/// `key value` lines for a person.
fn describe(answer: &Answer) -> String {
    let bot = match &answer.bot {
        None => "-".to_string(),
        Some(bot) => {
            let details: Vec<&str> = [bot.operator, bot.purpose].into_iter().flatten().collect();
            if details.is_empty() {
                bot.name.to_string()
            } else {
                format!("{} ({})", bot.name, details.join(", "))
            }
        }
    };
    format!(
        "channel  {}\nsource   {}\nterm     {}\nbot      {}\n",
        answer.channel,
        answer.source.escape_debug(),
        answer.term.as_deref().unwrap_or("-").escape_debug(),
        bot
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(input: &str) -> Vec<serde_json::Value> {
        let mut classifier = RequestClassifier::new(Classifier::new(&[]));
        let mut out = Vec::new();
        classify_lines(&mut classifier, input.as_bytes(), &mut out).unwrap();
        String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn one_answer_per_line_in_order_and_errors_in_place() {
        let answers = batch(concat!(
            "{\"referrer\": \"https://chatgpt.com/\"}\n",
            "\n",
            "not json\n",
            "{\"url\": \"/?gclid=1\", \"ua\": \"curl/8.0\"}\n",
            "[1, 2]\n",
            "{\"referrer\": \"https://www.google.com/\"}",
        ));
        assert_eq!(answers.len(), 6);
        assert_eq!(answers[0]["channel"], "ai_assistant");
        assert_eq!(answers[1]["error"], "line 2: blank line");
        assert!(answers[2]["error"].as_str().unwrap().starts_with("line 3:"));
        assert_eq!(answers[3]["channel"], "paid_search");
        assert_eq!(answers[3]["bot"]["name"], "curl");
        assert!(answers[4]["error"].is_string());
        assert_eq!(answers[5]["source"], "google");
    }

    #[test]
    fn blank_lines_are_answered_in_place() {
        let answers = batch("\n \t\r\n{\"referrer\": \"https://chatgpt.com/\"}\n\n   ");
        let errors: Vec<&str> = answers
            .iter()
            .map(|a| a["error"].as_str().unwrap_or("-"))
            .collect();
        assert_eq!(
            errors,
            [
                "line 1: blank line",
                "line 2: blank line",
                "-",
                "line 4: blank line",
                "line 5: blank line"
            ]
        );
        assert_eq!(answers[2]["channel"], "ai_assistant");
    }

    #[test]
    fn over_long_and_invalid_utf8_lines_get_errors() {
        let long = format!("{{\"referrer\": \"{}\"}}\n", "a".repeat(MAX_REQUEST_BYTES));
        let mut classifier = RequestClassifier::new(Classifier::new(&[]));
        let mut out = Vec::new();
        let mut input = long.into_bytes();
        input.extend_from_slice(b"{\"ua\": \"\xff\xfe\"}\n{}\n");
        classify_lines(&mut classifier, input.as_slice(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].contains("longer than"));
        assert!(lines[1].contains("error"));
        assert!(lines[2].contains("\"direct\""));
    }

    #[test]
    fn a_json_array_is_not_a_request() {
        let answers = batch("[\"https://chatgpt.com/\"]\n[]\n");
        assert_eq!(answers.len(), 2);
        for (i, answer) in answers.iter().enumerate() {
            let error = answer["error"].as_str().unwrap();
            assert!(error.starts_with(&format!("line {}: ", i + 1)), "{error}");
            assert!(answer.get("channel").is_none());
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Lines of a batch: requests, near-requests, junk and blank lines.
        fn line() -> impl Strategy<Value = Vec<u8>> {
            prop_oneof![
                prop::collection::vec(any::<u8>(), 0..200),
                (
                    prop::option::of(any::<String>()),
                    prop::option::of("[ -~]{0,40}"),
                    prop::option::of(any::<String>())
                )
                    .prop_map(|(referrer, url, ua)| {
                        serde_json::json!({"referrer": referrer, "url": url, "ua": ua})
                            .to_string()
                            .into_bytes()
                    }),
                r#"[ \t\r{}":,a-z\\\[\]]{0,30}"#.prop_map(String::into_bytes),
            ]
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config())]

            /// Whatever comes in, one JSON answer per line comes out, in order: an answer for
            /// a request, an error naming its line for anything else.
            #[test]
            fn every_line_gets_one_answer_in_order(
                lines in prop::collection::vec(line(), 0..20),
                terminated in any::<bool>(),
            ) {
                let mut input = lines.join(&b'\n');
                if terminated && !lines.is_empty() {
                    input.push(b'\n');
                }
                // The lines the reader sees: a trailing newline ends the last one.
                let mut expected: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
                if input.is_empty() || input.ends_with(b"\n") {
                    expected.pop();
                }
                let mut classifier = RequestClassifier::new(Classifier::new(&[]));
                let mut out = Vec::new();
                classify_lines(&mut classifier, input.as_slice(), &mut out).unwrap();
                let text = String::from_utf8(out).unwrap();
                prop_assert!(text.is_empty() || text.ends_with('\n'));
                let answers: Vec<&str> = text.lines().collect();
                prop_assert_eq!(answers.len(), expected.len());
                for (i, (answer, line)) in answers.iter().zip(&expected).enumerate() {
                    let answer: serde_json::Value = serde_json::from_str(answer)
                        .map_err(|e| TestCaseError::fail(format!("{answer}: {e}")))?;
                    let request = std::str::from_utf8(line).ok().and_then(|l| Request::from_json(l).ok());
                    match request {
                        Some(_) => prop_assert!(answer["channel"].is_string(), "{}", answer),
                        None => {
                            let error = answer["error"].as_str().unwrap_or_default();
                            prop_assert!(error.starts_with(&format!("line {}: ", i + 1)), "{}", answer);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn text_answers_escape_control_characters() {
        let mut classifier = RequestClassifier::new(Classifier::new(&[]));
        let answer = classifier.answer(&Request {
            url: Some("/?utm_source=x%0Ay&utm_medium=affiliate".into()),
            ..Request::default()
        });
        let text = describe(&answer);
        assert_eq!(text.lines().count(), 4, "{text}");
    }
}
