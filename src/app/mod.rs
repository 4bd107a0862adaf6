//! Runs the CLI's commands: loads settings, maps the arguments to a `service` operation's
//! request (reading the files and stdin named on the command line), opens the [`App`], calls
//! the operation and prints. Every error maps to an exit code through its kind ([`exit_code`]):
//! 2 for the caller's mistakes and unknown names, 1 for the rest. [`UsageError`] is only for
//! mistakes in the command line itself that never reach the library.

mod alerts;
mod checks;
mod classify;
mod crawler_ranges;
mod demo;
mod digest;
mod outbox;
mod progress;
mod report;
mod run;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::checks::run::CheckError;
use crate::cli::{Cli, Command, ForgetArgs, IngestArgs, InitArgs, LogFormatArg, QueryArgs};
use crate::config::{self, ConfigError, EXAMPLE_CONFIG, Settings, SiteError, UnknownName};
use crate::error::{ErrorKind, HasKind};
use crate::ingest::parse::LogFormat;
use crate::ingest::{
    FormatChoice, IngestError, IngestOptions, IngestSummary, Input, ProgressObserver,
};
use crate::report::ReportError;
use crate::report::library::{LIBRARY, QueryFile};
use crate::service::{self, App, IngestRequest, QueryRequest, QuerySource, ServiceError};
use crate::store::StoreError;

/// A mistake in the command line itself that never reaches the library (exit code 2): a
/// missing argument, a `--param` without `=`, a file `init` would overwrite.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Opens the [`App`] (database, HTTP client), runs `work` with it and closes it again,
/// whatever `work` returned (its result is handed back as is).
async fn with_app<T>(settings: Settings, work: impl AsyncFnOnce(&App) -> T) -> Result<T> {
    let app = App::open(settings).await?;
    let result = work(&app).await;
    app.close().await;
    Ok(result)
}

/// An error and its causes for people, each cause once: a cause whose text is already part
/// of the message (a wrapper that prints its source) is not repeated.
pub fn describe_error(err: &anyhow::Error) -> String {
    crate::error::describe(err.as_ref())
}

/// The kind of an error: that of the first cause in its chain that knows its kind (a
/// [`UsageError`] is `Usage`); `Internal` when none does.
pub fn error_kind(err: &anyhow::Error) -> ErrorKind {
    err.chain().find_map(kind_of).unwrap_or(ErrorKind::Internal)
}

/// The kind of one cause, when it is one of the error types that know theirs.
fn kind_of(cause: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    fn kind<E: HasKind + std::error::Error + 'static>(
        cause: &(dyn std::error::Error + 'static),
    ) -> Option<ErrorKind> {
        cause.downcast_ref::<E>().map(HasKind::kind)
    }
    if cause.is::<UsageError>() {
        return Some(ErrorKind::Usage);
    }
    kind::<ServiceError>(cause)
        .or_else(|| kind::<ConfigError>(cause))
        .or_else(|| kind::<SiteError>(cause))
        .or_else(|| kind::<UnknownName>(cause))
        .or_else(|| kind::<ReportError>(cause))
        .or_else(|| kind::<CheckError>(cause))
        .or_else(|| kind::<IngestError>(cause))
        .or_else(|| kind::<StoreError>(cause))
        .or_else(|| kind::<crate::daemon::DaemonError>(cause))
}

/// Exit code for an error: 2 for usage and config mistakes (and unknown names), 1 for the
/// rest (see [`ErrorKind::exit_code`]).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    error_kind(err).exit_code()
}

/// SIGINT and SIGTERM, caught (and no longer fatal) from the moment they are installed.
pub(crate) struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn install() -> Option<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Some(Signals {
            interrupt: signal(SignalKind::interrupt()).ok()?,
            terminate: signal(SignalKind::terminate()).ok()?,
        })
    }
}

impl Signals {
    /// Waits for the next SIGINT or SIGTERM; false when no more can come.
    pub(crate) async fn next(&mut self) -> bool {
        let received = tokio::select! {
            received = self.interrupt.recv() => received,
            received = self.terminate.recv() => received,
        };
        received.is_some()
    }
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let env = |key: &str| std::env::var(key).ok();
    match cli.command {
        Command::Init(args) => init(&args),
        Command::Ingest(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            run_ingest(settings, &args).await
        }
        Command::Report(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            report::run(settings, args.report).await
        }
        Command::Query(args) => query(cli.config.as_deref(), &args).await,
        Command::Classify(args) => classify::run(cli.config.as_deref(), &args),
        Command::Alerts(command) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            alerts::run(settings, command).await
        }
        Command::Digest(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            digest::run(settings, args).await
        }
        Command::Run(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            run::run(settings, &args).await
        }
        Command::Status(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            run::status(settings, &args).await
        }
        Command::Outbox(command) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            outbox::run(settings, command, &env).await
        }
        Command::Prompts(command) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::prompts(settings, command).await
        }
        Command::Check(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::check(&settings, &args).await
        }
        Command::Rescore(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::rescore(settings, &args).await
        }
        Command::Forget(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            forget(settings, &args).await
        }
        Command::Demo(args) => demo::run(&args).await,
        Command::CrawlerRanges(command) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            crawler_ranges::run(settings, command).await
        }
    }
}

