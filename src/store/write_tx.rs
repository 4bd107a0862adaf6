//! One write transaction, written once for every database: the seam every write of the store
//! (prompts, check runs, answers, `forget`, leases, id reservations, …) goes through, except the
//! ingest batch writers (`batch`), which bind borrowed rows on their own hot path.
//!
//! [`Store::begin_write`] opens a [`WriteTx`]; its statements use `$n` placeholders and owned
//! [`Value`]s, its answers are [`Row`]s of owned values. Behind it:
//! - a SQLite file: one job on the file's writer thread (`sqlite_writer`) that opens
//!   `BEGIN IMMEDIATE` and runs the transaction's statements, sent to it one at a time, until
//!   the commit. Nothing else runs on the write connection in between, and a transaction
//!   dropped before its commit (a cancelled caller, a failed statement) is rolled back there;
//! - PostgreSQL and in-memory SQLite: a transaction of the sqlx `Any` pool.
//!
//! While a transaction is open on a SQLite file it holds the writer thread: do not wait for
//! anything else (another write, a network call) between `begin_write` and `commit`.

use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Any, Arguments, Transaction};

use super::sqlite_writer::WriterTx;
use super::{Store, StoreError};

/// One bound value or one value read back. NULLs to bind carry their column's type, which
/// PostgreSQL checks; a NULL read back is [`Value::Null`].
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Int(i64),
    /// Bound as text through sqlx's `Any` driver (which sends an `f64` PostgreSQL refuses for
    /// a float8 column), as a real through rusqlite: the SQL casts it,
    /// `CAST(CAST($n AS TEXT) AS DOUBLE PRECISION)`, so both land as a float.
    Float(f64),
    Text(String),
    /// A NULL of a text column (or a NULL read back).
    Null,
    /// A NULL of an integer column.
    NullInt,
}

