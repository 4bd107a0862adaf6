//! `aivis demo`: checks the flags, replaces the demo database (only one the demo made: see
//! `demo::database`), generates the demo traffic log on a blocking thread, ingests it, runs the
//! demo's prompt check against the recorded answers, and prints what a brand team would look
//! at first: AI assistants against search, every channel, AI crawlers, the pages AI reads, and
//! mentions and visibility per engine. Needs no network and no keys. `--write-log` only writes
//! the log and prints its ground truth as JSON.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;

use super::{UsageError, describe_summary, print_out};
use crate::analysis::alerts::traffic_alerts;
use crate::checks::client::RetryPolicy;
use crate::checks::prompts::NewPrompt;
use crate::checks::run::{CheckSelection, run_checks};
use crate::cli::{DemoArgs, LogFormatArg, StoryArg};
use crate::config::{AlertSettings, Settings};
use crate::demo::checks::{DEMO_PROMPTS, replay_engine, search_engine, write_replay_files};
use crate::demo::generate::{self, OutputFormat, Story, TrafficSpec};
use crate::demo::{DemoError, database, demo_site, generate_log, truth_json};
use crate::error::{ErrorKind, HasKind};
use crate::ingest::{IngestOptions, Input, ingest};
use crate::report::compare::CompareParams;
use crate::report::{self, ConversionsBy, CrawlersBy, Filters, MentionsBy};
use crate::service::{self, DigestAction, DigestRequest};
use crate::store::Store;

/// Runs `aivis demo`.
pub async fn run(args: &DemoArgs) -> Result<()> {
    let spec = spec_from(args)?;
    if let Some(path) = &args.write_log {
        let truth = generate_log(spec, path.clone()).await.map_err(from_demo)?;
        return print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&truth_json(&truth))?
        ));
    }
    let log_path = args.db.with_extension("log");
    if log_path == args.db {
        return Err(UsageError(format!(
            "--db {}: the demo writes its log to the database's name with the extension .log; \
             pick another name",
            args.db.display()
        ))
        .into());
    }
    database::replace_async(args.db.clone())
        .await
        .map_err(from_demo)?;
    let truth = generate_log(spec.clone(), log_path.clone())
        .await
        .map_err(from_demo)?;
    let url = format!("sqlite://{}", args.db.display());
    let store = Store::connect(&url).await?;
    let result = report_on(&store, args, &spec, &log_path, truth.lines, &url).await;
    store.close().await;
    let mut out = result?;
    out.push_str(&digest_preview(args, &spec, &url).await?);
    print_out(&out)
}

/// Writes the digest of the generated traffic's last full week as a preview beside the demo
/// database (`aivis digest --preview`), and says where.
async fn digest_preview(args: &DemoArgs, spec: &TrafficSpec, url: &str) -> Result<String> {
    let settings = Settings {
        database_url: url.to_string(),
        sites: vec![demo_site()],
        ..Settings::default()
    };
    let path = args.db.with_extension("digest.html");
    let last_day = spec.start_day + i64::from(spec.days.max(1)) - 1;
    let request = DigestRequest {
        site: None,
        as_of: Some(crate::day::day_text(last_day * 86_400)),
        period: None,
        action: DigestAction::Preview(path),
    };
    let outcomes =
        super::with_app(settings, async |app| service::digest(app, request).await).await??;
    let mut out = String::from("\nThe weekly digest brand teams get by email (aivis digest):\n");
    for outcome in &outcomes {
        out.push_str(&format!(
            "  subject: {}\n  {} bytes as an email\n",
            outcome.subject, outcome.bytes
        ));
        for file in &outcome.files {
            out.push_str(&format!("  wrote {}\n", file.display()));
        }
    }
    Ok(out)
}

/// Ingests the generated log and runs the check into `store`, and returns what to print.
async fn report_on(
    store: &Store,
    args: &DemoArgs,
    spec: &TrafficSpec,
    log_path: &Path,
    lines: u64,
    url: &str,
) -> Result<String> {
    let summary = ingest(
        store,
        &demo_site(),
        vec![Input::File(log_path.to_path_buf())],
        IngestOptions::default(),
    )
    .await?;
    let mut out = format!(
        "Generated {} days of traffic for {} ({lines} log lines) and ingested it into {}.\n\n",
        spec.days,
        generate::SITE_NAME,
        args.db.display()
    );
    out.push_str(&describe_summary(&summary));
    out.push_str(&ai_vs_search(store).await?);
    out.push_str(&shifts_section(store, spec).await?);
    let all = Filters::default();
    let by_channel = report::conversions(store, ConversionsBy::Channel, &all).await?;
    out.push_str("\nConversions (macro goal: purchase) by channel:\n\n");
    out.push_str(&by_channel.to_text_table());
    let crawlers = report::crawlers(store, CrawlersBy::Agent, &all, None).await?;
    out.push_str(
        "\nAI crawlers and agents (every request; user_fetch = reading for a user now):\n\n",
    );
    out.push_str(&crawlers.to_text_table());
    let top_five = Filters {
        limit: Some(5),
        ..Filters::default()
    };
    let pages = report::ai_pages(store, &top_five).await?;
    out.push_str("\nPages AI reads for users, beside the visitors AI sends (top 5):\n\n");
    out.push_str(&pages.to_text_table());
    out.push_str(&mentions_section(store, &args.db).await?);
    out.push_str(&format!(
        "\nThe demo database stays at {} (log: {}). Try, with AIVIS_DATABASE_URL={url}:\n  \
         aivis query conversions_by_source --format csv\n  aivis report crawlers --by path\n  \
         aivis report referrers --unclassified\n  aivis report mentions --by prompt\n  aivis report visibility --format csv\n",
        args.db.display(),
        log_path.display()
    ));
    Ok(out)
}

