//! The per-line steps of ingest, free of I/O: parse, drop what is not a pageview (counting why),
//! compute the visitor key, classify new sessions, match goals, and keep the summary counts.
//! AI crawler and agent requests are tallied with the verdict on their client address against
//! the agent's published ranges (`crate::crawler_ranges`, handed in by the caller).
//!
//! Day salts: the site's stored salts are handed in at the start; a day seen for the first time
//! gets a fresh random salt here, which is written in the same transaction as the first
//! sessions keyed with it (so the reader never waits on the database for a salt). A salt is
//! kept only while its day can still receive sessions: each commit deletes the site's salts of
//! days more than `salt_retention_days - 1` before the latest hit. A line for a day whose
//! salt is gone is `late`: it is keyed with a salt that lives only in this ingest's memory.
//!
//! The only I/O the steps need, finding a session set aside to the database when its visitor
//! returns, is a lookup the caller passes in.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::crawlers::CrawlerTally;
use super::error::IngestError;
use super::parse::{Hit, LogFormat, ParseError, parse_line, referrer_host_is_text};
use super::sessionize::{
    Changes, DayKey, HeldStats, MAX_PATH_BYTES, NoSessionIds, Persisted, Session, SessionStart,
    Sessionizer, VisitorKey, day_key, visitor_key,
};
use crate::classify::{BotAgent, BotCache, Classifier, cap, is_asset};
use crate::config::{CompiledGoals, SiteConfig};
use crate::crawler_ranges::CrawlerRanges;
use crate::day::{day_number, day_text, parse_day};
use crate::store::StoredSession;

/// Which log format to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatChoice {
    /// Detect from the first lines of each file.
    Auto,
    Fixed(LogFormat),
}

/// A malformed line kept for the summary (escaped, cut to 160 characters).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MalformedSample {
    pub file: String,
    pub line: u64,
    pub reason: String,
    pub text: String,
}

/// What an ingest did, for people and programs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub site: String,
    pub files: Vec<FileSummary>,
    pub lines_read: u64,
    pub pageviews: u64,
    pub sessions: u64,
    pub conversions: u64,
    /// Lines skipped, by reason: malformed, too_long, bot, asset, non_page.
    pub skipped: BTreeMap<String, u64>,
    pub malformed_samples: Vec<MalformedSample>,
    /// Pageviews of days whose salt was already deleted (see `salt_retention_days`): still
    /// counted, but keyed apart from the visitors stored for that day.
    pub late: u64,
    /// Lines whose time is earlier than a line read before them.
    pub out_of_order: u64,
    /// The largest step back in time among them, in seconds.
    pub max_step_back_seconds: i64,
    /// AI crawler requests counted under the path `(other)` because their agent had already
    /// requested the most distinct paths kept per day.
    pub crawler_requests_folded: u64,
    /// How the cap on sessions held in memory worked.
    pub memory: MemorySummary,
    pub seconds: f64,
    pub lines_per_second: f64,
}

/// How the cap on sessions held in memory worked during an ingest.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct MemorySummary {
    /// Most sessions held at once.
    pub peak_held_sessions: usize,
    /// Sessions set aside to the database to stay under the cap.
    pub sessions_set_aside: u64,
    /// Set-aside sessions found again in the database when their visitor returned.
    pub sessions_found_again: u64,
}

impl From<HeldStats> for MemorySummary {
    fn from(stats: HeldStats) -> MemorySummary {
        MemorySummary {
            peak_held_sessions: stats.peak_held,
            sessions_set_aside: stats.evicted,
            sessions_found_again: stats.reloaded,
        }
    }
}

/// What happened to one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSummary {
    pub path: String,
    pub format: String,
    /// Byte offset the ingest started from (non-zero when the file was seen before).
    pub resumed_at: u64,
    pub lines_read: u64,
    /// Bytes after the last newline, left for the next run (the line may still be written).
    pub unterminated_bytes: u64,
    /// Lines of this file skipped as malformed (`too_long` included).
    pub malformed: u64,
    /// Read through gzip.
    pub compressed: bool,
    pub note: Option<String>,
    /// Something probably wrong with this input (most lines malformed: wrong format?).
    pub warning: Option<String>,
}

