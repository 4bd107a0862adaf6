//! Shared by the accuracy tests: reading a labelled TSV corpus and reporting its accuracy.

#![allow(dead_code)] // each accuracy test uses part of these

pub fn rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
        .collect()
}

pub fn dash(value: &str) -> Option<&str> {
    (value != "-").then_some(value)
}

/// Prints the accuracy and the misses, then fails if there is any miss.
pub fn report(what: &str, total: usize, misses: &[String]) {
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
