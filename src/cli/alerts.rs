//! `aivis alerts evaluate|notify|list`, and the output format of alert-like lists.

use clap::{Args, Subcommand, ValueEnum};

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
