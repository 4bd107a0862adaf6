//! Writing one ingest batch: new day salts (and the deletion of salts whose day can no longer
//! receive sessions), new sessions, updates of sessions that continued, conversions, the daily
//! rollups (traffic, goals, AI crawlers) and the file checkpoint, all in one transaction, so a
//! crash loses and duplicates nothing. Before writing, the AI crawler rows are folded into the
//! per-agent path budget ([`PathBudget`]), loading the paths already stored on first sight.
//!
//! The statements and the rows they bind are defined once here ([`Cell`] rows, multi-row
//! `INSERT`s in power-of-two chunks). Two writers run them:
//! - PostgreSQL (and in-memory SQLite) through sqlx's `Any` pool, like every other query;
//! - a SQLite file through its own rusqlite connection to the same file. On the 10M-line
//!   benchmark, sqlx's worker thread and its three copies of every bound string cost as much
//!   CPU as SQLite's own inserts; binding borrowed rows directly halves the writer's time.
//!   Migrations and every read still go through sqlx.

use std::path::Path;
use std::sync::Arc;

use rusqlite::types::{ToSqlOutput, ValueRef};
use sqlx::any::AnyArguments;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::ingest::Checkpoint;
use super::{Backend, Store, StoreError};
use crate::day::{day_number, now_unix, parse_day};
use crate::ingest::crawlers::PathBudget;
use crate::ingest::sessionize::{Changes, NewConversion, NewSession, SessionUpdate};

/// Most rows per multi-row INSERT (kept well under both backends' bound-parameter limits).
/// A power of two: see [`insert_chunks`].
const ROWS_PER_INSERT: usize = 256;

/// One bound value, borrowed from the batch. NULLs carry their column's type, which
/// PostgreSQL checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cell<'a> {
    Int(i64),
    Text(&'a str),
    Null,
    NullInt,
}

fn optional(text: &Option<String>) -> Cell<'_> {
    text.as_deref().map_or(Cell::Null, Cell::Text)
}

/// A multi-row INSERT: `{head} VALUES (…), (…) {tail}`.
struct Insert {
    head: &'static str,
    tail: &'static str,
}

const SESSIONS: Insert = Insert {
    head: "INSERT INTO sessions (id, site, visitor_key, started_at, last_hit_at, day, channel, \
           source, search_term, landing_path, referrer_host, utm_source, utm_medium, \
           utm_campaign, utm_term, utm_content, pageviews, converted)",
    tail: "",
};

const CONVERSIONS: Insert = Insert {
    head: "INSERT INTO conversions (id, session_id, site, goal, kind, converted_at, day, path)",
    tail: "",
};

const DAILY_TRAFFIC: Insert = Insert {
    head: "INSERT INTO daily_traffic (site, day, channel, source, sessions, pageviews, conversions)",
    tail: "ON CONFLICT (site, day, channel, source) DO UPDATE SET \
           sessions = daily_traffic.sessions + excluded.sessions, \
           pageviews = daily_traffic.pageviews + excluded.pageviews, \
           conversions = daily_traffic.conversions + excluded.conversions",
};

const DAILY_GOALS: Insert = Insert {
    head: "INSERT INTO daily_goals (site, day, channel, source, goal, conversions)",
    tail: "ON CONFLICT (site, day, channel, source, goal) DO UPDATE SET \
           conversions = daily_goals.conversions + excluded.conversions",
};

const DAILY_CRAWLERS: Insert = Insert {
    head: "INSERT INTO daily_crawlers (site, day, agent, operator, purpose, path, hits, \
           status_2xx, status_3xx, status_4xx, status_5xx)",
    tail: "ON CONFLICT (site, day, agent, path) DO UPDATE SET \
           hits = daily_crawlers.hits + excluded.hits, \
           status_2xx = daily_crawlers.status_2xx + excluded.status_2xx, \
           status_3xx = daily_crawlers.status_3xx + excluded.status_3xx, \
           status_4xx = daily_crawlers.status_4xx + excluded.status_4xx, \
           status_5xx = daily_crawlers.status_5xx + excluded.status_5xx",
};

