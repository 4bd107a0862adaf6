//! Input a user or an attacker controls, through the `aivis` binary: log and prompt text that
//! is a spreadsheet formula (neutralised in every CSV), malformed prompt import files (refused
//! whole, naming the line), blank lines in `classify --batch` (answered in place) and an
//! oversized config file (refused before it is parsed).

mod common;

use common::{aivis, stderr, stdout};
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

fn aivis_with_input(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = common::aivis_command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run aivis");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn classify_batch_answers_blank_lines_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let input = "{\"referrer\": \"https://chatgpt.com/\"}\n\n  \n{\"url\": \"/?gclid=1\"}\n";
    let out = aivis_with_input(dir.path(), &["classify", "--batch"], input);
    assert!(out.status.success(), "{}", stderr(&out));
    let answers: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "one answer per input line: {answers:?}");
    assert_eq!(answers[0]["channel"], "ai_assistant");
    assert_eq!(answers[1]["error"], "line 2: blank line");
    assert_eq!(answers[2]["error"], "line 3: blank line");
    assert_eq!(answers[3]["channel"], "paid_search");
}

#[test]
fn a_config_file_over_one_mebibyte_exits_2_naming_file_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = "[[sites]]\nname = \"acme\"\n".to_string();
    while config.len() <= 1024 * 1024 {
        config.push_str("# padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join("big.toml"), config).unwrap();
    let out = aivis(
        dir.path(),
        &["--config", "big.toml", "report", "conversions"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("big.toml") && err.contains("1 MiB"), "{err}");
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0";

fn write_config(dir: &Path) {
    std::fs::write(
        dir.join("aivis.toml"),
        "database_url = \"sqlite://t.db\"\n\
         [[sites]]\nname = \"acme\"\nhosts = [\"www.acme.test\"]\n",
    )
    .unwrap();
}

/// The CSV cells of `out` (a header row and plain rows: no quoted line breaks).
fn csv_rows(out: &Output) -> Vec<Vec<String>> {
    assert!(out.status.success(), "{}", stderr(out));
    let text = stdout(out);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_cells_from_logs_and_prompts_are_text_not_formulas() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    // A hostile referrer host, and a landing URL whose campaign source is a DDE formula.
    let log = format!(
        "203.0.113.5 - - [10/Nov/2026:10:00:00 +0000] \"GET /pricing HTTP/1.1\" 200 512 \
         \"http://=1+1.test/\" \"{BROWSER}\"\n\
         203.0.113.6 - - [10/Nov/2026:10:01:00 +0000] \"GET /?utm_source==cmd|'/c%20calc'!A0 \
         HTTP/1.1\" 200 512 \"-\" \"{BROWSER}\"\n"
    );
    std::fs::write(dir.path().join("a.log"), log).unwrap();
    let out = aivis(dir.path(), &["ingest", "a.log"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let rows = csv_rows(&aivis(
        dir.path(),
        &["report", "referrers", "--format", "csv"],
    ));
    assert_eq!(rows[0][1], "referrer_host", "{rows:?}");
    assert_eq!(rows[1][1..4], ["'=1+1.test", "referral", "'=1+1.test"]);

    let rows = csv_rows(&aivis(
        dir.path(),
        &["query", "conversions_by_source", "--format", "csv"],
    ));
    let sources: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert!(
        sources.contains(&"'=1+1.test") && sources.contains(&"'=cmd|'/c calc'!a0"),
        "{rows:?}"
    );
    // Counts stay numbers: no quote mark in front of them.
    assert!(rows[1..].iter().all(|r| r[2] == "1"), "{rows:?}");

    let out = aivis(dir.path(), &["prompts", "add", "=HYPERLINK(\"http://x\")"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&aivis(dir.path(), &["prompts", "list", "--format", "csv"]));
    assert_eq!(rows[1][2], "'=HYPERLINK(\"http://x\")", "{rows:?}");
    assert_eq!(rows[1][0], "1");
    // JSON, for programs, keeps the text as it is.
    let out = aivis(dir.path(), &["prompts", "list", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["text"], "=HYPERLINK(\"http://x\")");
}

#[test]
fn a_malformed_import_file_is_refused_whole_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let import = |name: &str, csv: &str| {
        std::fs::write(dir.path().join(name), csv).unwrap();
        aivis(dir.path(), &["prompts", "import", name])
    };
    for (name, csv, error) in [
        // An unterminated quote would merge the rest of the file into one prompt.
        (
            "open.csv",
            "text,tags\nBest CRM?,crm\n\"Acme vs Globex,cmp\nWhich tool?,x\nAnother?,y\n",
            "open.csv: line 3: a quoted field is never closed",
        ),
        (
            "after.csv",
            "text\n\"Best CRM\" for shops\n",
            "after.csv: line 2: text after a closing quote",
        ),
        (
            "fields.csv",
            "text,tags\nBest CRM?,crm\nBest CRM, for shops?,crm\n",
            "fields.csv: line 3: 3 fields, but the header has 2",
        ),
        (
            "noheader.csv",
            "Best CRM?,crm\n",
            "noheader.csv: line 1: the first line must be the header \"text,tags,engines\"",
        ),
    ] {
        let out = import(name, csv);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(error), "{name}: {}", stderr(&out));
    }
    // Nothing was stored, not even the good rows before the bad one.
    let out = aivis(
        dir.path(),
        &["prompts", "list", "--all", "--format", "json"],
    );
    assert_eq!(stdout(&out).trim(), "[]", "{}", stderr(&out));

    let out = import(
        "good.csv",
        "Text , Tags\n\"Best CRM, for shops?\",crm;shop\n\nWhich tool?,\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 added"), "{}", stdout(&out));
    let help = aivis(dir.path(), &["prompts", "import", "--help"]);
    assert!(
        stdout(&help).contains("text,tags,engines"),
        "{}",
        stdout(&help)
    );
}
