//! A deterministic generator of realistic access logs for the demo site, together with the
//! exact ground truth (sessions, conversions and pageviews per channel and source, and the
//! lines the pipeline must skip and why). `aivis demo`, the integration tests and the
//! GoAccess benchmark all use it: the tests demand that ingest reproduces the truth exactly.
//!
//! The log is written day by day (memory is bounded by one day of lines) in timestamp order.
//! It interleaves human visits from every channel (AI assistants, search, paid, social,
//! email, referral, direct, other campaigns), returning visitors, static assets, redirects and
//! errors, bots and AI crawlers, and malformed lines. The rules that keep the truth exact:
//! every visitor has a unique IP; a session lies within one UTC day with at most 20 minutes
//! between pageviews; a visitor's next session starts more than 40 minutes after the last.
//! Pure std (plus [`crate::day`]), with its own seeded PRNG, so the same spec always gives
//! the same bytes.

use std::collections::BTreeMap;
use std::io::{self, Write};

/// The demo site's name in the config and the database.
pub const SITE_NAME: &str = "acme";
/// The demo site's own hosts (internal referrers).
pub const SITE_HOSTS: &[&str] = &["www.acme.test", "acme.test"];
/// Path regex of the macro goal `purchase`.
pub const PURCHASE_GOAL_PATH: &str = "^/checkout/complete";
/// Path regex of the micro goal `newsletter`.
pub const NEWSLETTER_GOAL_PATH: &str = "^/newsletter/thanks";

/// The log format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Combined,
    VhostCombined,
    NginxJson,
    CaddyJson,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSpec {
    pub seed: u64,
    /// First day, as days since 1970-01-01 (UTC).
    pub start_day: i64,
    pub days: u32,
    /// Total human sessions over all days.
    pub sessions: u64,
    pub format: OutputFormat,
    /// Add bots, static assets, non-page responses and malformed lines.
    pub noise: bool,
}

impl TrafficSpec {
    /// Four weeks from 2026-10-26 with 6000 sessions: what `aivis demo` shows.
    pub fn demo() -> TrafficSpec {
        TrafficSpec {
            seed: 7,
            start_day: 20_752,
            days: 28,
            sessions: 6000,
            format: OutputFormat::Combined,
            noise: true,
        }
    }
}

/// Ground truth of one (channel, source).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceTruth {
    pub sessions: u64,
    /// Sessions that reached the macro goal `purchase`.
    pub conversions: u64,
    /// Sessions that reached the micro goal `newsletter`.
    pub micro_conversions: u64,
    pub pageviews: u64,
}

/// What the pipeline must find in a generated log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundTruth {
    pub lines: u64,
    pub pageviews: u64,
    pub sessions: u64,
    pub conversions: u64,
    pub micro_conversions: u64,
    pub bot_lines: u64,
    pub asset_lines: u64,
    pub non_page_lines: u64,
    /// Lines no parser accepts, including over-long lines.
    pub malformed_lines: u64,
    /// Keyed by (channel, source); only sources with sessions.
    pub by_source: BTreeMap<(String, String), SourceTruth>,
}

/// Writes the log for `spec` to `out` and returns its ground truth.
pub fn generate(spec: &TrafficSpec, out: &mut dyn Write) -> io::Result<GroundTruth> {
    let mut state = Generator {
        spec: spec.clone(),
        rng: Rng::new(spec.seed),
        truth: GroundTruth::default(),
        next_visitor: 0,
        next_order: 1000,
        held_back: Vec::new(),
    };
    let per_day = sessions_per_day(spec);
    for (index, sessions) in per_day.into_iter().enumerate() {
        let day = spec.start_day + index as i64;
        let events = state.day(day, sessions);
        state.write_day(events, out)?;
    }
    state.flush_held_back(out)?;
    Ok(state.truth)
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: small, fast and good enough for synthetic traffic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `low..=high`.
    fn between(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as u64) as i64
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index chosen with probability proportional to `weights`.
    fn weighted(&mut self, weights: impl Iterator<Item = u32> + Clone) -> usize {
        let total: u64 = weights.clone().map(u64::from).sum();
        let mut roll = self.below(total);
        for (index, weight) in weights.enumerate() {
            if roll < u64::from(weight) {
                return index;
            }
            roll -= u64::from(weight);
        }
        0
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from_digit(self.below(16) as u32, 16).unwrap_or('0'))
            .collect()
    }
}

