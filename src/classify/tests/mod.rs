//! [`Classifier`](super::Classifier) end to end: the demo generator's ground truth and one
//! test per precedence step here; GA4 campaign rules, webmail and search terms beyond the
//! query in `campaigns`; traps and hostile input in `traps`; a site's own rules in `site_rules`.

use super::*;

fn classifier() -> Classifier {
    Classifier::new(&["www.acme.test".to_string(), "acme.test".to_string()])
}

/// Classifies and checks channel and source; returns the classification for more checks.
#[track_caller]
fn check(referrer: Option<&str>, target: &str, channel: &str, source: &str) -> Classification {
    check_with(&classifier(), referrer, target, channel, source)
}

/// [`check`] with another classifier.
#[track_caller]
fn check_with(
    classifier: &Classifier,
    referrer: Option<&str>,
    target: &str,
    channel: &str,
    source: &str,
) -> Classification {
    let c = classifier.classify(referrer, target);
    assert_eq!(
        (c.channel.as_str(), c.source.as_str()),
        (channel, source),
        "referrer {referrer:?}, target {target:?}: {c:?}"
    );
    c
}

/// The table the demo traffic generator's ground truth relies on:
/// (referrer, landing target, channel, source).
#[rustfmt::skip]
const GROUND_TRUTH: &[(Option<&str>, &str, &str, &str)] = &[
    (Some("https://chatgpt.com/"), "/", "ai_assistant", "chatgpt"),
    (Some("https://chatgpt.com/"), "/pricing?utm_source=chatgpt.com", "ai_assistant", "chatgpt"),
    (None, "/blog/x?utm_source=chatgpt.com", "ai_assistant", "chatgpt"),
    (Some("https://www.perplexity.ai/"), "/", "ai_assistant", "perplexity"),
    (None, "/?utm_source=perplexity", "ai_assistant", "perplexity"),
    (Some("https://claude.ai/"), "/", "ai_assistant", "claude"),
    (Some("https://gemini.google.com/"), "/", "ai_assistant", "gemini"),
    (Some("https://copilot.microsoft.com/"), "/", "ai_assistant", "copilot"),
    (Some("https://www.google.com/"), "/", "organic_search", "google"),
    (Some("https://www.google.co.uk/"), "/", "organic_search", "google"),
    (Some("https://www.bing.com/search?q=acme+widgets"), "/", "organic_search", "bing"),
    (Some("https://duckduckgo.com/"), "/", "organic_search", "duckduckgo"),
    (Some("https://www.google.com/"), "/pricing?gclid=abc123", "paid_search", "google"),
    (Some("https://www.bing.com/"), "/?msclkid=x1", "paid_search", "bing"),
    (None, "/?utm_source=google&utm_medium=cpc&utm_campaign=brand", "paid_search", "google"),
    (Some("https://www.facebook.com/"), "/", "organic_social", "facebook"),
    (Some("https://t.co/abc"), "/", "organic_social", "twitter"),
    (Some("https://www.linkedin.com/"), "/", "organic_social", "linkedin"),
    (Some("https://www.reddit.com/r/saas/"), "/", "organic_social", "reddit"),
    (Some("https://www.facebook.com/"), "/?fbclid=IwAR0x", "organic_social", "facebook"),
    (Some("https://www.facebook.com/"), "/?utm_source=facebook&utm_medium=paid_social&utm_campaign=q4", "paid_social", "facebook"),
    (None, "/?utm_source=newsletter&utm_medium=email&utm_campaign=weekly", "email", "newsletter"),
    (Some("https://mail.google.com/"), "/", "email", "gmail"),
    (Some("https://www.g2.com/products/acme/reviews"), "/", "referral", "g2.com"),
    (Some("https://news.ycombinator.com/item?id=1"), "/", "referral", "ycombinator.com"),
    (Some("https://blog.example.org/post"), "/", "referral", "example.org"),
    (None, "/", "direct", "(direct)"),
    (None, "/?utm_source=partner-x&utm_medium=affiliate", "other", "partner-x"),
    (Some("https://www.acme.test/pricing"), "/checkout", "direct", "(direct)"),
    (None, "/?utm_source=chatgpt&utm_medium=cpc", "paid_search", "chatgpt"),
    (Some("android-app://com.google.android.gm/"), "/", "email", "gmail"),
    (Some("android-app://com.openai.chatgpt"), "/", "ai_assistant", "chatgpt"),
    (Some("android-app://com.google.android.googlequicksearchbox"), "/", "organic_search", "google"),
    (Some("https://chatgpt.com.evil.test/"), "/", "referral", "evil.test"),
];

