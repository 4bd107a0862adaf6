//! Rules, traps and hostile input for [`Classifier`](super::Classifier).

use super::*;

fn classifier() -> Classifier {
    Classifier::new(&["www.acme.test".to_string(), "acme.test".to_string()])
}

fn check(referrer: Option<&str>, target: &str, channel: &str, source: &str) -> Classification {
    let c = classifier().classify(referrer, target);
    assert_eq!(
        (c.channel.as_str(), c.source.as_str()),
        (channel, source),
        "referrer {referrer:?}, target {target:?}"
    );
    c
}

/// The table the demo generator's ground truth relies on.
#[test]
fn generator_visit_kinds() {
    let cases: &[(Option<&str>, &str, &str, &str)] = &[
        (Some("https://chatgpt.com/"), "/", "ai_assistant", "chatgpt"),
        (
            Some("https://chatgpt.com/"),
            "/pricing?utm_source=chatgpt.com",
            "ai_assistant",
            "chatgpt",
        ),
        (
            None,
            "/blog/x?utm_source=chatgpt.com",
            "ai_assistant",
            "chatgpt",
        ),
        (
            Some("https://www.perplexity.ai/"),
            "/",
            "ai_assistant",
            "perplexity",
        ),
        (
            None,
            "/?utm_source=perplexity",
            "ai_assistant",
            "perplexity",
        ),
        (Some("https://claude.ai/"), "/", "ai_assistant", "claude"),
        (
            Some("https://gemini.google.com/"),
            "/",
            "ai_assistant",
            "gemini",
        ),
        (
            Some("https://copilot.microsoft.com/"),
            "/",
            "ai_assistant",
            "copilot",
        ),
        (
            Some("https://www.google.com/"),
            "/",
            "organic_search",
            "google",
        ),
        (
            Some("https://www.google.co.uk/"),
            "/",
            "organic_search",
            "google",
        ),
        (
            Some("https://duckduckgo.com/"),
            "/",
            "organic_search",
            "duckduckgo",
        ),
        (
            Some("https://www.google.com/"),
            "/pricing?gclid=abc123",
            "paid_search",
            "google",
        ),
        (
            Some("https://www.bing.com/"),
            "/?msclkid=x1",
            "paid_search",
            "bing",
        ),
        (
            None,
            "/?utm_source=google&utm_medium=cpc&utm_campaign=brand",
            "paid_search",
            "google",
        ),
        (
            Some("https://www.facebook.com/"),
            "/",
            "organic_social",
            "facebook",
        ),
        (Some("https://t.co/abc"), "/", "organic_social", "twitter"),
        (
            Some("https://www.linkedin.com/"),
            "/",
            "organic_social",
            "linkedin",
        ),
        (
            Some("https://www.reddit.com/r/saas/"),
            "/",
            "organic_social",
            "reddit",
        ),
        (
            Some("https://www.facebook.com/"),
            "/?fbclid=IwAR0x",
            "organic_social",
            "facebook",
        ),
        (
            Some("https://www.facebook.com/"),
            "/?utm_source=facebook&utm_medium=paid_social&utm_campaign=q4",
            "paid_social",
            "facebook",
        ),
        (
            None,
            "/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly",
            "email",
            "newsletter",
        ),
        (Some("https://mail.google.com/"), "/", "email", "gmail"),
        (
            Some("https://www.g2.com/products/acme/reviews"),
            "/",
            "referral",
            "g2.com",
        ),
        (
            Some("https://news.ycombinator.com/item?id=1"),
            "/",
            "organic_social",
            "hacker-news",
        ),
        (
            Some("https://www.capterra.com/p/1/acme/"),
            "/",
            "referral",
            "capterra.com",
        ),
        (
            Some("https://blog.example.org/post"),
            "/",
            "referral",
            "example.org",
        ),
        (None, "/", "direct", "(direct)"),
        (
            None,
            "/?utm_source=partner-x&utm_medium=affiliate",
            "other",
            "partner-x",
        ),
    ];
    for (referrer, target, channel, source) in cases {
        check(*referrer, target, channel, source);
    }
}

