//! `aivis alerts evaluate`, `notify` and `list`: the service's alerts printed one line each
//! for people (severity, status, key, sentence) or as a JSON array for programs.

use anyhow::Result;
use serde_json::json;

use super::{print_out, with_app};
use crate::cli::{AlertStatusArg, AlertsCommand, AlertsFormatArg};
use crate::config::Settings;
use crate::report::table::{Table, Value};
use crate::service::{self, EvaluateRequest, EvaluatedAlert, NotifyRequest, SiteNotice};
use crate::store::StoredAlert;

pub async fn run(settings: Settings, command: AlertsCommand) -> Result<()> {
    match command {
        AlertsCommand::Evaluate(args) => {
            let request = EvaluateRequest {
                site: args.site,
                as_of: args.as_of,
                dry_run: args.dry_run,
            };
            let alerts =
                with_app(settings, async |app| service::evaluate(app, request).await).await??;
            let rows: Vec<AlertLine> = alerts.iter().map(AlertLine::from).collect();
            print(
                &rows,
                args.format,
                if args.dry_run { "would be " } else { "" },
            )
        }
        AlertsCommand::Notify(args) => {
            let request = NotifyRequest {
                site: args.site,
                as_of: args.as_of,
            };
            let notices = with_app(settings, async |app| {
                service::notify_alerts(app, request).await
            })
            .await??;
            print_notices(&notices, args.format)
        }
        AlertsCommand::List(args) => {
            let status = match args.status {
                AlertStatusArg::Open => "open",
                AlertStatusArg::Resolved => "resolved",
                AlertStatusArg::All => "all",
            };
            let site = args.site.as_deref();
            let alerts = with_app(settings, async |app| {
                service::list_alerts(app, site, status).await
            })
            .await??;
            let rows: Vec<AlertLine> = alerts.iter().map(AlertLine::from).collect();
            print(&rows, args.format, "")
        }
    }
}

/// What is printed of an alert, evaluated or stored.
struct AlertLine {
    object: serde_json::Value,
    severity: String,
    status: String,
    key: String,
    sentence: String,
    change: Option<&'static str>,
}

impl From<&EvaluatedAlert> for AlertLine {
    fn from(evaluated: &EvaluatedAlert) -> AlertLine {
        let a = &evaluated.alert;
        let numbers: serde_json::Value = serde_json::from_str(&a.numbers).unwrap_or_default();
        AlertLine {
            object: json!({
                "key": a.key, "kind": a.kind, "site": a.site, "subject": a.subject,
                "direction": a.direction, "severity": a.severity, "sentence": a.sentence,
                "numbers": numbers, "status": evaluated.status,
                "first_seen": evaluated.first_seen, "last_seen": evaluated.last_seen,
                "change": evaluated.change,
            }),
            severity: a.severity.clone(),
            status: evaluated.status.clone(),
            key: a.key.clone(),
            sentence: a.sentence.clone(),
            change: Some(evaluated.change),
        }
    }
}

impl From<&StoredAlert> for AlertLine {
    fn from(a: &StoredAlert) -> AlertLine {
        let numbers: serde_json::Value = serde_json::from_str(&a.numbers).unwrap_or_default();
        AlertLine {
            object: json!({
                "key": a.key, "kind": a.kind, "site": a.site, "subject": a.subject,
                "direction": a.direction, "severity": a.severity, "sentence": a.sentence,
                "numbers": numbers, "status": a.status, "first_seen": a.first_seen,
                "last_seen": a.last_seen, "resolved_on": a.resolved_on,
            }),
            severity: a.severity.clone(),
            status: a.status.clone(),
            key: a.key.clone(),
            sentence: a.sentence.clone(),
            change: None,
        }
    }
}

fn print(rows: &[AlertLine], format: AlertsFormatArg, tense: &str) -> Result<()> {
    match format {
        AlertsFormatArg::Json => {
            let array: Vec<&serde_json::Value> = rows.iter().map(|r| &r.object).collect();
            print_out(&format!("{}\n", serde_json::to_string_pretty(&array)?))
        }
        AlertsFormatArg::Table if rows.is_empty() => print_out("no alerts\n"),
        AlertsFormatArg::Table => {
            let mut table = Table {
                columns: ["severity", "status", "key", "alert"]
                    .map(String::from)
                    .to_vec(),
                rows: Vec::new(),
            };
            for row in rows {
                let status = match row.change {
                    Some(change) => format!("{tense}{change}"),
                    None => row.status.clone(),
                };
                table.rows.push(vec![
                    Value::Text(row.severity.clone()),
                    Value::Text(status),
                    Value::Text(row.key.clone()),
                    Value::Text(row.sentence.clone()),
                ]);
            }
            print_out(&table.to_text_table())
        }
    }
}

fn print_notices(notices: &[SiteNotice], format: AlertsFormatArg) -> Result<()> {
    match format {
        AlertsFormatArg::Json => {
            let array: Vec<serde_json::Value> = notices
                .iter()
                .map(|n| {
                    let alerts: Vec<serde_json::Value> = n
                        .evaluated
                        .iter()
                        .map(|e| AlertLine::from(e).object)
                        .collect();
                    json!({
                        "site": n.site, "evaluated": alerts, "told": n.told,
                        "resolutions": n.resolutions,
                        "mail_key": n.mail.as_ref().map(|m| &m.0),
                        "subject": n.mail.as_ref().map(|m| &m.1), "note": n.note,
                    })
                })
                .collect();
            print_out(&format!("{}\n", serde_json::to_string_pretty(&array)?))
        }
        AlertsFormatArg::Table => {
            let mut text = String::new();
            for n in notices {
                match (&n.mail, &n.note) {
                    (Some((key, subject)), _) => text.push_str(&format!(
                        "{}: queued {key} ({} alert(s), {} resolution(s)): {subject}\n",
                        n.site, n.told, n.resolutions
                    )),
                    (None, Some(note)) => text.push_str(&format!("{}: {note}\n", n.site)),
                    (None, None) => {}
                }
            }
            if notices.iter().any(|n| n.mail.is_some()) {
                text.push_str("run `aivis outbox deliver` to send\n");
            }
            print_out(&text)
        }
    }
}