/// Samples of malformed lines kept per ingest.
const MAX_SAMPLES: usize = 5;

/// The per-line state of one ingest of one site.
pub struct Pipeline {
    pub site: String,
    format: LogFormat,
    classifier: Classifier,
    goals: CompiledGoals,
    sessionizer: Sessionizer,
    /// The site's day keys (its day salts bound to the site), by days since 1970.
    day_keys: HashMap<i64, DayKey>,
    /// Salts created since the last commit: (day, salt as hex).
    new_salts: Vec<(String, String)>,
    /// The session timeout in seconds.
    timeout: i64,
    /// Days keyed with a salt that lives only in memory (theirs was deleted).
    late_days: HashSet<i64>,
    /// Days a salt is kept for, counting the latest hit's.
    salt_retention_days: i64,
    /// The latest hit time known (stored or read), for the salt horizon and time order.
    latest_ts: Option<i64>,
    bots: BotCache,
    crawlers: CrawlerTally,
    /// The AI crawlers' published ranges each AI request is checked against.
    crawler_ranges: std::sync::Arc<CrawlerRanges>,
    pub summary: IngestSummary,
}

impl Pipeline {
    /// `timeout` from the site's config; session ids are added with
    /// [`Pipeline::add_session_ids`] (at least one must be left before each line).
    /// `salts`: the site's stored day salts, by `YYYY-MM-DD`; `salt_retention_days`: days a
    /// salt is kept (at least 1); `latest_stored`: the site's latest stored hit time. The error
    /// names the config key at fault (a goal regex or source rule; validated configs have none).
    pub fn new(
        site: &SiteConfig,
        salts: HashMap<String, Vec<u8>>,
        salt_retention_days: u32,
        latest_stored: Option<i64>,
    ) -> Result<Pipeline, IngestError> {
        let timeout = i64::from(site.session_timeout_minutes) * 60;
        let bad_config = |key: String, message: String| IngestError::SiteConfig {
            site: site.name.clone(),
            key,
            message,
        };
        Ok(Pipeline {
            site: site.name.clone(),
            format: LogFormat::Combined,
            classifier: site
                .classifier()
                .map_err(|(key, message)| bad_config(key, message))?,
            goals: CompiledGoals::new(&site.goals)
                .map_err(|err| bad_config("goals".into(), err.to_string()))?,
            sessionizer: Sessionizer::new(timeout, 0..0),
            day_keys: salts
                .into_iter()
                .filter_map(|(day, salt)| {
                    Some((parse_day(&day)? / 86_400, day_key(&salt, &site.name)))
                })
                .collect(),
            new_salts: Vec::new(),
            late_days: HashSet::new(),
            timeout,
            salt_retention_days: i64::from(salt_retention_days.max(1)),
            latest_ts: latest_stored,
            bots: BotCache::default(),
            crawlers: CrawlerTally::default(),
            crawler_ranges: CrawlerRanges::snapshot(),
            summary: IngestSummary {
                site: site.name.clone(),
                ..IngestSummary::default()
            },
        })
    }

    /// Checks AI crawler requests against these ranges (by default the shipped copies).
    pub fn set_crawler_ranges(&mut self, ranges: std::sync::Arc<CrawlerRanges>) {
        self.crawler_ranges = ranges;
    }

    /// Reserved session ids left.
    pub fn session_ids_left(&self) -> u64 {
        self.sessionizer.ids_left()
    }

    /// Adds session ids reserved from the database.
    pub fn add_session_ids(&mut self, ids: impl IntoIterator<Item = std::ops::Range<i64>>) {
        for run in ids {
            self.sessionizer.add_ids(run);
        }
    }

    pub fn set_format(&mut self, format: LogFormat) {
        self.format = format;
    }