// ---------------------------------------------------------------------------------------------
// The traffic model

/// Browsers of human visitors (none of them looks like a bot).
const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
];

/// Bots and crawlers, each with the first three octets of its own address range.
const BOTS: &[(&str, &str)] = &[
    (
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "66.249.66",
    ),
    (
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "157.55.39",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
        "20.171.207",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
        "23.98.142",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot",
        "40.84.180",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)",
        "160.79.104",
    ),
    (
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)",
        "44.221.181",
    ),
    (
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "54.36.148",
    ),
    ("curl/8.5.0", "198.51.100"),
    ("python-requests/2.32.3", "203.0.113"),
];

const PAGES: &[&str] = &[
    "/",
    "/pricing",
    "/features/analytics",
    "/features/reports",
    "/features/alerts",
    "/blog/ai-search-visibility",
    "/blog/llm-referral-traffic",
    "/blog/conversion-benchmarks",
    "/blog/cookieless-analytics",
    "/docs/getting-started",
    "/docs/api",
    "/customers",
    "/about",
];

const ASSETS: &[&str] = &[
    "/static/app.3f9c.css",
    "/static/app.81b2.js",
    "/img/logo.svg",
    "/img/hero.webp",
    "/fonts/inter.woff2",
    "/favicon.ico",
];

/// Where a visit comes from, and what the pipeline must call it.
struct VisitKind {
    /// Referrer; `{id}` is replaced by a random token. None: no referrer.
    referrer: Option<&'static str>,
    /// Query of the landing URL; `{id}` is replaced by a random token.
    query: &'static str,
    channel: &'static str,
    source: &'static str,
    /// Relative frequency.
    weight: u32,
    /// Chance in 1000 that the session buys.
    purchase_per_mille: u32,
}

const fn kind(
    referrer: Option<&'static str>,
    query: &'static str,
    (channel, source): (&'static str, &'static str),
    weight: u32,
    purchase_per_mille: u32,
) -> VisitKind {
    VisitKind {
        referrer,
        query,
        channel,
        source,
        weight,
        purchase_per_mille,
    }
}

// (referrer, landing query) → (channel, source), weight, purchases per 1000 sessions
#[rustfmt::skip]
const VISIT_KINDS: &[VisitKind] = &[
    kind(Some("https://chatgpt.com/"), "utm_source=chatgpt.com", ("ai_assistant", "chatgpt"), 40, 65),
    kind(Some("https://chatgpt.com/"), "", ("ai_assistant", "chatgpt"), 15, 65),
    kind(None, "utm_source=chatgpt.com", ("ai_assistant", "chatgpt"), 10, 60),
    kind(Some("https://www.perplexity.ai/"), "", ("ai_assistant", "perplexity"), 20, 70),
    kind(None, "utm_source=perplexity", ("ai_assistant", "perplexity"), 5, 70),
    kind(Some("https://claude.ai/"), "", ("ai_assistant", "claude"), 12, 60),
    kind(Some("https://gemini.google.com/"), "", ("ai_assistant", "gemini"), 10, 50),
    kind(Some("https://copilot.microsoft.com/"), "", ("ai_assistant", "copilot"), 8, 50),
    kind(Some("https://www.google.com/"), "", ("organic_search", "google"), 250, 30),
    kind(Some("https://www.google.co.uk/"), "", ("organic_search", "google"), 30, 30),
    kind(Some("https://www.bing.com/search?q=acme+widgets"), "", ("organic_search", "bing"), 45, 30),
    kind(Some("https://duckduckgo.com/"), "", ("organic_search", "duckduckgo"), 25, 35),
    kind(Some("https://www.google.com/"), "gclid={id}", ("paid_search", "google"), 55, 25),
    kind(Some("https://www.bing.com/"), "msclkid={id}", ("paid_search", "bing"), 15, 25),
    kind(None, "utm_source=google&utm_medium=cpc&utm_campaign=brand", ("paid_search", "google"), 15, 25),
    kind(Some("https://www.facebook.com/"), "", ("organic_social", "facebook"), 20, 10),
    kind(Some("https://www.facebook.com/"), "fbclid={id}", ("organic_social", "facebook"), 15, 10),
    kind(Some("https://t.co/{id}"), "", ("organic_social", "twitter"), 20, 10),
    kind(Some("https://www.linkedin.com/"), "", ("organic_social", "linkedin"), 25, 15),
    kind(Some("https://www.reddit.com/r/saas/"), "", ("organic_social", "reddit"), 15, 10),
    kind(Some("https://www.facebook.com/"), "utm_source=facebook&utm_medium=paid_social&utm_campaign=q4", ("paid_social", "facebook"), 20, 12),
    kind(None, "utm_source=newsletter&utm_medium=email&utm_campaign=weekly", ("email", "newsletter"), 60, 40),
    kind(Some("https://mail.google.com/"), "", ("email", "gmail"), 20, 40),
    kind(Some("https://www.g2.com/products/acme/reviews"), "", ("referral", "g2.com"), 35, 45),
    kind(Some("https://news.ycombinator.com/item?id={id}"), "", ("organic_social", "hacker-news"), 15, 15),
    kind(Some("https://www.capterra.com/p/{id}/acme/"), "", ("referral", "capterra.com"), 15, 40),
    kind(Some("https://blog.example.org/{id}"), "", ("referral", "example.org"), 20, 20),
    kind(None, "", ("direct", "(direct)"), 150, 30),
    kind(None, "utm_source=partner-x&utm_medium=affiliate", ("other", "partner-x"), 20, 20),
];

