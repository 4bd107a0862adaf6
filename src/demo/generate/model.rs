//! The traffic model: where visits come from (the visit kinds, with the channel and source
//! each must be classified as) and what visitors do (paths, browsers, conversions).

use super::*;

/// A way of arriving at the site, and what the pipeline must call it.
pub(super) struct VisitKind {
    /// Referrer template (`{…}` placeholders, see [`fill`]); None: no referrer.
    pub(super) referrer: Option<&'static str>,
    /// Query template appended to the landing path; None: a plain path.
    pub(super) query: Option<&'static str>,
    pub(super) channel: &'static str,
    pub(super) source: &'static str,
    /// Relative frequency (the table sums to 1000).
    pub(super) weight: u32,
    /// Chance in 1000 that a session of this kind buys.
    pub(super) purchase_per_mille: u32,
    /// Chance in 1000 that a session of this kind subscribes to the newsletter.
    pub(super) newsletter_per_mille: u32,
}

pub(super) const fn kind(
    referrer: Option<&'static str>,
    query: Option<&'static str>,
    (channel, source): (&'static str, &'static str),
    weight: u32,
    (purchase_per_mille, newsletter_per_mille): (u32, u32),
) -> VisitKind {
    VisitKind {
        referrer,
        query,
        channel,
        source,
        weight,
        purchase_per_mille,
        newsletter_per_mille,
    }
}

pub(super) const AI: &str = "ai_assistant";
pub(super) const ORGANIC_SEARCH: &str = "organic_search";
pub(super) const PAID_SEARCH: &str = "paid_search";
pub(super) const ORGANIC_SOCIAL: &str = "organic_social";
pub(super) const PAID_SOCIAL: &str = "paid_social";
pub(super) const EMAIL: &str = "email";
pub(super) const REFERRAL: &str = "referral";
pub(super) const DIRECT: &str = "direct";
pub(super) const OTHER: &str = "other";

/// Every visit kind: (referrer, landing query) → (channel, source), weight, (purchases,
/// newsletter sign-ups) per 1000 sessions. AI assistants ≈12%, organic search ≈35%, paid ≈10%,
/// social ≈10%, email ≈8%, referral ≈8%, direct ≈15%, other ≈2%.
#[rustfmt::skip]
pub(super) const VISIT_KINDS: &[VisitKind] = &[
    kind(Some("https://chatgpt.com/"), Some("utm_source=chatgpt.com"), (AI, "chatgpt"), 34, (65, 40)),
    kind(Some("https://chatgpt.com/"), None, (AI, "chatgpt"), 18, (62, 40)),
    kind(None, Some("utm_source=chatgpt.com"), (AI, "chatgpt"), 8, (60, 40)),
    kind(Some("https://www.perplexity.ai/"), None, (AI, "perplexity"), 20, (70, 45)),
    kind(None, Some("utm_source=perplexity"), (AI, "perplexity"), 6, (70, 45)),
    kind(Some("https://claude.ai/"), None, (AI, "claude"), 14, (60, 40)),
    kind(Some("https://gemini.google.com/"), None, (AI, "gemini"), 12, (50, 35)),
    kind(Some("https://copilot.microsoft.com/"), None, (AI, "copilot"), 8, (50, 35)),
    kind(Some("https://www.google.com/"), None, (ORGANIC_SEARCH, "google"), 255, (30, 35)),
    kind(Some("https://www.google.co.uk/"), None, (ORGANIC_SEARCH, "google"), 35, (30, 35)),
    kind(Some("https://www.bing.com/search?q=acme+widgets"), None, (ORGANIC_SEARCH, "bing"), 40, (32, 30)),
    kind(Some("https://duckduckgo.com/"), None, (ORGANIC_SEARCH, "duckduckgo"), 20, (34, 35)),
    kind(Some("https://www.google.com/"), Some("gclid={gclid}"), (PAID_SEARCH, "google"), 55, (25, 15)),
    kind(Some("https://www.bing.com/"), Some("msclkid={msclkid}"), (PAID_SEARCH, "bing"), 15, (25, 15)),
    kind(None, Some("utm_source=google&utm_medium=cpc&utm_campaign=brand"), (PAID_SEARCH, "google"), 15, (28, 15)),
    kind(Some("https://www.facebook.com/"), None, (ORGANIC_SOCIAL, "facebook"), 24, (10, 45)),
    kind(Some("https://www.facebook.com/"), Some("fbclid={fbclid}"), (ORGANIC_SOCIAL, "facebook"), 14, (10, 45)),
    kind(Some("https://t.co/{tco}"), None, (ORGANIC_SOCIAL, "twitter"), 22, (8, 45)),
    kind(Some("https://www.linkedin.com/"), None, (ORGANIC_SOCIAL, "linkedin"), 26, (14, 50)),
    kind(Some("https://www.reddit.com/r/saas/"), None, (ORGANIC_SOCIAL, "reddit"), 14, (9, 40)),
    kind(Some("https://www.facebook.com/"), Some("utm_source=facebook&utm_medium=paid_social&utm_campaign=q4"), (PAID_SOCIAL, "facebook"), 15, (15, 30)),
    kind(None, Some("utm_source=newsletter&utm_medium=email&utm_campaign=weekly"), (EMAIL, "newsletter"), 60, (40, 10)),
    kind(Some("https://mail.google.com/"), None, (EMAIL, "gmail"), 20, (40, 15)),
    kind(Some("https://www.g2.com/products/acme/reviews"), None, (REFERRAL, "g2.com"), 40, (45, 30)),
    kind(Some("https://news.ycombinator.com/item?id={hn}"), None, (REFERRAL, "ycombinator.com"), 10, (15, 40)),
    kind(Some("https://blog.example.org/{post}"), None, (REFERRAL, "example.org"), 30, (25, 40)),
    kind(None, None, (DIRECT, "(direct)"), 150, (30, 25)),
    kind(None, Some("utm_source=partner-x&utm_medium=affiliate"), (OTHER, "partner-x"), 20, (20, 20)),
];

