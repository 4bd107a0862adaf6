//! `aivis digest`: previews or queues each site's digest and says what it did (the subject,
//! the message's size, the files written or the outbox key), as lines or JSON.

use anyhow::Result;
use serde_json::json;

use super::{print_out, with_app};
use crate::cli::{AlertsFormatArg, DigestArgs, DigestPeriodArg};
use crate::config::{DigestPeriod, Settings};
use crate::service::{self, DigestAction, DigestOutcome, DigestRequest};

pub async fn run(settings: Settings, args: DigestArgs) -> Result<()> {
    let request = DigestRequest {
        site: args.site,
        as_of: args.as_of,
        period: args.period.map(|p| match p {
            DigestPeriodArg::Week => DigestPeriod::Week,
            DigestPeriodArg::Day => DigestPeriod::Day,
        }),
        action: match args.preview {
            Some(path) => DigestAction::Preview(path),
            None => DigestAction::Queue,
        },
    };
    let outcomes = with_app(settings, async |app| service::digest(app, request).await).await??;
    print_outcomes(&outcomes, args.format)
}

fn print_outcomes(outcomes: &[DigestOutcome], format: AlertsFormatArg) -> Result<()> {
    match format {
        AlertsFormatArg::Json => {
            let array: Vec<serde_json::Value> = outcomes
                .iter()
                .map(|o| {
                    json!({
                        "site": o.site, "key": o.key, "subject": o.subject, "bytes": o.bytes,
                        "queued": o.queued, "note": o.note,
                        "files": o.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
                    })
                })
                .collect();
            print_out(&format!("{}\n", serde_json::to_string_pretty(&array)?))
        }
        AlertsFormatArg::Table => {
            let mut text = String::new();
            for o in outcomes {
                text.push_str(&format!("{}: {} ({} bytes)\n", o.site, o.subject, o.bytes));
                match (o.queued, &o.note) {
                    (Some(true), _) => text.push_str(&format!(
                        "  queued as {}; `aivis outbox deliver` sends it\n",
                        o.key
                    )),
                    (Some(false), _) => text.push_str(&format!(
                        "  {} was queued before: nothing new queued\n",
                        o.key
                    )),
                    (None, Some(note)) => text.push_str(&format!("  {note}\n")),
                    (None, None) => {}
                }
                for file in &o.files {
                    text.push_str(&format!("  wrote {}\n", file.display()));
                }
            }
            print_out(&text)
        }
    }
}
