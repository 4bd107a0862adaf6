//! Property tests of bot detection: browser user agents built from real version ranges of
//! every major engine and platform stay browsers, and the same user agents with a bot's
//! product token added (`Name-bot/2.1`, `Namecrawler`, a contact URL) become bots, named by
//! that token. Arbitrary text never panics the detector.
//!
//! Each property runs 256 cases, or `PROPTEST_CASES` when set.

use aivis::classify::bot;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    Config {
        cases,
        ..Config::default()
    }
}

/// A desktop or mobile platform comment as browsers write them.
fn platform() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Windows NT 10.0; Win64; x64".to_string()),
        (11u32..=15, 0u32..=7)
            .prop_map(|(major, minor)| format!("Macintosh; Intel Mac OS X {major}_{minor}")),
        Just("X11; Linux x86_64".to_string()),
        Just("X11; Ubuntu; Linux x86_64".to_string()),
        Just("X11; CrOS x86_64 14541.0.0".to_string()),
        (
            10u32..=16,
            "(SM-S9[0-2][18]B|Pixel [6-9]( Pro)?|CPH2[0-9]{3}|moto g[0-9]{2})"
        )
            .prop_map(|(version, model)| format!("Linux; Android {version}; {model}")),
    ]
}

/// An Apple mobile platform comment (`iPhone; CPU iPhone OS 17_5 like Mac OS X`).
fn apple_mobile() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("iPhone"), Just("iPad")],
        15u32..=19,
        0u32..=7,
    )
        .prop_map(|(device, major, minor)| {
            let os = if device == "iPhone" {
                "CPU iPhone OS"
            } else {
                "CPU OS"
            };
            format!("{device}; {os} {major}_{minor} like Mac OS X")
        })
}

/// A browser user agent: Chrome, Edge, Opera, Samsung Internet, Firefox, Safari (desktop and
/// mobile), in-app browsers, smart TVs and consoles, each in version ranges seen in 2020–2026.
fn browser() -> impl Strategy<Value = String> {
    let chromium = (platform(), 90u32..=146, 0u32..=6999).prop_flat_map(|(os, major, build)| {
        let chrome = format!(
            "Mozilla/5.0 ({os}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{major}.0.{build}.0 {}Safari/537.36",
            if os.contains("Android") { "Mobile " } else { "" }
        );
        prop_oneof![
            Just(chrome.clone()),
            Just(format!("{chrome} Edg/{major}.0.{build}.0")),
            Just(format!("{chrome} OPR/{}.0.0.0", major - 14)),
            Just(chrome.replace("Chrome/", &format!("SamsungBrowser/{}.0 Chrome/", major / 5))),
            Just(format!("{chrome} [FB_IAB/FB4A;FBAV/{}.0.0.0;]", major * 3)),
            Just(format!("{chrome} Instagram {}.0.0.0.0", major * 3)),
        ]
    });
    let firefox = (platform(), 91u32..=146).prop_map(|(os, version)| {
        format!("Mozilla/5.0 ({os}; rv:{version}.0) Gecko/20100101 Firefox/{version}.0")
    });
    let safari = (apple_mobile(), 15u32..=19, 0u32..=6).prop_flat_map(|(os, major, minor)| {
        prop_oneof![
            Just(format!(
                "Mozilla/5.0 ({os}) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.{minor} Mobile/15E148 Safari/604.1"
            )),
            Just(format!(
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/{major}.{minor} Safari/605.1.15"
            )),
            Just(format!(
                "Mozilla/5.0 ({os}) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/{}.0.0.0 Mobile/15E148 Safari/604.1",
                major * 7
            )),
        ]
    });
    let devices = (90u32..=140, 2u32..=9).prop_flat_map(|(chrome, tizen)| {
        prop_oneof![
            Just(format!(
                "Mozilla/5.0 (SMART-TV; LINUX; Tizen {tizen}.0) AppleWebKit/537.36 (KHTML, like Gecko) {chrome}.0.0.0/{tizen}.0 TV Safari/537.36"
            )),
            Just(format!(
                "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36 WebAppManager"
            )),
            Just(format!(
                "Mozilla/5.0 (PlayStation; PlayStation 5/{tizen}.00) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.4 Safari/605.1.15"
            )),
            Just(format!(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox Series X) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{chrome}.0.0.0 Safari/537.36 Edge/{chrome}.0.0.0"
            )),
            Just(format!(
                "Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 (KHTML, like Gecko) NF/6.0.1.{tizen}.0 NintendoBrowser/5.1.0.20393"
            )),
        ]
    });
    prop_oneof![chromium, firefox, safari, devices]
}

/// A bot's product token: a made-up name with a bot word, and a version.
fn bot_token() -> impl Strategy<Value = (String, String)> {
    (
        "[A-Z][a-z]{3,8}",
        prop_oneof![
            Just("Bot"),
            Just("bot"),
            Just("-bot"),
            Just("Crawler"),
            Just("Spider"),
            Just("-crawler")
        ],
        1u32..=9,
        0u32..=9,
    )
        .prop_map(|(name, word, major, minor)| {
            let product = format!("{name}{word}");
            (format!("{product}/{major}.{minor}"), product)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn browsers_from_real_version_ranges_stay_browsers(ua in browser()) {
        prop_assert!(bot(&ua).is_none(), "{ua} taken for {:?}", bot(&ua));
    }

    #[test]
    fn a_browser_with_a_bot_token_added_is_that_bot(
        ua in browser(),
        (token, product) in bot_token(),
        place in 0usize..3,
    ) {
        let with_bot = match place {
            0 => format!("{ua} (compatible; {token})"),
            1 => format!("{ua} {token}"),
            _ => format!("Mozilla/5.0 (compatible; {token}; +https://example.com/bot.html) {}", ua.trim_start_matches("Mozilla/5.0 ")),
        };
        let agent = bot(&with_bot);
        prop_assert!(agent.is_some(), "{with_bot} not a bot");
        prop_assert_eq!(agent.unwrap().name_in(&with_bot), product.as_str(), "{}", with_bot);
    }

    #[test]
    fn a_browser_with_a_contact_url_is_a_bot(ua in browser(), path in "[a-z]{1,12}") {
        let with_url = format!("{ua} (+https://example.org/{path})");
        prop_assert!(bot(&with_url).is_some(), "{with_url} not a bot");
    }

    #[test]
    fn arbitrary_text_never_panics_the_detector(ua in "\\PC{0,300}") {
        let agent = bot(&ua);
        if let Some(agent) = agent {
            let _ = agent.name_in(&ua);
        }
    }
}
