//! [`Classifier`](super::Classifier) end to end: the demo generator's ground truth, one test
//! per precedence step and per trap, and hostile input.

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

/// Campaign tags follow GA4's default channel group where aivis has the channel, and its
/// documented mapping where it has not.
#[test]
fn campaign_tags_follow_ga4() {
    // Sources by GA4's categories, without a medium.
    check(None, "/?utm_source=bing", "organic_search", "bing");
    check(None, "/?utm_source=search.aol.com", "organic_search", "aol");
    check(None, "/?utm_source=facebook", "organic_social", "facebook");
    check(None, "/?utm_source=youtube", "organic_social", "youtube");
    check(None, "/?utm_source=vimeo", "organic_social", "vimeo");
    check(None, "/?utm_source=amazon", "referral", "amazon");
    check(None, "/?utm_source=ebay.de", "referral", "ebay");
    // Media alone.
    for medium in [
        "social",
        "social-network",
        "social-media",
        "sm",
        "social%20network",
        "Social+Media",
    ] {
        check(
            None,
            &format!("/?utm_medium={medium}"),
            "organic_social",
            "(not set)",
        );
    }
    check(None, "/?utm_medium=video", "organic_social", "(not set)");
    check(None, "/?utm_medium=organic", "organic_search", "(not set)");
    for medium in ["referral", "app", "link"] {
        check(
            None,
            &format!("/?utm_source=partner.example&utm_medium={medium}"),
            "referral",
            "partner.example",
        );
    }
    check(None, "/?utm_medium=referral", "referral", "(not set)");
    for medium in ["e-mail", "e_mail", "e%20mail", "EMAIL"] {
        check(
            None,
            &format!("/?utm_medium={medium}"),
            "email",
            "(not set)",
        );
    }
    check(None, "/?utm_source=e-mail", "email", "e-mail");
    // Channels aivis has not: other.
    for medium in [
        "display",
        "banner",
        "affiliate",
        "audio",
        "sms",
        "web_push",
        "mobile",
        "notification",
    ] {
        check(
            None,
            &format!("/?utm_source=acme-partner&utm_medium={medium}"),
            "other",
            "acme-partner",
        );
    }
    check(
        None,
        "/?utm_source=google&utm_medium=display",
        "other",
        "google",
    );
    check(None, "/?utm_source=firebase", "other", "firebase");
    // GA4's order among organic rules: a social source beats an organic medium, a search
    // source beats a referral or affiliate medium.
    check(
        None,
        "/?utm_source=facebook&utm_medium=organic",
        "organic_social",
        "facebook",
    );
    check(
        None,
        "/?utm_source=google&utm_medium=social",
        "organic_social",
        "google",
    );
    check(
        None,
        "/?utm_source=google&utm_medium=referral",
        "organic_search",
        "google",
    );
    check(
        None,
        "/?utm_source=google&utm_medium=affiliate",
        "organic_search",
        "google",
    );
    // Tags that name a channel beat a search or social referrer; tags that name none leave
    // it to the referrer.
    check(
        Some("https://www.google.com/"),
        "/?utm_source=linkedin&utm_medium=social",
        "organic_social",
        "linkedin",
    );
    check(
        Some("https://t.co/x"),
        "/?utm_medium=social",
        "organic_social",
        "twitter",
    );
    check(
        Some("https://www.google.com/"),
        "/?utm_campaign=spring",
        "organic_search",
        "google",
    );
    check(
        Some("https://www.facebook.com/"),
        "/?utm_source=weekly-post",
        "organic_social",
        "facebook",
    );
    // Where aivis differs: AI assistants first, email before the source lists.
    check(
        None,
        "/?utm_source=chatgpt.com&utm_medium=social",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("https://www.perplexity.ai/"),
        "/?utm_source=google&utm_medium=organic",
        "ai_assistant",
        "perplexity",
    );
    check(
        None,
        "/?utm_source=linkedin&utm_medium=email",
        "email",
        "linkedin",
    );
    // Paid shopping is other: aivis has no shopping channel.
    check(
        None,
        "/?utm_source=amazon&utm_medium=cpc",
        "other",
        "amazon",
    );
}