/// Chance in 1000 that a session signs up for the newsletter.
const NEWSLETTER_PER_MILLE: u32 = 40;
/// Chance in 1000 that a session comes from a visitor seen earlier the same day.
const RETURNING_PER_MILLE: u64 = 150;
/// Sessions start before this second of the day, so the longest one ends before midnight.
const LATEST_START: i64 = 86_400 - 12 * 20 * 60 - 600;
/// Minimum gap between a visitor's sessions (the pipeline's timeout is 30 minutes).
const GAP_BETWEEN_SESSIONS: i64 = 41 * 60;

/// Relative traffic per hour of the day (UTC).
const HOUR_WEIGHTS: [u32; 24] = [
    3, 2, 2, 2, 2, 3, 5, 8, 11, 13, 14, 14, 13, 13, 14, 14, 13, 12, 11, 10, 9, 8, 6, 4,
];

// ---------------------------------------------------------------------------------------------
// Generation

/// A line to write, ordered by time and then by creation.
struct Event {
    ts: i64,
    order: u64,
    millis: u32,
    line: Line,
}

enum Line {
    Request(Request),
    Malformed(Vec<u8>),
}

struct Request {
    ip: String,
    method: &'static str,
    target: String,
    status: u16,
    size: u32,
    referrer: Option<String>,
    user_agent: &'static str,
}

/// A visitor of one day: unique address, one browser, free again after `free_at`.
struct Visitor {
    ip: String,
    user_agent: &'static str,
    free_at: i64,
}

struct Generator {
    spec: TrafficSpec,
    rng: Rng,
    truth: GroundTruth,
    next_visitor: u64,
    next_order: u64,
    /// Malformed lines that came up before the first lines were written (format detection
    /// reads the head of a file, so the first lines are always valid).
    held_back: Vec<Event>,
}

/// Sessions for each day: weekends are quieter; the total is exactly `spec.sessions`.
fn sessions_per_day(spec: &TrafficSpec) -> Vec<u64> {
    let weights: Vec<u64> = (0..i64::from(spec.days))
        .map(|i| {
            let weekday = (spec.start_day + i + 4).rem_euclid(7); // 0 = Sunday
            if weekday == 0 || weekday == 6 {
                75
            } else {
                100
            }
        })
        .collect();
    let total: u64 = weights.iter().sum();
    if total == 0 {
        return Vec::new();
    }
    let mut per_day: Vec<u64> = weights.iter().map(|w| spec.sessions * w / total).collect();
    let missing = spec.sessions - per_day.iter().sum::<u64>();
    let days = per_day.len() as u64;
    for extra in 0..missing {
        per_day[(extra % days) as usize] += 1;
    }
    per_day
}

impl Generator {
    fn order(&mut self) -> u64 {
        self.next_order += 1;
        self.next_order
    }