/// Salts of days first seen in this batch. If one exists already (another ingest of the site
/// got there first, which the README says not to do), the stored one is kept.
const INSERT_SALT: &str = "INSERT INTO day_salts (site, day, salt, created_at) \
                           VALUES ($1, $2, $3, $4) ON CONFLICT (site, day) DO NOTHING";

/// The site's salts of days that can no longer receive sessions.
const FORGET_SALTS: &str = "DELETE FROM day_salts WHERE site = $1 AND day < $2";

/// The row of a checkpoint whose file grew past its old fingerprint.
const DROP_CHECKPOINT: &str = "DELETE FROM ingest_checkpoints WHERE site = $1 AND file_id = $2";

const UPDATE_SESSION: &str =
    "UPDATE sessions SET last_hit_at = $1, pageviews = $2, converted = $3 WHERE id = $4";

const NEXT_CONVERSION_ID: &str = "SELECT COALESCE(MAX(id), 0) + 1 AS next FROM conversions";

const SAVE_CHECKPOINT: &str = "INSERT INTO ingest_checkpoints (site, file_id, path, byte_offset, \
     lines, updated_at, head_len, device, inode) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
     ON CONFLICT (site, file_id) DO UPDATE SET path = excluded.path, \
     byte_offset = excluded.byte_offset, lines = excluded.lines, updated_at = excluded.updated_at, \
     head_len = excluded.head_len, device = excluded.device, inode = excluded.inode";

fn session_row<'a>(site: &'a str, s: &'a NewSession) -> [Cell<'a>; 18] {
    let start = &s.start;
    [
        Cell::Int(s.id),
        Cell::Text(site),
        Cell::Text(&s.visitor_key),
        Cell::Int(s.started_at),
        Cell::Int(s.last_hit_at),
        Cell::Text(&s.day),
        Cell::Text(&start.channel),
        Cell::Text(&start.source),
        optional(&start.search_term),
        Cell::Text(&start.landing_path),
        optional(&start.referrer_host),
        optional(&start.utm_source),
        optional(&start.utm_medium),
        optional(&start.utm_campaign),
        optional(&start.utm_term),
        optional(&start.utm_content),
        Cell::Int(i64::from(s.pageviews)),
        Cell::Int(i64::from(s.converted)),
    ]
}

fn conversion_row<'a>(id: i64, site: &'a str, c: &'a NewConversion) -> [Cell<'a>; 8] {
    [
        Cell::Int(id),
        Cell::Int(c.session_id),
        Cell::Text(site),
        Cell::Text(&c.goal),
        Cell::Text(c.kind),
        Cell::Int(c.converted_at),
        Cell::Text(&c.day),
        Cell::Text(&c.path),
    ]
}

fn update_row(u: &SessionUpdate) -> [Cell<'static>; 4] {
    [
        Cell::Int(u.last_hit_at),
        Cell::Int(i64::from(u.pageviews)),
        Cell::Int(i64::from(u.converted)),
        Cell::Int(u.id),
    ]
}

/// The rollup increments, in key order (a stable lock order for concurrent writers).
fn traffic_rows<'a>(site: &'a str, changes: &'a Changes) -> Vec<[Cell<'a>; 7]> {
    let mut traffic: Vec<_> = changes.traffic.iter().collect();
    traffic.sort_by(|a, b| a.0.cmp(b.0));
    traffic
        .into_iter()
        .map(|(key, delta)| {
            [
                Cell::Text(site),
                Cell::Text(&key.day),
                Cell::Text(&key.channel),
                Cell::Text(&key.source),
                Cell::Int(delta.sessions),
                Cell::Int(delta.pageviews),
                Cell::Int(delta.conversions),
            ]
        })
        .collect()
}