/// Paid words in utm_source (`google_ads`) make paid traffic of the network they name, or
/// of the referrer's family; never organic.
#[test]
fn paid_sources() {
    for source in [
        "google_ads",
        "Google-Ads",
        "adwords",
        "AdWords",
        "googleads",
        "google+cpc",
    ] {
        check(
            None,
            &format!("/?utm_source={source}"),
            "paid_search",
            "google",
        );
    }
    check(None, "/?utm_source=bing_ads", "paid_search", "bing");
    check(None, "/?utm_source=fb-ads", "paid_social", "facebook");
    check(None, "/?utm_source=fbads", "paid_social", "facebook");
    check(None, "/?utm_source=twitter-ads", "paid_social", "twitter");
    check(
        None,
        "/?utm_source=linkedin_paid",
        "paid_social",
        "linkedin",
    );
    // On a Google or Facebook referrer, by the source's family, else the referrer's.
    check(
        Some("https://www.google.com/"),
        "/?utm_source=google_ads",
        "paid_search",
        "google",
    );
    check(
        Some("https://www.facebook.com/"),
        "/?utm_source=ads",
        "paid_social",
        "facebook",
    );
    check(
        Some("https://www.google.com/"),
        "/?utm_source=fb-ads",
        "paid_social",
        "facebook",
    );
    check(
        Some("https://l.facebook.com/"),
        "/?utm_source=facebook&utm_medium=cpc",
        "paid_social",
        "facebook",
    );
    // An unknown network is other; words that only end in "ads" are not paid.
    check(None, "/?utm_source=partner_ads", "other", "partner_ads");
    for source in ["threads", "roads", "leads", "downloads"] {
        let c = classifier().classify(None, &format!("/?utm_source={source}"));
        assert!(
            !matches!(c.channel, Channel::PaidSearch | Channel::PaidSocial),
            "{source}: {c:?}"
        );
    }
    check(None, "/?utm_source=threads", "organic_social", "threads");
}

/// Webmail referrers, webmail link redirectors and mail apps are email.
#[test]
fn webmail_referrers_are_email() {
    for (referrer, source) in [
        ("https://mail.google.com/", "gmail"),
        ("https://mail.google.com/mail/u/0/#inbox", "gmail"),
        ("https://outlook.live.com/", "outlook"),
        ("https://outlook.office.com/mail/", "outlook"),
        ("https://outlook.office365.com/owa/", "outlook"),
        ("https://eur03.safelinks.protection.outlook.com/", "outlook"),
        ("http://co106w.col106.mail.live.com/default.aspx", "outlook"),
        ("https://mail.yahoo.com/", "yahoo-mail"),
        ("https://uk-mg42.mail.yahoo.com/neo/launch", "yahoo-mail"),
        (
            "http://36ohk6dgmcd1n-c.c.yom.mail.yahoo.net/om/api/1.0/x",
            "yahoo-mail",
        ),
        ("https://mail.aol.com/webmail-std/en-us/suite", "aol-mail"),
        (
            "https://deref-gmx.net/mail/client/abc/dereferrer/?redirectUrl=x",
            "gmx",
        ),
        ("https://deref-gmx.com/", "gmx"),
        (
            "https://deref-web.de/mail/client/x/dereferrer/",
            "web-de-mail",
        ),
        ("https://deref-web-02.de/", "web-de-mail"),
        ("https://deref-mail.com/", "mail-com"),
        ("https://lightmailer-bs.gmx.net/", "gmx"),
        ("https://lightmailer-bs.web.de/", "web-de-mail"),
        ("https://webmail.bluewin.ch/", "bluewin-mail"),
        ("https://mail01.orange.fr/appsuite/", "orange-mail"),
        ("https://messagerie.orange.fr/", "orange-mail"),
        ("https://mail.yandex.ru/", "yandex-mail"),
        ("https://e.mail.ru/inbox/", "mail-ru"),
        ("https://mail.zoho.com/zm/", "zoho-mail"),
        ("https://mail.proton.me/u/0/inbox", "proton-mail"),
        ("https://webmail.example-isp.net/", "example-isp.net"),
        ("android-app://com.google.android.gm/", "gmail"),
    ] {
        let c = check(Some(referrer), "/", "email", source);
        assert_eq!(c.term, None);
    }
    // A mail.ru search and a GMX search are searches; GMX's portal is a referral.
    check(
        Some("https://go.mail.ru/search?q=acme"),
        "/",
        "organic_search",
        "mailru",
    );
    check(
        Some("https://www.gmx.net/magazine/"),
        "/",
        "referral",
        "gmx.net",
    );
}

