//! Alert rules and lifecycle: what a comparison raises, and what an evaluation does to a
//! stored alert.

use super::*;
use crate::analysis::compare::{TrafficRow, compare};
use crate::analysis::windows::windows;

fn row(channel: &str, source: &str, sessions: u64, conversions: u64) -> TrafficRow {
    TrafficRow::new(channel, source, sessions, conversions)
}

/// AI converting at 9.1% in the baseline; `ai_now` conversions of 1000 AI sessions this week.
fn comparison(ai_now: u64, extra_current: &[TrafficRow]) -> Comparison {
    let baseline = [
        row("ai_assistant", "chatgpt", 4000, 364),
        row("organic_search", "google", 20000, 600),
        row("direct", "direct", 16000, 320),
    ];
    let mut current = vec![
        row("ai_assistant", "chatgpt", 1000, ai_now),
        row("organic_search", "google", 5000, 150),
        row("direct", "direct", 4000, 80),
    ];
    current.extend_from_slice(extra_current);
    compare(
        windows(20_000, 7, 28, Some(19_000)),
        &current,
        &baseline,
        &Thresholds::default(),
    )
}

fn kinds(raised: &[Raised]) -> Vec<&str> {
    raised.iter().map(|r| r.kind).collect()
}

#[test]
fn a_stable_site_raises_nothing() {
    let raised = traffic_alerts("acme", &comparison(91, &[]), &Thresholds::default(), |_| {
        true
    });
    assert!(raised.is_empty(), "{raised:?}");
}

#[test]
fn a_falling_ai_rate_raises_its_alert_and_the_ratio() {
    let raised = traffic_alerts("acme", &comparison(29, &[]), &Thresholds::default(), |_| {
        true
    });
    assert_eq!(kinds(&raised), ["ai_conversion_rate", "ai_search_ratio"]);
    let ai = &raised[0];
    assert_eq!(ai.key, "ai_conversion_rate:acme");
    assert_eq!(ai.direction, Direction::Down);
    assert_eq!(ai.severity, Severity::Critical);
    assert_eq!(
        ai.sentence,
        "Visitors from AI assistants converted at 2.9% this week against 9.1% in the four \
         weeks before (−68%, p < 0.001)."
    );
    assert_eq!(ai.numbers["current"]["conversions"], 29);
    assert_eq!(ai.numbers["baseline"]["sessions"], 4000);
    assert_eq!(raised[1].direction, Direction::Down);
    // A disabled kind is not raised.
    let raised = traffic_alerts("acme", &comparison(29, &[]), &Thresholds::default(), |k| {
        k != "ai_search_ratio"
    });
    assert_eq!(kinds(&raised), ["ai_conversion_rate"]);
}

#[test]
fn a_new_ai_assistant_with_enough_visits_is_news() {
    let raised = traffic_alerts(
        "acme",
        &comparison(
            91,
            &[
                row("ai_assistant", "claude", 25, 1),
                row("ai_assistant", "grok", 5, 0),
            ],
        ),
        &Thresholds::default(),
        |_| true,
    );
    let new: Vec<&Raised> = raised
        .iter()
        .filter(|r| r.kind == "ai_source_new")
        .collect();
    assert_eq!(new.len(), 1, "{raised:?}");
    assert_eq!(new[0].key, "ai_source_new:acme:claude");
    assert_eq!(new[0].severity, Severity::Info);
}

#[test]
fn the_lifecycle_opens_updates_resolves_and_keeps_quiet() {
    let open = StoredState {
        status: Status::Open,
        severity: Severity::Warning,
        first_seen: 100,
        resolved_on: None,
    };
    let notified = StoredState {
        status: Status::Notified,
        ..open.clone()
    };
    let resolved = StoredState {
        status: Status::Resolved,
        resolved_on: Some(110),
        ..open.clone()
    };
    let warning = Some(Severity::Warning);
    assert_eq!(transition(None, warning, 120, 7), Transition::Open);
    assert_eq!(transition(None, None, 120, 7), Transition::Keep);
    // Evaluating again: updated, not re-opened.
    assert_eq!(
        transition(Some(&open), warning, 120, 7),
        Transition::Update(Status::Open)
    );
    assert_eq!(
        transition(Some(&notified), warning, 120, 7),
        Transition::Update(Status::Notified)
    );
    // Risen since the mail: open again, so the next mail tells.
    assert_eq!(
        transition(Some(&notified), Some(Severity::Critical), 120, 7),
        Transition::Update(Status::Open)
    );
    assert_eq!(
        transition(Some(&notified), None, 120, 7),
        Transition::Resolve
    );
    assert_eq!(transition(Some(&resolved), None, 120, 7), Transition::Keep);
    // Within the cooldown a resolved alert stays quiet unless it got worse.
    assert_eq!(
        transition(Some(&resolved), warning, 116, 7),
        Transition::Keep
    );
    assert_eq!(
        transition(Some(&resolved), Some(Severity::Critical), 116, 7),
        Transition::Open
    );
    assert_eq!(
        transition(Some(&resolved), warning, 117, 7),
        Transition::Open
    );
}

