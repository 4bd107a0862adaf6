//! Sessionizer: a pure state machine that groups a visitor's pageviews into sessions
//! (a new session after `timeout` seconds without a pageview), tracks goals reached, and
//! hands out what changed since the last commit as rows and rollup deltas for the store.
//!
//! Sessions still open at a commit stay in memory; after the commit they are marked as
//! persisted, so the next commit writes only their changes (a commit visits only the sessions
//! that changed). Sessions left open at the end of an ingest are persisted too and are resumed
//! by the next ingest ([`Sessionizer::resume`]), which is what makes a log split over two
//! ingests count the same as one ingest.
//!
//! Memory is bounded: when more sessions are held than the caller allows, the oldest ones
//! (already committed) are evicted ([`Sessionizer::evict_to`]) and their visitors remembered
//! in [`EvictedVisitors`]; when such a visitor returns, the caller's lookup finds the session
//! in the database again, so the totals stay exact.

use std::collections::HashMap;
use std::ops::Range;

use rustc_hash::FxHashMap;

use sha2::{Digest, Sha256};

use super::crawlers::{CrawlerCounts, CrawlerKey};
use super::evicted::EvictedVisitors;
use crate::classify::cap;
use crate::config::CompiledGoals;
use crate::day::day_text;

/// Salted hash of (day salt, IP, user agent): the only visitor identity aivis keeps.
pub type VisitorKey = [u8; 16];

/// The secret a site's visitor keys of one day are computed with: the day's salt bound to the
/// site, so one person visiting two sites has two unrelated keys. Computed once per day.
pub type DayKey = [u8; 32];

/// The day key of `site` from the day's salt.
pub fn day_key(salt: &[u8], site: &str) -> DayKey {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update([0u8]);
    hasher.update(site.as_bytes());
    hasher.finalize().into()
}

/// Computes the visitor key: a hash of the site's day key, the IP and the user agent.
pub fn visitor_key(day_key: &DayKey, ip: &str, user_agent: &str) -> VisitorKey {
    let mut hasher = Sha256::new();
    hasher.update(day_key);
    hasher.update(ip.as_bytes());
    hasher.update([0u8]);
    hasher.update(user_agent.as_bytes());
    let digest = hasher.finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

/// How a session began: its classification and landing page, fixed at its first pageview.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStart {
    pub channel: String,
    pub source: String,
    pub search_term: Option<String>,
    pub landing_path: String,
    pub referrer_host: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
}

/// What the database already holds for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Persisted {
    pub pageviews: u32,
    pub goals: u64,
    pub last_hit_at: i64,
}

/// A goal reached for the first time in a session, not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConversion {
    pub goal: usize,
    pub at: i64,
    pub path: String,
}

/// One session, open or just finished.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub visitor: VisitorKey,
    pub started_at: i64,
    pub last_hit_at: i64,
    pub pageviews: u32,
    /// Bit `i` set when goal `i` was reached.
    pub goals: u64,
    pub start: SessionStart,
    pub persisted: Option<Persisted>,
    pub pending: Vec<PendingConversion>,
    /// Changed since the last commit (a new session is dirty until its first commit).
    pub dirty: bool,
}

/// How the memory cap worked during an ingest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeldStats {
    /// Most sessions held in memory at once.
    pub peak_held: usize,
    /// Sessions set aside to the database to stay under the cap.
    pub evicted: u64,
    /// Database lookups for visitors that might have had an evicted session.
    pub lookups: u64,
    /// Evicted sessions found again and continued.
    pub reloaded: u64,
}

/// Session ids reserved from the database, handed out in order.
#[derive(Debug, Default)]
pub struct SessionIds {
    runs: std::collections::VecDeque<Range<i64>>,
    /// Ids left in `runs` (asked before every line, so kept rather than summed).
    left: u64,
}

impl SessionIds {
    pub fn add(&mut self, ids: Range<i64>) {
        if !ids.is_empty() {
            self.left += (ids.end - ids.start) as u64;
            self.runs.push_back(ids);
        }
    }

    /// Ids left.
    pub fn left(&self) -> u64 {
        self.left
    }