/// Search terms in the fragment, the path and Google Images' `prev=`; a Google Reader
/// referrer is no search.
#[test]
fn search_terms_beyond_the_query() {
    let term = |referrer: &str| {
        let c = classifier().classify(Some(referrer), "/");
        assert_eq!(c.channel, Channel::OrganicSearch, "{referrer}");
        c.term
    };
    assert_eq!(
        term("https://www.google.com/#q=acme+widgets").as_deref(),
        Some("acme widgets")
    );
    assert_eq!(
        term("https://www.google.com/webhp?hl=en#hl=en&q=acme%20widgets").as_deref(),
        Some("acme widgets")
    );
    // The fragment is the newer search (Google's instant results).
    assert_eq!(
        term("https://www.google.de/search?q=old#q=new").as_deref(),
        Some("new")
    );
    assert_eq!(
        term("https://www.google.de/search?q=kept#top").as_deref(),
        Some("kept")
    );
    // Path patterns from Matomo's list.
    assert_eq!(
        term("http://www.gomeo.com/search/red%20shoes").as_deref(),
        Some("red shoes")
    );
    assert_eq!(
        term("http://search.babylon.com/web/acme+widgets").as_deref(),
        Some("acme widgets")
    );
    assert_eq!(term("http://1.cz/s/acme").as_deref(), Some("acme"));
    assert_eq!(term("http://1.cz/?q=acme").as_deref(), Some("acme"));
    assert_eq!(term("http://1.cz/").as_deref(), None);
    // Google Images: the term inside `prev=`, URL-encoded once or twice.
    assert_eq!(
        term(
            "https://images.google.com/imgres?imgurl=https://x.test/a.jpg&imgrefurl=https://x.test/\
             &prev=/search%3Fq%3Dshoes%26hl%3Den"
        )
        .as_deref(),
        Some("shoes")
    );
    assert_eq!(
        term("https://www.google.fr/imgres?imgurl=x&prev=/search%3Fq%3Dred%2520shoes%26tbm%3Disch")
            .as_deref(),
        Some("red shoes")
    );
    assert_eq!(
        term("https://www.google.fr/imgres?imgurl=x&prev=/search").as_deref(),
        None
    );
    // New engines.
    assert_eq!(
        term("https://search.aol.com/aol/search?q=acme&s_it=sb").as_deref(),
        Some("acme")
    );
    assert_eq!(
        term("https://www.pricerunner.com/results?q=acme+kettle").as_deref(),
        Some("acme kettle")
    );
    assert_eq!(
        term("https://petalsearch.com/search?query=acme").as_deref(),
        Some("acme")
    );
    // Google Reader was a feed reader.
    check(
        Some("https://www.google.com/reader/view/#stream/feed"),
        "/",
        "referral",
        "google.com",
    );
    check(
        Some("https://www.google.co.uk/reader/view/"),
        "/",
        "referral",
        "google.co.uk",
    );
}