fn goal_rows<'a>(site: &'a str, changes: &'a Changes) -> Vec<[Cell<'a>; 6]> {
    let mut goals: Vec<_> = changes.goals.iter().collect();
    goals.sort_by(|a, b| a.0.cmp(b.0));
    goals
        .into_iter()
        .map(|((key, goal), count)| {
            [
                Cell::Text(site),
                Cell::Text(&key.day),
                Cell::Text(&key.channel),
                Cell::Text(&key.source),
                Cell::Text(goal),
                Cell::Int(*count),
            ]
        })
        .collect()
}

/// The crawler rollup increments (already in key order).
fn crawler_rows<'a>(site: &'a str, changes: &'a Changes) -> Vec<[Cell<'a>; 11]> {
    changes
        .crawlers
        .iter()
        .map(|(key, counts)| {
            [
                Cell::Text(site),
                Cell::Text(&key.day),
                Cell::Text(key.agent),
                counts.operator.map_or(Cell::Null, Cell::Text),
                Cell::Text(counts.purpose.as_str()),
                Cell::Text(&key.path),
                Cell::Int(counts.hits),
                Cell::Int(counts.status_2xx),
                Cell::Int(counts.status_3xx),
                Cell::Int(counts.status_4xx),
                Cell::Int(counts.status_5xx),
            ]
        })
        .collect()
}

fn checkpoint_row(checkpoint: &Checkpoint) -> [Cell<'_>; 9] {
    [
        Cell::Text(&checkpoint.site),
        Cell::Text(&checkpoint.file_id),
        Cell::Text(&checkpoint.path),
        Cell::Int(checkpoint.byte_offset),
        Cell::Int(checkpoint.lines),
        Cell::Int(now_unix()),
        Cell::Int(checkpoint.head_len),
        checkpoint.device.map_or(Cell::NullInt, Cell::Int),
        checkpoint.inode.map_or(Cell::NullInt, Cell::Int),
    ]
}

/// The old row of a checkpoint stored under a shorter fingerprint, when it has one.
fn replaced_checkpoint(checkpoint: &Checkpoint) -> Option<[Cell<'_>; 2]> {
    checkpoint
        .replaces
        .as_deref()
        .filter(|old| *old != checkpoint.file_id)
        .map(|old| [Cell::Text(&checkpoint.site), Cell::Text(old)])
}

fn salt_rows<'a>(site: &'a str, changes: &'a Changes) -> Vec<[Cell<'a>; 4]> {
    changes
        .new_salts
        .iter()
        .map(|(day, salt)| {
            [
                Cell::Text(site),
                Cell::Text(day),
                Cell::Text(salt),
                Cell::Int(now_unix()),
            ]
        })
        .collect()
}

/// Splits rows into multi-row INSERT chunks whose sizes are powers of two (full chunks of
/// [`ROWS_PER_INSERT`], then the binary digits of the rest), so every batch reuses the same
/// few prepared statements. Arbitrary tail sizes made a new statement per batch, and the
/// statement cache then held up to a hundred statements of thousands of parameters each
/// (tens of MiB, and a parse per batch).
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

/// The SQL of one chunk: `{head} VALUES ($1, $2, …), ($n+1, …) {tail}`; on SQLite with
/// anonymous `?` placeholders, because SQLite looks numbered parameters up by name with a
/// linear scan, which made binding a 400-row insert quadratic.
fn insert_sql(insert: &Insert, backend: Backend, rows: usize, columns: usize) -> String {
    let mut sql = String::with_capacity(insert.head.len() + insert.tail.len() + rows * columns * 5);
    sql.push_str(insert.head);
    sql.push_str(" VALUES ");
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
    if !insert.tail.is_empty() {
        sql.push(' ');
        sql.push_str(insert.tail);
    }
    sql
}

/// Writes ingest batches to one database.
pub struct BatchWriter {
    site: Arc<str>,
    /// For reads outside the write transaction (the stored crawler paths).
    store: Store,
    paths: PathBudget,
    target: Target,
}

/// What a commit did besides writing the batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Committed {
    /// AI crawler requests counted under `(other)` (the agent's path budget was spent).
    pub crawler_requests_folded: u64,
}