    fn take(&mut self) -> Option<i64> {
        let run = self.runs.front_mut()?;
        let id = run.next()?;
        if run.is_empty() {
            self.runs.pop_front();
        }
        self.left -= 1;
        Some(id)
    }
}

/// A pageview would start a session, and no reserved id is left (the caller reserves ids
/// before each pageview: see [`Sessionizer::ids_left`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no reserved session id is left")]
pub struct NoSessionIds;

/// Groups pageviews into sessions.
#[derive(Debug)]
pub struct Sessionizer {
    timeout: i64,
    ids: SessionIds,
    latest_ts: i64,
    /// Keyed by visitor key, itself a hash: Fx hashing is enough and much cheaper. Boxed, so
    /// the table's spare slots cost a pointer each rather than a whole session.
    open: FxHashMap<VisitorKey, Box<Session>>,
    /// Sessions replaced by a newer one of the same visitor, with changes not yet taken.
    finished: Vec<Session>,
    /// Visitors whose open session is dirty (each once).
    dirty: Vec<VisitorKey>,
    /// Visitors whose sessions were evicted while they could still continue.
    evicted: EvictedVisitors,
    stats: HeldStats,
}

/// Longest landing path or goal path kept (bytes); longer ones are cut at a char boundary.
pub const MAX_PATH_BYTES: usize = 2048;

impl Sessionizer {
    /// `timeout_secs`: inactivity that ends a session. `ids`: session ids reserved for it
    /// (more are added with [`Sessionizer::add_ids`]).
    pub fn new(timeout_secs: i64, ids: Range<i64>) -> Sessionizer {
        let mut reserved = SessionIds::default();
        reserved.add(ids);
        Sessionizer {
            timeout: timeout_secs,
            ids: reserved,
            latest_ts: i64::MIN,
            open: FxHashMap::default(),
            finished: Vec::new(),
            dirty: Vec::new(),
            evicted: EvictedVisitors::new(timeout_secs),
            stats: HeldStats::default(),
        }
    }

    /// Takes back sessions a previous ingest left open (already persisted).
    pub fn resume(&mut self, sessions: Vec<Session>) {
        for session in sessions {
            self.latest_ts = self.latest_ts.max(session.last_hit_at);
            self.open.insert(session.visitor, Box::new(session));
        }
        self.note_held();
    }

    /// Remembers a stored session that may continue but is not held in memory (a previous
    /// ingest left more open sessions than the cap): its visitor is looked up on return.
    pub fn remember_stored(&mut self, visitor: &VisitorKey, last_hit_at: i64) {
        self.latest_ts = self.latest_ts.max(last_hit_at);
        self.evicted.insert(visitor, last_hit_at);
    }

    /// Whether a pageview of `visitor` would look up a set-aside session.
    pub fn would_look_up(&self, visitor: &VisitorKey) -> bool {
        !self.evicted.is_empty()
            && !self.open.contains_key(visitor)
            && self.evicted.may_contain(visitor)
    }

    /// Whether any pageview may look up a set-aside session.
    pub fn may_look_up(&self) -> bool {
        !self.evicted.is_empty()
    }

    /// Reserved session ids left: at least one must be left before each pageview.
    pub fn ids_left(&self) -> u64 {
        self.ids.left()
    }

    /// Adds reserved session ids.
    pub fn add_ids(&mut self, ids: Range<i64>) {
        self.ids.add(ids);
    }

    /// Number of sessions held in memory (open, or finished and not yet committed).
    pub fn held(&self) -> usize {
        self.open.len() + self.finished.len()
    }

    /// How the memory cap worked so far.
    pub fn held_stats(&self) -> HeldStats {
        self.stats
    }

    fn note_held(&mut self) {
        self.stats.peak_held = self.stats.peak_held.max(self.held());
    }

