//! The read-only SQLite connection that runs `aivis query` and report statements against a
//! database file. Each query opens its own rusqlite connection with `SQLITE_OPEN_READ_ONLY`,
//! `PRAGMA query_only`, defensive mode and untrusted schema, then installs an authorizer that
//! allows nothing but reading: `SELECT`, reads of tables other than the secret one (and of no
//! raw-page virtual table), functions that neither load code nor touch files, and recursive
//! CTEs. Writes, DDL, `ATTACH`, `PRAGMA`, transactions and the rest are denied while the
//! statement is prepared, so nothing of them ever runs. The statement must be one statement
//! (rusqlite refuses a tail), read-only by SQLite's own account and return columns (which
//! rules out `VACUUM INTO`); a progress handler interrupts it once its time limit has passed.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::query::blob_text;
use super::{SECRET_TABLE, StoreError};
use crate::report::statement::READ_ONLY_RULE;
use crate::report::table::{Table, Value};

/// SQL functions a query may not call: they load code, touch files or hand out pointers.
const DENIED_FUNCTIONS: &[&str] = &[
    "load_extension",
    "readfile",
    "writefile",
    "edit",
    "fts3_tokenizer",
];

/// Virtual tables that expose raw database pages (and so the secret table's rows).
const DENIED_TABLES: &[&str] = &["sqlite_dbpage", "dbstat"];

/// The names of SQLite's schema table.
const SCHEMA_TABLES: &[&str] = &[
    "sqlite_master",
    "sqlite_schema",
    "sqlite_temp_master",
    "sqlite_temp_schema",
];

/// How many SQLite virtual-machine steps run between two looks at the clock.
const STEPS_PER_CLOCK_CHECK: i32 = 1000;

/// Runs `sql` with `values[i]` bound to `$i+1` on a fresh read-only connection to `path`.
pub(super) fn run(
    path: &Path,
    sql: &str,
    values: &[Option<String>],
    timeout: Duration,
) -> Result<Table, StoreError> {
    let conn = open(path)?;
    let refusal: Arc<Mutex<Option<String>>> = Arc::default();
    let noted = Arc::clone(&refusal);
    conn.authorizer(Some(move |context: AuthContext<'_>| {
        authorize(&context, &noted)
    }))?;
    let deadline = Instant::now() + timeout;
    conn.progress_handler(
        STEPS_PER_CLOCK_CHECK,
        Some(move || Instant::now() >= deadline),
    )?;
    query(&conn, sql, values).map_err(|e| classify(e, &refusal, timeout))
}

fn open(path: &Path) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_URI: the path is a file name, never parsed for `?mode=…`.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "query_only", true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)?;
    Ok(conn)
}

/// A statement that is not a query, by SQLite's account.
fn not_a_query() -> StoreError {
    StoreError::Refused(format!(
        "{READ_ONLY_RULE}; refused: a statement that is not a query"
    ))
}

enum Failure {
    Sqlite(rusqlite::Error),
    NotAQuery,
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::Sqlite(e)
    }
}

fn query(conn: &Connection, sql: &str, values: &[Option<String>]) -> Result<Table, Failure> {
    let mut statement = conn.prepare(sql)?;
    if !statement.readonly() || statement.column_count() == 0 {
        return Err(Failure::NotAQuery);
    }
    for (i, value) in values.iter().enumerate() {
        // `$n` is a named parameter to SQLite: bind by name, wherever it first appears.
        if let Some(index) = statement.parameter_index(&format!("${}", i + 1))? {
            statement.raw_bind_parameter(index, value)?;
        }
    }
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    let width = columns.len();
    let mut rows = Vec::new();
    let mut cursor = statement.raw_query();
    while let Some(row) = cursor.next()? {
        let cells = (0..width)
            .map(|i| row.get_ref(i).map(decode))
            .collect::<Result<Vec<Value>, _>>()?;
        rows.push(cells);
    }
    Ok(Table { columns, rows })
}

fn decode(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(v) => Value::Int(v),
        ValueRef::Real(v) => Value::Float(v),
        ValueRef::Text(v) => Value::Text(String::from_utf8_lossy(v).into_owned()),
        ValueRef::Blob(v) => Value::Text(blob_text(v)),
    }
}