    fn push(&mut self, events: &mut Vec<Event>, ts: i64, line: Line) {
        let order = self.order();
        let millis = self.rng.below(1000) as u32;
        events.push(Event {
            ts,
            order,
            millis,
            line,
        });
    }

    /// All lines of one day, in time order.
    fn day(&mut self, day: i64, sessions: u64) -> Vec<Event> {
        let midnight = day * 86_400;
        let mut starts: Vec<i64> = (0..sessions).map(|_| self.session_start()).collect();
        starts.sort_unstable();
        let mut events = Vec::new();
        let mut visitors: Vec<Visitor> = Vec::new();
        for start in starts {
            let ts = midnight + start;
            let visitor = self.visitor_for(&mut visitors, ts);
            let last = self.session(&mut events, &visitors[visitor], ts);
            visitors[visitor].free_at = last + GAP_BETWEEN_SESSIONS;
        }
        if self.spec.noise {
            let human_lines = events.len() as u64;
            self.bots(&mut events, midnight, sessions);
            self.malformed(&mut events, midnight, human_lines);
        }
        events.sort_by_key(|e| (e.ts, e.order));
        events
    }

    fn session_start(&mut self) -> i64 {
        let hour = self.rng.weighted(HOUR_WEIGHTS.iter().copied()) as i64;
        let second = hour * 3600 + self.rng.between(0, 3599);
        second.min(LATEST_START)
    }

    /// A returning visitor free at `ts`, sometimes; else a new one. Returns its index.
    fn visitor_for(&mut self, visitors: &mut Vec<Visitor>, ts: i64) -> usize {
        if self.rng.below(1000) < RETURNING_PER_MILLE {
            let free: Vec<usize> = (0..visitors.len())
                .filter(|&i| visitors[i].free_at < ts)
                .take(64)
                .collect();
            if !free.is_empty() {
                return *self.rng.pick(&free);
            }
        }
        let ip = visitor_ip(self.next_visitor);
        self.next_visitor += 1;
        visitors.push(Visitor {
            ip,
            user_agent: BROWSERS[self.rng.below(BROWSERS.len() as u64) as usize],
            free_at: i64::MAX,
        });
        visitors.len() - 1
    }

    /// One session's lines from `start`; records its truth and returns its last pageview time.
    fn session(&mut self, events: &mut Vec<Event>, visitor: &Visitor, start: i64) -> i64 {
        let kind_index = self.rng.weighted(VISIT_KINDS.iter().map(|k| k.weight));
        let kind = &VISIT_KINDS[kind_index];
        let purchase = self.rng.below(1000) < u64::from(kind.purchase_per_mille);
        let newsletter = self.rng.below(1000) < u64::from(NEWSLETTER_PER_MILLE);
        let pages = self.page_sequence(purchase, newsletter);
        let landing = self.landing_target(&pages[0], kind);
        let mut ts = start;
        let mut previous: Option<String> = None;
        for (index, page) in pages.iter().enumerate() {
            if index > 0 {
                ts += self.rng.between(5, 20 * 60);
            }
            let (target, referrer) = if index == 0 {
                (landing.clone(), kind.referrer.map(|r| self.fill(r)))
            } else {
                let internal = previous
                    .as_ref()
                    .filter(|_| self.rng.chance(0.9))
                    .map(|p| format!("https://www.acme.test{p}"));
                (page.clone(), internal)
            };
            if page == "/newsletter/thanks" {
                self.newsletter_post(events, visitor, ts - 2, previous.as_deref());
            }
            self.page_request(events, visitor, ts, target, referrer);
            if self.spec.noise {
                self.page_extras(events, visitor, ts, page);
            }
            previous = Some(page.clone());
        }
        self.record_session(kind, pages.len() as u64, purchase, newsletter);
        ts
    }

    /// The pages of a session: 1 to 8 pages, then the goal pages it reaches.
    fn page_sequence(&mut self, purchase: bool, newsletter: bool) -> Vec<String> {
        let browsing = if self.rng.chance(0.45) {
            1
        } else {
            self.rng.between(2, 6)
        };
        let mut pages: Vec<String> = (0..browsing).map(|_| self.page_path()).collect();
        if newsletter {
            pages.push("/newsletter/thanks".to_string());
        }
        if purchase {
            pages.push("/pricing".to_string());
            pages.push("/checkout".to_string());
            let order = self.rng.between(10_000, 99_999);
            pages.push(format!("/checkout/complete?order={order}"));
        }
        pages
    }

