//! Command-line definitions (clap) and nothing else: every command's flags and help text,
//! and the value enums of the flags (`app` maps them to the library's types, which know
//! nothing of clap).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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

#[derive(Debug, Subcommand)]
pub enum PromptsCommand {
    /// Track a prompt (a question your customers ask AI assistants)
    Add(PromptAddArgs),
    /// List the tracked prompts
    List(PromptListArgs),
    /// Stop tracking a prompt (its stored answers stay)
    Remove(PromptRemoveArgs),
    /// Add prompts from a CSV file with the header text,tags,engines (several tags or engines
    /// joined by ;)
    #[command(long_about = "\
Add prompts from a CSV file (RFC 4180, UTF-8). Its first line must be the header \
`text,tags,engines`; `text` and `text,tags` are accepted too (any case, spaces around the names \
ignored). Then one prompt per line, with exactly as many fields as the header names; several \
tags or engines are joined by ; within their field, and each engine must be configured. Quote \
a field that contains a comma, a quote (written \"\") or a line break. Blank lines are skipped.

The file is checked whole before anything is stored: a missing header, an unterminated quote, \
text after a closing quote, a row with a different number of fields or a bad prompt imports \
nothing and exits with 2 and `FILE: line N: …` (N is the line where the bad row starts). \
Prompts already tracked are skipped; removed ones are tracked again.")]
    Import(PromptImportArgs),
}

#[derive(Debug, Args)]
pub struct PromptAddArgs {
    /// The site the prompt is tracked for (may be left out when one site is configured)
    #[arg(long)]
    pub site: Option<String>,
    /// A tag to group prompts in reports; repeatable
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Ask only this engine; repeatable [default: every engine]
    #[arg(long = "engine", value_name = "ENGINE")]
    pub engines: Vec<String>,
    /// The prompt, as a customer would ask it
    #[arg(value_name = "TEXT")]
    pub text: String,
}

#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Evaluate each site's alerts as of a day and store them (open, updated, resolved)
    #[command(long_about = "\
Evaluate each site's alerts as of a day (default yesterday, UTC): the current window against \
its baseline, as `aivis report compare` shows them, with the site's [alerts] thresholds.

Kinds: ai_conversion_rate and search_conversion_rate (the rate shifted: significant after the \
correction for the tests of one evaluation, large, enough data), ai_search_ratio (the change \
of the AI/search conversion-rate ratio is significant in the same correction and large, and its \
current interval leaves out the baseline ratio), ai_traffic_share (AI's share of all visits shifted), ai_source_new (an AI assistant \
with at least a tenth of min_sessions visits in the window and none in the baseline), and from \
prompt checks, per engine: mention_rate (the share of ok answers naming the brand shifted) and \
own_citation_rate (the share citing the brand's own domains), with min_answers ok answers in \
each window, and top_rank_lost (a competitor is now named first on a prompt where the brand \
was, by majority of the answers); and ai_crawler_change (an AI crawler active on half the baseline's days stopped \
coming, or its share of 4xx/5xx responses rose). `disabled = [...]` in [alerts] turns kinds off.

A new alert is stored open; evaluating again updates it (never a duplicate); an alert whose \
condition no longer holds is resolved, and stays quiet for cooldown_days unless it comes back \
more severe. --dry-run prints what would change and stores nothing.")]
    Evaluate(AlertsEvaluateArgs),
    /// Evaluate, then queue each site's alert mail to its alerts_to and mark the alerts told
    #[command(long_about = "\
Evaluate each site's alerts as `aivis alerts evaluate` does, then queue one mail per site to \
the site's alerts_to, listing the alerts that are new or rose in severity since the last mail \
(each with its sentence, both windows' numbers with 95% intervals and what to look at next), \
the landing pages AI assistants sent visitors to, and alerts resolved since they were mailed \
(told once). The alerts told are marked notified in the same transaction as the mail is \
queued, so running it again queues nothing twice. `aivis outbox deliver` sends the mail.")]
    Notify(AlertsNotifyArgs),
    /// List stored alerts
    List(AlertsListArgs),
}

#[derive(Debug, Args)]
pub struct AlertsNotifyArgs {
    /// Only this configured site (default: every configured site)
    #[arg(long)]
    pub site: Option<String>,
    /// Evaluate as of this day, YYYY-MM-DD (UTC; default yesterday)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Output format (json: one object per site)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Args)]
pub struct AlertsEvaluateArgs {
    /// Only this configured site (default: every configured site)
    #[arg(long)]
    pub site: Option<String>,
    /// Evaluate as of this day, YYYY-MM-DD (UTC; default yesterday)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Print what would change; store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Output format (json: an array of alerts)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Args)]
pub struct AlertsListArgs {
    /// Only this site
    #[arg(long)]
    pub site: Option<String>,
    /// open (open or notified: still holding), resolved, or all
    #[arg(long, value_enum, default_value = "open")]
    pub status: AlertStatusArg,
    /// Output format (json: an array of alerts)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("action").required(true).args(["preview", "queue"])))]
pub struct DigestArgs {
    /// One configured site (a preview needs one when several are configured)
    #[arg(long)]
    pub site: Option<String>,
    /// The digest's last day or a day after it, YYYY-MM-DD (UTC; default yesterday)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// week or day [default: the site's digest_period, else week]
    #[arg(long, value_enum)]
    pub period: Option<DigestPeriodArg>,
    /// Write the digest to FILE.html (charts beside it) and FILE.eml
    #[arg(long, value_name = "FILE.html")]
    pub preview: Option<PathBuf>,
    /// Queue it in the outbox for each site's digest_to
    #[arg(long)]
    pub queue: bool,
    /// Output format (json: one object per site)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

/// What one digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestPeriodArg {
    /// The last full ISO week.
    Week,
    /// One day.
    Day,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Run every job once, in order, and exit
    #[arg(long, conflicts_with = "job")]
    pub once: bool,
    /// Run this job once and exit (ingest, check, alerts, digest, deliver, retention)
    #[arg(long, value_name = "NAME")]
    pub job: Option<String>,
    /// How log lines are written to standard error
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogOutputArg,
}

/// The daemon's log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogOutputArg {
    /// One line per event for people.
    Text,
    /// One JSON object per line for log shippers.
    Json,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format (json: an object with jobs and outbox)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send every message that is due, with the [email] transport
    #[command(long_about = "\
Send every message that is due, one at a time, with the transport of [email]: `.eml` files in \
`dir` (the default) or an SMTP server.

Each message is stored before it is sent, under a unique key, so nothing is lost and a re-run \
never sends a message twice. A transient failure (connection refused, a timeout, a 4xx reply) \
is tried again later: first within 30 seconds, then twice as long each time, up to an hour, \
until max_attempts; a permanent one (a 5xx reply) is marked failed with the server's reply. \
Exit code 1 when a message failed for good in this run.

One gap remains: if the process dies after the server accepted a message and before its \
status is written (milliseconds), the message is sent again by the next run; both copies carry \
the same Message-ID, so most mail systems show it once.")]
    Deliver,
    /// List stored messages, newest first
    List(OutboxListArgs),
    /// Make a failed (or waiting) message due again now, e.g. after fixing the SMTP settings
    Retry(OutboxRetryArgs),
}

#[derive(Debug, Args)]
pub struct OutboxListArgs {
    /// Only this site
    #[arg(long)]
    pub site: Option<String>,
    /// Only messages with this status
    #[arg(long, value_enum)]
    pub status: Option<OutboxStatusArg>,
    /// At most this many messages
    #[arg(long, default_value_t = 50)]
    pub limit: i64,
    /// Output format (json: an array of messages, without their bodies)
    #[arg(long, value_enum, default_value = "table")]
    pub format: AlertsFormatArg,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct OutboxRetryArgs {
    /// The message's id (from `aivis outbox list`)
    #[arg(long)]
    pub id: Option<i64>,
    /// Every queued and failed message
    #[arg(long)]
    pub all: bool,
}

/// A stored message's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutboxStatusArg {
    /// Waiting for its (next) attempt.
    Queued,
    /// Being sent right now (or its sender died; it is due again when its claim expires).
    Sending,
    Sent,
    /// Given up: a permanent failure or too many attempts.
    Failed,
}

impl OutboxStatusArg {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatusArg::Queued => "queued",
            OutboxStatusArg::Sending => "sending",
            OutboxStatusArg::Sent => "sent",
            OutboxStatusArg::Failed => "failed",
        }
    }
}

/// Output formats of alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertsFormatArg {
    /// One line per alert for people.
    Table,
    /// A JSON array of objects.
    Json,
}

/// Which stored alerts to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlertStatusArg {
    Open,
    Resolved,
    All,
}