/// The traffic spec from the flags; a log format without referrers is refused.
fn spec_from(args: &DemoArgs) -> Result<TrafficSpec, UsageError> {
    let mut spec = TrafficSpec::demo();
    if let Some(sessions) = args.sessions {
        spec.sessions = sessions;
    }
    if let Some(days) = args.days {
        if days == 0 {
            return Err(UsageError("--days must be at least 1".into()));
        }
        spec.days = days;
    }
    if let Some(seed) = args.seed {
        spec.seed = seed;
    }
    spec.story = match args.story {
        StoryArg::AiGrowth => Story::AiGrowth,
        StoryArg::Stable => Story::Stable,
    };
    spec.format = match args.log_format {
        LogFormatArg::Auto | LogFormatArg::Combined => OutputFormat::Combined,
        LogFormatArg::VhostCombined => OutputFormat::VhostCombined,
        LogFormatArg::NginxJson => OutputFormat::NginxJson,
        LogFormatArg::CaddyJson => OutputFormat::CaddyJson,
        LogFormatArg::Common => {
            return Err(UsageError(
                "the demo log carries referrers; common format has none (pick another)".into(),
            ));
        }
    };
    Ok(spec)
}

/// A demo error for `main`, its causes in the message: one of the caller's making (a file
/// that is not a demo database, a path that cannot be used) exits with 2.
fn from_demo(err: DemoError) -> anyhow::Error {
    if err.kind() != ErrorKind::Usage {
        return err.into();
    }
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(&err);
    while let Some(source) = cause {
        text.push_str(": ");
        text.push_str(&source.to_string());
        cause = source.source();
    }
    if matches!(err, DemoError::NotADemoDatabase { .. }) {
        text.push_str("; pass another --db, or move the file away");
    }
    UsageError(text).into()
}

async fn ai_vs_search(store: &Store) -> Result<String> {
    let table = report::run_named(store, "ai_vs_search", &BTreeMap::new()).await?;
    let table = report::with_rates(table);
    Ok(format!(
        "\nAI assistants against search (conversion = purchase, 95% Wilson interval):\n\n{}",
        table.to_text_table()
    ))
}

/// The generated month's last week against the weeks before (`aivis report compare`), and
/// the alerts `aivis alerts evaluate` would raise from it (not stored).
async fn shifts_section(store: &Store, spec: &TrafficSpec) -> Result<String> {
    let settings = AlertSettings::default();
    let thresholds = settings.traffic_thresholds();
    let params = CompareParams {
        site: Some(generate::SITE_NAME.into()),
        goal: None,
        as_of: spec.start_day + i64::from(spec.days.max(1)) - 1,
        window_days: settings.window_days,
        baseline_days: settings.baseline_days,
        thresholds,
    };
    let comparison = report::compare::compare(store, &params).await?;
    let mut out = String::from(
        "\nHas anything really shifted? The last week against the days before \
         (aivis report compare):\n\n",
    );
    out.push_str(&report::compare::people_text(&comparison));
    let raised = traffic_alerts(generate::SITE_NAME, &comparison, &thresholds, |_| true);
    out.push_str("\nAlerts it would raise (aivis alerts evaluate):\n");
    if raised.is_empty() {
        out.push_str("  none\n");
    }
    for alert in &raised {
        out.push_str(&format!(
            "  {:<8}  {}\n",
            alert.severity.as_str(),
            alert.sentence
        ));
    }
    Ok(out)
}

/// Tracks the demo prompts, runs one check with the two replay engines (their files written
/// next to the demo database) and returns the printed section: mentions per engine, and the
/// brand per prompt, mentioned in the answers and linked.
async fn mentions_section(store: &Store, database: &Path) -> Result<String> {
    let (answers, results) = write_replay_files(database).map_err(from_demo)?;
    let site = demo_site();
    for text in DEMO_PROMPTS {
        let prompt = NewPrompt {
            text: text.to_string(),
            tags: vec!["demo".into()],
            engines: Vec::new(),
        };
        store.add_prompt(&site.name, &prompt, 0).await?;
    }
    let ai = replay_engine(&answers);
    let search = search_engine(&results);
    let header = format!(
        "\nPrompt checks: {} prompts asked of {} ({} samples each, recorded AI answers in {}) \
         and {} (one recorded search results page each, {})",
        DEMO_PROMPTS.len(),
        ai.name,
        ai.samples,
        answers.display(),
        search.name,
        results.display()
    );
    let settings = Settings {
        sites: vec![site],
        engines: vec![ai, search],
        ..Settings::default()
    };
    let no_env = |_: &str| None;
    let summary = run_checks(
        store,
        &settings,
        &crate::checks::client::http_client()?,
        &CheckSelection::default(),
        &no_env,
        RetryPolicy::default(),
        &tokio_util::sync::CancellationToken::new(),
    )
    .await?;
    let filters = Filters::default();
    let mentions = report::mentions(store, MentionsBy::Engine, &filters).await?;
    let visibility = report::visibility(store, &filters).await?;
    Ok(format!(
        "{header}: {} answers, {} failed call (stored as failed, never as \"not mentioned\").\n\
         Brand and competitor mentions per engine (mention_rate with its 95% Wilson interval):\n\n\
         {}\nThe brand per prompt: mentioned in the answers, and linked (for the search engine: \
         best_link_rank is its rank among the results; \
         `aivis report visibility` has the intervals):\n\n{}",
        summary.answers,
        summary.failed,
        mentions.to_text_table(),
        visibility
            .select(&[
                "prompt_id",
                "engine",
                "answers",
                "failed",
                "mention_rate",
                "avg_mention_rank",
                "link_rate",
                "best_link_rank",
                "prompt",
            ])
            .to_text_table()
    ))
}
