//! The per-line steps of ingest, free of I/O: parse, drop what is not a pageview (counting why),
//! compute the visitor key, classify new sessions, match goals, and keep the summary counts.
//! Day salts known to the database are handed in at the start; a day seen for the first time
//! gets a fresh random salt here, which is written in the same transaction as the first
//! sessions keyed with it (so the reader never waits on the database for a salt).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::crawlers::CrawlerTally;
use super::parse::{Hit, LogFormat, parse_line};
use super::sessionize::{
    Changes, MAX_PATH_BYTES, Persisted, Session, SessionStart, Sessionizer, visitor_key,
};
use crate::classify::{BotCache, Classifier, cap, is_asset};
use crate::config::{CompiledGoals, SiteConfig};
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
    pub seconds: f64,
    pub lines_per_second: f64,
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
    pub note: Option<String>,
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
    salts: HashMap<i64, Vec<u8>>,
    /// Salts created since the last commit: (day, salt).
    new_salts: Vec<(String, Vec<u8>)>,
    bots: BotCache,
    crawlers: CrawlerTally,
    pub summary: IngestSummary,
}

impl Pipeline {
    /// `next_id`: first free session id; `timeout` from the site's config.
    /// `salts`: the stored day salts, by `YYYY-MM-DD`. The error names the config key at
    /// fault (a goal regex or source rule; validated configs have none).
    pub fn new(
        site: &SiteConfig,
        next_id: i64,
        salts: HashMap<String, Vec<u8>>,
    ) -> Result<Pipeline, String> {
        let timeout = i64::from(site.session_timeout_minutes) * 60;
        Ok(Pipeline {
            site: site.name.clone(),
            format: LogFormat::Combined,
            classifier: site
                .classifier()
                .map_err(|(key, message)| format!("{key}: {message}"))?,
            goals: CompiledGoals::new(&site.goals).map_err(|err| format!("goals: {err}"))?,
            sessionizer: Sessionizer::new(timeout, next_id),
            salts: salts
                .into_iter()
                .filter_map(|(day, salt)| Some((parse_day(&day)? / 86_400, salt)))
                .collect(),
            new_salts: Vec::new(),
            bots: BotCache::default(),
            crawlers: CrawlerTally::default(),
            summary: IngestSummary {
                site: site.name.clone(),
                ..IngestSummary::default()
            },
        })
    }

    pub fn set_format(&mut self, format: LogFormat) {
        self.format = format;
    }

    /// Continues sessions an earlier ingest left open. Bad stored keys are skipped.
    pub fn resume(&mut self, stored: Vec<StoredSession>) {
        let sessions = stored
            .into_iter()
            .filter_map(|s| self.to_session(s))
            .collect();
        self.sessionizer.resume(sessions);
    }

    fn to_session(&self, stored: StoredSession) -> Option<Session> {
        let bytes = hex::decode(&stored.visitor_key).ok()?;
        let visitor: [u8; 16] = bytes.try_into().ok()?;
        let goals = stored
            .goals
            .iter()
            .filter_map(|g| self.goals.names.iter().position(|n| n == g))
            .fold(0u64, |bits, i| bits | (1u64 << i));
        let pageviews = u32::try_from(stored.pageviews).ok()?;
        Some(Session {
            id: stored.id,
            visitor,
            started_at: stored.started_at,
            last_hit_at: stored.last_hit_at,
            pageviews,
            goals,
            start: stored.start,
            persisted: Some(Persisted {
                pageviews,
                goals,
                last_hit_at: stored.last_hit_at,
            }),
            pending: Vec::new(),
        })
    }

    /// Sessions and finished-but-unwritten sessions held in memory.
    pub fn held_sessions(&self) -> usize {
        self.sessionizer.held()
    }

    /// Everything to write since the last call.
    pub fn take_changes(&mut self) -> Changes {
        let mut changes = self.sessionizer.take_changes(&self.goals);
        changes.new_salts = std::mem::take(&mut self.new_salts);
        changes.crawlers = self.crawlers.take();
        self.summary.conversions += changes.conversions.len() as u64;
        changes
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

    /// Processes one log line.
    pub fn line(&mut self, file: &str, line_no: u64, line: &[u8]) {
        self.summary.lines_read += 1;
        let hit = match parse_line(self.format, line) {
            Ok(hit) => hit,
            Err(err) => {
                self.skip("malformed");
                self.sample(file, line_no, err.reason(), line);
                return;
            }
        };
        let bot = if self.format.has_user_agent() {
            self.bots.bot(&hit.user_agent)
        } else {
            None
        };
        if let Some(agent) = bot.filter(|agent| agent.purpose.is_some()) {
            let path = landing_path(&hit.target);
            self.crawlers
                .record(agent, day_text(hit.ts), path, hit.status);
        }
        if let Some(reason) = not_a_pageview(&hit, bot.is_some()) {
            self.skip(reason);
            return;
        }
        let day = day_number(hit.ts);
        let salt = match self.salts.entry(day) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                let fresh = rand::random::<[u8; 32]>().to_vec();
                self.new_salts.push((day_text(hit.ts), fresh.clone()));
                entry.insert(fresh)
            }
        };
        let visitor = visitor_key(salt, &hit.ip, &hit.user_agent);
        let goals = self.goals.matches(&hit.target);
        let classifier = &self.classifier;
        let started = self
            .sessionizer
            .pageview(visitor, hit.ts, &hit.target, goals, || {
                session_start(classifier, &hit)
            });
        self.summary.pageviews += 1;
        self.summary.sessions += u64::from(started);
    }
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
