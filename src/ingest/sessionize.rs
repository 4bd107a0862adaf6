//! Sessionizer: a pure state machine that groups a visitor's pageviews into sessions
//! (a new session after `timeout` seconds without a pageview), tracks goals reached, and
//! hands out what changed since the last commit as rows and rollup deltas for the store.
//!
//! Sessions still open at a commit stay in memory; after the commit they are marked as
//! persisted, so the next commit writes only their changes. Sessions left open at the end of
//! an ingest are persisted too and are resumed by the next ingest ([`Sessionizer::resume`]),
//! which is what makes a log split over two ingests count the same as one ingest.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use sha2::{Digest, Sha256};

use super::crawlers::{CrawlerCounts, CrawlerKey};
use crate::classify::cap;
use crate::config::CompiledGoals;
use crate::day::day_text;

/// Salted hash of (day salt, IP, user agent): the only visitor identity aivis keeps.
pub type VisitorKey = [u8; 16];

/// Computes the visitor key; the salt belongs to the UTC day of the hit.
pub fn visitor_key(salt: &[u8], ip: &str, user_agent: &str) -> VisitorKey {
    let mut hasher = Sha256::new();
    hasher.update(salt);
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
}

impl Session {
    fn has_changes(&self) -> bool {
        match self.persisted {
            None => true,
            Some(p) => {
                p.pageviews != self.pageviews
                    || p.goals != self.goals
                    || p.last_hit_at != self.last_hit_at
            }
        }
    }
}

/// Groups pageviews into sessions.
#[derive(Debug)]
pub struct Sessionizer {
    timeout: i64,
    next_id: i64,
    latest_ts: i64,
    /// Keyed by visitor key, itself a hash: Fx hashing is enough and much cheaper.
    open: FxHashMap<VisitorKey, Session>,
    finished: Vec<Session>,
}

/// Longest landing path or goal path kept (bytes); longer ones are cut at a char boundary.
pub const MAX_PATH_BYTES: usize = 2048;

impl Sessionizer {
    /// `timeout_secs`: inactivity that ends a session. `next_id`: first free session id.
    pub fn new(timeout_secs: i64, next_id: i64) -> Sessionizer {
        Sessionizer {
            timeout: timeout_secs,
            next_id,
            latest_ts: i64::MIN,
            open: FxHashMap::default(),
            finished: Vec::new(),
        }
    }

    /// Takes back sessions a previous ingest left open (already persisted).
    pub fn resume(&mut self, sessions: Vec<Session>) {
        for session in sessions {
            self.latest_ts = self.latest_ts.max(session.last_hit_at);
            self.next_id = self.next_id.max(session.id + 1);
            self.open.insert(session.visitor, session);
        }
    }

    /// Number of sessions held in memory (open, or finished and not yet committed).
    pub fn held(&self) -> usize {
        self.open.len() + self.finished.len()
    }

    /// Records a pageview at `ts`. `start` classifies the session if this pageview starts one.
    /// Returns true when a new session started.
    pub fn pageview(
        &mut self,
        visitor: VisitorKey,
        ts: i64,
        target: &str,
        goals_hit: u64,
        start: impl FnOnce() -> SessionStart,
    ) -> bool {
        self.latest_ts = self.latest_ts.max(ts);
        let continues = self
            .open
            .get(&visitor)
            .is_some_and(|s| ts - s.last_hit_at <= self.timeout);
        if !continues {
            let session = Session {
                id: self.next_id,
                visitor,
                started_at: ts,
                last_hit_at: ts,
                pageviews: 0,
                goals: 0,
                start: start(),
                persisted: None,
                pending: Vec::new(),
            };
            self.next_id += 1;
            if let Some(old) = self.open.insert(visitor, session) {
                self.finished.push(old);
            }
        }
        let Some(session) = self.open.get_mut(&visitor) else {
            return !continues;
        };
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
        !continues
    }

    /// Collects everything changed since the last call, marks it persisted, and forgets
    /// sessions that can no longer continue (idle for longer than the timeout).
    pub fn take_changes(&mut self, goals: &CompiledGoals) -> Changes {
        let mut changes = Changes::default();
        let macro_mask = goals.macro_mask();
        for session in self.finished.iter_mut().chain(self.open.values_mut()) {
            if session.has_changes() || !session.pending.is_empty() {
                changes.record(session, goals, macro_mask);
                session.persisted = Some(Persisted {
                    pageviews: session.pageviews,
                    goals: session.goals,
                    last_hit_at: session.last_hit_at,
                });
                session.pending.clear();
            }
        }
        self.finished.clear();
        let horizon = self.latest_ts.saturating_sub(self.timeout);
        self.open.retain(|_, s| s.last_hit_at >= horizon);
        changes
    }
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
    /// Day salts first used in this batch: (day, salt).
    pub new_salts: Vec<(String, Vec<u8>)>,
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
mod tests {
    use super::*;
    use crate::config::{GoalConfig, GoalKind};

