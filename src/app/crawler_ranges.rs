//! `aivis crawler-ranges update|list`: the service's crawler range operations, printed as a
//! table for people or as CSV/JSON.

use anyhow::{Result, bail};

use super::report::print_table;
use super::with_app;
use crate::cli::CrawlerRangesCommand;
use crate::config::Settings;
use crate::day::time_text;
use crate::report::table::{Table, Value};
use crate::service::{self, ListInUseRow, ListUpdate};

pub async fn run(settings: Settings, command: CrawlerRangesCommand) -> Result<()> {
    match command {
        CrawlerRangesCommand::Update(args) => {
            let updates = with_app(settings, async |app| {
                service::update_crawler_ranges(app, args.base_url.as_deref()).await
            })
            .await??;
            print_table(&update_table(&updates), args.format)?;
            let failed: Vec<&str> = updates
                .iter()
                .filter(|u| !u.ok())
                .map(|u| u.list.as_str())
                .collect();
            if !failed.is_empty() {
                bail!(
                    "{} of {} crawler range lists could not be updated ({}); they keep their \
                     previous ranges",
                    failed.len(),
                    updates.len(),
                    failed.join(", ")
                );
            }
            Ok(())
        }
        CrawlerRangesCommand::List(args) => {
            let lists = with_app(settings, async |app| {
                service::crawler_ranges_in_use(app).await
            })
            .await??;
            print_table(&list_table(&lists), args.format)
        }
    }
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

fn optional(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::Text)
}

fn update_table(updates: &[ListUpdate]) -> Table {
    Table {
        columns: [
            "list",
            "operator",
            "prefixes",
            "creation_time",
            "status",
            "url",
        ]
        .map(String::from)
        .to_vec(),
        rows: updates
            .iter()
            .map(|u| {
                vec![
                    text(&u.list),
                    text(&u.operator),
                    u.prefixes.map_or(Value::Null, |n| Value::Int(n as i64)),
                    optional(u.creation_time.clone()),
                    text(&u.status),
                    text(&u.url),
                ]
            })
            .collect(),
    }
}

fn list_table(lists: &[ListInUseRow]) -> Table {
    Table {
        columns: [
            "list",
            "operator",
            "agents",
            "prefixes",
            "creation_time",
            "source",
            "fetched_at",
            "url",
        ]
        .map(String::from)
        .to_vec(),
        rows: lists
            .iter()
            .map(|l| {
                vec![
                    text(&l.list),
                    text(&l.operator),
                    text(&l.agents),
                    Value::Int(l.prefixes as i64),
                    optional(l.creation_time.clone()),
                    text(&l.source),
                    optional(l.fetched_at.map(time_text)),
                    text(&l.url),
                ]
            })
            .collect(),
    }
}
