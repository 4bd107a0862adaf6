//! `aivis query` is read-only, on SQLite and PostgreSQL: hostile files (writes, DDL, ATTACH,
//! VACUUM INTO, PRAGMA, COPY TO PROGRAM, server file reads, several statements, reads of
//! `day_salts` directly or through a CTE, a view, `query_to_xml` or a role switch) exit with 2,
//! print why, never print a salt and leave every table byte for byte as it was. The database side
//! refuses them by itself too (the store is called directly, without the statement check).
//! Library queries, analyst files and reports still work; a runaway query is stopped by
//! `--timeout`; a PostgreSQL deployment user that cannot use the reader role is told the SQL
//! a database administrator must run, and that SQL works.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use aivis::report::library::prepare;
use aivis::report::table::Value;
use aivis::store::{Backend, Store, StoreError};
use common::{TestDb, aivis, postgres_admin_url, small_spec, write_log};
use sqlx::Connection;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// A directory the PostgreSQL server (another OS user) can write to, so that a file missing
/// from it afterwards means the server did not write it.
fn world_writable_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

/// Writes the config and ingests a small generated log through the binary.
fn ingest(dir: &Path, url: &str) {
    common::write_acme_config(dir, url);
    let (log, _) = write_log(dir, "access.log", &small_spec(11));
    let out = aivis(dir, &["ingest", log.to_str().unwrap()]);
    assert!(out.status.success(), "ingest: {}", text(&out.stderr));
}

/// Every table's name, columns and rows as text, ordered: the whole database.
async fn snapshot(url: &str) -> Vec<String> {
    let store = Store::connect(url).await.unwrap();
    let sqlite = store.backend() == Backend::Sqlite;
    let list = if sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    } else {
        "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = current_schema() \
         ORDER BY 1"
    };
    let mut out = Vec::new();
    if sqlite {
        let schema = run(
            &store,
            "SELECT type, name, sql FROM sqlite_master ORDER BY name",
        )
        .await;
        out.push(format!("{schema:?}"));
    } else {
        let schema = run(
            &store,
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT), \
             CAST(ordinal_position AS BIGINT) FROM information_schema.columns \
             WHERE table_schema = current_schema() ORDER BY 1, 4",
        )
        .await;
        out.push(format!("{schema:?}"));
    }
    for row in run(&store, list).await {
        let table = row[0].clone();
        let rows_sql = if sqlite {
            let columns = run(
                &store,
                &format!("SELECT name FROM pragma_table_info('{table}')"),
            )
            .await
            .into_iter()
            .map(|c| format!("quote(\"{}\")", c[0]))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
            format!("SELECT {columns} FROM \"{table}\" ORDER BY 1")
        } else {
            format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t ORDER BY 1")
        };
        out.push(format!("{table}: {:?}", run(&store, &rows_sql).await));
    }
    store.close().await;
    out
}

/// Rows of trusted SQL (the store's unguarded path), every cell as text.
async fn run(store: &Store, sql: &str) -> Vec<Vec<String>> {
    let table = store.run_own_sql(&prepare(sql), &[]).await.expect(sql);
    let cell = |v: &Value| match v {
        Value::Null => "NULL".to_string(),
        Value::Int(v) => v.to_string(),
        Value::Float(v) => format!("{v:?}"),
        Value::Text(v) => v.clone(),
    };
    table
        .rows
        .iter()
        .map(|row| row.iter().map(cell).collect())
        .collect()
}

async fn salts(url: &str) -> Vec<String> {
    let store = Store::connect(url).await.unwrap();
    let salts: Vec<String> = run(&store, "SELECT salt FROM day_salts")
        .await
        .into_iter()
        .map(|row| row[0].clone())
        .collect();
    store.close().await;
    assert!(!salts.is_empty() && salts.iter().all(|s| s.len() >= 32));
    salts
}

#[derive(Clone, Copy, PartialEq)]
enum On {
    Both,
    Sqlite,
    Postgres,
}

struct Hostile {
    sql: String,
    /// A piece of the message on stderr.
    says: &'static str,
    on: On,
}

fn hostile(sql: &str, says: &'static str, on: On) -> Hostile {
    Hostile {
        sql: sql.to_string(),
        says,
        on,
    }
}