/// The visit-kind weights of one day: with `growing`, AI assistants' share grows over the
/// period (from about 9% to about 15% of sessions), the story the demo tells; else every day
/// has the period's middle weights (about 12%).
pub(super) fn kind_weights(day_index: u32, days: u32, growing: bool) -> Vec<u32> {
    let progress = match days {
        _ if !growing => 500,
        0 | 1 => 500,
        _ => u64::from(day_index) * 1000 / u64::from(days - 1),
    };
    let ai_factor = 750 + progress as u32 / 2;
    VISIT_KINDS
        .iter()
        .map(|kind| match kind.channel {
            AI => kind.weight * ai_factor,
            _ => kind.weight * 1000,
        })
        .collect()
}

/// Fills the placeholders of a referrer or query template with fresh random ids.
pub(super) fn fill(template: &'static str, rng: &mut Rng) -> Cow<'static, str> {
    if !template.contains('{') {
        return Cow::Borrowed(template);
    }
    let mut filled = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            break;
        };
        filled.push_str(&rest[..open]);
        filled.push_str(&placeholder(&rest[open + 1..close], rng));
        rest = &rest[close + 1..];
    }
    filled.push_str(rest);
    Cow::Owned(filled)
}

pub(super) const ALPHANUMERIC: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub(super) const URL_SAFE: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub(super) const HEX: &[u8] = b"0123456789abcdef";

pub(super) fn placeholder(name: &str, rng: &mut Rng) -> String {
    match name {
        "gclid" => format!("Cj0KCQiA{}", rng.token(URL_SAFE, 72)),
        "msclkid" => rng.token(HEX, 32),
        "fbclid" => format!("IwAR{}", rng.token(URL_SAFE, 56)),
        "tco" => rng.token(ALPHANUMERIC, 10),
        "hn" => (42_000_000 + rng.below(900_000)).to_string(),
        "post" => rng.pick(REFERRING_POSTS).to_string(),
        _ => String::new(),
    }
}

pub(super) const REFERRING_POSTS: &[&str] = &[
    "2026/10/analytics-without-cookies",
    "2026/11/tools-we-use",
    "2026/11/measuring-ai-referrals",
    "posts/self-hosting-notes",
];

// ---------------------------------------------------------------------------------------------
// The traffic model: what visitors do

/// Browsers of human visitors (all verified non-bots).
pub const HUMAN_AGENTS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
];
/// How common each browser is.
pub(super) const HUMAN_AGENT_WEIGHTS: [u32; 8] = [30, 14, 6, 20, 12, 8, 2, 8];

