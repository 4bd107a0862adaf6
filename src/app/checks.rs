//! `aivis prompts …`, `aivis check` and `aivis rescore`: managing tracked prompts, asking the
//! engines, and re-scoring stored answers. `aivis check` owns the run's cancellation token: the
//! first Ctrl-C or SIGTERM cancels it (no new calls; the calls under way finish and are stored;
//! the run is closed as aborted and the command exits 1), a second one ends the process at once.

use anyhow::{Context, Result};
use tokio_util::sync::CancellationToken;

use super::{UsageError, print_out, with_store};
use crate::checks::client::RetryPolicy;
use crate::checks::prompts::{NewPrompt, check_engines, clean_tags, clean_text, read_csv};
use crate::checks::run::{CheckSelection, CheckSummary, RunStatus, rescore as rescore_all};
use crate::cli::{CheckArgs, PromptAddArgs, PromptsCommand, RescoreArgs};
use crate::config::{Settings, SiteConfig, names};
use crate::day::now_unix;
use crate::report::table::{Table, Value};
use crate::service::{self, App};
use crate::store::{Added, PromptRow, StoreError};

pub async fn prompts(settings: &Settings, command: PromptsCommand) -> Result<()> {
    match command {
        PromptsCommand::Add(args) => add(settings, &args).await,
        PromptsCommand::List(args) => {
            let prompts = with_store(settings, async |store| -> Result<Vec<PromptRow>> {
                if let Some(site) = &args.site {
                    let stored = store.stored_sites().await?;
                    names::check_site(settings, site, &stored).map_err(UsageError)?;
                }
                Ok(store.prompts(args.site.as_deref(), args.all).await?)
            })
            .await??;
            let table = Table {
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
            };
            print_out(&table.render(args.format.into()))
        }
        PromptsCommand::Remove(args) => {
            with_store(settings, async |store| -> Result<()> {
                if store.remove_prompt(args.id).await? {
                    return Ok(());
                }
                let active: Vec<i64> = store
                    .prompts(None, false)
                    .await?
                    .iter()
                    .map(|p| p.id)
                    .collect();
                Err(UsageError(names::unknown_prompt(args.id, None, &active)).into())
            })
            .await??;
            print_out(&format!(
                "removed prompt {} (its stored answers stay)\n",
                args.id
            ))
        }
        PromptsCommand::Import(args) => {
            let site = settings.site(args.site.as_deref()).map_err(UsageError)?;
            let bytes = std::fs::read(&args.file)
                .with_context(|| format!("cannot read {}", args.file.display()))?;
            // Every row is checked before the first is stored: a bad file imports nothing.
            let prompts = read_csv(&bytes, &engine_names(settings))
                .map_err(|err| UsageError(format!("{}: {err}", args.file.display())))?;
            let counts = with_store(settings, async |store| {
                let mut counts = [0u64; 3];
                for prompt in &prompts {
                    match store.add_prompt(&site.name, prompt, now_unix()).await? {
                        Added::New(_) => counts[0] += 1,
                        Added::Reactivated(_) => counts[1] += 1,
                        Added::Duplicate(_) => counts[2] += 1,
                    }
                }
                Ok::<_, StoreError>(counts)
            })
            .await??;
            print_out(&format!(
                "{}: {} added, {} re-activated, {} already tracked (skipped)\n",
                args.file.display(),
                counts[0],
                counts[1],
                counts[2]
            ))
        }
    }
}

async fn add(settings: &Settings, args: &PromptAddArgs) -> Result<()> {
    let site: &SiteConfig = settings.site(args.site.as_deref()).map_err(UsageError)?;
    let prompt = NewPrompt {
        text: clean_text(&args.text).map_err(|e| UsageError(e.to_string()))?,
        tags: clean_tags(&args.tags).map_err(|e| UsageError(e.to_string()))?,
        engines: check_engines(&args.engines, &engine_names(settings))
            .map_err(|e| UsageError(e.to_string()))?,
    };
    let added = with_store(settings, async |store| {
        store.add_prompt(&site.name, &prompt, now_unix()).await
    })
    .await?;
    match added? {
        Added::New(id) => print_out(&format!("added prompt {id} for {}\n", site.name)),
        Added::Reactivated(id) => print_out(&format!(
            "prompt {id} was removed earlier; it is tracked again\n"
        )),
        Added::Duplicate(id) => Err(UsageError(format!(
            "prompt {id} of site {} already asks this: {:?}",
            site.name, prompt.text
        ))
        .into()),
    }
}

fn engine_names(settings: &Settings) -> Vec<&str> {
    settings.engines.iter().map(|e| e.name.as_str()).collect()
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
    match silent_engines(&summary).as_slice() {
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
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    loop {
        let received = tokio::select! {
            received = interrupt.recv() => received,
            received = terminate.recv() => received,
        };
        if received.is_none() {
            return;
        }
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

/// Engines that were asked and answered nothing: a wrong key, a dead endpoint or a changed
/// page layout, which a scheduled `aivis check` must not report as success.
fn silent_engines(summary: &CheckSummary) -> Vec<String> {
    summary
        .by_engine
        .iter()
        .filter(|(_, tally)| tally.ok == 0 && tally.failed > 0)
        .map(|(engine, _)| engine.clone())
        .collect()
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

pub async fn rescore(settings: &Settings, args: &RescoreArgs) -> Result<()> {
    let count = with_store(settings, async |store| {
        rescore_all(store, settings, args.site.as_deref()).await
    })
    .await??;
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
