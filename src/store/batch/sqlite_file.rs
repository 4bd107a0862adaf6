//! Writing a batch to a SQLite file on the writer thread's own rusqlite connection (see
//! `sqlite_writer`), binding the batch's borrowed rows without copies. On the 10M-line
//! benchmark, sqlx's worker thread and its three copies of every bound string cost as much CPU
//! as SQLite's own inserts; this halves the writer's time. It runs the same statements as the
//! pool writer.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::failpoint::{self, Point};
use super::statements::{BatchRows, Cell};
use crate::ingest::sessionize::Changes;
use crate::store::{Backend, Checkpoint, StoreError};

impl rusqlite::ToSql for Cell<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Cell::Int(value) => ValueRef::Integer(value),
            Cell::Text(text) => ValueRef::Text(text.as_bytes()),
            Cell::Null | Cell::NullInt => ValueRef::Null,
        }))
    }
}

/// Writes one batch and its checkpoint in one transaction on `conn`.
pub(super) fn commit(
    conn: &mut rusqlite::Connection,
    site: &str,
    changes: &Changes,
    checkpoint: &Checkpoint,
) -> Result<(), StoreError> {
    // IMMEDIATE: take the write lock before the first read, so a writer of another process
    // waits at the start (busy timeout) instead of failing halfway.
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let rows = BatchRows::new(site, changes, checkpoint);
    for (sql, cells) in rows.statements(Backend::Sqlite) {
        tx.prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(cells))?;
    }
    failpoint::reached(Point::BeforeCommit);
    tx.commit()?;
    failpoint::reached(Point::AfterCommit);
    Ok(())
}
