//! `aivis check`: every active prompt × engine × sample, concurrently within each engine's
//! rate limit, each answer stored with its extraction as soon as it arrives (an interrupted
//! run keeps what it stored). A failed call is stored as a failed answer, never as "not
//! mentioned". Missing API keys and unknown names are refused before anything is asked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::client::{EngineClient, Outcome, RetryPolicy, http_client};
use super::engines::EngineKind;
use super::engines::replay::Recordings;
use super::mentions::{Entity, extract};
use crate::config::{EngineConfig, Settings, names};
use crate::day::now_unix;
use crate::store::{NewAnswer, PromptRow, Store, StoreError};

/// Requests in flight per engine at most (the rate limit spaces them further).
const CONCURRENCY_PER_ENGINE: usize = 4;
/// Failure messages kept for the summary.
const MAX_FAILURE_SAMPLES: usize = 10;

/// Which checks to run; None means all.
#[derive(Debug, Clone, Default)]
pub struct CheckSelection {
    pub site: Option<String>,
    pub engine: Option<String>,
    pub prompt: Option<i64>,
}

/// Why checks could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The user's to fix: unknown names, missing keys, nothing to check (exit code 2).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run did, for people and programs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckSummary {
    pub run_id: i64,
    pub answers: u64,
    pub failed: u64,
    /// Per engine: (ok answers, failed calls).
    pub by_engine: BTreeMap<String, EngineTally>,
    /// A few failures: "engine, prompt N, sample S: reason".
    pub failures: Vec<String>,
    pub seconds: f64,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct EngineTally {
    pub ok: u64,
    pub failed: u64,
}

/// How an engine is asked.
enum Asker {
    Http(Box<EngineClient>),
    Replay(Recordings),
}

/// One engine ready to ask.
struct Engine {
    config: EngineConfig,
    asker: Asker,
}

/// One question to ask: a prompt, a sample number, and who tracks it.
struct Job {
    prompt: PromptRow,
    sample: u32,
    entities: Arc<Vec<Entity>>,
}

