//! Classification accuracy on labelled real-world examples (`tests/data/labelled_*.tsv`):
//! referrer and landing URL → channel, source and search term; user agent → AI agent and
//! purpose, other bot, or browser. Prints the accuracy and every miss; every example must
//! be right.

use aivis::classify::{Classifier, bot_agent, is_bot};

fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
        .collect()
}

fn dash(value: &str) -> Option<&str> {
    (value != "-").then_some(value)
}

/// Prints the accuracy and the misses, then fails if there is any miss.
fn report(what: &str, total: usize, misses: &[String]) {
    let right = total - misses.len();
    println!(
        "{what}: {right}/{total} right ({:.1}%)",
        100.0 * right as f64 / total as f64
    );
    for miss in misses {
        println!("  miss: {miss}");
    }
    assert!(
        misses.is_empty(),
        "{what}: {} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn labelled_referrers() {
    let classifier = Classifier::new(&["www.acme.test".to_string(), "acme.test".to_string()]);
    let examples = rows(include_str!("data/labelled_referrers.tsv"));
    assert!(examples.len() >= 70, "{} examples", examples.len());
    let mut misses = Vec::new();
    for row in &examples {
        let [referrer, target, channel, source, term] = row[..] else {
            panic!("bad row {row:?}");
        };
        let c = classifier.classify(dash(referrer), target);
        let got = (c.channel.as_str(), c.source.as_str(), c.term.as_deref());
        if got != (channel, source, dash(term)) {
            misses.push(format!(
                "{referrer} {target}: expected {channel}/{source}/{term}, got {got:?}"
            ));
        }
    }
    report("referrers", examples.len(), &misses);
}

#[test]
fn labelled_user_agents() {
    let examples = rows(include_str!("data/labelled_user_agents.tsv"));
    assert!(examples.len() >= 40, "{} examples", examples.len());
    let mut misses = Vec::new();
    let (mut ai, mut bots, mut browsers) = (0, 0, 0);
    for row in &examples {
        let [ua, expected, purpose] = row[..] else {
            panic!("bad row {row:?}");
        };
        let agent = bot_agent(ua);
        let right = match expected {
            "browser" => {
                browsers += 1;
                !is_bot(ua)
            }
            "bot" => {
                bots += 1;
                is_bot(ua) && agent.is_some_and(|a| a.purpose.is_none())
            }
            name => {
                ai += 1;
                is_bot(ua)
                    && agent.is_some_and(|a| {
                        a.name == name && a.purpose.map(|p| p.as_str()) == dash(purpose)
                    })
            }
        };
        if !right {
            misses.push(format!(
                "{ua}: expected {expected}/{purpose}, got {agent:?}"
            ));
        }
    }
    println!("{ai} AI agents, {bots} other bots, {browsers} browsers");
    report("user agents", examples.len(), &misses);
}