#[test]
fn generator_ground_truth() {
    for (referrer, target, channel, source) in GROUND_TRUTH {
        check(*referrer, target, channel, source);
    }
    let bing = classifier().classify(Some("https://www.bing.com/search?q=acme+widgets"), "/");
    assert_eq!(bing.term.as_deref(), Some("acme widgets"));
    let google = classifier().classify(Some("https://www.google.com/"), "/");
    assert_eq!(google.term, None);
    let internal = classifier().classify(Some("https://www.acme.test/pricing"), "/checkout");
    assert_eq!(internal.referrer_host, None);
}

// ---- one test per precedence step ---------------------------------------------------------

#[test]
fn step_1_paid_markers_come_first() {
    // A click id beats an AI referrer, a social referrer and campaign tags.
    check(
        Some("https://chatgpt.com/"),
        "/?gclid=1",
        "paid_search",
        "google",
    );
    check(
        Some("https://www.facebook.com/"),
        "/?gclid=1",
        "paid_search",
        "google",
    );
    check(
        None,
        "/?gclid=1&utm_source=newsletter&utm_medium=email",
        "paid_search",
        "google",
    );
    // Click ids name their network.
    check(None, "/?gbraid=1", "paid_search", "google");
    check(None, "/?wbraid=1", "paid_search", "google");
    check(None, "/?dclid=1", "paid_search", "google");
    check(None, "/?GCLID=1", "paid_search", "google");
    check(None, "/?ttclid=1", "paid_social", "tiktok");
    check(None, "/?li_fat_id=1", "paid_social", "linkedin");
    check(None, "/?twclid=1", "paid_social", "twitter");
    // A paid medium takes the referrer's source, else utm_source's.
    check(
        Some("https://www.linkedin.com/"),
        "/?utm_medium=paid",
        "paid_social",
        "linkedin",
    );
    check(
        None,
        "/?utm_source=fb&utm_medium=cpm",
        "paid_social",
        "facebook",
    );
    check(
        None,
        "/?utm_source=bing&utm_medium=PPC",
        "paid_search",
        "bing",
    );
    check(
        None,
        "/?utm_source=google&utm_medium=retargeting",
        "paid_search",
        "google",
    );
    // Paid from an unknown network is other.
    check(
        None,
        "/?utm_source=acme-partner&utm_medium=cpc",
        "other",
        "acme-partner",
    );
    check(None, "/?ad_id=77", "other", "(not set)");
    check(
        Some("https://partner.example/"),
        "/?utm_medium=cpc",
        "other",
        "partner.example",
    );
}

#[test]
fn step_2_ai_assistants() {
    check(
        Some("https://chat.openai.com/c/123"),
        "/",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("https://m365.cloud.microsoft/chat"),
        "/",
        "ai_assistant",
        "copilot",
    );
    check(Some("https://www.meta.ai/"), "/", "ai_assistant", "meta-ai");
    check(
        Some("https://x.com/i/grok?conversation=1"),
        "/",
        "ai_assistant",
        "grok",
    );
    for utm in [
        "chatgpt",
        "openai",
        "perplexity.ai",
        "claude.ai",
        "copilot.com",
        "gemini",
    ] {
        let source = match utm {
            "openai" => "chatgpt",
            "perplexity.ai" => "perplexity",
            "claude.ai" => "claude",
            "copilot.com" => "copilot",
            other => other,
        };
        check(None, &format!("/?utm_source={utm}"), "ai_assistant", source);
    }
    // An AI referrer beats ordinary campaign tags, and an AI utm_source beats a search referrer.
    check(
        Some("https://chatgpt.com/"),
        "/?utm_source=newsletter&utm_medium=email",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("https://perplexity.ai/"),
        "/?utm_campaign=spring",
        "ai_assistant",
        "perplexity",
    );
    check(
        Some("https://www.google.com/"),
        "/?utm_source=chatgpt.com",
        "ai_assistant",
        "chatgpt",
    );
}

#[test]
fn step_3_email() {
    check(
        Some("https://outlook.live.com/mail/0/"),
        "/",
        "email",
        "outlook",
    );
    check(Some("https://outlook.office.com/"), "/", "email", "outlook");
    check(
        Some("https://mail.yahoo.com/d/folders/1"),
        "/",
        "email",
        "yahoo-mail",
    );
    for medium in ["email", "E-Mail", "e_mail", "e%20mail", "newsletter"] {
        check(
            None,
            &format!("/?utm_source=acme&utm_medium={medium}"),
            "email",
            "acme",
        );
    }
    check(None, "/?utm_medium=email", "email", "(not set)");
    check(None, "/?utm_source=newsletter", "email", "newsletter");
    // The webmail referrer names the source; email beats a social utm_source.
    check(
        Some("https://mail.google.com/"),
        "/?utm_source=weekly",
        "email",
        "gmail",
    );
    check(
        None,
        "/?utm_source=facebook&utm_medium=email",
        "email",
        "facebook",
    );
}

