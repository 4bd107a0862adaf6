//! Reports: runs files from the query library and shapes their results for printing. The
//! counts come from SQL in `queries/` (the same files analysts run); rates and Wilson 95%
//! intervals are added here from those counts by [`crate::analysis`].
//!
//! Every query, a report's or an analyst's, is checked by [`statement::single_query`] and then
//! run read-only by [`Store::run_read_only`]; refusals become [`ReportError::Usage`]. A row
//! limit ([`Filters::limit`], [`run_file_with`]) is part of the SQL, so the database reads and
//! sorts only what is shown. The report kinds here ([`ConversionsBy`], …) are plain enums; the
//! CLI maps its own flags to them.

pub mod compare;
pub mod digest;
pub mod library;
pub mod statement;
pub mod table;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::analysis::{Z_95, wilson};
use crate::classify::AiPurpose;
use crate::error::{ErrorKind, HasKind};
use crate::store::{Store, StoreError};
use library::{Prepared, QueryFile, prepare};
use table::{Table, Value};

/// The default time limit of `aivis query` (its `--timeout`).
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(60);

/// The time limit of a report's own library query: only a guard against a runaway, set well
/// above what the reports take on large histories.
pub const REPORT_TIMEOUT: Duration = Duration::from_secs(600);

/// Why a report or query could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Bad input from the user: an unknown parameter, a statement that is not one read-only
    /// query (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// No query of the library has this name; the message lists the library.
    #[error("no library query named {name:?}; library: {}", library::names().join(", "))]
    UnknownQuery { name: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HasKind for ReportError {
    fn kind(&self) -> ErrorKind {
        match self {
            ReportError::Usage(_) => ErrorKind::Usage,
            ReportError::UnknownQuery { .. } => ErrorKind::NotFound,
            ReportError::Store(err) => err.kind(),
        }
    }
}

/// Grouping of the conversions report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConversionsBy {
    Channel,
    Source,
}

/// Optional filters shared by the reports: which site, goal and days, and at most how many
/// rows (in the report's order; applied in the SQL, so only those rows are read).
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub site: Option<String>,
    pub goal: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// At most this many rows; None: all.
    pub limit: Option<u64>,
}

impl Filters {
    fn params(&self) -> BTreeMap<String, String> {
        [
            ("site", &self.site),
            ("goal", &self.goal),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
        .collect()
    }
}

/// Sessions, conversions, conversion rate and its Wilson 95% interval per channel or source.
pub async fn conversions(
    store: &Store,
    by: ConversionsBy,
    filters: &Filters,
) -> Result<Table, ReportError> {
    let name = match by {
        ConversionsBy::Channel => "conversions_by_channel",
        ConversionsBy::Source => "conversions_by_source",
    };
    let table = run_report(store, name, filters, &filters.params()).await?;
    Ok(with_rates(table))
}

/// Grouping of the AI crawler report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrawlersBy {
    Agent,
    Path,
    Purpose,
}

/// AI crawler and agent requests per agent, path or purpose; `purpose` keeps one purpose
/// (`training`, `search_index`, `user_fetch`).
pub async fn crawlers(
    store: &Store,
    by: CrawlersBy,
    filters: &Filters,
    purpose: Option<AiPurpose>,
) -> Result<Table, ReportError> {
    let name = match by {
        CrawlersBy::Agent => "crawlers_by_agent",
        CrawlersBy::Path => "crawlers_by_path",
        CrawlersBy::Purpose => "crawlers_by_purpose",
    };
    let mut params = filters.params();
    if let Some(purpose) = purpose {
        params.insert("purpose".into(), purpose.as_str().into());
    }
    run_report(store, name, filters, &params).await
}

/// Per path: AI agents' user_fetch requests beside the sessions AI assistants referred there.
pub async fn ai_pages(store: &Store, filters: &Filters) -> Result<Table, ReportError> {
    run_report(store, "ai_pages", filters, &filters.params()).await
}

/// Whether a site's config names a referrer host: `(site, host) -> bool`.
pub type NamesHost<'a> = &'a dyn Fn(&str, &str) -> bool;

/// External referrer hosts by sessions. With `unclassified`, only hosts that fell into
/// `referral` and for which `is_named(site, host)` is false (no list entry or site rule
/// names them now: a rule added since their sessions were stored drops them off the list).
/// That test runs here, not in SQL, so with `unclassified` the limit is applied after it.
pub async fn referrers(
    store: &Store,
    filters: &Filters,
    unclassified: Option<NamesHost<'_>>,
) -> Result<Table, ReportError> {
    let mut params = filters.params();
    if unclassified.is_some() {
        params.insert("channel".into(), "referral".into());
    }
    let Some(is_named) = unclassified else {
        return run_report(store, "referrers", filters, &params).await;
    };
    let all = Filters {
        limit: None,
        ..filters.clone()
    };
    let mut table = run_report(store, "referrers", &all, &params).await?;
    let (site, host) = (table.column("site"), table.column("referrer_host"));
    if let (Some(site), Some(host)) = (site, host) {
        table.rows.retain(|row| {
            match (
                row.get(site).and_then(Value::as_str),
                row.get(host).and_then(Value::as_str),
            ) {
                (Some(site), Some(host)) => !is_named(site, host),
                _ => true,
            }
        });
    }
    if let Some(limit) = filters.limit {
        table
            .rows
            .truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(table)
}

/// Grouping of the mentions report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MentionsBy {
    Engine,
    Prompt,
    Entity,
}