/// A part of the site, for choosing landing and browsing pages.
#[derive(Clone, Copy)]
pub(super) enum Section {
    Home,
    Pricing,
    Features,
    Blog,
    Docs,
    Company,
    Products,
}

pub(super) const SECTIONS: [Section; 7] = [
    Section::Home,
    Section::Pricing,
    Section::Features,
    Section::Blog,
    Section::Docs,
    Section::Company,
    Section::Products,
];

pub(super) const FEATURE_PAGES: &[&str] = &[
    "/features/ai-visibility",
    "/features/channels",
    "/features/alerts",
    "/features/digest",
];
pub(super) const BLOG_PAGES: &[&str] = &[
    "/blog/ai-search-traffic",
    "/blog/chatgpt-referrals-explained",
    "/blog/cookieless-analytics",
    "/blog/conversion-benchmarks-2026",
    "/blog/llm-citations-guide",
    "/blog/log-based-analytics",
];
pub(super) const DOC_PAGES: &[&str] = &[
    "/docs/getting-started",
    "/docs/log-formats",
    "/docs/goals",
    "/docs/api",
];
pub(super) const COMPANY_PAGES: &[&str] = &["/customers", "/about", "/integrations", "/contact"];
pub(super) const PRODUCT_COUNT: u64 = 24;

/// Weights of [`SECTIONS`] for the landing page of a channel.
pub(super) fn landing_sections(channel: &str) -> [u32; 7] {
    match channel {
        AI => [10, 15, 15, 33, 20, 2, 5],
        ORGANIC_SEARCH => [20, 5, 15, 38, 15, 2, 5],
        PAID_SEARCH => [40, 30, 20, 0, 0, 0, 10],
        ORGANIC_SOCIAL | PAID_SOCIAL => [15, 5, 10, 55, 0, 5, 10],
        EMAIL => [10, 20, 10, 50, 5, 0, 5],
        REFERRAL => [35, 25, 20, 5, 5, 5, 5],
        DIRECT => [55, 15, 5, 5, 12, 3, 5],
        _ => [40, 30, 10, 10, 0, 0, 10],
    }
}

/// Weights of [`SECTIONS`] for the pages a visitor moves on to.
pub(super) const BROWSE_SECTIONS: [u32; 7] = [8, 20, 18, 16, 14, 8, 16];

/// Static files a page pulls in; the first page of a session loads several of them.
pub(super) const PAGE_ASSETS: &[&str] = &[
    "/static/app.5c1e9a.css",
    "/static/app.0b7f42.js",
    "/img/logo.svg",
    "/fonts/inter-var.woff2",
    "/favicon.ico",
];
pub(super) const CONTENT_ASSETS: &[&str] = &[
    "/img/hero.webp",
    "/img/dashboard.png",
    "/img/chart-ai-vs-search.png",
    "/img/team.jpg",
];

/// Chance in 1000 that a pageview brings along one of [`HUMAN_NON_PAGES`].
pub(super) const NON_PAGE_PER_MILLE: u32 = 35;
/// Human requests that are not pageviews: (method, target, status).
pub(super) const HUMAN_NON_PAGES: &[(&str, &str, u16)] = &[
    ("GET", "/old-pricing", 404),
    ("GET", "/blog/ai-search-trafic", 404),
    ("GET", "/features", 301),
    ("HEAD", "/pricing", 200),
    ("GET", "/search?q=widgets", 500),
];

/// Chance in 1000 that a session comes from a visitor seen earlier the same day.
pub(super) const RETURNING_PER_MILLE: u32 = 180;
/// Most sessions one visitor has in a day.
pub(super) const MAX_SESSIONS_PER_VISITOR: u8 = 3;
/// A visitor's next session starts later than this after its last pageview (> 40 min).
pub(super) const MIN_RETURN_GAP: i64 = 41 * 60;
/// Longest gap between two pageviews of a session (seconds).
pub(super) const MAX_READING_GAP: u32 = 20 * 60;
/// Most pages a session browses after landing (goal pages come on top).
pub(super) const MAX_BROWSED_PAGES: u32 = 12;
/// Assets and errors come at most this many seconds after their pageview.
pub(super) const EXTRA_SPAN: u32 = 2;
/// Relative share of session starts per UTC hour (Europe's and America's days overlap).
pub(super) const HOUR_WEIGHTS: [u32; 24] = [
    4, 3, 3, 3, 3, 4, 6, 9, 12, 13, 14, 14, 14, 15, 16, 16, 15, 14, 12, 11, 10, 8, 6, 5,
];

