//! Sessionizer tests: splitting, goals, commits of what changed, resuming, eviction and
//! finding set-aside sessions again, visitor keys.

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
    let no_lookup = |_| -> Result<Option<Session>, NoSessionIds> { panic!("nothing was evicted") };
    s.pageview(
        [who; 16],
        ts,
        path,
        g.matches(path),
        || start("direct"),
        no_lookup,
    )
    .unwrap()
}

#[test]
fn inactivity_splits_sessions() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
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
    let mut s = Sessionizer::new(1800, 1..1_000_000);
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
    let mut s = Sessionizer::new(1800, 1..1_000_000);
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
    let mut s = Sessionizer::new(1800, 1..1_000_000);
    view(&mut s, &g, 1, 0, "/");
    view(&mut s, &g, 2, 5000, "/");
    s.take_changes(&g);
    assert_eq!(s.held(), 1);
}

#[test]
fn resumed_session_continues() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
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
        dirty: false,
    };
    let mut next = Sessionizer::new(1800, 2..1_000_000);
    next.resume(vec![resumed]);
    assert!(!view(&mut next, &g, 7, 200, "/b"));
    let later = next.take_changes(&g);
    assert_eq!(later.updates.len(), 1);
    assert_eq!(later.updates[0].pageviews, 2);
}

#[test]
fn out_of_order_hits_continue_the_session() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
    view(&mut s, &g, 1, 100, "/");
    assert!(!view(&mut s, &g, 1, 95, "/a"));
    let changes = s.take_changes(&g);
    assert_eq!(changes.new_sessions[0].last_hit_at, 100);
}

#[test]
fn visitor_key_depends_on_salt_site_ip_and_agent() {
    let key =
        |salt: &[u8], site: &str, ip: &str, ua: &str| visitor_key(&day_key(salt, site), ip, ua);
    let a = key(b"salt1", "acme", "1.2.3.4", "UA");
    assert_eq!(a, key(b"salt1", "acme", "1.2.3.4", "UA"));
    assert_ne!(a, key(b"salt2", "acme", "1.2.3.4", "UA"));
    assert_ne!(a, key(b"salt1", "globex", "1.2.3.4", "UA"));
    assert_ne!(a, key(b"salt1", "acme", "1.2.3.5", "UA"));
    assert_ne!(a, key(b"salt1", "acme", "1.2.3.4", "UA2"));
    // The separators keep ("1.2.3.4", "5UA") and ("1.2.3.45", "UA") apart, and the salt
    // from the site.
    assert_ne!(
        key(b"s", "a", "1.2.3.4", "5UA"),
        key(b"s", "a", "1.2.3.45", "UA")
    );
    assert_ne!(day_key(b"s1", "a"), day_key(b"s", "1a"));
}

#[test]
fn a_commit_visits_only_changed_sessions() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
    for who in 0..100 {
        view(&mut s, &g, who, 10, "/");
    }
    assert_eq!(s.take_changes(&g).new_sessions.len(), 100);
    view(&mut s, &g, 7, 20, "/a");
    assert_eq!(s.dirty.len(), 1);
    let changes = s.take_changes(&g);
    assert!(changes.new_sessions.is_empty());
    assert_eq!(changes.updates.len(), 1);
    assert_eq!(changes.updates[0].pageviews, 2);
    // A visitor whose session is replaced twice between commits: all three written.
    view(&mut s, &g, 9, 3_000, "/");
    view(&mut s, &g, 9, 6_000, "/");
    let changes = s.take_changes(&g);
    assert_eq!(
        changes.updates.len(),
        0,
        "session 9 had no change since its commit"
    );
    assert_eq!(changes.new_sessions.len(), 2);
}

/// A stored copy of every committed session, as the database would hold it.
type Stored = std::collections::HashMap<VisitorKey, Session>;

fn commit(s: &mut Sessionizer, g: &CompiledGoals, db: &mut Stored, all: &mut Vec<i64>) {
    let changes = s.take_changes(g);
    for new in &changes.new_sessions {
        all.push(new.id);
    }
    // Keep the latest state of every open session as "stored".
    for session in s.open.values() {
        db.insert(session.visitor, Session::clone(session));
    }
}

#[test]
fn evicted_sessions_are_found_again_and_counted_once() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
    let mut db = Stored::new();
    let mut ids = Vec::new();
    // 1,000 visitors, each seen twice 10 minutes apart, with at most 100 held.
    for round in 0..2 {
        for who in 0..1_000u32 {
            let ts = i64::from(who) + round * 600;
            let mut key = [0u8; 16];
            key[..4].copy_from_slice(&who.to_le_bytes());
            key[4..8].copy_from_slice(&(who * 7919).to_le_bytes());
            let lookup = |since: i64| -> Result<Option<Session>, NoSessionIds> {
                Ok(db.get(&key).filter(|x| x.last_hit_at >= since).cloned())
            };
            s.pageview(key, ts, "/", 0, || start("direct"), lookup)
                .unwrap();
            if s.held() > 100 {
                commit(&mut s, &g, &mut db, &mut ids);
                s.evict_to(50);
            }
        }
    }
    commit(&mut s, &g, &mut db, &mut ids);
    assert_eq!(ids.len(), 1_000, "one session per visitor");
    let stats = s.held_stats();
    assert!(stats.peak_held <= 101, "{stats:?}");
    assert!(stats.evicted > 900 && stats.reloaded > 900, "{stats:?}");
    assert!(
        db.values().all(|x| x.pageviews == 2),
        "every session has both views"
    );
}

#[test]
fn dirty_sessions_are_never_evicted() {
    let g = goals();
    let mut s = Sessionizer::new(1800, 1..1_000_000);
    view(&mut s, &g, 1, 0, "/");
    view(&mut s, &g, 2, 1, "/");
    assert_eq!(s.evict_to(0), 0, "nothing is committed yet");
    s.take_changes(&g);
    view(&mut s, &g, 2, 2, "/b");
    assert_eq!(s.evict_to(0), 1);
    assert_eq!(s.held(), 1);
    assert!(s.open.contains_key(&[2; 16]));
}
