//! Extraction tests: matching rules, lists, citations and hostile input.

use super::citations::{MAX_CITATIONS, MAX_URL_LEN};
use super::*;

fn entity(name: &str, aliases: &[&str], domains: &[&str], role: Role) -> Entity {
    Entity {
        name: name.to_owned(),
        aliases: aliases.iter().map(|s| (*s).to_owned()).collect(),
        domains: domains.iter().map(|s| (*s).to_owned()).collect(),
        role,
        rules: MatchRules::default(),
    }
}

fn with_mode(mut e: Entity, mode: MatchMode) -> Entity {
    e.rules.mode = mode;
    e
}

/// "acme" is an ordinary word (the peak of something), so `auto` would be case-sensitive:
/// the matching rules every name shares are tested in `any_case`.
fn acme() -> Entity {
    with_mode(
        entity("Acme", &[], &["acme.com"], Role::Brand),
        MatchMode::AnyCase,
    )
}

fn count(text: &str, e: &Entity) -> u32 {
    extract(text, &[], std::slice::from_ref(e)).mentions[0].count
}

fn mention(text: &str, entities: &[Entity], name: &str) -> Mention {
    let out = extract(text, &[], entities);
    out.mentions
        .into_iter()
        .find(|m| m.entity == name)
        .expect("entity in output")
}

fn urls(text: &str) -> Vec<String> {
    extract(text, &[], &[])
        .citations
        .into_iter()
        .map(|c| c.url)
        .collect()
}

#[test]
fn matches_any_case() {
    assert_eq!(count("acme ACME Acme aCmE", &acme()), 4);
}

#[test]
fn matches_inside_markdown_wrappers() {
    for text in [
        "**Acme**", "_Acme_", "__Acme__", "`Acme`", "(Acme)", "*Acme*", "\"Acme\"",
    ] {
        assert_eq!(count(text, &acme()), 1, "{text}");
    }
}

#[test]
fn markdown_link_text_counts_once_and_url_is_cited() {
    let out = extract("Try [Acme](https://acme.com/acme) now", &[], &[acme()]);
    assert_eq!(out.mentions[0].count, 1);
    assert_eq!(out.mentions[0].first_offset, Some(5));
    assert_eq!(out.citations.len(), 1);
    assert_eq!(out.citations[0].url, "https://acme.com/acme");
}

#[test]
fn matches_possessives_and_punctuation() {
    for text in [
        "Acme's plan",
        "Acme’s plan",
        "Acme.",
        "Acme,",
        "Acme:",
        "Acme!",
        "Acme?",
        "Acme;",
    ] {
        assert_eq!(count(text, &acme()), 1, "{text}");
    }
}

#[test]
fn hyphen_is_a_word_boundary() {
    assert_eq!(count("an Acme-based stack", &acme()), 1);
}

#[test]
fn does_not_match_inside_words() {
    for text in [
        "Acmeville",
        "NotAcme",
        "acme2",
        "2acme",
        "acme_corp",
        "snake_acme",
        "Acmé",
    ] {
        assert_eq!(count(text, &acme()), 0, "{text}");
    }
}

#[test]
fn multi_word_names_match_any_whitespace_run() {
    let globex = entity("Globex Corp", &[], &[], Role::Competitor);
    assert_eq!(
        count("Globex Corp, globex   corp and Globex\nCorp", &globex),
        3
    );
    assert_eq!(count("Globex Corporation", &globex), 0);
    assert_eq!(count("Globex", &globex), 0);
}

#[test]
fn punctuated_names_match_as_a_whole() {
    let oetker = entity("Dr. Oetker", &["AT&T"], &[], Role::Brand);
    assert_eq!(count("Dr. Oetker and AT&T, then dr.  oetker", &oetker), 3);
    assert_eq!(count("Dr Oetker and AT and T", &oetker), 0);
    assert_eq!(count("XAT&T", &oetker), 0);
}