/// The error to report: what the authorizer refused first, else what SQLite said.
fn classify(failure: Failure, refusal: &Mutex<Option<String>>, timeout: Duration) -> StoreError {
    let noted = refusal.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(reason) = noted {
        return StoreError::Refused(reason);
    }
    let e = match failure {
        Failure::NotAQuery => return not_a_query(),
        Failure::Sqlite(e) => e,
    };
    match &e {
        rusqlite::Error::MultipleStatement => StoreError::Refused(format!(
            "{READ_ONLY_RULE}; refused: more than one statement"
        )),
        rusqlite::Error::SqliteFailure(failure, _) => match failure.code {
            ErrorCode::OperationInterrupted => StoreError::Timeout {
                seconds: timeout.as_secs(),
            },
            ErrorCode::ReadOnly | ErrorCode::AuthorizationForStatementDenied => not_a_query(),
            _ => StoreError::Sqlite(e),
        },
        _ => StoreError::Sqlite(e),
    }
}

fn authorize(context: &AuthContext<'_>, refusal: &Mutex<Option<String>>) -> Authorization {
    match verdict(&context.action) {
        None => Authorization::Allow,
        Some(reason) => {
            let mut noted = refusal.lock().unwrap_or_else(|e| e.into_inner());
            noted.get_or_insert(reason);
            Authorization::Deny
        }
    }
}

