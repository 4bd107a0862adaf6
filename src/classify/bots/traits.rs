//! General traits of automation that no list has to name: a user agent carrying a URL or an
//! email address (how crawlers say who to contact), or a `name/version` product with no
//! browser engine and no platform beside it (`collectd/5.5.1`, `ApacheBench/2.3`,
//! `munin/2.0 (libwww-perl/6.31)`). Browsers, in-app browsers, TVs and consoles always name an
//! engine (`Mozilla/5.0`, `Opera/9.80`) or a platform (`Linux; Android 14`, `CFNetwork`).

/// Lowercase substrings that show a browser engine, a browser, or the platform an app runs on.
const BROWSER_OR_PLATFORM: &[&str] = &[
    "mozilla/",
    "opera",
    "applewebkit",
    "gecko",
    "presto",
    "trident",
    "windows",
    "win10",
    "win32",
    "win64",
    "wow64",
    "mac",
    "linux",
    "android",
    "iphone",
    "ipad",
    "ipod",
    "ios",
    "cpu os",
    "x11",
    "cros",
    "amiga",
    "morphos",
    "haiku",
    "beos",
    "playstation",
    "nintendo",
    "xbox",
    "tizen",
    "webos",
    "smart-tv",
    "smarttv",
    "symbian",
    "series60",
    "series40",
    "blackberry",
    "j2me",
    "midp",
    "darwin",
    "cfnetwork",
    "kaios",
    "fuchsia",
    "bsd",
    "sunos",
    "os/2",
    "risc os",
    "dalvik",
    "roku",
    "hbbtv",
    "netfront",
    "up.browser",
    "obigo",
    "lynx",
    "w3m",
    "elinks",
    "links (",
    "dillo",
    "konqueror",
    "arm64",
    "aarch64",
    "x86_64",
    // Facebook's in-app browser; Firefox for Android's own fetches (Mozilla Android Components)
    "fban/",
    "mozacfetch",
];

/// Lowercase substrings only a device's own browser sends: feature phones (J2ME, Series 40/60,
/// Bada), Windows Phone, TVs (HbbTV, CE-HTML, Google TV), consoles, Baidu's app browsers.
/// Their user agents carry odd tokens (`Java/ASVM`, `CE-HTML/1.0;`, `|`-separated device ids)
/// that isbot's patterns and the lone-product trait take for automation, so with a signature
/// only the named lists, a contact URL or email, and a bot word ([`bot_word`]) count.
const DEVICE_BROWSER_SIGNATURES: &[&str] = &[
    "profile/midp",
    "series40",
    "series60",
    "symbianos",
    "bada/",
    "windows phone",
    "iemobile",
    "hbbtv/",
    "ce-html",
    "googletv",
    "nintendo",
    "playstation",
    "baiduboxapp",
    "baidubrowser",
    "flyflow/",
];

/// True when the user agent carries a device browser's signature (see
/// [`DEVICE_BROWSER_SIGNATURES`]).
pub(super) fn device_browser(user_agent: &str) -> bool {
    let bytes = user_agent.as_bytes();
    DEVICE_BROWSER_SIGNATURES
        .iter()
        .any(|signature| contains_ignore_case(bytes, signature.as_bytes()))
}

/// Words only automation calls itself, and where: `bot`/`bots` as a word or before `_` (not
/// after " cu", the phone maker Cubot), `crawl`, `spider`, `scrape`, `headless`. For device
/// browsers, which no other generic rule judges.
pub(super) fn bot_word(user_agent: &str) -> Option<(usize, usize)> {
    static BOT_WORD: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::RegexBuilder::new(r"bots?(?:\b|_)|crawl|spider|scrape|headless")
            .case_insensitive(true)
            .unicode(false)
            .build()
            .expect("the bot-word pattern compiles")
    });
    let bytes = user_agent.as_bytes();
    BOT_WORD
        .find_iter(bytes)
        .find(|found| {
            let before = &bytes[..found.start()];
            !(before.len() >= 3 && before[before.len() - 3..].eq_ignore_ascii_case(b" cu"))
        })
        .map(|found| (found.start(), found.end()))
}