#[test]
fn contained_alias_counts_once() {
    let e = entity("Acme", &["Acme Cloud"], &[], Role::Brand);
    assert_eq!(count("Acme Cloud is fast", &e), 1);
    assert_eq!(count("Acme Cloud and Acme", &e), 2);
}

#[test]
fn shorter_name_used_when_longer_fails_boundary() {
    let e = entity("Acme", &["Acme Cloud"], &[], Role::Brand);
    assert_eq!(count("Acme Cloudy skies", &e), 1);
}

#[test]
fn longest_match_wins_between_entities() {
    let entities = [acme(), entity("Acme Labs", &[], &[], Role::Competitor)];
    let out = extract("Acme Labs beats Acme", &[], &entities);
    assert_eq!(out.mentions[0].count, 1);
    assert_eq!(out.mentions[0].first_offset, Some(16));
    assert_eq!(out.mentions[1].count, 1);
    assert_eq!(out.mentions[1].first_offset, Some(0));
}

#[test]
fn names_inside_urls_are_not_mentions() {
    let text =
        "see https://www.acme.com/pricing and <http://acme.io/x> or [docs](https://x.dev/acme)";
    let out = extract(text, &[], &[acme()]);
    assert_eq!(out.mentions[0].count, 0);
    assert_eq!(out.mentions[0].first_offset, None);
    assert_eq!(out.citations.len(), 3);
}

#[test]
fn offsets_count_characters_not_bytes() {
    let m = mention("Café 中文 😀 Acme", &[acme()], "Acme");
    assert_eq!(m.first_offset, Some(10));
    let m = mention("Élan\n\n\u{a0}ACME", &[acme()], "Acme");
    assert_eq!(m.first_offset, Some(7));
}

#[test]
fn latin_letters_fold_case() {
    let e = entity("Élan Søft", &[], &[], Role::Brand);
    assert_eq!(count("élan søft and ÉLAN SØFT", &e), 2);
}

#[test]
fn rank_orders_by_first_appearance() {
    let entities = [
        acme(),
        entity("Globex", &[], &[], Role::Competitor),
        entity("Initech", &[], &[], Role::Competitor),
        entity("Hooli", &[], &[], Role::Competitor),
    ];
    let out = extract(
        "Globex, then Initech, then Acme and Globex again",
        &[],
        &entities,
    );
    let ranks: Vec<_> = out.mentions.iter().map(|m| m.rank).collect();
    assert_eq!(ranks, [Some(3), Some(1), Some(2), None]);
    let names: Vec<_> = out.mentions.iter().map(|m| m.entity.as_str()).collect();
    assert_eq!(names, ["Acme", "Globex", "Initech", "Hooli"]);
    assert_eq!(out.mentions[1].count, 2);
    assert_eq!(out.mentions[3].count, 0);
}

#[test]
fn empty_names_and_aliases_never_match() {
    let e = entity("  ", &["", "\t", "Acme"], &[], Role::Brand);
    let out = extract("hello world Acme", &[], &[e]);
    assert_eq!(out.mentions[0].count, 1);
    assert_eq!(out.mentions[0].first_offset, Some(12));
    let blank = entity("", &[], &[], Role::Brand);
    assert_eq!(count("anything at all", &blank), 0);
}

fn ranked() -> [Entity; 3] {
    [
        acme(),
        entity("Globex", &[], &[], Role::Competitor),
        entity("Initech", &[], &[], Role::Competitor),
    ]
}

fn positions(text: &str) -> Vec<Option<u32>> {
    extract(text, &[], &ranked())
        .mentions
        .iter()
        .map(|m| m.list_position)
        .collect()
}

#[test]
fn numbered_list_uses_item_order_not_written_number() {
    let text = "Top picks:\n\n1. Globex\n1. Initech\n1. Acme\n";
    assert_eq!(positions(text), [Some(3), Some(1), Some(2)]);
    let text = "1) Initech\n2) Acme\n3) Globex";
    assert_eq!(positions(text), [Some(2), Some(3), Some(1)]);
}