/// A pageview of a planned session, `offset` seconds after its start.
pub(super) struct PlannedView {
    pub(super) offset: u32,
    pub(super) method: &'static str,
    pub(super) target: Cow<'static, str>,
    pub(super) status: u16,
}

/// The pageviews of one session and the goals it reaches.
pub(super) struct SessionPlan {
    pub(super) views: Vec<PlannedView>,
    pub(super) purchase: bool,
    pub(super) newsletter: bool,
}

impl SessionPlan {
    pub(super) fn duration(&self) -> u32 {
        self.views.last().map_or(0, |view| view.offset)
    }

    pub(super) fn push(
        &mut self,
        gap: u32,
        method: &'static str,
        target: Cow<'static, str>,
        status: u16,
    ) {
        let offset = self.duration() + gap;
        self.views.push(PlannedView {
            offset,
            method,
            target,
            status,
        });
    }
}

/// A bot or crawler: user agent, its network (first three octets), relative frequency, and
/// for AI crawlers and agents the (name, purpose) ingest must count it under.
pub(super) struct Bot {
    pub(super) agent: &'static str,
    pub(super) network: &'static str,
    /// The first host number and how many there are (an operator's published range is often
    /// smaller than a /24: the verified crawlers' addresses stay inside it).
    pub(super) hosts: (u8, u8),
    pub(super) weight: u32,
    pub(super) ai: Option<(&'static str, &'static str)>,
}

#[rustfmt::skip]
pub(super) const BOTS: &[Bot] = &[
    Bot { agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", network: "66.249.66", hosts: (2, 253), weight: 24, ai: None },
    Bot { agent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", network: "157.55.39", hosts: (2, 253), weight: 12, ai: None },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", network: "20.171.207", hosts: (2, 253), weight: 12, ai: Some(("GPTBot", "training")) },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot", network: "104.210.139", hosts: (193, 14), weight: 8, ai: Some(("ChatGPT-User", "user_fetch")) },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot", network: "104.210.140", hosts: (129, 14), weight: 6, ai: Some(("OAI-SearchBot", "search_index")) },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)", network: "160.79.104", hosts: (2, 253), weight: 10, ai: Some(("ClaudeBot", "training")) },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)", network: "18.97.9", hosts: (97, 6), weight: 8, ai: Some(("PerplexityBot", "search_index")) },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Perplexity-User/1.0; +https://perplexity.ai/perplexity-user)", network: "18.97.43", hosts: (81, 6), weight: 6, ai: Some(("Perplexity-User", "user_fetch")) },
    Bot { agent: "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", network: "54.36.148", hosts: (2, 253), weight: 10, ai: None },
    Bot { agent: "curl/8.5.0", network: "198.51.100", hosts: (2, 253), weight: 4, ai: None },
    Bot { agent: "python-requests/2.32.3", network: "203.0.113", hosts: (2, 253), weight: 6, ai: None },
];

/// What bots fetch besides pages: (target, status).
pub(super) const BOT_EXTRAS: &[(&str, u16)] = &[
    ("/robots.txt", 200),
    ("/sitemap.xml", 200),
    ("/static/app.5c1e9a.css", 200),
    ("/img/hero.webp", 200),
    ("/old-pricing", 404),
    ("/wp-login.php", 404),
    ("/.env", 404),
];

/// Bot lines per 10 human sessions.
pub(super) const BOT_LINES_PER_10_SESSIONS: u64 = 12;
/// One line in this many is malformed.
pub(super) const LINES_PER_MALFORMED: u64 = 500;
/// Chance in 1000 that a day has an over-long line.
pub(super) const OVERLONG_PER_MILLE: u32 = 150;
/// Length of an over-long line (the parsers accept at most 16 KiB).
pub(super) const OVERLONG_BYTES: usize = 20_000;
/// Malformed lines are held back until this many valid lines are written.
pub(super) const CLEAN_HEAD_LINES: u64 = 20;
