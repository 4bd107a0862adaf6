//! `aivis report …`: checks the flags against the config and the stored history (a misspelt
//! site or goal is refused naming the known ones, never answered with zeros), runs the report
//! from the query library (a ranked report's `--limit` goes into its SQL) and writes it to
//! standard output as a table, CSV or JSON. Maps the CLI's value enums to the library's
//! report types. Also checks the `site`, `goal` and `engine` parameters of `aivis query` on a
//! library query, and prints any table ([`print_table`]).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};

use anyhow::Result;

use super::{UsageError, with_store};
use crate::classify::{AiPurpose, Classifier};
use crate::cli::{
    AiPagesArgs, CitationsByArg, ConversionsArgs, ConversionsByArg, CrawlersArgs, CrawlersByArg,
    MentionsByArg, OutputFormatArg, PeriodArgs, PurposeArg, RankedOutput, ReferrersArgs,
    ReportCommand,
};
use crate::config::{Settings, names};
use crate::report::library::QueryFile;
use crate::report::table::{OutputFormat, Table};
use crate::report::{
    self, CitationsBy, ConversionsBy, CrawlersBy, Filters, MentionsBy, NamesHost, ReportError,
};
use crate::store::Store;

impl From<OutputFormatArg> for OutputFormat {
    fn from(arg: OutputFormatArg) -> OutputFormat {
        match arg {
            OutputFormatArg::Table => OutputFormat::Table,
            OutputFormatArg::Csv => OutputFormat::Csv,
            OutputFormatArg::Json => OutputFormat::Json,
        }
    }
}

impl From<ConversionsByArg> for ConversionsBy {
    fn from(arg: ConversionsByArg) -> ConversionsBy {
        match arg {
            ConversionsByArg::Channel => ConversionsBy::Channel,
            ConversionsByArg::Source => ConversionsBy::Source,
        }
    }
}

impl From<CrawlersByArg> for CrawlersBy {
    fn from(arg: CrawlersByArg) -> CrawlersBy {
        match arg {
            CrawlersByArg::Agent => CrawlersBy::Agent,
            CrawlersByArg::Path => CrawlersBy::Path,
            CrawlersByArg::Purpose => CrawlersBy::Purpose,
        }
    }
}

impl From<MentionsByArg> for MentionsBy {
    fn from(arg: MentionsByArg) -> MentionsBy {
        match arg {
            MentionsByArg::Engine => MentionsBy::Engine,
            MentionsByArg::Prompt => MentionsBy::Prompt,
            MentionsByArg::Entity => MentionsBy::Entity,
        }
    }
}

impl From<CitationsByArg> for CitationsBy {
    fn from(arg: CitationsByArg) -> CitationsBy {
        match arg {
            CitationsByArg::Domain => CitationsBy::Domain,
            CitationsByArg::Engine => CitationsBy::Engine,
        }
    }
}

pub async fn run(settings: &Settings, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Conversions(args) => conversions(settings, &args).await,
        ReportCommand::Crawlers(args) => crawlers(settings, &args).await,
        ReportCommand::AiPages(args) => ai_pages(settings, &args).await,
        ReportCommand::Referrers(args) => referrers(settings, &args).await,
        ReportCommand::Mentions(args) => {
            let filters = filters(&args.period)?;
            let table = with_store(settings, async |store| {
                check_names(store, settings, &filters).await?;
                report::mentions(store, args.by.into(), &filters).await
            })
            .await??;
            print_table(&table, args.format)
        }
        ReportCommand::Citations(args) => {
            let filters = ranked(filters(&args.period)?, &args.output);
            let table = with_store(settings, async |store| {
                check_names(store, settings, &filters).await?;
                report::citations(store, args.by.into(), &filters).await
            })
            .await??;
            print_table(&table, args.output.format)
        }
        ReportCommand::Visibility(args) => {
            let filters = filters(&args.period)?;
            let table = with_store(settings, async |store| {
                check_names(store, settings, &filters).await?;
                report::visibility(store, &filters).await
            })
            .await??;
            print_table(&table, args.format)
        }
    }
}

async fn conversions(settings: &Settings, args: &ConversionsArgs) -> Result<()> {
    let filters = Filters {
        goal: args.filters.goal.clone(),
        ..filters(&args.filters.period)?
    };
    let table = with_store(settings, async |store| {
        check_names(store, settings, &filters).await?;
        report::conversions(store, args.by.into(), &filters).await
    })
    .await??;
    print_table(&table, args.format)
}