#[test]
fn search_terms_by_engine_parameter() {
    let c = check(
        Some("https://www.bing.com/search?q=acme+widgets"),
        "/",
        "organic_search",
        "bing",
    );
    assert_eq!(c.term.as_deref(), Some("acme widgets"));
    let c = check(
        Some("https://search.yahoo.com/search?p=ai%20traffic"),
        "/",
        "organic_search",
        "yahoo",
    );
    assert_eq!(c.term.as_deref(), Some("ai traffic"));
    let c = check(
        Some("https://yandex.ru/search/?text=%D0%BF%D1%80%D0%B8"),
        "/",
        "organic_search",
        "yandex",
    );
    assert_eq!(c.term.as_deref(), Some("при"));
    let c = check(
        Some("https://www.baidu.com/s?wd=acme"),
        "/",
        "organic_search",
        "baidu",
    );
    assert_eq!(c.term.as_deref(), Some("acme"));
    assert_eq!(
        check(
            Some("https://www.google.com/"),
            "/",
            "organic_search",
            "google"
        )
        .term,
        None
    );
    let referral = check(
        Some("https://www.g2.com/?q=acme"),
        "/",
        "referral",
        "g2.com",
    );
    assert_eq!(referral.term, None, "only search engines have terms");
}

#[test]
fn internal_referrers_count_as_none() {
    let c = check(
        Some("https://www.acme.test/pricing"),
        "/checkout",
        "direct",
        "(direct)",
    );
    assert_eq!(c.referrer_host, None);
    check(Some("https://shop.acme.test/"), "/", "direct", "(direct)");
    check(
        Some("https://acme.test.evil.test/"),
        "/",
        "referral",
        "evil.test",
    );
    check(
        Some("https://www.acme.test/"),
        "/?utm_source=chatgpt.com",
        "ai_assistant",
        "chatgpt",
    );
    assert!(classifier().is_internal_referrer("https://WWW.ACME.TEST:443/x"));
    assert!(!classifier().is_internal_referrer("https://notacme.test/"));
}

#[test]
fn paid_traps() {
    check(
        None,
        "/?utm_source=chatgpt&utm_medium=cpc",
        "paid_search",
        "chatgpt",
    );
    check(None, "/?utm_source=chatgpt.com", "ai_assistant", "chatgpt");
    check(
        Some("https://www.facebook.com/"),
        "/?fbclid=1",
        "organic_social",
        "facebook",
    );
    check(None, "/?gclid=1", "paid_search", "google");
    check(None, "/?GCLID=1", "paid_search", "google");
    check(None, "/?ttclid=1", "paid_social", "tiktok");
    check(
        None,
        "/?utm_source=acme-partner&utm_medium=cpm",
        "other",
        "acme-partner",
    );
    check(
        Some("https://www.linkedin.com/"),
        "/?utm_medium=paid",
        "paid_social",
        "linkedin",
    );
}

#[test]
fn ai_referrer_beats_campaign_tags() {
    check(
        Some("https://chatgpt.com/"),
        "/?utm_source=newsletter&utm_medium=email",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("https://chat.openai.com/c/123"),
        "/?utm_campaign=spring",
        "ai_assistant",
        "chatgpt",
    );
}

#[test]
fn most_specific_host_and_dot_boundaries() {
    check(
        Some("https://chatgpt.com.evil.test/"),
        "/",
        "referral",
        "evil.test",
    );
    check(
        Some("https://notchatgpt.com/"),
        "/",
        "referral",
        "notchatgpt.com",
    );
    check(
        Some("https://x.com/i/grok?conversation=1"),
        "/",
        "ai_assistant",
        "grok",
    );
    check(
        Some("https://x.com/someone/status/1"),
        "/",
        "organic_social",
        "twitter",
    );
    check(
        Some("https://chat.mistral.ai/chat"),
        "/",
        "ai_assistant",
        "mistral",
    );
}