#[test]
fn bulleted_list_positions_with_blank_lines() {
    let text = "- Globex\n\n* Acme\n\n+ Initech\n";
    assert_eq!(positions(text), [Some(2), Some(1), Some(3)]);
    let text = "• Initech\n• Acme";
    assert_eq!(positions(text), [Some(2), None, Some(1)]);
}

#[test]
fn nested_items_and_continuations_belong_to_top_item() {
    let text = "1. Globex\n   - also see Acme\n2. Initech\n   Pairs well with nothing\n";
    assert_eq!(positions(text), [Some(1), Some(1), Some(2)]);
    let text = "1. **Globex**\n- cheap\n- integrates with Acme\n2. **Initech**\n- fast";
    assert_eq!(positions(text), [Some(1), Some(1), Some(2)]);
}

#[test]
fn first_mention_in_intro_has_no_list_position() {
    let text = "Acme is popular.\n\n1. Globex\n2. Acme\n";
    assert_eq!(positions(text), [None, Some(1), None]);
}

#[test]
fn mention_only_after_the_list_has_no_position() {
    let text = "1. Globex\n2. Initech\n\nYou could also consider Acme.";
    assert_eq!(positions(text), [None, Some(1), Some(2)]);
}

#[test]
fn numbered_list_after_bullets_starts_over() {
    let text = "- Note about Initech\n1. Globex\n2. Acme\n";
    assert_eq!(positions(text), [Some(2), Some(1), Some(1)]);
}

#[test]
fn paragraph_line_ends_the_list() {
    let text = "- Globex\nSome paragraph.\n- Acme";
    assert_eq!(positions(text), [Some(1), Some(1), None]);
}

#[test]
fn bold_and_heading_numbered_items_count() {
    let text = "**1. Globex**\nGreat for teams.\n\n**2. Acme**\nCheap.\n\n**3.** Initech\n";
    assert_eq!(positions(text), [Some(2), Some(1), Some(3)]);
    let text = "### 1. Initech\nText.\n### 2. Acme\nText about Globex.\n";
    assert_eq!(positions(text), [Some(2), None, Some(1)]);
}

#[test]
fn non_list_lines_are_not_items() {
    let text = "**Acme** leads.\n*Globex* follows.\n2024 was -Initech's year";
    assert_eq!(positions(text), [None, None, None]);
}

#[test]
fn citations_from_markdown_angle_and_bare_urls() {
    let text = "See [a](https://a.com/x), <https://b.org/y> and https://c.net/z.\n\
                Also (https://d.io/p), \"https://e.com/q\"; https://f.com/w?x=1!";
    assert_eq!(
        urls(text),
        [
            "https://a.com/x",
            "https://b.org/y",
            "https://c.net/z",
            "https://d.io/p",
            "https://e.com/q",
            "https://f.com/w?x=1",
        ]
    );
    let out = extract(text, &[], &[]);
    assert!(out.citations.iter().all(|c| c.origin == Origin::Text));
}

#[test]
fn balanced_parentheses_stay_in_urls() {
    let text = "([wiki](https://en.wikipedia.org/wiki/Foo_(bar))). **https://g.com/a**";
    assert_eq!(
        urls(text),
        ["https://en.wikipedia.org/wiki/Foo_(bar)", "https://g.com/a"]
    );
    assert_eq!(
        urls("[https://h.com](https://h.com/)"),
        ["https://h.com", "https://h.com/"]
    );
}

#[test]
fn provider_citations_first_and_deduplicated() {
    let provider = vec![
        "https://b.com/1".to_owned(),
        "https://a.com/2".to_owned(),
        "https://b.com/1".to_owned(),
    ];
    let text = "https://c.com/3 https://a.com/2 https://c.com/3";
    let out = extract(text, &provider, &[]);
    let got: Vec<_> = out
        .citations
        .iter()
        .map(|c| (c.url.as_str(), c.origin))
        .collect();
    assert_eq!(
        got,
        [
            ("https://b.com/1", Origin::Provider),
            ("https://a.com/2", Origin::Provider),
            ("https://c.com/3", Origin::Text),
        ]
    );
}

