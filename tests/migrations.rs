//! Upgrading a database that earlier versions of aivis wrote: its rows survive the migrations
//! of this version, and ingests continue on it with database-assigned ids, on both backends.

mod common;

use aivis::demo::demo_site;
use aivis::ingest::{IngestOptions, Input, ingest};
use aivis::store::Store;
use common::{TestDb, execute, number, small_spec, write_log};
use sqlx::Connection;

/// The last migration of the version before database-assigned ids.
const BEFORE_DATABASE_IDS: i64 = 5;

/// Migrates `url` only up to [`BEFORE_DATABASE_IDS`], as that version left it.
async fn migrate_as_before(url: &str) {
    sqlx::any::install_default_drivers();
    let (url, migrator) = if url.starts_with("sqlite") {
        (
            format!("{url}?mode=rwc"),
            sqlx::migrate!("./migrations/sqlite"),
        )
    } else {
        (url.to_string(), sqlx::migrate!("./migrations/postgres"))
    };
    let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
    migrator
        .run_to(BEFORE_DATABASE_IDS, &mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_of_an_older_database_survive_and_ingest_continues_with_new_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (log, truth) = write_log(dir.path(), "acme.log", &small_spec(21));
    for db in TestDb::both().await {
        migrate_as_before(&db.url).await;
        // Rows as the earlier version wrote them: ids chosen by aivis.
        execute(
            &db.url,
            "INSERT INTO sessions (id, site, visitor_key, started_at, last_hit_at, day, channel, \
             source, landing_path, pageviews, converted) VALUES \
             (7, 'old', 'k1', 1000, 1000, '1970-01-01', 'direct', 'direct', '/', 1, 0), \
             (9, 'old', 'k2', 1000, 1060, '1970-01-01', 'ai_assistant', 'chatgpt', '/', 2, 1)",
        )
        .await;
        execute(
            &db.url,
            "INSERT INTO conversions (id, session_id, site, goal, kind, converted_at, day, path) \
             VALUES (4, 9, 'old', 'purchase', 'macro', 1060, '1970-01-01', '/done')",
        )
        .await;
        let store = Store::connect(&db.url).await.unwrap();
        let first_new = store.reserve_session_ids(1).await.unwrap()[0].start;
        assert!(first_new > 9, "{}: reserved id {first_new}", db.name);
        let options = IngestOptions::default();
        let summary = ingest(
            &store,
            &demo_site(),
            vec![Input::File(log.clone())],
            options,
        )
        .await
        .unwrap();
        assert_eq!(summary.sessions, truth.sessions, "{}", db.name);
        store.close().await;
        let old = |sql: &'static str| number(&db.url, sql);
        assert_eq!(
            old("SELECT COUNT(*) FROM sessions WHERE site = 'old'").await,
            2,
            "{}",
            db.name
        );
        assert_eq!(
            old("SELECT session_id FROM conversions WHERE site = 'old'").await,
            9,
            "{}",
            db.name
        );
        assert_eq!(
            old("SELECT COUNT(*) FROM sessions WHERE site = 'acme' AND id <= 9").await,
            0,
            "{}: new sessions reuse no old id",
            db.name
        );
        assert_eq!(
            old("SELECT COUNT(*) FROM conversions WHERE site = 'acme' AND id <= 4").await,
            0,
            "{}: new conversions reuse no old id",
            db.name
        );
        db.drop_db().await;
    }
}

/// An ingest starts by reading the goals of the sessions it may continue, and `forget` deletes
/// conversions by session: both find a session's conversions through an index (the one of
/// the unique `(session_id, goal)` pair), not by reading every conversion stored.
#[tokio::test]
async fn conversions_are_found_by_session_through_an_index() {
    let db = TestDb::sqlite().await;
    Store::connect(&db.url).await.unwrap().close().await;
    let path = db.url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut plan = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT c.session_id, c.goal FROM conversions c \
             WHERE c.session_id IN (SELECT id FROM sessions WHERE site = 'acme' \
             ORDER BY last_hit_at DESC, id DESC LIMIT 10)",
        )
        .unwrap();
    let details: Vec<String> = plan
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        details.iter().any(|d| d.starts_with("SEARCH c USING")
            && d.contains("INDEX")
            && d.contains("(session_id=?)")),
        "{details:?}"
    );
}
