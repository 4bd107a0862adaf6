//! Mention accuracy for brands named like ordinary words or day names, on the labelled corpus
//! `tests/data/labelled_mentions.tsv`: each snippet is extracted with the config below (the
//! one a reader of the README's "Brands named like ordinary words" would write: `match` left
//! at `auto`, a few `not_before`/`not_after` words and `exclude` phrases), and the labelled
//! brand's count is compared with the person's count.
//!
//! Precision and recall are over occurrences: a snippet labelled 2 and found 3 times is 2
//! right and 1 false; found once, 1 right and 1 missed. The test prints both, the same figures
//! for every name matched in any case (as aivis did before `match`), and every snippet
//! whose count differs; it fails below 98% for either, or when the corpus is smaller than 300
//! snippets over 10 brands.

use std::collections::BTreeSet;
use std::path::Path;

use aivis::checks::mentions::{Entity, MatchMode, MatchRules, Matcher};

/// The site's brand and competitors, as a README reader would configure them.
const CONFIG: &str = r#"
[[sites]]
name = "corpus"

[sites.brand]
name = "Notion"
domains = ["notion.so", "notion.com"]

[[sites.competitors]]
name = "Monday"
aliases = ["monday.com"]
domains = ["monday.com"]

[[sites.competitors]]
name = "Linear"
domains = ["linear.app"]
not_after = ["regression", "algebra", "equation", "equations", "function", "functions",
             "model", "models", "programming", "scale", "time"]

[[sites.competitors]]
name = "Slack"
domains = ["slack.com"]
not_after = ["off", "time", "water", "tide"]

[[sites.competitors]]
name = "Zoom"
domains = ["zoom.us", "zoom.com"]
not_after = ["in", "out", "lens", "level"]

[[sites.competitors]]
name = "Square"
domains = ["squareup.com"]
exclude = ["square meter", "square meters", "square feet", "square foot", "square root",
           "square one", "square mile", "square miles", "Times Square"]

[[sites.competitors]]
name = "Apple"
domains = ["apple.com"]
not_after = ["pie", "pies", "juice", "tree", "trees", "cider", "sauce", "orchard"]
exclude = ["big apple", "adam's apple"]

[[sites.competitors]]
name = "Stripe"
domains = ["stripe.com"]

[[sites.competitors]]
name = "Buffer"
domains = ["buffer.com"]
not_after = ["overflow", "overflows", "zone", "zones", "stock", "size"]

[[sites.competitors]]
name = "Discord"
domains = ["discord.com", "discord.gg"]

[[sites.competitors]]
name = "Signal"
domains = ["signal.org"]
not_after = ["strength", "processing", "noise"]
exclude = ["signal-to-noise"]

[[sites.competitors]]
name = "Box"
domains = ["box.com"]
not_after = ["office"]

[[sites.competitors]]
name = "Loom"
domains = ["loom.com"]
"#;

/// One labelled snippet.
struct Row<'a> {
    brand: &'a str,
    snippet: String,
    expected: u32,
    source: &'a str,
}

fn corpus() -> Vec<Row<'static>> {
    include_str!("data/labelled_mentions.tsv")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [brand, snippet, expected, source] = fields[..] else {
                panic!("bad row {line:?}");
            };
            Row {
                brand,
                snippet: snippet.replace("\\n", "\n"),
                expected: expected
                    .parse()
                    .unwrap_or_else(|_| panic!("bad count {line:?}")),
                source,
            }
        })
        .collect()
}

/// Right, false and missed occurrences, and the rows whose count differs.
#[derive(Default)]
struct Score {
    right: u32,
    false_found: u32,
    missed: u32,
    misses: Vec<String>,
}

impl Score {
    fn precision(&self) -> f64 {
        f64::from(self.right) / f64::from(self.right + self.false_found).max(1.0)
    }

    fn recall(&self) -> f64 {
        f64::from(self.right) / f64::from(self.right + self.missed).max(1.0)
    }
}

fn score(rows: &[Row], entities: &[Entity]) -> Score {
    let matcher = Matcher::new(entities.to_vec());
    let mut score = Score::default();
    for row in rows {
        let found = matcher
            .extract(&row.snippet, &[])
            .mentions
            .iter()
            .find(|m| m.entity == row.brand)
            .unwrap_or_else(|| panic!("{} is not configured", row.brand))
            .count;
        score.right += found.min(row.expected);
        score.false_found += found.saturating_sub(row.expected);
        score.missed += row.expected.saturating_sub(found);
        if found != row.expected {
            score.misses.push(format!(
                "{}: expected {}, found {found} ({}): {:?}",
                row.brand, row.expected, row.source, row.snippet
            ));
        }
    }
    score
}

#[test]
fn mentions_of_brands_named_like_ordinary_words() {
    let settings = aivis::config::parse(CONFIG, Path::new("mention_accuracy.toml")).unwrap();
    let entities = settings.sites[0].entities();
    let rows = corpus();
    let brands: BTreeSet<&str> = rows.iter().map(|r| r.brand).collect();
    let occurrences: u32 = rows.iter().map(|r| r.expected).sum();
    assert!(rows.len() >= 300, "{} snippets", rows.len());
    assert!(brands.len() >= 10, "{} brands", brands.len());
    assert!(
        brands.iter().all(|b| entities.iter().any(|e| e.name == *b)),
        "every labelled brand is configured"
    );
    let traps = rows.iter().filter(|r| r.expected == 0).count();

    // The same names matched in any case with no context rules: aivis before `match`.
    let before: Vec<Entity> = entities
        .iter()
        .map(|e| Entity {
            rules: MatchRules {
                mode: MatchMode::AnyCase,
                ..MatchRules::default()
            },
            ..e.clone()
        })
        .collect();
    let old = score(&rows, &before);
    let new = score(&rows, &entities);
    println!(
        "mention corpus: {} snippets ({traps} without a mention), {} brands, {occurrences} labelled mentions",
        rows.len(),
        brands.len()
    );
    println!(
        "any_case, no rules: precision {:.1}%, recall {:.1}% ({} snippets wrong)",
        100.0 * old.precision(),
        100.0 * old.recall(),
        old.misses.len()
    );
    println!(
        "configured (auto): precision {:.1}%, recall {:.1}% ({} right, {} false, {} missed; {} snippets wrong)",
        100.0 * new.precision(),
        100.0 * new.recall(),
        new.right,
        new.false_found,
        new.missed,
        new.misses.len()
    );
    for miss in &new.misses {
        println!("  miss: {miss}");
    }
    assert!(
        new.precision() >= 0.98 && new.recall() >= 0.98,
        "precision {:.3}, recall {:.3}:\n{}",
        new.precision(),
        new.recall(),
        new.misses.join("\n")
    );
    // The rules are what makes the difference: without them the word senses count.
    assert!(old.precision() < 0.9, "{}", old.precision());
}