enum Target {
    /// Through the sqlx pool (PostgreSQL, in-memory SQLite).
    Pool(Store),
    /// Through a direct connection to a SQLite file; blocking, so each commit runs on a
    /// blocking thread and hands the connection back (None while it is away).
    SqliteFile(Option<SqliteFileWriter>),
}

impl Store {
    /// A writer of `site`'s ingest batches: a direct connection for a SQLite file, else the
    /// pool.
    pub fn batch_writer(&self, site: &str) -> Result<BatchWriter, StoreError> {
        let target = match &self.sqlite_file {
            Some(path) => Target::SqliteFile(Some(SqliteFileWriter::open(path)?)),
            None => Target::Pool(self.clone()),
        };
        Ok(BatchWriter {
            site: site.into(),
            store: self.clone(),
            paths: PathBudget::default(),
            target,
        })
    }
}

impl BatchWriter {
    /// Writes one batch and its checkpoint in a single transaction.
    pub async fn commit(
        &mut self,
        mut changes: Changes,
        checkpoint: Checkpoint,
    ) -> Result<Committed, StoreError> {
        let folded = self.fold_crawler_paths(&mut changes).await?;
        let committed = Committed {
            crawler_requests_folded: folded,
        };
        let written = match &mut self.target {
            Target::Pool(store) => {
                commit_through_pool(store, &self.site, &changes, &checkpoint).await
            }
            Target::SqliteFile(slot) => {
                let mut writer = slot.take().ok_or(StoreError::WriterLost)?;
                let site = Arc::clone(&self.site);
                let (writer, result) = tokio::task::spawn_blocking(move || {
                    let result = writer.commit(&site, &changes, &checkpoint);
                    (writer, result)
                })
                .await
                .map_err(|_| StoreError::WriterLost)?;
                *slot = Some(writer);
                result
            }
        };
        written.map_err(StoreError::on_write)?;
        Ok(committed)
    }

    /// Folds the batch's AI crawler rows into the path budget, loading the paths stored for
    /// each (day, agent) the first time it appears. Only this writer adds paths of its site,
    /// so what was read once stays true.
    async fn fold_crawler_paths(&mut self, changes: &mut Changes) -> Result<u64, StoreError> {
        if changes.crawlers.is_empty() {
            return Ok(0);
        }
        for (day, agent) in self.paths.unloaded(&changes.crawlers) {
            let stored = self.store.crawler_paths(&self.site, &day, agent).await?;
            self.paths.load(day, agent, stored);
        }
        let (rows, folded) = self.paths.fold(std::mem::take(&mut changes.crawlers));
        // Keep the paths of the last few days only (memory); older ones reload if needed.
        if let Some(latest) = rows.iter().filter_map(|(k, _)| parse_day(&k.day)).max() {
            let keep_from = crate::day::day_text((day_number(latest) - 2) * 86_400);
            self.paths.forget_before(&keep_from);
        }
        changes.crawlers = rows;
        Ok(folded)
    }
}

