//! Bot detection: the lists, isbot's patterns, the traits, names and the cache.

use super::*;
use crate::demo::generate::HUMAN_AGENTS;

/// The demo traffic generator's browsers, then [`TRICKY_BROWSERS`].
fn browsers() -> impl Iterator<Item = &'static str> {
    HUMAN_AGENTS.iter().chain(TRICKY_BROWSERS).copied()
}

/// Real browsers with bot-like substrings.
const TRICKY_BROWSERS: &[&str] = &[
    // "bot" inside phone makers' and device names
    "Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; KINGKONG 9 Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/118.0.0.0 Mobile Safari/537.36 CUBOT",
    "fuboTV/4.75.0 (Linux;Android 9; AFTDCT31 Build/PS7664.3772N) FuboPlayer/v1.34.0",
    // Amazon's Silk browser: only a user agent *starting* with Silk/ is a crawler
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/108.3.8 like Chrome/108.0.0.0 Safari/537.36",
    // in-app browsers and editors' built-in browsers
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.40.95]",
    "Mozilla/5.0 (Linux; Android 16; Pixel 10 Pro XL Build/CP1A.260305.018; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/146.0.7680.174 Mobile Safari/537.36 MetaIAB Facebook",
    "Mozilla/5.0 (Linux; Android 12; moto g(50) 5G Build/S1RSS32.38-20-9-13; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/124.0.6367.180 Mobile Safari/537.36 Instagram 330.0.0.40.92 Android",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Code/1.115.0 Chrome/142.0.7444.265 Electron/39.8.5 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.14; rv:60.0) Gecko/20100101 Thunderbird/60.6.1 Lightning/6.2.6.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
    "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
];

/// Every AI agent of the list is named, with its purpose, in a minimal user agent
/// (`Name/1.0`) and in the usual `compatible;` form.
#[test]
fn every_ai_agent_keeps_its_name_and_purpose() {
    let ai_rows: Vec<(&str, &str)> = lists::BOTS_TSV
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(|row| row.len() == 6 && row[1] == "ai" && row[2] == "any")
        .map(|row| (row[0], row[3]))
        .collect();
    assert!(ai_rows.len() > 20, "{} AI agents", ai_rows.len());
    for (substring, name) in ai_rows {
        for ua in [
            format!("{substring}/1.0"),
            format!("Mozilla/5.0 (compatible; {substring}/1.0; +https://example.com/bot)"),
        ] {
            let agent = bot_agent(&ua).unwrap_or_else(|| panic!("{ua}: no bot"));
            assert!(agent.purpose.is_some(), "{ua}: {agent:?}");
            assert_eq!(agent.name, name, "{ua}");
        }
    }
}

#[test]
fn cache_gives_the_scan_verdicts() {
    let mut cache = BotCache::default();
    for _ in 0..2 {
        for browser in browsers() {
            assert_eq!(cache.bot(browser), None, "{browser}");
        }
        let gpt = cache.bot("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)");
        assert_eq!(gpt.map(|b| b.name), Some("GPTBot"));
        assert_eq!(cache.bot(""), Some(NO_USER_AGENT));
        assert_eq!(cache.bot(" - "), Some(NO_USER_AGENT));
        for ua in [
            "curl/8.0",
            "  GPTBot/1.2  ",
            "Mozilla/5.0 (compatible; bingbot/2.0)",
        ] {
            assert_eq!(bot(ua).is_some(), is_bot(ua), "{ua}");
            assert_eq!(cache.bot(ua), bot(ua), "{ua}");
        }
        assert!(cache.is_bot("-"));
    }
}

#[test]
fn browsers_are_not_bots() {
    for user_agent in browsers() {
        assert!(
            !is_bot(user_agent),
            "{user_agent} flagged as {:?}",
            bot_agent(user_agent)
        );
    }
}

#[test]
fn crawlers_and_scripts_are_bots() {
    for user_agent in [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
        "Silk/1.0",
        "curl/8.5.0",
        "Wget/1.21.4",
        "python-requests/2.32",
        "python-requests/2.32.3",
        "Go-http-client/2.0",
        "okhttp/4.12.0",
        "",
        "-",
        "  ",
    ] {
        assert!(is_bot(user_agent), "{user_agent:?} not a bot");
    }
}

