//! Command-line definitions (clap) and nothing else: every command's flags and help text,
//! and the value enums of the flags (`app` maps them to the library's types, which know
//! nothing of clap). The top-level commands are here; the flags of the command groups are in
//! `report`, `prompts` (with check and rescore), `alerts`, `email` (digest and outbox) and
//! `daemon` (run and status), `crawler_ranges` (the AI crawlers' published IP ranges),
//! re-exported from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod alerts;
mod crawler_ranges;
mod daemon;
mod email;
mod prompts;
mod report;

pub use alerts::*;
pub use crawler_ranges::*;
pub use daemon::*;
pub use email::*;
pub use prompts::*;
pub use report::*;

const ABOUT: &str = "Where AI assistants send a site traffic, and whether it converts.";

const LONG_ABOUT: &str = "\
aivis reads a website's access logs, groups requests into cookieless sessions, classifies \
each session's source (AI assistants, search engines, social networks, email, paid, referral, \
direct), detects goal conversions and compares conversion rates with 95% error bars.

History lives in SQLite (default: ./aivis.db) or PostgreSQL; the reports are plain SQL files \
that analysts can run themselves.

Exit codes: 0 ok, 1 runtime failure (for `check`: an engine answered none of its calls), 2 bad \
usage or bad config.";

#[derive(Debug, Parser)]
#[command(name = "aivis", version, about = ABOUT, long_about = LONG_ABOUT)]
pub struct Cli {
    /// Config file [default: $AIVIS_CONFIG, else ./aivis.toml if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented example config file to start from
    Init(InitArgs),
    /// Read access logs into sessions, conversions and daily rollups (exactly once)
    #[command(long_about = "\
Read access logs into sessions, conversions and daily rollups, exactly once.

Each file is read from where the last ingest of it stopped: ingesting the same file twice \
counts it once, and a file that grew since is read from its old end. Every batch is committed \
together with its checkpoint, so an interrupted ingest can simply be run again.

Skipped and counted: malformed lines, bots (by user agent), static assets (by extension) and \
responses that are not pages (redirects, errors). A file's last line is only read once it ends \
with a newline. Ingest one site's logs in time order (merge several servers' logs first).")]
    Ingest(IngestArgs),
    /// Print a report from the stored history
    Report(ReportArgs),
    /// Run a query from the library (queries/*.sql) or your own SQL file, read-only
    #[command(long_about = "\
Run a query from the library (queries/*.sql) or your own SQL file, and print its rows.

Queries are read-only. A file holds exactly one statement, starting with SELECT, WITH, VALUES \
or TABLE; the database runs it on a read-only connection (SQLite: a read-only connection that \
allows nothing but reads; PostgreSQL: a READ ONLY transaction, always rolled back, as the role \
aivis_reader). Anything else (a second statement, writes, DDL, ATTACH, PRAGMA, COPY, reading \
server files) is refused with exit code 2 and changes nothing. The table day_salts (the secret \
salts of the visitor keys) is never readable. A query still running after --timeout seconds is \
stopped (exit code 1).

Write :name in the SQL for a parameter and pass --param name=value: values are bound, never \
spliced into the SQL.")]
    Query(QueryArgs),
    /// Classify one referrer, landing URL and user agent, or NDJSON lines with --batch
    #[command(long_about = "\
Classify where a visit came from, as ingest does for a session's first hit: channel, source, \
search term, and the bot behind the user agent (AI crawlers and agents with their operator \
and purpose: training, search_index or user_fetch).

With --batch, standard input holds one JSON object per line, {\"referrer\": …, \"url\": …, \
\"ua\": …} (any key may be missing), and standard output gets one JSON object per line, in \
the same order: {\"channel\", \"source\", \"term\", \"bot\": null or {\"name\", \"operator\", \
\"purpose\"}}. Every line gets an answer, so answer N is line N's: a line that is not such an \
object, or a blank line, gets {\"error\": \"line N: …\"} instead.

Referrers from the site's own hosts count as no referrer: the hosts and internal_hosts of the \
config's site named by --site, and any given with --host. --site also applies that site's \
source_rules. Without --site no config is read.")]
    Classify(ClassifyArgs),
    /// Manage the tracked prompts (questions asked of AI engines)
    #[command(subcommand)]
    Prompts(PromptsCommand),
    /// Judge what really shifted (evaluate), mail it (notify), and list the alerts
    #[command(subcommand)]
    Alerts(AlertsCommand),
    /// Write a site's digest as a preview, or queue it for its digest_to
    #[command(long_about = "\
Render a site's digest: the last full ISO week (Monday to Sunday) ending on or before --as-of \
(default yesterday, UTC), or that day with --period day, against the period before.

It says what changed most, then: AI assistants against search (visits, conversions, conversion \
rates with 95% intervals, their ratio, and whether the change is more than chance), the AI \
assistants and the landing pages they sent visitors to, brand visibility per engine from \
prompt checks (answers naming the brand, answers citing your site), prompts gained and lost, \
share of voice, the most cited domains, AI crawler requests per purpose and crawlers that \
stopped, open and resolved alerts, and two charts of the last twelve weeks. A rate from too \
few visits or answers is not shown as a percentage.

--preview FILE.html writes the HTML (its charts as PNG files beside it) and FILE.eml, the whole \
message as it would be sent. --queue stores it in the outbox for each site's digest_to under \
the key digest:<site>:<period> (queuing it again changes nothing); `aivis outbox deliver` \
sends it.")]
    Digest(DigestArgs),
    /// Run the daemon: every job on its [schedule], or each once with --once
    #[command(long_about = "\
Run the daemon: each job on its cron schedule from [schedule] (with a seconds field, in \
schedule.timezone), until SIGTERM or SIGINT. The jobs are the steps of the commands: ingest \
(each site's [[sites.logs]]), check (the tracked prompts), alerts (evaluate, then queue alert \
mails), digest (queue each site's digest), deliver (send the outbox) and retention (delete \
visits older than retention_days).

A job never overlaps itself, in this process or another (a manual `aivis ingest` of a site \
and the ingest job take the same lease); a tick that finds its job still running is skipped. \
A failed run is logged and recorded and the job runs again at its next tick; it never stops \
the daemon. Each run is one log line (RUST_LOG filters, --log-format json for log shippers) \
and one row in job_runs, which `aivis status` reads.

On SIGTERM or SIGINT no new run starts and the runs under way finish (a batch commits or \
rolls back) for up to 20 seconds; a second signal exits at once.

--once runs every job once, in that order, and exits (1 when a job failed): for system cron \
or a Kubernetes CronJob. --job NAME runs one job once.")]
    Run(RunArgs),
    /// When each job of `aivis run` last ran and succeeded, and what the outbox holds
    Status(StatusArgs),
    /// Deliver the queued emails, list them, or queue failed ones again
    #[command(subcommand)]
    Outbox(OutboxCommand),
    /// Ask every active prompt of each engine `samples` times and store the answers
    #[command(long_about = "\
Ask every active prompt × engine × samples, concurrently within each engine's \
requests_per_minute, and store each answer with the brand and competitor mentions, their rank \
and list position, and the cited URLs.

Transient failures (HTTP 429 with Retry-After, 5xx, timeouts) are retried with backoff; \
permanent ones (401, 400, an unreadable body) are not. A call that still fails is stored as a \
failed answer, never as \"not mentioned\". API keys come from the environment variables the \
engines name (api_key_env); a missing one stops the run before anything is asked.")]
    Check(CheckArgs),
    /// Recompute mentions and citations of stored answers after brand or competitors change
    Rescore(RescoreArgs),
    /// Delete stored visits and day salts before a date (the daily rollups stay)
    #[command(long_about = "\
Delete the stored visits (sessions and their conversions) and the secret day salts of days \
before --before, of one site or of all; the daily rollups (daily_traffic, daily_goals, \
daily_crawlers) stay, so reports over those days still add up. Afterwards nobody can link \
those days' visitors again.

Days that can still receive sessions (the last salt_retention_days days before a site's \
latest hit) cannot be forgotten: the next ingest would split their visits.")]
    Forget(ForgetArgs),
    /// Run the whole pipeline on generated sample traffic and print the results
    Demo(DemoArgs),
    /// Update or list the AI crawlers' published IP ranges (verified or spoofed crawlers)
    #[command(
        subcommand,
        long_about = "\
Update or list the IP ranges AI operators publish for their crawlers.

Every AI crawler or agent request an ingest counts gets a verification: verified (its client \
address is in the published ranges of the agent its user agent names), spoofed (that agent's \
operator publishes ranges and the address is outside them: someone else using the name) or \
unverifiable (no published ranges for the agent, or the log has no usable client address: \
`-`, a host name, a private or loopback address of a proxy). `aivis report crawlers` splits \
the requests by it; the digest and the alerts leave spoofed requests out of the agents' \
figures and count them on their own.

aivis ships a dated copy of each list; `update` stores fresher ones, `list` shows which are in \
use."
    )]
    CrawlerRanges(CrawlerRangesCommand),
}

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// Only this site [default: every site]
    #[arg(long)]
    pub site: Option<String>,
    /// First day kept, YYYY-MM-DD (UTC): everything before it is deleted
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub before: String,
    /// Print what was deleted as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// The Referer header of the visit's first request
    #[arg(long, value_name = "URL")]
    pub referrer: Option<String>,
    /// The landing URL, absolute or as a request target (/path?query)
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The User-Agent header
    #[arg(long, value_name = "USER_AGENT")]
    pub ua: Option<String>,
    /// Read NDJSON requests from standard input and write NDJSON answers
    #[arg(long, conflicts_with_all = ["referrer", "url", "ua", "format"])]
    pub batch: bool,
    /// Use this config site's internal hosts and source rules
    #[arg(long)]
    pub site: Option<String>,
    /// Treat HOST (and its subdomains) as internal too; repeatable
    #[arg(long = "host", value_name = "HOST")]
    pub hosts: Vec<String>,
    /// Output format of a single answer
    #[arg(long, value_enum, default_value = "text")]
    pub format: ClassifyFormat,
}

/// Output formats of `classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClassifyFormat {
    /// Aligned `key value` lines
    Text,
    /// One JSON object
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to write the example config
    #[arg(default_value = "aivis.toml", value_name = "PATH")]
    pub path: PathBuf,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub force: bool,
}

/// Log formats accepted by `ingest --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// Detect from the first lines of each file
    Auto,
    /// Apache/nginx combined log format
    Combined,
    /// NCSA common log format (no referrer: every session is direct)
    Common,
    /// Apache vhost_combined (`host:port` before the combined fields)
    #[value(name = "vhost_combined")]
    VhostCombined,
    /// nginx `log_format ... escape=json` lines (see the README for the keys)
    #[value(name = "nginx_json")]
    NginxJson,
    /// Caddy v2 JSON access log
    #[value(name = "caddy_json")]
    CaddyJson,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Site from the config (may be omitted when only one is configured)
    #[arg(long)]
    pub site: Option<String>,
    /// Log format of the files
    #[arg(long, value_enum, default_value = "auto")]
    pub format: LogFormatArg,
    /// Print the summary as JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Lines per committed batch (default 20,000 on SQLite, 50,000 on PostgreSQL)
    #[arg(long, hide = true)]
    pub batch_lines: Option<u64>,
    /// Most sessions held in memory before the oldest are set aside to the database
    #[arg(long, default_value_t = crate::ingest::files::DEFAULT_MAX_HELD_SESSIONS, hide = true)]
    pub max_held_sessions: usize,
    /// Access log files; `-` reads standard input
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A library query name (see --list) or the path of an .sql file
    #[arg(required_unless_present = "list", value_name = "NAME|FILE")]
    pub query: Option<String>,
    /// A parameter as name=value (used for `:name` in the SQL); repeatable
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
    /// List the library's queries and their parameters
    #[arg(long)]
    pub list: bool,
    /// Stop the query after this many seconds (exit code 1)
    #[arg(long, value_name = "SECONDS", default_value_t = crate::report::QUERY_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// SQLite file to (re)create for the demo
    #[arg(long, default_value = "aivis-demo.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Only write the generated access log to PATH (and its ground truth as JSON to stdout)
    #[arg(long, value_name = "PATH")]
    pub write_log: Option<PathBuf>,
    /// Human sessions to generate
    #[arg(long, value_name = "N")]
    pub sessions: Option<u64>,
    /// Days of traffic to generate
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Random seed of the generator
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Format of the generated log (with --write-log)
    #[arg(long, value_enum, default_value = "combined")]
    pub log_format: LogFormatArg,
    /// How the traffic changes over the days: AI's share grows (the demo), or every day alike
    #[arg(long, value_enum, default_value = "ai-growth")]
    pub story: StoryArg,
}

/// `aivis demo --story`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoryArg {
    /// AI assistants' share of visits grows from about 9% to about 15%
    AiGrowth,
    /// Every day drawn alike: nothing shifts (any alert is a false alarm)
    Stable,
}
