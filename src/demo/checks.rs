//! The prompt-check part of `aivis demo`: the demo site's tracked prompts asked of two `replay`
//! engines, an AI assistant's recorded answers (`examples/replay/answers.ndjson`, one of them a
//! recorded failure) and a search engine's recorded results pages
//! (`examples/replay/search.ndjson`), stored like any check; the mentions report per engine
//! and the visibility report (AI mentions beside search rank, per prompt) are printed.

use std::path::{Path, PathBuf};

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

/// The recorded search results pages the demo replays: per prompt, one page whose result
/// links are the citations in rank order (what an `html` engine on a SearXNG instance stores).
pub const SEARCH_RESULTS: &str = include_str!("../../examples/replay/search.ndjson");

/// The demo's tracked prompts (the recorded answers answer these).
pub const DEMO_PROMPTS: &[&str] = &[
    "What is the best privacy-friendly web analytics tool?",
    "Which analytics tool shows traffic from ChatGPT and Perplexity?",
    "Acme vs Globex for an online shop",
    "How do I measure conversions from AI assistants?",
];

/// The replay engine reading the AI answers in `answers` (three samples per prompt).
pub fn replay_engine(answers: &Path) -> EngineConfig {
    recorded_engine("replay-demo", answers, 3)
}

/// The replay engine reading the search results pages in `results` (one per prompt).
pub fn search_engine(results: &Path) -> EngineConfig {
    recorded_engine("search-demo", results, 1)
}

fn recorded_engine(name: &str, path: &Path, samples: u32) -> EngineConfig {
    EngineConfig {
        samples,
        requests_per_minute: 600,
        path: Some(path.to_path_buf()),
        ..EngineConfig::new(name, EngineKind::Replay)
    }
}

/// Writes `contents` next to the demo database, its extension replaced by `extension`.
fn write_beside(database: &Path, extension: &str, contents: &str) -> Result<PathBuf> {
    let path = database.with_extension(extension);
    std::fs::write(&path, contents).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Tracks the demo prompts, runs one check with the two replay engines (their files written
/// next to the demo database) and returns the printed section.
pub async fn mentions_section(store: &Store, database: &Path) -> Result<String> {
    let answers = write_beside(database, "answers.ndjson", REPLAY_ANSWERS)?;
    let results = write_beside(database, "search.ndjson", SEARCH_RESULTS)?;
    let site = demo_site();
    for text in DEMO_PROMPTS {
        let prompt = NewPrompt {
            text: text.to_string(),
            tags: vec!["demo".into()],
            engines: Vec::new(),
        };
        store.add_prompt(&site.name, &prompt, 0).await?;
    }
    let ai = replay_engine(&answers);
    let search = search_engine(&results);
    let header = format!(
        "\nPrompt checks: {} prompts asked of {} ({} samples each, recorded AI answers in {}) \
         and {} (one recorded search results page each, {})",
        DEMO_PROMPTS.len(),
        ai.name,
        ai.samples,
        answers.display(),
        search.name,
        results.display()
    );
    let settings = Settings {
        sites: vec![site],
        engines: vec![ai, search],
        ..Settings::default()
    };
    let no_env = |_: &str| None;
    let summary = run_checks(
        store,
        &settings,
        &CheckSelection::default(),
        &no_env,
        RetryPolicy::default(),
        &tokio_util::sync::CancellationToken::new(),
    )
    .await?;
    let filters = Filters::default();
    let mentions = report::mentions(store, MentionsBy::Engine, &filters).await?;
    let visibility = report::visibility(store, &filters).await?;
    Ok(format!(
        "{header}: {} answers, {} failed call (stored as failed, never as \"not mentioned\").\n\
         Brand and competitor mentions per engine (mention_rate with its 95% Wilson interval):\n\n\
         {}\nThe brand per prompt: mentioned in the answers, and linked (for the search engine: \
         best_link_rank is its rank among the results; \
         `aivis report visibility` has the intervals):\n\n{}",
        summary.answers,
        summary.failed,
        mentions.to_text_table(),
        visibility
            .select(&[
                "prompt_id",
                "engine",
                "answers",
                "failed",
                "mention_rate",
                "avg_mention_rank",
                "link_rate",
                "best_link_rank",
                "prompt",
            ])
            .to_text_table()
    ))
}
