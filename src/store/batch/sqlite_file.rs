//! The SQLite file writer: a direct rusqlite connection to the database file, binding the
//! batch's borrowed rows without copies. On the 10M-line benchmark, sqlx's worker thread and
//! its three copies of every bound string cost as much CPU as SQLite's own inserts; this
//! halves the writer's time. It runs the same statements as the pool writer.

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::statements::{BatchRows, Cell, NEXT_CONVERSION_ID};
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

/// A direct connection to a SQLite file for writing batches (the file is already migrated).
pub struct SqliteFileWriter {
    pub(super) conn: rusqlite::Connection,
}

impl SqliteFileWriter {
    pub(super) fn open(path: &Path) -> Result<SqliteFileWriter, StoreError> {
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

    /// Writes one batch and its checkpoint in one transaction.
    pub(super) fn commit(
        &mut self,
        site: &str,
        changes: &Changes,
        checkpoint: &Checkpoint,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let first_conversion_id = if BatchRows::needs_conversion_ids(changes) {
            tx.query_row(NEXT_CONVERSION_ID, [], |row| row.get(0))?
        } else {
            0
        };
        let rows = BatchRows::new(site, changes, checkpoint, first_conversion_id);
        for (sql, cells) in rows.statements(Backend::Sqlite) {
            tx.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(cells))?;
        }
        tx.commit()?;
        Ok(())
    }
}
