//! Batch writer tests: both writers store the same rows; a full disk; the SQL builders.

use super::statements::*;
use super::*;
use crate::ingest::sessionize::{NewConversion, NewSession, SessionUpdate};
use crate::ingest::sessionize::{SessionStart, TrafficDelta, TrafficKey};
use crate::store::Backend;

fn sample_changes() -> Changes {
    let key = TrafficKey {
        day: "2026-11-24".into(),
        channel: "ai_assistant".into(),
        source: "chatgpt".into(),
    };
    let mut changes = Changes::default();
    // Enough sessions for a full chunk and a tail of several sizes.
    for id in 1..=300 {
        changes.new_sessions.push(NewSession {
            id,
            visitor_key: format!("{id:032x}"),
            started_at: 1_795_000_000 + id,
            last_hit_at: 1_795_000_100 + id,
            day: key.day.clone(),
            start: SessionStart {
                channel: key.channel.clone(),
                source: key.source.clone(),
                landing_path: format!("/p/{id}"),
                utm_source: (id % 2 == 0).then(|| "chatgpt.com".into()),
                ..SessionStart::default()
            },
            pageviews: 2,
            converted: id == 7,
        });
    }
    changes.updates.push(SessionUpdate {
        id: 3,
        last_hit_at: 1_795_009_999,
        pageviews: 5,
        converted: true,
    });
    changes.conversions.push(NewConversion {
        session_id: 7,
        goal: "purchase".into(),
        kind: "macro",
        converted_at: 1_795_000_050,
        day: key.day.clone(),
        path: "/checkout/complete".into(),
    });
    changes.traffic.insert(
        key.clone(),
        TrafficDelta {
            sessions: 300,
            pageviews: 600,
            conversions: 1,
        },
    );
    changes.goals.insert((key.clone(), "purchase".into()), 1);
    changes
        .new_salts
        .push(("2026-11-24".into(), hex::encode([7u8; 32])));
    let mut crawlers = crate::ingest::crawlers::CrawlerTally::default();
    let user = crate::classify::bot("ChatGPT-User/1.0").unwrap();
    let training = crate::classify::bot("GPTBot/1.2").unwrap();
    use crate::crawler_ranges::Verification::{Spoofed, Verified};
    for (agent, status, verification) in [
        (user, 200, Verified),
        (user, 404, Verified),
        (training, 200, Verified),
        (training, 301, Spoofed),
    ] {
        crawlers.record(
            agent,
            key.day.clone(),
            "/pricing".into(),
            status,
            verification,
        );
    }
    changes.crawlers = crawlers.take();
    changes
}

fn checkpoint() -> Checkpoint {
    Checkpoint {
        site: "acme".into(),
        file_id: "f".into(),
        head_len: 4096,
        device: Some(7),
        inode: Some(42),
        path: "access.log".into(),
        byte_offset: 1234,
        lines: 300,
        replaces: None,
    }
}

/// Everything a batch wrote, as text, table by table.
async fn dump(store: &Store) -> Vec<String> {
    let queries = [
        "SELECT id, site, visitor_key, started_at, last_hit_at, day, channel, source, \
         search_term, landing_path, referrer_host, utm_source, utm_medium, utm_campaign, \
         utm_term, utm_content, pageviews, converted FROM sessions ORDER BY id",
        "SELECT id, session_id, site, goal, kind, converted_at, day, path FROM conversions",
        "SELECT site, day, channel, source, sessions, pageviews, conversions FROM daily_traffic",
        "SELECT site, day, channel, source, goal, conversions FROM daily_goals",
        "SELECT site, file_id, path, byte_offset, lines, head_len, device, inode \
         FROM ingest_checkpoints",
        "SELECT site, day, salt FROM day_salts",
        "SELECT site, day, agent, operator, purpose, path, verification, hits, status_2xx, \
         status_3xx, status_4xx, status_5xx FROM daily_crawlers ORDER BY agent, verification",
    ];
    let mut out = Vec::new();
    for sql in queries {
        let prepared = crate::report::library::prepare(sql);
        let table = store.run_own_sql(&prepared, &[]).await.expect(sql);
        out.push(format!("{:?}", table.rows));
    }
    out
}

#[tokio::test]
async fn sqlite_file_and_pool_writers_store_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let file_url = format!("sqlite://{}", dir.path().join("a.db").display());
    let file_store = Store::connect(&file_url).await.unwrap();
    let memory_store = Store::connect("sqlite::memory:").await.unwrap();
    let mut file_writer = file_store.batch_writer("acme").unwrap();
    assert!(matches!(file_writer.target, Target::SqliteFile(_)));
    let mut pool_writer = memory_store.batch_writer("acme").unwrap();
    assert!(matches!(pool_writer.target, Target::Pool(_)));
    file_writer
        .commit(sample_changes(), checkpoint())
        .await
        .unwrap();
    pool_writer
        .commit(sample_changes(), checkpoint())
        .await
        .unwrap();
    let written = dump(&file_store).await;
    assert_eq!(written, dump(&memory_store).await);
    assert!(written[0].contains("\"chatgpt.com\""), "{}", written[0]);
    // The update landed after the insert of the same batch.
    assert!(written[0].contains("1795009999"), "{}", written[0]);
    assert!(written[6].contains("\"user_fetch\""), "{}", written[6]);
}

#[tokio::test]
async fn a_full_disk_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("full.db").display());
    let store = Store::connect(&url).await.unwrap();
    let mut writer = store.batch_writer("acme").unwrap();
    // No room to grow: SQLite answers SQLITE_FULL, as on a full disk.
    if let Target::SqliteFile(file) = &writer.target {
        file.run(|conn| {
            let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
            conn.pragma_update(None, "max_page_count", pages)?;
            Ok(())
        })
        .await
        .unwrap();
    } else {
        panic!("a SQLite file gets the writer thread");
    }
    let err = writer
        .commit(sample_changes(), checkpoint())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::DiskFull(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("the disk is full"), "{text}");
    assert!(!text.contains("another writer"), "{text}");
}

#[test]
fn insert_sql_numbers_parameters_row_by_row() {
    let insert = Insert {
        head: "INSERT INTO t (a, b, c)",
        tail: "ON CONFLICT DO NOTHING",
    };
    assert_eq!(
        insert_sql(&insert, Backend::Postgres, 2, 3),
        "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT DO NOTHING"
    );
    let plain = Insert {
        head: "INSERT INTO t (a, b)",
        tail: "",
    };
    assert_eq!(
        insert_sql(&plain, Backend::Sqlite, 2, 2),
        "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
    );
}

#[test]
fn insert_chunks_use_few_sizes_and_keep_every_row() {
    for n in [0, 1, 2, 3, 255, 256, 257, 2850, 4096] {
        let rows: Vec<usize> = (0..n).collect();
        let chunks: Vec<&[usize]> = insert_chunks(&rows).collect();
        assert_eq!(chunks.concat(), rows, "n = {n}");
        for chunk in &chunks {
            assert!(chunk.len().is_power_of_two() && chunk.len() <= ROWS_PER_INSERT);
        }
        // Full chunks, then at most one chunk per binary digit of the rest.
        let tail = chunks.iter().filter(|c| c.len() < ROWS_PER_INSERT).count();
        assert!(tail <= ((n % ROWS_PER_INSERT) as u32).count_ones() as usize);
    }
}
