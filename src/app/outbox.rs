//! `aivis outbox deliver|list|retry`: the service's outbox operations, printed for people (a
//! summary line, a table) or as JSON for programs.

use anyhow::{Result, bail};
use serde_json::json;

use super::{print_out, with_app};
use crate::cli::{AlertsFormatArg, OutboxCommand};
use crate::config::Settings;
use crate::day::time_text;
use crate::report::table::{Table, Value};
use crate::service;
use crate::store::OutboxEntry;

pub async fn run(
    settings: Settings,
    command: OutboxCommand,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
) -> Result<()> {
    match command {
        OutboxCommand::Deliver => {
            let (report, destination) = with_app(settings, async |app| {
                service::deliver_outbox(app, env).await
            })
            .await??;
            let mut text = format!(
                "{} sent, {} to retry, {} failed ({destination})\n",
                report.sent, report.retrying, report.failed
            );
            for (key, error) in &report.failures {
                text.push_str(&format!("  {key}: {error}\n"));
            }
            print_out(&text)?;
            if report.failed > 0 {
                bail!(
                    "{} message(s) failed for good; see `aivis outbox list --status failed`",
                    report.failed
                );
            }
            Ok(())
        }
        OutboxCommand::List(args) => {
            let status = args.status.map(|s| s.as_str());
            let entries = with_app(settings, async |app| {
                service::list_outbox(app, args.site.as_deref(), status, args.limit).await
            })
            .await??;
            print_entries(&entries, args.format)
        }
        OutboxCommand::Retry(args) => {
            let id = if args.all { None } else { args.id };
            let changed =
                with_app(settings, async |app| service::retry_outbox(app, id).await).await??;
            print_out(&format!(
                "{changed} message(s) due now; run `aivis outbox deliver`\n"
            ))
        }
    }
}

fn print_entries(entries: &[OutboxEntry], format: AlertsFormatArg) -> Result<()> {
    match format {
        AlertsFormatArg::Json => {
            let array: Vec<serde_json::Value> = entries.iter().map(entry_json).collect();
            print_out(&format!("{}\n", serde_json::to_string_pretty(&array)?))
        }
        AlertsFormatArg::Table if entries.is_empty() => print_out("the outbox is empty\n"),
        AlertsFormatArg::Table => {
            let columns = [
                "id",
                "status",
                "attempts",
                "when",
                "to",
                "subject",
                "last error",
            ];
            let mut table = Table {
                columns: columns.map(String::from).to_vec(),
                rows: Vec::new(),
            };
            for entry in entries {
                let when = match (entry.status.as_str(), entry.sent_at) {
                    ("sent", Some(at)) => format!("sent {}", time_text(at)),
                    ("queued", _) => format!("next {}", time_text(entry.next_attempt_at)),
                    _ => format!("queued {}", time_text(entry.created_at)),
                };
                table.rows.push(vec![
                    Value::Int(entry.id),
                    Value::Text(entry.status.clone()),
                    Value::Int(entry.attempts),
                    Value::Text(when),
                    Value::Text(entry.recipients.join(", ")),
                    Value::Text(entry.subject.clone()),
                    entry.last_error.clone().map_or(Value::Null, Value::Text),
                ]);
            }
            print_out(&table.to_text_table())
        }
    }
}

fn entry_json(entry: &OutboxEntry) -> serde_json::Value {
    json!({
        "id": entry.id, "key": entry.key, "site": entry.site, "kind": entry.kind,
        "recipients": entry.recipients, "subject": entry.subject, "status": entry.status,
        "attempts": entry.attempts, "next_attempt_at": entry.next_attempt_at,
        "last_error": entry.last_error, "created_at": entry.created_at,
        "sent_at": entry.sent_at, "bytes": entry.size,
    })
}