/// Runs the selected checks and returns the summary. `env` reads environment variables
/// (API keys).
pub async fn run_checks(
    store: &Store,
    settings: &Settings,
    selection: &CheckSelection,
    env: &dyn Fn(&str) -> Option<String>,
    policy: RetryPolicy,
) -> Result<CheckSummary, CheckError> {
    let started = Instant::now();
    // The names typed first (site, prompt, engine), then the keys: a typo is named as such.
    if let Some(site) = &selection.site {
        settings.site(Some(site)).map_err(CheckError::Usage)?;
    }
    let prompts = select_prompts(store, settings, selection).await?;
    let engines = prepare_engines(settings, selection, env, policy)?;
    let entities = site_entities(settings);
    let planned: Vec<(Engine, Vec<Job>)> = engines
        .into_iter()
        .map(|engine| {
            let jobs = jobs_for(&engine.config, &prompts, &entities);
            (engine, jobs)
        })
        .filter(|(_, jobs)| !jobs.is_empty())
        .collect();
    if planned.is_empty() {
        return Err(CheckError::Usage(
            "none of the selected prompts is asked of the selected engines (a prompt added \
             with --engine is asked of those engines only; see `aivis prompts list`)"
                .into(),
        ));
    }
    let run_id = store.start_check_run(now_unix()).await?;
    let mut tasks = JoinSet::new();
    for (engine, jobs) in planned {
        let store = store.clone();
        tasks.spawn(async move { run_engine(store, run_id, Arc::new(engine), jobs).await });
    }
    let mut summary = CheckSummary {
        run_id,
        ..CheckSummary::default()
    };
    while let Some(joined) = tasks.join_next().await {
        let (name, tally, failures) =
            joined.map_err(|err| CheckError::Usage(format!("a check task failed: {err}")))??;
        summary.answers += tally.ok;
        summary.failed += tally.failed;
        summary.by_engine.insert(name, tally);
        let room = MAX_FAILURE_SAMPLES.saturating_sub(summary.failures.len());
        summary.failures.extend(failures.into_iter().take(room));
    }
    store.finish_check_run(run_id, now_unix()).await?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The selected engines with their keys read and clients built.
fn prepare_engines(
    settings: &Settings,
    selection: &CheckSelection,
    env: &dyn Fn(&str) -> Option<String>,
    policy: RetryPolicy,
) -> Result<Vec<Engine>, CheckError> {
    let selected: Vec<&EngineConfig> = settings
        .engines
        .iter()
        .filter(|e| selection.engine.as_ref().is_none_or(|name| &e.name == name))
        .collect();
    if selected.is_empty() {
        let message = match &selection.engine {
            Some(name) => {
                let configured: Vec<&str> =
                    settings.engines.iter().map(|e| e.name.as_str()).collect();
                names::unknown_engine(&configured, name)
            }
            None => "no [[engines]] configured; see `aivis init` for an example".to_string(),
        };
        return Err(CheckError::Usage(message));
    }
    let missing: Vec<String> = selected
        .iter()
        .filter_map(|e| e.api_key_env.as_ref().map(|var| (e, var)))
        .filter(|(_, var)| env(var).is_none_or(|key| key.trim().is_empty()))
        .map(|(e, var)| format!("engine {:?} needs ${var}", e.name))
        .collect();
    if !missing.is_empty() {
        return Err(CheckError::Usage(format!(
            "API keys missing: {} (set the environment variables; keys are never read from the config file)",
            missing.join(", ")
        )));
    }
    // One HTTP client (one connection pool) for every HTTP engine of the run.
    let mut http: Option<reqwest::Client> = None;
    let mut engines = Vec::with_capacity(selected.len());
    for config in selected {
        let asker = match config.kind {
            EngineKind::Replay => {
                let path = config.path.clone().unwrap_or_default();
                Asker::Replay(Recordings::load(&path).map_err(CheckError::Usage)?)
            }
            _ => {
                let client = match http.clone() {
                    Some(client) => client,
                    None => {
                        let client = http_client().map_err(CheckError::Usage)?;
                        http = Some(client.clone());
                        client
                    }
                };
                let key = config.api_key_env.as_deref().and_then(env);
                Asker::Http(Box::new(EngineClient::new(
                    client,
                    config.spec(key),
                    config.requests_per_minute,
                    Duration::from_secs(u64::from(config.timeout_seconds)),
                    policy,
                )))
            }
        };
        engines.push(Engine {
            config: config.clone(),
            asker,
        });
    }
    Ok(engines)
}

/// The active prompts of the selected (already checked), configured sites.
async fn select_prompts(
    store: &Store,
    settings: &Settings,
    selection: &CheckSelection,
) -> Result<Vec<PromptRow>, CheckError> {
    let mut prompts = store.prompts(selection.site.as_deref(), false).await?;
    prompts.retain(|p| settings.sites.iter().any(|s| s.name == p.site));
    if let Some(id) = selection.prompt {
        if !prompts.iter().any(|p| p.id == id) {
            let active: Vec<i64> = prompts.iter().map(|p| p.id).collect();
            let site = selection.site.as_deref();
            return Err(CheckError::Usage(names::unknown_prompt(id, site, &active)));
        }
        prompts.retain(|p| p.id == id);
    }
    if prompts.is_empty() {
        return Err(CheckError::Usage(
            "no active prompts to check; add some with `aivis prompts add`".into(),
        ));
    }
    Ok(prompts)
}

fn site_entities(settings: &Settings) -> HashMap<String, Arc<Vec<Entity>>> {
    settings
        .sites
        .iter()
        .map(|site| (site.name.clone(), Arc::new(site.entities())))
        .collect()
}

/// The engine's jobs: each prompt meant for it × its samples, sample by sample.
fn jobs_for(
    engine: &EngineConfig,
    prompts: &[PromptRow],
    entities: &HashMap<String, Arc<Vec<Entity>>>,
) -> Vec<Job> {
    let meant: Vec<&PromptRow> = prompts
        .iter()
        .filter(|p| p.engines.is_empty() || p.engines.contains(&engine.name))
        .collect();
    (1..=engine.samples)
        .flat_map(|sample| {
            meant.iter().map(move |prompt| Job {
                prompt: (*prompt).clone(),
                sample,
                entities: entities.get(&prompt.site).cloned().unwrap_or_default(),
            })
        })
        .collect()
}

type EngineResult = Result<(String, EngineTally, Vec<String>), CheckError>;

async fn run_engine(
    store: Store,
    run_id: i64,
    engine: Arc<Engine>,
    jobs: Vec<Job>,
) -> EngineResult {
    let permits = Arc::new(Semaphore::new(CONCURRENCY_PER_ENGINE));
    let mut tasks = JoinSet::new();
    for job in jobs {
        let permit = Arc::clone(&permits)
            .acquire_owned()
            .await
            .map_err(|_| CheckError::Usage("check cancelled".into()))?;
        let (store, engine) = (store.clone(), Arc::clone(&engine));
        tasks.spawn(async move {
            let stored = ask_and_store(&store, run_id, &engine, &job).await;
            drop(permit);
            stored.map(|failure| failure.map(|reason| describe_failure(&engine, &job, &reason)))
        });
    }
    let mut tally = EngineTally::default();
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let outcome =
            joined.map_err(|err| CheckError::Usage(format!("a check task failed: {err}")))??;
        match outcome {
            None => tally.ok += 1,
            Some(failure) => {
                tally.failed += 1;
                failures.push(failure);
            }
        }
    }
    Ok((engine.config.name.clone(), tally, failures))
}