    fn page_path(&mut self) -> String {
        if self.rng.chance(0.15) {
            format!("/products/{}", self.rng.between(1, 24))
        } else {
            self.rng.pick(PAGES).to_string()
        }
    }

    fn landing_target(&mut self, path: &str, kind: &VisitKind) -> String {
        if kind.query.is_empty() {
            path.to_string()
        } else {
            let query = self.fill(kind.query);
            format!("{path}?{query}")
        }
    }

    /// Replaces `{id}` with a random token.
    fn fill(&mut self, template: &str) -> String {
        if template.contains("{id}") {
            let token = self.rng.hex(12);
            template.replace("{id}", &token)
        } else {
            template.to_string()
        }
    }

    fn page_request(
        &mut self,
        events: &mut Vec<Event>,
        visitor: &Visitor,
        ts: i64,
        target: String,
        referrer: Option<String>,
    ) {
        let status = if self.rng.chance(0.05) { 304 } else { 200 };
        let size = if status == 304 {
            0
        } else {
            self.rng.between(2_000, 60_000) as u32
        };
        let request = Request {
            ip: visitor.ip.clone(),
            method: "GET",
            target,
            status,
            size,
            referrer,
            user_agent: visitor.user_agent,
        };
        self.push(events, ts, Line::Request(request));
        self.truth.pageviews += 1;
    }

    /// `POST /newsletter/subscribe` answered with a redirect: not a page.
    fn newsletter_post(
        &mut self,
        events: &mut Vec<Event>,
        visitor: &Visitor,
        ts: i64,
        from: Option<&str>,
    ) {
        let request = Request {
            ip: visitor.ip.clone(),
            method: "POST",
            target: "/newsletter/subscribe".to_string(),
            status: 303,
            size: 0,
            referrer: from.map(|p| format!("https://www.acme.test{p}")),
            user_agent: visitor.user_agent,
        };
        self.push(events, ts, Line::Request(request));
        self.truth.non_page_lines += 1;
    }

    /// Static assets and the odd redirect or error around a pageview.
    fn page_extras(&mut self, events: &mut Vec<Event>, visitor: &Visitor, ts: i64, page: &str) {
        let page_url = format!("https://www.acme.test{page}");
        for _ in 0..self.rng.below(4) {
            let asset = Request {
                ip: visitor.ip.clone(),
                method: "GET",
                target: self.rng.pick(ASSETS).to_string(),
                status: if self.rng.chance(0.3) { 304 } else { 200 },
                size: self.rng.between(500, 90_000) as u32,
                referrer: Some(page_url.clone()),
                user_agent: visitor.user_agent,
            };
            let at = ts + self.rng.between(0, 2);
            self.push(events, at, Line::Request(asset));
            self.truth.asset_lines += 1;
        }
        if self.rng.chance(0.06) {
            let (method, target, status) = *self.rng.pick(&[
                ("GET", "/old-pricing", 404),
                ("GET", "/blog", 301),
                ("HEAD", "/", 200),
                ("GET", "/search?q=api", 500),
                ("GET", "/wp-login.php", 404),
            ]);
            let request = Request {
                ip: visitor.ip.clone(),
                method,
                target: target.to_string(),
                status,
                size: 150,
                referrer: Some(page_url),
                user_agent: visitor.user_agent,
            };
            let at = ts + self.rng.between(1, 4);
            self.push(events, at, Line::Request(request));
            self.truth.non_page_lines += 1;
        }
    }

    fn record_session(
        &mut self,
        kind: &VisitKind,
        pageviews: u64,
        purchase: bool,
        newsletter: bool,
    ) {
        let key = (kind.channel.to_string(), kind.source.to_string());
        let entry = self.truth.by_source.entry(key).or_default();
        entry.sessions += 1;
        entry.pageviews += pageviews;
        entry.conversions += u64::from(purchase);
        entry.micro_conversions += u64::from(newsletter);
        self.truth.sessions += 1;
        self.truth.conversions += u64::from(purchase);
        self.truth.micro_conversions += u64::from(newsletter);
    }

