//! Runs a query file from the library (or an analyst's own file) read-only and returns a
//! [`Table`]. Values are bound as parameters; column types are read back as integer, float,
//! text or null (blobs as `\x…` hex text). Rows are decoded into the table as the database
//! sends them, never held twice; a caller that wants fewer rows limits the SQL itself
//! (`report::run_file_with`).
//!
//! [`Store::run_read_only`] is the path of `aivis query` and of every report. It keeps the
//! database unchanged and the secret table [`SECRET_TABLE`] unread, whatever the SQL:
//! - a SQLite file: a separate read-only rusqlite connection with an authorizer
//!   (`sqlite_reader`);
//! - PostgreSQL: a `READ ONLY` transaction with a `statement_timeout`, as the role
//!   [`READER_ROLE`] (created by migration 0005: it may read every table but the secret one and
//!   may not call `set_config`, so a query cannot switch back to the connecting role), always
//!   rolled back. Before the statement runs, a guard checks as that role that it cannot read
//!   the secret table (nor a view of it), call `set_config` or use the server's files;
//!   otherwise the query is refused with the SQL a database administrator must run;
//! - an in-memory SQLite database has no file to open read-only: queries are refused.
//!
//! [`Store::run_own_sql`] is the unguarded pool path, kept for SQL that aivis's own tests write.

use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Column, Executor, Row, SqlSafeStr, Statement};

use super::{Backend, SECRET_TABLE, Store, StoreError, sqlite_reader};
use crate::report::library::Prepared;
use crate::report::statement::READ_ONLY_RULE;
use crate::report::table::{Table, Value};

/// The PostgreSQL role queries run as (`SET LOCAL ROLE`): it can read every table except the
/// secret one, and nothing else.
pub const READER_ROLE: &str = "aivis_reader";

/// Run as [`READER_ROLE`] before the statement: what that role must not be able to do.
/// `readable`: the secret table and every view built on it (views of views too) that the role
/// can read, for a view reads its tables with its owner's privileges, and default privileges
/// grant the role every view the deployment user creates later.
const GUARD: &str = "WITH RECURSIVE secret(oid) AS ( \
         SELECT CAST(to_regclass('day_salts') AS oid) \
         UNION \
         SELECT r.ev_class FROM secret s \
         JOIN pg_catalog.pg_depend d ON d.refclassid = CAST('pg_catalog.pg_class' AS regclass) \
              AND d.refobjid = s.oid AND d.classid = CAST('pg_catalog.pg_rewrite' AS regclass) \
         JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid \
     ) \
     SELECT \
     (SELECT string_agg(CAST(CAST(oid AS regclass) AS text), ', ' ORDER BY oid) FROM secret \
      WHERE oid IS NOT NULL AND has_any_column_privilege(oid, 'SELECT')) AS readable, \
     has_function_privilege('pg_catalog.set_config(text, text, boolean)', 'EXECUTE') AS set_config, \
     (pg_has_role('pg_read_server_files', 'MEMBER') \
      OR pg_has_role('pg_write_server_files', 'MEMBER') \
      OR pg_has_role('pg_execute_server_program', 'MEMBER')) AS files";

impl Store {
    /// Runs `prepared` read-only, with `values[i]` bound to `$i+1` (None binds NULL), stopping
    /// it after `timeout`. Anything but reading (a write, DDL, `ATTACH`, `PRAGMA`, `COPY`, file
    /// access, a second statement) and any read of the secret table is
    /// [`StoreError::Refused`]; a statement that runs out of time is [`StoreError::Timeout`].
    /// Nothing in the database changes either way.
    pub async fn run_read_only(
        &self,
        prepared: &Prepared,
        values: &[Option<String>],
        timeout: Duration,
    ) -> Result<Table, StoreError> {
        super::doing("running a query", async {
            match (self.backend, &self.sqlite_file) {
                (Backend::Postgres, _) => {
                    self.run_on_postgres(&prepared.sql, values, timeout).await
                }
                (Backend::Sqlite, Some(path)) => {
                    let (path, sql, values) = (path.clone(), prepared.sql.clone(), values.to_vec());
                    tokio::task::spawn_blocking(move || {
                        sqlite_reader::run(&path, &sql, &values, timeout)
                    })
                    .await
                    .map_err(|_| StoreError::ReaderLost)?
                }
                (Backend::Sqlite, None) => Err(StoreError::Refused(
                    "queries need a database file: an in-memory SQLite database has none to open \
                 read-only"
                        .to_string(),
                )),
            }
        })
        .await
    }

