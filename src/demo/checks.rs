//! What the prompt-check part of `aivis demo` replays: the demo site's tracked prompts, and two
//! `replay` engines reading an AI assistant's recorded answers (`examples/replay/answers.ndjson`,
//! one of them a recorded failure) and a search engine's recorded results pages
//! (`examples/replay/search.ndjson`), written next to the demo database. Running the check
//! and printing its reports is `app::demo`'s.

use std::path::{Path, PathBuf};

use super::DemoError;
use crate::checks::engines::EngineKind;
use crate::config::EngineConfig;

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

/// Writes the recorded AI answers and search results pages next to the demo database (its
/// extension replaced by `answers.ndjson` and `search.ndjson`), for [`replay_engine`] and
/// [`search_engine`] to read; returns their paths.
pub fn write_replay_files(database: &Path) -> Result<(PathBuf, PathBuf), DemoError> {
    let answers = write_beside(database, "answers.ndjson", REPLAY_ANSWERS)?;
    let results = write_beside(database, "search.ndjson", SEARCH_RESULTS)?;
    Ok((answers, results))
}

/// Writes `contents` next to the demo database, its extension replaced by `extension`.
fn write_beside(database: &Path, extension: &str, contents: &str) -> Result<PathBuf, DemoError> {
    let path = database.with_extension(extension);
    std::fs::write(&path, contents).map_err(DemoError::file("write", &path))?;
    Ok(path)
}
