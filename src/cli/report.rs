//! `aivis report …`: each report's flags, and the output formats and groupings reports share.

use clap::{Args, Subcommand, ValueEnum};

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