/// True when the user agent shows a trait of automation (see the module header).
pub(super) fn looks_automated(user_agent: &str) -> bool {
    carries_contact(user_agent) || versioned_product_alone(user_agent)
}

/// A URL (`http://`, `https://`, `www.`) or an email address (`name@host.tld`).
pub(super) fn carries_contact(user_agent: &str) -> bool {
    let bytes = user_agent.as_bytes();
    contains_ignore_case(bytes, b"://") || contains_ignore_case(bytes, b"www.") || has_email(bytes)
}

/// `name@host.tld` with a letter-only top-level domain (`android@111.0.5563` is a version).
fn has_email(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(at, &b)| {
        if b != b'@' || at == 0 || !is_word(bytes[at - 1]) {
            return false;
        }
        let host_len = bytes[at + 1..]
            .iter()
            .take_while(|&&c| is_word(c) || c == b'.' || c == b'-')
            .count();
        let host = &bytes[at + 1..at + 1 + host_len];
        let host = host.strip_suffix(b".").unwrap_or(host);
        match host.iter().rposition(|&c| c == b'.') {
            Some(dot) if dot > 0 => {
                let tld = &host[dot + 1..];
                tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)
            }
            _ => false,
        }
    })
}

/// A `name/1…` product and nothing that shows a browser or a platform.
fn versioned_product_alone(user_agent: &str) -> bool {
    let bytes = user_agent.as_bytes();
    let versioned = bytes
        .windows(3)
        .any(|w| is_word(w[0]) && w[1] == b'/' && (w[2].is_ascii_digit() || w[2] == b'v'));
    versioned
        && !BROWSER_OR_PLATFORM
            .iter()
            .any(|marker| contains_ignore_case(bytes, marker.as_bytes()))
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_and_lone_products_are_automation() {
        for ua in [
            "collectd/5.5.1",
            "ApacheBench/2.3",
            "munin/2.0.49 (libwww-perl/6.31)",
            "Amazon-Route53-Health-Check-Service (ref 1b2c; report http://amzn.to/1vsZADi)",
            "ExampleCrawler (admin@example.org)",
            "SiteInfo (+www.example.net/about)",
            "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers)",
        ] {
            assert!(looks_automated(ua), "{ua}");
        }
    }

    #[test]
    fn browsers_and_apps_with_a_platform_are_not() {
        for ua in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 Version/10.54",
            "Dalvik/2.1.0 (Linux; U; Android 9; SM-G965U Build/PPR1.180610.011)",
            "ExampleApp/1 iPhone5,2 iOS/10_1 CFNetwork/808.3 Darwin/16.3.0",
            "Lynx/2.8.9rel.1 libwww-FM/2.14 SSL-MM/1.4.1 GNUTLS/3.6.5",
            "Roku4640X/DVP-7.70 (297.70E04154A)",
            "",
            "@",
            "a@b",
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/111.0.0.0 Mobile Safari/537.36 (Ecosia android@111.0.5563.116)",
            "[FBAN/FB4A;FBAV/567.1.0.52.74;FBBV/1003893689;FBLC/nl_NL;FBSV/16;FBOP/1;]",
        ] {
            assert!(!looks_automated(ua), "{ua}");
        }
    }

    #[test]
    fn bot_words_are_found_where_they_are_words() {
        for (ua, word) in [
            (
                "Opera/9.80 (Nintendo Switch) (compatible; FooBot/1.0)",
                Some("Bot"),
            ),
            ("HbbTV/1.4.1 (; ; ) ExampleCrawler", Some("Crawl")),
            (
                "Mozilla/5.0 (Linux; Android 10; Cubot X30) Profile/MIDP-2.0",
                None,
            ),
            ("Mozilla/5.0 (PlayStation 5) robots_x", Some("bots_")),
            ("Mozilla/5.0 (Nintendo Switch) bottle/1.0", None),
        ] {
            let found = bot_word(ua).map(|(from, to)| &ua[from..to]);
            assert_eq!(found, word, "{ua}");
        }
    }
}
