//! Writing one ingest batch: new day salts (and the deletion of salts whose day can no longer
//! receive sessions), new sessions, updates of sessions that continued, conversions, the daily
//! rollups (traffic, goals, AI crawlers) and the file checkpoint, all in one transaction, so a
//! crash loses and duplicates nothing. Before writing, the AI crawler rows are folded into the
//! per-agent path budget ([`PathBudget`]), loading the paths already stored on first sight.
//!
//! The statements and their rows are defined once (`statements`). Three writers run them:
//! - a SQLite file on the store's one writer thread and its rusqlite connection
//!   (`sqlite_file`, `sqlite_writer`);
//! - PostgreSQL on a native connection that copies the new sessions and conversions in with
//!   `COPY` and runs the other statements (`postgres`);
//! - an in-memory SQLite database (tests) through sqlx's `Any` pool.
//!
//! Migrations and every read still go through sqlx's `Any` pool; the store's other writes go
//! through `write_tx` (on a SQLite file, on the same writer thread).
//!
//! Session ids are reserved from the database before the batch is built (see
//! [`Store::reserve_session_ids`]); conversion ids are assigned by the database on insert. So
//! ingests of different sites write side by side. `failpoint` is the crash-test hook.

mod failpoint;
mod postgres;
mod sqlite_file;
mod statements;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use sqlx::{Any, AssertSqlSafe, Transaction};

use super::ingest::Checkpoint;
use super::sqlite_writer::SqliteWriter;
use super::{Store, StoreError};
use crate::day::{day_number, parse_day};
use crate::ingest::crawlers::PathBudget;
use crate::ingest::sessionize::Changes;
use failpoint::Point;
use statements::{BatchRows, Cell, arguments};

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
    /// Through the sqlx pool (in-memory SQLite).
    Pool(Store),
    /// Through a native PostgreSQL pool, copying the new rows in.
    Postgres(sqlx::PgPool),
    /// Through the SQLite file's one writer thread.
    SqliteFile(Arc<SqliteWriter>),
}

impl Store {
    /// A writer of `site`'s ingest batches: the writer thread for a SQLite file, else the
    /// pool.
    pub fn batch_writer(&self, site: &str) -> Result<BatchWriter, StoreError> {
        let target = match (&self.sqlite_writer, &self.batch_pool) {
            (Some(writer), _) => Target::SqliteFile(Arc::clone(writer)),
            (None, Some(pool)) => Target::Postgres(pool.clone()),
            (None, None) => Target::Pool(self.clone()),
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
    /// Writes one batch and its checkpoint in a single transaction. Its errors do not name the
    /// operation: the ingest that calls it names the file and byte it was committing.
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
            Target::Postgres(pool) => {
                postgres::commit(pool, &self.site, &changes, &checkpoint).await
            }
            Target::SqliteFile(writer) => {
                let site = Arc::clone(&self.site);
                writer
                    .run(move |conn| {
                        sqlite_file::commit(conn, &site, &changes, &checkpoint)
                            .map_err(StoreError::on_write)
                    })
                    .await
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
    let rows = BatchRows::new(site, changes, checkpoint);
    for (sql, cells) in rows.statements(store.backend) {
        execute(&mut tx, sql.into_owned(), cells).await?;
    }
    failpoint::reached(Point::BeforeCommit);
    tx.commit().await?;
    failpoint::reached(Point::AfterCommit);
    Ok(())
}

async fn execute(
    tx: &mut Transaction<'static, Any>,
    sql: String,
    cells: &[Cell<'_>],
) -> Result<(), StoreError> {
    sqlx::query_with(AssertSqlSafe(sql), arguments::<Any>(cells)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
