//! The prompt-check part of `aivis demo`: the demo site's tracked prompts asked of a `replay`
//! engine (recorded answers shipped in `examples/replay/answers.ndjson`, one of them a
//! recorded failure), stored like any check, and the mentions report printed.

use std::path::Path;

use anyhow::{Context, Result};

use super::demo_site;
use crate::checks::client::RetryPolicy;
use crate::checks::engines::EngineKind;
use crate::checks::prompts::NewPrompt;
use crate::checks::run::{CheckSelection, run_checks};
use crate::config::{EngineConfig, Settings};
use crate::report::{self, Filters, MentionsBy};
use crate::store::Store;

/// The recorded answers the demo replays.
pub const REPLAY_ANSWERS: &str = include_str!("../../examples/replay/answers.ndjson");

/// The demo's tracked prompts (the recorded answers answer these).
pub const DEMO_PROMPTS: &[&str] = &[
    "What is the best privacy-friendly web analytics tool?",
    "Which analytics tool shows traffic from ChatGPT and Perplexity?",
    "Acme vs Globex for an online shop",
    "How do I measure conversions from AI assistants?",
];

/// The replay engine reading `answers`.
pub fn replay_engine(answers: &Path) -> EngineConfig {
    EngineConfig {
        name: "replay-demo".into(),
        kind: EngineKind::Replay,
        model: String::new(),
        base_url: None,
        api_key_env: None,
        samples: 3,
        requests_per_minute: 600,
        timeout_seconds: 10,
        web_search: false,
        max_tokens: 1024,
        input_usd_per_mtok: None,
        output_usd_per_mtok: None,
        url_template: None,
        answer_selector: None,
        link_selector: None,
        path: Some(answers.to_path_buf()),
    }
}

/// Tracks the demo prompts, runs one check with the replay engine (its answers file written
/// next to the demo database) and returns the printed section.
pub async fn mentions_section(store: &Store, database: &Path) -> Result<String> {
    let answers = database.with_extension("answers.ndjson");
    std::fs::write(&answers, REPLAY_ANSWERS)
        .with_context(|| format!("cannot write {}", answers.display()))?;
    let site = demo_site();
    for text in DEMO_PROMPTS {
        let prompt = NewPrompt {
            text: text.to_string(),
            tags: vec!["demo".into()],
            engines: Vec::new(),
        };
        store.add_prompt(&site.name, &prompt, 0).await?;
    }
    let settings = Settings {
        sites: vec![site],
        engines: vec![replay_engine(&answers)],
        ..Settings::default()
    };
    let no_env = |_: &str| None;
    let summary = run_checks(
        store,
        &settings,
        &CheckSelection::default(),
        &no_env,
        RetryPolicy::default(),
    )
    .await?;
    let table = report::mentions(store, MentionsBy::Entity, &Filters::default()).await?;
    Ok(format!(
        "\nPrompt checks: {} prompts × {} samples from recorded answers ({}): {} answers, {} \
         failed call (stored as failed, never as \"not mentioned\").\n\
         Brand and competitor mentions (mention_rate with its 95% Wilson interval):\n\n{}",
        DEMO_PROMPTS.len(),
        3,
        answers.display(),
        summary.answers,
        summary.failed,
        table.to_text_table()
    ))
}