    /// Runs `prepared` through the pool with `values[i]` bound to `$i+1` (None binds NULL),
    /// without the read-only guard of [`Store::run_read_only`]: for SQL that aivis itself
    /// wrote, such as its tests' checks of what was stored (they read the secret table). Never
    /// pass it SQL from a user or a file.
    pub async fn run_own_sql(
        &self,
        prepared: &Prepared,
        values: &[Option<String>],
    ) -> Result<Table, StoreError> {
        super::doing("running a query", async {
            let mut conn = self.pool.acquire().await?;
            Ok(fetch(&mut conn, &prepared.sql, values).await?)
        })
        .await
    }

    async fn run_on_postgres(
        &self,
        sql: &str,
        values: &[Option<String>],
        timeout: Duration,
    ) -> Result<Table, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN READ ONLY").await?;
        let millis = timeout.as_millis().clamp(1, i32::MAX as u128);
        (&mut *tx)
            .execute(AssertSqlSafe(format!(
                "SET LOCAL statement_timeout = {millis}"
            )))
            .await?;
        if let Err(e) = (&mut *tx)
            .execute(AssertSqlSafe(format!("SET LOCAL ROLE {READER_ROLE}")))
            .await
        {
            tx.rollback().await?;
            let reason = e
                .as_database_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_string());
            return Err(self.reader_setup_refusal(&reason).await);
        }
        let guard = sqlx::query(GUARD).fetch_one(&mut *tx).await?;
        if let Some(readable) = guard.try_get::<Option<String>, _>("readable")? {
            tx.rollback().await?;
            return Err(StoreError::Refused(secret_readable_message(&readable)));
        }
        let problem = if guard.try_get::<bool, _>("set_config")? {
            Some(
                "the role may call set_config, with which a query could switch back to a role \
                 that reads everything"
                    .to_string(),
            )
        } else if guard.try_get::<bool, _>("files")? {
            Some("the role may use the server's files or programs".to_string())
        } else {
            None
        };
        if let Some(problem) = problem {
            tx.rollback().await?;
            return Err(self.reader_setup_refusal(&problem).await);
        }
        let result = fetch(&mut tx, sql, values).await;
        let rolled_back = tx.rollback().await;
        let table = result.map_err(|e| postgres_failure(e, timeout))?;
        rolled_back?;
        Ok(table)
    }

    /// Why queries cannot run on this PostgreSQL database, with the SQL that fixes it.
    async fn reader_setup_refusal(&self, reason: &str) -> StoreError {
        let names: Result<(String, String), _> =
            sqlx::query_as("SELECT quote_ident(current_user), quote_ident(current_schema())")
                .fetch_one(&self.pool)
                .await;
        let (user, schema) =
            names.unwrap_or_else(|_| ("<aivis database user>".into(), "public".into()));
        StoreError::Refused(reader_setup_message(reason, &user, &schema))
    }
}

/// The refusal when [`READER_ROLE`] is missing, unusable or too powerful: `reason`, then the
/// statements a superuser runs in the database (as the migration does when it can).
pub(super) fn reader_setup_message(reason: &str, user: &str, schema: &str) -> String {
    let r = READER_ROLE;
    format!(
        "queries run on PostgreSQL as the role {r}, which this database is not set up for: \
         {reason}.\n\
         A database administrator (superuser) must run, in this database:\n\
         \x20 CREATE ROLE {r} NOLOGIN; -- skip if the role exists\n\
         \x20 GRANT {r} TO {user};\n\
         \x20 GRANT USAGE ON SCHEMA {schema} TO {r};\n\
         \x20 GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {r};\n\
         \x20 REVOKE ALL ON {schema}.{SECRET_TABLE} FROM {r};\n\
         \x20 ALTER DEFAULT PRIVILEGES FOR ROLE {user} GRANT SELECT ON TABLES TO {r};\n\
         \x20 REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;"
    )
}

/// The refusal when [`READER_ROLE`] can read the secret table, directly or through the views
/// in `readable` (a comma-separated list of relation names).
pub(super) fn secret_readable_message(readable: &str) -> String {
    let r = READER_ROLE;
    let revokes: String = readable
        .split(", ")
        .map(|name| format!("\n  REVOKE ALL ON {name} FROM {r};"))
        .collect();
    format!(
        "queries are refused: the role {r} they run as can read {SECRET_TABLE} (through: \
         {readable}). A database administrator must run, in this database:{revokes}"
    )
}