/// Brand and competitor mentions per engine, prompt or entity: mention rate with its Wilson
/// 95% interval, share of voice, average rank, and failed calls apart.
pub async fn mentions(
    store: &Store,
    by: MentionsBy,
    filters: &Filters,
) -> Result<Table, ReportError> {
    let name = match by {
        MentionsBy::Engine => "mentions_by_engine",
        MentionsBy::Prompt => "mentions_by_prompt",
        MentionsBy::Entity => "mentions_by_entity",
    };
    let table = run_report(store, name, filters, &filters.params()).await?;
    Ok(with_wilson(table, "answers", "mentioned", "mention_rate"))
}

/// Grouping of the citations report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationsBy {
    Domain,
    Engine,
}

/// Cited domains, or per engine how often answers cite the brand's own domains (with the
/// Wilson 95% interval of that rate).
pub async fn citations(
    store: &Store,
    by: CitationsBy,
    filters: &Filters,
) -> Result<Table, ReportError> {
    match by {
        CitationsBy::Domain => {
            run_report(store, "citations_by_domain", filters, &filters.params()).await
        }
        CitationsBy::Engine => {
            let table =
                run_report(store, "citations_by_engine", filters, &filters.params()).await?;
            Ok(with_wilson(
                table,
                "answers",
                "answers_citing_brand",
                "brand_citation_rate",
            ))
        }
    }
}

/// Per tracked prompt and engine, the brand's visibility in the answers (mention rate and
/// rank among the tracked entities) beside its visibility among the links (how often a
/// brand-owned URL is cited or listed, and its best and mean position: for an `html` engine on
/// a search results page, its rank among the results). Both rates carry their Wilson 95%
/// interval; the prompt text is the last column.
pub async fn visibility(store: &Store, filters: &Filters) -> Result<Table, ReportError> {
    let table = run_report(store, "visibility_by_prompt", filters, &filters.params()).await?;
    let table = with_interval(
        table,
        "answers",
        "brand_mentioned",
        ["mention_rate", "mention_low", "mention_high"],
    );
    let mut table = with_interval(
        table,
        "answers",
        "answers_linking_brand",
        ["link_rate", "link_low", "link_high"],
    );
    table.move_to_end("prompt");
    Ok(table)
}

/// Runs a library query by name with `name=value` parameters.
pub async fn run_named(
    store: &Store,
    name: &str,
    params: &BTreeMap<String, String>,
) -> Result<Table, ReportError> {
    let file = QueryFile::named(name).ok_or_else(|| ReportError::UnknownQuery {
        name: name.to_string(),
    })?;
    run_file(store, &file, params).await
}

/// A report's library query, at most `filters.limit` rows, within [`REPORT_TIMEOUT`].
async fn run_report(
    store: &Store,
    name: &str,
    filters: &Filters,
    params: &BTreeMap<String, String>,
) -> Result<Table, ReportError> {
    let file = QueryFile::named(name).ok_or_else(|| ReportError::UnknownQuery {
        name: name.to_string(),
    })?;
    run_file_with(store, &file, params, REPORT_TIMEOUT, filters.limit).await
}

/// Runs a query file with `name=value` parameters within [`REPORT_TIMEOUT`]; see
/// [`run_file_within`].
pub async fn run_file(
    store: &Store,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
) -> Result<Table, ReportError> {
    run_file_within(store, file, params, REPORT_TIMEOUT).await
}

/// Runs a query file with `name=value` parameters, read-only, stopping it after `timeout`;
/// unknown parameters are an error, declared parameters not given are NULL. A file that is not
/// one read-only statement, or that reads the secret table, is refused as
/// [`ReportError::Usage`] and changes nothing.
pub async fn run_file_within(
    store: &Store,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
    timeout: Duration,
) -> Result<Table, ReportError> {
    run_file_with(store, file, params, timeout, None).await
}

/// [`run_file_within`], returning at most `limit` rows (all when None): the checked statement
/// is wrapped as `SELECT * FROM (…) AS limited LIMIT n`, so the database stops after them
/// (and sorts only what it needs) on both backends. Both backends keep the inner statement's
/// `ORDER BY` for an outer query that only limits it.
pub async fn run_file_with(
    store: &Store,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
    timeout: Duration,
    limit: Option<u64>,
) -> Result<Table, ReportError> {
    let prepared = prepare(&file.text);
    let values = bind_values(file, &prepared.order, params).map_err(ReportError::Usage)?;
    let sql =
        statement::single_query(&prepared.sql).map_err(|e| ReportError::Usage(e.to_string()))?;
    let statement = Prepared {
        sql: match limit {
            Some(limit) => limited(sql, limit),
            None => sql.to_string(),
        },
        order: prepared.order.clone(),
    };
    store
        .run_read_only(&statement, &values, timeout)
        .await
        .map_err(|e| match e {
            StoreError::Refused(message) => ReportError::Usage(message),
            other => ReportError::Store(other),
        })
}

