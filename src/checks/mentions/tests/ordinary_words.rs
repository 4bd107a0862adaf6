//! Brands named like ordinary words: match modes, context words, exclude phrases, links.

use super::*;

fn ruled(name: &str, aliases: &[&str], domains: &[&str], rules: MatchRules) -> Entity {
    Entity {
        rules,
        ..entity(name, aliases, domains, Role::Brand)
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn notion(mode: MatchMode) -> Entity {
    ruled(
        "Notion",
        &[],
        &["notion.so"],
        MatchRules {
            mode,
            ..MatchRules::default()
        },
    )
}

#[test]
fn any_case_matches_the_word_sense_too() {
    let e = notion(MatchMode::AnyCase);
    assert_eq!(count("I like the notion of a single workspace", &e), 1);
    assert_eq!(count("notion NOTION Notion", &e), 3);
}

#[test]
fn exact_case_wants_the_configured_case_or_all_capitals() {
    let e = notion(MatchMode::ExactCase);
    assert_eq!(count("Notion, NOTION and **Notion's** pages", &e), 3);
    for text in ["the notion of", "NoTion", "nOTION", "https://notion.so/x"] {
        assert_eq!(count(text, &e), 0, "{text}");
    }
    // Not only for ordinary words: exact is exact.
    let globex = with_mode(
        entity("Globex", &[], &[], Role::Brand),
        MatchMode::ExactCase,
    );
    assert_eq!(count("globex Globex GLOBEX", &globex), 2);
    // A lowercase name wants lowercase (or capitals).
    let lower = with_mode(
        entity("linear", &[], &[], Role::Brand),
        MatchMode::ExactCase,
    );
    assert_eq!(count("linear Linear LINEAR", &lower), 2);
    // Several words: whitespace runs do not matter, case does.
    let two = with_mode(
        entity("Square Space", &[], &[], Role::Brand),
        MatchMode::ExactCase,
    );
    assert_eq!(count("Square  Space, square space, SQUARE\nSPACE", &two), 2);
}

#[test]
fn auto_is_exact_for_ordinary_words_and_any_case_otherwise() {
    let e = notion(MatchMode::Auto);
    assert_eq!(count("I like the notion of a single workspace", &e), 0);
    assert_eq!(count("Notion is a wiki. NOTION again, notion never", &e), 2);
    let globex = entity("Globex", &[], &[], Role::Brand);
    assert_eq!(count("globex Globex GLOBEX gLoBeX", &globex), 4);
    // Per name: a multiword alias is not a dictionary word, so it matches in any case.
    let hq = ruled("Notion", &["Notion HQ"], &[], MatchRules::default());
    assert_eq!(count("visit notion hq today; the notion stays", &hq), 1);
    // Two names of one entity that fold alike: either spelling counts.
    let both = ruled("Box", &["BOX", "box"], &[], MatchRules::default());
    assert_eq!(count("box Box BOX bOx", &both), 3);
}

#[test]
fn auto_counts_own_domains_and_links_in_any_case() {
    let e = notion(MatchMode::Auto);
    for (text, expected) in [
        ("Try notion.so for notes", 1),
        ("see www.notion.so/templates.", 1),
        ("mail team@notion.so", 1),
        ("https://www.notion.so/product", 1),
        ("<https://notion.so>", 1),
        ("[notion](https://notion.so)", 1),
        ("[Notion](https://www.notion.so/pricing)", 1),
        ("[notion.so](https://notion.so)", 1),
        ("[their docs](https://notion.so/help)", 1),
        ("Notion (https://notion.so) and Notion.so", 3),
        (
            "[the notion of time](https://en.wikipedia.org/wiki/Time)",
            0,
        ),
        ("notion.com is not configured", 0),
        ("a notion. So what?", 0),
        ("https://notion.so.evil.test/", 0),
    ] {
        assert_eq!(count(text, &e), expected, "{text}");
    }
    // The link counts where the markdown link opens.
    let m = mention("Read [the guide](https://notion.so/guide)", &[e], "Notion");
    assert_eq!(m.first_offset, Some(5));
    // Links count only in auto, and only for an entity with an ordinary-word name.
    assert_eq!(count("https://notion.so/x", &notion(MatchMode::AnyCase)), 0);
    let globex = entity("Globex", &[], &["globex.io"], Role::Brand);
    assert_eq!(count("https://globex.io/x and globex.io", &globex), 1);
}

#[test]
fn not_before_and_not_after_words() {
    let apple = ruled(
        "Apple",
        &[],
        &["apple.com"],
        MatchRules {
            not_before: words(&["big"]),
            not_after: words(&["pie", "Juice"]),
            ..MatchRules::default()
        },
    );
    for (text, expected) in [
        ("Apple pie is sweet", 0),
        ("**Apple** juice", 0),
        ("\"Apple\" (pie)", 0),
        ("the Big Apple", 0),
        ("Big *Apple*", 0),
        ("Apple, pie and cake", 1),
        ("Apple\npie", 1),
        ("Apple's pie chart", 1),
        ("Apple pies", 1),
        ("Apple makes phones", 1),
        ("big.Apple", 1),
        ("apple.com sells pie", 1),
    ] {
        assert_eq!(count(text, &apple), expected, "{text}");
    }
}

#[test]
fn exclude_phrases_hold_the_name() {
    let square = ruled(
        "Square",
        &[],
        &["squareup.com"],
        MatchRules {
            exclude: words(&["square meter", "Times Square", "  "]),
            ..MatchRules::default()
        },
    );
    for (text, expected) in [
        ("Square Meter prices", 0),
        ("a SQUARE  METER", 0),
        ("Meet in Times Square", 0),
        ("Square meters", 1),
        ("Square POS and Square, then a square meter", 2),
    ] {
        assert_eq!(count(text, &square), expected, "{text}");
    }
    // Phrases belong to their entity: they do not drop another entity's name.
    let other = entity("Meter", &[], &[], Role::Competitor);
    let out = extract("Square Meter", &[], &[square, other]);
    assert_eq!((out.mentions[0].count, out.mentions[1].count), (0, 1));
}

fn monday(rules: MatchRules) -> Entity {
    ruled("Monday", &["monday.com"], &["monday.com"], rules)
}

#[test]
fn day_names_in_auto_skip_their_calendar_sense() {
    let e = monday(MatchRules::default());
    for text in [
        "Team meetings every Monday",
        "See you on Monday.",
        "next Monday, last Monday, this Monday, each Monday",
        "by Monday or until Monday, since Monday, before Monday, after Monday",
        "through Monday till Monday",
        "a Monday morning standup",
        "Monday evening",
        "Monday to Friday",
        "Monday–Friday and Monday - Friday, Mon/Tue Monday/Tuesday",
        "Saturday and Monday",
        "Monday, Wednesday and Friday",
        "Monday, March 3",
        "Monday 12th",
        "Mondays are slow",
    ] {
        assert_eq!(count(text, &e), 0, "{text}");
    }
    for (text, expected) in [
        ("Monday is a work OS", 1),
        ("Asana vs Monday: which is better?", 1),
        ("Migrating from Monday to Notion", 1),
        ("Asana, Monday, and Notion", 1),
        ("**Monday** – boards", 1),
        ("monday.com and Monday.com", 2),
        ("switch on monday.com", 1),
        ("Monday's automations", 1),
        ("on monday.com every Monday", 1),
    ] {
        assert_eq!(count(text, &e), expected, "{text}");
    }
}

#[test]
fn an_entity_own_not_before_replaces_the_calendar_defaults() {
    let e = monday(MatchRules {
        not_before: words(&["every"]),
        ..MatchRules::default()
    });
    assert_eq!(count("every Monday", &e), 0);
    assert_eq!(count("on Monday", &e), 1);
    // The date senses still apply.
    assert_eq!(count("Monday morning", &e), 0);
    // Outside auto there are no calendar rules at all.
    let any = monday(MatchRules {
        mode: MatchMode::AnyCase,
        ..MatchRules::default()
    });
    assert_eq!(count("every Monday and Monday morning", &any), 2);
}

#[test]
fn month_names_in_auto() {
    let march = ruled("March", &[], &[], MatchRules::default());
    for text in [
        "in March",
        "March 2025",
        "15 March",
        "the end of March",
        "January to March",
        "early March",
        "they march on",
    ] {
        assert_eq!(count(text, &march), 0, "{text}");
    }
    assert_eq!(count("March is a planning tool", &march), 1);
    assert_eq!(count("Compare March and Asana", &march), 1);
}

#[test]
fn sentence_initial_word_sense_is_a_known_limit_unless_configured() {
    let plain = notion(MatchMode::Auto);
    assert_eq!(count("Notion of time matters.", &plain), 1);
    let configured = ruled(
        "Notion",
        &[],
        &["notion.so"],
        MatchRules {
            not_after: words(&["of"]),
            ..MatchRules::default()
        },
    );
    assert_eq!(count("Notion of time matters.", &configured), 0);
    assert_eq!(count("Notion offers pages.", &configured), 1);
}

#[test]
fn empty_rule_entries_are_ignored() {
    let e = ruled(
        "Apple",
        &[],
        &[],
        MatchRules {
            mode: MatchMode::Auto,
            not_before: words(&["", " "]),
            not_after: words(&[""]),
            exclude: words(&["", "\t"]),
        },
    );
    assert_eq!(count("Apple and Apple", &e), 2);
}

#[test]
fn hostile_input_with_rules_never_panics() {
    const PIECES: &[&str] = &[
        "Monday",
        "monday",
        "Notion",
        "notion",
        "NOTION",
        "notion.so",
        "www.",
        ".so",
        "Apple",
        " pie",
        "every ",
        "on ",
        " to ",
        "–",
        "-",
        "/",
        ",",
        " ",
        "\n",
        "\u{202e}",
        "\u{200f}",
        "\u{0}",
        "\u{1b}[31m",
        "\r",
        "שלום",
        "مرحبا",
        "[",
        "](",
        ")",
        "https://notion.so/",
        "https://",
        "**",
        "_",
        "’",
        "'",
        "\"",
        "12",
        "March",
        "square meter",
        "Square",
        "é",
        "\u{301}",
        "😀",
        "İ",
    ];
    let entities = [
        ruled(
            "Notion",
            &["Notion HQ", ""],
            &["notion.so", ""],
            MatchRules::default(),
        ),
        monday(MatchRules::default()),
        ruled(
            "Apple",
            &["İ"],
            &["apple.com"],
            MatchRules {
                mode: MatchMode::ExactCase,
                not_before: words(&["every", "", "é"]),
                not_after: words(&["pie", "\u{301}"]),
                exclude: words(&["square meter", "", "😀 Apple", "[ ]"]),
            },
        ),
        ruled(
            "Square",
            &[],
            &[],
            MatchRules {
                mode: MatchMode::AnyCase,
                exclude: words(&["square meter", "square"]),
                ..MatchRules::default()
            },
        ),
        ruled("March", &["\u{202e}"], &[], MatchRules::default()),
    ];
    let matcher = Matcher::new(entities.to_vec());
    let mut rng = Rng(0x51_7cc1_b727_220a);
    for _ in 0..3000 {
        let len = rng.next() % 40;
        let text: String = (0..len)
            .map(|_| PIECES[rng.next() % PIECES.len()])
            .collect();
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let out = matcher.extract(&text, &[]);
        assert_eq!(out.mentions.len(), entities.len());
        for m in &out.mentions {
            assert!(m.first_offset.is_none_or(|o| o < chars), "{text:?}");
            assert_eq!(m.count == 0, m.first_offset.is_none(), "{text:?}");
        }
    }
    // Huge input made of near-misses, rule words and links stays fast.
    let unit =
        "every Monday morning, the notion of Notion (https://notion.so/x) and a square meter; ";
    let text = unit.repeat(20_000);
    let started = std::time::Instant::now();
    let out = matcher.extract(&text, &[]);
    assert_eq!(out.mentions[0].count, 40_000, "Notion and its link");
    assert_eq!(out.mentions[1].count, 0, "every Monday morning");
    assert_eq!(out.mentions[3].count, 0, "inside its own exclude phrase");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    // One very long word next to a name, and a long run of marks.
    let long = format!(
        "Monday {} {} Monday",
        "x".repeat(100_000),
        "*".repeat(100_000)
    );
    assert_eq!(matcher.extract(&long, &[]).mentions[1].count, 2);
}
