//! Runs the CLI's commands: loads settings, opens the store, calls into the library and prints.
//! Errors that are the user's to fix (bad flags, bad config) become [`UsageError`] so that
//! `main` can exit with code 2; everything else exits with 1.

mod checks;
mod classify;
mod report;

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::{Cli, Command, IngestArgs, InitArgs, LogFormatArg, QueryArgs};
use crate::config::{self, ConfigError, EXAMPLE_CONFIG, Settings};
use crate::ingest::parse::LogFormat;
use crate::ingest::{FormatChoice, IngestOptions, IngestSummary, Input, ingest};
use crate::report::ReportError;
use crate::report::library::{LIBRARY, QueryFile};
use crate::store::Store;

/// A mistake in how aivis was called or configured (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Opens the configured database, runs `work` on it and closes it again, whatever `work`
/// returned (its result is handed back as is).
async fn with_store<T>(settings: &Settings, work: impl AsyncFnOnce(&Store) -> T) -> Result<T> {
    let store = Store::connect(&settings.database_url).await?;
    let result = work(&store).await;
    store.close().await;
    Ok(result)
}

/// Exit code for an error: 2 for usage and config mistakes, 1 for the rest.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let usage = err.chain().any(|cause| {
        cause.is::<UsageError>()
            || cause.is::<ConfigError>()
            || matches!(
                cause.downcast_ref::<ReportError>(),
                Some(ReportError::Usage(_))
            )
    });
    if usage { 2 } else { 1 }
}

/// Runs one parsed command line.
pub async fn run(cli: Cli) -> Result<()> {
    let env = |key: &str| std::env::var(key).ok();
    match cli.command {
        Command::Init(args) => init(&args),
        Command::Ingest(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            run_ingest(&settings, &args).await
        }
        Command::Report(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            report::run(&settings, args.report).await
        }
        Command::Query(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            query(&settings, &args).await
        }
        Command::Classify(args) => classify::run(cli.config.as_deref(), &args),
        Command::Prompts(command) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::prompts(&settings, command).await
        }
        Command::Check(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::check(&settings, &args).await
        }
        Command::Rescore(args) => {
            let settings = config::load(cli.config.as_deref(), &env)?;
            checks::rescore(&settings, &args).await
        }
        Command::Demo(args) => crate::demo::run(&args).await,
    }
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

async fn run_ingest(settings: &Settings, args: &IngestArgs) -> Result<()> {
    let site = settings.site(args.site.as_deref()).map_err(UsageError)?;
    if args.batch_lines == 0 {
        return Err(UsageError("--batch-lines must be at least 1".into()).into());
    }
    let inputs = args.files.iter().map(|f| Input::from_arg(f)).collect();
    let options = IngestOptions {
        format: format_choice(args.format),
        batch_lines: args.batch_lines,
        progress: std::io::stderr().is_terminal(),
    };
    let summary = with_store(settings, async |store| {
        ingest(store, site, inputs, options).await
    })
    .await??;
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
            "{}: {} lines ({}{})\n",
            file.path,
            file.lines_read,
            if file.format.is_empty() {
                "format not detected"
            } else {
                &file.format
            },
            if file.resumed_at > 0 {
                format!(", resumed at byte {}", file.resumed_at)
            } else {
                String::new()
            }
        ));
        if let Some(note) = &file.note {
            out.push_str(&format!("  note: {note}\n"));
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
    out.push_str(&format!(
        "{:.2} s, {:.0} lines/s\n",
        summary.seconds, summary.lines_per_second
    ));
    out
}

async fn query(settings: &Settings, args: &QueryArgs) -> Result<()> {
    if args.list {
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
        return print_out(&out);
    }
    let Some(name) = args.query.as_deref() else {
        return Err(UsageError("name a query or pass --list".into()).into());
    };
    let file = load_query(name)?;
    let params = parse_params(&args.params)?;
    let timeout = std::time::Duration::from_secs(args.timeout);
    let table = with_store(settings, async |store| {
        crate::report::run_file_within(store, &file, &params, timeout).await
    })
    .await??;
    print_out(&table.render(args.format))
}

fn load_query(name: &str) -> Result<QueryFile> {
    if let Some(file) = QueryFile::named(name) {
        return Ok(file);
    }
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e == "sql") || path.exists() {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read query file {}", path.display()))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        return Ok(QueryFile::parse(&stem, &text));
    }
    let names: Vec<&str> = LIBRARY.iter().map(|(n, _)| *n).collect();
    Err(UsageError(format!(
        "no library query named {name:?} and no such .sql file; library: {}",
        names.join(", ")
    ))
    .into())
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
    fn usage_errors_exit_with_two() {
        let err: anyhow::Error = UsageError("x".into()).into();
        assert_eq!(exit_code(&err), 2);
        let err = anyhow::anyhow!("io");
        assert_eq!(exit_code(&err), 1);
    }
}
