//! `aivis crawler-ranges update|list`: the AI crawlers' published IP ranges that make a
//! crawler request verified, spoofed or unverifiable.

use clap::{Args, Subcommand};

use super::OutputFormatArg;

#[derive(Debug, Subcommand)]
pub enum CrawlerRangesCommand {
    /// Fetch each operator's published IP ranges and store them for the next ingests
    #[command(long_about = "\
Fetch the IP range lists AI operators publish for their crawlers (OpenAI: GPTBot, \
OAI-SearchBot, ChatGPT-User; Perplexity: PerplexityBot, Perplexity-User; Google: GoogleOther, \
Google-CloudVertexBot), check each (JSON of the published shape, at least one prefix, no prefix \
broader than /8 or /16 for IPv6, at most 4 MiB, 30 s per list) and store it in the database \
with the time it was fetched. Ingests from then on check AI crawler requests against the stored \
lists instead of the copies shipped with aivis; requests already counted keep their verdict.

Prints one row per list: its prefixes, the operator's creationTime and the status. A list that \
fails (unreachable, an HTTP error, a body that is not such a list) keeps the ranges it had, the \
others are stored all the same, and the command exits with 1.

--base-url (or AIVIS_CRAWLER_RANGES_BASE_URL) fetches every list from BASE/<file name> instead \
(gptbot.json, searchbot.json, chatgpt-user.json, perplexitybot.json, perplexity-user.json, \
common-crawlers.json): a mirror, or a test server.")]
    Update(CrawlerRangesUpdateArgs),
    /// Which range lists are in use (shipped copy or fetched), their dates and sizes
    List(CrawlerRangesListArgs),
}

#[derive(Debug, Args)]
pub struct CrawlerRangesUpdateArgs {
    /// Fetch every list from BASE/<file name> instead of the operators' URLs
    #[arg(long, value_name = "BASE", env = "AIVIS_CRAWLER_RANGES_BASE_URL")]
    pub base_url: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}

#[derive(Debug, Args)]
pub struct CrawlerRangesListArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormatArg,
}