    /// About 1.4 bot requests per human session, spread over the day.
    fn bots(&mut self, events: &mut Vec<Event>, midnight: i64, sessions: u64) {
        let count = sessions * 7 / 5;
        for _ in 0..count {
            let (user_agent, prefix) = *self.rng.pick(BOTS);
            let ip = format!("{prefix}.{}", self.rng.between(1, 254));
            let (target, status) = match self.rng.below(10) {
                0 => ("/robots.txt".to_string(), 200),
                1 => ("/sitemap.xml".to_string(), 200),
                2 => (self.rng.pick(ASSETS).to_string(), 200),
                3 => ("/old-pricing".to_string(), 404),
                _ => (self.page_path(), 200),
            };
            let request = Request {
                ip,
                method: "GET",
                target,
                status,
                size: self.rng.between(300, 40_000) as u32,
                referrer: None,
                user_agent,
            };
            let ts = midnight + self.rng.between(0, 86_399);
            self.push(events, ts, Line::Request(request));
            self.truth.bot_lines += 1;
        }
    }

    /// About one line in 500 is junk; now and then one is far too long.
    fn malformed(&mut self, events: &mut Vec<Event>, midnight: i64, human_lines: u64) {
        const JUNK: &[&[u8]] = &[
            b"\x16\x03\x01\x02\x00\x01\x00",
            b"GET / HTTP/1.1",
            b"hello world",
            b"{\"broken\": ",
        ];
        let mut lines: Vec<Vec<u8>> = (0..human_lines / 500)
            .map(|_| self.rng.pick(JUNK).to_vec())
            .collect();
        if human_lines > 0 && self.rng.chance(0.3) {
            lines.push(vec![b'x'; 20_000]);
        }
        for line in lines {
            let ts = midnight + self.rng.between(0, 86_399);
            self.push(events, ts, Line::Malformed(line));
            self.truth.malformed_lines += 1;
        }
    }

    fn write_day(&mut self, events: Vec<Event>, out: &mut dyn Write) -> io::Result<()> {
        let mut buffer = Vec::with_capacity(256);
        for event in events {
            if matches!(event.line, Line::Malformed(_)) && self.truth.lines < 20 {
                self.held_back.push(event);
                continue;
            }
            self.write_event(&event, &mut buffer, out)?;
            if self.truth.lines >= 20 && !self.held_back.is_empty() {
                self.flush_held_back(out)?;
            }
        }
        Ok(())
    }

    fn flush_held_back(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut buffer = Vec::new();
        for event in std::mem::take(&mut self.held_back) {
            self.write_event(&event, &mut buffer, out)?;
        }
        Ok(())
    }

    fn write_event(
        &mut self,
        event: &Event,
        buffer: &mut Vec<u8>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        buffer.clear();
        match &event.line {
            Line::Malformed(bytes) => buffer.extend_from_slice(bytes),
            Line::Request(request) => format_request(self.spec.format, event, request, buffer),
        }
        buffer.push(b'\n');
        out.write_all(buffer)?;
        self.truth.lines += 1;
        Ok(())
    }
}

/// A unique address per visitor: IPv4 mostly, every tenth one IPv6.
fn visitor_ip(n: u64) -> String {
    if n % 10 == 9 {
        return format!("2001:db8:{:x}:{:x}::1", (n >> 16) & 0xffff, n & 0xffff);
    }
    let v = 0x0B00_0000u64 + n;
    format!(
        "{}.{}.{}.{}",
        (v >> 24) & 255,
        (v >> 16) & 255,
        (v >> 8) & 255,
        v & 255
    )
}

// ---------------------------------------------------------------------------------------------
// Line formats

fn format_request(format: OutputFormat, event: &Event, r: &Request, out: &mut Vec<u8>) {
    let referrer = r.referrer.as_deref();
    let written = match format {
        OutputFormat::Combined => write!(out, "{} - - [{}] ", r.ip, clf_time(event.ts))
            .and_then(|()| ncsa_tail(r, referrer, out)),
        OutputFormat::VhostCombined => write!(
            out,
            "www.acme.test:443 {} - - [{}] ",
            r.ip,
            clf_time(event.ts)
        )
        .and_then(|()| ncsa_tail(r, referrer, out)),
        OutputFormat::NginxJson => nginx_json(event, r, out),
        OutputFormat::CaddyJson => caddy_json(event, r, out),
    };
    written.expect("writing to a Vec cannot fail");
}

