use super::*;

fn alert(kind: &str, severity: &str, direction: &str, numbers: serde_json::Value) -> StoredAlert {
    StoredAlert {
        key: format!("{kind}:acme"),
        kind: kind.into(),
        site: "acme".into(),
        subject: "ai_assistant".into(),
        status: "open".into(),
        direction: direction.into(),
        severity: severity.into(),
        sentence: format!("{kind} moved."),
        numbers: numbers.to_string(),
        first_seen: "2026-11-24".into(),
        last_seen: "2026-11-24".into(),
        resolved_on: None,
        mailed: false,
        resolution_mailed: false,
    }
}

fn conversion_numbers(change: f64) -> serde_json::Value {
    serde_json::json!({
        "current": {"from": "2026-11-18", "to": "2026-11-24", "days": 7,
                    "sessions": 400, "conversions": 4, "rate": 0.01},
        "baseline": {"from": "2026-10-21", "to": "2026-11-17", "days": 28,
                     "sessions": 1600, "conversions": 50, "rate": 0.03125},
        "relative_change": change, "p_value": 0.001,
    })
}

fn render(active: &[StoredAlert], pages: &[LandingPage]) -> RenderedMail {
    render_alert_mail(&AlertMailInput {
        site: "acme",
        as_of: "2026-11-24",
        brand: Some("Acme"),
        active,
        resolved: &[],
        landing_pages: pages,
    })
    .unwrap()
}

#[test]
fn the_subject_states_the_most_severe_change_in_words() {
    let active = [
        alert(
            "ai_traffic_share",
            "info",
            "up",
            serde_json::json!({"relative_change": 0.3}),
        ),
        alert(
            "ai_conversion_rate",
            "critical",
            "down",
            conversion_numbers(-0.68),
        ),
    ];
    let mail = render(&active, &[]);
    assert_eq!(
        mail.subject,
        "AI visitors convert 68% less than in the four weeks before (and 1 more) — acme"
    );
    let first = mail.text.find("AI visitors convert").unwrap();
    let second = mail.text.find("share of visits").unwrap();
    assert!(first < second, "most severe first:\n{}", mail.text);
}

#[test]
fn both_windows_show_their_numbers_with_intervals() {
    let mail = render(
        &[alert(
            "ai_conversion_rate",
            "critical",
            "down",
            conversion_numbers(-0.68),
        )],
        &[],
    );
    assert!(
        mail.text
            .contains("This week (2026-11-18 – 2026-11-24): 400 visits, 4 conversions, converted 1.0% (0.4–2.5%)"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("Four weeks before (2026-10-21 – 2026-11-17): 1600 visits")
    );
    assert!(mail.text.contains("aivis report compare --site acme"));
    assert!(mail.html.contains("converted 1.0% (0.4–2.5%)"));
}

#[test]
fn hostile_text_from_logs_and_answers_is_escaped_in_the_html() {
    let mut hostile = alert("mention_rate", "warning", "down", conversion_numbers(-0.5));
    hostile.subject = "<script>alert(1)</script>".into();
    hostile.sentence = "\"><img src=x onerror=alert(1)> \u{202E}gnp.exe".into();
    let pages = [LandingPage {
        path: format!(
            "/<script>x</script>?q=\"><img onerror=y>{}",
            "a".repeat(5000)
        ),
        sessions: 3,
        conversions: 0,
    }];
    let mail = render(&[hostile], &pages);
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(!mail.html.contains("<img src=x"));
    assert!(!mail.html.contains("<img onerror"));
    assert!(mail.html.contains("&lt;script&gt;"));
    assert!(mail.html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(mail.html.len() < 20_000, "long paths are capped");
    assert!(!mail.subject.contains('\n'));
}

#[test]
fn resolutions_are_told_and_make_the_subject_when_alone() {
    let mut resolved = alert(
        "ai_conversion_rate",
        "critical",
        "down",
        conversion_numbers(-0.68),
    );
    resolved.status = "resolved".into();
    resolved.resolved_on = Some("2026-11-30".into());
    let mail = render_alert_mail(&AlertMailInput {
        site: "acme",
        as_of: "2026-11-30",
        brand: None,
        active: &[],
        resolved: &[resolved],
        landing_pages: &[],
    })
    .unwrap();
    assert!(
        mail.subject
            .starts_with("Resolved: AI visitors convert 68% less")
    );
    assert!(
        mail.text
            .contains("back within the usual range since 2026-11-30")
    );
}

#[test]
fn headlines_name_engines_crawlers_and_competitors() {
    let mut mention = alert("mention_rate", "warning", "down", conversion_numbers(-0.4));
    mention.subject = "gpt".into();
    assert_eq!(
        headline(&mention, "Acme"),
        "gpt names Acme 40% less often than in the four weeks before"
    );
    let mut crawler = alert(
        "ai_crawler_change",
        "critical",
        "down",
        serde_json::json!({}),
    );
    crawler.subject = "GPTBot".into();
    assert_eq!(
        headline(&crawler, "Acme"),
        "GPTBot stopped crawling the site"
    );
    let mut rank = alert(
        "top_rank_lost",
        "warning",
        "down",
        serde_json::json!({"current": {"leader": "Globex"}}),
    );
    rank.subject = "gpt:3".into();
    assert_eq!(
        headline(&rank, "Acme"),
        "Globex is now named before Acme on gpt"
    );
}