#[test]
fn severity_grows_with_the_change() {
    assert_eq!(Severity::of_change(Some(-0.3)), Severity::Info);
    assert_eq!(Severity::of_change(Some(0.45)), Severity::Warning);
    assert_eq!(Severity::of_change(Some(-0.68)), Severity::Critical);
    assert_eq!(Severity::parse("warning"), Some(Severity::Warning));
    assert_eq!(
        Status::parse(Status::Notified.as_str()),
        Some(Status::Notified)
    );
}

#[test]
fn a_ratio_against_an_uncertain_baseline_needs_a_significant_change() {
    // AI 7.5% against search 3% (ratio 2.5) in a small baseline, then 15% against 3% (ratio
    // 5): the current interval leaves 2.5 out, but the change of the ratio, with both
    // periods' uncertainty, has p = 0.04: not an alert at alpha 0.01.
    let baseline = [
        row("ai_assistant", "chatgpt", 400, 30),
        row("organic_search", "google", 1000, 30),
    ];
    let current = [
        row("ai_assistant", "chatgpt", 400, 60),
        row("organic_search", "google", 1000, 30),
    ];
    let c = compare(
        windows(20_000, 7, 7, Some(19_000)),
        &current,
        &baseline,
        &Thresholds::default(),
    );
    assert!(c.ratio.excludes_baseline);
    assert!(
        (0.01..0.05).contains(&c.ratio.p_value.unwrap()),
        "{:?}",
        c.ratio
    );
    let raised = traffic_alerts("acme", &c, &Thresholds::default(), |_| true);
    assert!(!kinds(&raised).contains(&"ai_search_ratio"), "{raised:?}");
    assert!(kinds(&raised).contains(&"ai_conversion_rate"), "{raised:?}");
}

#[test]
fn answer_rates_need_enough_answers_in_each_window() {
    let engine = |name: &str, answers, mentioned, citing_brand| EngineAnswers {
        engine: name.into(),
        answers,
        mentioned,
        citing_brand,
    };
    let spans = windows(20_000, 7, 28, Some(19_000));
    let thresholds = Thresholds {
        min_trials_each: 30,
        min_trials: 0,
        min_successes: 0,
        ..Thresholds::default()
    };
    // gpt: 30 answers each side, mentioned 27 then 3 of them; claude: the same fall on 20.
    let now = [engine("gpt", 30, 3, 30), engine("claude", 20, 2, 20)];
    let before = [engine("gpt", 30, 27, 30), engine("claude", 20, 18, 20)];
    let raised = answer_alerts("acme", &spans, &now, &before, &thresholds, |_| true);
    let keys: Vec<&str> = raised.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["mention_rate:acme:gpt"]);
    assert_eq!(raised[0].direction, Direction::Down);
    let off = answer_alerts("acme", &spans, &now, &before, &thresholds, |k| {
        k != "mention_rate"
    });
    assert!(off.is_empty(), "{off:?}");
}

#[test]
fn a_lead_is_lost_only_by_majorities_of_enough_answers() {
    let leaders = |answers, list: &[(&str, &str, u64)]| PromptLeaders {
        engine: "gpt".into(),
        prompt_id: 4,
        prompt: "best crm".into(),
        answers,
        leaders: list
            .iter()
            .map(|(e, r, n)| (e.to_string(), r.to_string(), *n))
            .collect(),
    };
    let spans = windows(20_000, 7, 28, Some(19_000));
    let before = [leaders(
        6,
        &[("Acme", "brand", 4), ("Globex", "competitor", 2)],
    )];
    let lost = [leaders(
        3,
        &[("Globex", "competitor", 2), ("Acme", "brand", 1)],
    )];
    let raised = rank_alerts("acme", &spans, &lost, &before);
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].key, "top_rank_lost:acme:gpt:4");
    assert!(
        raised[0]
            .sentence
            .starts_with("gpt now names Globex first for \"best crm\"")
    );
    // Not a majority now, or too few answers: nothing.
    let split = [leaders(
        4,
        &[("Globex", "competitor", 2), ("Acme", "brand", 2)],
    )];
    assert!(rank_alerts("acme", &spans, &split, &before).is_empty());
    let few = [leaders(2, &[("Globex", "competitor", 2)])];
    assert!(rank_alerts("acme", &spans, &few, &before).is_empty());
}
