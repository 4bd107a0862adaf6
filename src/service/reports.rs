//! The report and query operations: a report of the query library, or a query (a library one
//! by name, or an analyst's SQL text), checked against the settings and the stored names
//! before it runs (a misspelt site or goal is refused naming the known ones, never answered
//! with zeros) and returned as a [`Table`]. Reading a `.sql` file is the caller's job; the
//! operation takes its text.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{App, ServiceError};
use crate::classify::{AiPurpose, Classifier};
use crate::config::{Settings, names};
use crate::report::library::QueryFile;
use crate::report::table::Table;
use crate::report::{
    self, CitationsBy, ConversionsBy, CrawlersBy, Filters, MentionsBy, ReportError,
};

/// The longest time limit a query may ask for (a day), as `aivis query --timeout` allows.
pub const MAX_QUERY_TIMEOUT: Duration = Duration::from_secs(86_400);

/// Which report, with its own options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// Sessions, conversions and conversion rates per channel or source (the only report
    /// that takes a goal).
    Conversions(ConversionsBy),
    /// AI crawler requests per agent, path or purpose, of one purpose when given.
    Crawlers(CrawlersBy, Option<AiPurpose>),
    /// Per path, AI agents' user fetches beside the sessions AI assistants referred.
    AiPages,
    /// External referrer hosts; with `unclassified`, only those no list or site rule names.
    Referrers {
        unclassified: bool,
    },
    Mentions(MentionsBy),
    Citations(CitationsBy),
    Visibility,
}

/// A report to run: which one, and its filters (site, goal, days `YYYY-MM-DD`, row limit).
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub kind: ReportKind,
    pub filters: Filters,
}

/// Runs a report of the query library. Refused before anything runs: a day not in the form
/// `YYYY-MM-DD` or a limit of 0 or a goal for a report other than conversions (usage), a site
/// or goal that neither the config nor the stored history knows (not found).
pub async fn report(app: &App, request: ReportRequest) -> Result<Table, ServiceError> {
    let ReportRequest { kind, filters } = request;
    check_filters(&filters)?;
    if filters.goal.is_some() && !matches!(kind, ReportKind::Conversions(_)) {
        return Err(ServiceError::Usage(
            "a goal filter applies to the conversions report only".into(),
        ));
    }
    check_names(app, &filters).await?;
    let store = app.store();
    let table = match kind {
        ReportKind::Conversions(by) => report::conversions(store, by, &filters).await,
        ReportKind::Crawlers(by, purpose) => report::crawlers(store, by, &filters, purpose).await,
        ReportKind::AiPages => report::ai_pages(store, &filters).await,
        ReportKind::Referrers { unclassified } => {
            return referrers(app, &filters, unclassified).await;
        }
        ReportKind::Mentions(by) => report::mentions(store, by, &filters).await,
        ReportKind::Citations(by) => report::citations(store, by, &filters).await,
        ReportKind::Visibility => report::visibility(store, &filters).await,
    };
    Ok(table?)
}

/// The referrers report; with `unclassified`, each row's host is tested against its site's
/// classifier (the built-in lists for a site no longer configured).
async fn referrers(
    app: &App,
    filters: &Filters,
    unclassified: bool,
) -> Result<Table, ServiceError> {
    if !unclassified {
        return Ok(report::referrers(app.store(), filters, None).await?);
    }
    let classifiers = site_classifiers(app.settings())?;
    let built_in = Classifier::new(&[]);
    let is_named = |site: &str, host: &str| {
        classifiers
            .iter()
            .find(|(name, _)| name == site)
            .map_or(&built_in, |(_, classifier)| classifier)
            .names_referrer_host(host)
    };
    Ok(report::referrers(app.store(), filters, Some(&is_named)).await?)
}

/// Each configured site's classifier (with its hosts and source rules), by site name.
fn site_classifiers(settings: &Settings) -> Result<Vec<(String, Classifier)>, ServiceError> {
    settings
        .sites
        .iter()
        .map(|site| {
            let classifier = site.classifier().map_err(|(key, message)| {
                ServiceError::Usage(format!("site {:?}: {key}: {message}", site.name))
            })?;
            Ok((site.name.clone(), classifier))
        })
        .collect()
}

