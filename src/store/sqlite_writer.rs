//! The one writer of a SQLite file: a thread that owns the write connection and runs, one at a
//! time, the write jobs every part of the process sends it (ingest batches of any site, session
//! id reservations, leases). Writers in one process therefore queue for this thread instead of
//! racing each other for SQLite's file lock and meeting "database is busy". The connection's
//! prepared statements stay cached across jobs. A job that panics loses only its own answer
//! (its caller sees [`StoreError::WriterLost`]); the thread goes on with the next job.
//! `Store::close` closes the connection; the thread ends when the last
//! [`Store`](super::Store) clone holding it is dropped.

use std::path::Path;
use std::sync::mpsc;

use super::StoreError;

/// A job gets the connection, or None once the writer was closed.
type Job = Box<dyn FnOnce(&mut Option<rusqlite::Connection>) + Send>;

/// The sending side of the writer thread.
#[derive(Debug)]
pub(super) struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
}

impl SqliteWriter {
    /// Opens the write connection to the (already migrated) file at `path` and starts the
    /// thread that owns it.
    pub(super) fn start(path: &Path) -> Result<SqliteWriter, StoreError> {
        let conn = open(path)?;
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("aivis-sqlite-writer".into())
            .spawn(move || {
                let mut conn = Some(conn);
                for job in queue {
                    // A panicking job drops its reply; its caller is told the writer failed.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        job(&mut conn);
                    }));
                }
            })
            .map_err(|_| StoreError::WriterLost)?;
        Ok(SqliteWriter { jobs })
    }

    /// Runs `work` on the write connection, after the jobs queued before it.
    pub(super) async fn run<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let result = match conn.as_mut() {
                    Some(conn) => work(conn),
                    None => Err(StoreError::WriterLost),
                };
                let _ = reply.send(result);
            }))
            .map_err(|_| StoreError::WriterLost)?;
        answer.await.map_err(|_| StoreError::WriterLost)?
    }

    /// Closes the write connection after the jobs queued before, and waits until it is closed
    /// (so the last connection to close checkpoints the WAL and removes its side files, even if
    /// the process ends right after). Later jobs fail with [`StoreError::WriterLost`].
    pub(super) async fn close(&self) {
        let (reply, closed) = tokio::sync::oneshot::channel::<()>();
        let sent = self.jobs.send(Box::new(move |conn| {
            drop(conn.take());
            let _ = reply.send(());
        }));
        if sent.is_ok() {
            let _ = closed.await;
        }
    }
}

fn open(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // Every chunk size of every batch table stays prepared (see `batch::statements`).
    conn.set_prepared_statement_cache_capacity(64);
    // The same settings as the pool's connection (see `pool_options`). The busy timeout is
    // for other processes (and the pool's own connection) holding the file's lock a moment.
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}
