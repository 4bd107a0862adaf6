//! Writing a batch to PostgreSQL on a native connection (not through sqlx's `Any` driver), so
//! the new sessions, most of a batch's rows, go in by `COPY … FROM STDIN` in one stream: the
//! server parses no statement per chunk and binds no parameters (multi-row INSERTs of sessions
//! were three quarters of an ingest's time on PostgreSQL). The rest of the batch (salts,
//! updates, conversions, rollup upserts, the checkpoint) runs the shared statements in the same
//! transaction. Conversions are few and stay INSERTs: a second COPY per batch stalled on TCP
//! (its short end message waits for the server's delayed ACK, about 40 ms a batch).

use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, Transaction};

use super::failpoint::{self, Point};
use super::statements::{BatchRows, Cell, SESSION_COLUMNS, arguments};
use crate::ingest::sessionize::Changes;
use crate::store::{Backend, Checkpoint, StoreError};

/// Writes one batch and its checkpoint in one transaction.
pub(super) async fn commit(
    pool: &PgPool,
    site: &str,
    changes: &Changes,
    checkpoint: &Checkpoint,
) -> Result<(), StoreError> {
    let rows = BatchRows::new(site, changes, checkpoint);
    let mut tx = pool.begin().await?;
    // Sessions first: the batch's conversions refer to them.
    copy_in(&mut tx, "sessions", SESSION_COLUMNS, rows.sessions()).await?;
    for (sql, cells) in rows.statements_after_copy(Backend::Postgres) {
        execute(&mut tx, sql.into_owned(), cells).await?;
    }
    failpoint::reached(Point::BeforeCommit);
    tx.commit().await?;
    failpoint::reached(Point::AfterCommit);
    Ok(())
}

async fn copy_in<const N: usize>(
    tx: &mut Transaction<'static, Postgres>,
    table: &str,
    columns: &str,
    rows: &[[Cell<'_>; N]],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut data = Vec::with_capacity(rows.len() * N * 16);
    for row in rows {
        write_copy_row(&mut data, row);
    }
    let conn: &mut PgConnection = tx;
    let mut copy = conn
        .copy_in_raw(&format!("COPY {table} ({columns}) FROM STDIN"))
        .await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// One row in COPY's text format: tab-separated fields, `\N` for NULL, and a backslash before
/// the characters that would otherwise end a field or a row.
fn write_copy_row(out: &mut Vec<u8>, row: &[Cell<'_>]) {
    for (i, cell) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match *cell {
            Cell::Int(value) => out.extend_from_slice(value.to_string().as_bytes()),
            Cell::Text(text) => escape_copy_text(out, text),
            Cell::Null | Cell::NullInt => out.extend_from_slice(b"\\N"),
        }
    }
    out.push(b'\n');
}

fn escape_copy_text(out: &mut Vec<u8>, text: &str) {
    for &byte in text.as_bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

async fn execute(
    tx: &mut Transaction<'static, Postgres>,
    sql: String,
    cells: &[Cell<'_>],
) -> Result<(), StoreError> {
    sqlx::query_with(AssertSqlSafe(sql), arguments::<Postgres>(cells)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_rows_escape_what_would_end_a_field_or_a_row() {
        let mut out = Vec::new();
        write_copy_row(
            &mut out,
            &[
                Cell::Int(-7),
                Cell::Text("a\tb\nc\\d\re"),
                Cell::Null,
                Cell::NullInt,
                Cell::Text("\\N"),
            ],
        );
        assert_eq!(out, b"-7\ta\\tb\\nc\\\\d\\re\t\\N\t\\N\t\\\\N\n".to_vec());
    }
}
