//! User-agent classification accuracy on labelled real-world examples
//! (`tests/data/labelled_user_agents.tsv`): user agent → AI agent and purpose, other bot, or
//! browser. Prints the accuracy and every miss.

mod labelled;

use aivis::classify::{bot_agent, is_bot};
use labelled::{dash, report, rows};

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
