//! The one storage seam: every SQL statement aivis runs and every database driver lives here.
//!
//! SQLite and PostgreSQL sit behind sqlx's `Any` driver, so one set of runtime queries
//! (`$n` placeholders, integer epoch seconds, `INTEGER` 0/1 flags, `CAST(SUM(..) AS BIGINT)`)
//! serves both; each backend has its own migration folder with the same tables. We chose
//! `Any` over a trait with two concrete pools because one copy of every query is worth more
//! than the conversion cost everywhere but one place: the ingest batch writer, which on a
//! SQLite file binds its rows through a direct rusqlite connection (see `batch`; the same
//! statements, one bundled SQLite), on the file's one writer thread (`sqlite_writer`).
//!
//! Every write of a SQLite file runs on that writer thread, so a process never has two write
//! connections to one file: the other writes (prompts, check runs, answers, `forget`, leases,
//! id reservations) go through one write-transaction seam (`write_tx`) written once over owned
//! values, which runs on the writer thread for a file and on the pool for PostgreSQL and
//! in-memory SQLite. Reads stay on the pool (WAL readers do not block the writer). Ids are
//! assigned by the database: conversion ids on insert, session ids reserved in blocks before
//! use (`reserve_session_ids`), so batches need no `RETURNING` round trips and writers of
//! different sites never collide. Named leases (`leases`) keep two ingests of one site apart.
//! The AI crawler range lists fetched by `aivis crawler-ranges update` are kept in
//! `crawler_ranges`.
//!
//! Queries from the library and from analysts (`aivis query`, the reports) go through
//! `Store::run_read_only` (see `query`), which refuses writes and the secret table
//! [`SECRET_TABLE`]: on a SQLite file a separate read-only rusqlite connection with an
//! authorizer (`sqlite_reader`), on PostgreSQL a `READ ONLY` transaction as the role
//! [`READER_ROLE`]. Only SQL that aivis's own tests write uses the unguarded `run_own_sql`.
//!
//! Opening: a PostgreSQL server is reached with one connection first, within
//! `CONNECT_TIMEOUT` (5 s), so a refused or silent server is named at once; a SQLite file is
//! migrated inside one exclusive transaction, so processes opening a new file together do not
//! race. Write errors are named for what they mean ([`StoreError::on_write`]), and errors of
//! the public operations say which operation failed ([`StoreError::Operation`]).

mod alerts;
mod batch;
mod checks;
mod crawler_ranges;
mod ingest;
mod job_runs;
mod leases;
mod names;
mod outbox;
mod query;
mod retention;
mod sqlite_reader;
mod sqlite_writer;
mod write_tx;

pub use alerts::{AlertFields, AlertWrite, StoredAlert};
pub use batch::{BatchWriter, Committed};
pub use checks::{Added, NewAnswer, PromptRow, StoredAnswer};
pub use crawler_ranges::StoredRangeList;
pub use ingest::{Checkpoint, Forgotten, StoredSession};
pub use job_runs::{JobRun, JobRunEnd, JobStatus};
pub use leases::{Lease, LeaseHolder, host_name};
pub use outbox::{AttemptEnd, ClaimedMessage, NewMessage, OutboxEntry};
pub use query::READER_ROLE;
pub use retention::Retained;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, Executor};

use crate::config::redact_url;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// How long to wait for a database server to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The table of secret per-day salts of the visitor keys: never readable through a query.
pub const SECRET_TABLE: &str = "day_salts";

/// Which database engine a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {url}: {source}")]
    Connect { url: String, source: sqlx::Error },
    /// The server did not accept a connection (refused, not found, no answer).
    #[error("cannot connect to the database at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("database_url {url:?} is not sqlite:… or postgres://…")]
    UnsupportedUrl { url: String },
    #[error("cannot migrate database {url}: {source}")]
    Migrate {
        url: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the SQLite writer thread failed")]
    WriterLost,
    #[error("the SQLite query thread failed")]
    ReaderLost,
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A query was refused before or while it ran: it is not one read-only statement, it
    /// reads the secret table, or the database is not set up to run it read-only. The message
    /// names what was refused. Nothing was changed.
    #[error("{0}")]
    Refused(String),
    /// A query ran longer than its time limit and was stopped.
    #[error(
        "the query was stopped after {seconds} s, its time limit (`aivis query --timeout SECONDS` sets it)"
    )]
    Timeout { seconds: u64 },
    /// A write failed because the disk (or the database's size limit) is full.
    #[error("the disk is full: {0}")]
    DiskFull(String),
    /// A named lease (one ingest per site) is held by another writer.
    #[error("{name} is held by {holder}")]
    LeaseHeld { name: String, holder: LeaseHolder },
    /// A write met a row another writer added first.
    #[error("{0} (another writer added the same row first)")]
    Conflict(String),
    /// An operation of the store failed; `doing` names it ("storing an answer: the disk is
    /// full"). Its kind is its cause's.
    #[error("{doing}: {source}")]
    Operation {
        doing: &'static str,
        source: Box<StoreError>,
    },
}