/// Hostile referrers reach the new term readers (fragment, path patterns, `prev=`) without
/// a panic and within the caps.
#[test]
fn hostile_search_referrers_never_panic() {
    let huge = "%E4%BD%A0".repeat(2_000);
    let inputs = [
        format!("https://www.google.com/#q={huge}"),
        format!("https://www.google.com/#{}", "q=&".repeat(3_000)),
        "https://www.google.com/##q=%#q=%zz#".to_string(),
        "https://www.google.com/webhp#q=%FF%FE%C0%80".to_string(),
        "https://www.google.com/#q=%00%01%7F".to_string(),
        format!("http://www.gomeo.com/search/{huge}"),
        format!("http://www.gomeo.com/search/{}", "%zz".repeat(2_000)),
        format!("http://search.babylon.com/web/{}", "/".repeat(4_000)),
        format!(
            "https://images.google.com/imgres?prev={}",
            "%253F".repeat(1_000)
        ),
        "https://images.google.com/imgres?prev=%3F%3F%3Fq%3D%3Fq%3D".to_string(),
        "https://images.google.com/imgres?prev=/search%3Fq%3D%25FF".to_string(),
        format!("https://images.google.com/imgres?prev=/search%3Fq%3D{huge}"),
        "http://webcache.googleusercontent.com/search?q=cache:abc:x.test/+acme".to_string(),
        "http://webcache.googleusercontent.com/search?q=cache:".to_string(),
    ];
    for referrer in &inputs {
        let c = classifier().classify(Some(referrer), "/");
        assert!(c.term.as_ref().is_none_or(|t| t.len() <= 200), "{referrer}");
        assert!(
            c.term
                .as_ref()
                .is_none_or(|t| !t.chars().any(char::is_control)),
            "{referrer}"
        );
    }
    let cache = classifier().classify(
        Some("http://webcache.googleusercontent.com/search?q=cache:abc:x.test/+acme"),
        "/",
    );
    assert_eq!(cache.term.as_deref(), Some("acme"));
}

// ---- traps ----------------------------------------------------------------------------------

#[test]
fn internal_referrers_count_as_none() {
    let c = check(Some("https://shop.acme.test/"), "/", "direct", "(direct)");
    assert_eq!(c.referrer_host, None);
    check(
        Some("HTTPS://WWW.ACME.TEST:443/x"),
        "/",
        "direct",
        "(direct)",
    );
    check(
        Some("https://acme.test.evil.test/"),
        "/",
        "referral",
        "evil.test",
    );
    check(
        Some("https://notacme.test/"),
        "/",
        "referral",
        "notacme.test",
    );
    // Landing-URL tags still apply.
    check(
        Some("https://www.acme.test/"),
        "/?utm_source=chatgpt.com",
        "ai_assistant",
        "chatgpt",
    );
    check(
        Some("https://www.acme.test/"),
        "/?gclid=1",
        "paid_search",
        "google",
    );
    assert!(classifier().is_internal_referrer("https://WWW.ACME.TEST:443/x"));
    assert!(classifier().is_internal_referrer("https://a.b.acme.test/"));
    assert!(!classifier().is_internal_referrer("https://notacme.test/"));
    assert!(!classifier().is_internal_referrer("not a url"));
    let configured = Classifier::new(&["https://Acme.Test/".to_string(), String::new()]);
    assert!(configured.is_internal_referrer("http://www.acme.test/"));
}

#[test]
fn fbclid_alone_is_not_paid() {
    check(
        Some("https://www.facebook.com/"),
        "/?fbclid=1",
        "organic_social",
        "facebook",
    );
    check(
        Some("https://m.facebook.com/"),
        "/?fbclid=1&gclid=2",
        "paid_search",
        "google",
    );
}