#[test]
fn ai_agents_have_operator_and_purpose() {
    let cases = [
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
            "GPTBot",
            AiPurpose::Training,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
            "ChatGPT-User",
            AiPurpose::UserFetch,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot",
            "OAI-SearchBot",
            AiPurpose::SearchIndex,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
            "ClaudeBot",
            AiPurpose::Training,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Claude-User/1.0; +Claude-User@anthropic.com)",
            "Claude-User",
            AiPurpose::UserFetch,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
            "PerplexityBot",
            AiPurpose::SearchIndex,
        ),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; +https://www.perplexity.ai/useragent)",
            "Perplexity-User",
            AiPurpose::UserFetch,
        ),
        (
            "Mozilla/5.0 (compatible; MistralAI-User/1.0; +https://mistral.ai/bot)",
            "MistralAI-User",
            AiPurpose::UserFetch,
        ),
    ];
    for (user_agent, name, purpose) in cases {
        assert!(is_bot(user_agent), "{user_agent}");
        let agent = bot_agent(user_agent).unwrap_or_else(|| panic!("{user_agent}"));
        assert_eq!(
            (agent.name, agent.purpose),
            (name, Some(purpose)),
            "{user_agent}"
        );
    }
    assert_eq!(
        bot_agent("ChatGPT-User/1.0").unwrap().operator,
        Some("OpenAI")
    );
    assert_eq!(bot_agent("curl/8.5.0").unwrap().purpose, None);
    assert_eq!(bot_agent(HUMAN_AGENTS[0]), None);
}

#[test]
fn hostile_user_agents_do_not_panic() {
    let long = "Mozilla/5.0 ".repeat(2_000);
    for user_agent in [long.as_str(), "\u{0}\u{1}bot", "ÄÖÜ😀 Cubot😀", "\r\n", "é"] {
        let _ = is_bot(user_agent);
        let _ = bot_agent(user_agent);
    }
}

#[test]
fn every_data_row_parses() {
    let rows = lists::BOTS_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty());
    assert_eq!(lists::LISTS.patterns.len(), rows.count());
}

/// An isbot fragment with its look-around put back, from its row (the inverse of the build
/// script's split; `-` after a class escape stays escaped, as both engines require).
fn isbot_original(fragment: &str, before: &str, after: &str) -> String {
    let mut original = String::new();
    if before != "-" {
        original.push_str(&format!("(?<!{before})"));
    }
    original.push_str(fragment);
    if after.contains('|') {
        original.push_str(&format!("(?!(?:{after}))"));
    } else if after != "-" {
        original.push_str(&format!("(?!{after})"));
    }
    original
}

/// User agents to compare matchers on: the labelled corpus (ASCII lines) and strings placed
/// at the edges of every look-around fragment.
fn agreement_samples() -> Vec<String> {
    let corpus = include_str!("../../../tests/data/labelled_user_agents.tsv");
    let mut samples: Vec<String> = corpus
        .lines()
        .filter(|line| !line.starts_with('#') && line.is_ascii())
        .filter_map(|line| line.split('\t').next().map(str::to_string))
        .collect();
    for edge in [
        "Mozilla/5.0 channel/google",
        "Mozilla/5.0 CHANNEL/Google x",
        "google/google",
        "Googlewv",
        "Googleapp/1",
        "googlebot google/google/google",
        "my google pixel",
        "x channel/googlebot",
        "Cubot X30",
        "a cubot",
        "acubot",
        "robots.txt",
        "bots_",
        "bot",
        "Xbot/1",
        "camscanner scan",
        "CamScan",
        "libhttp http",
        "libHTTP",
        "java; java/1.8",
        "Java;",
        "news",
        "gnews",
        "Gnews x news",
        "newsapphire",
        "NewsSapphire",
        "a newssapphire news",
        "",
    ] {
        samples.push(edge.to_string());
    }
    samples
}

/// isbot's fragments, look-around ones included, match exactly where a backtracking engine
/// with look-around (fancy-regex) matches isbot's own fragments.
#[test]
fn isbot_fragments_agree_with_a_backtracking_engine() {
    let samples = agreement_samples();
    let mut guarded = 0;
    for (index, (fragment, before, after)) in isbot::rows().enumerate() {
        guarded += usize::from(before != "-" || after != "-");
        let original = isbot_original(fragment, before, after);
        let reference = fancy_regex::Regex::new(&format!("(?i){original}"))
            .unwrap_or_else(|err| panic!("{original}: {err}"));
        let ours = isbot::IsbotMatcher::fragment(index);
        for ua in &samples {
            let expected = reference.is_match(ua).expect("no backtracking limit hit");
            assert_eq!(
                ours.find(ua.as_bytes()).is_some(),
                expected,
                "fragment {original:?} on {ua:?}"
            );
        }
    }
    assert_eq!(guarded, 6, "isbot's fragments with look-around");
}

#[test]
fn isbot_finds_bots_the_named_lists_miss() {
    for ua in [
        "collectd/5.5.1",
        "ApacheBench/2.3",
        "Amazon-Route53-Health-Check-Service (ref 1b2c-3d4e; report http://amzn.to/1vsZADi)",
        "munin/2.0.49 (libwww-perl/6.31)",
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2272.96 Mobile Safari/537.36 (compatible; Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/))",
        "facebookexternalua",
    ] {
        assert!(is_bot(ua), "{ua}");
    }
    assert_eq!(
        bot("ApacheBench/2.3").map(|a| a.name_in("ApacheBench/2.3")),
        Some("ApacheBench")
    );
}