fn describe_failure(engine: &Engine, job: &Job, reason: &str) -> String {
    format!(
        "{}, prompt {}, sample {}: {reason}",
        engine.config.name, job.prompt.id, job.sample
    )
}

/// Asks one job and stores the answer; returns the failure reason of a failed call.
async fn ask_and_store(
    store: &Store,
    run_id: i64,
    engine: &Engine,
    job: &Job,
) -> Result<Option<String>, CheckError> {
    let asked_at = now_unix();
    let outcome = match &engine.asker {
        Asker::Http(client) => client.ask(&job.prompt.text).await,
        Asker::Replay(recordings) => Outcome {
            result: recordings.answer(&job.prompt.text, job.sample),
            attempts: 1,
            http_status: None,
            latency: Duration::ZERO,
        },
    };
    let config = &engine.config;
    let mut answer = NewAnswer {
        run_id,
        prompt_id: job.prompt.id,
        site: job.prompt.site.clone(),
        engine: config.name.clone(),
        kind: config.kind.as_str().to_string(),
        model: (!config.model.is_empty()).then(|| config.model.clone()),
        sample: job.sample,
        asked_at,
        http_status: outcome.http_status,
        attempts: outcome.attempts,
        latency_ms: Some(outcome.latency.as_millis() as u64),
        ..NewAnswer::default()
    };
    match outcome.result {
        Ok(reply) => {
            let extraction = extract(&reply.text, &reply.citations, &job.entities);
            if let Some(usage) = reply.usage {
                answer.input_tokens = Some(usage.input_tokens);
                answer.output_tokens = Some(usage.output_tokens);
                answer.cost_usd = config.cost_usd(usage.input_tokens, usage.output_tokens);
            }
            answer.model = reply.model.or(answer.model);
            answer.text = Some(reply.text);
            answer.provider_citations = reply.citations;
            store.store_answer(&answer, Some(&extraction)).await?;
            Ok(None)
        }
        Err(reason) => {
            answer.error = Some(reason.clone());
            store.store_answer(&answer, None).await?;
            Ok(Some(reason))
        }
    }
}

/// Recomputes every ok answer's mentions and citations (of `site`, or all sites) from the
/// stored text and provider citations, with the brand and competitors now configured.
/// Returns the number of answers re-scored.
pub async fn rescore(
    store: &Store,
    settings: &Settings,
    site: Option<&str>,
) -> Result<u64, CheckError> {
    if let Some(site) = site {
        settings.site(Some(site)).map_err(CheckError::Usage)?;
    }
    let entities = site_entities(settings);
    let mut count = 0;
    for answer in store.ok_answers(site).await? {
        let Some(tracked) = entities.get(&answer.site) else {
            continue;
        };
        let extraction = extract(&answer.text, &answer.provider_citations, tracked);
        store
            .replace_extraction(answer.id, &answer.site, &extraction)
            .await?;
        count += 1;
    }
    Ok(count)
}
