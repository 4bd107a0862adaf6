//! Referrer classification accuracy on labelled real-world examples
//! (`tests/data/labelled_referrers.tsv`): referrer and landing URL → channel, source and search
//! term. Prints the channel accuracy per expected channel, the source and term accuracy, and
//! every miss; fails when fewer than 98% of the channels are right (or the source or term
//! accuracy falls below the same bar).

mod labelled;

use std::collections::BTreeMap;

use aivis::classify::{Channel, Classifier};
use labelled::{dash, rows};

/// The least share of right answers the corpus must reach, for channel, source and term.
const MIN_ACCURACY: f64 = 0.98;
/// The corpus must stay at least this large.
const MIN_EXAMPLES: usize = 300;

/// Right answers out of a total.
#[derive(Default)]
struct Tally {
    right: usize,
    total: usize,
}

impl Tally {
    fn add(&mut self, right: bool) {
        self.right += usize::from(right);
        self.total += 1;
    }

    fn share(&self) -> f64 {
        self.right as f64 / self.total.max(1) as f64
    }

    fn line(&self) -> String {
        format!(
            "{}/{} ({:.1}%)",
            self.right,
            self.total,
            100.0 * self.share()
        )
    }
}

#[test]
fn labelled_referrers() {
    let classifier = Classifier::new(&["www.acme.test".to_string(), "acme.test".to_string()]);
    let examples = rows(include_str!("data/labelled_referrers.tsv"));
    assert!(
        examples.len() >= MIN_EXAMPLES,
        "{} examples",
        examples.len()
    );
    let mut channels = Tally::default();
    let mut sources = Tally::default();
    let mut terms = Tally::default();
    let mut per_channel: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    for row in &examples {
        let [referrer, target, channel, source, term, provenance] = row[..] else {
            panic!("bad row (6 columns expected): {row:?}");
        };
        assert!(
            Channel::parse(channel).is_some(),
            "unknown channel {channel:?}"
        );
        assert!(
            !provenance.trim().is_empty(),
            "row without provenance: {row:?}"
        );
        let c = classifier.classify(dash(referrer), target);
        let right = (
            c.channel.as_str() == channel,
            c.source == source,
            c.term.as_deref() == dash(term),
        );
        channels.add(right.0);
        sources.add(right.1);
        terms.add(right.2);
        per_channel.entry(channel).or_default().add(right.0);
        if right != (true, true, true) {
            misses.push(format!(
                "{referrer} {target}: expected {channel}/{source}/{term}, got {}/{}/{} [{provenance}]",
                c.channel.as_str(),
                c.source,
                c.term.as_deref().unwrap_or("-"),
            ));
        }
    }
    println!("referrers: {} examples", examples.len());
    println!("  channel {}", channels.line());
    for (channel, tally) in &per_channel {
        println!("    {channel:<15} {}", tally.line());
    }
    println!("  source  {}", sources.line());
    println!("  term    {}", terms.line());
    for miss in &misses {
        println!("  miss: {miss}");
    }
    for (what, tally) in [
        ("channel", &channels),
        ("source", &sources),
        ("term", &terms),
    ] {
        assert!(
            tally.share() >= MIN_ACCURACY,
            "{what} accuracy {} is below {:.0}%; misses:\n{}",
            tally.line(),
            100.0 * MIN_ACCURACY,
            misses.join("\n")
        );
    }
}
