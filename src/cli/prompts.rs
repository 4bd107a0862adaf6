//! `aivis prompts …`, `aivis check` and `aivis rescore`: tracked prompts and asking them.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::OutputFormatArg;

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