async fn commit_through_pool(
    store: &Store,
    site: &str,
    changes: &Changes,
    checkpoint: &Checkpoint,
) -> Result<(), StoreError> {
    let mut tx = store.pool.begin().await?;
    let backend = store.backend;
    for row in salt_rows(site, changes) {
        execute(&mut tx, INSERT_SALT.to_string(), &row).await?;
    }
    if let Some(before) = &changes.forget_salts_before {
        let row = [Cell::Text(site), Cell::Text(before)];
        execute(&mut tx, FORGET_SALTS.to_string(), &row).await?;
    }
    let sessions: Vec<_> = changes
        .new_sessions
        .iter()
        .map(|s| session_row(site, s))
        .collect();
    insert_all(&mut tx, backend, &SESSIONS, &sessions).await?;
    for update in &changes.updates {
        execute(&mut tx, UPDATE_SESSION.to_string(), &update_row(update)).await?;
    }
    if !changes.conversions.is_empty() {
        let next: i64 = sqlx::query(NEXT_CONVERSION_ID)
            .fetch_one(&mut *tx)
            .await?
            .try_get("next")?;
        let conversions: Vec<_> = (next..)
            .zip(&changes.conversions)
            .map(|(id, c)| conversion_row(id, site, c))
            .collect();
        insert_all(&mut tx, backend, &CONVERSIONS, &conversions).await?;
    }
    insert_all(
        &mut tx,
        backend,
        &DAILY_TRAFFIC,
        &traffic_rows(site, changes),
    )
    .await?;
    insert_all(&mut tx, backend, &DAILY_GOALS, &goal_rows(site, changes)).await?;
    insert_all(
        &mut tx,
        backend,
        &DAILY_CRAWLERS,
        &crawler_rows(site, changes),
    )
    .await?;
    if let Some(row) = replaced_checkpoint(checkpoint) {
        execute(&mut tx, DROP_CHECKPOINT.to_string(), &row).await?;
    }
    execute(
        &mut tx,
        SAVE_CHECKPOINT.to_string(),
        &checkpoint_row(checkpoint),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_all<const N: usize>(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    insert: &Insert,
    rows: &[[Cell<'_>; N]],
) -> Result<(), StoreError> {
    for chunk in insert_chunks(rows) {
        let sql = insert_sql(insert, backend, chunk.len(), N);
        execute(tx, sql, chunk.as_flattened()).await?;
    }
    Ok(())
}

async fn execute(
    tx: &mut Transaction<'static, Any>,
    sql: String,
    cells: &[Cell<'_>],
) -> Result<(), StoreError> {
    use sqlx::Arguments;
    let mut args = AnyArguments::default();
    for cell in cells {
        let added = match *cell {
            Cell::Int(value) => args.add(value),
            Cell::Text(text) => args.add(text),
            Cell::Null => args.add(None::<String>),
            Cell::NullInt => args.add(None::<i64>),
        };
        added.map_err(|e| StoreError::Sql(sqlx::Error::Encode(e)))?;
    }
    sqlx::query_with(AssertSqlSafe(sql), args)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Cell::Int(value) => ValueRef::Integer(value),
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
            Cell::Null | Cell::NullInt => ValueRef::Null,
        }))
    }
}

/// A direct connection to a SQLite file for writing batches (the file is already migrated).
pub struct SqliteFileWriter {
    conn: rusqlite::Connection,
}

impl SqliteFileWriter {
    fn open(path: &Path) -> Result<SqliteFileWriter, StoreError> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Every chunk size of every table stays prepared (see `insert_chunks`).
        conn.set_prepared_statement_cache_capacity(64);
        // The same settings as the pool's connection (see `pool_options`).
        conn.execute_batch(
            "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
        )?;
        Ok(SqliteFileWriter { conn })
    }

    fn commit(
        &mut self,
        site: &str,
        changes: &Changes,
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for row in salt_rows(site, changes) {
            tx.prepare_cached(INSERT_SALT)?
                .execute(rusqlite::params_from_iter(row))?;
        }
        if let Some(before) = &changes.forget_salts_before {
            tx.prepare_cached(FORGET_SALTS)?
                .execute(rusqlite::params_from_iter([
                    Cell::Text(site),
                    Cell::Text(before),
                ]))?;
        }
        let sessions: Vec<_> = changes
            .new_sessions
            .iter()
            .map(|s| session_row(site, s))
            .collect();
        sqlite_insert_all(&tx, &SESSIONS, &sessions)?;
        for update in &changes.updates {
            tx.prepare_cached(UPDATE_SESSION)?
                .execute(rusqlite::params_from_iter(update_row(update)))?;
        }
        if !changes.conversions.is_empty() {
            let next: i64 = tx.query_row(NEXT_CONVERSION_ID, [], |row| row.get(0))?;
            let conversions: Vec<_> = (next..)
                .zip(&changes.conversions)
                .map(|(id, c)| conversion_row(id, site, c))
                .collect();
            sqlite_insert_all(&tx, &CONVERSIONS, &conversions)?;
        }
        sqlite_insert_all(&tx, &DAILY_TRAFFIC, &traffic_rows(site, changes))?;
        sqlite_insert_all(&tx, &DAILY_GOALS, &goal_rows(site, changes))?;
        sqlite_insert_all(&tx, &DAILY_CRAWLERS, &crawler_rows(site, changes))?;
        if let Some(row) = replaced_checkpoint(checkpoint) {
            tx.prepare_cached(DROP_CHECKPOINT)?
                .execute(rusqlite::params_from_iter(row))?;
        }
        tx.prepare_cached(SAVE_CHECKPOINT)?
            .execute(rusqlite::params_from_iter(checkpoint_row(checkpoint)))?;
        tx.commit()?;
        Ok(())
    }
}