#[derive(Debug, Args)]
pub struct PromptListArgs {
    /// Only this site's prompts
    #[arg(long)]
    pub site: Option<String>,
    /// Include removed prompts
    #[arg(long)]
    pub all: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct PromptRemoveArgs {
    /// The prompt's id (see `aivis prompts list`)
    pub id: i64,
}

#[derive(Debug, Args)]
pub struct PromptImportArgs {
    /// The site the prompts are tracked for (may be left out when one site is configured)
    #[arg(long)]
    pub site: Option<String>,
    /// CSV file whose first line is the header `text,tags,engines` (or `text`, `text,tags`)
    #[arg(value_name = "FILE.csv")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only this site's prompts
    #[arg(long)]
    pub site: Option<String>,
    /// Only this engine
    #[arg(long)]
    pub engine: Option<String>,
    /// Only this prompt (id)
    #[arg(long)]
    pub prompt: Option<i64>,
    /// Print the summary as JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RescoreArgs {
    /// Only this site's answers
    #[arg(long)]
    pub site: Option<String>,
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
pub struct ReportArgs {
    #[command(subcommand)]
    pub report: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// AI against search: this window's conversion rates against the baseline's, with tests
    #[command(long_about = "\
AI assistants against search over time: the current window (--window days ending on --as-of, \
inclusive; default yesterday, UTC, the last complete day) against the baseline (the --baseline \
days just before it).

Per segment (ai_assistant, search = organic + paid, organic_search, everything_else, and each AI \
assistant): sessions, conversions, conversion rate with its Wilson 95% interval and share of \
all sessions in both windows; the change of the rate with its two-sided p-value (two-proportion \
z-test, or Fisher's exact test when a cell of the table is expected to hold fewer than 5) and \
the verdict: a shift up or down only when it is significant after the Benjamini-Hochberg \
correction over all segments (alpha), large (min_relative_change) and backed by enough data \
(min_sessions, min_conversions), else which of these held it back. Then the AI/search \
conversion-rate ratio in both windows with its 95% interval (Katz log method) and its change.

Days before the first day with any data shorten a window instead of counting as days without \
visitors; the heading says how many days each window covers. Window lengths and thresholds \
default to the [alerts] section of the config (7 and 28 days, alpha 0.01, a change of 25%, \
200 sessions and 10 conversions).")]
    Compare(CompareArgs),
    /// Sessions, conversions and conversion rate (with Wilson 95% interval) per channel or source
    #[command(long_about = "\
Sessions, conversions and conversion rate per channel or source, with the Wilson 95% \
confidence interval of the rate (ci_low, ci_high).

Without --goal a conversion is a session that reached at least one macro goal; with --goal it \
is a session that reached that goal. Days are UTC and both ends are inclusive.")]
    Conversions(ConversionsArgs),
    /// AI crawler and agent requests per agent, path or purpose, with status classes
    #[command(long_about = "\
AI crawler and agent requests per agent, path or purpose, with their response status classes.

Every request counts, pages or not (robots.txt, images, 404s). purpose is training (collecting \
training data: GPTBot, ClaudeBot, CCBot…), search_index (building an AI answer engine's index: \
OAI-SearchBot, PerplexityBot…) or user_fetch (an assistant reading the page to answer someone \
right now: ChatGPT-User, Perplexity-User, Claude-User…). Other bots are skipped at ingest and \
not listed. Days are UTC and both ends are inclusive.")]
    Crawlers(CrawlersArgs),
    /// Pages AI assistants read for users (user_fetch) beside the visitors AI sent them
    #[command(
        name = "ai-pages",
        long_about = "\
Which pages AI assistants read on behalf of users, and which of those send visitors: per path, \
the user_fetch requests of AI agents (ChatGPT-User, Perplexity-User, Claude-User…) and the \
number of agents, beside the sessions AI assistants referred to that path, their macro \
conversions and the number of assistants. A page read often that sends nobody is cited \
without a click; a page that sends visitors without being read was found another way."
    )]
    AiPages(AiPagesArgs),
    /// External referrer hosts by sessions; --unclassified for hosts no list or rule names
    #[command(long_about = "\
External referrer hosts by sessions, with the channel and source each was classified as.

With --unclassified, only hosts that fell into `referral` and that no built-in list or site \
rule names now: a new AI assistant shows up here first. Add it to the site's config as \
[[sites.source_rules]] (host, channel, source); it then drops off this list, and the next \
ingest classifies it (sessions already stored keep their channel).")]
    Referrers(ReferrersArgs),
    /// Brand and competitor mentions in AI answers: rate (Wilson 95%), share of voice, rank
    #[command(long_about = "\
Brand and competitor mentions in the stored AI answers, per engine, prompt or entity: answers, \
answers that mention the entity (mentioned), mention_rate with its Wilson 95% interval \
(ci_low, ci_high; answers vary from run to run, and the interval says how sure the rate is), \
share_of_voice (the entity's mentions among all tracked-entity mentions), avg_rank (order of \
first appearance among the tracked entities, 1 = first) and avg_list_position.

Failed calls never count as \"not mentioned\": they are in the failed column (engine and \
prompt views).")]
    Mentions(MentionsArgs),
    /// Cited domains, or per engine how often answers cite the brand's own domains
    Citations(CitationsArgs),
    /// Per prompt and engine: brand mentions beside brand links and their rank (search results)
    #[command(long_about = "\
The brand's visibility per tracked prompt and engine, side by side for every engine asked the \
same prompt: answers (ok calls), failed, brand_mentioned with mention_rate and its Wilson 95% \
interval (mention_low, mention_high), avg_mention_rank (order of first appearance among the \
tracked entities, 1 = first), answers_linking_brand (answers with a URL on the brand's domains \
among their links) with link_rate (link_low, link_high), and best_link_rank / avg_link_rank: \
the position of the first brand URL among the links (provider citations first, then links in \
the answer text; 1 = first).

An `html` engine pointed at a search results page (a SearXNG instance, say) lists the result \
links in page order, so its link rank is the brand's rank in the search results: the same \
query's search visibility beside its AI visibility.")]
    Visibility(VisibilityArgs),
}

