//! The chart in words, for screen readers: what is plotted over which weeks, each line's
//! latest and earliest value, and whether weeks are missing.

use super::*;
use crate::analysis::percent;

pub(super) fn alt_intro(p: &Prepared) -> String {
    let title = p.title.trim_end_matches(['.', ' ']);
    let title = if title.is_empty() {
        "Rate chart"
    } else {
        title
    };
    match p.labels.as_slice() {
        [] => format!("{title}: no weeks to show."),
        [only] => format!("{title}, 1 week: {only}."),
        [first, .., last] => format!("{title}, {} weeks from {first} to {last}.", p.labels.len()),
    }
}

pub(super) fn alt_series(s: &Series, labels: &[String]) -> String {
    let with_data: Vec<(usize, Band)> = s
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|b| (i, b)))
        .collect();
    let last_week = labels.len().saturating_sub(1);
    match with_data.as_slice() {
        [] => format!("{}: not enough data in any week.", s.name),
        [(i, b)] => format!(
            "{}: {} {} (the only week with data).",
            s.name,
            percent(b.value),
            week(*i, last_week, labels)
        ),
        [(fi, first), .., (li, last)] => format!(
            "{}: {} {} (from {} {}).",
            s.name,
            percent(last.value),
            last_phrase(*li, last_week, labels),
            percent(first.value),
            first_phrase(*fi, labels)
        ),
    }
}

pub(super) fn week(i: usize, last_week: usize, labels: &[String]) -> String {
    if i == last_week {
        "in the last week".into()
    } else {
        format!("in {}", labels[i])
    }
}

pub(super) fn last_phrase(i: usize, last_week: usize, labels: &[String]) -> String {
    if i == last_week {
        "in the last week".into()
    } else {
        format!("in {}, the last week with data", labels[i])
    }
}

pub(super) fn first_phrase(i: usize, labels: &[String]) -> String {
    if i == 0 {
        "in the first week".into()
    } else {
        format!("in {}, the first week with data", labels[i])
    }
}
