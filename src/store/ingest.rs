//! What the ingest pipeline reads before it starts: day salts, checkpoints, the next free
//! session id, and sessions left open by an earlier ingest. Batches are written by
//! [`super::batch`].

use std::collections::HashMap;

use sqlx::Row;

use super::{Store, StoreError};
use crate::ingest::sessionize::SessionStart;

/// How far a file has been ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub site: String,
    pub file_id: String,
    pub path: String,
    pub byte_offset: i64,
    pub lines: i64,
}

/// A session read back from the database to be continued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: i64,
    pub visitor_key: String,
    pub started_at: i64,
    pub last_hit_at: i64,
    pub pageviews: i64,
    pub start: SessionStart,
    pub goals: Vec<String>,
}

impl Store {
    /// The stored secret salts, by UTC day (`YYYY-MM-DD`).
    pub async fn day_salts(&self) -> Result<HashMap<String, Vec<u8>>, StoreError> {
        let rows = sqlx::query("SELECT day, salt FROM day_salts")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let day: String = row.try_get("day")?;
                let salt: String = row.try_get("salt")?;
                let salt = hex::decode(&salt)
                    .map_err(|_| StoreError::Corrupt(format!("salt of {day} is not hex")))?;
                Ok((day, salt))
            })
            .collect()
    }

    /// Where ingest of a file stopped last time, if it was seen before.
    pub async fn checkpoint(
        &self,
        site: &str,
        file_id: &str,
    ) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT path, byte_offset, lines FROM ingest_checkpoints WHERE site = $1 AND file_id = $2",
        )
        .bind(site)
        .bind(file_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(Checkpoint {
                site: site.to_string(),
                file_id: file_id.to_string(),
                path: row.try_get("path")?,
                byte_offset: row.try_get("byte_offset")?,
                lines: row.try_get("lines")?,
            })
        })
        .transpose()
    }

    /// The first unused session id.
    pub async fn next_session_id(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM sessions")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("next")?)
    }

    /// The latest pageview time stored for a site.
    pub async fn latest_hit(&self, site: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT MAX(last_hit_at) AS latest FROM sessions WHERE site = $1")
            .bind(site)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("latest")?)
    }

    /// Sessions of a site whose last pageview is at or after `since` (they may continue).
    pub async fn recent_sessions(
        &self,
        site: &str,
        since: i64,
    ) -> Result<Vec<StoredSession>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, visitor_key, started_at, last_hit_at, pageviews, channel, source, \
             search_term, landing_path, referrer_host, utm_source, utm_medium, utm_campaign, \
             utm_term, utm_content FROM sessions WHERE site = $1 AND last_hit_at >= $2",
        )
        .bind(site)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let goal_rows = sqlx::query(
            "SELECT c.session_id, c.goal FROM conversions c JOIN sessions s ON s.id = c.session_id \
             WHERE s.site = $1 AND s.last_hit_at >= $2",
        )
        .bind(site)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut goals: HashMap<i64, Vec<String>> = HashMap::new();
        for row in goal_rows {
            goals
                .entry(row.try_get("session_id")?)
                .or_default()
                .push(row.try_get("goal")?);
        }
        rows.into_iter()
            .map(|row| {
                let id: i64 = row.try_get("id")?;
                Ok(StoredSession {
                    id,
                    visitor_key: row.try_get("visitor_key")?,
                    started_at: row.try_get("started_at")?,
                    last_hit_at: row.try_get("last_hit_at")?,
                    pageviews: row.try_get("pageviews")?,
                    start: SessionStart {
                        channel: row.try_get("channel")?,
                        source: row.try_get("source")?,
                        search_term: row.try_get("search_term")?,
                        landing_path: row.try_get("landing_path")?,
                        referrer_host: row.try_get("referrer_host")?,
                        utm_source: row.try_get("utm_source")?,
                        utm_medium: row.try_get("utm_medium")?,
                        utm_campaign: row.try_get("utm_campaign")?,
                        utm_term: row.try_get("utm_term")?,
                        utm_content: row.try_get("utm_content")?,
                    },
                    goals: goals.remove(&id).unwrap_or_default(),
                })
            })
            .collect()
    }
}
