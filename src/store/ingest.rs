//! What the ingest pipeline reads: day salts, checkpoints, the next free session id, sessions
//! left open by an earlier ingest (and, one at a time, sessions set aside to keep memory
//! bounded), the AI crawler paths already stored; and `aivis forget`. Batches are written by
//! [`super::batch`].

use std::collections::HashMap;

use sqlx::Row;

use super::{Backend, Store, StoreError};
use crate::ingest::sessionize::SessionStart;

/// How far a file has been ingested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub site: String,
    /// Hash of the file's first `head_len` bytes.
    pub file_id: String,
    /// Bytes the fingerprint covers (up to 4096); 0 for a checkpoint written before aivis
    /// recorded it: its fingerprint covers the first line.
    pub head_len: i64,
    /// The file's device and inode, where the system has them and the file is a plain file.
    pub device: Option<i64>,
    pub inode: Option<i64>,
    pub path: String,
    pub byte_offset: i64,
    pub lines: i64,
    /// The fingerprint this checkpoint was stored under before the file grew (its row is
    /// replaced in the same transaction).
    pub replaces: Option<String>,
}

/// What `aivis forget` deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Forgotten {
    pub sessions: u64,
    pub conversions: u64,
    pub salts: u64,
}

/// The columns of a session row as [`session_from_row`] reads them.
const SESSION_COLUMNS: &str = "id, visitor_key, started_at, last_hit_at, pageviews, channel, \
     source, search_term, landing_path, referrer_host, utm_source, utm_medium, utm_campaign, \
     utm_term, utm_content";

/// Keys read per round trip when listing set-aside sessions.
const KEY_PAGE: i64 = 10_000;

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

/// Moves the sessions table's AUTOINCREMENT counter forward by `$1`; returns the last id
/// reserved. SQLite never hands out an id at or below the counter.
const RESERVE_SQLITE_IDS: &str =
    "UPDATE sqlite_sequence SET seq = seq + $1 WHERE name = 'sessions' RETURNING seq";

/// Reserves at least `$1` session ids as blocks of the sessions identity sequence: each
/// `nextval` hands out the `size` ids from `first` on, `size` being the sequence's step (1024
/// since migration 0008; 1 on a sequence someone reset, which still works, one id a call).
const RESERVE_POSTGRES_IDS: &str = "WITH step AS (\
     SELECT s.seqrelid AS sequence, s.seqincrement AS size FROM pg_sequence s \
     WHERE s.seqrelid = pg_get_serial_sequence('sessions', 'id')::regclass) \
     SELECT nextval(step.sequence) AS first, step.size AS size \
     FROM step, generate_series(1, ($1 + step.size - 1) / step.size)";

/// Blocks of ids, sorted by their start, as runs of consecutive ids.
fn runs(blocks: Vec<std::ops::Range<i64>>) -> Vec<std::ops::Range<i64>> {
    let mut out: Vec<std::ops::Range<i64>> = Vec::new();
    for block in blocks {
        match out.last_mut() {
            Some(run) if run.end == block.start => run.end = block.end,
            _ => out.push(block),
        }
    }
    out
}

impl Store {
    /// A site's stored secret salts, by UTC day (`YYYY-MM-DD`).
    pub async fn day_salts(&self, site: &str) -> Result<HashMap<String, Vec<u8>>, StoreError> {
        super::doing("reading day salts", async {
            let rows = sqlx::query("SELECT day, salt FROM day_salts WHERE site = $1")
                .bind(site)
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
        })
        .await
    }

