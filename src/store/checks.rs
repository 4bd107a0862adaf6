//! Prompt-check storage: tracked prompts, check runs, answers (ok or failed) and the mentions
//! and citations extracted from ok answers. An answer and its extraction are written in one
//! transaction; `rescore` replaces an answer's extraction in one transaction too, reading the
//! answers a page at a time (keyset pagination on the id).
//!
//! A run is `running` from its start until it is closed as `finished` or `aborted`; a run whose
//! process died stays `running` (with no `finished_at`) until a later run start closes it as
//! `aborted` once it has been idle long enough ([`Store::close_stale_check_runs`]).

use sqlx::Row;
use sqlx::any::AnyRow;

use super::write_tx::WriteTx;
use super::{Store, StoreError};
use crate::checks::mentions::{Extraction, Origin, Role};
use crate::checks::prompts::{NewPrompt, split_list, text_key};
use crate::checks::run::RunStatus;

/// A stored prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptRow {
    pub id: i64,
    pub site: String,
    pub text: String,
    pub tags: Vec<String>,
    /// Engines the prompt is limited to; empty = every engine.
    pub engines: Vec<String>,
    pub active: bool,
    pub created_at: i64,
}

/// What adding a prompt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New(i64),
    /// The same question had been removed; it is active again (with the new tags/engines).
    Reactivated(i64),
    /// The same question is already tracked (by this id); nothing changed.
    Duplicate(i64),
}

/// An answer or failed call to store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewAnswer {
    pub run_id: i64,
    pub prompt_id: i64,
    pub site: String,
    pub engine: String,
    pub kind: String,
    pub model: Option<String>,
    pub sample: u32,
    pub asked_at: i64,
    /// None for an ok answer; the reason for a failed call.
    pub error: Option<String>,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub latency_ms: Option<u64>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cost_usd: Option<f64>,
    pub text: Option<String>,
    pub provider_citations: Vec<String>,
}

/// An ok answer read back for re-scoring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub id: i64,
    pub site: String,
    pub text: String,
    pub provider_citations: Vec<String>,
}

const PROMPT_COLUMNS: &str = "id, site, text, tags, engines, active, created_at";

