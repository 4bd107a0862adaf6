//! Input a user or an attacker controls, through the `aivis` binary: log and prompt text that
//! is a spreadsheet formula (neutralised in every CSV), malformed prompt import files (refused
//! whole, naming the line), blank lines in `classify --batch` (answered in place) and an
//! oversized config file (refused before it is parsed).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn aivis(dir: &Path, args: &[&str]) -> Output {
    aivis_with_input(dir, args, "")
}

fn aivis_with_input(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aivis"))
        .args(args)
        .current_dir(dir)
        .env_remove("AIVIS_CONFIG")
        .env_remove("AIVIS_DATABASE_URL")
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

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
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