impl StoreError {
    /// Names the operation an error comes from ("adding a prompt"), for `map_err`. Errors that
    /// already say what failed (a refused or timed-out query, a held lease, opening the
    /// database) and errors already named stay as they are.
    pub fn doing(doing: &'static str) -> impl FnOnce(StoreError) -> StoreError {
        move |err| match err {
            StoreError::Connect { .. }
            | StoreError::Unreachable { .. }
            | StoreError::UnsupportedUrl { .. }
            | StoreError::Migrate { .. }
            | StoreError::Refused(_)
            | StoreError::Timeout { .. }
            | StoreError::LeaseHeld { .. }
            | StoreError::Operation { .. } => err,
            cause => StoreError::Operation {
                doing,
                source: Box::new(cause),
            },
        }
    }

    /// The operation that failed, when the error names one.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            StoreError::Operation { doing, .. } => Some(doing),
            _ => None,
        }
    }

    /// The error without the operation's name: for callers that name what they were doing
    /// themselves (an ingest says which file and byte it was committing).
    pub fn into_cause(self) -> StoreError {
        match self {
            StoreError::Operation { source, .. } => *source,
            other => other,
        }
    }

    /// The same error, named for what it means to the person running a write: a full disk
    /// or a conflicting writer, when the database says so.
    pub fn on_write(self) -> StoreError {
        match self {
            StoreError::Sql(sqlx::Error::Database(err)) => {
                let code = err.code().map(|c| c.into_owned()).unwrap_or_default();
                let message = err.message().to_string();
                if is_disk_full_code(&code) {
                    StoreError::DiskFull(message)
                } else if err.is_unique_violation() {
                    StoreError::Conflict(message)
                } else {
                    StoreError::Sql(sqlx::Error::Database(err))
                }
            }
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(err, message)) => {
                let text = message.unwrap_or_else(|| err.to_string());
                match err.code {
                    rusqlite::ErrorCode::DiskFull => StoreError::DiskFull(text),
                    rusqlite::ErrorCode::ConstraintViolation
                        if err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                            || err.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                    {
                        StoreError::Conflict(text)
                    }
                    _ => StoreError::Sqlite(rusqlite::Error::SqliteFailure(err, Some(text))),
                }
            }
            StoreError::Operation { doing, source } => StoreError::Operation {
                doing,
                source: Box::new(source.on_write()),
            },
            other => other,
        }
    }
}

/// Runs one operation of the store and names it in its error (see [`StoreError::doing`]).
async fn doing<T>(
    doing: &'static str,
    work: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    work.await.map_err(StoreError::doing(doing))
}

impl crate::error::HasKind for StoreError {
    fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            StoreError::UnsupportedUrl { .. } | StoreError::Refused(_) => ErrorKind::Usage,
            StoreError::Connect { .. }
            | StoreError::Unreachable { .. }
            | StoreError::Timeout { .. }
            | StoreError::DiskFull(_) => ErrorKind::Unavailable,
            StoreError::Sql(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => {
                ErrorKind::Unavailable
            }
            StoreError::Conflict(_) | StoreError::LeaseHeld { .. } => ErrorKind::Conflict,
            StoreError::Operation { source, .. } => source.kind(),
            StoreError::Migrate { .. }
            | StoreError::Sql(_)
            | StoreError::Sqlite(_)
            | StoreError::WriterLost
            | StoreError::ReaderLost
            | StoreError::Corrupt(_) => ErrorKind::Internal,
        }
    }
}

/// SQLite's SQLITE_FULL (13) and PostgreSQL's disk_full (53100) and its kin (class 53:
/// insufficient resources, out of memory aside).
fn is_disk_full_code(code: &str) -> bool {
    code == "13" || code == "53100"
}

/// A connection pool plus the backend it talks to.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The database file, for a SQLite database that is not in memory.
    sqlite_file: Option<PathBuf>,
    /// The file's one writer thread (see `sqlite_writer`), shared by every clone.
    sqlite_writer: Option<Arc<sqlite_writer::SqliteWriter>>,
    /// PostgreSQL: a native pool for the batch writer's `COPY` (see `batch::postgres`).
    batch_pool: Option<sqlx::PgPool>,
}

