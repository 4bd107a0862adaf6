//! The demo database file, which `aivis demo` deletes and makes again on every run, and so
//! must recognise before it deletes anything. The demo marks a new file before anything else
//! is stored in it: the application id in its SQLite header ([`APPLICATION_ID`], which aivis
//! sets nowhere else). A file is replaced only when
//! - its first 100 bytes are a SQLite header carrying that id (read as bytes, no SQLite), and
//! - every site it holds data of is the demo's (read on a read-only connection that creates
//!   no file beside it: every table with a `site` column, whatever the schema version).
//!
//! Anything else (a text file, an empty file, a directory or link, an aivis database the demo
//! did not make, a demo database someone ingested another site into, a file that cannot be
//! read) is refused as [`DemoError::NotADemoDatabase`] and left exactly as it was.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::{Connection, OpenFlags};

use super::DemoError;
use super::generate::SITE_NAME;

/// The SQLite application id of a demo database: `aivD` as a big-endian integer.
pub const APPLICATION_ID: i32 = i32::from_be_bytes(*b"aivD");

/// The first 16 bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Where a SQLite header keeps the application id (4 bytes, big-endian).
const APPLICATION_ID_OFFSET: usize = 68;

/// The files SQLite keeps beside a database.
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Ok when nothing is at `path` or it is a demo database that may be replaced; otherwise
/// [`DemoError::NotADemoDatabase`] saying why. Writes nothing.
pub fn check_replaceable(path: &Path) -> Result<(), DemoError> {
    match not_a_demo_database(path)? {
        None => Ok(()),
        Some(reason) => Err(DemoError::NotADemoDatabase {
            path: path.to_path_buf(),
            reason,
        }),
    }
}

/// Why the file at `path` is not a demo database; None when it is one or there is none.
fn not_a_demo_database(path: &Path) -> Result<Option<String>, DemoError> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(DemoError::file("read", path)(e)),
    };
    if !metadata.is_file() {
        return Ok(Some("not a regular file".into()));
    }
    let mut header = Vec::with_capacity(100);
    File::open(path)
        .and_then(|file| file.take(100).read_to_end(&mut header))
        .map_err(DemoError::file("read", path))?;
    if header.len() < 100 || !header.starts_with(SQLITE_MAGIC) {
        return Ok(Some("not a SQLite database".into()));
    }
    let id = &header[APPLICATION_ID_OFFSET..APPLICATION_ID_OFFSET + 4];
    if i32::from_be_bytes([id[0], id[1], id[2], id[3]]) != APPLICATION_ID {
        return Ok(Some(
            "a SQLite database that aivis demo did not create".into(),
        ));
    }
    match stored_sites(path) {
        Err(e) => Ok(Some(format!("it cannot be read: {e}"))),
        Ok(sites) => {
            let others: Vec<String> = sites.into_iter().filter(|s| s != SITE_NAME).collect();
            Ok((!others.is_empty()).then(|| {
                format!(
                    "it holds data of {} {}",
                    if others.len() == 1 { "site" } else { "sites" },
                    others.join(", ")
                )
            }))
        }
    }
}

/// The distinct values of every `site` column in the file, on a read-only connection.
fn stored_sites(path: &Path) -> rusqlite::Result<Vec<String>> {
    let conn = open_read_only(path)?;
    conn.pragma_update(None, "query_only", true)?;
    let tables: Vec<String> = conn
        .prepare(
            "SELECT m.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS c \
             WHERE m.type = 'table' AND c.name = 'site' ORDER BY m.name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut sites: Vec<String> = Vec::new();
    for table in tables {
        let quoted = table.replace('"', "\"\"");
        let mut statement = conn.prepare(&format!(
            "SELECT DISTINCT CAST(site AS TEXT) FROM \"{quoted}\" WHERE site IS NOT NULL"
        ))?;
        for site in statement.query_map([], |row| row.get::<_, String>(0))? {
            sites.push(site?);
        }
    }
    sites.sort();
    sites.dedup();
    Ok(sites)
}

/// A read-only connection to `path` that creates no file beside it. Without a `-wal` file
/// everything is in the database file, which is then opened as immutable (no locks, no `-wal`
/// or `-shm` made for a WAL database); with one, SQLite reads it as usual.
fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !side_file(path, "-wal").exists()
        && let Some(uri) = immutable_uri(path)
    {
        return Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI);
    }
    // No SQLITE_OPEN_URI: the path is a file name, never parsed for `?mode=…`.
    Connection::open_with_flags(path, flags)
}