    /// Continues sessions an earlier ingest left open. Bad stored keys are skipped.
    pub fn resume(&mut self, stored: Vec<StoredSession>) {
        let sessions = stored
            .into_iter()
            .filter_map(|s| to_session(&self.goals, s))
            .collect();
        self.sessionizer.resume(sessions);
    }

    /// Remembers a stored session that may continue but is not held in memory (hex visitor
    /// key and last hit): it is looked up when its visitor returns.
    pub fn remember_stored(&mut self, visitor_key: &str, last_hit_at: i64) {
        if let Some(visitor) = decode_visitor(visitor_key) {
            self.sessionizer.remember_stored(&visitor, last_hit_at);
        }
    }

    /// Sessions and finished-but-unwritten sessions held in memory.
    pub fn held_sessions(&self) -> usize {
        self.sessionizer.held()
    }

    /// Evicts committed sessions until at most `target` are held (see
    /// [`Sessionizer::evict_to`]): call it only once every batch taken so far is committed.
    pub fn evict_to(&mut self, target: usize) -> usize {
        self.sessionizer.evict_to(target)
    }

    /// The summary of the whole ingest, once every line is read.
    pub fn into_summary(mut self) -> IngestSummary {
        self.summary.memory = self.sessionizer.held_stats().into();
        self.summary
    }

    /// Everything to write since the last call.
    pub fn take_changes(&mut self) -> Changes {
        let mut changes = self.sessionizer.take_changes(&self.goals);
        changes.new_salts = std::mem::take(&mut self.new_salts);
        changes.forget_salts_before = self.salt_horizon().map(|day| day_text(day * 86_400));
        changes.crawlers = self.crawlers.take();
        self.summary.conversions += changes.conversions.len() as u64;
        changes
    }

    /// The first day whose salt is kept (days before it can no longer receive sessions).
    fn salt_horizon(&self) -> Option<i64> {
        self.latest_ts
            .map(|ts| day_number(ts) - (self.salt_retention_days - 1))
    }

    /// Notes a hit's time: counts steps back in time and moves the latest time forward.
    fn note_time(&mut self, ts: i64) {
        match self.latest_ts {
            Some(latest) if ts < latest => {
                self.summary.out_of_order += 1;
                self.summary.max_step_back_seconds =
                    self.summary.max_step_back_seconds.max(latest - ts);
            }
            _ => self.latest_ts = Some(ts),
        }
    }

    fn skip(&mut self, reason: &str) {
        *self.summary.skipped.entry(reason.to_string()).or_default() += 1;
    }

    /// A line longer than the parser accepts.
    pub fn too_long(&mut self, file: &str, line_no: u64) {
        self.summary.lines_read += 1;
        self.skip("too_long");
        self.sample(file, line_no, "too_long", b"");
    }

    fn sample(&mut self, file: &str, line_no: u64, reason: &str, line: &[u8]) {
        if self.summary.malformed_samples.len() < MAX_SAMPLES {
            let text: String = String::from_utf8_lossy(line)
                .chars()
                .take(160)
                .flat_map(char::escape_debug)
                .collect();
            self.summary.malformed_samples.push(MalformedSample {
                file: file.to_string(),
                line: line_no,
                reason: reason.to_string(),
                text,
            });
        }
    }

    /// The bot behind a hit's user agent, when its format has one.
    fn bot_of(&mut self, hit: &Hit<'_>) -> Option<BotAgent> {
        if self.format.has_user_agent() {
            self.bots.bot(&hit.user_agent)
        } else {
            None
        }
    }

    /// Whether lines may need their visitor's set-aside session (some were set aside).
    pub fn may_look_up(&self) -> bool {
        self.sessionizer.may_look_up()
    }

