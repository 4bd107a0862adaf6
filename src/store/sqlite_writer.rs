//! The one writer of a SQLite file: a thread that owns the write connection and runs, one at a
//! time, every write of the file the process makes: ingest batches of any site, session id
//! reservations, leases, and each write transaction of the store (`write_tx`: prompts, check
//! runs, answers, `forget`, …), which is one job that opens `BEGIN IMMEDIATE`, runs the
//! statements its caller sends until the commit, and rolls back when the caller goes away
//! first. Writers in one process therefore queue for this thread instead of racing each other
//! for SQLite's file lock and meeting "database is busy"; only reads use other connections. The
//! connection's prepared statements stay cached across jobs. A job that panics loses only its
//! own answer (its caller sees [`StoreError::WriterLost`]); the thread goes on with the next
//! job. `Store::close` closes the connection; the thread ends when the last
//! [`Store`](super::Store) clone holding it is dropped.

use std::path::Path;
use std::sync::mpsc;

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::StoreError;
use super::write_tx::{Row, Value};

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

    /// Opens a write transaction (`BEGIN IMMEDIATE`) as one job, after the jobs queued before
    /// it; the job then runs the statements the returned [`WriterTx`] sends it, one at a time,
    /// until its commit, and rolls back when the `WriterTx` is dropped first.
    pub(super) async fn begin(&self) -> Result<WriterTx, StoreError> {
        let (steps, queue) = mpsc::channel::<Step>();
        let (opened, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| match conn.as_mut() {
                Some(conn) => serve_transaction(conn, &queue, opened),
                None => {
                    let _ = opened.send(Err(StoreError::WriterLost));
                }
            }))
            .map_err(|_| StoreError::WriterLost)?;
        answer.await.map_err(|_| StoreError::WriterLost)??;
        Ok(WriterTx { steps })
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

/// A statement of an open transaction, or its commit, with where the answer goes.
enum Step {
    Run {
        sql: &'static str,
        args: Vec<Value>,
        reply: tokio::sync::oneshot::Sender<Result<(u64, Vec<Row>), StoreError>>,
    },
    Commit {
        reply: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
    },
}

/// The caller's side of a transaction open on the writer thread. Dropping it before
/// [`WriterTx::commit`] rolls the transaction back and frees the writer for the next job.
pub(super) struct WriterTx {
    steps: mpsc::Sender<Step>,
}

impl WriterTx {
    /// Runs one statement; returns the rows it changed and the rows it returned.
    pub(super) async fn run(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<(u64, Vec<Row>), StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.steps
            .send(Step::Run { sql, args, reply })
            .map_err(|_| StoreError::WriterLost)?;
        answer.await.map_err(|_| StoreError::WriterLost)?
    }

    /// Commits the transaction.
    pub(super) async fn commit(self) -> Result<(), StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.steps
            .send(Step::Commit { reply })
            .map_err(|_| StoreError::WriterLost)?;
        answer.await.map_err(|_| StoreError::WriterLost)?
    }
}

/// The writer's side of a transaction: `BEGIN IMMEDIATE`, then the statements the caller
/// sends, until its commit. When the caller goes away first (its `WriterTx` dropped: a
/// cancelled task, a failed statement), the queue ends and the transaction is rolled back.
fn serve_transaction(
    conn: &mut rusqlite::Connection,
    queue: &mpsc::Receiver<Step>,
    opened: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
) {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(err) => {
            let _ = opened.send(Err(err.into()));
            return;
        }
    };
    if opened.send(Ok(())).is_err() {
        return; // The caller is gone: `tx` rolls back as it is dropped.
    }
    for step in queue {
        match step {
            Step::Run { sql, args, reply } => {
                let _ = reply.send(run_statement(&tx, sql, &args));
            }
            Step::Commit { reply } => {
                let _ = reply.send(tx.commit().map_err(StoreError::from));
                return;
            }
        }
    }
}

/// Runs one statement (prepared once per connection and kept in its cache) with `args` bound
/// to `$1`, `$2`, … in order.
fn run_statement(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[Value],
) -> Result<(u64, Vec<Row>), StoreError> {
    let mut statement = conn.prepare_cached(sql)?;
    check_placeholders(&statement, sql)?;
    if statement.column_count() == 0 {
        let changed = statement.execute(rusqlite::params_from_iter(args))?;
        return Ok((changed as u64, Vec::new()));
    }
    let columns = statement.column_count();
    let mut rows = Vec::new();
    let mut cursor = statement.query(rusqlite::params_from_iter(args))?;
    while let Some(row) = cursor.next()? {
        let values = (0..columns)
            .map(|index| owned_value(row.get_ref(index)?))
            .collect::<Result<Vec<_>, _>>()?;
        rows.push(Row(values));
    }
    drop(cursor);
    Ok((conn.changes(), rows))
}

/// rusqlite binds parameters by position: the SQL must name `$1`, `$2`, … in that order
/// (each first use in order; later uses of a name reuse its position).
fn check_placeholders(
    statement: &rusqlite::CachedStatement<'_>,
    sql: &str,
) -> Result<(), StoreError> {
    for index in 1..=statement.parameter_count() {
        let expected = format!("${index}");
        if statement.parameter_name(index) != Some(expected.as_str()) {
            return Err(StoreError::Corrupt(format!(
                "parameter {index} of `{sql}` is not named {expected}"
            )));
        }
    }
    Ok(())
}

fn owned_value(value: ValueRef<'_>) -> Result<Value, rusqlite::Error> {
    Ok(match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(value) => Value::Int(value),
        ValueRef::Real(value) => Value::Float(value),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(_) => {
            return Err(rusqlite::Error::InvalidColumnType(
                0,
                "a blob".into(),
                rusqlite::types::Type::Blob,
            ));
        }
    })
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Int(value) => ValueRef::Integer(*value),
            Value::Float(value) => ValueRef::Real(*value),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Null | Value::NullInt => ValueRef::Null,
        }))
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
    // for other processes holding the file's lock a moment.
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}