/// `file:/absolute/path?immutable=1`, every byte of the path but letters, digits and `-._~/`
/// percent-encoded (so no `?` or `#` in a name is read as URI syntax); None for a path that
/// is not UTF-8 or has no absolute form.
fn immutable_uri(path: &Path) -> Option<String> {
    const KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b'/');
    let absolute = std::path::absolute(path).ok()?;
    let text = absolute.to_str()?;
    Some(format!(
        "file:{}?immutable=1",
        utf8_percent_encode(text, KEPT)
    ))
}

/// Deletes the demo database at `path` (with SQLite's files beside it), after
/// [`check_replaceable`], and creates a new empty one marked with [`APPLICATION_ID`], ready to
/// be opened by the store. Blocking: from async code use [`replace_async`].
pub fn replace(path: &Path) -> Result<(), DemoError> {
    check_replaceable(path)?;
    for suffix in SIDE_FILES {
        remove_if_present(&side_file(path, suffix))?;
    }
    remove_if_present(path)?;
    create(path)
}

/// [`replace`] on a blocking thread, for async callers.
pub async fn replace_async(path: PathBuf) -> Result<(), DemoError> {
    tokio::task::spawn_blocking(move || replace(&path))
        .await
        .map_err(|_| DemoError::Stopped)?
}

/// A new SQLite file at `path` (which must not exist) with the demo's application id.
fn create(path: &Path) -> Result<(), DemoError> {
    File::create_new(path).map_err(DemoError::file("create", path))?;
    let created = || -> rusqlite::Result<()> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        conn.close().map_err(|(_, e)| e)
    };
    created().map_err(|source| DemoError::Create {
        path: path.to_path_buf(),
        source,
    })
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), DemoError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(DemoError::file("remove", path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(path: &Path) -> String {
        match check_replaceable(path) {
            Err(DemoError::NotADemoDatabase { reason, .. }) => reason,
            other => panic!("{}: {other:?}", path.display()),
        }
    }

    #[test]
    fn a_new_demo_database_is_marked_and_replaceable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        check_replaceable(&path).unwrap();
        replace(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(SQLITE_MAGIC));
        assert_eq!(&bytes[68..72], b"aivD");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE sessions (site TEXT, n INTEGER);
             INSERT INTO sessions VALUES ('acme', 1), (NULL, 2);",
        )
        .unwrap();
        drop(conn);
        check_replaceable(&path).unwrap();
        replace(&path).unwrap();
        assert_eq!(stored_sites(&path).unwrap(), Vec::<String>::new());
        // A name with URI syntax in it is still that file.
        let odd = dir.path().join("a?mode=rwc#x %41.db");
        replace(&odd).unwrap();
        let conn = Connection::open(&odd).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (site TEXT); INSERT INTO t VALUES ('shop');",
        )
        .unwrap();
        drop(conn);
        assert!(!side_file(&odd, "-wal").exists());
        assert_eq!(stored_sites(&odd).unwrap(), ["shop"]);
        assert!(!side_file(&odd, "-wal").exists() && !side_file(&odd, "-shm").exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            2,
            "only the two databases"
        );
    }

    #[test]
    fn anything_else_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.db");
        std::fs::write(&text, "my notes\n".repeat(20)).unwrap();
        assert_eq!(refusal(&text), "not a SQLite database");
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, "").unwrap();
        assert_eq!(refusal(&empty), "not a SQLite database");
        assert_eq!(refusal(dir.path()), "not a regular file");

        let other = dir.path().join("other.db");
        let conn = Connection::open(&other).unwrap();
        conn.execute_batch(
            "CREATE TABLE sessions (site TEXT); INSERT INTO sessions VALUES ('acme');",
        )
        .unwrap();
        drop(conn);
        assert!(refusal(&other).contains("did not create"));

        let mixed = dir.path().join("mixed.db");
        replace(&mixed).unwrap();
        let conn = Connection::open(&mixed).unwrap();
        conn.execute_batch(
            "CREATE TABLE sessions (site TEXT);
             CREATE TABLE \"odd \"\"name\" (site TEXT);
             INSERT INTO sessions VALUES ('acme');
             INSERT INTO \"odd \"\"name\" VALUES ('shop'), ('blog');",
        )
        .unwrap();
        drop(conn);
        let before = std::fs::read(&mixed).unwrap();
        assert_eq!(refusal(&mixed), "it holds data of sites blog, shop");
        assert!(matches!(
            replace(&mixed),
            Err(DemoError::NotADemoDatabase { .. })
        ));
        assert_eq!(std::fs::read(&mixed).unwrap(), before);
        assert_eq!(
            std::fs::read_to_string(&text).unwrap(),
            "my notes\n".repeat(20)
        );
        assert!(empty.exists() && other.exists());
    }
}
