//! What one ingest batch writes, defined once for both writers: the statements (multi-row
//! `INSERT`s in power-of-two chunks, and single-row statements) and the [`Cell`] rows they
//! bind, borrowed from the batch. [`BatchRows::statements`] lists them in the order one
//! transaction must run them.

use std::borrow::Cow;

use super::super::Backend;
use crate::day::now_unix;
use crate::ingest::sessionize::{Changes, NewConversion, NewSession, SessionUpdate};
use crate::store::Checkpoint;

/// Most rows per multi-row INSERT (kept well under both backends' bound-parameter limits).
/// A power of two: see [`insert_chunks`].
pub(super) const ROWS_PER_INSERT: usize = 256;

/// One bound value, borrowed from the batch. NULLs carry their column's type, which
/// PostgreSQL checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cell<'a> {
    Int(i64),
    Text(&'a str),
    Null,
    NullInt,
}

/// The cells as arguments of database `DB`, for the writers that bind through sqlx.
pub(super) fn arguments<'c, DB>(
    cells: &[Cell<'c>],
) -> Result<DB::Arguments, crate::store::StoreError>
where
    DB: sqlx::Database,
    i64: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    &'c str: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'c, DB> + sqlx::Type<DB>,
{
    use sqlx::Arguments;
    let mut args = DB::Arguments::default();
    for cell in cells {
        let added = match *cell {
            Cell::Int(value) => args.add(value),
            Cell::Text(text) => args.add(text),
            Cell::Null => args.add(None::<String>),
            Cell::NullInt => args.add(None::<i64>),
        };
        added.map_err(|e| crate::store::StoreError::Sql(sqlx::Error::Encode(e)))?;
    }
    Ok(args)
}

fn optional(text: &Option<String>) -> Cell<'_> {
    text.as_deref().map_or(Cell::Null, Cell::Text)
}

/// A multi-row statement: `{head} VALUES (…), (…) {tail}` (an INSERT, or an UPDATE from a
/// VALUES list).
pub(super) struct Insert {
    pub(super) head: &'static str,
    pub(super) tail: &'static str,
}

/// The sessions columns, in the order of [`session_row`].
pub(super) const SESSION_COLUMNS: &str = "id, site, visitor_key, started_at, last_hit_at, day, \
     channel, source, search_term, landing_path, referrer_host, utm_source, utm_medium, \
     utm_campaign, utm_term, utm_content, pageviews, converted";

const SESSIONS: Insert = Insert {
    head: "INSERT INTO sessions (id, site, visitor_key, started_at, last_hit_at, day, channel, \
           source, search_term, landing_path, referrer_host, utm_source, utm_medium, \
           utm_campaign, utm_term, utm_content, pageviews, converted)",
    tail: "",
};

const CONVERSIONS: Insert = Insert {
    head: "INSERT INTO conversions (session_id, site, goal, kind, converted_at, day, path)",
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
    head: "INSERT INTO daily_crawlers (site, day, agent, operator, purpose, path, verification, \
           hits, status_2xx, status_3xx, status_4xx, status_5xx)",
    tail: "ON CONFLICT (site, day, agent, path, verification) DO UPDATE SET \
           hits = daily_crawlers.hits + excluded.hits, \
           status_2xx = daily_crawlers.status_2xx + excluded.status_2xx, \
           status_3xx = daily_crawlers.status_3xx + excluded.status_3xx, \
           status_4xx = daily_crawlers.status_4xx + excluded.status_4xx, \
           status_5xx = daily_crawlers.status_5xx + excluded.status_5xx",
};

/// Salts of days first seen in this batch. The site's lease keeps other ingests of the site
/// out; should a salt exist all the same, the stored one is kept.
const INSERT_SALT: &str = "INSERT INTO day_salts (site, day, salt, created_at) \
                           VALUES ($1, $2, $3, $4) ON CONFLICT (site, day) DO NOTHING";

/// The site's salts of days that can no longer receive sessions.
const FORGET_SALTS: &str = "DELETE FROM day_salts WHERE site = $1 AND day < $2";

/// The row of a checkpoint whose file grew past its old fingerprint.
const DROP_CHECKPOINT: &str = "DELETE FROM ingest_checkpoints WHERE site = $1 AND file_id = $2";

/// One continued session (SQLite: a prepared statement per row costs no round trip).
const UPDATE_SESSION: &str =
    "UPDATE sessions SET last_hit_at = $1, pageviews = $2, converted = $3 WHERE id = $4";

/// Many continued sessions in one statement (PostgreSQL: one round trip per chunk instead of
/// one per session). Rows are `(last_hit_at, pageviews, converted, id)` like [`UPDATE_SESSION`].
const UPDATE_SESSIONS: Insert = Insert {
    head: "UPDATE sessions AS s SET last_hit_at = v.last_hit_at, pageviews = v.pageviews, \
           converted = v.converted FROM (",
    tail: ") AS v (last_hit_at, pageviews, converted, id) WHERE s.id = v.id",
};

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