#[test]
fn hosts_match_at_dot_boundaries_and_most_specific_wins() {
    check(
        Some("https://notchatgpt.com/"),
        "/",
        "referral",
        "notchatgpt.com",
    );
    check(
        Some("https://google.evil.test/"),
        "/",
        "referral",
        "evil.test",
    );
    check(
        Some("https://gemini.google.com/app"),
        "/?utm_source=google",
        "ai_assistant",
        "gemini",
    );
    check(
        Some("https://mail.google.com/mail/u/0/"),
        "/",
        "email",
        "gmail",
    );
    check(
        Some("https://www.google.com/"),
        "/",
        "organic_search",
        "google",
    );
    check(
        Some("https://google.co.uk/"),
        "/",
        "organic_search",
        "google",
    );
}

#[test]
fn search_terms_are_clean() {
    let term = |referrer: &str| classifier().classify(Some(referrer), "/").term;
    assert_eq!(term("https://www.google.com/search?q="), None);
    assert_eq!(
        term("https://www.google.com/url?q=https://acme.test/&sa=t"),
        None
    );
    assert_eq!(
        term("https://www.bing.com/search?Q=%20a%2Bb%20"),
        Some("a+b".to_string())
    );
    assert_eq!(
        term("https://www.bing.com/search?q=%FF"),
        Some("\u{FFFD}".to_string())
    );
    let long = format!("https://www.bing.com/search?q={}", "é".repeat(300));
    assert_eq!(term(&long).map(|t| t.len()), Some(200));
    // A paid search visit keeps the engine's term.
    let paid = classifier().classify(Some("https://www.bing.com/search?q=acme"), "/?msclkid=1");
    assert_eq!(paid.term.as_deref(), Some("acme"));
}

#[test]
fn utm_values_keep_their_case() {
    let c = check(
        None,
        "/?utm_source=News%20Letter&utm_medium=Email&utm_campaign=Spring+Sale&utm_term=t&utm_content=c",
        "email",
        "news letter",
    );
    let utm = c.utm;
    assert_eq!(utm.source.as_deref(), Some("News Letter"));
    assert_eq!(utm.medium.as_deref(), Some("Email"));
    assert_eq!(utm.campaign.as_deref(), Some("Spring Sale"));
    assert_eq!(
        (utm.term.as_deref(), utm.content.as_deref()),
        (Some("t"), Some("c"))
    );
    check(None, "/?UTM_SOURCE=ChatGPT.com", "ai_assistant", "chatgpt");
    check(
        None,
        "https://www.acme.test/p?utm_source=perplexity",
        "ai_assistant",
        "perplexity",
    );
}

#[test]
fn unparseable_referrers_count_as_none() {
    for referrer in [
        "",
        "-",
        "not a url",
        "http://[::1",
        "javascript:void(0)",
        "about:blank",
    ] {
        let c = check(Some(referrer), "/", "direct", "(direct)");
        assert_eq!(c.referrer_host, None);
    }
}

#[test]
fn classifier_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Classifier>();
}

// ---- hostile input --------------------------------------------------------------------------