    fn goals() -> CompiledGoals {
        CompiledGoals::new(&[
            GoalConfig {
                name: "purchase".into(),
                path: "^/done".into(),
                kind: GoalKind::Macro,
            },
            GoalConfig {
                name: "news".into(),
                path: "^/news".into(),
                kind: GoalKind::Micro,
            },
        ])
        .unwrap()
    }

    fn start(channel: &str) -> SessionStart {
        SessionStart {
            channel: channel.into(),
            source: "x".into(),
            landing_path: "/".into(),
            ..SessionStart::default()
        }
    }

    fn view(s: &mut Sessionizer, g: &CompiledGoals, who: u8, ts: i64, path: &str) -> bool {
        s.pageview([who; 16], ts, path, g.matches(path), || start("direct"))
    }

    #[test]
    fn inactivity_splits_sessions() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        assert!(view(&mut s, &g, 1, 0, "/"));
        assert!(!view(&mut s, &g, 1, 1800, "/a"));
        assert!(view(&mut s, &g, 1, 3601, "/b"));
        let changes = s.take_changes(&g);
        assert_eq!(changes.new_sessions.len(), 2);
        assert_eq!(changes.new_sessions[0].pageviews, 2);
        assert_eq!(changes.new_sessions[1].pageviews, 1);
        assert_eq!(changes.new_sessions[1].id, 2);
    }

    #[test]
    fn goals_count_once_per_session() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        view(&mut s, &g, 1, 0, "/done");
        view(&mut s, &g, 1, 10, "/done?again");
        view(&mut s, &g, 1, 20, "/news");
        let changes = s.take_changes(&g);
        assert_eq!(changes.conversions.len(), 2);
        assert!(changes.new_sessions[0].converted);
        let delta = changes.traffic.values().next().unwrap();
        assert_eq!(
            *delta,
            TrafficDelta {
                sessions: 1,
                pageviews: 3,
                conversions: 1
            }
        );
    }

    #[test]
    fn second_commit_writes_only_deltas() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        view(&mut s, &g, 1, 0, "/");
        let first = s.take_changes(&g);
        assert_eq!(first.new_sessions.len(), 1);
        view(&mut s, &g, 1, 60, "/done");
        let second = s.take_changes(&g);
        assert!(second.new_sessions.is_empty());
        assert_eq!(second.updates.len(), 1);
        assert_eq!(second.conversions.len(), 1);
        let delta = second.traffic.values().next().unwrap();
        assert_eq!(
            *delta,
            TrafficDelta {
                sessions: 0,
                pageviews: 1,
                conversions: 1
            }
        );
        let third = s.take_changes(&g);
        assert!(third.is_empty());
    }

    #[test]
    fn idle_sessions_are_forgotten_after_commit() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        view(&mut s, &g, 1, 0, "/");
        view(&mut s, &g, 2, 5000, "/");
        s.take_changes(&g);
        assert_eq!(s.held(), 1);
    }

    #[test]
    fn resumed_session_continues() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        view(&mut s, &g, 7, 100, "/");
        let changes = s.take_changes(&g);
        let row = &changes.new_sessions[0];
        let resumed = Session {
            id: row.id,
            visitor: [7; 16],
            started_at: row.started_at,
            last_hit_at: row.last_hit_at,
            pageviews: row.pageviews,
            goals: 0,
            start: row.start.clone(),
            persisted: Some(Persisted {
                pageviews: row.pageviews,
                goals: 0,
                last_hit_at: row.last_hit_at,
            }),
            pending: Vec::new(),
        };
        let mut next = Sessionizer::new(1800, 2);
        next.resume(vec![resumed]);
        assert!(!view(&mut next, &g, 7, 200, "/b"));
        let later = next.take_changes(&g);
        assert_eq!(later.updates.len(), 1);
        assert_eq!(later.updates[0].pageviews, 2);
    }

    #[test]
    fn out_of_order_hits_continue_the_session() {
        let g = goals();
        let mut s = Sessionizer::new(1800, 1);
        view(&mut s, &g, 1, 100, "/");
        assert!(!view(&mut s, &g, 1, 95, "/a"));
        let changes = s.take_changes(&g);
        assert_eq!(changes.new_sessions[0].last_hit_at, 100);
    }

    #[test]
    fn visitor_key_depends_on_salt_ip_and_agent() {
        let a = visitor_key(b"salt1", "1.2.3.4", "UA");
        assert_eq!(a, visitor_key(b"salt1", "1.2.3.4", "UA"));
        assert_ne!(a, visitor_key(b"salt2", "1.2.3.4", "UA"));
        assert_ne!(a, visitor_key(b"salt1", "1.2.3.5", "UA"));
        assert_ne!(a, visitor_key(b"salt1", "1.2.3.4", "UA2"));
        // The separator keeps ("1.2.3.4", "5UA") and ("1.2.3.45", "UA") apart.
        assert_ne!(
            visitor_key(b"s", "1.2.3.4", "5UA"),
            visitor_key(b"s", "1.2.3.45", "UA")
        );
    }
}
