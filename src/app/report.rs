//! `aivis report …`: maps the flags to a [`ReportRequest`] (the CLI's value enums to the
//! library's report types, `--limit 0` to no limit), runs it through [`service::report`] (which
//! checks the flags against the config and the stored history) and writes the table to
//! standard output as a table, CSV or JSON ([`print_table`], also used by `aivis query`).

use std::io::{BufWriter, Write};

use anyhow::Result;

use super::{print_out, with_app};
use crate::classify::AiPurpose;
use crate::cli::{
    CitationsByArg, CompareArgs, ConversionsByArg, CrawlersByArg, MentionsByArg, OutputFormatArg,
    PeriodArgs, PurposeArg, RankedOutput, ReportCommand,
};
use crate::config::Settings;
use crate::report::table::{OutputFormat, Table};
use crate::report::{self, CitationsBy, ConversionsBy, CrawlersBy, Filters, MentionsBy};
use crate::service::{self, CompareRequest, ReportKind, ReportRequest};

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

pub async fn run(settings: Settings, command: ReportCommand) -> Result<()> {
    let (request, format) = match request(command) {
        Wanted::Report(request, format) => (request, format),
        Wanted::Compare(args) => return compare(settings, args).await,
    };
    let table = with_app(settings, async |app| service::report(app, request).await).await??;
    print_table(&table, format)
}

/// `aivis report compare`: the comparison as text for people, CSV or JSON.
async fn compare(settings: Settings, args: CompareArgs) -> Result<()> {
    let request = CompareRequest {
        site: args.site,
        goal: args.goal,
        as_of: args.as_of,
        window_days: args.window,
        baseline_days: args.baseline,
    };
    let comparison = with_app(settings, async |app| service::compare(app, request).await).await??;
    match args.format {
        OutputFormatArg::Table => print_out(&report::compare::people_text(&comparison)),
        OutputFormatArg::Csv => print_table(
            &report::compare::program_table(&comparison),
            OutputFormatArg::Csv,
        ),
        OutputFormatArg::Json => print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&report::compare::to_json(&comparison))?
        )),
    }
}

/// What `aivis report` was asked for: a report of the query library (and the format to print
/// it in), or the comparison, which has its own shape.
enum Wanted {
    Report(ReportRequest, OutputFormatArg),
    Compare(CompareArgs),
}

/// The report the flags ask for, and the format to print it in.
fn request(command: ReportCommand) -> Wanted {
    let (kind, filters, format) = match command {
        ReportCommand::Compare(args) => return Wanted::Compare(args),
        ReportCommand::Conversions(args) => (
            ReportKind::Conversions(args.by.into()),
            Filters {
                goal: args.filters.goal,
                ..filters(args.filters.period)
            },
            args.format,
        ),
        ReportCommand::Crawlers(args) => {
            let purpose = args.purpose.map(|p| match p {
                PurposeArg::Training => AiPurpose::Training,
                PurposeArg::SearchIndex => AiPurpose::SearchIndex,
                PurposeArg::UserFetch => AiPurpose::UserFetch,
            });
            let filters = ranked(filters(args.period), &args.output);
            let kind = ReportKind::Crawlers(args.by.into(), purpose);
            (kind, filters, args.output.format)
        }
        ReportCommand::AiPages(args) => (
            ReportKind::AiPages,
            ranked(filters(args.period), &args.output),
            args.output.format,
        ),
        ReportCommand::Referrers(args) => (
            ReportKind::Referrers {
                unclassified: args.unclassified,
            },
            ranked(filters(args.period), &args.output),
            args.output.format,
        ),
        ReportCommand::Mentions(args) => (
            ReportKind::Mentions(args.by.into()),
            filters(args.period),
            args.format,
        ),
        ReportCommand::Citations(args) => (
            ReportKind::Citations(args.by.into()),
            ranked(filters(args.period), &args.output),
            args.output.format,
        ),
        ReportCommand::Visibility(args) => {
            (ReportKind::Visibility, filters(args.period), args.format)
        }
    };
    Wanted::Report(ReportRequest { kind, filters }, format)
}

/// The report filters of `period` (checked by the service).
fn filters(period: PeriodArgs) -> Filters {
    Filters {
        site: period.site,
        goal: None,
        from: period.from,
        to: period.to,
        limit: None,
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