impl From<i64> for Value {
    fn from(value: i64) -> Value {
        Value::Int(value)
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Value {
        Value::Text(text)
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Value {
        value.map_or(Value::NullInt, Value::Int)
    }
}

impl From<Option<&str>> for Value {
    fn from(text: Option<&str>) -> Value {
        text.map_or(Value::Null, Value::from)
    }
}

impl From<Option<f64>> for Value {
    fn from(value: Option<f64>) -> Value {
        // Bound as text on the `Any` path: a text NULL.
        value.map_or(Value::Null, Value::Float)
    }
}

/// A row read back: its values by column position.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row(pub(super) Vec<Value>);

impl Row {
    fn value(&self, index: usize) -> Result<&Value, StoreError> {
        self.0
            .get(index)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {index} in a row read back")))
    }

    /// An integer column (never NULL).
    pub(super) fn int(&self, index: usize) -> Result<i64, StoreError> {
        match self.value(index)? {
            Value::Int(value) => Ok(*value),
            other => Err(mismatch(index, "an integer", other)),
        }
    }

    /// A text column (never NULL).
    pub(super) fn text(&self, index: usize) -> Result<String, StoreError> {
        match self.value(index)? {
            Value::Text(text) => Ok(text.clone()),
            other => Err(mismatch(index, "text", other)),
        }
    }
}

fn mismatch(index: usize, wanted: &str, found: &Value) -> StoreError {
    StoreError::Corrupt(format!("column {index} is {found:?}, not {wanted}"))
}

/// An open write transaction; dropped without [`WriteTx::commit`], it is rolled back.
pub(super) struct WriteTx {
    inner: Inner,
}

enum Inner {
    /// PostgreSQL and in-memory SQLite.
    Pool(Transaction<'static, Any>),
    /// A SQLite file: the transaction open on its writer thread.
    Writer(WriterTx),
}

impl Store {
    /// Opens a write transaction: on a SQLite file on its writer thread (`BEGIN IMMEDIATE`,
    /// after the writer's queued jobs), else on the pool.
    pub(super) async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        let inner = match &self.sqlite_writer {
            Some(writer) => Inner::Writer(writer.begin().await?),
            None => Inner::Pool(self.pool.begin().await?),
        };
        Ok(WriteTx { inner })
    }

    /// One statement in a transaction of its own; returns the rows it changed.
    pub(super) async fn write_one(
        &self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let changed = tx.execute(sql, args).await?;
        tx.commit().await?;
        Ok(changed)
    }
}

impl WriteTx {
    /// Runs a statement that returns no rows; returns the rows it changed.
    pub(super) async fn execute(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<u64, StoreError> {
        let changed = match &mut self.inner {
            Inner::Pool(tx) => sqlx::query_with(sql, any_arguments(args)?)
                .execute(&mut **tx)
                .await
                .map(|done| done.rows_affected())
                .map_err(StoreError::from),
            Inner::Writer(tx) => tx.run(sql, args).await.map(|(changed, _)| changed),
        };
        changed.map_err(StoreError::on_write)
    }

    /// Runs a statement (a SELECT, or a write with `RETURNING`); returns its rows.
    pub(super) async fn fetch_all(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<Vec<Row>, StoreError> {
        let rows = match &mut self.inner {
            Inner::Pool(tx) => match sqlx::query_with(sql, any_arguments(args)?)
                .fetch_all(&mut **tx)
                .await
            {
                Ok(rows) => rows.iter().map(row_from_any).collect(),
                Err(err) => Err(StoreError::from(err)),
            },
            Inner::Writer(tx) => tx.run(sql, args).await.map(|(_, rows)| rows),
        };
        rows.map_err(StoreError::on_write)
    }

    /// The first row of a statement's rows, if any.
    pub(super) async fn fetch_optional(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<Option<Row>, StoreError> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// The first row of a statement's rows; an error when there is none.
    pub(super) async fn fetch_one(
        &mut self,
        sql: &'static str,
        args: Vec<Value>,
    ) -> Result<Row, StoreError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::Sql(sqlx::Error::RowNotFound))
    }

    /// Commits the transaction.
    pub(super) async fn commit(self) -> Result<(), StoreError> {
        let committed = match self.inner {
            Inner::Pool(tx) => tx.commit().await.map_err(StoreError::from),
            Inner::Writer(tx) => tx.commit().await,
        };
        committed.map_err(StoreError::on_write)
    }
}

/// The values as arguments of sqlx's `Any` driver.
fn any_arguments(args: Vec<Value>) -> Result<sqlx::any::AnyArguments, StoreError> {
    let mut out = sqlx::any::AnyArguments::default();
    for value in args {
        let added = match value {
            Value::Int(value) => out.add(value),
            Value::Float(value) => out.add(value.to_string()),
            Value::Text(text) => out.add(text),
            Value::Null => out.add(None::<String>),
            Value::NullInt => out.add(None::<i64>),
        };
        added.map_err(|e| StoreError::Sql(sqlx::Error::Encode(e)))?;
    }
    Ok(out)
}

/// A row of the `Any` driver as owned values.
fn row_from_any(row: &AnyRow) -> Result<Row, StoreError> {
    use sqlx::{Row as _, TypeInfo as _, ValueRef as _};
    let mut values = Vec::with_capacity(row.len());
    for index in 0..row.len() {
        let raw = row.try_get_raw(index)?;
        let kind = raw.type_info().kind();
        let value = if raw.is_null() || raw.type_info().is_null() {
            Value::Null
        } else {
            match kind {
                AnyTypeInfoKind::Bool => Value::Int(i64::from(row.try_get::<bool, _>(index)?)),
                AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt => {
                    Value::Int(row.try_get(index)?)
                }
                AnyTypeInfoKind::Real | AnyTypeInfoKind::Double => {
                    Value::Float(row.try_get(index)?)
                }
                AnyTypeInfoKind::Text => Value::Text(row.try_get(index)?),
                AnyTypeInfoKind::Null | AnyTypeInfoKind::Blob => {
                    return Err(StoreError::Corrupt(format!(
                        "column {index} read back as {}",
                        raw.type_info().name()
                    )));
                }
            }
        };
        values.push(value);
    }
    Ok(Row(values))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::checks::mentions::{Citation, Extraction, Mention, Origin, Role};
    use crate::checks::prompts::NewPrompt;
    use crate::checks::run::RunStatus;
    use crate::store::NewAnswer;

    async fn file_store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("aivis.db").display());
        Store::connect(&url).await.unwrap()
    }

    async fn count(store: &Store, table: &'static str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&store.pool)
            .await
            .unwrap()
    }

    fn extraction() -> Extraction {
        Extraction {
            mentions: vec![Mention {
                entity: "Acme".into(),
                role: Role::Brand,
                count: 2,
                first_offset: Some(4),
                rank: Some(1),
                list_position: None,
            }],
            citations: vec![Citation {
                url: "https://acme.example/crm".into(),
                domain: "acme.example".into(),
                owner: Some(("Acme".into(), Role::Brand)),
                origin: Origin::Provider,
            }],
        }
    }

    /// One prompt-check run's writes, as `aivis check` makes them: a prompt, a run, an answer
    /// with its extraction, the run closed.
    async fn check_writes(store: Store, n: i64) -> Result<(), StoreError> {
        let prompt = NewPrompt {
            text: format!("best crm number {n}"),
            tags: vec!["crm".into()],
            engines: Vec::new(),
        };
        let crate::store::Added::New(prompt_id) = store.add_prompt("acme", &prompt, n).await?
        else {
            panic!("prompt {n} is new");
        };
        let run_id = store.start_check_run(1_000 + n).await?;
        let answer = NewAnswer {
            run_id,
            prompt_id,
            site: "acme".into(),
            engine: "openai".into(),
            kind: "openai".into(),
            asked_at: 1_000 + n,
            attempts: 1,
            cost_usd: Some(0.25),
            text: Some("Try Acme.".into()),
            ..NewAnswer::default()
        };
        store.store_answer(&answer, Some(&extraction())).await?;
        store
            .finish_check_run(run_id, 2_000 + n, RunStatus::Finished)
            .await
    }

    /// Without the one writer, these writes went through the pool's own connection: behind a
    /// writer holding the file's lock longer than the pool's busy timeout (here 100 ms, set
    /// below; 5 s in production) they failed with "database is locked". Through the writer
    /// they queue behind the job and all land.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn writes_queue_behind_a_long_write_instead_of_meeting_a_locked_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir).await;
        sqlx::query("PRAGMA busy_timeout = 100")
            .execute(&store.pool)
            .await
            .unwrap();
        // A long write, as a big ingest batch is: BEGIN IMMEDIATE held for 1.5 s.
        let (started, holding) = tokio::sync::oneshot::channel();
        let writer = Arc::clone(store.sqlite_writer.as_ref().unwrap());
        let long_write = tokio::spawn(async move {
            writer
                .run(move |conn| {
                    let tx =
                        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                    tx.execute(
                        "INSERT INTO check_runs (started_at, status) VALUES (1, 'finished')",
                        [],
                    )?;
                    let _ = started.send(());
                    std::thread::sleep(Duration::from_millis(1_500));
                    tx.commit()?;
                    Ok(())
                })
                .await
        });
        holding.await.unwrap();
        // The old path, a write on the pool's own connection, meets the locked file.
        let old_path = sqlx::query("INSERT INTO check_runs (started_at, status) VALUES (2, 'x')")
            .execute(&store.pool)
            .await
            .unwrap_err();
        assert!(old_path.to_string().contains("locked"), "{old_path}");
        let writers: Vec<_> = (0..8)
            .map(|n| tokio::spawn(check_writes(store.clone(), n)))
            .collect();
        let forget = tokio::spawn({
            let store = store.clone();
            async move { store.forget_before(Some("acme"), "2026-01-01").await }
        });
        for writer in writers {
            if let Err(err) = writer.await.unwrap() {
                panic!("a check write failed behind the long write: {err}");
            }
        }
        forget.await.unwrap().unwrap();
        long_write.await.unwrap().unwrap();
        assert_eq!(count(&store, "prompts").await, 8);
        assert_eq!(count(&store, "check_runs").await, 9);
        assert_eq!(count(&store, "answers").await, 8);
        assert_eq!(count(&store, "mentions").await, 8);
        assert_eq!(count(&store, "citations").await, 8);
        let finished: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM check_runs WHERE status = 'finished' AND finished_at >= 2000",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!(finished, 8);
        let cost: f64 =
            sqlx::query_scalar("SELECT CAST(SUM(cost_usd) AS DOUBLE PRECISION) FROM answers")
                .fetch_one(&store.pool)
                .await
                .unwrap();
        assert!((cost - 2.0).abs() < 1e-9, "{cost}");
        store.close().await;
    }