    /// For a line that will look up its visitor's set-aside session: the visitor key (hex)
    /// and the earliest last hit that session may have. Changes nothing a later
    /// [`Pipeline::line`] of the same line would see (a day without a salt yet has no stored
    /// sessions, so nothing is looked up for it).
    pub fn lookup_ahead(&mut self, line: &[u8]) -> Option<(String, i64)> {
        let hit = parse_line(self.format, line).ok()?;
        let bot = self.bot_of(&hit);
        if not_a_pageview(&hit, bot.is_some()).is_some() {
            return None;
        }
        let key = self.day_keys.get(&day_number(hit.ts))?;
        let visitor = visitor_key(key, &hit.ip, &hit.user_agent);
        self.sessionizer
            .would_look_up(&visitor)
            .then(|| (hex::encode(visitor), hit.ts - self.timeout))
    }

    /// Processes one log line. `lookup(visitor_key_hex, since)` finds a visitor's stored
    /// session with a last hit at or after `since`; it is called only for visitors whose
    /// session may have been set aside to the database, and its error ends the line.
    pub fn line<E: From<NoSessionIds>>(
        &mut self,
        file: &str,
        line_no: u64,
        line: &[u8],
        lookup: &mut SessionLookup<'_, E>,
    ) -> Result<LineOutcome, E> {
        self.summary.lines_read += 1;
        let hit = match parse_line(self.format, line) {
            Ok(hit) => hit,
            Err(err) => {
                self.skip("malformed");
                self.sample(file, line_no, err.reason(), line);
                return Ok(LineOutcome::Malformed);
            }
        };
        // The tenant's timestamps are data: the horizon follows the log, not the wall clock.
        let hit_ts = hit.ts;
        self.note_time(hit_ts);
        let bot = self.bot_of(&hit);
        if let Some(agent) = bot.filter(|agent| agent.purpose.is_some()) {
            let path = landing_path(&hit.target);
            let verification = self.crawler_ranges.verify(agent.name, &hit.ip);
            self.crawlers
                .record(agent, day_text(hit_ts), path, hit.status, verification);
        }
        if let Some(reason) = not_a_pageview(&hit, bot.is_some()) {
            self.skip(reason);
            return Ok(LineOutcome::Skipped);
        }
        if hit
            .referrer
            .as_deref()
            .is_some_and(|r| !referrer_host_is_text(r))
        {
            self.skip("malformed");
            let reason = ParseError::BadReferrerHost.reason();
            self.sample(file, line_no, reason, line);
            return Ok(LineOutcome::Malformed);
        }
        let day = day_number(hit.ts);
        let horizon = self.salt_horizon();
        let key = day_key_of(
            &mut self.day_keys,
            &mut self.new_salts,
            &mut self.late_days,
            (&self.site, horizon),
            day,
        );
        let visitor = visitor_key(key, &hit.ip, &hit.user_agent);
        if !self.late_days.is_empty() && self.late_days.contains(&day) {
            self.summary.late += 1;
        }
        let goals = self.goals.matches(&hit.target);
        let classifier = &self.classifier;
        let compiled = &self.goals;
        let started = self.sessionizer.pageview(
            visitor,
            hit.ts,
            &hit.target,
            goals,
            || session_start(classifier, &hit),
            |since| -> Result<Option<Session>, E> {
                let stored = lookup(&hex::encode(visitor), since)?;
                Ok(stored.and_then(|s| to_session(compiled, s)))
            },
        )?;
        self.summary.pageviews += 1;
        self.summary.sessions += u64::from(started);
        Ok(LineOutcome::Pageview)
    }
}

/// Finds a visitor's stored session: `(visitor_key_hex, since) -> session`, the one I/O the
/// per-line steps need (see [`Pipeline::line`]).
pub type SessionLookup<'a, E> = dyn FnMut(&str, i64) -> Result<Option<StoredSession>, E> + 'a;