    /// Records a pageview at `ts`. `start` classifies the session if this pageview starts one.
    /// `lookup(since)` is asked for the visitor's stored session with a last hit at or after
    /// `since` when the visitor may have had one evicted; its error is returned as is.
    /// Returns true when a new session started.
    pub fn pageview<E: From<NoSessionIds>>(
        &mut self,
        visitor: VisitorKey,
        ts: i64,
        target: &str,
        goals_hit: u64,
        start: impl FnOnce() -> SessionStart,
        lookup: impl FnOnce(i64) -> Result<Option<Session>, E>,
    ) -> Result<bool, E> {
        self.latest_ts = self.latest_ts.max(ts);
        if self.would_look_up(&visitor) {
            self.stats.lookups += 1;
            if let Some(stored) = lookup(ts.saturating_sub(self.timeout))? {
                self.stats.reloaded += 1;
                self.open.insert(visitor, Box::new(stored));
            }
        }
        let continues = self
            .open
            .get(&visitor)
            .is_some_and(|s| ts - s.last_hit_at <= self.timeout);
        if !continues {
            let id = self.ids.take().ok_or(NoSessionIds)?;
            let session = Box::new(Session {
                id,
                visitor,
                started_at: ts,
                last_hit_at: ts,
                pageviews: 0,
                goals: 0,
                start: start(),
                persisted: None,
                pending: Vec::new(),
                dirty: true,
            });
            match self.open.insert(visitor, session) {
                // The visitor is listed as dirty already, for the old session.
                Some(old) if old.dirty => self.finished.push(*old),
                _ => self.dirty.push(visitor),
            }
            self.note_held();
        }
        let Some(session) = self.open.get_mut(&visitor) else {
            return Ok(!continues);
        };
        if !session.dirty {
            session.dirty = true;
            self.dirty.push(visitor);
        }
        session.pageviews += 1;
        session.last_hit_at = session.last_hit_at.max(ts);
        let new_goals = goals_hit & !session.goals;
        if new_goals != 0 {
            session.goals |= new_goals;
            for goal in (0..64).filter(|i| new_goals & (1u64 << i) != 0) {
                session.pending.push(PendingConversion {
                    goal,
                    at: ts,
                    path: cap(target, MAX_PATH_BYTES).to_string(),
                });
            }
        }
        Ok(!continues)
    }

    /// Collects everything changed since the last call (visiting only what changed), marks it
    /// persisted, and forgets sessions that can no longer continue (idle for longer than the
    /// timeout; a scan of the held sessions, which the cap bounds).
    pub fn take_changes(&mut self, goals: &CompiledGoals) -> Changes {
        let mut changes = Changes::default();
        let macro_mask = goals.macro_mask();
        for session in self.finished.drain(..) {
            changes.record(&session, goals, macro_mask);
        }
        // When most held sessions changed, one pass over them beats a lookup per change.
        if self.dirty.len() * 2 >= self.open.len() {
            self.dirty.clear();
            for session in self.open.values_mut() {
                commit_session(&mut changes, session, goals, macro_mask);
            }
        } else {
            for visitor in self.dirty.drain(..) {
                if let Some(session) = self.open.get_mut(&visitor) {
                    commit_session(&mut changes, session, goals, macro_mask);
                }
            }
        }
        let horizon = self.latest_ts.saturating_sub(self.timeout);
        self.open.retain(|_, s| s.last_hit_at >= horizon);
        self.evicted.forget_before(horizon);
        changes
    }

    /// Evicts the sessions idle longest until at most `target` are held. Only sessions whose
    /// state is committed may go: call it after [`Sessionizer::take_changes`], once that
    /// batch is in the database. Returns the number evicted.
    pub fn evict_to(&mut self, target: usize) -> usize {
        let excess = self.held().saturating_sub(target);
        if excess == 0 {
            return 0;
        }
        let mut idle: Vec<(i64, VisitorKey)> = self
            .open
            .values()
            .filter(|s| !s.dirty)
            .map(|s| (s.last_hit_at, s.visitor))
            .collect();
        let count = excess.min(idle.len());
        if count == 0 {
            return 0;
        }
        if count < idle.len() {
            idle.select_nth_unstable(count - 1);
        }
        for (last_hit_at, visitor) in &idle[..count] {
            self.open.remove(visitor);
            self.evicted.insert(visitor, *last_hit_at);
        }
        // Give the table's spare room back: it grew with the flood that made us evict.
        self.open.shrink_to(target.saturating_mul(2));
        self.stats.evicted += count as u64;
        count
    }

    /// Memory the evicted-visitor filters take, in bytes.
    pub fn evicted_filter_bytes(&self) -> usize {
        self.evicted.bytes()
    }
}

