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