fn ncsa_tail(r: &Request, referrer: Option<&str>, out: &mut Vec<u8>) -> io::Result<()> {
    write!(
        out,
        "\"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"",
        r.method,
        r.target,
        r.status,
        r.size,
        referrer.unwrap_or("-"),
        r.user_agent
    )
}

fn nginx_json(event: &Event, r: &Request, out: &mut Vec<u8>) -> io::Result<()> {
    write!(
        out,
        "{{\"time_iso8601\":\"{}\",\"remote_addr\":{},\"request\":{},\"status\":{},\
         \"body_bytes_sent\":{},\"http_referer\":{},\"http_user_agent\":{},\"host\":\"www.acme.test\"}}",
        iso_time(event.ts),
        json_string(&r.ip),
        json_string(&format!("{} {} HTTP/1.1", r.method, r.target)),
        r.status,
        r.size,
        json_string(r.referrer.as_deref().unwrap_or("")),
        json_string(r.user_agent),
    )
}

fn caddy_json(event: &Event, r: &Request, out: &mut Vec<u8>) -> io::Result<()> {
    let referer = match &r.referrer {
        Some(referrer) => format!(",\"Referer\":[{}]", json_string(referrer)),
        None => String::new(),
    };
    write!(
        out,
        "{{\"level\":\"info\",\"ts\":{}.{:03},\"logger\":\"http.log.access\",\"msg\":\"handled request\",\
         \"request\":{{\"remote_ip\":{ip},\"remote_port\":\"51234\",\"client_ip\":{ip},\"proto\":\"HTTP/2.0\",\
         \"method\":\"{}\",\"host\":\"www.acme.test\",\"uri\":{},\"headers\":{{\"User-Agent\":[{}]{referer}}}}},\
         \"bytes_read\":0,\"duration\":0.0012,\"size\":{},\"status\":{}}}",
        event.ts,
        event.millis,
        r.method,
        json_string(&r.target),
        json_string(r.user_agent),
        r.size,
        r.status,
        ip = json_string(&r.ip),
    )
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `24/Nov/2026:10:00:00 +0000`
fn clf_time(ts: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d, hh, mm, ss) = civil(ts);
    format!(
        "{d:02}/{}/{y:04}:{hh:02}:{mm:02}:{ss:02} +0000",
        MONTHS[(m - 1) as usize]
    )
}

/// `2026-11-24T10:00:00+00:00`
fn iso_time(ts: i64) -> String {
    let (y, m, d, hh, mm, ss) = civil(ts);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}+00:00")
}

