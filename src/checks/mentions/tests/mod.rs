//! Extraction tests: matching rules, lists, citations and hostile input; names that are
//! ordinary words in `ordinary_words`.

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

mod ordinary_words;
