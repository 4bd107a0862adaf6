//! Storage for the ingest pipeline: day salts, checkpoints, sessions left open by an earlier
//! ingest, and the one-transaction commit of a batch (sessions, conversions, rollups and the
//! checkpoint together, so a crash loses and duplicates nothing).

use std::collections::HashMap;

use sqlx::any::AnyArguments;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::{Backend, Store, StoreError};
use crate::ingest::sessionize::{Changes, NewConversion, NewSession, SessionStart};

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

/// Most rows per multi-row INSERT (kept well under both backends' bound-parameter limits).
/// A power of two: see [`insert_chunks`].
const ROWS_PER_INSERT: usize = 256;

/// Splits rows into multi-row INSERT chunks whose sizes are powers of two (full chunks of
/// [`ROWS_PER_INSERT`], then the binary digits of the rest), so every batch reuses the same
/// few prepared statements. Arbitrary tail sizes made a new statement per batch, and the
/// driver's statement cache then held up to a hundred statements of thousands of
/// parameters each (tens of MiB, and a parse per batch).
fn insert_chunks<T>(rows: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = if rest.len() >= ROWS_PER_INSERT {
            ROWS_PER_INSERT
        } else {
            1 << rest.len().ilog2()
        };
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
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

    /// Writes one batch and its checkpoint in a single transaction.
    pub async fn commit_batch(
        &self,
        site: &str,
        changes: &Changes,
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let backend = self.backend;
        insert_salts(&mut tx, &changes.new_salts).await?;
        insert_sessions(&mut tx, backend, site, &changes.new_sessions).await?;
        for update in &changes.updates {
            sqlx::query(
                "UPDATE sessions SET last_hit_at = $1, pageviews = $2, converted = $3 WHERE id = $4",
            )
            .bind(update.last_hit_at)
            .bind(i64::from(update.pageviews))
            .bind(i64::from(update.converted))
            .bind(update.id)
            .execute(&mut *tx)
            .await?;
        }
        insert_conversions(&mut tx, backend, site, &changes.conversions).await?;
        upsert_rollups(&mut tx, backend, site, changes).await?;
        save_checkpoint(&mut tx, checkpoint).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Salts of days first seen in this batch. If one exists already (another ingest got there
/// first, which the README says not to do), the stored one is kept.
async fn insert_salts(
    tx: &mut Transaction<'static, Any>,
    salts: &[(String, Vec<u8>)],
) -> Result<(), StoreError> {
    for (day, salt) in salts {
        sqlx::query(
            "INSERT INTO day_salts (day, salt, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (day) DO NOTHING",
        )
        .bind(day.as_str())
        .bind(hex::encode(salt))
        .bind(now())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `columns` parameters; on SQLite anonymous
/// `?` placeholders instead, because SQLite looks numbered parameters up by name with a
/// linear scan, which made binding a 400-row insert quadratic (90% of ingest time).
fn values_clause(backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..columns {
            if c > 0 {
                sql.push_str(", ");
            }
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&(r * columns + c + 1).to_string());
                }
            }
        }
        sql.push(')');
    }
    sql
}

async fn execute_values(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    head: &str,
    tail: &str,
    rows: usize,
    columns: usize,
    args: AnyArguments,
) -> Result<(), StoreError> {
    let sql = format!(
        "{head} VALUES {} {tail}",
        values_clause(backend, rows, columns)
    );
    sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn push<'q, T>(args: &mut AnyArguments, value: T) -> Result<(), StoreError>
where
    T: 'q + sqlx::Encode<'q, Any> + sqlx::Type<Any>,
{
    use sqlx::Arguments;
    args.add(value)
        .map_err(|e| StoreError::Sql(sqlx::Error::Encode(e)))
}

async fn insert_sessions(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    site: &str,
    sessions: &[NewSession],
) -> Result<(), StoreError> {
    const HEAD: &str = "INSERT INTO sessions (id, site, visitor_key, started_at, last_hit_at, day, \
        channel, source, search_term, landing_path, referrer_host, utm_source, utm_medium, \
        utm_campaign, utm_term, utm_content, pageviews, converted)";
    for chunk in insert_chunks(sessions) {
        let mut args = AnyArguments::default();
        for s in chunk {
            push(&mut args, s.id)?;
            push(&mut args, site.to_string())?;
            push(&mut args, s.visitor_key.clone())?;
            push(&mut args, s.started_at)?;
            push(&mut args, s.last_hit_at)?;
            push(&mut args, s.day.clone())?;
            push(&mut args, s.start.channel.clone())?;
            push(&mut args, s.start.source.clone())?;
            push(&mut args, s.start.search_term.clone())?;
            push(&mut args, s.start.landing_path.clone())?;
            push(&mut args, s.start.referrer_host.clone())?;
            push(&mut args, s.start.utm_source.clone())?;
            push(&mut args, s.start.utm_medium.clone())?;
            push(&mut args, s.start.utm_campaign.clone())?;
            push(&mut args, s.start.utm_term.clone())?;
            push(&mut args, s.start.utm_content.clone())?;
            push(&mut args, i64::from(s.pageviews))?;
            push(&mut args, i64::from(s.converted))?;
        }
        execute_values(tx, backend, HEAD, "", chunk.len(), 18, args).await?;
    }
    Ok(())
}

async fn insert_conversions(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    site: &str,
    conversions: &[NewConversion],
) -> Result<(), StoreError> {
    if conversions.is_empty() {
        return Ok(());
    }
    let row = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM conversions")
        .fetch_one(&mut **tx)
        .await?;
    let mut next_id: i64 = row.try_get("next")?;
    const HEAD: &str =
        "INSERT INTO conversions (id, session_id, site, goal, kind, converted_at, day, path)";
    for chunk in insert_chunks(conversions) {
        let mut args = AnyArguments::default();
        for c in chunk {
            push(&mut args, next_id)?;
            next_id += 1;
            push(&mut args, c.session_id)?;
            push(&mut args, site.to_string())?;
            push(&mut args, c.goal.clone())?;
            push(&mut args, c.kind.to_string())?;
            push(&mut args, c.converted_at)?;
            push(&mut args, c.day.clone())?;
            push(&mut args, c.path.clone())?;
        }
        execute_values(tx, backend, HEAD, "", chunk.len(), 8, args).await?;
    }
    Ok(())
}

async fn upsert_rollups(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    site: &str,
    changes: &Changes,
) -> Result<(), StoreError> {
    let mut traffic: Vec<_> = changes.traffic.iter().collect();
    traffic.sort_by(|a, b| a.0.cmp(b.0));
    for chunk in insert_chunks(&traffic) {
        let mut args = AnyArguments::default();
        for (key, delta) in chunk {
            push(&mut args, site.to_string())?;
            push(&mut args, key.day.clone())?;
            push(&mut args, key.channel.clone())?;
            push(&mut args, key.source.clone())?;
            push(&mut args, delta.sessions)?;
            push(&mut args, delta.pageviews)?;
            push(&mut args, delta.conversions)?;
        }
        execute_values(
            tx,
            backend,
            "INSERT INTO daily_traffic (site, day, channel, source, sessions, pageviews, conversions)",
            "ON CONFLICT (site, day, channel, source) DO UPDATE SET \
             sessions = daily_traffic.sessions + excluded.sessions, \
             pageviews = daily_traffic.pageviews + excluded.pageviews, \
             conversions = daily_traffic.conversions + excluded.conversions",
            chunk.len(),
            7,
            args,
        )
        .await?;
    }
    let mut goals: Vec<_> = changes.goals.iter().collect();
    goals.sort_by(|a, b| a.0.cmp(b.0));
    for chunk in insert_chunks(&goals) {
        let mut args = AnyArguments::default();
        for ((key, goal), count) in chunk {
            push(&mut args, site.to_string())?;
            push(&mut args, key.day.clone())?;
            push(&mut args, key.channel.clone())?;
            push(&mut args, key.source.clone())?;
            push(&mut args, goal.clone())?;
            push(&mut args, **count)?;
        }
        execute_values(
            tx,
            backend,
            "INSERT INTO daily_goals (site, day, channel, source, goal, conversions)",
            "ON CONFLICT (site, day, channel, source, goal) DO UPDATE SET \
             conversions = daily_goals.conversions + excluded.conversions",
            chunk.len(),
            6,
            args,
        )
        .await?;
    }
    Ok(())
}

async fn save_checkpoint(
    tx: &mut Transaction<'static, Any>,
    checkpoint: &Checkpoint,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ingest_checkpoints (site, file_id, path, byte_offset, lines, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (site, file_id) DO UPDATE SET path = excluded.path, \
         byte_offset = excluded.byte_offset, lines = excluded.lines, updated_at = excluded.updated_at",
    )
    .bind(checkpoint.site.clone())
    .bind(checkpoint.file_id.clone())
    .bind(checkpoint.path.clone())
    .bind(checkpoint.byte_offset)
    .bind(checkpoint.lines)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Backend, ROWS_PER_INSERT, insert_chunks, values_clause};

    #[test]
    fn insert_chunks_use_few_sizes_and_keep_every_row() {
        for n in [0, 1, 2, 3, 255, 256, 257, 2850, 4096] {
            let rows: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = insert_chunks(&rows).collect();
            let joined: Vec<usize> = chunks.concat();
            assert_eq!(joined, rows, "n = {n}");
            for chunk in &chunks {
                assert!(chunk.len().is_power_of_two() && chunk.len() <= ROWS_PER_INSERT);
            }
            // Full chunks, then at most one chunk per binary digit of the rest.
            let tail = chunks.iter().filter(|c| c.len() < ROWS_PER_INSERT).count();
            assert!(tail <= ((n % ROWS_PER_INSERT) as u32).count_ones() as usize);
        }
    }

    #[test]
    fn values_clause_numbers_parameters_row_by_row() {
        assert_eq!(
            values_clause(Backend::Postgres, 2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(values_clause(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
    }
}