fn hostile_files(drop: &Path) -> Vec<Hostile> {
    let at = |name: &str| drop.join(name).display().to_string();
    vec![
        hostile(
            "SELECT 1; DELETE FROM conversions;",
            "more than one statement",
            On::Both,
        ),
        hostile(
            "-- two; statements\nSELECT ';' AS a /* ; */ ;\n/* then */ UPDATE sessions SET pageviews = 0",
            "more than one statement",
            On::Both,
        ),
        hostile(
            "SELECT 'x'';'; DROP TABLE day_salts; --'",
            "more than one statement",
            On::Both,
        ),
        hostile(
            "SELECT $$;$$; DELETE FROM sessions",
            "more than one statement",
            On::Postgres,
        ),
        hostile("DELETE FROM sessions", "refused: DELETE", On::Both),
        hostile(
            "UPDATE sessions SET pageviews = 0",
            "refused: UPDATE",
            On::Both,
        ),
        hostile("DROP TABLE day_salts", "refused: DROP", On::Both),
        hostile(
            "INSERT INTO daily_traffic VALUES ('x', '2026-01-01', 'a', 'b', 1, 1, 1)",
            "refused: INSERT",
            On::Both,
        ),
        hostile("CREATE TABLE x (a int)", "refused: CREATE", On::Both),
        hostile(
            "CREATE VIEW v AS SELECT * FROM day_salts",
            "refused: CREATE",
            On::Both,
        ),
        hostile("PRAGMA writable_schema = 1", "refused: PRAGMA", On::Both),
        hostile(
            &format!("ATTACH DATABASE '{}' AS evil", at("evil.db")),
            "refused: ATTACH",
            On::Sqlite,
        ),
        hostile(
            &format!("VACUUM INTO '{}'", at("copy.db")),
            "refused: VACUUM",
            On::Sqlite,
        ),
        hostile(
            &format!("COPY (SELECT 1) TO PROGRAM 'touch {}'", at("pwned")),
            "refused: COPY",
            On::Postgres,
        ),
        hostile(
            "SELECT * FROM day_salts",
            "day_salts is secret and cannot be queried",
            On::Both,
        ),
        hostile(
            "SELECT salt FROM \"day_salts\" ORDER BY day",
            "day_salts is secret",
            On::Both,
        ),
        hostile(
            "WITH s AS (SELECT salt FROM day_salts) SELECT * FROM s",
            "day_salts is secret",
            On::Both,
        ),
        hostile(
            "SELECT query_to_xml('select * from day_salts', true, true, '')",
            "day_salts is secret",
            On::Postgres,
        ),
        hostile(
            "SELECT query_to_xml('select salt from ' || 'day' || '_salts', true, true, '')",
            "day_salts is secret",
            On::Postgres,
        ),
        hostile(
            "SELECT set_config('role', session_user, true), \
             query_to_xml('select * from day_salts', true, true, '')",
            "permission denied for function set_config",
            On::Postgres,
        ),
        hostile(
            "WITH d AS (DELETE FROM sessions RETURNING 1) SELECT * FROM d",
            "refused: DELETE",
            On::Both,
        ),
        hostile(
            "SELECT pg_read_file('/etc/hostname')",
            "permission denied for function pg_read_file",
            On::Postgres,
        ),
        hostile(
            "SELECT * FROM U&\"d\\0061y_salts\"",
            "unicode-escaped identifier",
            On::Both,
        ),
    ]
}

async fn hostile_files_are_refused(db: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let drop = world_writable_dir();
    ingest(dir.path(), &db.url);
    let before = snapshot(&db.url).await;
    let salts = salts(&db.url).await;
    let postgres = db.name == "postgres";
    for (i, case) in hostile_files(drop.path()).iter().enumerate() {
        let applies = match case.on {
            On::Both => true,
            On::Sqlite => !postgres,
            On::Postgres => postgres,
        };
        if !applies {
            continue;
        }
        let file = dir.path().join(format!("hostile_{i}.sql"));
        std::fs::write(&file, &case.sql).unwrap();
        let out = aivis(dir.path(), &["query", file.to_str().unwrap()]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let what = format!(
            "{}: {:?}\nstdout: {stdout}\nstderr: {stderr}",
            db.name, case.sql
        );
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(stderr.contains(case.says), "wanted {:?}; {what}", case.says);
        for salt in &salts {
            assert!(!stdout.contains(salt) && !stderr.contains(salt), "{what}");
        }
        assert_eq!(snapshot(&db.url).await, before, "changed by {what}");
    }
    for name in ["evil.db", "copy.db", "pwned"] {
        assert!(!drop.path().join(name).exists(), "{}: {name}", db.name);
    }
    if postgres {
        // The server could have written there: the missing file above is its refusal.
        let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let control = drop.path().join("control");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "COPY (SELECT 1) TO PROGRAM 'touch {}'",
            control.display()
        )))
        .execute(&mut admin)
        .await
        .unwrap();
        assert!(control.exists());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_query_files_exit_2_and_change_nothing_on_both_backends() {
    for db in TestDb::both().await {
        hostile_files_are_refused(&db).await;
        db.drop_db().await;
    }
}

