//! A site's own source rules and internal hosts, over the built-in lists.

use super::*;

/// A site with its own rules: a new AI assistant (by host and by utm_source), a search
/// engine the lists lack, a path of a listed search engine that is really an assistant, a
/// named referral, a utm_source the site uses for its own newsletter, and a payment provider
/// that sends visitors back.
fn site_with_rules() -> Classifier {
    let host = |host: &str, channel: Channel, source: &str| SourceRule {
        matches: RuleMatch::Host(host.into()),
        channel,
        source: source.into(),
        search_params: Vec::new(),
    };
    let rules = [
        host("chat.newai.example", Channel::AiAssistant, "newai"),
        host("com.newai.android", Channel::AiAssistant, "newai"),
        SourceRule {
            matches: RuleMatch::UtmSource("NewAI".into()),
            ..host("-", Channel::AiAssistant, "newai")
        },
        SourceRule {
            search_params: vec!["query".into()],
            ..host("find.example", Channel::OrganicSearch, "find")
        },
        host("yandex.ru/alice", Channel::AiAssistant, "alice"),
        host("news.ycombinator.com", Channel::Referral, "hacker-news"),
        SourceRule {
            matches: RuleMatch::UtmSource("bing".into()),
            ..host("-", Channel::Email, "bing-digest")
        },
    ];
    let internal = ["acme.test".to_string(), "checkout.pay.example".to_string()];
    Classifier::with_rules(&internal, &rules).unwrap()
}

#[track_caller]
fn check_site(referrer: Option<&str>, target: &str, channel: &str, source: &str) -> Classification {
    check_with(&site_with_rules(), referrer, target, channel, source)
}

#[test]
fn site_rules_add_sources_the_lists_lack() {
    check(
        Some("https://chat.newai.example/c/1"),
        "/",
        "referral",
        "newai.example",
    );
    check_site(
        Some("https://chat.newai.example/c/1"),
        "/",
        "ai_assistant",
        "newai",
    );
    check_site(
        Some("https://eu.chat.newai.example/"),
        "/",
        "ai_assistant",
        "newai",
    );
    check_site(
        Some("https://chat.newai.example.evil.test/"),
        "/",
        "referral",
        "evil.test",
    );
    check_site(None, "/?utm_source=newai", "ai_assistant", "newai");
    check_site(
        Some("android-app://com.newai.android/"),
        "/",
        "ai_assistant",
        "newai",
    );
    let search = check_site(
        Some("https://find.example/results?query=red+shoes"),
        "/",
        "organic_search",
        "find",
    );
    assert_eq!(search.term.as_deref(), Some("red shoes"));
    check_site(
        Some("https://find.example/"),
        "/?utm_medium=cpc",
        "paid_search",
        "find",
    );
}

#[test]
fn site_rules_win_over_the_built_in_lists() {
    check(
        Some("https://yandex.ru/alice"),
        "/",
        "organic_search",
        "yandex",
    );
    check_site(
        Some("https://yandex.ru/alice?x=1"),
        "/",
        "ai_assistant",
        "alice",
    );
    check_site(
        Some("https://yandex.ru/search/?text=acme"),
        "/",
        "organic_search",
        "yandex",
    );
    check(
        Some("https://news.ycombinator.com/item?id=1"),
        "/",
        "referral",
        "ycombinator.com",
    );
    check_site(
        Some("https://news.ycombinator.com/item?id=1"),
        "/",
        "referral",
        "hacker-news",
    );
    check(
        None,
        "/?utm_source=bing&utm_medium=newsletter",
        "email",
        "bing",
    );
    check_site(None, "/?utm_source=Bing", "email", "bing-digest");
    // The rule names a source; it does not turn off the precedence: an AI referrer still
    // beats the campaign tags, and a paid marker still makes paid traffic.
    check_site(
        Some("https://chatgpt.com/"),
        "/?utm_source=bing",
        "ai_assistant",
        "chatgpt",
    );
    check_site(
        Some("https://www.bing.com/"),
        "/?msclkid=1",
        "paid_search",
        "bing",
    );
}

#[test]
fn internal_hosts_from_the_config_start_no_session_source() {
    let site = site_with_rules();
    assert!(site.is_internal_referrer("https://checkout.pay.example/return"));
    assert!(!site.is_internal_referrer("https://pay.example/"));
    check_site(
        Some("https://checkout.pay.example/return"),
        "/thanks",
        "direct",
        "(direct)",
    );
    check_site(Some("https://www.acme.test/"), "/", "direct", "(direct)");
}

#[test]
fn referrer_hosts_named_by_rules_lists_or_the_site() {
    let site = site_with_rules();
    for host in [
        "chat.newai.example",
        "news.ycombinator.com",
        "chatgpt.com",
        "www.google.de",
        "com.google.android.gm",
        "checkout.pay.example",
    ] {
        assert!(site.names_referrer_host(host), "{host}");
    }
    for host in ["blog.example.org", "docs.google.com", "newai.example"] {
        assert!(!site.names_referrer_host(host), "{host}");
    }
    assert!(!classifier().names_referrer_host("news.ycombinator.com"));
}