/// Why `action` is refused, or None when a read-only query may do it.
fn verdict(action: &AuthAction<'_>) -> Option<String> {
    let refused = |what: &str| Some(format!("{READ_ONLY_RULE}; refused: {what}"));
    match *action {
        AuthAction::Select | AuthAction::Recursive => None,
        AuthAction::Read { table_name, .. } => {
            if table_name.eq_ignore_ascii_case(SECRET_TABLE) {
                Some(format!("{SECRET_TABLE} is secret and cannot be queried"))
            } else if DENIED_TABLES
                .iter()
                .any(|t| table_name.eq_ignore_ascii_case(t))
            {
                refused(&format!("reading {table_name}"))
            } else {
                None
            }
        }
        AuthAction::Function { function_name } => {
            if DENIED_FUNCTIONS
                .iter()
                .any(|f| function_name.eq_ignore_ascii_case(f))
            {
                refused(&format!("the function {function_name}"))
            } else {
                None
            }
        }
        // DDL writes the schema table first: name it as what it is.
        AuthAction::Insert { table_name }
        | AuthAction::Update { table_name, .. }
        | AuthAction::Delete { table_name }
            if SCHEMA_TABLES
                .iter()
                .any(|t| table_name.eq_ignore_ascii_case(t)) =>
        {
            refused("a schema change (CREATE/DROP/ALTER)")
        }
        AuthAction::Insert { .. } => refused("INSERT"),
        AuthAction::Update { .. } => refused("UPDATE"),
        AuthAction::Delete { .. } => refused("DELETE"),
        AuthAction::Pragma { pragma_name, .. } => refused(&format!("PRAGMA {pragma_name}")),
        AuthAction::Attach { .. } => refused("ATTACH"),
        AuthAction::Detach { .. } => refused("DETACH"),
        AuthAction::Transaction { .. } | AuthAction::Savepoint { .. } => {
            refused("a transaction statement")
        }
        AuthAction::CreateIndex { .. }
        | AuthAction::CreateTable { .. }
        | AuthAction::CreateTempIndex { .. }
        | AuthAction::CreateTempTable { .. }
        | AuthAction::CreateTempTrigger { .. }
        | AuthAction::CreateTempView { .. }
        | AuthAction::CreateTrigger { .. }
        | AuthAction::CreateView { .. }
        | AuthAction::CreateVtable { .. } => refused("CREATE"),
        AuthAction::DropIndex { .. }
        | AuthAction::DropTable { .. }
        | AuthAction::DropTempIndex { .. }
        | AuthAction::DropTempTable { .. }
        | AuthAction::DropTempTrigger { .. }
        | AuthAction::DropTempView { .. }
        | AuthAction::DropTrigger { .. }
        | AuthAction::DropView { .. }
        | AuthAction::DropVtable { .. } => refused("DROP"),
        AuthAction::AlterTable { .. } => refused("ALTER TABLE"),
        _ => refused("a statement that is not a query"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database file with a secret table and a plain one.
    fn sample(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE day_salts (day TEXT PRIMARY KEY, salt TEXT NOT NULL);
             INSERT INTO day_salts VALUES ('2026-01-01', 'SECRETSALT');
             CREATE TABLE sessions (id INTEGER PRIMARY KEY, channel TEXT, pageviews INTEGER,
                                    score REAL, raw BLOB);
             INSERT INTO sessions VALUES (1, 'ai', 3, 0.5, x'00ff'), (2, 'search', 1, NULL, NULL);",
        )
        .unwrap();
        path
    }

    fn contents(path: &Path) -> String {
        let conn = Connection::open(path).unwrap();
        let mut out = String::new();
        for sql in [
            "SELECT group_concat(quote(day) || quote(salt)) FROM day_salts",
            "SELECT group_concat(quote(id) || quote(channel) || quote(pageviews)) FROM sessions",
            "SELECT group_concat(name) FROM sqlite_master",
        ] {
            let v: Option<String> = conn.query_row(sql, [], |r| r.get(0)).unwrap();
            out.push_str(&v.unwrap_or_default());
            out.push('\n');
        }
        out
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn reads_bind_by_name_and_decode_every_storage_class() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let table = run(
            &path,
            "SELECT id, channel, pageviews, score, raw FROM sessions \
             WHERE CAST($2 AS TEXT) = 'x' OR channel = CAST($1 AS TEXT) ORDER BY id",
            &[Some("search".into()), None],
            SECOND,
        )
        .unwrap();
        assert_eq!(
            table.columns,
            ["id", "channel", "pageviews", "score", "raw"]
        );
        assert_eq!(
            table.rows,
            [[
                Value::Int(2),
                Value::Text("search".into()),
                Value::Int(1),
                Value::Null,
                Value::Null
            ]]
        );
        let table = run(
            &path,
            "SELECT raw, score FROM sessions WHERE id = 1",
            &[],
            SECOND,
        )
        .unwrap();
        assert_eq!(
            table.rows,
            [[Value::Text("\\x00ff".into()), Value::Float(0.5)]]
        );
        let empty = run(&path, "SELECT id AS n FROM sessions WHERE 0", &[], SECOND).unwrap();
        assert_eq!(empty.columns, ["n"]);
        assert!(empty.rows.is_empty());
        let recursive = run(
            &path,
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 5) \
             SELECT sum(n) FROM c",
            &[],
            SECOND,
        )
        .unwrap();
        assert_eq!(recursive.rows, [[Value::Int(15)]]);
    }

    #[test]
    fn everything_but_reading_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let before = contents(&path);
        let copy = dir.path().join("copy.db");
        let evil = dir.path().join("evil.db");
        let cases = [
            ("SELECT * FROM day_salts", "day_salts is secret"),
            ("SELECT count(*) FROM day_salts", "day_salts is secret"),
            ("SELECT 1 FROM \"DAY_SALTS\"", "day_salts is secret"),
            (
                "WITH s AS (SELECT salt FROM main.day_salts) SELECT * FROM s",
                "day_salts is secret",
            ),
            (
                "SELECT (SELECT max(salt) FROM day_salts) FROM sessions",
                "day_salts is secret",
            ),
            ("SELECT * FROM dbstat", "reading dbstat"),
            ("SELECT load_extension('x')", "the function load_extension"),
            ("DELETE FROM sessions", "refused: DELETE"),
            ("UPDATE sessions SET pageviews = 0", "refused: UPDATE"),
            ("INSERT INTO sessions (id) VALUES (9)", "refused: INSERT"),
            ("DROP TABLE day_salts", "refused: "),
            ("CREATE TABLE x (a int)", "refused: "),
            ("CREATE TEMP TABLE x (a int)", "refused: "),
            ("ALTER TABLE sessions ADD COLUMN x", "refused: "),
            (
                "PRAGMA writable_schema = 1",
                "refused: PRAGMA writable_schema",
            ),
            ("PRAGMA query_only = 0", "refused: PRAGMA query_only"),
            ("BEGIN", "transaction"),
            ("SELECT 1; DELETE FROM sessions", "refused: DELETE"),
            ("SELECT 1; SELECT 2", "more than one statement"),
            ("VACUUM", "not a query"),
            ("ANALYZE", "refused: "),
        ];
        let mut all = cases.map(|(sql, why)| (sql.to_string(), why)).to_vec();
        all.push((
            format!("ATTACH DATABASE '{}' AS evil", evil.display()),
            "refused: ATTACH",
        ));
        all.push((format!("VACUUM INTO '{}'", copy.display()), "not a query"));
        for (sql, why) in &all {
            let err = run(&path, sql, &[], SECOND).expect_err(sql);
            assert!(
                matches!(err, StoreError::Refused(_)),
                "{sql}: not a refusal: {err:?}"
            );
            let message = err.to_string();
            assert!(message.contains(why), "{sql}: {message}");
            assert!(!message.contains("SECRETSALT"), "{sql}: {message}");
        }
        assert_eq!(contents(&path), before);
        assert!(!copy.exists() && !evil.exists());
    }

    #[test]
    fn a_runaway_query_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let path = sample(dir.path());
        let started = Instant::now();
        let err = run(
            &path,
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1e12) \
             SELECT count(*) FROM c",
            &[],
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