impl Store {
    /// Lets SQLite give back the page caches of its connections (the pool's and the writer
    /// thread's): after a large ingest they stay full while the process is idle. Nothing on
    /// PostgreSQL, whose caches are the server's.
    pub async fn release_memory(&self) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        doing("releasing memory", async {
            sqlx::query("PRAGMA shrink_memory")
                .execute(&self.pool)
                .await?;
            if self.sqlite_writer.is_some() {
                self.write_one("PRAGMA shrink_memory", Vec::new()).await?;
            }
            Ok(())
        })
        .await
    }

    /// Opens (creating a SQLite file if missing) and migrates the database at `url`.
    /// A PostgreSQL server that refuses or does not answer is reported within
    /// `CONNECT_TIMEOUT` (5 s), with the address and the cause.
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let shown = redact_url(url);
        let (backend, url) = normalise_url(url)?;
        let connect_error = |source| StoreError::Connect {
            url: shown.clone(),
            source,
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(connect_error)?
            .disable_statement_logging();
        let migrate_error = |source| StoreError::Migrate {
            url: shown.clone(),
            source,
        };
        let pool = match backend {
            Backend::Sqlite => {
                let pool = pool_options(backend)
                    .connect_with(options)
                    .await
                    .map_err(connect_error)?;
                migrate_sqlite(&pool).await.map_err(migrate_error)?;
                pool
            }
            Backend::Postgres => {
                // One connection first: its error says why (a pool would only time out).
                let mut conn = first_connection(&options, &url)
                    .await?
                    .map_err(connect_error)?;
                POSTGRES_MIGRATIONS
                    .run_direct(None, &mut conn, false)
                    .await
                    .map_err(migrate_error)?;
                conn.close().await.ok();
                pool_options(backend)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_lazy_with(options)
            }
        };
        let sqlite_file = sqlite_file(backend, &url);
        let sqlite_writer = match &sqlite_file {
            Some(path) => Some(Arc::new(sqlite_writer::SqliteWriter::start(path)?)),
            None => None,
        };
        let batch_pool = match backend {
            Backend::Postgres => Some(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(2)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_lazy_with(
                        sqlx::postgres::PgConnectOptions::from_str(&url)
                            .map_err(connect_error)?
                            .disable_statement_logging(),
                    ),
            ),
            Backend::Sqlite => None,
        };
        Ok(Store {
            pool,
            backend,
            sqlite_file,
            sqlite_writer,
            batch_pool,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pools, waiting for connections to finish.
    pub async fn close(&self) {
        if let Some(writer) = &self.sqlite_writer {
            writer.close().await;
        }
        if let Some(batch_pool) = &self.batch_pool {
            batch_pool.close().await;
        }
        self.pool.close().await;
    }
}

/// Migrates a SQLite database inside one exclusive transaction, so two processes opening a
/// new file at once do not both create its tables (the second waits, then finds them).
async fn migrate_sqlite(pool: &AnyPool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin_with("BEGIN EXCLUSIVE").await?;
    SQLITE_MIGRATIONS.run_direct(None, &mut *tx, false).await?;
    tx.commit().await?;
    Ok(())
}

/// One connection to a PostgreSQL server, or why there is none: refused, unknown host or no
/// answer within `CONNECT_TIMEOUT` (5 s) become [`StoreError::Unreachable`] naming the address;
/// other failures (authentication, a missing database) are handed back as they are.
async fn first_connection(
    options: &AnyConnectOptions,
    url: &str,
) -> Result<Result<AnyConnection, sqlx::Error>, StoreError> {
    let address = server_address(url);
    let attempt = tokio::time::timeout(CONNECT_TIMEOUT, AnyConnection::connect_with(options)).await;
    match attempt {
        Err(_) => Err(StoreError::Unreachable {
            address,
            reason: format!("no answer within {} s", CONNECT_TIMEOUT.as_secs()),
        }),
        Ok(Err(sqlx::Error::Io(err))) => Err(StoreError::Unreachable {
            address,
            reason: describe_io(&err),
        }),
        Ok(other) => Ok(other),
    }
}

/// `host:port` of a server URL, for messages (no user or password).
fn server_address(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!(
            "{}:{}",
            parsed.host_str().unwrap_or("localhost"),
            parsed.port().unwrap_or(5432)
        ),
        Err(_) => redact_url(url),
    }
}

fn describe_io(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::NotFound => "host not found".into(),
        ErrorKind::TimedOut => "timed out".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => err.to_string(),
    }
}

