//! User-agent classification accuracy on the labelled corpus
//! (`tests/data/labelled_user_agents.tsv`, built by `tools/build_ua_corpus.py` from isbot's,
//! uap-core's and crawler-user-agents' public test data): browsers must stay browsers, bots
//! must be bots, AI agents must be named with their purpose. Prints the accuracy per category
//! and per source, and every miss; fails below 99.5% for browsers, 97% for bots and AI agents.

mod labelled;

use std::collections::BTreeMap;

use aivis::classify::{bot, bot_agent};
use labelled::{dash, rows};

/// Right answers and examples, with the misses.
#[derive(Default)]
struct Score {
    right: usize,
    total: usize,
    misses: Vec<String>,
}

impl Score {
    fn add(&mut self, right: bool, miss: impl FnOnce() -> String) {
        self.total += 1;
        if right {
            self.right += 1;
        } else {
            self.misses.push(miss());
        }
    }

    fn percent(&self) -> f64 {
        100.0 * self.right as f64 / self.total.max(1) as f64
    }
}

/// The source a corpus line names, without its detail (`isbot 344052d fixtures/crawlers.yml`).
fn source_of(source: &str) -> &str {
    source.split(" (").next().unwrap_or(source)
}

#[test]
fn labelled_user_agents() {
    let examples = rows(include_str!("data/labelled_user_agents.tsv"));
    let mut categories: BTreeMap<&str, Score> = BTreeMap::new();
    let mut sources: BTreeMap<(&str, &str), Score> = BTreeMap::new();
    for row in &examples {
        let [ua, expected, purpose, source] = row[..] else {
            panic!("bad row {row:?}");
        };
        let agent = bot_agent(ua);
        let (category, right) = match expected {
            "browser" => ("browsers (not taken for bots)", bot(ua).is_none()),
            "bot" => ("bots (recognised)", bot(ua).is_some()),
            name => (
                "AI agents (named, with purpose)",
                agent.is_some_and(|a| {
                    a.name == name && a.purpose.map(|p| p.as_str()) == dash(purpose)
                }),
            ),
        };
        let miss = || {
            let got = agent.map(|a| (a.name_in(ua).to_string(), a.purpose));
            format!("{ua}: expected {expected}/{purpose}, got {got:?} [{source}]")
        };
        categories.entry(category).or_default().add(right, miss);
        sources
            .entry((source_of(source), category))
            .or_default()
            .add(right, String::new);
    }
    println!("{} user agents", examples.len());
    for ((source, category), score) in &sources {
        println!(
            "  {source}, {category}: {}/{} ({:.1}%)",
            score.right,
            score.total,
            score.percent()
        );
    }
    let mut failures = Vec::new();
    for (category, score) in &categories {
        println!(
            "{category}: {}/{} right ({:.2}%)",
            score.right,
            score.total,
            score.percent()
        );
        for miss in &score.misses {
            println!("  miss: {miss}");
        }
        let floor = if category.starts_with("browsers") {
            99.5
        } else {
            97.0
        };
        if score.percent() < floor {
            failures.push(format!("{category}: {:.2}% < {floor}%", score.percent()));
        }
    }
    assert!(examples.len() >= 1000, "{} user agents", examples.len());
    for category in categories.values() {
        assert!(
            category.total >= 50,
            "a category has {} examples",
            category.total
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
