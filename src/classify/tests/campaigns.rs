//! Campaign tags by GA4's rules, paid sources, webmail referrers, and search terms in the
//! fragment, the path and `prev=`.

use super::*;

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
