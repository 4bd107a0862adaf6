//! Traps (internal referrers, lone click ids, host boundaries, odd values) and hostile input.

use super::*;

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