fn conversion_row<'a>(site: &'a str, c: &'a NewConversion) -> [Cell<'a>; 7] {
    [
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
fn crawler_rows<'a>(site: &'a str, changes: &'a Changes) -> Vec<[Cell<'a>; 12]> {
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
                Cell::Text(key.verification.as_str()),
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
pub(super) fn insert_chunks<T>(rows: &[T]) -> impl Iterator<Item = &[T]> {
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
pub(super) fn insert_sql(insert: &Insert, backend: Backend, rows: usize, columns: usize) -> String {
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

/// A batch's rows, built once from the batch and its checkpoint.
pub(super) struct BatchRows<'a> {
    salts: Vec<[Cell<'a>; 4]>,
    forget_salts: Option<[Cell<'a>; 2]>,
    sessions: Vec<[Cell<'a>; 18]>,
    updates: Vec<[Cell<'static>; 4]>,
    conversions: Vec<[Cell<'a>; 7]>,
    traffic: Vec<[Cell<'a>; 7]>,
    goals: Vec<[Cell<'a>; 6]>,
    crawlers: Vec<[Cell<'a>; 12]>,
    replaced_checkpoint: Option<[Cell<'a>; 2]>,
    checkpoint: [Cell<'a>; 9],
}

/// One statement and the cells it binds.
pub(super) type Statement<'s, 'a> = (Cow<'static, str>, &'s [Cell<'a>]);

impl<'a> BatchRows<'a> {
    pub(super) fn new(
        site: &'a str,
        changes: &'a Changes,
        checkpoint: &'a Checkpoint,
    ) -> BatchRows<'a> {
        BatchRows {
            salts: salt_rows(site, changes),
            forget_salts: changes
                .forget_salts_before
                .as_deref()
                .map(|before| [Cell::Text(site), Cell::Text(before)]),
            sessions: changes
                .new_sessions
                .iter()
                .map(|s| session_row(site, s))
                .collect(),
            updates: changes.updates.iter().map(update_row).collect(),
            conversions: changes
                .conversions
                .iter()
                .map(|c| conversion_row(site, c))
                .collect(),
            traffic: traffic_rows(site, changes),
            goals: goal_rows(site, changes),
            crawlers: crawler_rows(site, changes),
            replaced_checkpoint: replaced_checkpoint(checkpoint),
            checkpoint: checkpoint_row(checkpoint),
        }
    }

    /// The new sessions' rows.
    pub(super) fn sessions(&self) -> &[[Cell<'a>; 18]] {
        &self.sessions
    }

    /// The statements writing the batch on `backend`, in order: new salts, old salts
    /// deleted, sessions, their updates, conversions, the rollups, the checkpoint (its old
    /// row first, when its fingerprint grew).
    pub(super) fn statements(&self, backend: Backend) -> Vec<Statement<'_, 'a>> {
        self.statements_with(backend, true)
    }

    /// The statements without the new sessions, for a writer that copies those in first
    /// ([`BatchRows::sessions`]).
    pub(super) fn statements_after_copy(&self, backend: Backend) -> Vec<Statement<'_, 'a>> {
        self.statements_with(backend, false)
    }

    fn statements_with(&self, backend: Backend, insert_sessions: bool) -> Vec<Statement<'_, 'a>> {
        let mut out: Vec<Statement<'_, 'a>> = Vec::new();
        out.extend(self.salts.iter().map(|row| one(INSERT_SALT, row)));
        out.extend(self.forget_salts.iter().map(|row| one(FORGET_SALTS, row)));
        if insert_sessions {
            inserts(&mut out, backend, &SESSIONS, &self.sessions);
        }
        match backend {
            Backend::Sqlite => out.extend(self.updates.iter().map(|row| one(UPDATE_SESSION, row))),
            Backend::Postgres => inserts(&mut out, backend, &UPDATE_SESSIONS, &self.updates),
        }
        inserts(&mut out, backend, &CONVERSIONS, &self.conversions);
        inserts(&mut out, backend, &DAILY_TRAFFIC, &self.traffic);
        inserts(&mut out, backend, &DAILY_GOALS, &self.goals);
        inserts(&mut out, backend, &DAILY_CRAWLERS, &self.crawlers);
        out.extend(
            self.replaced_checkpoint
                .iter()
                .map(|row| one(DROP_CHECKPOINT, row)),
        );
        out.push(one(SAVE_CHECKPOINT, &self.checkpoint));
        out
    }
}

/// A single-row statement.
fn one<'s, 'a>(sql: &'static str, cells: &'s [Cell<'a>]) -> Statement<'s, 'a> {
    (Cow::Borrowed(sql), cells)
}

/// The multi-row INSERTs of `rows`, chunk by chunk.
fn inserts<'s, 'a, const N: usize>(
    out: &mut Vec<Statement<'s, 'a>>,
    backend: Backend,
    insert: &Insert,
    rows: &'s [[Cell<'a>; N]],
) {
    for chunk in insert_chunks(rows) {
        let sql = insert_sql(insert, backend, chunk.len(), N);
        out.push((Cow::Owned(sql), chunk.as_flattened()));
    }
}
