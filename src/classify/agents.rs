//! User agents and request targets that are not human pageviews: bots (every crawler in the
//! embedded lists, AI crawlers and agents with their operator and purpose, and generic
//! automation such as `curl/` or `python-requests`) and static assets (by file extension).
//! Both run on every log line, so they are one automaton scan and one suffix check.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

const BOTS: &str = include_str!("data/bots.tsv");

/// Why an AI crawler or agent fetches pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiPurpose {
    /// Collecting training data (GPTBot, ClaudeBot, CCBot…).
    Training,
    /// Building a search index for an AI answer engine (OAI-SearchBot, PerplexityBot…).
    SearchIndex,
    /// Reading a page right now for a user's question (ChatGPT-User, Perplexity-User…).
    UserFetch,
}

impl AiPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            AiPurpose::Training => "training",
            AiPurpose::SearchIndex => "search_index",
            AiPurpose::UserFetch => "user_fetch",
        }
    }
}

/// A recognised bot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotAgent {
    pub name: String,
    /// Who runs it, when the lists say.
    pub operator: Option<String>,
    /// Set for AI crawlers and agents.
    pub purpose: Option<AiPurpose>,
}

/// What a token in the bot list marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Bot(Option<AiPurpose>),
    /// A browser token that contains a bot marker (e.g. the phone maker `Cubot`).
    Browser,
}

struct BotMatcher {
    automaton: AhoCorasick,
    tokens: Vec<(TokenKind, String, Option<String>)>,
}

static MATCHER: LazyLock<BotMatcher> = LazyLock::new(|| {
    let mut patterns = Vec::new();
    let mut tokens = Vec::new();
    for line in BOTS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let [pattern, name, operator, kind] = columns[..] else {
            continue;
        };
        let kind = match kind {
            "training" => TokenKind::Bot(Some(AiPurpose::Training)),
            "search_index" => TokenKind::Bot(Some(AiPurpose::SearchIndex)),
            "user_fetch" => TokenKind::Bot(Some(AiPurpose::UserFetch)),
            "browser" => TokenKind::Browser,
            _ => TokenKind::Bot(None),
        };
        let operator = (!operator.is_empty()).then(|| operator.to_string());
        patterns.push(pattern.to_string());
        tokens.push((kind, name.to_string(), operator));
    }
    let automaton = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .build(&patterns)
        .expect("the embedded bot list builds an automaton");
    BotMatcher { automaton, tokens }
});

/// True when the user agent is a bot (or missing: browsers always send one).
pub fn is_bot(user_agent: &str) -> bool {
    let user_agent = user_agent.trim();
    if user_agent.is_empty() || user_agent == "-" {
        return true;
    }
    bot_agent(user_agent).is_some()
}

/// The bot a user agent belongs to, preferring an AI agent's entry when several match.
pub fn bot_agent(user_agent: &str) -> Option<BotAgent> {
    let matcher = &*MATCHER;
    let mut found: Option<&(TokenKind, String, Option<String>)> = None;
    for hit in matcher.automaton.find_iter(user_agent) {
        let token = &matcher.tokens[hit.pattern().as_usize()];
        match token.0 {
            TokenKind::Browser => {}
            TokenKind::Bot(Some(_)) => {
                found = Some(token);
                break;
            }
            TokenKind::Bot(None) => {
                found.get_or_insert(token);
            }
        }
    }
    let (kind, name, operator) = found?;
    let purpose = match kind {
        TokenKind::Bot(purpose) => *purpose,
        TokenKind::Browser => None,
    };
    Some(BotAgent {
        name: name.clone(),
        operator: operator.clone(),
        purpose,
    })
}

/// Static-file extensions (lowercase) that are never pageviews.
const ASSET_EXTENSIONS: &[&str] = &[
    "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp",
    "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "ogg", "wav", "json", "xml", "txt",
    "pdf", "zip", "gz",
];

/// True when the request target's path ends in a static-file extension.
pub fn is_asset(target: &str) -> bool {
    let path_end = target.find(['?', '#']).unwrap_or(target.len());
    let path = &target[..path_end];
    let file = path.rsplit('/').next().unwrap_or(path);
    match file.rsplit_once('.') {
        Some((_, extension)) if extension.len() <= 5 => ASSET_EXTENSIONS
            .iter()
            .any(|known| known.eq_ignore_ascii_case(extension)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BROWSERS: &[&str] = &[
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-A546B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.40.95]",
    ];

    #[test]
    fn browsers_are_not_bots() {
        for ua in BROWSERS {
            assert!(!is_bot(ua), "{ua} flagged as {:?}", bot_agent(ua));
        }
    }

    #[test]
    fn crawlers_and_scripts_are_bots() {
        for ua in [
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            "curl/8.5.0",
            "python-requests/2.32.3",
            "",
            "-",
        ] {
            assert!(is_bot(ua), "{ua:?} not a bot");
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
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
                "PerplexityBot",
                AiPurpose::SearchIndex,
            ),
            (
                "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)",
                "Perplexity-User",
                AiPurpose::UserFetch,
            ),
        ];
        for (ua, name, purpose) in cases {
            let agent = bot_agent(ua).unwrap_or_else(|| panic!("{ua}"));
            assert_eq!(
                (agent.name.as_str(), agent.purpose),
                (name, Some(purpose)),
                "{ua}"
            );
        }
        let openai = bot_agent("ChatGPT-User/1.0").unwrap();
        assert_eq!(openai.operator.as_deref(), Some("OpenAI"));
        assert_eq!(bot_agent("curl/8.5.0").unwrap().purpose, None);
    }

    #[test]
    fn hostile_user_agents_do_not_panic() {
        let long = "a".repeat(20_000);
        for ua in [long.as_str(), "\u{0}\u{1}bot", "ÄÖÜ😀", "\r\n"] {
            let _ = is_bot(ua);
        }
    }

    #[test]
    fn assets_by_extension() {
        for target in [
            "/static/app.3f9c.css",
            "/img/logo.SVG",
            "/fonts/inter.woff2?v=3",
            "/favicon.ico",
            "/robots.txt",
        ] {
            assert!(is_asset(target), "{target}");
        }
        for target in [
            "/",
            "/pricing",
            "/blog/post.html",
            "/a.php",
            "/v1.2/docs",
            "/search?q=a.css",
            "",
            "/x.",
        ] {
            assert!(!is_asset(target), "{target}");
        }
    }
}
