//! The names the stored history knows: every site with stored rows and the goals with stored
//! conversions. A report may name a site or goal since removed from the config (its history
//! stays), so these count as known beside the configured ones; anything else is a typo.

use super::{Store, StoreError};

impl Store {
    /// Sites with any stored daily traffic, goal conversions, crawler hits, prompts or
    /// answers, sorted.
    pub async fn stored_sites(&self) -> Result<Vec<String>, StoreError> {
        super::doing("listing stored sites", async {
            Ok(sqlx::query_scalar(
                "SELECT site FROM daily_traffic UNION SELECT site FROM daily_goals \
             UNION SELECT site FROM daily_crawlers UNION SELECT site FROM prompts \
             UNION SELECT site FROM answers ORDER BY site",
            )
            .fetch_all(&self.pool)
            .await?)
        })
        .await
    }

    /// Goals with stored conversions, of `site` (of every site when None), sorted.
    pub async fn stored_goals(&self, site: Option<&str>) -> Result<Vec<String>, StoreError> {
        super::doing("listing stored goals", async {
            Ok(sqlx::query_scalar(
            "SELECT DISTINCT goal FROM daily_goals WHERE ($1 IS NULL OR site = $1) ORDER BY goal",
        )
        .bind(site)
        .fetch_all(&self.pool)
        .await?)
        })
        .await
    }
}