#[derive(Debug, Args)]
pub struct VisibilityArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct MentionsArgs {
    /// Group by engine, prompt or entity
    #[arg(long, value_enum, default_value = "engine")]
    pub by: MentionsByArg,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct CitationsArgs {
    /// Group by cited domain or by engine
    #[arg(long, value_enum, default_value = "domain")]
    pub by: CitationsByArg,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub output: RankedOutput,
}

#[derive(Debug, Args)]
pub struct ConversionsArgs {
    /// Group by channel, or by channel and source
    #[arg(long, value_enum, default_value = "channel")]
    pub by: ConversionsByArg,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct CrawlersArgs {
    /// Group by agent, path or purpose
    #[arg(long, value_enum, default_value = "agent")]
    pub by: CrawlersByArg,
    /// Only this purpose
    #[arg(long, value_enum)]
    pub purpose: Option<PurposeArg>,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub output: RankedOutput,
}

/// An AI crawler's purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PurposeArg {
    /// Collecting training data
    #[value(name = "training")]
    Training,
    /// Building an AI answer engine's index
    #[value(name = "search_index")]
    SearchIndex,
    /// Reading a page to answer someone right now
    #[value(name = "user_fetch")]
    UserFetch,
}

#[derive(Debug, Args)]
pub struct AiPagesArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub output: RankedOutput,
}