/// Records a dirty session's changes and marks it persisted; a clean one is left alone.
fn commit_session(
    changes: &mut Changes,
    session: &mut Session,
    goals: &CompiledGoals,
    macro_mask: u64,
) {
    if !session.dirty {
        return;
    }
    changes.record(session, goals, macro_mask);
    session.persisted = Some(Persisted {
        pageviews: session.pageviews,
        goals: session.goals,
        last_hit_at: session.last_hit_at,
    });
    session.pending.clear();
    session.dirty = false;
}

/// A session row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub id: i64,
    pub visitor_key: String,
    pub started_at: i64,
    pub last_hit_at: i64,
    pub day: String,
    pub start: SessionStart,
    pub pageviews: u32,
    pub converted: bool,
}

/// Later activity of a session already in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionUpdate {
    pub id: i64,
    pub last_hit_at: i64,
    pub pageviews: u32,
    pub converted: bool,
}

/// A conversion row to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConversion {
    pub session_id: i64,
    pub goal: String,
    pub kind: &'static str,
    pub converted_at: i64,
    pub day: String,
    pub path: String,
}

/// Key of the daily traffic rollup.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrafficKey {
    pub day: String,
    pub channel: String,
    pub source: String,
}

/// Increments for one daily traffic rollup row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrafficDelta {
    pub sessions: i64,
    pub pageviews: i64,
    pub conversions: i64,
}

/// Everything one commit writes, besides the checkpoint.
#[derive(Debug, Default)]
pub struct Changes {
    pub new_sessions: Vec<NewSession>,
    pub updates: Vec<SessionUpdate>,
    pub conversions: Vec<NewConversion>,
    pub traffic: HashMap<TrafficKey, TrafficDelta>,
    pub goals: HashMap<(TrafficKey, String), i64>,
    /// Day salts first used in this batch: (day, salt as hex).
    pub new_salts: Vec<(String, String)>,
    /// Delete the site's salts of days before this one (`YYYY-MM-DD`): they can no longer
    /// receive sessions.
    pub forget_salts_before: Option<String>,
    /// AI crawler requests counted in this batch, in key order.
    pub crawlers: Vec<(CrawlerKey, CrawlerCounts)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.new_sessions.is_empty()
            && self.updates.is_empty()
            && self.conversions.is_empty()
            && self.new_salts.is_empty()
            && self.crawlers.is_empty()
    }

    fn record(&mut self, session: &Session, goals: &CompiledGoals, macro_mask: u64) {
        let day = day_text(session.started_at);
        let converted = session.goals & macro_mask != 0;
        let key = TrafficKey {
            day: day.clone(),
            channel: session.start.channel.clone(),
            source: session.start.source.clone(),
        };
        let delta = self.traffic.entry(key.clone()).or_default();
        match session.persisted {
            None => {
                delta.sessions += 1;
                delta.pageviews += i64::from(session.pageviews);
                delta.conversions += i64::from(converted);
                self.new_sessions.push(NewSession {
                    id: session.id,
                    visitor_key: hex::encode(session.visitor),
                    started_at: session.started_at,
                    last_hit_at: session.last_hit_at,
                    day: day.clone(),
                    start: session.start.clone(),
                    pageviews: session.pageviews,
                    converted,
                });
            }
            Some(before) => {
                delta.pageviews += i64::from(session.pageviews) - i64::from(before.pageviews);
                let was_converted = before.goals & macro_mask != 0;
                delta.conversions += i64::from(converted) - i64::from(was_converted);
                self.updates.push(SessionUpdate {
                    id: session.id,
                    last_hit_at: session.last_hit_at,
                    pageviews: session.pageviews,
                    converted,
                });
            }
        }
        for pending in &session.pending {
            let (Some(name), Some(kind)) =
                (goals.names.get(pending.goal), goals.kinds.get(pending.goal))
            else {
                continue;
            };
            *self.goals.entry((key.clone(), name.clone())).or_default() += 1;
            self.conversions.push(NewConversion {
                session_id: session.id,
                goal: name.clone(),
                kind: kind.as_str(),
                converted_at: pending.at,
                day: day.clone(),
                path: pending.path.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests;
