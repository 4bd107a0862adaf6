//! AI crawler and agent requests, counted per day, agent and path for the `daily_crawlers`
//! rollup (pure). Every request an AI crawler or agent makes is counted, pages or not
//! (`/robots.txt`, a 404, an image), with its status class: which pages AI reads, which it
//! is refused, and which `user_fetch` reads happen on behalf of someone right now.

use std::collections::HashMap;

use crate::classify::{AiPurpose, BotAgent};

/// One rollup row's key (the site is the batch's).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CrawlerKey {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The agent's name as the lists write it (`GPTBot`, `ChatGPT-User`).
    pub agent: &'static str,
    /// The request path without query or fragment.
    pub path: String,
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
    /// counted) for `path` on `day` with response `status`.
    pub fn record(&mut self, agent: BotAgent, day: String, path: String, status: u16) {
        let Some(purpose) = agent.purpose else {
            return;
        };
        let key = CrawlerKey {
            day,
            agent: agent.name,
            path,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::bot;

    #[test]
    fn ai_requests_are_counted_by_day_agent_path_and_status_class() {
        let gptbot =
            bot("Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)").unwrap();
        let user =
            bot("Mozilla/5.0; compatible; ChatGPT-User/1.0; +https://openai.com/bot").unwrap();
        let mut tally = CrawlerTally::default();
        for status in [200, 304, 404, 503, 200, 101] {
            tally.record(gptbot, "2026-11-02".into(), "/pricing".into(), status);
        }
        tally.record(user, "2026-11-02".into(), "/pricing".into(), 200);
        tally.record(gptbot, "2026-11-03".into(), "/pricing".into(), 200);
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
        tally.record(ahrefs, "2026-11-02".into(), "/".into(), 200);
        assert!(tally.take().is_empty());
    }
}