    /// Where ingest of a file stopped last time, if it was seen before.
    pub async fn checkpoint(
        &self,
        site: &str,
        file_id: &str,
    ) -> Result<Option<Checkpoint>, StoreError> {
        super::doing("reading a checkpoint", async {
            let row = sqlx::query(
                "SELECT path, byte_offset, lines, head_len, device, inode FROM ingest_checkpoints \
             WHERE site = $1 AND file_id = $2",
            )
            .bind(site)
            .bind(file_id)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|row| {
                Ok(Checkpoint {
                    site: site.to_string(),
                    file_id: file_id.to_string(),
                    head_len: row.try_get("head_len")?,
                    device: row.try_get("device")?,
                    inode: row.try_get("inode")?,
                    path: row.try_get("path")?,
                    byte_offset: row.try_get("byte_offset")?,
                    lines: row.try_get("lines")?,
                    replaces: None,
                })
            })
            .transpose()
        })
        .await
    }

    /// The fingerprint lengths under 4096 bytes a site's checkpoints use (0: the first line):
    /// a file is looked up under each of them.
    pub async fn short_fingerprint_lengths(&self, site: &str) -> Result<Vec<i64>, StoreError> {
        super::doing("reading checkpoint fingerprint lengths", async {
            let rows = sqlx::query(
            "SELECT DISTINCT head_len FROM ingest_checkpoints WHERE site = $1 AND head_len < 4096",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?;
            rows.iter()
                .map(|row| Ok(row.try_get("head_len")?))
                .collect()
        })
        .await
    }

    /// Reserves `count` session ids from the database's own id generator, for one ingest to
    /// assign as it creates sessions: no other writer (nor a row inserted without an id) will
    /// get them. Ids an ingest reserves and does not use are simply never used.
    /// PostgreSQL: blocks of the sessions identity sequence, which steps 1024 at a time, so
    /// a few `nextval` calls reserve thousands of ids (usually one run; at least `count` ids,
    /// rounded up to whole blocks). SQLite: a run made by moving the table's AUTOINCREMENT
    /// counter forward, on the writer thread.
    pub async fn reserve_session_ids(
        &self,
        count: u32,
    ) -> Result<Vec<std::ops::Range<i64>>, StoreError> {
        super::doing("reserving session ids", async {
            let count = i64::from(count.max(1));
            match self.backend {
                Backend::Postgres => {
                    let rows = sqlx::query(RESERVE_POSTGRES_IDS)
                        .bind(count)
                        .fetch_all(&self.pool)
                        .await?;
                    let mut blocks = rows
                        .iter()
                        .map(|row| {
                            let first: i64 = row.try_get("first")?;
                            let size: i64 = row.try_get("size")?;
                            Ok(first..first + size)
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    blocks.sort_unstable_by_key(|block| block.start);
                    Ok(runs(blocks))
                }
                Backend::Sqlite => {
                    let mut tx = self.begin_write().await?;
                    let last = tx
                        .fetch_one(RESERVE_SQLITE_IDS, vec![count.into()])
                        .await?
                        .int(0)?;
                    tx.commit().await?;
                    Ok(std::iter::once(last - count + 1..last + 1).collect())
                }
            }
        })
        .await
    }

    /// The latest pageview time stored for a site.
    pub async fn latest_hit(&self, site: &str) -> Result<Option<i64>, StoreError> {
        super::doing("reading the latest hit", async {
            let row =
                sqlx::query("SELECT MAX(last_hit_at) AS latest FROM sessions WHERE site = $1")
                    .bind(site)
                    .fetch_one(&self.pool)
                    .await?;
            Ok(row.try_get("latest")?)
        })
        .await
    }

    /// The `limit` most recent sessions of a site whose last pageview is at or after `since`
    /// (they may continue), most recent first.
    pub async fn recent_sessions(
        &self,
        site: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<StoredSession>, StoreError> {
        super::doing("reading recent sessions", async {
            let sql = format!(
                "SELECT {SESSION_COLUMNS} FROM sessions WHERE site = $1 AND last_hit_at >= $2 \
             ORDER BY last_hit_at DESC, id DESC LIMIT $3"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(site)
                .bind(since)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
            let goal_rows = sqlx::query(
                "SELECT c.session_id, c.goal FROM conversions c WHERE c.session_id IN \
             (SELECT id FROM sessions WHERE site = $1 AND last_hit_at >= $2 \
              ORDER BY last_hit_at DESC, id DESC LIMIT $3)",
            )
            .bind(site)
            .bind(since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            let mut goals: HashMap<i64, Vec<String>> = HashMap::new();
            for row in goal_rows {
                goals
                    .entry(row.try_get("session_id")?)
                    .or_default()
                    .push(row.try_get("goal")?);
            }
            rows.iter()
                .map(|row| {
                    let id: i64 = row.try_get("id")?;
                    session_from_row(row, goals.remove(&id).unwrap_or_default())
                })
                .collect()
        })
        .await
    }

    /// Calls `each(visitor_key, last_hit_at)` for the sessions of a site with a last pageview
    /// at or after `since` beyond the `skip` most recent ones, a page at a time.
    pub async fn older_recent_session_keys(
        &self,
        site: &str,
        since: i64,
        skip: i64,
        each: &mut (dyn FnMut(&str, i64) + Send),
    ) -> Result<(), StoreError> {
        super::doing("listing older recent sessions", async {
            // Where the previous page ended: (last_hit_at, id) of its last row.
            let mut after: Option<(i64, i64)> = None;
            let mut offset = skip;
            loop {
                let query = match after {
                    None => sqlx::query(
                        "SELECT id, visitor_key, last_hit_at FROM sessions \
                     WHERE site = $1 AND last_hit_at >= $2 \
                     ORDER BY last_hit_at DESC, id DESC LIMIT $3 OFFSET $4",
                    )
                    .bind(site)
                    .bind(since)
                    .bind(KEY_PAGE)
                    .bind(offset),
                    Some((last_hit, id)) => sqlx::query(
                        "SELECT id, visitor_key, last_hit_at FROM sessions \
                     WHERE site = $1 AND last_hit_at >= $2 \
                     AND (last_hit_at < $3 OR (last_hit_at = $3 AND id < $4)) \
                     ORDER BY last_hit_at DESC, id DESC LIMIT $5",
                    )
                    .bind(site)
                    .bind(since)
                    .bind(last_hit)
                    .bind(id)
                    .bind(KEY_PAGE),
                };
                let rows = query.fetch_all(&self.pool).await?;
                for row in &rows {
                    let key: String = row.try_get("visitor_key")?;
                    let last_hit: i64 = row.try_get("last_hit_at")?;
                    each(&key, last_hit);
                    after = Some((last_hit, row.try_get("id")?));
                }
                offset = 0;
                if (rows.len() as i64) < KEY_PAGE {
                    return Ok(());
                }
            }
        })
        .await
    }

    /// A visitor's latest session of a site with a last pageview at or after `since`, with
    /// its goals.
    pub async fn find_session(
        &self,
        site: &str,
        visitor_key: &str,
        since: i64,
    ) -> Result<Option<StoredSession>, StoreError> {
        let key = [visitor_key.to_string()];
        Ok(self
            .find_sessions(site, &key, since)
            .await?
            .remove(visitor_key))
    }

    /// The latest session since `since` of each of `visitor_keys` (at most a few thousand)
    /// that has one, with its goals, in one round trip: the sessions a stretch of log lines
    /// may continue, fetched ahead of those lines.
    pub async fn find_sessions(
        &self,
        site: &str,
        visitor_keys: &[String],
        since: i64,
    ) -> Result<HashMap<String, StoredSession>, StoreError> {
        super::doing("looking up sessions", async {
        if visitor_keys.is_empty() {
            return Ok(HashMap::new());
        }
        let columns: String = SESSION_COLUMNS
            .split(", ")
            .map(|c| format!("s.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let placeholders: Vec<String> = (0..visitor_keys.len())
            .map(|i| format!("${}", i + 2))
            .collect();
        let sql = format!(
            "SELECT {columns}, c.goal FROM sessions s LEFT JOIN conversions c ON c.session_id = s.id \
             WHERE s.site = $1 AND s.visitor_key IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(site);
        for key in visitor_keys {
            query = query.bind(key.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        // Only site and key in the SQL: with a time condition or an ORDER BY, the planners (on
        // fresh statistics especially) walk the (site, last_hit_at) index over every recent
        // session instead of seeking each key. A key holds one day's sessions at most (its
        // salt is the day's), so the time filter and the choice of the latest session per
        // visitor are done here; a session's goals are its rows'.
        let mut found: HashMap<String, StoredSession> = HashMap::new();
        for row in &rows {
            let key: String = row.try_get("visitor_key")?;
            let id: i64 = row.try_get("id")?;
            let last_hit_at: i64 = row.try_get("last_hit_at")?;
            let goal: Option<String> = row.try_get("goal")?;
            if last_hit_at < since {
                continue;
            }
            match found.get_mut(&key) {
                Some(session) if session.id == id => session.goals.extend(goal),
                Some(session) if (session.last_hit_at, session.id) > (last_hit_at, id) => {}
                _ => {
                    let session = session_from_row(row, goal.into_iter().collect())?;
                    found.insert(key, session);
                }
            }
        }
        Ok(found)
    }).await
    }

    /// Creates, if missing, the index set-aside sessions are found through. Not a migration:
    /// its random keys make every insert slower, and only an ingest that sets sessions aside
    /// (a site with more visitors at once than the session cap) needs it.
    pub async fn ensure_visitor_index(&self) -> Result<(), StoreError> {
        super::doing("creating the visitor index", async {
            self.write_one(
                "CREATE INDEX IF NOT EXISTS sessions_site_visitor \
             ON sessions (site, visitor_key, last_hit_at)",
                Vec::new(),
            )
            .await?;
            Ok(())
        })
        .await
    }

    /// Refreshes PostgreSQL's planner statistics of the sessions table. A flood of new
    /// sessions leaves them stale until autovacuum comes by, and on stale statistics the
    /// planner answers a visitor lookup by walking every recent session of the site instead of
    /// seeking the visitor index. SQLite plans these lookups well without statistics.
    pub async fn refresh_session_statistics(&self) -> Result<(), StoreError> {
        super::doing("refreshing session statistics", async {
            if self.backend == Backend::Postgres {
                sqlx::query("ANALYZE sessions").execute(&self.pool).await?;
            }
            Ok(())
        })
        .await
    }

    /// The paths stored in the AI crawler rollup for one site, day and agent (each once,
    /// whatever the verification of its rows).
    pub async fn crawler_paths(
        &self,
        site: &str,
        day: &str,
        agent: &str,
    ) -> Result<Vec<String>, StoreError> {
        super::doing("reading stored crawler paths", async {
            let rows = sqlx::query(
                "SELECT DISTINCT path FROM daily_crawlers \
                 WHERE site = $1 AND day = $2 AND agent = $3",
            )
            .bind(site)
            .bind(day)
            .bind(agent)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(|row| Ok(row.try_get("path")?)).collect()
        })
        .await
    }

    /// Deletes the sessions (and their conversions) and the day salts of days before
    /// `before` (`YYYY-MM-DD`), of one site or all; the daily rollups stay. One transaction.
    pub async fn forget_before(
        &self,
        site: Option<&str>,
        before: &str,
    ) -> Result<Forgotten, StoreError> {
        super::doing("deleting old visits", async {
            // Conversions first: they refer to the sessions.
            const DELETES: [&str; 3] = [
                "DELETE FROM conversions WHERE session_id IN (SELECT id FROM sessions \
             WHERE day < $1 AND (CAST($2 AS TEXT) IS NULL OR site = CAST($2 AS TEXT)))",
                "DELETE FROM sessions WHERE day < $1 \
             AND (CAST($2 AS TEXT) IS NULL OR site = CAST($2 AS TEXT))",
                "DELETE FROM day_salts WHERE day < $1 \
             AND (CAST($2 AS TEXT) IS NULL OR site = CAST($2 AS TEXT))",
            ];
            let mut tx = self.begin_write().await?;
            let mut deleted = [0u64; 3];
            for (sql, count) in DELETES.into_iter().zip(&mut deleted) {
                *count = tx.execute(sql, vec![before.into(), site.into()]).await?;
            }
            tx.commit().await?;
            let [conversions, sessions, salts] = deleted;
            Ok(Forgotten {
                sessions,
                conversions,
                salts,
            })
        })
        .await
    }

    /// The sites with stored sessions and the latest hit of each.
    pub async fn latest_hits(&self) -> Result<Vec<(String, i64)>, StoreError> {
        super::doing("reading the latest hits", async {
            let rows = sqlx::query(
                "SELECT site, MAX(last_hit_at) AS latest FROM sessions GROUP BY site ORDER BY site",
            )
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| Ok((row.try_get("site")?, row.try_get("latest")?)))
                .collect()
        })
        .await
    }
}

fn session_from_row(
    row: &sqlx::any::AnyRow,
    goals: Vec<String>,
) -> Result<StoredSession, StoreError> {
    Ok(StoredSession {
        id: row.try_get("id")?,
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
        goals,
    })
}
