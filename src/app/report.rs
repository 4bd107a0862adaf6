//! `aivis report …`: checks the flags against the config, runs the report from the query
//! library and prints it as a table, CSV or JSON.

use anyhow::Result;

use super::{UsageError, print_out, with_store};
use crate::classify::{AiPurpose, Classifier};
use crate::cli::{
    AiPagesArgs, ConversionsArgs, CrawlersArgs, PeriodArgs, PurposeArg, RankedOutput,
    ReferrersArgs, ReportCommand,
};
use crate::config::Settings;
use crate::report::table::Table;
use crate::report::{self, Filters, NamesHost};

pub async fn run(settings: &Settings, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Conversions(args) => conversions(settings, &args).await,
        ReportCommand::Crawlers(args) => crawlers(settings, &args).await,
        ReportCommand::AiPages(args) => ai_pages(settings, &args).await,
        ReportCommand::Referrers(args) => referrers(settings, &args).await,
        ReportCommand::Mentions(args) => {
            let filters = filters(settings, &args.period)?;
            let table = with_store(settings, async |store| {
                report::mentions(store, args.by, &filters).await
            })
            .await??;
            print_out(&table.render(args.format))
        }
        ReportCommand::Citations(args) => {
            let filters = filters(settings, &args.period)?;
            let table = with_store(settings, async |store| {
                report::citations(store, args.by, &filters).await
            })
            .await??;
            print_ranked(table, &args.output)
        }
        ReportCommand::Visibility(args) => {
            let filters = filters(settings, &args.period)?;
            let table = with_store(settings, async |store| {
                report::visibility(store, &filters).await
            })
            .await??;
            print_out(&table.render(args.format))
        }
    }
}

async fn conversions(settings: &Settings, args: &ConversionsArgs) -> Result<()> {
    let filters = Filters {
        goal: args.filters.goal.clone(),
        ..filters(settings, &args.filters.period)?
    };
    let table = with_store(settings, async |store| {
        report::conversions(store, args.by, &filters).await
    })
    .await??;
    print_out(&table.render(args.format))
}

async fn crawlers(settings: &Settings, args: &CrawlersArgs) -> Result<()> {
    let filters = filters(settings, &args.period)?;
    let purpose = args.purpose.map(|p| match p {
        PurposeArg::Training => AiPurpose::Training,
        PurposeArg::SearchIndex => AiPurpose::SearchIndex,
        PurposeArg::UserFetch => AiPurpose::UserFetch,
    });
    let table = with_store(settings, async |store| {
        report::crawlers(store, args.by, &filters, purpose).await
    })
    .await??;
    print_ranked(table, &args.output)
}

async fn ai_pages(settings: &Settings, args: &AiPagesArgs) -> Result<()> {
    let filters = filters(settings, &args.period)?;
    let table = with_store(settings, async |store| {
        report::ai_pages(store, &filters).await
    })
    .await??;
    print_ranked(table, &args.output)
}

async fn referrers(settings: &Settings, args: &ReferrersArgs) -> Result<()> {
    let filters = filters(settings, &args.period)?;
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
        report::referrers(store, &filters, unclassified).await
    })
    .await??;
    print_ranked(table, &args.output)
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

/// The report filters of `period`, after checking its days and, when sites are configured,
/// that the site is one of them.
fn filters(settings: &Settings, period: &PeriodArgs) -> Result<Filters, UsageError> {
    check_day("--from", &period.from)?;
    check_day("--to", &period.to)?;
    if let Some(site) = &period.site
        && !settings.sites.is_empty()
    {
        settings.site(Some(site)).map_err(UsageError)?;
    }
    Ok(Filters {
        site: period.site.clone(),
        goal: None,
        from: period.from.clone(),
        to: period.to.clone(),
    })
}

fn check_day(flag: &str, value: &Option<String>) -> Result<(), UsageError> {
    match value {
        Some(day) if crate::day::parse_day(day).is_none() => Err(UsageError(format!(
            "{flag} {day:?} is not a date in the form YYYY-MM-DD"
        ))),
        _ => Ok(()),
    }
}

/// Prints the first `--limit` rows (all when 0).
fn print_ranked(mut table: Table, output: &RankedOutput) -> Result<()> {
    if output.limit > 0 {
        table.rows.truncate(output.limit);
    }
    print_out(&table.render(output.format))
}
