//! `aivis demo`: generates a realistic month of traffic for the demo site (see [`generate`]),
//! runs the whole pipeline on it into a fresh local SQLite file and prints what a brand team
//! would look at first: AI assistants against search, then every channel. Needs no network
//! and no keys. The same generator feeds the integration tests and the benchmark, because it
//! also returns the ground truth the pipeline must reproduce.

pub mod checks;
pub mod generate;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::app::{UsageError, describe_summary, print_out};
use crate::cli::{DemoArgs, LogFormatArg};
use crate::config::{EntityConfig, GoalConfig, GoalKind, SiteConfig};
use crate::ingest::{IngestOptions, Input, ingest};
use crate::report::{self, ConversionsBy, CrawlersBy, Filters};
use crate::store::Store;
use generate::{GroundTruth, OutputFormat, TrafficSpec};

/// The site the generated traffic belongs to, with its goals.
pub fn demo_site() -> SiteConfig {
    SiteConfig {
        name: generate::SITE_NAME.to_string(),
        hosts: generate::SITE_HOSTS.iter().map(|h| h.to_string()).collect(),
        internal_hosts: Vec::new(),
        session_timeout_minutes: 30,
        goals: vec![
            GoalConfig {
                name: "purchase".into(),
                path: generate::PURCHASE_GOAL_PATH.into(),
                kind: GoalKind::Macro,
            },
            GoalConfig {
                name: "newsletter".into(),
                path: generate::NEWSLETTER_GOAL_PATH.into(),
                kind: GoalKind::Micro,
            },
        ],
        source_rules: Vec::new(),
        brand: Some(EntityConfig {
            name: "Acme".into(),
            aliases: vec!["Acme Analytics".into()],
            domains: generate::SITE_HOSTS.iter().map(|h| h.to_string()).collect(),
        }),
        competitors: ["Globex", "Initech", "Umbrella"]
            .iter()
            .map(|name| EntityConfig {
                name: name.to_string(),
                aliases: Vec::new(),
                domains: vec![format!("{}.test", name.to_lowercase())],
            })
            .collect(),
    }
}

fn spec_from(args: &DemoArgs) -> Result<TrafficSpec> {
    let mut spec = TrafficSpec::demo();
    if let Some(sessions) = args.sessions {
        spec.sessions = sessions;
    }
    if let Some(days) = args.days {
        if days == 0 {
            return Err(UsageError("--days must be at least 1".into()).into());
        }
        spec.days = days;
    }
    if let Some(seed) = args.seed {
        spec.seed = seed;
    }
    spec.format = match args.log_format {
        LogFormatArg::Auto | LogFormatArg::Combined => OutputFormat::Combined,
        LogFormatArg::VhostCombined => OutputFormat::VhostCombined,
        LogFormatArg::NginxJson => OutputFormat::NginxJson,
        LogFormatArg::CaddyJson => OutputFormat::CaddyJson,
        LogFormatArg::Common => {
            return Err(UsageError(
                "the demo log carries referrers; common format has none (pick another)".into(),
            )
            .into());
        }
    };
    Ok(spec)
}

/// Writes the generated log to `path` and returns its ground truth.
pub fn write_log(spec: &TrafficSpec, path: &Path) -> Result<GroundTruth> {
    let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let truth = generate::generate(spec, &mut out)
        .with_context(|| format!("cannot write {}", path.display()))?;
    out.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(truth)
}

/// The ground truth as JSON, for scripts and tests.
pub fn truth_json(truth: &GroundTruth) -> serde_json::Value {
    let by_source: Vec<serde_json::Value> = truth
        .by_source
        .iter()
        .map(|((channel, source), t)| {
            serde_json::json!({
                "channel": channel, "source": source, "sessions": t.sessions,
                "conversions": t.conversions, "micro_conversions": t.micro_conversions,
                "pageviews": t.pageviews,
            })
        })
        .collect();
    serde_json::json!({
        "lines": truth.lines, "pageviews": truth.pageviews, "sessions": truth.sessions,
        "conversions": truth.conversions, "micro_conversions": truth.micro_conversions,
        "bot_lines": truth.bot_lines, "asset_lines": truth.asset_lines,
        "non_page_lines": truth.non_page_lines, "malformed_lines": truth.malformed_lines,
        "by_source": by_source,
    })
}

/// Runs `aivis demo`.
pub async fn run(args: &DemoArgs) -> Result<()> {
    let spec = spec_from(args)?;
    if let Some(path) = &args.write_log {
        let truth = write_log(&spec, path)?;
        return print_out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&truth_json(&truth))?
        ));
    }
    remove_database(&args.db)?;
    let log_path = args.db.with_extension("log");
    let truth = write_log(&spec, &log_path)?;
    let url = format!("sqlite://{}", args.db.display());
    let store = Store::connect(&url).await?;
    let summary = ingest(
        &store,
        &demo_site(),
        vec![Input::File(log_path.clone())],
        IngestOptions::default(),
    )
    .await?;
    let mut out = format!(
        "Generated {} days of traffic for {} ({} log lines) and ingested it into {}.\n\n",
        spec.days,
        generate::SITE_NAME,
        truth.lines,
        args.db.display()
    );
    out.push_str(&describe_summary(&summary));
    out.push_str(&ai_vs_search(&store).await?);
    let by_channel =
        report::conversions(&store, ConversionsBy::Channel, &Filters::default()).await?;
    out.push_str("\nConversions (macro goal: purchase) by channel:\n\n");
    out.push_str(&by_channel.to_text_table());
    let crawlers = report::crawlers(&store, CrawlersBy::Agent, &Filters::default(), None).await?;
    out.push_str(
        "\nAI crawlers and agents (every request; user_fetch = reading for a user now):\n\n",
    );
    out.push_str(&crawlers.to_text_table());
    let mut pages = report::ai_pages(&store, &Filters::default()).await?;
    pages.rows.truncate(5);
    out.push_str("\nPages AI reads for users, beside the visitors AI sends (top 5):\n\n");
    out.push_str(&pages.to_text_table());
    out.push_str(&checks::mentions_section(&store, &args.db).await?);
    out.push_str(&format!(
        "\nThe demo database stays at {} (log: {}). Try, with AIVIS_DATABASE_URL={url}:\n  \
         aivis query conversions_by_source --format csv\n  aivis report crawlers --by path\n  \
         aivis report referrers --unclassified\n  aivis report mentions --by prompt\n  aivis report visibility --format csv\n",
        args.db.display(),
        log_path.display()
    ));
    store.close().await;
    print_out(&out)
}

async fn ai_vs_search(store: &Store) -> Result<String> {
    let table = report::run_named(store, "ai_vs_search", &BTreeMap::new()).await?;
    let table = report::with_rates(table);
    Ok(format!(
        "\nAI assistants against search (conversion = purchase, 95% Wilson interval):\n\n{}",
        table.to_text_table()
    ))
}

fn remove_database(db: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove old demo file {path}")),
        }
    }
    Ok(())
}