/// (year, month, day, hour, minute, second) of a Unix time (UTC).
fn civil(ts: i64) -> (i64, i64, i64, i64, i64, i64) {
    let (year, month, day) = crate::day::civil_from_days(ts.div_euclid(86_400));
    let second_of_day = ts.rem_euclid(86_400);
    (
        year,
        i64::from(month),
        i64::from(day),
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(format: OutputFormat) -> TrafficSpec {
        TrafficSpec {
            sessions: 1200,
            days: 5,
            format,
            ..TrafficSpec::demo()
        }
    }

    fn run(spec: &TrafficSpec) -> (Vec<u8>, GroundTruth) {
        let mut out = Vec::new();
        let truth = generate(spec, &mut out).unwrap();
        (out, truth)
    }

    fn lines(bytes: &[u8]) -> Vec<&[u8]> {
        bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let spec = small(OutputFormat::Combined);
        assert_eq!(run(&spec), run(&spec));
        let other = TrafficSpec { seed: 8, ..spec };
        assert_ne!(run(&spec).0, run(&other).0);
    }

    #[test]
    fn totals_add_up() {
        let spec = small(OutputFormat::Combined);
        let (out, truth) = run(&spec);
        assert_eq!(
            truth.lines,
            out.iter().filter(|b| **b == b'\n').count() as u64
        );
        let by_source = |f: fn(&SourceTruth) -> u64| truth.by_source.values().map(f).sum::<u64>();
        assert_eq!(by_source(|t| t.sessions), spec.sessions);
        assert_eq!(truth.sessions, spec.sessions);
        assert_eq!(by_source(|t| t.pageviews), truth.pageviews);
        assert_eq!(by_source(|t| t.conversions), truth.conversions);
        assert_eq!(by_source(|t| t.micro_conversions), truth.micro_conversions);
        let skipped =
            truth.bot_lines + truth.asset_lines + truth.non_page_lines + truth.malformed_lines;
        assert_eq!(truth.lines, truth.pageviews + skipped);
        assert!(truth.bot_lines > 0 && truth.asset_lines > 0 && truth.non_page_lines > 0);
        assert!(truth.malformed_lines > 0 && truth.conversions > 0 && truth.micro_conversions > 0);
    }

    #[test]
    fn without_noise_every_line_is_a_pageview() {
        let spec = TrafficSpec {
            noise: false,
            ..small(OutputFormat::Combined)
        };
        let (_, truth) = run(&spec);
        assert_eq!(
            (truth.bot_lines, truth.asset_lines, truth.malformed_lines),
            (0, 0, 0)
        );
        assert_eq!(truth.lines, truth.pageviews + truth.non_page_lines);
    }

    #[test]
    fn empty_specs_give_empty_logs() {
        for spec in [
            TrafficSpec {
                days: 0,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 0,
                ..TrafficSpec::demo()
            },
        ] {
            let (out, truth) = run(&spec);
            assert_eq!(truth, GroundTruth::default(), "{spec:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn every_visit_kind_appears_in_the_demo() {
        let (_, truth) = run(&TrafficSpec::demo());
        for kind in VISIT_KINDS {
            let key = (kind.channel.to_string(), kind.source.to_string());
            assert!(truth.by_source.contains_key(&key), "{key:?} missing");
        }
    }

    #[test]
    fn head_is_clean_and_no_line_is_empty() {
        let (out, _) = run(&small(OutputFormat::Combined));
        let all = lines(&out);
        assert_eq!(all.len(), out.iter().filter(|b| **b == b'\n').count());
        for line in &all[..20] {
            assert!(line.ends_with(b"\""), "{}", String::from_utf8_lossy(line));
        }
    }

    /// Unix time of a combined line, read back by hand.
    fn clf_seconds(line: &[u8]) -> Option<i64> {
        let text = std::str::from_utf8(line).ok()?;
        let start = text.find('[')? + 1;
        let stamp = &text[start..start + 20];
        let day: i64 = stamp[0..2].parse().ok()?;
        let hour: i64 = stamp[12..14].parse().ok()?;
        let minute: i64 = stamp[15..17].parse().ok()?;
        let second: i64 = stamp[18..20].parse().ok()?;
        Some(day * 86_400 + hour * 3600 + minute * 60 + second)
    }

    #[test]
    fn lines_are_in_time_order_and_sessions_stay_in_their_day() {
        let spec = TrafficSpec {
            start_day: 20_758, // 2026-11-01: the five days stay within one month
            ..small(OutputFormat::Combined)
        };
        let (out, _) = run(&spec);
        let times: Vec<i64> = lines(&out).into_iter().filter_map(clf_seconds).collect();
        assert!(times.len() > 1000);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn json_formats_write_objects() {
        for format in [OutputFormat::NginxJson, OutputFormat::CaddyJson] {
            let (out, truth) = run(&small(format));
            let objects = lines(&out)
                .into_iter()
                .filter(|l| l.starts_with(b"{\"") && l.ends_with(b"}"))
                .count() as u64;
            assert!(objects >= truth.lines - truth.malformed_lines, "{format:?}");
        }
        let (out, _) = run(&small(OutputFormat::VhostCombined));
        assert!(lines(&out)[0].starts_with(b"www.acme.test:443 "));
    }

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn time_formats() {
        assert_eq!(clf_time(1_795_514_400), "24/Nov/2026:10:00:00 +0000");
        assert_eq!(iso_time(1_795_514_400), "2026-11-24T10:00:00+00:00");
        assert_eq!(clf_time(951_782_400), "29/Feb/2000:00:00:00 +0000");
    }

    #[test]
    fn visitor_addresses_are_unique() {
        let ips: std::collections::HashSet<String> = (0..50_000).map(visitor_ip).collect();
        assert_eq!(ips.len(), 50_000);
    }
}