/// The site's key of `day` (days since 1970), from its salt: stored, new (a fresh salt,
/// listed in `new_salts` to be stored with the next commit) or, for a day before `horizon`
/// whose salt is gone, one kept in memory only (and the day listed in `late_days`).
fn day_key_of<'a>(
    day_keys: &'a mut HashMap<i64, DayKey>,
    new_salts: &mut Vec<(String, String)>,
    late_days: &mut HashSet<i64>,
    (site, horizon): (&str, Option<i64>),
    day: i64,
) -> &'a DayKey {
    day_keys.entry(day).or_insert_with(|| {
        let fresh = rand::random::<[u8; 32]>();
        if horizon.is_some_and(|h| day < h) {
            late_days.insert(day);
        } else {
            new_salts.push((day_text(day * 86_400), hex::encode(fresh)));
        }
        day_key(&fresh, site)
    })
}

/// What became of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOutcome {
    Pageview,
    /// Parsed, but not a pageview (bot, asset, redirect, …).
    Skipped,
    Malformed,
}

fn decode_visitor(hex_key: &str) -> Option<VisitorKey> {
    hex::decode(hex_key).ok()?.try_into().ok()
}

/// A stored session as the sessionizer holds it (committed, so not dirty); None when its key
/// or counts are not what aivis writes.
fn to_session(goals: &CompiledGoals, stored: StoredSession) -> Option<Session> {
    let visitor = decode_visitor(&stored.visitor_key)?;
    let goal_bits = stored
        .goals
        .iter()
        .filter_map(|g| goals.names.iter().position(|n| n == g))
        .fold(0u64, |bits, i| bits | (1u64 << i));
    let pageviews = u32::try_from(stored.pageviews).ok()?;
    Some(Session {
        id: stored.id,
        visitor,
        started_at: stored.started_at,
        last_hit_at: stored.last_hit_at,
        pageviews,
        goals: goal_bits,
        start: stored.start,
        persisted: Some(Persisted {
            pageviews,
            goals: goal_bits,
            last_hit_at: stored.last_hit_at,
        }),
        pending: Vec::new(),
        dirty: false,
    })
}

/// Why a parsed hit is not a pageview, if it is not (`bot`: its user agent is a bot's).
fn not_a_pageview(hit: &Hit<'_>, bot: bool) -> Option<&'static str> {
    if bot {
        return Some("bot");
    }
    if is_asset(&hit.target) {
        return Some("asset");
    }
    let page_status = (200..300).contains(&hit.status) || hit.status == 304;
    let page_method = matches!(hit.method.as_ref(), "GET" | "POST");
    if !page_status || !page_method {
        return Some("non_page");
    }
    None
}

/// Classifies the first pageview of a session.
fn session_start(classifier: &Classifier, hit: &Hit<'_>) -> SessionStart {
    let c = classifier.classify(hit.referrer.as_deref(), &hit.target);
    SessionStart {
        channel: c.channel.as_str().to_string(),
        source: c.source,
        search_term: c.term,
        landing_path: landing_path(&hit.target),
        referrer_host: c.referrer_host,
        utm_source: c.utm.source,
        utm_medium: c.utm.medium,
        utm_campaign: c.utm.campaign,
        utm_term: c.utm.term,
        utm_content: c.utm.content,
    }
}

/// The path of a request target, without query or fragment, capped in length.
pub fn landing_path(target: &str) -> String {
    let without_scheme = match target.find("://") {
        Some(i) if !target[..i].contains('/') => {
            let rest = &target[i + 3..];
            rest.find('/').map_or("/", |p| &rest[p..])
        }
        _ => target,
    };
    let end = without_scheme
        .find(['?', '#'])
        .unwrap_or(without_scheme.len());
    let path = &without_scheme[..end];
    let path = if path.is_empty() { "/" } else { path };
    cap(path, MAX_PATH_BYTES).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn landing_path_drops_query_and_origin() {
        assert_eq!(landing_path("/a/b?utm_source=x#f"), "/a/b");
        assert_eq!(landing_path("https://www.acme.test/p?x"), "/p");
        assert_eq!(landing_path("https://www.acme.test"), "/");
        assert_eq!(landing_path(""), "/");
        assert_eq!(landing_path("/r?next=https://x.test/"), "/r");
    }
}