    /// A write transaction whose caller goes away (a dropped future, an aborted task) is
    /// rolled back on the writer thread, and the writer serves the next jobs.
    #[tokio::test]
    async fn a_dropped_write_transaction_rolls_back_and_frees_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let store = file_store(&dir).await;
        let mut tx = store.begin_write().await.unwrap();
        let inserted = tx
            .execute(
                "INSERT INTO check_runs (started_at, status) VALUES ($1, 'running')",
                vec![1.into()],
            )
            .await
            .unwrap();
        assert_eq!(inserted, 1);
        drop(tx);

        // A task cancelled while its transaction is open, between two statements.
        let (opened, open) = tokio::sync::oneshot::channel();
        let task = tokio::spawn({
            let store = store.clone();
            async move {
                let mut tx = store.begin_write().await.unwrap();
                tx.execute(
                    "INSERT INTO prompts (site, text, text_key, tags, engines, active, \
                     created_at) VALUES ('acme', $1, $1, '', '', 1, 0)",
                    vec!["never stored".into()],
                )
                .await
                .unwrap();
                let _ = opened.send(());
                std::future::pending::<()>().await;
            }
        });
        open.await.unwrap();
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());

        let run_id = tokio::time::timeout(Duration::from_secs(5), store.start_check_run(7))
            .await
            .expect("the writer serves the next job")
            .unwrap();
        assert_eq!(count(&store, "check_runs").await, 1);
        assert_eq!(count(&store, "prompts").await, 0);
        let started: i64 = sqlx::query_scalar("SELECT started_at FROM check_runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&store.pool)
            .await
            .unwrap();
        assert_eq!(started, 7);
        store.close().await;
    }

    /// A failed statement leaves nothing of its transaction behind, and the error names the
    /// operation on the writer path as on the pool path.
    #[tokio::test]
    async fn a_failed_write_is_named_and_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        for store in [
            file_store(&dir).await,
            Store::connect("sqlite::memory:").await.unwrap(),
        ] {
            // No such run: the foreign key refuses the answer.
            let answer = NewAnswer {
                run_id: 99,
                prompt_id: 99,
                site: "acme".into(),
                text: Some("Acme".into()),
                ..NewAnswer::default()
            };
            let err = store
                .store_answer(&answer, Some(&extraction()))
                .await
                .unwrap_err();
            assert_eq!(err.operation(), Some("storing an answer"), "{err}");
            let text = err.to_string();
            assert!(
                text.starts_with("storing an answer: ") && text.contains("FOREIGN KEY"),
                "{text}"
            );
            assert_eq!(count(&store, "answers").await, 0);
            assert_eq!(store.start_check_run(1).await.unwrap(), 1);
            store.close().await;
        }
    }
}
