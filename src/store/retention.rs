//! Retention: deleting a site's visits (sessions with their conversions) and clearing its
//! stored answer texts from before a day, in bounded batches — each its own short
//! transaction — so a large deletion never holds the database for long. The daily rollups,
//! mentions and citations are kept. Which day is the daemon's retention job's to decide.

use super::{Store, StoreError, doing};

/// What one retention pass deleted or cleared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retained {
    pub sessions: u64,
    pub conversions: u64,
    pub salts: u64,
    pub answer_texts: u64,
}

const OLD_SESSIONS: &str =
    "SELECT id FROM sessions WHERE site = $1 AND day < $2 ORDER BY id LIMIT $3";

const DELETE_CONVERSIONS: &str = "DELETE FROM conversions WHERE session_id IN \
     (SELECT id FROM sessions WHERE site = $1 AND day < $2 ORDER BY id LIMIT $3)";

const DELETE_SESSIONS: &str = "DELETE FROM sessions WHERE id IN \
     (SELECT id FROM sessions WHERE site = $1 AND day < $2 ORDER BY id LIMIT $3)";

const DELETE_SALTS: &str = "DELETE FROM day_salts WHERE site = $1 AND day < $2";

const CLEAR_TEXTS: &str = "UPDATE answers SET text = NULL, provider_citations = NULL \
     WHERE id IN (SELECT id FROM answers WHERE site = $1 AND day < $2 AND text IS NOT NULL \
     ORDER BY id LIMIT $3)";

impl Store {
    /// Deletes `site`'s sessions (and their conversions) and salts of days before `before`
    /// (`YYYY-MM-DD`), and clears its answer texts of those days, `batch` rows per
    /// transaction.
    pub async fn retain(
        &self,
        site: &str,
        before: &str,
        batch: i64,
    ) -> Result<Retained, StoreError> {
        doing("deleting old visits and answer texts", async {
            let mut retained = Retained::default();
            loop {
                let mut tx = self.begin_write().await?;
                let args = || vec![site.into(), before.into(), batch.into()];
                if tx.fetch_optional(OLD_SESSIONS, args()).await?.is_none() {
                    break;
                }
                retained.conversions += tx.execute(DELETE_CONVERSIONS, args()).await?;
                retained.sessions += tx.execute(DELETE_SESSIONS, args()).await?;
                tx.commit().await?;
            }
            loop {
                let cleared = self
                    .write_one(CLEAR_TEXTS, vec![site.into(), before.into(), batch.into()])
                    .await?;
                retained.answer_texts += cleared;
                if cleared == 0 {
                    break;
                }
            }
            retained.salts = self
                .write_one(DELETE_SALTS, vec![site.into(), before.into()])
                .await?;
            Ok(retained)
        })
        .await
    }
}