#[test]
fn hostile_input_is_capped_and_never_panics() {
    let long_referrer = format!("https://{}.example/{}", "b".repeat(300), "c".repeat(20_000));
    let long_target = format!(
        "/?utm_source={}&utm_medium={}",
        "a".repeat(20_000),
        "%FF%FE".repeat(3_000)
    );
    let control = "\u{0}\u{1}\u{7f}\r\n\t";
    let inputs: Vec<(Option<String>, String)> = vec![
        (Some(long_referrer.clone()), long_target.clone()),
        (
            Some(format!(
                "https://www.google.com/search?q={}",
                "%zz%".repeat(5_000)
            )),
            long_target,
        ),
        (
            Some("https://www.google.com/search?q=%zz%".into()),
            "/?utm_source=%zz%&gclid=%".into(),
        ),
        (
            Some("https://www.bing.com/search?q=%FF%FE".into()),
            "/?utm_source=%FF%FE".into(),
        ),
        (
            Some(control.into()),
            format!("{control}?{control}={control}&utm_source={control}"),
        ),
        (
            Some(format!("https://www.google.com/{control}")),
            format!("/?utm_medium=e{control}mail"),
        ),
        (Some("http://[::1".into()), "?".into()),
        (Some("https://ééé.çç/".into()), "/ü?utm_source=😀".into()),
        (
            Some("https://例子.测试/路径?q=词".into()),
            "/?utm_source=例子.测试".into(),
        ),
        (Some("android-app://".into()), "/?utm_source=.".into()),
        (Some("https://./".into()), "/?utm_source=..".into()),
        (Some(String::new()), String::new()),
        (None, "?&&&==&".into()),
        (None, "%".into()),
        (Some(long_referrer), "#?#?".into()),
    ];
    for (referrer, target) in &inputs {
        let c = classifier().classify(referrer.as_deref(), target);
        let utm = [
            &c.utm.source,
            &c.utm.medium,
            &c.utm.campaign,
            &c.utm.term,
            &c.utm.content,
        ];
        assert!(
            utm.iter()
                .all(|v| v.as_ref().is_none_or(|v| v.len() <= 200))
        );
        assert!(
            utm.iter()
                .all(|v| v.as_ref().is_none_or(|v| !v.chars().any(char::is_control)))
        );
        assert!(c.referrer_host.as_ref().is_none_or(|h| h.len() <= 253));
        assert!(c.term.as_ref().is_none_or(|t| t.len() <= 200));
        assert!(c.source.len() <= 253);
        let _ = classifier().is_internal_referrer(referrer.as_deref().unwrap_or(""));
        let _ = is_asset(target);
    }
}

/// Random inputs built from the pieces that break URL parsers (schemes, separators, bad and
/// good percent escapes, control and non-ASCII characters, known hosts and parameters), with
/// a fixed seed: nothing panics and every output stays within its cap.
#[test]
fn random_hostile_input_never_panics() {
    use rand::{Rng, SeedableRng};
    const PIECES: &[&str] = &[
        "https://",
        "http://",
        "HTTP://",
        "android-app://",
        "//",
        "/",
        "?",
        "&",
        "=",
        "#",
        ":",
        "@",
        ".",
        "..",
        "%",
        "%2",
        "%zz",
        "%FF",
        "%E4%BD%A0",
        "%C4%E3",
        "+",
        " ",
        "\t",
        "\n",
        "\u{0}",
        "\u{7f}",
        "é",
        "你好",
        "😀",
        "\\",
        "\"",
        "[",
        "]",
        "::1",
        "8080",
        "www.google.com",
        "chatgpt.com",
        "x.com/i/grok",
        "www.acme.test",
        "baidu.com/s",
        "q=",
        "wd=",
        "ie=gbk",
        "ei=",
        "utm_source=",
        "utm_medium=cpc",
        "gclid=",
        "fbclid=",
        "xn--",
        "-",
        "a",
        "0",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261125);
    let text = |rng: &mut rand::rngs::StdRng| -> String {
        let pieces = rng.random_range(0..40);
        (0..pieces)
            .map(|_| PIECES[rng.random_range(0..PIECES.len())])
            .collect()
    };
    let classifier = classifier();
    let mut requests = record::RequestClassifier::new(classifier.clone());
    for _ in 0..20_000 {
        let referrer = text(&mut rng);
        let target = text(&mut rng);
        let c = classifier.classify(Some(&referrer), &target);
        assert!(c.referrer_host.as_ref().is_none_or(|h| h.len() <= 253));
        assert!(c.term.as_ref().is_none_or(|t| t.len() <= 200));
        assert!(c.source.len() <= 253, "{referrer:?} {target:?}");
        let _ = is_bot(&referrer);
        let line = format!("{{\"referrer\": \"{referrer}\", \"url\": \"{target}\"}}");
        if let Ok(request) = record::Request::from_json(&line) {
            let mut out = Vec::new();
            requests.answer(&request).write_json(&mut out);
            serde_json::from_slice::<serde_json::Value>(&out).expect("answers are JSON");
        }
    }
}

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
