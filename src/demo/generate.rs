//! Demo traffic: a deterministic generator of a realistic access log for the demo site
//! [`SITE_NAME`], returned together with the exact ground truth the ingest pipeline must
//! reproduce from it. `aivis demo`, the integration tests (pipeline result == truth) and the
//! benchmarks all use it.
//!
//! This module owns the traffic model (the visit kinds with the channel and source each must
//! be classified as, landing and browsing paths, conversion rates per channel, returning
//! visitors, static assets, errors, bots and malformed lines), the four line formats it
//! writes, and the bookkeeping of the truth.
//!
//! What keeps the truth unambiguous: every human visitor has an IP address of its own and one
//! of eight browser user agents; a session lies within one UTC day with its pageviews at most
//! 20 minutes apart, and a visitor's next session starts more than 40 minutes after the last
//! pageview of the previous one (the pipeline's timeout is 30 minutes). Malformed lines never
//! appear among the first 20 lines (format detection reads the head of a file).
//!
//! The log is streamed day by day in timestamp order, so memory is bounded by one day of
//! events. Pure std with its own seeded PRNG (and the calendar arithmetic of [`crate::day`]): the
//! same spec always gives the same bytes.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::fmt;
use std::io::{self, Write};

use crate::day::{civil_from_days, days_from_civil};

/// The demo site's name in the config and the database.
pub const SITE_NAME: &str = "acme";
/// The demo site's own hosts (referrers from them are internal).
pub const SITE_HOSTS: &[&str] = &["www.acme.test", "acme.test"];
/// Path regex of the macro goal `purchase` (matched against path and query).
pub const PURCHASE_GOAL_PATH: &str = "^/checkout/complete";
/// Path regex of the micro goal `newsletter` (matched against path and query).
pub const NEWSLETTER_GOAL_PATH: &str = "^/newsletter/thanks";

/// The access-log format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// NCSA combined, nginx's and Apache's default.
    Combined,
    /// Apache `vhost_combined`: `host:port` in front of combined.
    VhostCombined,
    /// nginx `log_format … escape=json` with the usual variable names.
    NginxJson,
    /// Caddy's structured access log.
    CaddyJson,
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSpec {
    /// Seed of the PRNG: the same spec gives the same bytes.
    pub seed: u64,
    /// First day, as days since 1970-01-01 (UTC).
    pub start_day: i64,
    /// Number of days; 0 gives an empty log.
    pub days: u32,
    /// Total human sessions over all days; 0 gives an empty log.
    pub sessions: u64,
    /// The line format.
    pub format: OutputFormat,
    /// Add bots, static assets, non-page responses and malformed lines.
    pub noise: bool,
}