/// `aivis forget`: deletes visits and salts before a day that can no longer receive sessions.
async fn forget(settings: Settings, args: &ForgetArgs) -> Result<()> {
    let forgotten = with_app(settings, async |app| {
        service::forget(app, args.site.as_deref(), &args.before).await
    })
    .await??;
    if args.json {
        return print_out(&format!("{}\n", serde_json::to_string_pretty(&forgotten)?));
    }
    print_out(&format!(
        "forgot {} sessions, {} conversions and {} day salts before {}{} (daily rollups kept)\n",
        forgotten.sessions,
        forgotten.conversions,
        forgotten.salts,
        args.before,
        args.site
            .as_deref()
            .map(|s| format!(" of site {s}"))
            .unwrap_or_default()
    ))
}

fn init(args: &InitArgs) -> Result<()> {
    if args.path.exists() && !args.force {
        return Err(UsageError(format!(
            "{} already exists; pass --force to overwrite it",
            args.path.display()
        ))
        .into());
    }
    std::fs::write(&args.path, EXAMPLE_CONFIG)
        .with_context(|| format!("cannot write {}", args.path.display()))?;
    println!(
        "wrote {}; edit the [[sites]] section, then run `aivis ingest FILE`",
        args.path.display()
    );
    Ok(())
}

pub(crate) fn format_choice(arg: LogFormatArg) -> FormatChoice {
    match arg {
        LogFormatArg::Auto => FormatChoice::Auto,
        LogFormatArg::Combined => FormatChoice::Fixed(LogFormat::Combined),
        LogFormatArg::Common => FormatChoice::Fixed(LogFormat::Common),
        LogFormatArg::VhostCombined => FormatChoice::Fixed(LogFormat::VhostCombined),
        LogFormatArg::NginxJson => FormatChoice::Fixed(LogFormat::NginxJson),
        LogFormatArg::CaddyJson => FormatChoice::Fixed(LogFormat::CaddyJson),
    }
}

async fn run_ingest(settings: Settings, args: &IngestArgs) -> Result<()> {
    let request = IngestRequest {
        site: args.site.clone(),
        inputs: args.files.iter().map(|f| Input::from_arg(f)).collect(),
        options: IngestOptions {
            format: format_choice(args.format),
            batch_lines: args.batch_lines,
            progress: std::io::stderr()
                .is_terminal()
                .then(|| ProgressObserver(std::sync::Arc::new(progress::ProgressBar::default()))),
            max_held_sessions: args.max_held_sessions,
            ..IngestOptions::default()
        },
    };
    let summary = with_app(settings, async |app| service::ingest(app, request).await).await??;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", describe_summary(&summary));
    }
    Ok(())
}

/// The ingest summary as text for people.
pub fn describe_summary(summary: &IngestSummary) -> String {
    let mut out = String::new();
    for file in &summary.files {
        out.push_str(&format!(
            "{}: {} lines ({}{}{})\n",
            file.path,
            file.lines_read,
            if file.format.is_empty() {
                "format not detected"
            } else {
                &file.format
            },
            if file.compressed { ", gzip" } else { "" },
            if file.resumed_at > 0 {
                format!(", resumed at byte {}", file.resumed_at)
            } else {
                String::new()
            }
        ));
        if let Some(note) = &file.note {
            out.push_str(&format!("  note: {note}\n"));
        }
        if let Some(warning) = &file.warning {
            out.push_str(&format!("  warning: {warning}\n"));
        }
        if file.unterminated_bytes > 0 {
            out.push_str(&format!(
                "  note: {} bytes after the last newline left for the next run\n",
                file.unterminated_bytes
            ));
        }
    }
    out.push_str(&format!(
        "site {}: {} lines read, {} pageviews, {} new sessions, {} conversions\n",
        summary.site, summary.lines_read, summary.pageviews, summary.sessions, summary.conversions
    ));
    let skipped: Vec<String> = summary
        .skipped
        .iter()
        .map(|(reason, n)| format!("{reason} {n}"))
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!("skipped: {}\n", skipped.join(", ")));
    }
    for sample in &summary.malformed_samples {
        out.push_str(&format!(
            "  {}:{} {}: {}\n",
            sample.file, sample.line, sample.reason, sample.text
        ));
    }
    if summary.out_of_order > 0 {
        out.push_str(&format!(
            "out of order: {} lines earlier than a line before them (at most {} s back; \
             ingest a site's logs in time order)\n",
            summary.out_of_order, summary.max_step_back_seconds
        ));
    }
    if summary.late > 0 {
        out.push_str(&format!(
            "late: {} pageviews of days whose salt was already deleted (counted, but not \
             joined to that day's stored visits; see salt_retention_days)\n",
            summary.late
        ));
    }
    if summary.crawler_requests_folded > 0 {
        out.push_str(&format!(
            "AI crawler requests counted under the path (other): {} (an agent asked for more \
             than {} distinct paths in a day)\n",
            summary.crawler_requests_folded,
            crate::ingest::crawlers::MAX_PATHS_PER_AGENT_DAY
        ));
    }
    if summary.memory.sessions_set_aside > 0 {
        out.push_str(&format!(
            "memory: at most {} sessions held; {} set aside to the database, {} found again\n",
            summary.memory.peak_held_sessions,
            summary.memory.sessions_set_aside,
            summary.memory.sessions_found_again
        ));
    }
    out.push_str(&format!(
        "{:.2} s, {:.0} lines/s\n",
        summary.seconds, summary.lines_per_second
    ));
    out
}