#[test]
fn step_4_search() {
    let yahoo = check(
        Some("https://search.yahoo.com/search?p=ai%20traffic"),
        "/",
        "organic_search",
        "yahoo",
    );
    assert_eq!(yahoo.term.as_deref(), Some("ai traffic"));
    let yandex = check(
        Some("https://yandex.ru/search/?text=%D0%BF%D1%80%D0%B8"),
        "/",
        "organic_search",
        "yandex",
    );
    assert_eq!(yandex.term.as_deref(), Some("при"));
    let baidu = check(
        Some("https://www.baidu.com/s?wd=acme"),
        "/",
        "organic_search",
        "baidu",
    );
    assert_eq!(baidu.term.as_deref(), Some("acme"));
    let ddg = check(
        Some("https://duckduckgo.com/?q=acme"),
        "/",
        "organic_search",
        "duckduckgo",
    );
    assert_eq!(ddg.term.as_deref(), Some("acme"));
    check(
        Some("https://www.google.de/"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("https://www.google.com.au/"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("https://www.ecosia.org/"),
        "/",
        "organic_search",
        "ecosia",
    );
    check(
        Some("https://search.brave.com/"),
        "/",
        "organic_search",
        "brave",
    );
    // utm_medium=organic, or a search engine's utm_source alone (GA4's rules).
    check(
        None,
        "/?utm_source=google&utm_medium=organic",
        "organic_search",
        "google",
    );
    check(
        None,
        "/?utm_source=partner&utm_medium=organic",
        "organic_search",
        "partner",
    );
    check(None, "/?utm_source=google", "organic_search", "google");
    check(
        None,
        "/?utm_source=duckduckgo",
        "organic_search",
        "duckduckgo",
    );
}

#[test]
fn step_5_social() {
    check(
        Some("https://x.com/someone/status/1"),
        "/",
        "organic_social",
        "twitter",
    );
    check(
        Some("https://twitter.com/"),
        "/",
        "organic_social",
        "twitter",
    );
    check(
        Some("https://l.instagram.com/"),
        "/",
        "organic_social",
        "instagram",
    );
    check(
        Some("https://m.youtube.com/watch?v=1"),
        "/",
        "organic_social",
        "youtube",
    );
    check(
        Some("https://lnkd.in/abc"),
        "/",
        "organic_social",
        "linkedin",
    );
    check(
        None,
        "/?utm_source=linkedin&utm_medium=social",
        "organic_social",
        "linkedin",
    );
    check(None, "/?utm_source=ig", "organic_social", "instagram");
    // fbclid names Facebook when the in-app browser dropped the referrer.
    check(None, "/?fbclid=IwAR0x", "organic_social", "facebook");
}

#[test]
fn step_6_other_campaigns() {
    check(None, "/?utm_campaign=spring", "other", "(not set)");
    check(None, "/?utm_source=Partner-X", "other", "partner-x");
    check(
        Some("https://www.g2.com/"),
        "/?utm_campaign=spring",
        "other",
        "g2.com",
    );
    check(
        Some("https://www.g2.com/"),
        "/?utm_source=g2&utm_medium=review",
        "other",
        "g2",
    );
    let long = format!("/?utm_source={}", "x".repeat(150));
    assert_eq!(classifier().classify(None, &long).source.len(), 64);
    // utm_term and utm_content alone are not campaign tags.
    check(None, "/?utm_term=a&utm_content=b", "direct", "(direct)");
}

#[test]
fn step_7_referral() {
    check(
        Some("https://docs.google.com/document/d/1"),
        "/",
        "referral",
        "google.com",
    );
    check(
        Some("https://someone.github.io/post"),
        "/",
        "referral",
        "someone.github.io",
    );
    check(
        Some("http://192.0.2.7:8080/x"),
        "/",
        "referral",
        "192.0.2.7",
    );
    check(
        Some("android-app://com.example.reader/"),
        "/",
        "referral",
        "com.example.reader",
    );
    let c = check(Some("https://WWW.G2.com./x"), "/", "referral", "g2.com");
    assert_eq!(c.referrer_host.as_deref(), Some("www.g2.com"));
    let referral = check(
        Some("https://www.g2.com/?q=acme"),
        "/",
        "referral",
        "g2.com",
    );
    assert_eq!(referral.term, None, "only search engines have terms");
}

#[test]
fn step_8_direct() {
    check(None, "/pricing", "direct", "(direct)");
    check(None, "/p?", "direct", "(direct)");
    check(None, "/p?utm_source=", "direct", "(direct)");
    check(None, "/p?q=shoes", "direct", "(direct)");
}

mod campaigns;
mod site_rules;
mod traps;