/// Refuses days not in the form `YYYY-MM-DD` (named by their flags) and a limit of 0.
fn check_filters(filters: &Filters) -> Result<(), ServiceError> {
    for (flag, value) in [("--from", &filters.from), ("--to", &filters.to)] {
        if let Some(day) = value
            && crate::day::parse_day(day).is_none()
        {
            return Err(ServiceError::Usage(format!(
                "{flag} {day:?} is not a date in the form YYYY-MM-DD"
            )));
        }
    }
    if filters.limit == Some(0) {
        return Err(ServiceError::Usage(
            "--limit must be at least 1 (leave it out for every row)".into(),
        ));
    }
    Ok(())
}

/// Refuses a site that neither the config nor the stored history knows, and a goal that
/// neither the config nor the stored conversions (of that site, when given) know, naming the
/// known ones.
pub(super) async fn check_names(app: &App, filters: &Filters) -> Result<(), ServiceError> {
    if let Some(site) = &filters.site {
        let stored = app.store().stored_sites().await?;
        names::check_site(app.settings(), site, &stored)?;
    }
    if let Some(goal) = &filters.goal {
        let site = filters.site.as_deref();
        let stored = app.store().stored_goals(site).await?;
        names::check_goal(app.settings(), site, goal, &stored)?;
    }
    Ok(())
}

/// Which query to run.
#[derive(Debug, Clone)]
pub enum QuerySource {
    /// A query of the library, by name; its `site`, `goal` and `engine` parameters are checked
    /// against the known names, as the report flags are.
    Library(String),
    /// An analyst's own SQL (`name` for messages); its parameters mean what it likes and are
    /// not checked.
    Sql { name: String, text: String },
}

/// A query with `name=value` parameters, stopped after `timeout`.
#[derive(Debug, Clone)]
pub struct QueryRequest {
    pub source: QuerySource,
    pub params: BTreeMap<String, String>,
    pub timeout: Duration,
}

/// Runs a query read-only (see [`report::run_file_within`]). Refused: an unknown library
/// query (not found), a timeout of 0 or above [`MAX_QUERY_TIMEOUT`] (usage), an unknown
/// parameter or a statement that is not one read-only query (usage), and for a library
/// query a `site`, `goal` or `engine` parameter naming nothing known (not found).
pub async fn query(app: &App, request: QueryRequest) -> Result<Table, ServiceError> {
    let QueryRequest {
        source,
        params,
        timeout,
    } = request;
    if timeout.is_zero() || timeout > MAX_QUERY_TIMEOUT {
        return Err(ServiceError::Usage(format!(
            "the query timeout must be between 1 and {} seconds",
            MAX_QUERY_TIMEOUT.as_secs()
        )));
    }
    let file = match source {
        QuerySource::Library(name) => {
            let file = QueryFile::named(&name).ok_or(ReportError::UnknownQuery { name })?;
            check_query_params(app, &file, &params).await?;
            file
        }
        QuerySource::Sql { name, text } => QueryFile::parse(&name, &text),
    };
    Ok(report::run_file_within(app.store(), &file, &params, timeout).await?)
}

/// For a library query, refuses a `site`, `goal` or `engine` parameter (among those it
/// declares) that names nothing known, as the report flags do.
async fn check_query_params(
    app: &App,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
) -> Result<(), ServiceError> {
    let declared = |name: &str| {
        params
            .get(name)
            .filter(|_| file.params.iter().any(|p| p == name))
            .cloned()
    };
    let filters = Filters {
        site: declared("site"),
        goal: declared("goal"),
        ..Filters::default()
    };
    check_names(app, &filters).await?;
    if let Some(engine) = declared("engine") {
        let configured: Vec<&str> = app
            .settings()
            .engines
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        names::check_engine(&configured, &engine)?;
    }
    Ok(())
}
