use super::*;
use crate::analysis::compare::{TrafficRow, compare};
use crate::analysis::shift::Thresholds;
use crate::analysis::windows::{Span, windows};
use crate::report::compare::LandingPage;
use crate::report::digest::{CitedDomain, DigestPeriod, PromptChange, Voice, WeekNumbers};

fn row(channel: &str, source: &str, sessions: u64, conversions: u64) -> TrafficRow {
    TrafficRow::new(channel, source, sessions, conversions)
}

/// A week of `ai` AI and `search` search visits converting as given, against a week before.
fn data(now: [(u64, u64); 2], before: [(u64, u64); 2]) -> DigestData {
    let current = [
        row("ai_assistant", "chatgpt", now[0].0, now[0].1),
        row("organic_search", "google", now[1].0, now[1].1),
    ];
    let baseline = [
        row("ai_assistant", "chatgpt", before[0].0, before[0].1),
        row("organic_search", "google", before[1].0, before[1].1),
    ];
    let spans = windows(20_780, 7, 7, Some(20_000));
    let comparison = compare(spans, &current, &baseline, &Thresholds::default());
    let engine = |mentioned, answers| EngineAnswers {
        engine: "gpt".into(),
        answers,
        mentioned,
        citing_brand: 1,
    };
    DigestData {
        site: "acme".into(),
        period: DigestPeriod {
            label: "2026-W47".into(),
            kind: "week",
            current: Span::new(20_774, 20_780),
            previous: Span::new(20_767, 20_773),
        },
        comparison,
        landing_pages: vec![LandingPage {
            path: "/pricing".into(),
            sessions: 40,
            conversions: 3,
        }],
        engines_now: vec![engine(12, 20)],
        engines_before: vec![engine(3, 4)],
        prompts_gained: vec![PromptChange {
            prompt_id: 1,
            prompt: "best analytics tool".into(),
        }],
        prompts_lost: Vec::new(),
        voices: vec![Voice {
            entity: "Acme".into(),
            role: "brand".into(),
            mentions: 12,
            share: 0.6,
        }],
        cited_domains: vec![CitedDomain {
            domain: "acme.test".into(),
            owner_role: Some("brand".into()),
            citations: 5,
            share: 0.5,
        }],
        crawlers_now: Vec::new(),
        crawlers_before: vec![CrawlerActivity {
            agent: "GPTBot".into(),
            operator: Some("OpenAI".into()),
            purpose: "training".into(),
            hits: 40,
            errors: 0,
            days: 7,
        }],
        spoofed_crawler_requests_now: 0,
        spoofed_crawler_requests_before: 0,
        weeks: (0..12)
            .map(|i| WeekNumbers {
                label: format!("2026-W{:02}", 36 + i),
                ai: Counts::new(3 * i, 100),
                search: Counts::new(3, if i == 4 { 5 } else { 100 }),
                engines: vec![engine(5, 10)],
            })
            .collect(),
    }
}

fn rendered(data: &DigestData) -> RenderedMail {
    render_digest(&DigestInput {
        data,
        brand: Some("Acme"),
        open_alerts: &[],
        resolved_alerts: &[],
    })
    .unwrap()
}

#[test]
fn a_real_shift_makes_the_subject() {
    let digest = rendered(&data([(1000, 20), (1000, 30)], [(1000, 80), (1000, 30)]));
    assert_eq!(
        digest.subject,
        "AI visitors converted 75% less than the week before — acme, 2026-W47"
    );
    assert!(digest.text.contains("conversion rate 2.0% (1.3–3.1%)"));
    assert!(digest.html.contains("2.0% (1.3–3.1%)"));
}

#[test]
fn thin_data_is_said_in_words_not_as_a_noisy_percentage() {
    let digest = rendered(&data([(12, 2), (20, 1)], [(9, 0), (25, 1)]));
    let text = &digest.text;
    assert!(text.contains("too few visits (12)"), "{text}");
    assert!(
        !text.contains("16.7%"),
        "2 of 12 is not shown as a rate: {text}"
    );
    assert!(text.contains("too little data to tell"));
    assert!(text.contains("AI assistants sent 12 visitors: too few to compare"));
    // Four answers the week before: no rate.
    assert!(text.contains("too few answers (4)"), "{text}");
}

#[test]
fn charts_are_inline_images_with_alt_text_and_gaps_for_thin_weeks() {
    let digest = rendered(&data([(1000, 20), (1000, 30)], [(1000, 80), (1000, 30)]));
    let ids: Vec<&str> = digest
        .images
        .iter()
        .map(|i| i.content_id.as_str())
        .collect();
    assert_eq!(ids, ["conversion-chart", "mentions-chart"]);
    for image in &digest.images {
        assert!(image.png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(
            digest
                .html
                .contains(&format!("src=\"cid:{}\"", image.content_id))
        );
    }
    assert!(
        digest
            .html
            .contains("alt=\"Conversion rate per week, 12 weeks")
    );
    assert!(
        digest
            .html
            .contains("Weeks without enough data are left out.")
    );
    assert!(digest.text.contains("[Chart] Conversion rate per week"));
}

#[test]
fn preview_links_charts_as_files() {
    let data = data([(100, 2), (100, 3)], [(100, 8), (100, 3)]);
    let input = DigestInput {
        data: &data,
        brand: None,
        open_alerts: &[],
        resolved_alerts: &[],
    };
    let digest = preview(&render_digest(&input).unwrap(), "digest");
    assert!(!digest.html.contains("cid:"));
    let names: Vec<&str> = digest.files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["digest-conversion.png", "digest-mentions.png"]);
    assert!(digest.html.contains("src=\"digest-conversion.png\""));
}

#[test]
fn hostile_names_are_escaped_and_capped() {
    let mut data = data([(100, 2), (100, 3)], [(100, 8), (100, 3)]);
    data.landing_pages[0].path = format!("/<script>alert(1)</script>{}", "x".repeat(4000));
    data.prompts_gained[0].prompt = "\"><img src=x onerror=alert(1)>".into();
    data.voices[0].entity = "<b>Acme</b>\u{202E}".into();
    data.cited_domains[0].domain = "evil.test\r\nBcc: x@evil.test".into();
    let digest = rendered(&data);
    let html = &digest.html;
    assert!(
        !html.contains("<script>") && !html.contains("<img src=x") && !html.contains("<b>Acme")
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(
        !html.contains("x".repeat(200).as_str()),
        "long paths are capped"
    );
    assert!(!digest.text.contains("\r\nBcc:"));
}

#[test]
fn a_crawler_that_stopped_is_named() {
    let digest = rendered(&data([(100, 2), (100, 3)], [(100, 8), (100, 3)]));
    assert!(
        digest
            .text
            .contains("Stopped coming: GPTBot (40 requests before)")
    );
}

#[test]
fn spoofed_crawler_requests_get_a_line_of_their_own() {
    let plain = rendered(&data([(100, 2), (100, 3)], [(100, 8), (100, 3)]));
    assert!(!plain.text.contains("spoofed"), "{}", plain.text);
    let mut spoofed = data([(100, 2), (100, 3)], [(100, 8), (100, 3)]);
    spoofed.spoofed_crawler_requests_now = 17;
    let digest = rendered(&spoofed);
    assert!(
        digest
            .text
            .contains("spoofed (outside the agents' published IP ranges): 17 requests (0 before)"),
        "{}",
        digest.text
    );
}