#[test]
fn owner_by_domain_and_subdomain() {
    let entities = [
        acme(),
        entity(
            "Globex",
            &[],
            &["https://www.Globex.io/about"],
            Role::Competitor,
        ),
    ];
    let text =
        "https://blog.acme.com/a https://ACME.com./b https://www.globex.io/ https://other.org/";
    let owners: Vec<_> = extract(text, &[], &entities)
        .citations
        .into_iter()
        .map(|c| c.owner)
        .collect();
    assert_eq!(
        owners,
        [
            Some(("Acme".to_owned(), Role::Brand)),
            Some(("Acme".to_owned(), Role::Brand)),
            Some(("Globex".to_owned(), Role::Competitor)),
            None,
        ]
    );
}

#[test]
fn lookalike_hosts_are_not_owned() {
    let text = "https://acme.com.evil.test/ https://notacme.com/ https://acme.co/";
    let out = extract(text, &[], &[acme()]);
    assert_eq!(out.citations.len(), 3);
    assert!(out.citations.iter().all(|c| c.owner.is_none()));
    assert_eq!(out.citations[0].domain, "evil.test");
}

#[test]
fn most_specific_domain_wins() {
    let entities = [
        entity("Host", &[], &["hosting.com"], Role::Brand),
        entity("Tenant", &[], &["tenant.hosting.com"], Role::Competitor),
    ];
    let out = extract(
        "https://docs.tenant.hosting.com/x https://hosting.com/",
        &[],
        &entities,
    );
    assert_eq!(
        out.citations[0].owner,
        Some(("Tenant".to_owned(), Role::Competitor))
    );
    assert_eq!(
        out.citations[1].owner,
        Some(("Host".to_owned(), Role::Brand))
    );
}

#[test]
fn domain_is_registrable_and_lowercase() {
    let text = "https://www.BBC.co.uk/news https://a.b.example.com/ http://192.168.1.1:8080/x http://localhost:3000/";
    let domains: Vec<_> = extract(text, &[], &[])
        .citations
        .into_iter()
        .map(|c| c.domain)
        .collect();
    assert_eq!(
        domains,
        ["bbc.co.uk", "example.com", "192.168.1.1", "localhost"]
    );
}

#[test]
fn malformed_and_non_http_urls_are_skipped() {
    let provider = vec![
        "ftp://files.acme.com/x".to_owned(),
        "not a url".to_owned(),
        "https://".to_owned(),
        "javascript:alert(1)".to_owned(),
        "https://exa mple.com".to_owned(),
        "https://ok.com/".to_owned(),
    ];
    let text = "broken https:// and http://[::1 and https://%%%/ and http://exa%20mple.com/";
    let got: Vec<_> = extract(text, &provider, &[])
        .citations
        .into_iter()
        .map(|c| c.url)
        .collect();
    assert_eq!(got, ["https://ok.com/"]);
}

#[test]
fn caps_url_length_and_citation_count() {
    let long = format!("https://a.com/{}", "x".repeat(MAX_URL_LEN));
    assert!(urls(&format!("{long} https://b.com/")) == ["https://b.com/"]);
    let many: String = (0..300).map(|i| format!("https://s{i}.com/ ")).collect();
    let got = urls(&many);
    assert_eq!(got.len(), MAX_CITATIONS);
    assert_eq!(got[0], "https://s0.com/");
}

/// Fixed-seed xorshift so the hostile-input test is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        usize::try_from(self.0 % 1_000_003).unwrap_or(0)
    }
}