#[test]
fn android_app_referrers() {
    check(
        Some("android-app://com.google.android.gm/"),
        "/",
        "email",
        "gmail",
    );
    check(
        Some("android-app://com.openai.chatgpt"),
        "/",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("android-app://com.google.android.googlequicksearchbox"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("android-app://com.example.reader/"),
        "/",
        "referral",
        "com.example.reader",
    );
}

#[test]
fn case_and_encoding_in_hosts_and_parameters() {
    check(
        Some("HTTPS://WWW.GOOGLE.COM/"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("https://www.google.com./"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("https://www.google.com:443/"),
        "/",
        "organic_search",
        "google",
    );
    check(None, "/?UTM_SOURCE=ChatGPT.com", "ai_assistant", "chatgpt");
    check(
        None,
        "/?utm_source=News%20Letter&utm_medium=Email",
        "email",
        "news letter",
    );
    let c = check(
        None,
        "/?utm_source=x&utm_medium=y&utm_campaign=a+b&utm_term=t&utm_content=c",
        "other",
        "x",
    );
    assert_eq!(c.utm.campaign.as_deref(), Some("a b"));
    assert_eq!(
        (c.utm.term.as_deref(), c.utm.content.as_deref()),
        (Some("t"), Some("c"))
    );
    check(
        Some("http://192.0.2.7:8080/x"),
        "/",
        "referral",
        "192.0.2.7",
    );
    check(
        Some("https://bücher.example/"),
        "/",
        "referral",
        "xn--bcher-kva.example",
    );
}

#[test]
fn absolute_landing_urls_and_no_query() {
    check(
        None,
        "https://www.acme.test/p?utm_source=perplexity",
        "ai_assistant",
        "perplexity",
    );
    check(None, "/p?", "direct", "(direct)");
    check(None, "/p?utm_source=", "direct", "(direct)");
    check(None, "/p?utm_campaign=spring", "other", "(not set)");
}

#[test]
fn unparseable_referrers_count_as_none() {
    check(Some("not a url"), "/", "direct", "(direct)");
    check(Some("http://[::1"), "/", "direct", "(direct)");
    check(Some(""), "/", "direct", "(direct)");
}

#[test]
fn hostile_input_is_capped_and_never_panics() {
    let long_query = format!(
        "/?utm_source={}&utm_medium={}",
        "a".repeat(20_000),
        "%FF%FE".repeat(3000)
    );
    let long_referrer = format!("https://{}.example/{}", "b".repeat(300), "c".repeat(20_000));
    let inputs: Vec<(Option<String>, String)> = vec![
        (Some(long_referrer), long_query.clone()),
        (
            Some("https://www.google.com/search?q=%zz%".into()),
            "/?utm_source=%zz%".into(),
        ),
        (
            Some("https://www.bing.com/search?q=%FF%FE".into()),
            "/?utm_source=%FF%FE".into(),
        ),
        (Some("\u{0}\u{1}\r\n".into()), "\u{0}?\u{1}=\u{2}".into()),
        (Some("https://ééé.çç/".into()), "/ü?utm_source=😀".into()),
        (None, "?&&&==&".into()),
        (None, "".into()),
    ];
    for (referrer, target) in &inputs {
        let c = classifier().classify(referrer.as_deref(), target);
        assert!(c.source.len() <= MAX_SOURCE_BYTES);
        assert!(
            c.utm
                .source
                .as_ref()
                .is_none_or(|s| s.len() <= MAX_VALUE_BYTES)
        );
        assert!(
            c.utm
                .medium
                .as_ref()
                .is_none_or(|s| s.len() <= MAX_VALUE_BYTES)
        );
        assert!(
            c.referrer_host
                .as_ref()
                .is_none_or(|h| h.len() <= MAX_HOST_BYTES)
        );
        assert!(c.term.as_ref().is_none_or(|t| t.len() <= MAX_VALUE_BYTES));
    }
}