/// Runs the statement on the transaction's connection, each row decoded into the table as it
/// arrives (no second copy of the result); column names from the first row, or from the
/// statement when there are no rows.
async fn fetch(
    conn: &mut AnyConnection,
    sql: &str,
    values: &[Option<String>],
) -> Result<Table, sqlx::Error> {
    // A `sqlx::query` always goes through the extended protocol (Parse/Bind/Execute), which
    // takes one statement only. It stays a named (cached) statement: an unnamed one would be
    // replaced when sqlx looks up an unknown column type on the same connection.
    let mut query = sqlx::query(AssertSqlSafe(sql.to_string()));
    for value in values {
        query = query.bind(value.clone());
    }
    let mut names: Option<Vec<String>> = None;
    let rows = query
        .map(|row: AnyRow| {
            if names.is_none() {
                names = Some(column_names(&row));
            }
            decode_row(&row)
        })
        .fetch_all(&mut *conn)
        .await?;
    let columns = match names {
        Some(names) => names,
        None => {
            let statement = conn
                .prepare(AssertSqlSafe(sql.to_string()).into_sql_str())
                .await?;
            statement
                .columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect()
        }
    };
    Ok(Table { columns, rows })
}

/// A PostgreSQL error as a refusal when the database refused the statement (privileges, the
/// read-only transaction, more than one statement), a timeout, or else a plain error.
fn postgres_failure(e: sqlx::Error, timeout: Duration) -> StoreError {
    let Some(db) = e.as_database_error() else {
        return StoreError::Sql(e);
    };
    let message = db.message().to_string();
    match db.code().as_deref() {
        Some("42501") if message.contains(SECRET_TABLE) => StoreError::Refused(format!(
            "{SECRET_TABLE} is secret and cannot be queried (the database said: {message})"
        )),
        // insufficient_privilege, read_only_sql_transaction
        Some("42501" | "25006") => StoreError::Refused(format!(
            "{READ_ONLY_RULE}; refused by the database: {message}"
        )),
        Some("42601") if message.contains("multiple commands") => StoreError::Refused(format!(
            "{READ_ONLY_RULE}; refused: more than one statement"
        )),
        // query_canceled: the statement_timeout
        Some("57014") => StoreError::Timeout {
            seconds: timeout.as_secs(),
        },
        _ => StoreError::Sql(e),
    }
}

/// Blob bytes as text: `\x` and lowercase hex, as PostgreSQL prints `bytea`.
pub(super) fn blob_text(bytes: &[u8]) -> String {
    format!("\\x{}", hex::encode(bytes))
}

fn column_names(row: &AnyRow) -> Vec<String> {
    row.columns().iter().map(|c| c.name().to_string()).collect()
}

fn decode_row(row: &AnyRow) -> Vec<Value> {
    (0..row.columns().len())
        .map(|i| decode_cell(row, i))
        .collect()
}

fn decode_cell(row: &AnyRow, i: usize) -> Value {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return v.map_or(Value::Null, Value::Int);
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return v.map_or(Value::Null, Value::Float);
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return v.map_or(Value::Null, Value::Text);
    }
    if let Ok(v) = row.try_get::<Option<i32>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<f32>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Float(f64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<i16>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Int(i64::from(v)));
    }
    if let Ok(v) = row.try_get::<Option<Vec<u8>>, _>(i) {
        return v.map_or(Value::Null, |v| Value::Text(blob_text(&v)));
    }
    Value::Text("(unsupported type)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setup_message_names_the_user_schema_and_every_statement() {
        let message =
            reader_setup_message("role \"aivis_reader\" does not exist", "\"Aivis\"", "app");
        assert!(message.contains("does not exist"), "{message}");
        for line in [
            "CREATE ROLE aivis_reader NOLOGIN;",
            "GRANT aivis_reader TO \"Aivis\";",
            "GRANT SELECT ON ALL TABLES IN SCHEMA app TO aivis_reader;",
            "REVOKE ALL ON app.day_salts FROM aivis_reader;",
            "ALTER DEFAULT PRIVILEGES FOR ROLE \"Aivis\" GRANT SELECT ON TABLES TO aivis_reader;",
            "REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;",
        ] {
            assert!(message.contains(line), "{line} missing from {message}");
        }
    }

    #[test]
    fn the_secret_message_revokes_every_readable_relation() {
        let message = secret_readable_message("day_salts, app.\"Salt view\"");
        assert!(message.contains("can read day_salts"), "{message}");
        assert!(message.ends_with(
            "\n  REVOKE ALL ON day_salts FROM aivis_reader;\
             \n  REVOKE ALL ON app.\"Salt view\" FROM aivis_reader;"
        ));
    }
}
