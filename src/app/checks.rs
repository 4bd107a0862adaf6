//! `aivis prompts …`, `aivis check` and `aivis rescore`: managing tracked prompts, asking the
//! engines, and re-scoring stored answers. `aivis check` owns the run's cancellation token: the
//! first Ctrl-C or SIGTERM cancels it (no new calls; the calls under way finish and are stored;
//! the run is closed as aborted and the command exits 1), a second one ends the process at once.

use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

use super::{print_out, with_app};
use crate::checks::client::RetryPolicy;
use crate::checks::run::{CheckSelection, CheckSummary, RunStatus};
use crate::cli::{CheckArgs, PromptAddArgs, PromptsCommand, RescoreArgs};
use crate::config::Settings;
use crate::report::table::{Table, Value};
use crate::service::{self, AddPrompt, App};
use crate::store::PromptRow;

pub async fn prompts(settings: Settings, command: PromptsCommand) -> Result<()> {
    match command {
        PromptsCommand::Add(args) => add(settings, args).await,
        PromptsCommand::List(args) => {
            let site = args.site.as_deref();
            let prompts = with_app(settings, async |app| {
                service::list_prompts(app, site, args.all).await
            })
            .await??;
            print_out(&prompt_table(prompts).render(args.format.into()))
        }
        PromptsCommand::Remove(args) => {
            with_app(settings, async |app| {
                service::remove_prompt(app, args.id).await
            })
            .await??;
            print_out(&format!(
                "removed prompt {} (its stored answers stay)\n",
                args.id
            ))
        }
        PromptsCommand::Import(args) => {
            let bytes = std::fs::read(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            let site = args.site.as_deref();
            let imported = with_app(settings, async |app| {
                service::import_prompts(app, site, &bytes).await
            })
            .await?
            .with_context(|| args.file.display().to_string())?;
            print_out(&format!(
                "{}: {} added, {} re-activated, {} already tracked (skipped)\n",
                args.file.display(),
                imported.added,
                imported.reactivated,
                imported.duplicates
            ))
        }
    }
}

/// The prompts as the table `aivis prompts list` prints.
fn prompt_table(prompts: Vec<PromptRow>) -> Table {
    Table {
        columns: ["id", "site", "text", "tags", "engines", "active"]
            .map(String::from)
            .to_vec(),
        rows: prompts
            .into_iter()
            .map(|p| {
                vec![
                    Value::Int(p.id),
                    Value::Text(p.site),
                    Value::Text(p.text),
                    Value::Text(p.tags.join(";")),
                    Value::Text(p.engines.join(";")),
                    Value::Int(i64::from(p.active)),
                ]
            })
            .collect(),
    }
}

async fn add(settings: Settings, args: PromptAddArgs) -> Result<()> {
    let request = AddPrompt {
        site: args.site,
        text: args.text,
        tags: args.tags,
        engines: args.engines,
    };
    let added = with_app(settings, async |app| {
        service::add_prompt(app, request).await
    })
    .await??;
    if added.reactivated {
        print_out(&format!(
            "prompt {} was removed earlier; it is tracked again\n",
            added.id
        ))
    } else {
        print_out(&format!("added prompt {} for {}\n", added.id, added.site))
    }
}

pub async fn check(settings: &Settings, args: &CheckArgs) -> Result<()> {
    let selection = CheckSelection {
        site: args.site.clone(),
        engine: args.engine.clone(),
        prompt: args.prompt,
    };
    let env = |key: &str| std::env::var(key).ok();
    let app = App::open(settings.clone()).await?;
    let listener = tokio::spawn(cancel_on_signal(app.shutdown().clone()));
    let summary = service::check(&app, &selection, &env, RetryPolicy::default()).await;
    listener.abort();
    app.close().await;
    let summary = summary?;
    if args.json {
        print_out(&format!("{}\n", serde_json::to_string_pretty(&summary)?))?;
    } else {
        print_out(&describe(&summary))?;
    }
    if summary.status == RunStatus::Aborted {
        return Err(anyhow::anyhow!(
            "check run {} was stopped: {} calls not asked (the answers received are stored)",
            summary.run_id,
            summary.not_asked
        ));
    }
    match summary.silent_engines().as_slice() {
        [] => Ok(()),
        silent => Err(anyhow::anyhow!(
            "no answer from {}: every call failed (stored as failed; see the errors above)",
            silent.join(", ")
        )),
    }
}

/// Cancels `cancel` at the first SIGINT (Ctrl-C) or SIGTERM; exits the process at the second.
#[cfg(unix)]
async fn cancel_on_signal(cancel: CancellationToken) {
    let Some(mut signals) = super::Signals::install() else {
        return;
    };
    while signals.next().await {
        stop(&cancel);
    }
}

/// Cancels `cancel` at the first Ctrl-C; exits the process at the second.
#[cfg(not(unix))]
async fn cancel_on_signal(cancel: CancellationToken) {
    while tokio::signal::ctrl_c().await.is_ok() {
        stop(&cancel);
    }
}

/// The first stop request cancels the run; the second ends the process.
fn stop(cancel: &CancellationToken) {
    if cancel.is_cancelled() {
        eprintln!("stopped at once: the calls under way are lost");
        std::process::exit(130);
    }
    eprintln!(
        "stopping: no new calls start; the calls under way finish and are stored \
         (interrupt again to stop at once)"
    );
    cancel.cancel();
}

fn describe(summary: &CheckSummary) -> String {
    let mut out = format!(
        "check run {} {}: {} answers stored, {} failed calls, {:.1} s\n",
        summary.run_id,
        summary.status.as_str(),
        summary.answers,
        summary.failed,
        summary.seconds
    );
    if summary.not_asked > 0 {
        out.push_str(&format!(
            "  {} calls not asked (the run was stopped)\n",
            summary.not_asked
        ));
    }
    for (engine, tally) in &summary.by_engine {
        out.push_str(&format!(
            "  {engine}: {} ok, {} failed\n",
            tally.ok, tally.failed
        ));
    }
    if !summary.failures.is_empty() {
        out.push_str("failures (stored as failed, not as \"not mentioned\"):\n");
        for failure in &summary.failures {
            out.push_str(&format!("  {failure}\n"));
        }
    }
    out.push_str("see `aivis report mentions`\n");
    out
}

pub async fn rescore(settings: Settings, args: &RescoreArgs) -> Result<()> {
    let site = args.site.as_deref();
    let count = with_app(settings, async |app| service::rescore(app, site).await).await??;
    print_out(&format!("re-scored {count} answers\n"))
}

#[cfg(test)]
mod tests {
    use super::super::exit_code;
    use crate::checks::run::CheckError;
    use crate::store::StoreError;

    #[test]
    fn check_errors_exit_by_their_kind() {
        let usage = anyhow::Error::new(CheckError::Usage("no active prompts".into()));
        assert_eq!(exit_code(&usage), 2);
        let task = anyhow::Error::new(CheckError::Task("a check task failed: boom".into()));
        assert_eq!(exit_code(&task.context("aivis check")), 1);
        let store = CheckError::Store(StoreError::Refused("not a SELECT".into()));
        assert_eq!(exit_code(&anyhow::Error::new(store)), 2);
    }
}