impl TrafficSpec {
    /// What `aivis demo` shows: four weeks from Monday 2026-10-26, 6000 sessions, combined
    /// format, with noise.
    pub fn demo() -> TrafficSpec {
        TrafficSpec {
            seed: 7,
            start_day: days_from_civil(2026, 10, 26),
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
    /// Pageviews in the sessions of this source.
    pub pageviews: u64,
}

/// What the pipeline must find in a generated log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundTruth {
    /// Lines written (each ends in `\n`).
    pub lines: u64,
    pub pageviews: u64,
    pub sessions: u64,
    /// Sessions that reached the macro goal `purchase`.
    pub conversions: u64,
    /// Sessions that reached the micro goal `newsletter`.
    pub micro_conversions: u64,
    /// Lines whose user agent is a bot's (whatever they request).
    pub bot_lines: u64,
    /// Human requests for static files.
    pub asset_lines: u64,
    /// Human requests that are not pageviews (errors, redirects, HEAD).
    pub non_page_lines: u64,
    /// Lines no parser accepts, including over-long lines.
    pub malformed_lines: u64,
    /// Keyed by (channel, source); only entries with sessions.
    pub by_source: BTreeMap<(String, String), SourceTruth>,
}

/// Writes the log for `spec` to `out` and returns its ground truth. Fails only when `out`
/// fails or the days fall outside the years 0000–9999.
pub fn generate(spec: &TrafficSpec, out: &mut dyn Write) -> io::Result<GroundTruth> {
    let mut truth = GroundTruth::default();
    if spec.days == 0 || spec.sessions == 0 {
        return Ok(truth);
    }
    check_day_range(spec)?;
    let mut traffic = Traffic::new(spec);
    let mut writer = LogWriter::new(out, spec.format);
    for (index, sessions) in DailySessions::new(spec).enumerate() {
        let day = spec.start_day + index as i64;
        let events = traffic.day(day, index as u32, sessions, &mut truth);
        writer.write_events(&events, &time_order(&events), &mut truth)?;
    }
    Ok(truth)
}

fn check_day_range(spec: &TrafficSpec) -> io::Result<()> {
    let first = days_from_civil(0, 1, 1);
    let last = days_from_civil(9999, 12, 31);
    let end = spec.start_day.checked_add(i64::from(spec.days) - 1);
    match end {
        Some(end) if spec.start_day >= first && end <= last => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "demo traffic days must lie within the years 0000-9999",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: tiny, fast and plenty for synthetic traffic.
struct Rng {
    state: u64,
}

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng {
            state: seed ^ 0x6A09_E667_F3BC_C908,
        }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform in `0..n`; 0 when `n` is 0.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `low..=high` (`low <= high`).
    fn between(&mut self, low: u32, high: u32) -> u32 {
        low + self.below(u64::from(high - low) + 1) as u32
    }

    /// True with probability `per_mille / 1000`.
    fn per_mille(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// An element of a non-empty slice.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index chosen with probability proportional to `weights` (0 if all are 0).
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (index, weight) in weights.iter().enumerate() {
            match roll.checked_sub(u64::from(*weight)) {
                Some(rest) => roll = rest,
                None => return index,
            }
        }
        0
    }

    /// `len` characters from `alphabet`.
    fn token(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(self.pick(alphabet))).collect()
    }
}

/// The SplitMix64 finaliser, also used to derive independent per-day values.
fn mix64(value: u64) -> u64 {
    let mut z = value;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// Calendar

const SECONDS_PER_DAY: i64 = 86_400;
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// The date parts of one day, rendered once for all its lines.
struct DayStamp {
    day: i64,
    /// `24/Nov/2026`
    clf: String,
    /// `2026-11-24`
    iso: String,
}

impl DayStamp {
    fn new(day: i64) -> DayStamp {
        let (year, month, day_of_month) = civil_from_days(day);
        let month_name = MONTHS[(month as usize).clamp(1, 12) - 1];
        DayStamp {
            day,
            clf: format!("{day_of_month:02}/{month_name}/{year:04}"),
            iso: format!("{year:04}-{month:02}-{day_of_month:02}"),
        }
    }
}

/// `hh:mm:ss` of a Unix time.
fn clock(ts: i64) -> (i64, i64, i64) {
    let second = ts.rem_euclid(SECONDS_PER_DAY);
    (second / 3600, second / 60 % 60, second % 60)
}

// ---------------------------------------------------------------------------------------------
// Sessions per day

/// The number of sessions of each day: weekends are quieter, every day varies a little, and
/// the counts add up to exactly `spec.sessions`. Computed day by day from cumulative weights,
/// so no table of days is kept.
struct DailySessions {
    seed: u64,
    start_day: i64,
    days: u32,
    sessions: u128,
    total_weight: u128,
    weight_so_far: u128,
    index: u32,
}

impl DailySessions {
    fn new(spec: &TrafficSpec) -> DailySessions {
        let total_weight = (0..spec.days)
            .map(|index| day_weight(spec.seed, spec.start_day, index))
            .sum();
        DailySessions {
            seed: spec.seed,
            start_day: spec.start_day,
            days: spec.days,
            sessions: u128::from(spec.sessions),
            total_weight,
            weight_so_far: 0,
            index: 0,
        }
    }

    fn sessions_through(&self, weight: u128) -> u64 {
        (self.sessions * weight / self.total_weight.max(1)) as u64
    }
}

impl Iterator for DailySessions {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.index >= self.days {
            return None;
        }
        let before = self.sessions_through(self.weight_so_far);
        self.weight_so_far += day_weight(self.seed, self.start_day, self.index);
        self.index += 1;
        Some(self.sessions_through(self.weight_so_far) - before)
    }
}

/// Relative traffic of a day: weekday factor times a per-day jitter of ±12%.
fn day_weight(seed: u64, start_day: i64, index: u32) -> u128 {
    const WEEKDAY_FACTOR: [u128; 7] = [100, 104, 102, 98, 92, 68, 74];
    let factor = WEEKDAY_FACTOR[weekday(start_day + i64::from(index)) as usize];
    let jitter = 88 + u128::from(mix64(seed ^ mix64(u64::from(index))) % 25);
    factor * jitter
}

// ---------------------------------------------------------------------------------------------
// The traffic model: where visits come from

/// A way of arriving at the site, and what the pipeline must call it.
struct VisitKind {
    /// Referrer template (`{…}` placeholders, see [`fill`]); None: no referrer.
    referrer: Option<&'static str>,
    /// Query template appended to the landing path; None: a plain path.
    query: Option<&'static str>,
    channel: &'static str,
    source: &'static str,
    /// Relative frequency (the table sums to 1000).
    weight: u32,
    /// Chance in 1000 that a session of this kind buys.
    purchase_per_mille: u32,
    /// Chance in 1000 that a session of this kind subscribes to the newsletter.
    newsletter_per_mille: u32,
}

const fn kind(
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

const AI: &str = "ai_assistant";
const ORGANIC_SEARCH: &str = "organic_search";
const PAID_SEARCH: &str = "paid_search";
const ORGANIC_SOCIAL: &str = "organic_social";
const PAID_SOCIAL: &str = "paid_social";
const EMAIL: &str = "email";
const REFERRAL: &str = "referral";
const DIRECT: &str = "direct";
const OTHER: &str = "other";

/// Every visit kind: (referrer, landing query) → (channel, source), weight, (purchases,
/// newsletter sign-ups) per 1000 sessions. AI assistants ≈12%, organic search ≈35%, paid ≈10%,
/// social ≈10%, email ≈8%, referral ≈8%, direct ≈15%, other ≈2%.
#[rustfmt::skip]
const VISIT_KINDS: &[VisitKind] = &[
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

/// The visit-kind weights of one day: AI assistants' share grows over the period (from
/// about 9% to about 15% of sessions), the story the demo tells.
fn kind_weights(day_index: u32, days: u32) -> Vec<u32> {
    let progress = match days {
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
fn fill(template: &'static str, rng: &mut Rng) -> Cow<'static, str> {
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

const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const URL_SAFE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8] = b"0123456789abcdef";

fn placeholder(name: &str, rng: &mut Rng) -> String {
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

const REFERRING_POSTS: &[&str] = &[
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
const HUMAN_AGENT_WEIGHTS: [u32; 8] = [30, 14, 6, 20, 12, 8, 2, 8];

/// A part of the site, for choosing landing and browsing pages.
#[derive(Clone, Copy)]
enum Section {
    Home,
    Pricing,
    Features,
    Blog,
    Docs,
    Company,
    Products,
}

const SECTIONS: [Section; 7] = [
    Section::Home,
    Section::Pricing,
    Section::Features,
    Section::Blog,
    Section::Docs,
    Section::Company,
    Section::Products,
];

const FEATURE_PAGES: &[&str] = &[
    "/features/ai-visibility",
    "/features/channels",
    "/features/alerts",
    "/features/digest",
];
const BLOG_PAGES: &[&str] = &[
    "/blog/ai-search-traffic",
    "/blog/chatgpt-referrals-explained",
    "/blog/cookieless-analytics",
    "/blog/conversion-benchmarks-2026",
    "/blog/llm-citations-guide",
    "/blog/log-based-analytics",
];
const DOC_PAGES: &[&str] = &[
    "/docs/getting-started",
    "/docs/log-formats",
    "/docs/goals",
    "/docs/api",
];
const COMPANY_PAGES: &[&str] = &["/customers", "/about", "/integrations", "/contact"];
const PRODUCT_COUNT: u64 = 24;

/// Weights of [`SECTIONS`] for the landing page of a channel.
fn landing_sections(channel: &str) -> [u32; 7] {
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
const BROWSE_SECTIONS: [u32; 7] = [8, 20, 18, 16, 14, 8, 16];

/// Static files a page pulls in; the first page of a session loads several of them.
const PAGE_ASSETS: &[&str] = &[
    "/static/app.5c1e9a.css",
    "/static/app.0b7f42.js",
    "/img/logo.svg",
    "/fonts/inter-var.woff2",
    "/favicon.ico",
];
const CONTENT_ASSETS: &[&str] = &[
    "/img/hero.webp",
    "/img/dashboard.png",
    "/img/chart-ai-vs-search.png",
    "/img/team.jpg",
];

/// Chance in 1000 that a pageview brings along one of [`HUMAN_NON_PAGES`].
const NON_PAGE_PER_MILLE: u32 = 35;
/// Human requests that are not pageviews: (method, target, status).
const HUMAN_NON_PAGES: &[(&str, &str, u16)] = &[
    ("GET", "/old-pricing", 404),
    ("GET", "/blog/ai-search-trafic", 404),
    ("GET", "/features", 301),
    ("HEAD", "/pricing", 200),
    ("GET", "/search?q=widgets", 500),
];

/// Chance in 1000 that a session comes from a visitor seen earlier the same day.
const RETURNING_PER_MILLE: u32 = 180;
/// Most sessions one visitor has in a day.
const MAX_SESSIONS_PER_VISITOR: u8 = 3;
/// A visitor's next session starts later than this after its last pageview (> 40 min).
const MIN_RETURN_GAP: i64 = 41 * 60;
/// Longest gap between two pageviews of a session (seconds).
const MAX_READING_GAP: u32 = 20 * 60;
/// Most pages a session browses after landing (goal pages come on top).
const MAX_BROWSED_PAGES: u32 = 12;
/// Assets and errors come at most this many seconds after their pageview.
const EXTRA_SPAN: u32 = 2;
/// Relative share of session starts per UTC hour (Europe's and America's days overlap).
const HOUR_WEIGHTS: [u32; 24] = [
    4, 3, 3, 3, 3, 4, 6, 9, 12, 13, 14, 14, 14, 15, 16, 16, 15, 14, 12, 11, 10, 8, 6, 5,
];

/// A pageview of a planned session, `offset` seconds after its start.
struct PlannedView {
    offset: u32,
    method: &'static str,
    target: Cow<'static, str>,
    status: u16,
}

/// The pageviews of one session and the goals it reaches.
struct SessionPlan {
    views: Vec<PlannedView>,
    purchase: bool,
    newsletter: bool,
}

impl SessionPlan {
    fn duration(&self) -> u32 {
        self.views.last().map_or(0, |view| view.offset)
    }

    fn push(&mut self, gap: u32, method: &'static str, target: Cow<'static, str>, status: u16) {
        let offset = self.duration() + gap;
        self.views.push(PlannedView {
            offset,
            method,
            target,
            status,
        });
    }
}

/// A bot or crawler: user agent, its network (first three octets), relative frequency.
struct Bot {
    agent: &'static str,
    network: &'static str,
    weight: u32,
}

#[rustfmt::skip]
const BOTS: &[Bot] = &[
    Bot { agent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", network: "66.249.66", weight: 24 },
    Bot { agent: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", network: "157.55.39", weight: 12 },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", network: "20.171.207", weight: 12 },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot", network: "23.98.142", weight: 8 },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; OAI-SearchBot/1.0; +https://openai.com/searchbot", network: "40.84.180", weight: 6 },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)", network: "160.79.104", weight: 10 },
    Bot { agent: "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)", network: "44.221.181", weight: 8 },
    Bot { agent: "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", network: "54.36.148", weight: 10 },
    Bot { agent: "curl/8.5.0", network: "198.51.100", weight: 4 },
    Bot { agent: "python-requests/2.32.3", network: "203.0.113", weight: 6 },
];

/// What bots fetch besides pages: (target, status).
const BOT_EXTRAS: &[(&str, u16)] = &[
    ("/robots.txt", 200),
    ("/sitemap.xml", 200),
    ("/static/app.5c1e9a.css", 200),
    ("/img/hero.webp", 200),
    ("/old-pricing", 404),
    ("/wp-login.php", 404),
    ("/.env", 404),
];

/// Bot lines per 10 human sessions.
const BOT_LINES_PER_10_SESSIONS: u64 = 12;
/// One line in this many is malformed.
const LINES_PER_MALFORMED: u64 = 500;
/// Chance in 1000 that a day has an over-long line.
const OVERLONG_PER_MILLE: u32 = 150;
/// Length of an over-long line (the parsers accept at most 16 KiB).
const OVERLONG_BYTES: usize = 20_000;
/// Malformed lines are held back until this many valid lines are written.
const CLEAN_HEAD_LINES: u64 = 20;

// ---------------------------------------------------------------------------------------------
// Events: the lines of one day before they are written

/// One line of the log, placed in time.
struct Event {
    ts: i64,
    millis: u16,
    line: Line,
}

enum Line {
    Request(Request),
    Malformed(Junk),
}

/// What the pipeline must make of a well-formed line.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verdict {
    Pageview,
    Bot,
    Asset,
    NonPage,
}

/// Who sent a request.
#[derive(Clone, Copy)]
enum Client {
    /// The n-th human visitor of the whole log.
    Visitor(u64),
    /// A machine in a /24 network.
    Network { prefix: &'static str, host: u8 },
}

struct Request {
    verdict: Verdict,
    client: Client,
    host: &'static str,
    method: &'static str,
    target: Cow<'static, str>,
    status: u16,
    bytes: u32,
    referrer: Option<Cow<'static, str>>,
    agent: &'static str,
}

impl Request {
    fn referred_by(self, url: &str) -> Request {
        Request {
            referrer: Some(Cow::Owned(url.to_string())),
            ..self
        }
    }
}

/// Lines no log format accepts.
#[derive(Clone, Copy, Debug)]
enum Junk {
    /// A TLS handshake sent to the plain-HTTP port (invalid UTF-8).
    TlsHandshake,
    /// A bare request line, as a misconfigured proxy writes it.
    BareRequest,
    Greeting,
    /// A JSON object cut off mid-write.
    BrokenJson,
    /// A well-formed line made longer than any parser accepts.
    OverLong,
}

const SHORT_JUNK: [Junk; 4] = [
    Junk::TlsHandshake,
    Junk::BareRequest,
    Junk::Greeting,
    Junk::BrokenJson,
];

// ---------------------------------------------------------------------------------------------
// Generation

/// A human visitor of one day: its own address and one browser.
struct Visitor {
    id: u64,
    agent: &'static str,
    sessions: u8,
}

/// The visitors of one day, and which of them may come back (and when).
#[derive(Default)]
struct VisitorPool {
    visitors: Vec<Visitor>,
    /// (earliest next session start, visitor index), soonest first.
    returning: BinaryHeap<Reverse<(i64, usize)>>,
}

impl VisitorPool {
    /// A returning visitor free before `start` (sometimes) or a new one; returns its index.
    fn assign(&mut self, start: i64, rng: &mut Rng, next_id: &mut u64) -> usize {
        if rng.per_mille(RETURNING_PER_MILLE)
            && let Some(&Reverse((free_from, index))) = self.returning.peek()
            && free_from < start
        {
            self.returning.pop();
            return index;
        }
        let agent = HUMAN_AGENTS[rng.weighted(&HUMAN_AGENT_WEIGHTS)];
        self.visitors.push(Visitor {
            id: *next_id,
            agent,
            sessions: 0,
        });
        *next_id += 1;
        self.visitors.len() - 1
    }

    /// Records a finished session ending with a pageview at `last_pageview`.
    fn finish(&mut self, index: usize, last_pageview: i64) {
        let visitor = &mut self.visitors[index];
        visitor.sessions += 1;
        if visitor.sessions < MAX_SESSIONS_PER_VISITOR {
            self.returning
                .push(Reverse((last_pageview + MIN_RETURN_GAP, index)));
        }
    }
}

/// The generator's state across days.
struct Traffic {
    rng: Rng,
    noise: bool,
    days: u32,
    next_visitor: u64,
    next_order: u64,
}

/// The day being generated.
struct Today {
    midnight: i64,
    kind_weights: Vec<u32>,
    visitors: VisitorPool,
    events: Vec<Event>,
}

/// What one session's lines are built from.
struct SessionContext<'a> {
    kind: &'a VisitKind,
    visitor: &'a Visitor,
    returning: bool,
    start: i64,
}

impl Traffic {
    fn new(spec: &TrafficSpec) -> Traffic {
        Traffic {
            rng: Rng::new(spec.seed),
            noise: spec.noise,
            days: spec.days,
            next_visitor: 0,
            next_order: 10_000,
        }
    }

    /// All lines of one day, in no particular order; records its sessions in `truth`.
    fn day(&mut self, day: i64, index: u32, sessions: u64, truth: &mut GroundTruth) -> Vec<Event> {
        let mut today = Today {
            midnight: day * SECONDS_PER_DAY,
            kind_weights: kind_weights(index, self.days),
            visitors: VisitorPool::default(),
            events: Vec::new(),
        };
        let mut starts: Vec<u32> = (0..sessions).map(|_| self.session_start()).collect();
        starts.sort_unstable();
        for start in starts {
            self.session(&mut today, start, truth);
        }
        if self.noise {
            self.bots(today.midnight, sessions, &mut today.events);
            self.junk(today.midnight, &mut today.events);
        }
        today.events
    }

    /// Second of the day a session would start at, following the hourly pattern.
    fn session_start(&mut self) -> u32 {
        let hour = self.rng.weighted(&HOUR_WEIGHTS) as u32;
        hour * 3600 + self.rng.between(0, 3599)
    }

    /// One session starting near `nominal_start` (earlier if it would run past midnight).
    fn session(&mut self, today: &mut Today, nominal_start: u32, truth: &mut GroundTruth) {
        let kind = &VISIT_KINDS[self.rng.weighted(&today.kind_weights)];
        let plan = self.plan_session(kind);
        let latest_start =
            (SECONDS_PER_DAY as u32 - 1 - EXTRA_SPAN).saturating_sub(plan.duration());
        let start = today.midnight + i64::from(nominal_start.min(latest_start));
        let visitors = &mut today.visitors;
        let index = visitors.assign(start, &mut self.rng, &mut self.next_visitor);
        let context = SessionContext {
            kind,
            visitor: &visitors.visitors[index],
            returning: visitors.visitors[index].sessions > 0,
            start,
        };
        self.emit_session(&context, &plan, &mut today.events);
        visitors.finish(index, start + i64::from(plan.duration()));
        record_session(truth, kind, &plan);
    }

    /// The pageviews of a session: a landing page, some browsing, and the goal pages.
    fn plan_session(&mut self, kind: &VisitKind) -> SessionPlan {
        let mut plan = SessionPlan {
            views: Vec::new(),
            purchase: self.rng.per_mille(kind.purchase_per_mille),
            newsletter: self.rng.per_mille(kind.newsletter_per_mille),
        };
        let landing = self.landing_target(kind);
        plan.push(0, "GET", landing, 200);
        let browsed = self.browsed_page_count();
        let newsletter_after = self.rng.below(u64::from(browsed) + 1) as u32;
        for page in 0..=browsed {
            if plan.newsletter && page == newsletter_after {
                self.plan_newsletter(&mut plan);
            }
            if page < browsed {
                let gap = self.reading_gap();
                let target = self.page(&BROWSE_SECTIONS);
                let status = if self.rng.per_mille(30) { 304 } else { 200 };
                plan.push(gap, "GET", target, status);
            }
        }
        if plan.purchase {
            self.plan_purchase(&mut plan);
        }
        plan
    }

    fn landing_target(&mut self, kind: &VisitKind) -> Cow<'static, str> {
        let path = self.page(&landing_sections(kind.channel));
        match kind.query {
            Some(query) => Cow::Owned(format!("{path}?{}", fill(query, &mut self.rng))),
            None => path,
        }
    }

    /// Pages browsed after landing: about 45% bounce, the rest read a few pages.
    fn browsed_page_count(&mut self) -> u32 {
        let mut pages = 0;
        while pages < MAX_BROWSED_PAGES && self.rng.per_mille(if pages == 0 { 550 } else { 600 }) {
            pages += 1;
        }
        pages
    }

    /// Seconds spent on a page: mostly short, sometimes long, never over 20 minutes.
    fn reading_gap(&mut self) -> u32 {
        match self.rng.below(20) {
            0 => self.rng.between(600, MAX_READING_GAP),
            1..=5 => self.rng.between(180, 600),
            _ => self.rng.between(5, 180),
        }
    }

    fn page(&mut self, section_weights: &[u32; 7]) -> Cow<'static, str> {
        let path = match SECTIONS[self.rng.weighted(section_weights)] {
            Section::Home => "/",
            Section::Pricing => "/pricing",
            Section::Features => self.rng.pick(FEATURE_PAGES),
            Section::Blog => self.rng.pick(BLOG_PAGES),
            Section::Docs => self.rng.pick(DOC_PAGES),
            Section::Company => self.rng.pick(COMPANY_PAGES),
            Section::Products => {
                return Cow::Owned(format!("/products/{}", 1 + self.rng.below(PRODUCT_COUNT)));
            }
        };
        Cow::Borrowed(path)
    }

    /// Subscribing: a POST of the form, then the thank-you page (the micro goal).
    fn plan_newsletter(&mut self, plan: &mut SessionPlan) {
        let gap = self.reading_gap();
        plan.push(gap, "POST", Cow::Borrowed("/newsletter/subscribe"), 200);
        let redirect_gap = self.rng.between(1, 2);
        plan.push(
            redirect_gap,
            "GET",
            Cow::Borrowed("/newsletter/thanks"),
            200,
        );
    }

    /// Buying: a product, the checkout, and the completed order (the macro goal).
    fn plan_purchase(&mut self, plan: &mut SessionPlan) {
        let product = format!("/products/{}", 1 + self.rng.below(PRODUCT_COUNT));
        let gap = self.reading_gap();
        plan.push(gap, "GET", Cow::Owned(product), 200);
        let gap = self.rng.between(20, 300);
        plan.push(gap, "GET", Cow::Borrowed("/checkout"), 200);
        self.next_order += 1;
        let complete = format!("/checkout/complete?order={}", self.next_order);
        let gap = self.rng.between(60, 600);
        plan.push(gap, "GET", Cow::Owned(complete), 200);
    }

    /// Writes a session's pageviews (and, with noise, their assets and errors) as events.
    fn emit_session(
        &mut self,
        context: &SessionContext<'_>,
        plan: &SessionPlan,
        events: &mut Vec<Event>,
    ) {
        let mut previous_path: Option<&str> = None;
        for view in &plan.views {
            let ts = context.start + i64::from(view.offset);
            let referrer = match previous_path {
                None => context.kind.referrer.map(|r| fill(r, &mut self.rng)),
                Some(path) => self.internal_referrer(path),
            };
            let page = self.human_request(
                context,
                Verdict::Pageview,
                view.method,
                view.target.clone(),
                view.status,
            );
            let page = Request { referrer, ..page };
            let millis = self.rng.below(500) as u16;
            push_request(events, ts, millis, page);
            if self.noise && view.method == "GET" {
                self.page_extras(context, ts, &view.target, previous_path.is_none(), events);
            }
            previous_path = Some(path_of(&view.target));
        }
    }

    /// Usually the previous page of the site; sometimes none (privacy settings).
    fn internal_referrer(&mut self, previous_path: &str) -> Option<Cow<'static, str>> {
        self.rng
            .per_mille(880)
            .then(|| Cow::Owned(format!("https://{}{previous_path}", SITE_HOSTS[0])))
    }

    /// A request of a human visitor (no referrer yet).
    fn human_request(
        &mut self,
        context: &SessionContext<'_>,
        verdict: Verdict,
        method: &'static str,
        target: Cow<'static, str>,
        status: u16,
    ) -> Request {
        let bytes = match (verdict, status) {
            (_, 304) | (_, 301) => 0,
            (Verdict::Pageview, _) => self.rng.between(6_000, 48_000),
            (Verdict::Asset, _) => self.rng.between(900, 180_000),
            _ => self.rng.between(150, 2_000),
        };
        Request {
            verdict,
            client: Client::Visitor(context.visitor.id),
            host: SITE_HOSTS[0],
            method,
            target,
            status,
            bytes,
            referrer: None,
            agent: context.visitor.agent,
        }
    }

    /// Static files and the odd error a page brings along, within two seconds of it.
    fn page_extras(
        &mut self,
        context: &SessionContext<'_>,
        ts: i64,
        target: &str,
        landing: bool,
        events: &mut Vec<Event>,
    ) {
        let page_url = format!("https://{}{}", SITE_HOSTS[0], path_of(target));
        let asset_status = if context.returning { 304 } else { 200 };
        for asset in self.assets_for(landing) {
            let target = Cow::Borrowed(asset);
            let request = self.human_request(context, Verdict::Asset, "GET", target, asset_status);
            self.push_extra(events, ts, request.referred_by(&page_url));
        }
        if self.rng.per_mille(NON_PAGE_PER_MILLE) {
            let (method, target, status) = self.rng.pick(HUMAN_NON_PAGES);
            let target = Cow::Borrowed(target);
            let request = self.human_request(context, Verdict::NonPage, method, target, status);
            self.push_extra(events, ts, request.referred_by(&page_url));
        }
    }

    /// The assets a page loads: the landing page most of the site's shared files, later pages
    /// now and then an image (the rest is cached).
    fn assets_for(&mut self, landing: bool) -> Vec<&'static str> {
        let mut assets = Vec::new();
        if landing {
            let shared = self.rng.between(1, 4) as usize;
            assets.extend_from_slice(&PAGE_ASSETS[..shared]);
        }
        if self.rng.per_mille(if landing { 350 } else { 250 }) {
            assets.push(self.rng.pick(CONTENT_ASSETS));
        }
        assets
    }

    fn push_extra(&mut self, events: &mut Vec<Event>, page_ts: i64, request: Request) {
        let ts = page_ts + i64::from(self.rng.between(0, EXTRA_SPAN));
        let millis = 500 + self.rng.below(500) as u16;
        push_request(events, ts, millis, request);
    }

    /// Crawlers, AI agents and scripts: short bursts of requests over the whole day.
    fn bots(&mut self, midnight: i64, sessions: u64, events: &mut Vec<Event>) {
        let weights: Vec<u32> = BOTS.iter().map(|bot| bot.weight).collect();
        let rounding = self.rng.below(10);
        let mut remaining = sessions
            .saturating_mul(BOT_LINES_PER_10_SESSIONS)
            .saturating_add(rounding)
            / 10;
        while remaining > 0 {
            let bot = &BOTS[self.rng.weighted(&weights)];
            let burst = (1 + self.rng.below(6)).min(remaining);
            remaining -= burst;
            self.bot_burst(bot, midnight, burst, events);
        }
    }

    fn bot_burst(&mut self, bot: &'static Bot, midnight: i64, lines: u64, events: &mut Vec<Event>) {
        let client = Client::Network {
            prefix: bot.network,
            host: self.rng.between(2, 254) as u8,
        };
        let mut second = self.rng.between(0, SECONDS_PER_DAY as u32 - 1);
        for _ in 0..lines {
            let (target, status) = self.bot_target();
            let request = Request {
                verdict: Verdict::Bot,
                client,
                host: SITE_HOSTS[usize::from(self.rng.per_mille(200))],
                method: "GET",
                target,
                status,
                bytes: if status == 200 {
                    self.rng.between(400, 40_000)
                } else {
                    150
                },
                referrer: None,
                agent: bot.agent,
            };
            let millis = self.rng.below(1000) as u16;
            push_request(events, midnight + i64::from(second), millis, request);
            second = (second + self.rng.between(1, 15)).min(SECONDS_PER_DAY as u32 - 1);
        }
    }

    fn bot_target(&mut self) -> (Cow<'static, str>, u16) {
        if self.rng.per_mille(700) {
            return (self.page(&BROWSE_SECTIONS), 200);
        }
        let (target, status) = self.rng.pick(BOT_EXTRAS);
        (Cow::Borrowed(target), status)
    }

    /// About one line in 500 that no parser accepts, and now and then one far too long.
    fn junk(&mut self, midnight: i64, events: &mut Vec<Event>) {
        let lines = events.len() as u64;
        let count = (lines + self.rng.below(LINES_PER_MALFORMED)) / LINES_PER_MALFORMED;
        for _ in 0..count {
            let junk = self.rng.pick(&SHORT_JUNK);
            self.push_junk(midnight, junk, events);
        }
        if lines > 0 && self.rng.per_mille(OVERLONG_PER_MILLE) {
            self.push_junk(midnight, Junk::OverLong, events);
        }
    }

    fn push_junk(&mut self, midnight: i64, junk: Junk, events: &mut Vec<Event>) {
        let second = self.rng.between(0, SECONDS_PER_DAY as u32 - 1);
        events.push(Event {
            ts: midnight + i64::from(second),
            millis: self.rng.below(1000) as u16,
            line: Line::Malformed(junk),
        });
    }
}

fn push_request(events: &mut Vec<Event>, ts: i64, millis: u16, request: Request) {
    events.push(Event {
        ts,
        millis,
        line: Line::Request(request),
    });
}

/// Indices of `events` by time, ties in order of creation (sorting small keys, not events).
fn time_order(events: &[Event]) -> Vec<usize> {
    let mut keys: Vec<(i64, u16, usize)> = events
        .iter()
        .enumerate()
        .map(|(index, event)| (event.ts, event.millis, index))
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, _, index)| index).collect()
}

fn path_of(target: &str) -> &str {
    target.split_once('?').map_or(target, |(path, _)| path)
}

/// Adds a finished session to the truth.
fn record_session(truth: &mut GroundTruth, kind: &VisitKind, plan: &SessionPlan) {
    let pageviews = plan.views.len() as u64;
    let key = (kind.channel.to_string(), kind.source.to_string());
    let source = truth.by_source.entry(key).or_default();
    source.sessions += 1;
    source.pageviews += pageviews;
    source.conversions += u64::from(plan.purchase);
    source.micro_conversions += u64::from(plan.newsletter);
    truth.sessions += 1;
    truth.conversions += u64::from(plan.purchase);
    truth.micro_conversions += u64::from(plan.newsletter);
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Streams events as lines of one format and counts every line into the truth.
struct LogWriter<'o> {
    out: &'o mut dyn Write,
    format: OutputFormat,
    line: Vec<u8>,
    stamp: DayStamp,
    valid_lines: u64,
    /// Malformed lines waiting until the head of the log is written.
    held_back: Vec<(i64, u16, Junk)>,
}

impl<'o> LogWriter<'o> {
    fn new(out: &'o mut dyn Write, format: OutputFormat) -> LogWriter<'o> {
        LogWriter {
            out,
            format,
            line: Vec::with_capacity(1024),
            stamp: DayStamp::new(0),
            valid_lines: 0,
            held_back: Vec::new(),
        }
    }

    /// Writes `events` in the order of the indices in `order`.
    fn write_events(
        &mut self,
        events: &[Event],
        order: &[usize],
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        for event in order.iter().filter_map(|&index| events.get(index)) {
            match &event.line {
                Line::Request(request) => {
                    self.write_request(event.ts, event.millis, request, truth)?;
                    if self.valid_lines >= CLEAN_HEAD_LINES && !self.held_back.is_empty() {
                        self.release_held_back(truth)?;
                    }
                }
                Line::Malformed(junk) if self.valid_lines < CLEAN_HEAD_LINES => {
                    self.held_back.push((event.ts, event.millis, *junk));
                }
                Line::Malformed(junk) => self.write_junk(event.ts, event.millis, *junk, truth)?,
            }
        }
        Ok(())
    }

    fn write_request(
        &mut self,
        ts: i64,
        millis: u16,
        request: &Request,
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        self.render(ts, millis, request)?;
        self.emit(truth)?;
        self.valid_lines += 1;
        match request.verdict {
            Verdict::Pageview => truth.pageviews += 1,
            Verdict::Bot => truth.bot_lines += 1,
            Verdict::Asset => truth.asset_lines += 1,
            Verdict::NonPage => truth.non_page_lines += 1,
        }
        Ok(())
    }

    fn release_held_back(&mut self, truth: &mut GroundTruth) -> io::Result<()> {
        for (ts, millis, junk) in std::mem::take(&mut self.held_back) {
            self.write_junk(ts, millis, junk, truth)?;
        }
        Ok(())
    }

    fn write_junk(
        &mut self,
        ts: i64,
        millis: u16,
        junk: Junk,
        truth: &mut GroundTruth,
    ) -> io::Result<()> {
        self.line.clear();
        match junk {
            Junk::TlsHandshake => self
                .line
                .extend_from_slice(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\xa7\x5b\xe1"),
            Junk::BareRequest => self.line.extend_from_slice(b"GET / HTTP/1.1"),
            Junk::Greeting => self.line.extend_from_slice(b"hello world"),
            Junk::BrokenJson => self.line.extend_from_slice(b"{\"broken\": "),
            Junk::OverLong => self.render_overlong(ts, millis)?,
        }
        self.emit(truth)?;
        truth.malformed_lines += 1;
        Ok(())
    }

    /// A request with a huge query, padded to [`OVERLONG_BYTES`]: well-formed but too long.
    fn render_overlong(&mut self, ts: i64, millis: u16) -> io::Result<()> {
        const MARKER: &[u8] = b"/search?q=";
        let request = Request {
            verdict: Verdict::NonPage,
            client: Client::Network {
                prefix: "192.0.2",
                host: 10 + (millis % 200) as u8,
            },
            host: SITE_HOSTS[0],
            method: "GET",
            target: Cow::Borrowed("/search?q="),
            status: 414,
            bytes: 0,
            referrer: None,
            agent: HUMAN_AGENTS[0],
        };
        self.render(ts, millis, &request)?;
        let padding = OVERLONG_BYTES.saturating_sub(self.line.len());
        if let Some(at) = self.line.windows(MARKER.len()).position(|w| w == MARKER) {
            let at = at + MARKER.len();
            self.line.splice(at..at, std::iter::repeat_n(b'A', padding));
        }
        Ok(())
    }

    fn render(&mut self, ts: i64, millis: u16, request: &Request) -> io::Result<()> {
        let day = ts.div_euclid(SECONDS_PER_DAY);
        if self.stamp.day != day {
            self.stamp = DayStamp::new(day);
        }
        self.line.clear();
        let line = &mut self.line;
        match self.format {
            OutputFormat::Combined => write_combined(line, &self.stamp, ts, request),
            OutputFormat::VhostCombined => {
                write!(line, "{}:443 ", request.host)?;
                write_combined(line, &self.stamp, ts, request)
            }
            OutputFormat::NginxJson => write_nginx_json(line, &self.stamp, ts, request),
            OutputFormat::CaddyJson => write_caddy_json(line, ts, millis, request),
        }
    }

    fn emit(&mut self, truth: &mut GroundTruth) -> io::Result<()> {
        self.line.push(b'\n');
        self.out.write_all(&self.line)?;
        truth.lines += 1;
        Ok(())
    }
}

/// `IP - - [24/Nov/2026:10:00:00 +0000] "GET /p HTTP/1.1" 200 5123 "referrer" "agent"`
fn write_combined(line: &mut Vec<u8>, stamp: &DayStamp, ts: i64, r: &Request) -> io::Result<()> {
    let (hour, minute, second) = clock(ts);
    write!(
        line,
        "{} - - [{}:{hour:02}:{minute:02}:{second:02} +0000] \"{} {} HTTP/1.1\" {} {} \"{}\" \"{}\"",
        r.client,
        stamp.clf,
        r.method,
        r.target,
        r.status,
        r.bytes,
        r.referrer.as_deref().unwrap_or("-"),
        r.agent
    )
}

/// nginx `log_format … escape=json` with the usual variable names.
fn write_nginx_json(line: &mut Vec<u8>, stamp: &DayStamp, ts: i64, r: &Request) -> io::Result<()> {
    let (hour, minute, second) = clock(ts);
    write!(
        line,
        "{{\"time_iso8601\":\"{}T{hour:02}:{minute:02}:{second:02}+00:00\",\"remote_addr\":\"{}\",\"request\":\"",
        stamp.iso, r.client
    )?;
    push_json_escaped(line, r.method);
    line.push(b' ');
    push_json_escaped(line, &r.target);
    write!(
        line,
        " HTTP/1.1\",\"status\":{},\"body_bytes_sent\":{},\"http_referer\":\"",
        r.status, r.bytes
    )?;
    push_json_escaped(line, r.referrer.as_deref().unwrap_or(""));
    line.extend_from_slice(b"\",\"http_user_agent\":\"");
    push_json_escaped(line, r.agent);
    write!(line, "\",\"host\":\"{}\"}}", r.host)
}

/// Caddy's `http.log.access` entry (the Referer header only when there is one).
fn write_caddy_json(line: &mut Vec<u8>, ts: i64, millis: u16, r: &Request) -> io::Result<()> {
    let total_millis = ts * 1000 + i64::from(millis);
    let sign = if total_millis < 0 { "-" } else { "" };
    let (whole, fraction) = (total_millis.abs() / 1000, total_millis.abs() % 1000);
    let proto = match r.client {
        Client::Visitor(_) => "HTTP/2.0",
        Client::Network { .. } => "HTTP/1.1",
    };
    let port = 32_768 + (u64::from(r.bytes) * 31 + u64::from(millis)) % 28_000;
    write!(
        line,
        "{{\"level\":\"info\",\"ts\":{sign}{whole}.{fraction:03},\"logger\":\"http.log.access\",\
         \"msg\":\"handled request\",\"request\":{{\"remote_ip\":\"{ip}\",\"remote_port\":\"{port}\",\
         \"client_ip\":\"{ip}\",\"proto\":\"{proto}\",\"method\":\"",
        ip = r.client
    )?;
    push_json_escaped(line, r.method);
    write!(line, "\",\"host\":\"{}\",\"uri\":\"", r.host)?;
    push_json_escaped(line, &r.target);
    line.extend_from_slice(b"\",\"headers\":{\"User-Agent\":[\"");
    push_json_escaped(line, r.agent);
    line.extend_from_slice(b"\"]");
    if let Some(referrer) = &r.referrer {
        line.extend_from_slice(b",\"Referer\":[\"");
        push_json_escaped(line, referrer);
        line.extend_from_slice(b"\"]");
    }
    let bytes_read = if r.method == "POST" { 64 } else { 0 };
    write!(
        line,
        "}}}},\"bytes_read\":{bytes_read},\"duration\":0.{:06},\"size\":{},\"status\":{}}}",
        200 + r.bytes % 9_000,
        r.bytes,
        r.status
    )
}

/// Appends `text` escaped for a JSON string (quotes, backslashes, control characters).
fn push_json_escaped(line: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'"' => line.extend_from_slice(b"\\\""),
            b'\\' => line.extend_from_slice(b"\\\\"),
            0..=0x1f => {
                line.extend_from_slice(b"\\u00");
                line.push(HEX[usize::from(byte >> 4)]);
                line.push(HEX[usize::from(byte & 0xf)]);
            }
            _ => line.push(byte),
        }
    }
}

/// /8 networks of human visitors' IPv4 addresses (none is a bot's).
const VISITOR_NETWORKS: [u64; 16] = [
    31, 37, 46, 77, 81, 86, 89, 92, 94, 95, 109, 176, 178, 185, 188, 212,
];

impl fmt::Display for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Client::Network { prefix, host } => write!(f, "{prefix}.{host}"),
            Client::Visitor(n) => write_visitor_address(f, n),
        }
    }
}