/// `aivis query`: lists the library, or runs a library query or a `.sql` file (read here)
/// through [`service::query`].
async fn query(config_path: Option<&Path>, args: &QueryArgs) -> Result<()> {
    if args.list {
        return print_out(&describe_library());
    }
    let Some(name) = args.query.as_deref() else {
        return Err(UsageError("name a query or pass --list".into()).into());
    };
    let request = QueryRequest {
        source: query_source(name)?,
        params: parse_params(&args.params)?,
        timeout: std::time::Duration::from_secs(args.timeout),
    };
    let env = |key: &str| std::env::var(key).ok();
    let settings = config::load(config_path, &env)?;
    let table = with_app(settings, async |app| service::query(app, request).await).await??;
    report::print_table(&table, args.format)
}

/// The library's queries, each with its summary and parameters, for `aivis query --list`.
fn describe_library() -> String {
    let mut out = String::new();
    for (name, text) in LIBRARY {
        let file = QueryFile::parse(name, text);
        out.push_str(&format!(
            "{name}\n  {}\n  params: {}\n",
            file.summary(),
            if file.params.is_empty() {
                "none".to_string()
            } else {
                file.params.join(", ")
            }
        ));
    }
    out
}

/// A library query by name, else a `.sql` file (or any existing file) read as the query;
/// a name that is neither is left to the service, which names the library.
fn query_source(name: &str) -> Result<QuerySource> {
    if QueryFile::named(name).is_some() {
        return Ok(QuerySource::Library(name.to_string()));
    }
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e == "sql") || path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read query file {}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        return Ok(QuerySource::Sql { name: stem, text });
    }
    Ok(QuerySource::Library(name.to_string()))
}

fn parse_params(raw: &[String]) -> Result<BTreeMap<String, String>, UsageError> {
    raw.iter()
        .map(|p| {
            p.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| UsageError(format!("--param {p:?} is not NAME=VALUE")))
        })
        .collect()
}

/// Writes to stdout, treating a closed pipe (`| head`) as success.
pub(crate) fn print_out(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_need_a_name_and_equals_sign() {
        let ok = parse_params(&["site=acme".into(), "from=2026-01-01".into()]).unwrap();
        assert_eq!(ok["site"], "acme");
        assert!(parse_params(&["site".into()]).is_err());
        assert!(parse_params(&["=x".into()]).is_err());
    }

    #[test]
    fn each_cause_is_printed_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let config = ConfigError::Read {
            path: "x.toml".into(),
            source: io,
        };
        let err = anyhow::Error::new(config).context("loading settings");
        assert_eq!(
            describe_error(&err),
            "loading settings: config file x.toml: No such file"
        );
    }

    #[test]
    fn usage_errors_exit_with_two() {
        let err: anyhow::Error = UsageError("x".into()).into();
        assert_eq!(exit_code(&err), 2);
        let err = anyhow::anyhow!("io");
        assert_eq!(exit_code(&err), 1);
    }

    #[test]
    fn library_errors_exit_by_their_kind_under_context() {
        let unknown = crate::config::names::unknown_prompt(9, None, &[1]);
        let err = anyhow::Error::new(ServiceError::from(unknown)).context("aivis prompts");
        assert_eq!(error_kind(&err), ErrorKind::NotFound);
        assert_eq!(exit_code(&err), 2);
        let refused = ReportError::Usage("not a SELECT".into());
        assert_eq!(exit_code(&anyhow::Error::new(refused)), 2);
        let slow = ReportError::Store(StoreError::Timeout { seconds: 5 });
        let err = anyhow::Error::new(ServiceError::from(slow));
        assert_eq!(error_kind(&err), ErrorKind::Unavailable);
        assert_eq!(exit_code(&err), 1);
        let site = Settings::default().site(None).unwrap_err();
        assert_eq!(exit_code(&anyhow::Error::new(site)), 2);
    }
}
