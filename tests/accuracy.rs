//! Referrer classification accuracy on labelled real-world examples
//! (`tests/data/labelled_referrers.tsv`): referrer and landing URL → channel, source and search
//! term. Prints the accuracy and every miss.

mod labelled;

use aivis::classify::Classifier;
use labelled::{dash, report, rows};

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