#[test]
fn hostile_input_never_panics_and_offsets_stay_in_text() {
    const PIECES: &[&str] = &[
        "Acme",
        "acme",
        "Acme Cloud",
        "Globex Corp",
        "AT&T",
        "é",
        "中文",
        "😀",
        "İ",
        "ß",
        "\u{301}",
        " ",
        "  ",
        "\n",
        "\r\n",
        "\t",
        "1. ",
        "1) ",
        "- ",
        "* ",
        "• ",
        "**",
        "__",
        "_",
        "`",
        "#",
        "### 2. ",
        "[",
        "]",
        "(",
        ")",
        "<",
        ">",
        "'",
        "’s",
        ".",
        ",",
        "https://",
        "http://",
        "://",
        "www.",
        "acme.com",
        "/path",
        "?q=1",
        "[x](https://acme.com/a)",
        "<https://b.io>",
        "%",
        "\u{a0}",
        "0",
    ];
    let entities = [
        entity(
            "Acme",
            &["Acme Cloud", "", "a"],
            &["acme.com", "https://"],
            Role::Brand,
        ),
        entity(
            "Globex Corp",
            &["AT&T", "ß"],
            &["globex.io"],
            Role::Competitor,
        ),
        entity("İ", &["\u{301}"], &[""], Role::Competitor),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let len = rng.next() % 40;
        let text: String = (0..len)
            .map(|_| PIECES[rng.next() % PIECES.len()])
            .collect();
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        let out = extract(&text, &["https://acme.com/x".to_owned()], &entities);
        assert_eq!(out.mentions.len(), entities.len());
        for m in &out.mentions {
            assert!(m.first_offset.is_none_or(|o| o < chars), "{text:?}");
            assert_eq!(m.count == 0, m.first_offset.is_none(), "{text:?}");
            assert_eq!(m.rank.is_some(), m.first_offset.is_some(), "{text:?}");
        }
        assert!(out.citations.len() <= MAX_CITATIONS);
        for c in out.citations.iter().filter(|c| c.origin == Origin::Text) {
            assert!(text.contains(&c.url), "{text:?}");
        }
    }
}

#[test]
fn large_input_stays_fast() {
    let text = "Acme and https://acme.com/x and 中文 1. Globex Corp\n".repeat(4000);
    let started = std::time::Instant::now();
    let out = extract(&text, &[], &[acme()]);
    assert_eq!(out.mentions[0].count, 4000);
    // In auto, "acme" is an ordinary word: every link to acme.com counts as well.
    let auto = with_mode(acme(), MatchMode::Auto);
    assert_eq!(extract(&text, &[], &[auto]).mentions[0].count, 8000);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn one_matcher_serves_every_answer_of_a_site() {
    let entities = vec![
        entity("Acme", &["Acme Cloud"], &["acme.com"], Role::Brand),
        entity(
            "Globex",
            &[],
            &["globex.com", "www.globex.co.uk"],
            Role::Competitor,
        ),
    ];
    let matcher = Matcher::new(entities.clone());
    assert_eq!(matcher.entities(), &entities[..]);
    let answers = [
        ("1. Globex\n2. Acme Cloud, see https://acme.com/x", vec![]),
        (
            "Neither is named here.",
            vec!["https://globex.co.uk/p".to_string()],
        ),
        (
            "ACME's plan beats globex's",
            vec!["https://www.acme.com/".to_string()],
        ),
    ];
    // Used again and again, in any order, it extracts what a fresh one does.
    for (text, cited) in answers.iter().chain(answers.iter().rev()) {
        assert_eq!(
            matcher.extract(text, cited),
            extract(text, cited, &entities)
        );
    }
    let first = matcher.extract(answers[0].0, &answers[0].1);
    let ranks: Vec<_> = first.mentions.iter().map(|m| m.rank).collect();
    assert_eq!(ranks, [Some(2), Some(1)]);
    let owners: Vec<_> = first.citations.iter().map(|c| c.owner.clone()).collect();
    assert_eq!(owners, [Some(("Acme".to_string(), Role::Brand))]);
    assert_eq!(
        Matcher::new(Vec::new()).extract("Acme", &[]),
        Extraction::default()
    );
}

// ---------------------------------------------------------------------------
// Brands named like ordinary words: match modes, context words, exclude phrases, links
// ---------------------------------------------------------------------------

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