fn sqlite_insert_all<const N: usize>(
    tx: &rusqlite::Transaction<'_>,
    insert: &Insert,
    rows: &[[Cell<'_>; N]],
) -> Result<(), StoreError> {
    for chunk in insert_chunks(rows) {
        let sql = insert_sql(insert, Backend::Sqlite, chunk.len(), N);
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(chunk.as_flattened()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::sessionize::{SessionStart, TrafficDelta, TrafficKey};

    fn sample_changes() -> Changes {
        let key = TrafficKey {
            day: "2026-11-24".into(),
            channel: "ai_assistant".into(),
            source: "chatgpt".into(),
        };
        let mut changes = Changes::default();
        // Enough sessions for a full chunk and a tail of several sizes.
        for id in 1..=300 {
            changes.new_sessions.push(NewSession {
                id,
                visitor_key: format!("{id:032x}"),
                started_at: 1_795_000_000 + id,
                last_hit_at: 1_795_000_100 + id,
                day: key.day.clone(),
                start: SessionStart {
                    channel: key.channel.clone(),
                    source: key.source.clone(),
                    landing_path: format!("/p/{id}"),
                    utm_source: (id % 2 == 0).then(|| "chatgpt.com".into()),
                    ..SessionStart::default()
                },
                pageviews: 2,
                converted: id == 7,
            });
        }
        changes.updates.push(SessionUpdate {
            id: 3,
            last_hit_at: 1_795_009_999,
            pageviews: 5,
            converted: true,
        });
        changes.conversions.push(NewConversion {
            session_id: 7,
            goal: "purchase".into(),
            kind: "macro",
            converted_at: 1_795_000_050,
            day: key.day.clone(),
            path: "/checkout/complete".into(),
        });
        changes.traffic.insert(
            key.clone(),
            TrafficDelta {
                sessions: 300,
                pageviews: 600,
                conversions: 1,
            },
        );
        changes.goals.insert((key.clone(), "purchase".into()), 1);
        changes
            .new_salts
            .push(("2026-11-24".into(), hex::encode([7u8; 32])));
        let mut crawlers = crate::ingest::crawlers::CrawlerTally::default();
        let user = crate::classify::bot("ChatGPT-User/1.0").unwrap();
        let training = crate::classify::bot("GPTBot/1.2").unwrap();
        for (agent, status) in [(user, 200), (user, 404), (training, 200), (training, 301)] {
            crawlers.record(agent, key.day.clone(), "/pricing".into(), status);
        }
        changes.crawlers = crawlers.take();
        changes
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            site: "acme".into(),
            file_id: "f".into(),
            head_len: 4096,
            device: Some(7),
            inode: Some(42),
            path: "access.log".into(),
            byte_offset: 1234,
            lines: 300,
            replaces: None,
        }
    }

    /// Everything a batch wrote, as text, table by table.
    async fn dump(store: &Store) -> Vec<String> {
        let queries = [
            "SELECT id, site, visitor_key, started_at, last_hit_at, day, channel, source, \
             search_term, landing_path, referrer_host, utm_source, utm_medium, utm_campaign, \
             utm_term, utm_content, pageviews, converted FROM sessions ORDER BY id",
            "SELECT id, session_id, site, goal, kind, converted_at, day, path FROM conversions",
            "SELECT site, day, channel, source, sessions, pageviews, conversions FROM daily_traffic",
            "SELECT site, day, channel, source, goal, conversions FROM daily_goals",
            "SELECT site, file_id, path, byte_offset, lines, head_len, device, inode \
             FROM ingest_checkpoints",
            "SELECT site, day, salt FROM day_salts",
            "SELECT site, day, agent, operator, purpose, path, hits, status_2xx, status_3xx, \
             status_4xx, status_5xx FROM daily_crawlers ORDER BY agent",
        ];
        let mut out = Vec::new();
        for sql in queries {
            let prepared = crate::report::library::prepare(sql);
            let table = store.run_own_sql(&prepared, &[]).await.expect(sql);
            out.push(format!("{:?}", table.rows));
        }
        out
    }

    #[tokio::test]
    async fn sqlite_file_and_pool_writers_store_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let file_url = format!("sqlite://{}", dir.path().join("a.db").display());
        let file_store = Store::connect(&file_url).await.unwrap();
        let memory_store = Store::connect("sqlite::memory:").await.unwrap();
        let mut file_writer = file_store.batch_writer("acme").unwrap();
        assert!(matches!(file_writer.target, Target::SqliteFile(_)));
        let mut pool_writer = memory_store.batch_writer("acme").unwrap();
        assert!(matches!(pool_writer.target, Target::Pool(_)));
        file_writer
            .commit(sample_changes(), checkpoint())
            .await
            .unwrap();
        pool_writer
            .commit(sample_changes(), checkpoint())
            .await
            .unwrap();
        let written = dump(&file_store).await;
        assert_eq!(written, dump(&memory_store).await);
        assert!(written[0].contains("\"chatgpt.com\""), "{}", written[0]);
        // The update landed after the insert of the same batch.
        assert!(written[0].contains("1795009999"), "{}", written[0]);
        assert!(written[6].contains("\"user_fetch\""), "{}", written[6]);
    }

    #[tokio::test]
    async fn a_full_disk_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("full.db").display());
        let store = Store::connect(&url).await.unwrap();
        let mut writer = store.batch_writer("acme").unwrap();
        // No room to grow: SQLite answers SQLITE_FULL, as on a full disk.
        if let Target::SqliteFile(Some(file)) = &writer.target {
            let pages: i64 = file
                .conn
                .query_row("PRAGMA page_count", [], |row| row.get(0))
                .unwrap();
            file.conn
                .pragma_update(None, "max_page_count", pages)
                .unwrap();
        } else {
            panic!("a SQLite file gets a direct writer");
        }
        let err = writer
            .commit(sample_changes(), checkpoint())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::DiskFull(_)), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with("the disk is full"), "{text}");
        assert!(!text.contains("another ingest"), "{text}");
    }

    #[test]
    fn insert_sql_numbers_parameters_row_by_row() {
        let insert = Insert {
            head: "INSERT INTO t (a, b, c)",
            tail: "ON CONFLICT DO NOTHING",
        };
        assert_eq!(
            insert_sql(&insert, Backend::Postgres, 2, 3),
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT DO NOTHING"
        );
        let plain = Insert {
            head: "INSERT INTO t (a, b)",
            tail: "",
        };
        assert_eq!(
            insert_sql(&plain, Backend::Sqlite, 2, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }

    #[test]
    fn insert_chunks_use_few_sizes_and_keep_every_row() {
        for n in [0, 1, 2, 3, 255, 256, 257, 2850, 4096] {
            let rows: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = insert_chunks(&rows).collect();
            assert_eq!(chunks.concat(), rows, "n = {n}");
            for chunk in &chunks {
                assert!(chunk.len().is_power_of_two() && chunk.len() <= ROWS_PER_INSERT);
            }
            // Full chunks, then at most one chunk per binary digit of the rest.
            let tail = chunks.iter().filter(|c| c.len() < ROWS_PER_INSERT).count();
            assert!(tail <= ((n % ROWS_PER_INSERT) as u32).count_ones() as usize);
        }
    }
}