fn prompt_row(row: &AnyRow) -> Result<PromptRow, StoreError> {
    Ok(PromptRow {
        id: row.try_get("id")?,
        site: row.try_get("site")?,
        text: row.try_get("text")?,
        tags: split_list(&row.try_get::<String, _>("tags")?),
        engines: split_list(&row.try_get::<String, _>("engines")?),
        active: row.try_get::<i64, _>("active")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Brand => "brand",
        Role::Competitor => "competitor",
    }
}

fn to_i64(value: Option<u64>) -> Option<i64> {
    value.map(|v| i64::try_from(v).unwrap_or(i64::MAX))
}

impl Store {
    /// Adds a prompt for `site` unless the same question (by [`text_key`]) is tracked.
    pub async fn add_prompt(
        &self,
        site: &str,
        prompt: &NewPrompt,
        now: i64,
    ) -> Result<Added, StoreError> {
        super::doing("adding a prompt", async {
            let key = text_key(&prompt.text);
            let (tags, engines) = (prompt.tags.join(","), prompt.engines.join(","));
            let mut tx = self.begin_write().await?;
            let existing = tx
                .fetch_optional(
                    "SELECT id, active FROM prompts WHERE site = $1 AND text_key = $2",
                    vec![site.into(), key.as_str().into()],
                )
                .await?;
            let added = match existing {
                Some(row) if row.int(1)? != 0 => Added::Duplicate(row.int(0)?),
                Some(row) => {
                    let id = row.int(0)?;
                    tx.execute(
                        "UPDATE prompts SET active = 1, text = $1, tags = $2, engines = $3 \
                     WHERE id = $4",
                        vec![
                            prompt.text.as_str().into(),
                            tags.into(),
                            engines.into(),
                            id.into(),
                        ],
                    )
                    .await?;
                    Added::Reactivated(id)
                }
                None => {
                    let row = tx
                        .fetch_one(
                            "INSERT INTO prompts (site, text, text_key, tags, engines, active, \
                         created_at) VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
                            vec![
                                site.into(),
                                prompt.text.as_str().into(),
                                key.into(),
                                tags.into(),
                                engines.into(),
                                now.into(),
                            ],
                        )
                        .await?;
                    Added::New(row.int(0)?)
                }
            };
            tx.commit().await?;
            Ok(added)
        })
        .await
    }

    /// Prompts, oldest first; `site` filters; inactive ones only with `include_removed`.
    pub async fn prompts(
        &self,
        site: Option<&str>,
        include_removed: bool,
    ) -> Result<Vec<PromptRow>, StoreError> {
        super::doing("listing prompts", async {
            let sql = format!(
                "SELECT {PROMPT_COLUMNS} FROM prompts WHERE ($1 IS NULL OR site = $1) \
             AND (active = 1 OR $2 = 1) ORDER BY id"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(site)
                .bind(i64::from(include_removed))
                .fetch_all(&self.pool)
                .await?;
            rows.iter().map(prompt_row).collect()
        })
        .await
    }

    /// One prompt by id (active or not).
    pub async fn prompt(&self, id: i64) -> Result<Option<PromptRow>, StoreError> {
        super::doing("reading a prompt", async {
            let sql = format!("SELECT {PROMPT_COLUMNS} FROM prompts WHERE id = $1");
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(prompt_row).transpose()
        })
        .await
    }

    /// Stops tracking a prompt (its answers stay); false when no active prompt has that id.
    pub async fn remove_prompt(&self, id: i64) -> Result<bool, StoreError> {
        super::doing("removing a prompt", async {
            let changed = self
                .write_one(
                    "UPDATE prompts SET active = 0 WHERE id = $1 AND active = 1",
                    vec![id.into()],
                )
                .await?;
            Ok(changed > 0)
        })
        .await
    }

    /// Starts a check run (`running`); returns its id.
    pub async fn start_check_run(&self, now: i64) -> Result<i64, StoreError> {
        super::doing("starting a check run", async {
            let mut tx = self.begin_write().await?;
            let row = tx
            .fetch_one(
                "INSERT INTO check_runs (started_at, status) VALUES ($1, 'running') RETURNING id",
                vec![now.into()],
            )
            .await?;
            tx.commit().await?;
            row.int(0)
        })
        .await
    }

    /// Closes a run with `status` (`finished` or `aborted`) at `now`.
    pub async fn finish_check_run(
        &self,
        run_id: i64,
        now: i64,
        status: RunStatus,
    ) -> Result<(), StoreError> {
        super::doing("closing a check run", async {
            self.write_one(
                "UPDATE check_runs SET finished_at = $1, status = $2 WHERE id = $3",
                vec![now.into(), status.as_str().into(), run_id.into()],
            )
            .await?;
            Ok(())
        })
        .await
    }

    /// Closes as `aborted` every run still `running` whose last sign of life (its latest
    /// answer's `asked_at`, else its start) is before `idle_since`: its process died. Its
    /// `finished_at` is that last sign of life. Returns how many runs were closed.
    pub async fn close_stale_check_runs(&self, idle_since: i64) -> Result<u64, StoreError> {
        super::doing("closing stale check runs", async {
            self.write_one(CLOSE_STALE_RUNS, vec![idle_since.into()])
                .await
        })
        .await
    }

    /// Stores an answer (or failed call) and, for an ok answer, its extraction; returns the
    /// answer's id.
    pub async fn store_answer(
        &self,
        answer: &NewAnswer,
        extraction: Option<&Extraction>,
    ) -> Result<i64, StoreError> {
        super::doing("storing an answer", async {
            let citations_json = serde_json::to_string(&answer.provider_citations)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let status = if answer.error.is_none() {
                "ok"
            } else {
                "failed"
            };
            let values = vec![
                answer.run_id.into(),
                answer.prompt_id.into(),
                answer.site.as_str().into(),
                answer.engine.as_str().into(),
                answer.kind.as_str().into(),
                answer.model.as_deref().into(),
                i64::from(answer.sample).into(),
                answer.asked_at.into(),
                crate::day::day_text(answer.asked_at).into(),
                status.into(),
                answer.error.as_deref().into(),
                answer.http_status.map(i64::from).into(),
                i64::from(answer.attempts).into(),
                to_i64(answer.latency_ms).into(),
                to_i64(answer.input_tokens).into(),
                to_i64(answer.output_tokens).into(),
                answer.cost_usd.into(),
                answer.text.as_deref().into(),
                citations_json.into(),
            ];
            let mut tx = self.begin_write().await?;
            let id = tx.fetch_one(INSERT_ANSWER, values).await?.int(0)?;
            if let Some(extraction) = extraction {
                insert_extraction(&mut tx, id, &answer.site, extraction).await?;
            }
            tx.commit().await?;
            Ok(id)
        })
        .await
    }

    /// Up to `limit` ok answers of `site` (all sites when None) with an id above `after`, by
    /// id: a page for re-scoring (pass the last id of a page to get the next).
    pub async fn ok_answers_after(
        &self,
        site: Option<&str>,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredAnswer>, StoreError> {
        super::doing("reading stored answers", async {
            let rows = sqlx::query(
                "SELECT id, site, text, provider_citations FROM answers \
             WHERE status = 'ok' AND text IS NOT NULL AND ($1 IS NULL OR site = $1) AND id > $2 \
             ORDER BY id LIMIT $3",
            )
            .bind(site)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            rows.iter()
                .map(|row| {
                    let id: i64 = row.try_get("id")?;
                    let cited: Option<String> = row.try_get("provider_citations")?;
                    let provider_citations = match cited {
                        Some(json) => serde_json::from_str(&json).map_err(|_| {
                            StoreError::Corrupt(format!(
                                "answer {id}: provider_citations is not a JSON list"
                            ))
                        })?,
                        None => Vec::new(),
                    };
                    Ok(StoredAnswer {
                        id,
                        site: row.try_get("site")?,
                        text: row
                            .try_get::<Option<String>, _>("text")?
                            .unwrap_or_default(),
                        provider_citations,
                    })
                })
                .collect()
        })
        .await
    }

    /// Replaces an answer's mentions and citations.
    pub async fn replace_extraction(
        &self,
        answer_id: i64,
        site: &str,
        extraction: &Extraction,
    ) -> Result<(), StoreError> {
        super::doing("replacing the mentions and citations of an answer", async {
            let mut tx = self.begin_write().await?;
            for sql in [
                "DELETE FROM mentions WHERE answer_id = $1",
                "DELETE FROM citations WHERE answer_id = $1",
            ] {
                tx.execute(sql, vec![answer_id.into()]).await?;
            }
            insert_extraction(&mut tx, answer_id, site, extraction).await?;
            tx.commit().await?;
            Ok(())
        })
        .await
    }
}

/// Closes the runs still `running` with no sign of life since `$1` (see
/// [`Store::close_stale_check_runs`]).
const CLOSE_STALE_RUNS: &str = "UPDATE check_runs SET status = 'aborted', finished_at = \
     COALESCE((SELECT MAX(a.asked_at) FROM answers a WHERE a.run_id = check_runs.id), started_at) \
     WHERE status = 'running' AND COALESCE((SELECT MAX(a.asked_at) FROM answers a \
     WHERE a.run_id = check_runs.id), started_at) < $1";

/// One answer; the cost (`$17`) is cast from text (see `write_tx::Value::Float`).
const INSERT_ANSWER: &str = "INSERT INTO answers (run_id, prompt_id, site, engine, kind, model, \
     sample, asked_at, day, status, error, http_status, attempts, latency_ms, input_tokens, \
     output_tokens, cost_usd, text, provider_citations) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     CAST(CAST($17 AS TEXT) AS DOUBLE PRECISION), $18, $19) RETURNING id";

async fn insert_extraction(
    tx: &mut WriteTx,
    answer_id: i64,
    site: &str,
    extraction: &Extraction,
) -> Result<(), StoreError> {
    for mention in &extraction.mentions {
        tx.execute(
            "INSERT INTO mentions (answer_id, site, entity, role, mentioned, mention_count, \
             first_offset, rank_position, list_position) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            vec![
                answer_id.into(),
                site.into(),
                mention.entity.as_str().into(),
                role_text(mention.role).into(),
                i64::from(mention.count > 0).into(),
                i64::from(mention.count).into(),
                mention.first_offset.map(i64::from).into(),
                mention.rank.map(i64::from).into(),
                mention.list_position.map(i64::from).into(),
            ],
        )
        .await?;
    }
    for (position, citation) in extraction.citations.iter().enumerate() {
        let (role, entity) = match &citation.owner {
            Some((entity, role)) => (Some(role_text(*role)), Some(entity.as_str())),
            None => (None, None),
        };
        let origin = match citation.origin {
            Origin::Provider => "provider",
            Origin::Text => "text",
        };
        tx.execute(
            "INSERT INTO citations (answer_id, site, position, url, domain, owner_role, \
             owner_entity, origin) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            vec![
                answer_id.into(),
                site.into(),
                (position as i64 + 1).into(),
                citation.url.as_str().into(),
                citation.domain.as_str().into(),
                role.into(),
                entity.into(),
                origin.into(),
            ],
        )
        .await?;
    }
    Ok(())
}