/// `statement` (one checked statement, which never ends inside a comment: see
/// [`statement::single_query`]) returning at most `limit` rows. The line breaks keep a `--`
/// comment on its last line from swallowing the closing parenthesis.
fn limited(statement: &str, limit: u64) -> String {
    // SQLite's LIMIT is a signed 64-bit integer.
    let limit = limit.min(i64::MAX as u64);
    format!("SELECT * FROM (\n{statement}\n) AS limited LIMIT {limit}")
}

/// Orders parameter values as the prepared SQL expects them.
pub fn bind_values(
    file: &QueryFile,
    order: &[String],
    params: &BTreeMap<String, String>,
) -> Result<Vec<Option<String>>, String> {
    for key in params.keys() {
        if !order.contains(key) && !file.params.contains(key) {
            let known = if order.is_empty() {
                "it takes no parameters".to_string()
            } else {
                format!("it takes: {}", order.join(", "))
            };
            return Err(format!(
                "query {:?} has no parameter {key:?}; {known}",
                file.name
            ));
        }
    }
    Ok(order.iter().map(|name| params.get(name).cloned()).collect())
}

/// Adds (or fills in) `conversion_rate`, `ci_low`, `ci_high` from `sessions` and `conversions`.
pub fn with_rates(table: Table) -> Table {
    with_wilson(table, "sessions", "conversions", "conversion_rate")
}

/// Adds (or fills in) `rate_column`, `ci_low`, `ci_high`: the share of `hits` among `trials`
/// with its Wilson 95% interval.
pub fn with_wilson(table: Table, trials: &str, hits: &str, rate_column: &str) -> Table {
    with_interval(table, trials, hits, [rate_column, "ci_low", "ci_high"])
}

/// Adds (or fills in) the columns `[rate, low, high]`: the share of `hits` among `trials` and
/// its Wilson 95% interval (null where there were no trials).
pub fn with_interval(mut table: Table, trials: &str, hits: &str, columns: [&str; 3]) -> Table {
    let (Some(s), Some(c)) = (table.column(trials), table.column(hits)) else {
        return table;
    };
    let targets: Vec<usize> = columns
        .iter()
        .map(|name| {
            table.column(name).unwrap_or_else(|| {
                table.columns.push(name.to_string());
                table.columns.len() - 1
            })
        })
        .collect();
    for row in &mut table.rows {
        let total = row.get(s).and_then(Value::as_i64).unwrap_or(0).max(0) as u64;
        let count = row.get(c).and_then(Value::as_i64).unwrap_or(0).max(0) as u64;
        let rate = wilson(count, total, Z_95);
        row.resize(
            row.len().max(targets.iter().max().map_or(0, |m| m + 1)),
            Value::Null,
        );
        for (target, value) in targets.iter().zip([rate.rate, rate.low, rate.high]) {
            // No trials, no rate: null rather than a 0 that reads as "never".
            row[*target] = if total == 0 {
                Value::Null
            } else {
                Value::Float(round6(value))
            };
        }
    }
    table
}

fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_appended_per_row() {
        let table = Table {
            columns: vec!["channel".into(), "sessions".into(), "conversions".into()],
            rows: vec![vec![
                Value::Text("direct".into()),
                Value::Int(100),
                Value::Int(10),
            ]],
        };
        let out = with_rates(table);
        assert_eq!(out.columns[3..], ["conversion_rate", "ci_low", "ci_high"]);
        assert_eq!(out.rows[0][3], Value::Float(0.1));
        assert_eq!(out.rows[0][4], Value::Float(0.055229));
    }

    #[test]
    fn a_limit_wraps_the_statement_and_survives_a_trailing_comment() {
        let sql = limited("SELECT a FROM t ORDER BY a -- last line", 5);
        assert_eq!(
            sql,
            "SELECT * FROM (\nSELECT a FROM t ORDER BY a -- last line\n) AS limited LIMIT 5"
        );
        assert_eq!(statement::single_query(&sql), Ok(sql.as_str()));
        assert!(limited("VALUES (1)", u64::MAX).ends_with(&format!("LIMIT {}", i64::MAX)));
    }

    #[test]
    fn unknown_parameter_is_rejected() {
        let file = QueryFile::named("conversions_by_channel").unwrap();
        let order = prepare(&file.text).order;
        let mut params = BTreeMap::new();
        params.insert("sight".to_string(), "x".to_string());
        let err = bind_values(&file, &order, &params).unwrap_err();
        assert!(err.contains("sight") && err.contains("site"), "{err}");
        params.clear();
        params.insert("site".to_string(), "acme".to_string());
        let values = bind_values(&file, &order, &params).unwrap();
        assert_eq!(values[0].as_deref(), Some("acme"));
        assert!(values[1..].iter().all(Option::is_none));
    }
}