/// What the database side refuses without the statement check: the store called directly.
fn refused_by_the_database(backend: Backend, drop: &Path) -> Vec<String> {
    let at = |name: &str| drop.join(name).display().to_string();
    let mut sql: Vec<String> = [
        "SELECT 1; DELETE FROM conversions",
        "DELETE FROM sessions",
        "UPDATE sessions SET pageviews = 0",
        "DROP TABLE day_salts",
        "CREATE TABLE x (a int)",
        "SELECT * FROM day_salts",
        "SELECT count(*) FROM day_salts",
        "WITH s AS (SELECT salt FROM day_salts) SELECT * FROM s",
        "SELECT (SELECT max(salt) FROM day_salts) AS m FROM sessions",
    ]
    .map(String::from)
    .to_vec();
    match backend {
        Backend::Sqlite => sql.extend([
            format!("ATTACH DATABASE '{}' AS evil", at("evil.db")),
            format!("VACUUM INTO '{}'", at("copy.db")),
            "PRAGMA writable_schema = 1".to_string(),
            "PRAGMA query_only = 0".to_string(),
            "SELECT load_extension('x')".to_string(),
            "SELECT * FROM dbstat".to_string(),
        ]),
        Backend::Postgres => sql.extend([
            "WITH d AS (DELETE FROM sessions RETURNING 1) SELECT * FROM d".to_string(),
            "SELECT query_to_xml('select * from day_salts', true, true, '')".to_string(),
            "SELECT set_config('role', session_user, true), \
             query_to_xml('select * from day_salts', true, true, '')"
                .to_string(),
            "SELECT set_config('session_authorization', session_user, true)".to_string(),
            "SELECT pg_read_file('/etc/hostname')".to_string(),
            format!("COPY (SELECT 1) TO PROGRAM 'touch {}'", at("pwned")),
            format!("SELECT lo_export(lo_from_bytea(0, 'x'), '{}')", at("lo")),
            "SELECT nextval('answers_id_seq')".to_string(),
        ]),
    }
    sql
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_side_refuses_by_itself_on_both_backends() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        let drop = world_writable_dir();
        ingest(dir.path(), &db.url);
        let before = snapshot(&db.url).await;
        let salts = salts(&db.url).await;
        let store = Store::connect(&db.url).await.unwrap();
        for sql in refused_by_the_database(store.backend(), drop.path()) {
            let result = store
                .run_read_only(&prepare(&sql), &[], Duration::from_secs(10))
                .await;
            let err = match result {
                Err(err) => err,
                Ok(table) => panic!("{}: {sql} ran: {table:?}", db.name),
            };
            assert!(
                matches!(err, StoreError::Refused(_)),
                "{}: {sql}: not a refusal: {err:?}",
                db.name
            );
            let message = err.to_string();
            assert!(salts.iter().all(|s| !message.contains(s)), "{message}");
        }
        // Still a working connection after every refusal.
        let ok = store
            .run_read_only(
                &prepare("SELECT count(*) AS n FROM sessions"),
                &[],
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        assert_eq!(ok.columns, ["n"]);
        store.close().await;
        assert_eq!(snapshot(&db.url).await, before, "{}", db.name);
        for name in ["evil.db", "copy.db", "pwned", "lo"] {
            assert!(!drop.path().join(name).exists(), "{}: {name}", db.name);
        }
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_view_over_day_salts_is_refused_on_both_backends() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        ingest(dir.path(), &db.url);
        // An administrator's view: the deployment user's default privileges grant it to the
        // reader role on PostgreSQL.
        sqlx::any::install_default_drivers();
        let mut admin = sqlx::AnyConnection::connect(&db.url).await.unwrap();
        sqlx::raw_sql("CREATE VIEW salt_view AS SELECT day, salt FROM day_salts")
            .execute(&mut admin)
            .await
            .unwrap();
        let before = snapshot(&db.url).await;
        let salts = salts(&db.url).await;
        let file = dir.path().join("view.sql");
        std::fs::write(&file, "SELECT * FROM salt_view").unwrap();
        let out = aivis(dir.path(), &["query", file.to_str().unwrap()]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(2), "{}: {stdout}{stderr}", db.name);
        assert!(stderr.contains("day_salts"), "{}: {stderr}", db.name);
        assert!(
            salts
                .iter()
                .all(|s| !stdout.contains(s) && !stderr.contains(s))
        );
        if db.name == "postgres" {
            // Every query is refused until the view is revoked, with the statement to run.
            let out = aivis(dir.path(), &["query", "conversions_by_channel"]);
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{stderr}");
            assert!(
                stderr.contains("REVOKE ALL ON salt_view FROM aivis_reader;"),
                "{stderr}"
            );
            sqlx::raw_sql("REVOKE ALL ON salt_view FROM aivis_reader")
                .execute(&mut admin)
                .await
                .unwrap();
            let out = aivis(dir.path(), &["query", "conversions_by_channel"]);
            assert!(out.status.success(), "{}", text(&out.stderr));
            let out = aivis(dir.path(), &["query", file.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        }
        admin.close().await.unwrap();
        assert_eq!(snapshot(&db.url).await, before, "{}", db.name);
        db.drop_db().await;
    }
}

const ANALYST_FILE: &str = "\
-- Sessions per channel; the header has a semicolon too.
-- params: site
/* A block comment; with one more. */
WITH per_channel AS (
    SELECT channel, COUNT(*) AS n
    FROM sessions
    WHERE (:site IS NULL OR site = :site)
    GROUP BY channel
)
SELECT channel,
       CAST(n AS BIGINT) AS sessions,
       'a;b' AS note,
       'it''s -- no comment' AS quoted
FROM per_channel
ORDER BY channel;
-- trailing comment
";

fn json(out: &Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn library_queries_analyst_files_and_reports_still_work_on_both_backends() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        ingest(dir.path(), &db.url);
        let before = snapshot(&db.url).await;

        let library = json(&aivis(
            dir.path(),
            &["query", "conversions_by_channel", "--format", "json"],
        ));
        assert!(!library.is_empty(), "{}", db.name);
        let library_sessions: i64 = library
            .iter()
            .map(|r| r["sessions"].as_i64().unwrap())
            .sum();

        let file = dir.path().join("mine.sql");
        std::fs::write(&file, ANALYST_FILE).unwrap();
        let mine = json(&aivis(
            dir.path(),
            &[
                "query",
                file.to_str().unwrap(),
                "--param",
                "site=acme",
                "--format",
                "json",
            ],
        ));
        assert!(!mine.is_empty(), "{}", db.name);
        for row in &mine {
            assert_eq!(row["note"], "a;b");
            assert_eq!(row["quoted"], "it's -- no comment");
        }
        let mine_sessions: i64 = mine.iter().map(|r| r["sessions"].as_i64().unwrap()).sum();
        assert_eq!(mine_sessions, library_sessions, "{}", db.name);
        let none = json(&aivis(
            dir.path(),
            &[
                "query",
                file.to_str().unwrap(),
                "--param",
                "site=nosuch",
                "--format",
                "json",
            ],
        ));
        assert!(none.is_empty());

        let report = json(&aivis(
            dir.path(),
            &["report", "conversions", "--format", "json"],
        ));
        assert_eq!(report.len(), library.len(), "{}", db.name);
        assert!(report.iter().all(|r| r["conversion_rate"].is_number()));
        let out = aivis(dir.path(), &["report", "crawlers"]);
        assert!(out.status.success(), "{}", text(&out.stderr));

        assert_eq!(snapshot(&db.url).await, before, "{}", db.name);
        db.drop_db().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runaway_query_is_stopped_by_its_timeout_on_both_backends() {
    for db in TestDb::both().await {
        let dir = tempfile::tempdir().unwrap();
        ingest(dir.path(), &db.url);
        let file = dir.path().join("forever.sql");
        std::fs::write(
            &file,
            "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c \
             WHERE n < 1000000000000) SELECT count(*) AS n FROM c",
        )
        .unwrap();
        let started = Instant::now();
        let out = aivis(
            dir.path(),
            &["query", file.to_str().unwrap(), "--timeout", "1"],
        );
        let stderr = text(&out.stderr);
        // A runtime failure, not a refusal: the statement was allowed and ran out of time.
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", db.name);
        assert!(
            stderr.contains("stopped after 1 s, its time limit"),
            "{}: {stderr}",
            db.name
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}: took {:?}",
            db.name,
            started.elapsed()
        );
        let out = aivis(dir.path(), &["query", "conversions_by_channel"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        db.drop_db().await;
    }
}

#[test]
fn query_help_says_read_only_one_statement_and_day_salts() {
    let dir = tempfile::tempdir().unwrap();
    let out = aivis(dir.path(), &["query", "--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for phrase in [
        "read-only",
        "exactly one statement",
        "day_salts",
        "--timeout <SECONDS>",
        "aivis_reader",
    ] {
        assert!(help.contains(phrase), "{phrase} missing: {help}");
    }
    let out = aivis(dir.path(), &["query", "x.sql", "--timeout", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A PostgreSQL login role that owns its database but may not create roles.
struct Deployment {
    role: String,
    database: String,
    url: String,
}

impl Deployment {
    async fn create() -> Deployment {
        let suffix = format!("{}_{}", std::process::id(), rand::random::<u32>());
        let (role, database) = (
            format!("aivis_owner_{suffix}"),
            format!("aivis_test_owned_{suffix}"),
        );
        let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
            .await
            .expect("PostgreSQL is required (AIVIS_TEST_POSTGRES_URL)");
        for sql in [
            format!("CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEROLE"),
            format!("CREATE DATABASE {database} OWNER {role}"),
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        let url = with_user_and_database(&postgres_admin_url(), &role, &database);
        Deployment {
            role,
            database,
            url,
        }
    }

    async fn drop(self) {
        let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
            .await
            .unwrap();
        for sql in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.database),
            format!("DROP ROLE IF EXISTS {}", self.role),
        ] {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut admin)
                .await;
        }
    }
}

/// `postgres://USER@host:port/DATABASE?…` from the admin URL.
fn with_user_and_database(admin: &str, user: &str, database: &str) -> String {
    let mut url = url::Url::parse(admin).unwrap();
    url.set_username(user).unwrap();
    url.set_password(None).unwrap();
    url.set_path(&format!("/{database}"));
    url.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_deployment_user_without_the_reader_role_gets_the_sql_for_a_dba() {
    let deployment = Deployment::create().await;
    let dir = tempfile::tempdir().unwrap();
    // The migrations run as a user that may not create or grant roles, and still succeed.
    ingest(dir.path(), &deployment.url);
    let before = snapshot(&deployment.url).await;
    let out = aivis(dir.path(), &["query", "conversions_by_channel"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("aivis_reader"), "{stderr}");
    let statements: Vec<String> = stderr
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(';'))
        .map(|l| l.split(" --").next().unwrap().trim().to_string())
        .collect();
    assert!(
        statements
            .iter()
            .any(|s| *s == format!("GRANT aivis_reader TO {};", deployment.role)),
        "{stderr}"
    );
    let out = aivis(dir.path(), &["report", "conversions"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(snapshot(&deployment.url).await, before);

    // A superuser runs what was printed (the role may exist already: other tests create it).
    let admin = url::Url::parse(&postgres_admin_url()).unwrap();
    let admin_url = with_user_and_database(admin.as_str(), admin.username(), &deployment.database);
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    for statement in &statements {
        let result = sqlx::raw_sql(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut admin)
            .await;
        if let Err(e) = result {
            assert!(statement.starts_with("CREATE ROLE"), "{statement}: {e}");
        }
    }
    admin.close().await.unwrap();
    let rows = json(&aivis(
        dir.path(),
        &["query", "conversions_by_channel", "--format", "json"],
    ));
    assert!(!rows.is_empty());
    let file = dir.path().join("switch.sql");
    std::fs::write(
        &file,
        "SELECT set_config('role', session_user, true), \
         query_to_xml('select * from day_salts', true, true, '')",
    )
    .unwrap();
    let out = aivis(dir.path(), &["query", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("set_config"));
    std::fs::write(&file, "SELECT * FROM day_salts").unwrap();
    let out = aivis(dir.path(), &["query", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(snapshot(&deployment.url).await, before);
    deployment.drop().await;
}
