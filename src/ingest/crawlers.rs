//! AI crawler and agent requests, counted per day, agent and path for the `daily_crawlers`
//! rollup (pure). Every request an AI crawler or agent makes is counted, pages or not
//! (`/robots.txt`, a 404, an image), with its status class: which pages AI reads, which it
//! is refused, and which `user_fetch` reads happen on behalf of someone right now.
//!
//! Each request is counted with its [`Verification`]: whether its client address is in the
//! published ranges of the agent its user agent names (`crate::crawler_ranges`), so requests
//! that only claim to be `GPTBot` are counted apart from GPTBot's own.
//!
//! Paths come from whoever sends the request, so the rollup could grow with every random path
//! anyone asks for with `GPTBot` in their user agent: [`PathBudget`] keeps at most
//! [`MAX_PATHS_PER_AGENT_DAY`] distinct paths per site, day and agent, and counts the rest
//! under the path [`OTHER_PATH`].

use std::collections::{HashMap, HashSet};

use crate::classify::{AiPurpose, BotAgent};
use crate::crawler_ranges::Verification;

/// One rollup row's key (the site is the batch's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrawlerKey {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The agent's name as the lists write it (`GPTBot`, `ChatGPT-User`).
    pub agent: &'static str,
    /// The request path without query or fragment.
    pub path: String,
    /// Whether the request came from the agent's published ranges.
    pub verification: Verification,
}

/// The counts of one rollup row, with the agent's operator and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrawlerCounts {
    pub operator: Option<&'static str>,
    pub purpose: AiPurpose,
    pub hits: i64,
    pub status_2xx: i64,
    pub status_3xx: i64,
    pub status_4xx: i64,
    pub status_5xx: i64,
}

/// AI crawler requests since the last commit.
#[derive(Debug, Default)]
pub struct CrawlerTally {
    rows: HashMap<CrawlerKey, CrawlerCounts>,
}

impl CrawlerTally {
    /// Counts one request of `agent` (an AI agent: its purpose is set, else nothing is
    /// counted) for `path` on `day` with response `status` and its `verification`.
    pub fn record(
        &mut self,
        agent: BotAgent,
        day: String,
        path: String,
        status: u16,
        verification: Verification,
    ) {
        let Some(purpose) = agent.purpose else {
            return;
        };
        let key = CrawlerKey {
            day,
            agent: agent.name,
            path,
            verification,
        };
        let counts = self.rows.entry(key).or_insert(CrawlerCounts {
            operator: agent.operator,
            purpose,
            hits: 0,
            status_2xx: 0,
            status_3xx: 0,
            status_4xx: 0,
            status_5xx: 0,
        });
        counts.hits += 1;
        match status {
            200..=299 => counts.status_2xx += 1,
            300..=399 => counts.status_3xx += 1,
            400..=499 => counts.status_4xx += 1,
            500..=599 => counts.status_5xx += 1,
            _ => {}
        }
    }

    /// The rows counted since the last call, in key order (a stable lock order for
    /// concurrent writers).
    pub fn take(&mut self) -> Vec<(CrawlerKey, CrawlerCounts)> {
        let mut rows: Vec<_> = self.rows.drain().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows
    }
}

/// Most distinct paths kept per site, day and agent in the AI crawler rollup.
pub const MAX_PATHS_PER_AGENT_DAY: usize = 1000;
/// The path under which requests beyond [`MAX_PATHS_PER_AGENT_DAY`] are counted.
pub const OTHER_PATH: &str = "(other)";

/// The distinct paths already kept per (day, agent), loaded from the database the first time
/// a (day, agent) appears and kept up to date as batches are folded.
#[derive(Debug)]
pub struct PathBudget {
    cap: usize,
    known: HashMap<(String, &'static str), HashSet<String>>,
}

impl Default for PathBudget {
    fn default() -> Self {
        PathBudget::with_cap(MAX_PATHS_PER_AGENT_DAY)
    }
}

impl PathBudget {
    pub fn with_cap(cap: usize) -> PathBudget {
        PathBudget {
            cap,
            known: HashMap::new(),
        }
    }