/// The file behind a SQLite URL; None for Postgres and in-memory databases.
fn sqlite_file(backend: Backend, url: &str) -> Option<PathBuf> {
    if backend != Backend::Sqlite || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

fn normalise_url(url: &str) -> Result<(Backend, String), StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok((Backend::Postgres, url.to_string()));
    }
    if !url.starts_with("sqlite:") {
        return Err(StoreError::UnsupportedUrl {
            url: redact_url(url),
        });
    }
    if url.contains(":memory:") || url.contains("mode=") {
        return Ok((Backend::Sqlite, url.to_string()));
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    Ok((Backend::Sqlite, format!("{url}{separator}mode=rwc")))
}

fn pool_options(backend: Backend) -> AnyPoolOptions {
    match backend {
        // One connection: SQLite has one writer anyway, and an in-memory database
        // exists per connection.
        Backend::Sqlite => AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    // The busy timeout first: switching a new file to WAL takes a lock that
                    // another process may hold for a moment.
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA temp_store = MEMORY").await?;
                    Ok(())
                })
            }),
        Backend::Postgres => AnyPoolOptions::new().max_connections(4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorKind, HasKind};

    fn sqlite_failure(code: std::ffi::c_int, message: &str) -> StoreError {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(code),
            Some(message.into()),
        ))
    }

    #[test]
    fn errors_name_the_operation_and_keep_their_kind() {
        let full = StoreError::doing("storing an answer")(sqlite_failure(
            rusqlite::ffi::SQLITE_FULL,
            "database or disk is full",
        ))
        .on_write();
        assert_eq!(
            full.to_string(),
            "storing an answer: the disk is full: database or disk is full"
        );
        assert_eq!(full.kind(), ErrorKind::Unavailable);
        assert_eq!(full.operation(), Some("storing an answer"));

        let taken = StoreError::doing("adding a prompt")(
            sqlite_failure(
                rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE,
                "UNIQUE constraint failed: prompts.site, prompts.text_key",
            )
            .on_write(),
        );
        assert_eq!(
            taken.to_string(),
            "adding a prompt: UNIQUE constraint failed: prompts.site, prompts.text_key \
             (another writer added the same row first)"
        );
        assert_eq!(taken.kind(), ErrorKind::Conflict);

        let other = StoreError::doing("deleting old visits")(sqlite_failure(
            rusqlite::ffi::SQLITE_IOERR,
            "disk I/O error",
        ));
        assert_eq!(
            other.to_string(),
            "deleting old visits: database error: disk I/O error"
        );
        assert_eq!(other.kind(), ErrorKind::Internal);
        let lost = StoreError::doing("closing a check run")(StoreError::WriterLost);
        assert_eq!(
            lost.to_string(),
            "closing a check run: the SQLite writer thread failed"
        );
    }

    #[test]
    fn an_operation_is_named_once() {
        // find_session calls find_sessions: the inner name stays, the outer is not added.
        let inner = StoreError::doing("looking up sessions")(StoreError::Corrupt("x".into()));
        let outer = StoreError::doing("looking up a session")(inner);
        assert_eq!(
            outer.to_string(),
            "looking up sessions: stored data is corrupt: x"
        );
        // Errors that say what failed already are not named again.
        let refused = StoreError::doing("running a query")(StoreError::Refused("no".into()));
        assert!(matches!(refused, StoreError::Refused(_)));
        assert_eq!(refused.kind(), ErrorKind::Usage);
        // A caller that names the operation itself (an ingest) takes the cause.
        let ingest = crate::ingest::IngestError::store("committing access.log up to byte 9")(
            StoreError::doing("committing an ingest batch")(StoreError::DiskFull("full".into())),
        );
        assert_eq!(
            ingest.to_string(),
            "committing access.log up to byte 9: the disk is full: full"
        );
        assert_eq!(ingest.kind(), ErrorKind::Unavailable);
    }

    #[test]
    fn sqlite_urls_get_create_mode() {
        assert_eq!(
            normalise_url("sqlite://a.db").unwrap(),
            (Backend::Sqlite, "sqlite://a.db?mode=rwc".to_string())
        );
        assert_eq!(
            normalise_url("sqlite://a.db?mode=ro").unwrap().1,
            "sqlite://a.db?mode=ro"
        );
        assert_eq!(
            normalise_url("sqlite::memory:").unwrap().1,
            "sqlite::memory:"
        );
        assert!(normalise_url("mysql://x").is_err());
    }
}