async fn crawlers(settings: &Settings, args: &CrawlersArgs) -> Result<()> {
    let filters = ranked(filters(&args.period)?, &args.output);
    let purpose = args.purpose.map(|p| match p {
        PurposeArg::Training => AiPurpose::Training,
        PurposeArg::SearchIndex => AiPurpose::SearchIndex,
        PurposeArg::UserFetch => AiPurpose::UserFetch,
    });
    let table = with_store(settings, async |store| {
        check_names(store, settings, &filters).await?;
        report::crawlers(store, args.by.into(), &filters, purpose).await
    })
    .await??;
    print_table(&table, args.output.format)
}

async fn ai_pages(settings: &Settings, args: &AiPagesArgs) -> Result<()> {
    let filters = ranked(filters(&args.period)?, &args.output);
    let table = with_store(settings, async |store| {
        check_names(store, settings, &filters).await?;
        report::ai_pages(store, &filters).await
    })
    .await??;
    print_table(&table, args.output.format)
}

async fn referrers(settings: &Settings, args: &ReferrersArgs) -> Result<()> {
    let filters = ranked(filters(&args.period)?, &args.output);
    let classifiers = site_classifiers(settings)?;
    let built_in = Classifier::new(&[]);
    let is_named = |site: &str, host: &str| {
        classifiers
            .iter()
            .find(|(name, _)| name == site)
            .map_or(&built_in, |(_, classifier)| classifier)
            .names_referrer_host(host)
    };
    let unclassified: Option<NamesHost<'_>> = args.unclassified.then_some(&is_named);
    let table = with_store(settings, async |store| {
        check_names(store, settings, &filters).await?;
        report::referrers(store, &filters, unclassified).await
    })
    .await??;
    print_table(&table, args.output.format)
}

/// Each configured site's classifier (with its hosts and source rules), by site name.
fn site_classifiers(settings: &Settings) -> Result<Vec<(String, Classifier)>, UsageError> {
    settings
        .sites
        .iter()
        .map(|site| {
            let classifier = site.classifier().map_err(|(key, message)| {
                UsageError(format!("site {:?}: {key}: {message}", site.name))
            })?;
            Ok((site.name.clone(), classifier))
        })
        .collect()
}

/// The report filters of `period`, after checking its days (its site is checked against the
/// store by [`check_names`]).
fn filters(period: &PeriodArgs) -> Result<Filters, UsageError> {
    check_day("--from", &period.from)?;
    check_day("--to", &period.to)?;
    Ok(Filters {
        site: period.site.clone(),
        goal: None,
        from: period.from.clone(),
        to: period.to.clone(),
        limit: None,
    })
}

/// Refuses a site that neither the config nor the stored history knows, and a goal that
/// neither the config nor the stored conversions (of that site, when given) know, with a
/// message naming the known ones (exit code 2).
async fn check_names(
    store: &Store,
    settings: &Settings,
    filters: &Filters,
) -> Result<(), ReportError> {
    if let Some(site) = &filters.site {
        let stored = store.stored_sites().await?;
        names::check_site(settings, site, &stored).map_err(ReportError::Usage)?;
    }
    if let Some(goal) = &filters.goal {
        let site = filters.site.as_deref();
        let stored = store.stored_goals(site).await?;
        names::check_goal(settings, site, goal, &stored).map_err(ReportError::Usage)?;
    }
    Ok(())
}

/// For a library query, refuses a `site`, `goal` or `engine` parameter (among those it
/// declares) that names nothing known, as the report flags do. Analysts' own SQL files may
/// mean anything by their parameters and are not checked.
pub(super) async fn check_query_params(
    store: &Store,
    settings: &Settings,
    file: &QueryFile,
    params: &BTreeMap<String, String>,
) -> Result<(), ReportError> {
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
    check_names(store, settings, &filters).await?;
    if let Some(engine) = declared("engine") {
        let configured: Vec<&str> = settings.engines.iter().map(|e| e.name.as_str()).collect();
        names::check_engine(&configured, &engine).map_err(ReportError::Usage)?;
    }
    Ok(())
}

fn check_day(flag: &str, value: &Option<String>) -> Result<(), UsageError> {
    match value {
        Some(day) if crate::day::parse_day(day).is_none() => Err(UsageError(format!(
            "{flag} {day:?} is not a date in the form YYYY-MM-DD"
        ))),
        _ => Ok(()),
    }
}

/// `filters` keeping the first `--limit` rows (all when 0).
fn ranked(filters: Filters, output: &RankedOutput) -> Filters {
    Filters {
        limit: (output.limit > 0).then_some(output.limit as u64),
        ..filters
    }
}

/// Writes `table` to standard output in `format` as it renders it, treating a closed pipe
/// (`| head`) as success.
pub(super) fn print_table(table: &Table, format: impl Into<OutputFormat>) -> Result<()> {
    let mut stdout = BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    match table
        .write_to(format.into(), &mut stdout)
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