#[derive(Debug, Args)]
pub struct ReferrersArgs {
    /// Only referral hosts that no built-in list or site rule names
    #[arg(long)]
    pub unclassified: bool,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub output: RankedOutput,
}

/// Output formats of tables (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormatArg {
    /// Aligned columns for people.
    Table,
    /// RFC 4180 CSV with a header row; a text cell beginning with `=`, `+`, `-`, `@`, tab or
    /// carriage return is prefixed with `'` so that a spreadsheet shows it as text.
    Csv,
    /// A JSON array of objects keyed by column name.
    Json,
}

/// Groupings of `report conversions --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConversionsByArg {
    Channel,
    Source,
}

/// Groupings of `report crawlers --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CrawlersByArg {
    Agent,
    Path,
    Purpose,
}

/// Groupings of `report mentions --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MentionsByArg {
    Engine,
    Prompt,
    Entity,
}

/// Groupings of `report citations --by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CitationsByArg {
    Domain,
    Engine,
}

/// How a ranked report is printed.
#[derive(Debug, Args)]
pub struct RankedOutput {
    /// At most this many rows, in the report's order (0: all)
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

/// Which site and days a report covers.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// Only this site
    #[arg(long)]
    pub site: Option<String>,
    /// First day, YYYY-MM-DD (UTC)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub from: Option<String>,
    /// Last day, YYYY-MM-DD (UTC, inclusive)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Only this site (default: all sites together)
    #[arg(long)]
    pub site: Option<String>,
    /// Count sessions that reached this goal instead of any macro goal
    #[arg(long)]
    pub goal: Option<String>,
    /// Last day of the current window, YYYY-MM-DD (UTC; default yesterday)
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<String>,
    /// Days in the current window (default: [alerts] window_days, 7)
    #[arg(long, value_name = "DAYS")]
    pub window: Option<u32>,
    /// Days in the baseline just before it (default: [alerts] baseline_days, 28)
    #[arg(long, value_name = "DAYS")]
    pub baseline: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Count sessions that reached this goal instead of any macro goal
    #[arg(long)]
    pub goal: Option<String>,
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