    /// The (day, agent) pairs of `rows` whose stored paths are not loaded yet.
    pub fn unloaded(&self, rows: &[(CrawlerKey, CrawlerCounts)]) -> Vec<(String, &'static str)> {
        let mut missing: Vec<(String, &'static str)> = rows
            .iter()
            .map(|(key, _)| (key.day.clone(), key.agent))
            .filter(|pair| !self.known.contains_key(pair))
            .collect();
        missing.dedup();
        missing
    }

    /// Records the paths stored for (day, agent).
    pub fn load(&mut self, day: String, agent: &'static str, stored: Vec<String>) {
        let paths = stored.into_iter().filter(|p| p != OTHER_PATH).collect();
        self.known.insert((day, agent), paths);
    }

    /// Keeps rows whose path is known or fits the budget, and adds the others' counts to one
    /// `(other)` row per (day, agent). Returns the rows, in key order, and the number of
    /// requests moved to `(other)`. Pairs not loaded count as having no stored path.
    pub fn fold(
        &mut self,
        rows: Vec<(CrawlerKey, CrawlerCounts)>,
    ) -> (Vec<(CrawlerKey, CrawlerCounts)>, u64) {
        let mut kept: HashMap<CrawlerKey, CrawlerCounts> = HashMap::with_capacity(rows.len());
        let mut folded = 0;
        for (key, counts) in rows {
            let paths = self.known.entry((key.day.clone(), key.agent)).or_default();
            let fits = key.path == OTHER_PATH
                || paths.contains(&key.path)
                || (paths.len() < self.cap && paths.insert(key.path.clone()));
            let key = if fits {
                key
            } else {
                folded += counts.hits as u64;
                CrawlerKey {
                    path: OTHER_PATH.to_string(),
                    ..key
                }
            };
            match kept.get_mut(&key) {
                Some(sum) => sum.add(&counts),
                None => {
                    kept.insert(key, counts);
                }
            }
        }
        let mut rows: Vec<_> = kept.into_iter().collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        (rows, folded)
    }

    /// Forgets the paths of days before `day` (`YYYY-MM-DD`); they are loaded again if a
    /// late request for such a day comes.
    pub fn forget_before(&mut self, day: &str) {
        self.known.retain(|(d, _), _| d.as_str() >= day);
    }
}

impl CrawlerCounts {
    fn add(&mut self, other: &CrawlerCounts) {
        self.hits += other.hits;
        self.status_2xx += other.status_2xx;
        self.status_3xx += other.status_3xx;
        self.status_4xx += other.status_4xx;
        self.status_5xx += other.status_5xx;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::bot;

    const V: Verification = Verification::Verified;

    #[test]
    fn ai_requests_are_counted_by_day_agent_path_and_status_class() {
        let gptbot =
            bot("Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)").unwrap();
        let user =
            bot("Mozilla/5.0; compatible; ChatGPT-User/1.0; +https://openai.com/bot").unwrap();
        let mut tally = CrawlerTally::default();
        for status in [200, 304, 404, 503, 200, 101] {
            tally.record(gptbot, "2026-11-02".into(), "/pricing".into(), status, V);
        }
        tally.record(user, "2026-11-02".into(), "/pricing".into(), 200, V);
        tally.record(gptbot, "2026-11-03".into(), "/pricing".into(), 200, V);
        let rows = tally.take();
        assert_eq!(rows.len(), 3);
        let (key, counts) = &rows[1];
        assert_eq!((key.day.as_str(), key.agent), ("2026-11-02", "GPTBot"));
        assert_eq!(counts.purpose, AiPurpose::Training);
        assert_eq!(counts.operator, Some("OpenAI"));
        assert_eq!(
            (
                counts.hits,
                counts.status_2xx,
                counts.status_3xx,
                counts.status_4xx,
                counts.status_5xx
            ),
            (6, 2, 1, 1, 1)
        );
        assert_eq!(rows[0].0.agent, "ChatGPT-User");
        assert_eq!(rows[0].1.purpose, AiPurpose::UserFetch);
        assert!(tally.take().is_empty(), "take empties the tally");
    }

    #[test]
    fn other_bots_are_not_counted() {
        let ahrefs =
            bot("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)").unwrap();
        let mut tally = CrawlerTally::default();
        tally.record(ahrefs, "2026-11-02".into(), "/".into(), 200, V);
        assert!(tally.take().is_empty());
    }

    #[test]
    fn spoofed_requests_are_counted_apart_and_share_the_path_budget() {
        let gptbot = bot("GPTBot/1.2").unwrap();
        let mut tally = CrawlerTally::default();
        let day = || "2026-11-02".to_string();
        tally.record(gptbot, day(), "/a".into(), 200, Verification::Verified);
        tally.record(gptbot, day(), "/a".into(), 403, Verification::Spoofed);
        tally.record(gptbot, day(), "/a".into(), 200, Verification::Spoofed);
        tally.record(gptbot, day(), "/b".into(), 200, Verification::Spoofed);
        let mut budget = PathBudget::with_cap(1);
        let (rows, folded) = budget.fold(tally.take());
        let listed: Vec<(&str, Verification, i64, i64)> = rows
            .iter()
            .map(|(k, c)| (k.path.as_str(), k.verification, c.hits, c.status_4xx))
            .collect();
        // One path per day and agent whatever the verdict: /b goes to (other), still spoofed.
        assert_eq!(
            listed,
            [
                ("(other)", Verification::Spoofed, 1, 0),
                ("/a", Verification::Verified, 1, 0),
                ("/a", Verification::Spoofed, 2, 1),
            ]
        );
        assert_eq!(folded, 1);
    }

    #[test]
    fn paths_beyond_the_budget_are_counted_under_other() {
        let gptbot = bot("GPTBot/1.2").unwrap();
        let user = bot("ChatGPT-User/1.0").unwrap();
        let mut budget = PathBudget::with_cap(3);
        budget.load(
            "2026-11-02".into(),
            "GPTBot",
            vec!["/a".into(), OTHER_PATH.into()],
        );
        let mut tally = CrawlerTally::default();
        for path in ["/a", "/b", "/c", "/d", "/e", "/a", "/d"] {
            tally.record(gptbot, "2026-11-02".into(), path.into(), 200, V);
        }
        tally.record(user, "2026-11-02".into(), "/z".into(), 404, V);
        let (rows, folded) = budget.fold(tally.take());
        let listed: Vec<(&str, &str, i64)> = rows
            .iter()
            .map(|(k, c)| (k.agent, k.path.as_str(), c.hits))
            .collect();
        // /a was stored; /b and /c fill the budget of 3; /d (twice) and /e go to (other).
        assert_eq!(
            listed,
            [
                ("ChatGPT-User", "/z", 1),
                ("GPTBot", "(other)", 3),
                ("GPTBot", "/a", 2),
                ("GPTBot", "/b", 1),
                ("GPTBot", "/c", 1),
            ]
        );
        assert_eq!(folded, 3);
        // The next batch: a known path stays, a new one folds.
        tally.record(gptbot, "2026-11-02".into(), "/c".into(), 200, V);
        tally.record(gptbot, "2026-11-02".into(), "/f".into(), 500, V);
        let (rows, folded) = budget.fold(tally.take());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0.path, OTHER_PATH);
        assert_eq!(rows[0].1.status_5xx, 1);
        assert_eq!(folded, 1);
        assert!(budget.unloaded(&rows).is_empty());
        budget.forget_before("2026-11-03");
        assert_eq!(budget.unloaded(&rows).len(), 1);
    }
}