/// A unique address per visitor: every tenth one (and all beyond the IPv4 pool) IPv6, the
/// others IPv4 in [`VISITOR_NETWORKS`]. Both scramble the visitor number with a bijection
/// (multiplying by an odd number modulo 2^28; the SplitMix64 finaliser), so addresses look
/// random yet never repeat.
fn write_visitor_address(f: &mut fmt::Formatter<'_>, n: u64) -> fmt::Result {
    const IPV4_POOL: u64 = (VISITOR_NETWORKS.len() as u64) << 24;
    if n % 10 == 9 || n >= IPV4_POOL {
        let m = mix64(n);
        return write!(
            f,
            "2001:db8:{:x}:{:x}:{:x}:{:x}::",
            m >> 48,
            (m >> 32) & 0xFFFF,
            (m >> 16) & 0xFFFF,
            m & 0xFFFF
        );
    }
    let m = n.wrapping_mul(0x9E3_779B) % IPV4_POOL;
    let network = VISITOR_NETWORKS[(m >> 24) as usize];
    write!(
        f,
        "{network}.{}.{}.{}",
        (m >> 16) & 0xFF,
        (m >> 8) & 0xFF,
        m & 0xFF
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn small(format: OutputFormat) -> TrafficSpec {
        TrafficSpec {
            sessions: 1500,
            days: 6,
            format,
            ..TrafficSpec::demo()
        }
    }

    fn run(spec: &TrafficSpec) -> (Vec<u8>, GroundTruth) {
        let mut out = Vec::new();
        let truth = generate(spec, &mut out).expect("writing to a Vec works");
        (out, truth)
    }

    fn lines(bytes: &[u8]) -> Vec<&[u8]> {
        bytes
            .split_inclusive(|b| *b == b'\n')
            .map(|l| &l[..l.len() - 1])
            .collect()
    }

    const FORMATS: [OutputFormat; 4] = [
        OutputFormat::Combined,
        OutputFormat::VhostCombined,
        OutputFormat::NginxJson,
        OutputFormat::CaddyJson,
    ];

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        for format in FORMATS {
            let spec = small(format);
            assert_eq!(run(&spec), run(&spec), "{format:?}");
            let other = TrafficSpec {
                seed: 8,
                ..spec.clone()
            };
            assert_ne!(run(&spec).0, run(&other).0, "{format:?}");
        }
    }

    #[test]
    fn totals_add_up() {
        let spec = small(OutputFormat::Combined);
        let (out, truth) = run(&spec);
        let newlines = out.iter().filter(|b| **b == b'\n').count() as u64;
        assert_eq!(truth.lines, newlines);
        let sum = |field: fn(&SourceTruth) -> u64| truth.by_source.values().map(field).sum::<u64>();
        assert_eq!(sum(|s| s.sessions), spec.sessions);
        assert_eq!(truth.sessions, spec.sessions);
        assert_eq!(sum(|s| s.pageviews), truth.pageviews);
        assert_eq!(sum(|s| s.conversions), truth.conversions);
        assert_eq!(sum(|s| s.micro_conversions), truth.micro_conversions);
        let skipped =
            truth.bot_lines + truth.asset_lines + truth.non_page_lines + truth.malformed_lines;
        assert_eq!(truth.lines, truth.pageviews + skipped);
        assert!(truth.by_source.values().all(|s| s.sessions > 0));
        assert!(truth.bot_lines > 0 && truth.asset_lines > 0 && truth.non_page_lines > 0);
        assert!(truth.malformed_lines > 0 && truth.conversions > 0 && truth.micro_conversions > 0);
    }

    #[test]
    fn without_noise_every_line_is_a_pageview() {
        for format in FORMATS {
            let spec = TrafficSpec {
                noise: false,
                ..small(format)
            };
            let (_, truth) = run(&spec);
            let noise = (
                truth.bot_lines,
                truth.asset_lines,
                truth.non_page_lines,
                truth.malformed_lines,
            );
            assert_eq!(noise, (0, 0, 0, 0), "{format:?}");
            assert_eq!(truth.lines, truth.pageviews);
            assert_eq!(truth.sessions, spec.sessions);
        }
    }

    #[test]
    fn empty_specs_give_empty_logs() {
        let empty = [
            TrafficSpec {
                days: 0,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 0,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 0,
                days: u32::MAX,
                start_day: i64::MAX,
                ..TrafficSpec::demo()
            },
        ];
        for spec in empty {
            let (out, truth) = run(&spec);
            assert_eq!(truth, GroundTruth::default(), "{spec:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn odd_specs_neither_panic_nor_lose_sessions() {
        let odd = [
            TrafficSpec {
                sessions: 1,
                days: 1,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 3,
                days: 400,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 50,
                days: 2,
                start_day: -719_528,
                ..TrafficSpec::demo()
            },
            TrafficSpec {
                sessions: 50,
                days: 1,
                start_day: 2_932_896,
                ..TrafficSpec::demo()
            },
        ];
        for spec in odd {
            let (out, truth) = run(&spec);
            assert_eq!(truth.sessions, spec.sessions, "{spec:?}");
            assert_eq!(
                truth.lines,
                out.iter().filter(|b| **b == b'\n').count() as u64
            );
        }
        for start_day in [i64::MIN, -719_529, 2_932_896, i64::MAX] {
            let spec = TrafficSpec {
                start_day,
                days: 2,
                ..TrafficSpec::demo()
            };
            let err = generate(&spec, &mut Vec::new()).expect_err("outside 0000-9999");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn days_share_the_sessions_exactly_and_weekends_are_quieter() {
        for (sessions, days) in [(6000, 28), (7, 10), (1_000_003, 365), (u64::MAX, 3)] {
            let spec = TrafficSpec {
                sessions,
                days,
                ..TrafficSpec::demo()
            };
            let per_day: Vec<u64> = DailySessions::new(&spec).collect();
            assert_eq!(per_day.len(), days as usize);
            assert_eq!(per_day.iter().sum::<u64>(), sessions);
        }
        let demo = TrafficSpec::demo();
        let per_day: Vec<u64> = DailySessions::new(&demo).collect();
        let (mut weekdays, mut weekends) = (0, 0);
        for (index, n) in per_day.iter().enumerate() {
            match weekday(demo.start_day + index as i64) {
                5 | 6 => weekends += n,
                _ => weekdays += n,
            }
        }
        // 8 weekend days against 20 weekdays: a weekend day has under 85% of the traffic.
        assert!(
            weekends * 5 < weekdays * 2 * 85 / 100,
            "{weekdays} {weekends}"
        );
    }

    #[test]
    fn every_visit_kind_appears_in_the_demo() {
        let (out, truth) = run(&TrafficSpec::demo());
        for kind in VISIT_KINDS {
            let key = (kind.channel.to_string(), kind.source.to_string());
            assert!(truth.by_source.contains_key(&key), "{key:?} missing");
        }
        let sessions = simulate_pipeline(&out);
        let seen: HashSet<(Option<&str>, Option<&str>)> = sessions
            .iter()
            .map(|s| (s.kind.referrer, s.kind.query))
            .collect();
        assert_eq!(
            seen.len(),
            VISIT_KINDS.len(),
            "a visit kind never starts a session"
        );
    }

    #[test]
    fn channel_mix_and_conversion_rates_tell_the_story() {
        let spec = TrafficSpec {
            sessions: 60_000,
            noise: false,
            ..TrafficSpec::demo()
        };
        let (_, truth) = run(&spec);
        let mut by_channel: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for ((channel, _), source) in &truth.by_source {
            let entry = by_channel.entry(channel.as_str()).or_default();
            entry.0 += source.sessions;
            entry.1 += source.conversions;
        }
        let share = |c: &str| by_channel[c].0 * 1000 / truth.sessions;
        let rate = |c: &str| by_channel[c].1 * 1000 / by_channel[c].0;
        assert!((100..=140).contains(&share(AI)), "AI share {}", share(AI));
        assert!((320..=380).contains(&share(ORGANIC_SEARCH)));
        assert!((130..=170).contains(&share(DIRECT)));
        assert!((50..=75).contains(&rate(AI)), "AI rate {}", rate(AI));
        assert!((22..=38).contains(&rate(ORGANIC_SEARCH)));
        assert!(rate(ORGANIC_SOCIAL) < 20);
    }

    // A stand-in for the ingest pipeline, reading combined lines by hand: it must find the
    // very truth the generator returned, with every session inside one UTC day.

    struct Parsed<'a> {
        ip: &'a str,
        ts: i64,
        method: &'a str,
        target: &'a str,
        status: u16,
        referrer: Option<&'a str>,
        agent: &'a str,
    }

    fn parse_combined(line: &[u8]) -> Option<Parsed<'_>> {
        if line.len() > 16 * 1024 {
            return None;
        }
        let text = std::str::from_utf8(line).ok()?;
        let parts: Vec<&str> = text.split('"').collect();
        let [prefix, request, status, referrer, " ", agent, ""] = parts[..] else {
            return None;
        };
        let ip = prefix.split(' ').next()?;
        let ts = clf_seconds(prefix.split_once('[')?.1.split_once(']')?.0)?;
        let mut request = request.split(' ');
        let (method, target) = (request.next()?, request.next()?);
        let status = status.split_whitespace().next()?.parse().ok()?;
        let referrer = (referrer != "-").then_some(referrer);
        Some(Parsed {
            ip,
            ts,
            method,
            target,
            status,
            referrer,
            agent,
        })
    }

    /// `24/Nov/2026:10:00:00 +0000` as Unix seconds.
    fn clf_seconds(stamp: &str) -> Option<i64> {
        let day: u32 = stamp.get(0..2)?.parse().ok()?;
        let month = MONTHS.iter().position(|m| Some(*m) == stamp.get(3..6))? as u32 + 1;
        let year: i64 = stamp.get(7..11)?.parse().ok()?;
        let clock: Vec<i64> = stamp
            .get(12..20)?
            .split(':')
            .filter_map(|p| p.parse().ok())
            .collect();
        let [hour, minute, second] = clock[..] else {
            return None;
        };
        Some(
            days_from_civil(year, month, day) * SECONDS_PER_DAY
                + hour * 3600
                + minute * 60
                + second,
        )
    }

    fn is_asset_path(target: &str) -> bool {
        let path = path_of(target);
        let file = path.rsplit('/').next().unwrap_or(path);
        file.rsplit_once('.').is_some_and(|(_, ext)| {
            [
                "css", "js", "png", "jpg", "svg", "webp", "woff2", "ico", "txt", "xml",
            ]
            .contains(&ext)
        })
    }

    /// Whether `text` fits `template`, each `{…}` standing for any non-empty text.
    fn fits(template: &str, text: &str) -> bool {
        let Some(open) = template.find('{') else {
            return template == text;
        };
        let close = template.find('}').unwrap_or(template.len() - 1);
        let (head, tail) = (&template[..open], &template[close + 1..]);
        text.len() > head.len() + tail.len() && text.starts_with(head) && text.ends_with(tail)
    }

    fn kind_of(referrer: Option<&str>, target: &str) -> &'static VisitKind {
        let query = target.split_once('?').map(|(_, q)| q);
        let matches = |pattern: Option<&str>, value: Option<&str>| match (pattern, value) {
            (None, None) => true,
            (Some(p), Some(v)) => fits(p, v),
            _ => false,
        };
        let found: Vec<&VisitKind> = VISIT_KINDS
            .iter()
            .filter(|k| matches(k.referrer, referrer) && matches(k.query, query))
            .collect();
        assert_eq!(found.len(), 1, "landing {referrer:?} {target}");
        found[0]
    }

    struct SeenSession {
        kind: &'static VisitKind,
        day: i64,
        last: i64,
        pageviews: u64,
        purchase: bool,
        newsletter: bool,
    }

    #[derive(Default, Debug, PartialEq)]
    struct LineCounts {
        malformed: u64,
        bot: u64,
        asset: u64,
        non_page: u64,
        pageviews: u64,
    }

    fn simulate_pipeline(out: &[u8]) -> Vec<SeenSession> {
        simulate(out).0
    }

    fn simulate(out: &[u8]) -> (Vec<SeenSession>, LineCounts) {
        let mut counts = LineCounts::default();
        let mut open: HashMap<(String, String), SeenSession> = HashMap::new();
        let mut done = Vec::new();
        for line in lines(out) {
            let Some(hit) = parse_combined(line) else {
                counts.malformed += 1;
                continue;
            };
            if !HUMAN_AGENTS.contains(&hit.agent) {
                counts.bot += 1;
            } else if is_asset_path(hit.target) {
                counts.asset += 1;
            } else if !(matches!(hit.status, 200..=299 | 304)
                && matches!(hit.method, "GET" | "POST"))
            {
                counts.non_page += 1;
            } else {
                counts.pageviews += 1;
                pageview(&mut open, &mut done, &hit);
            }
        }
        done.extend(open.into_values());
        (done, counts)
    }

    /// Sessionizes by IP and user agent only (no day), so a session crossing midnight shows.
    fn pageview(
        open: &mut HashMap<(String, String), SeenSession>,
        done: &mut Vec<SeenSession>,
        hit: &Parsed<'_>,
    ) {
        let key = (hit.ip.to_string(), hit.agent.to_string());
        let continues = open.get(&key).is_some_and(|s| hit.ts - s.last <= 30 * 60);
        if continues {
            let session = open.get_mut(&key).expect("checked");
            assert!(hit.ts - session.last <= i64::from(MAX_READING_GAP));
            assert_eq!(
                session.day,
                hit.ts.div_euclid(SECONDS_PER_DAY),
                "crosses midnight"
            );
            session.last = hit.ts;
            session.pageviews += 1;
            session.purchase |= hit.target.starts_with("/checkout/complete");
            session.newsletter |= hit.target.starts_with("/newsletter/thanks");
            return;
        }
        if let Some(previous) = open.remove(&key) {
            assert!(hit.ts - previous.last > 40 * 60, "returning too soon");
            done.push(previous);
        }
        assert!(hit.referrer.is_none_or(|r| !r.contains("acme.test")));
        let session = SeenSession {
            kind: kind_of(hit.referrer, hit.target),
            day: hit.ts.div_euclid(SECONDS_PER_DAY),
            last: hit.ts,
            pageviews: 1,
            purchase: false,
            newsletter: false,
        };
        open.insert(key, session);
    }

    #[test]
    fn a_hand_made_pipeline_finds_exactly_the_truth() {
        let (out, truth) = run(&small(OutputFormat::Combined));
        let (sessions, counts) = simulate(&out);
        let expected = LineCounts {
            malformed: truth.malformed_lines,
            bot: truth.bot_lines,
            asset: truth.asset_lines,
            non_page: truth.non_page_lines,
            pageviews: truth.pageviews,
        };
        assert_eq!(counts, expected);
        let mut by_source: BTreeMap<(String, String), SourceTruth> = BTreeMap::new();
        for session in &sessions {
            let key = (
                session.kind.channel.to_string(),
                session.kind.source.to_string(),
            );
            let entry = by_source.entry(key).or_default();
            entry.sessions += 1;
            entry.pageviews += session.pageviews;
            entry.conversions += u64::from(session.purchase);
            entry.micro_conversions += u64::from(session.newsletter);
        }
        assert_eq!(by_source, truth.by_source);
    }

    #[test]
    fn some_visitors_come_back_the_same_day() {
        let (out, truth) = run(&small(OutputFormat::Combined));
        let visitors: HashSet<(&str, &str)> = lines(&out)
            .into_iter()
            .filter_map(parse_combined)
            .filter(|hit| HUMAN_AGENTS.contains(&hit.agent))
            .map(|hit| (hit.ip, hit.agent))
            .collect();
        let returns = truth.sessions - visitors.len() as u64;
        assert!(returns * 100 > truth.sessions * 8, "{returns} returns");
    }

    #[test]
    fn the_head_is_clean_and_no_line_is_empty() {
        for spec in [small(OutputFormat::Combined), TrafficSpec::demo()] {
            let (out, truth) = run(&spec);
            assert_eq!(out.last(), Some(&b'\n'));
            let all = lines(&out);
            assert_eq!(all.len() as u64, truth.lines);
            assert!(all.iter().all(|line| !line.is_empty()));
            assert!(all[..20].iter().all(|line| parse_combined(line).is_some()));
        }
        // A tiny log with junk in its first second: the junk waits for 20 good lines.
        let tiny = TrafficSpec {
            sessions: 2,
            days: 1,
            seed: 3,
            ..TrafficSpec::demo()
        };
        let (out, truth) = run(&tiny);
        let all = lines(&out);
        let first_bad = all.iter().position(|line| parse_combined(line).is_none());
        assert!(
            first_bad.is_none_or(|i| i >= 20),
            "{first_bad:?} of {}",
            truth.lines
        );
    }

    #[test]
    fn overlong_lines_are_twenty_thousand_bytes() {
        for format in FORMATS {
            let (out, truth) = run(&TrafficSpec {
                format,
                ..TrafficSpec::demo()
            });
            let long: Vec<usize> = lines(&out)
                .iter()
                .map(|l| l.len())
                .filter(|n| *n > 16 * 1024)
                .collect();
            assert!(!long.is_empty() && (long.len() as u64) < truth.malformed_lines);
            assert!(
                long.iter().all(|n| *n == OVERLONG_BYTES),
                "{format:?}: {long:?}"
            );
        }
    }

    #[test]
    fn combined_lines_are_in_time_order() {
        let spec = TrafficSpec {
            start_day: days_from_civil(2026, 12, 30),
            ..small(OutputFormat::Combined)
        };
        let (out, _) = run(&spec);
        let times: Vec<i64> = lines(&out)
            .into_iter()
            .filter_map(parse_combined)
            .map(|h| h.ts)
            .collect();
        assert!(times.len() > 10_000);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(times[0].div_euclid(SECONDS_PER_DAY), spec.start_day);
    }

    #[test]
    fn vhost_lines_are_combined_lines_behind_a_host() {
        let (out, truth) = run(&small(OutputFormat::VhostCombined));
        let mut valid = 0;
        for line in lines(&out) {
            let Some(rest) = [b"www.acme.test:443 ".as_slice(), b"acme.test:443 "]
                .iter()
                .find_map(|host| line.strip_prefix(*host))
            else {
                continue;
            };
            assert!(parse_combined(rest).is_some());
            valid += 1;
        }
        assert_eq!(valid, truth.lines - truth.malformed_lines);
    }

    #[test]
    fn json_lines_are_valid_json_in_time_order() {
        for (format, time_key) in [
            (OutputFormat::NginxJson, "\"time_iso8601\":\""),
            (OutputFormat::CaddyJson, "\"ts\":"),
        ] {
            let (out, truth) = run(&small(format));
            let mut times = Vec::new();
            for line in lines(&out) {
                let json = std::str::from_utf8(line).ok().filter(|t| is_json_object(t));
                let Some(text) = json.filter(|_| line.len() <= 16 * 1024) else {
                    continue;
                };
                let time = text.split_once(time_key).expect("has a time").1;
                times.push(time[..time.find([',', '"']).unwrap_or(0)].to_string());
            }
            // Every line but the malformed ones is a JSON object.
            assert_eq!(
                times.len() as u64,
                truth.lines - truth.malformed_lines,
                "{format:?}"
            );
            // Same-width times (ISO text, or Unix seconds with milliseconds) sort as text.
            assert!(times.windows(2).all(|w| w[0] <= w[1]), "{format:?}");
        }
    }

    #[test]
    fn json_text_is_escaped() {
        let mut line = Vec::new();
        push_json_escaped(&mut line, "a\"b\\c\u{1}\né");
        assert_eq!(
            String::from_utf8(line).unwrap(),
            "a\\\"b\\\\c\\u0001\\u000aé"
        );
        assert!(is_json_object(
            "{\"a\":[1,-2.5e3,true,null,\"x\\\"\"],\"b\":{}}"
        ));
        assert!(!is_json_object("{\"broken\": "));
        assert!(!is_json_object("{\"a\":1}x"));
    }

    /// A small JSON checker: is `text` exactly one JSON object?
    fn is_json_object(text: &str) -> bool {
        let mut json = Json {
            bytes: text.as_bytes(),
            pos: 0,
        };
        json.bytes.first() == Some(&b'{') && json.value() && json.pos == json.bytes.len()
    }

    struct Json<'a> {
        bytes: &'a [u8],
        pos: usize,
    }

    impl Json<'_> {
        fn peek(&self) -> Option<u8> {
            self.bytes.get(self.pos).copied()
        }

        fn eat(&mut self, byte: u8) -> bool {
            let matched = self.peek() == Some(byte);
            self.pos += usize::from(matched);
            matched
        }

        fn value(&mut self) -> bool {
            match self.peek() {
                Some(b'{') => self.sequence(b'}', |j| j.string() && j.eat(b':') && j.value()),
                Some(b'[') => self.sequence(b']', Json::value),
                Some(b'"') => self.string(),
                Some(b't') => self.literal(b"true"),
                Some(b'f') => self.literal(b"false"),
                Some(b'n') => self.literal(b"null"),
                _ => self.number(),
            }
        }

        fn sequence(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> bool) -> bool {
            self.pos += 1;
            if self.eat(close) {
                return true;
            }
            loop {
                if !item(self) {
                    return false;
                }
                if self.eat(close) {
                    return true;
                }
                if !self.eat(b',') {
                    return false;
                }
            }
        }

        fn string(&mut self) -> bool {
            if !self.eat(b'"') {
                return false;
            }
            while let Some(byte) = self.peek() {
                self.pos += 1;
                match byte {
                    b'"' => return true,
                    b'\\' => self.pos += 1,
                    0..=0x1f => return false,
                    _ => {}
                }
            }
            false
        }

        fn literal(&mut self, word: &[u8]) -> bool {
            let matched = self.bytes[self.pos..].starts_with(word);
            self.pos += if matched { word.len() } else { 0 };
            matched
        }

        fn number(&mut self) -> bool {
            let start = self.pos;
            while self
                .peek()
                .is_some_and(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
            {
                self.pos += 1;
            }
            std::str::from_utf8(&self.bytes[start..self.pos])
                .is_ok_and(|n| n.parse::<f64>().is_ok())
        }
    }

    #[test]
    fn calendar_arithmetic() {
        assert_eq!(TrafficSpec::demo().start_day, 20_752);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(20_752), (2026, 10, 26));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(weekday(20_752), 0, "2026-10-26 is a Monday");
        for day in (-800_000..3_000_000).step_by(997) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        let stamp = DayStamp::new(days_from_civil(2026, 11, 24));
        assert_eq!(
            (stamp.clf.as_str(), stamp.iso.as_str()),
            ("24/Nov/2026", "2026-11-24")
        );
        assert_eq!(
            clf_seconds("24/Nov/2026:10:00:00 +0000"),
            Some(1_795_514_400)
        );
    }

    #[test]
    fn caddy_times_carry_milliseconds() {
        let request = Request {
            verdict: Verdict::Pageview,
            client: Client::Visitor(0),
            host: SITE_HOSTS[0],
            method: "GET",
            target: Cow::Borrowed("/"),
            status: 200,
            bytes: 10,
            referrer: None,
            agent: HUMAN_AGENTS[0],
        };
        let mut line = Vec::new();
        write_caddy_json(&mut line, 1_764_000_000, 7, &request).unwrap();
        let text = String::from_utf8(line).unwrap();
        assert!(text.contains("\"ts\":1764000000.007,"), "{text}");
        assert!(!text.contains("Referer"));
        let mut line = Vec::new();
        write_caddy_json(&mut line, -2, 250, &request).unwrap();
        assert!(String::from_utf8(line).unwrap().contains("\"ts\":-1.750,"));
    }

    #[test]
    fn visitor_addresses_are_unique() {
        let pool = (VISITOR_NETWORKS.len() as u64) << 24;
        let numbers = (0..200_000u64).chain(pool - 50_000..pool + 50_000);
        let addresses: HashSet<String> = numbers.map(|n| Client::Visitor(n).to_string()).collect();
        assert_eq!(addresses.len(), 300_000);
        let bot_networks: Vec<&str> = BOTS.iter().map(|b| b.network).collect();
        assert!(
            addresses
                .iter()
                .all(|a| !bot_networks.iter().any(|n| a.starts_with(n)))
        );
    }
}
