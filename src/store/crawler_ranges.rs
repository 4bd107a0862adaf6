//! The AI crawler range lists fetched by `aivis crawler-ranges update`: one row per list (its
//! operator, the URL it came from, when it was fetched, its creation time, how many prefixes,
//! and the list itself as JSON), replaced whole by each successful fetch. The ingest reads them
//! (`crate::crawler_ranges::CrawlerRanges::with_stored`) in place of the shipped copies.

use sqlx::Row;

use super::{Store, StoreError, doing};
use crate::crawler_ranges::StoredList;

/// A stored list with what `aivis crawler-ranges list` shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRangeList {
    /// The list's name (`openai-gptbot`).
    pub list: String,
    pub operator: String,
    /// Where it was fetched from.
    pub source_url: String,
    /// Unix seconds.
    pub fetched_at: i64,
    /// The operator's `creationTime`, if the list has one.
    pub creation_time: Option<String>,
    pub prefixes: i64,
    /// The list in the published JSON shape.
    pub document: String,
}

impl StoredRangeList {
    /// What the ingest needs of it.
    pub fn to_stored_list(&self) -> StoredList {
        StoredList {
            name: self.list.clone(),
            fetched_at: self.fetched_at,
            document: self.document.clone(),
        }
    }
}

const SAVE: &str = "INSERT INTO crawler_ranges (list, operator, source_url, fetched_at, \
     creation_time, prefixes, document) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (list) DO UPDATE SET operator = excluded.operator, \
     source_url = excluded.source_url, fetched_at = excluded.fetched_at, \
     creation_time = excluded.creation_time, prefixes = excluded.prefixes, \
     document = excluded.document";

impl Store {
    /// Every stored list, by name.
    pub async fn crawler_range_lists(&self) -> Result<Vec<StoredRangeList>, StoreError> {
        doing("reading the stored crawler ranges", async {
            let rows = sqlx::query(
                "SELECT list, operator, source_url, fetched_at, creation_time, prefixes, \
                 document FROM crawler_ranges ORDER BY list",
            )
            .fetch_all(&self.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(StoredRangeList {
                    list: row.try_get("list")?,
                    operator: row.try_get("operator")?,
                    source_url: row.try_get("source_url")?,
                    fetched_at: row.try_get("fetched_at")?,
                    creation_time: row.try_get("creation_time")?,
                    prefixes: row.try_get("prefixes")?,
                    document: row.try_get("document")?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Stores a fetched list, replacing the one stored under its name.
    pub async fn save_crawler_range_list(&self, list: &StoredRangeList) -> Result<(), StoreError> {
        doing("storing crawler ranges", async {
            let args = vec![
                list.list.as_str().into(),
                list.operator.as_str().into(),
                list.source_url.as_str().into(),
                list.fetched_at.into(),
                list.creation_time.as_deref().into(),
                list.prefixes.into(),
                list.document.as_str().into(),
            ];
            self.write_one(SAVE, args).await.map(|_| ())
        })
        .await
    }
}
