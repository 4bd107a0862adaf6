//! `aivis check`: every active prompt × engine × sample, concurrently within each engine's
//! rate limit, each answer stored with its extraction as soon as it arrives. A failed call is
//! stored as a failed answer, never as "not mentioned"; an answer that cannot be stored is that
//! call's failure, not the run's. Missing API keys and unknown names are refused before
//! anything is asked.
//!
//! Every run is closed with a [`RunStatus`]: `finished`, or `aborted` when the caller's
//! [`CancellationToken`] was cancelled (no new call starts, calls on the wire finish and are
//! stored) or a check task panicked (an internal error, returned once the other calls are
//! stored). A run whose process died stays `running` until a later run start closes it as
//! `aborted`, once it has been idle for [`STALE_RUN_SECONDS`].
//!
//! Each site's entities are compiled into one [`Matcher`] per run; extraction runs on blocking
//! threads. `aivis rescore` reads the stored answers a page at a time.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::client::{EngineClient, HttpClientError, Outcome, RetryPolicy};
use super::engines::EngineKind;
use super::engines::replay::{Recordings, ReplayError};
use super::mentions::Matcher;
use super::off_runtime;
use crate::config::{EngineConfig, Settings, SiteError, UnknownName, names};
use crate::day::now_unix;
use crate::error::{ErrorKind, HasKind};
use crate::store::{NewAnswer, PromptRow, Store, StoreError};

/// Requests in flight per engine at most (the rate limit spaces them further).
const CONCURRENCY_PER_ENGINE: usize = 4;
/// Failure messages kept for the summary.
const MAX_FAILURE_SAMPLES: usize = 10;
/// A run still `running` with no answer for this long (a day) belongs to a process that
/// died: with the default retry policy a live run stores an answer at least every hour (600 s
/// timeouts, 4 attempts, waits of at most a minute, one call a minute at the slowest rate).
pub const STALE_RUN_SECONDS: i64 = 24 * 60 * 60;
/// Answers re-scored per page.
const RESCORE_PAGE: u32 = 500;

/// Which checks to run; None means all.
#[derive(Debug, Clone, Default)]
pub struct CheckSelection {
    pub site: Option<String>,
    pub engine: Option<String>,
    pub prompt: Option<i64>,
}

/// Where a check run stands (`check_runs.status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Started and not closed: under way, or its process died (until a later run closes it).
    #[default]
    Running,
    /// Ran to its end: every planned call was made and its outcome stored or counted as a
    /// failure.
    Finished,
    /// Cancelled, or a check task failed: some planned calls may not have been made.
    Aborted,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Aborted => "aborted",
        }
    }
}

/// Why checks could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The user's to fix: unknown names, missing keys, nothing to check.
    #[error("{0}")]
    Usage(String),
    /// The selected site is not configured (or none was named among several).
    #[error(transparent)]
    Site(#[from] SiteError),
    /// A selected engine or prompt is not configured or not active.
    #[error(transparent)]
    Name(#[from] UnknownName),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    HttpClient(#[from] HttpClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A check task panicked: aivis's fault. The run was closed as aborted after the other
    /// calls were stored.
    #[error("{0}")]
    Task(String),
}

impl HasKind for CheckError {
    fn kind(&self) -> ErrorKind {
        match self {
            CheckError::Usage(_) => ErrorKind::Usage,
            CheckError::Site(err) => err.kind(),
            CheckError::Name(err) => err.kind(),
            CheckError::Replay(err) => err.kind(),
            CheckError::HttpClient(err) => err.kind(),
            CheckError::Store(err) => err.kind(),
            CheckError::Task(_) => ErrorKind::Internal,
        }
    }
}

/// A check task that panicked (or was lost), as the run's error.
fn task_error(err: JoinError) -> CheckError {
    CheckError::Task(format!("a check task failed: {err}"))
}

/// What a run did, for people and programs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckSummary {
    pub run_id: i64,
    pub status: RunStatus,
    pub answers: u64,
    pub failed: u64,
    /// Planned calls not made because the run was cancelled.
    pub not_asked: u64,
    /// Per engine: ok answers, failed calls, calls not asked.
    pub by_engine: BTreeMap<String, EngineTally>,
    /// A few failures: "engine, prompt N, sample S: reason".
    pub failures: Vec<String>,
    pub seconds: f64,
}

impl CheckSummary {
    /// Engines that were asked and answered nothing: a wrong key, a dead endpoint or a changed
    /// page layout, which a scheduled check must not report as success.
    pub fn silent_engines(&self) -> Vec<String> {
        self.by_engine
            .iter()
            .filter(|(_, tally)| tally.ok == 0 && tally.failed > 0)
            .map(|(engine, _)| engine.clone())
            .collect()
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct EngineTally {
    pub ok: u64,
    pub failed: u64,
    /// Calls not made because the run was cancelled.
    pub not_asked: u64,
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

/// One question to ask: a prompt, a sample number, and the site's compiled entities.
struct Job {
    prompt: PromptRow,
    sample: u32,
    matcher: Arc<Matcher>,
}

/// Runs the selected checks and returns the summary. `env` reads environment variables (API
/// keys). Cancelling `cancel` stops the run: no new call starts, calls on the wire finish and
/// are stored, and the run is closed as aborted. (Dropping the returned future instead would
/// abort the calls under way and leave the run `running`: cancel, then await it.)
pub async fn run_checks(
    store: &Store,
    settings: &Settings,
    http: &reqwest::Client,
    selection: &CheckSelection,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    policy: RetryPolicy,
    cancel: &CancellationToken,
) -> Result<CheckSummary, CheckError> {
    let started = Instant::now();
    // The names typed first (site, prompt, engine), then the keys: a typo is named as such.
    if let Some(site) = &selection.site {
        settings.site(Some(site))?;
    }
    let prompts = select_prompts(store, settings, selection).await?;
    let engines = prepare_engines(settings, http, selection, env, policy).await?;
    let matchers = site_matchers(settings);
    let planned: Vec<(Engine, Vec<Job>)> = engines
        .into_iter()
        .map(|engine| {
            let jobs = jobs_for(&engine.config, &prompts, &matchers);
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
    let now = now_unix();
    store
        .close_stale_check_runs(now - STALE_RUN_SECONDS)
        .await?;
    let run_id = store.start_check_run(now).await?;
    // From here on the run is closed whatever happens to its calls.
    let mut tasks = JoinSet::new();
    for (engine, jobs) in planned {
        let (store, cancel) = (store.clone(), cancel.clone());
        tasks.spawn(run_engine(store, run_id, Arc::new(engine), jobs, cancel));
    }
    let mut summary = CheckSummary {
        run_id,
        ..CheckSummary::default()
    };
    let mut failed_task: Option<CheckError> = None;
    while let Some(joined) = tasks.join_next().await {
        let report = match joined {
            Ok(report) => report,
            Err(err) => {
                failed_task.get_or_insert(task_error(err));
                continue;
            }
        };
        if let Some(err) = report.failed_task {
            failed_task.get_or_insert(err);
        }
        summary.answers += report.tally.ok;
        summary.failed += report.tally.failed;
        summary.not_asked += report.tally.not_asked;
        summary.by_engine.insert(report.name, report.tally);
        let room = MAX_FAILURE_SAMPLES.saturating_sub(summary.failures.len());
        summary
            .failures
            .extend(report.failures.into_iter().take(room));
    }
    summary.status = if cancel.is_cancelled() || failed_task.is_some() {
        RunStatus::Aborted
    } else {
        RunStatus::Finished
    };
    store
        .finish_check_run(run_id, now_unix(), summary.status)
        .await?;
    if let Some(err) = failed_task {
        return Err(err);
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// The selected engines with their keys read and clients built.
async fn prepare_engines(
    settings: &Settings,
    http: &reqwest::Client,
    selection: &CheckSelection,
    env: &(dyn Fn(&str) -> Option<String> + Sync),
    policy: RetryPolicy,
) -> Result<Vec<Engine>, CheckError> {
    let selected: Vec<&EngineConfig> = settings
        .engines
        .iter()
        .filter(|e| selection.engine.as_ref().is_none_or(|name| &e.name == name))
        .collect();
    if selected.is_empty() {
        return Err(match &selection.engine {
            Some(name) => {
                let configured: Vec<&str> =
                    settings.engines.iter().map(|e| e.name.as_str()).collect();
                names::unknown_engine(&configured, name).into()
            }
            None => CheckError::Usage(
                "no [[engines]] configured; see `aivis init` for an example".to_string(),
            ),
        });
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
    let mut engines = Vec::with_capacity(selected.len());
    for config in selected {
        let asker = match config.kind {
            EngineKind::Replay => {
                let path = config.path.clone().unwrap_or_default();
                Asker::Replay(off_runtime(move || Recordings::load(&path)).await?)
            }
            _ => {
                // The caller's one client: every engine shares its connection pool.
                let client = http.clone();
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
            return Err(names::unknown_prompt(id, site, &active).into());
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

/// Each configured site's brand and competitors, compiled once for the run.
fn site_matchers(settings: &Settings) -> HashMap<String, Arc<Matcher>> {
    settings
        .sites
        .iter()
        .map(|site| (site.name.clone(), Arc::new(Matcher::new(site.entities()))))
        .collect()
}

/// The engine's jobs: each prompt meant for it × its samples, sample by sample.
fn jobs_for(
    engine: &EngineConfig,
    prompts: &[PromptRow],
    matchers: &HashMap<String, Arc<Matcher>>,
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
                matcher: matchers
                    .get(&prompt.site)
                    .cloned()
                    .unwrap_or_else(|| Arc::new(Matcher::new(Vec::new()))),
            })
        })
        .collect()
}

/// What one engine's calls came to.
struct EngineReport {
    name: String,
    tally: EngineTally,
    failures: Vec<String>,
    /// The first of its call tasks that panicked.
    failed_task: Option<CheckError>,
}

/// What became of one job.
enum JobOutcome {
    /// Answered, and the answer stored with its extraction.
    Stored,
    /// The call failed, or its answer could not be stored: "engine, prompt N, sample S: why".
    Failed(String),
    /// The run was cancelled before the call started.
    NotAsked,
}

/// Asks the engine's jobs, at most [`CONCURRENCY_PER_ENGINE`] at a time; once `cancel` fires
/// no further job starts, and the ones under way finish.
async fn run_engine(
    store: Store,
    run_id: i64,
    engine: Arc<Engine>,
    jobs: Vec<Job>,
    cancel: CancellationToken,
) -> EngineReport {
    let mut report = EngineReport {
        name: engine.config.name.clone(),
        tally: EngineTally::default(),
        failures: Vec::new(),
        failed_task: None,
    };
    let permits = Arc::new(Semaphore::new(CONCURRENCY_PER_ENGINE));
    let mut tasks = JoinSet::new();
    let planned = jobs.len();
    let mut started = 0;
    for job in jobs {
        let permit = tokio::select! {
            biased;
            () = cancel.cancelled() => None,
            permit = Arc::clone(&permits).acquire_owned() => permit.ok(),
        };
        let Some(permit) = permit else { break };
        started += 1;
        let (store, engine, cancel) = (store.clone(), Arc::clone(&engine), cancel.clone());
        tasks.spawn(async move {
            let outcome = ask_and_store(&store, run_id, &engine, &job, &cancel).await;
            drop(permit);
            outcome
        });
    }
    report.tally.not_asked = (planned - started) as u64;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(JobOutcome::Stored) => report.tally.ok += 1,
            Ok(JobOutcome::Failed(failure)) => {
                report.tally.failed += 1;
                report.failures.push(failure);
            }
            Ok(JobOutcome::NotAsked) => report.tally.not_asked += 1,
            Err(err) => {
                report.failed_task.get_or_insert(task_error(err));
            }
        }
    }
    report
}

fn describe_failure(engine: &Engine, job: &Job, reason: &str) -> String {
    format!(
        "{}, prompt {}, sample {}: {reason}",
        engine.config.name, job.prompt.id, job.sample
    )
}

/// Asks one job and stores the outcome. An ok answer the database refuses is a failed call:
/// it is stored as failed (without its text) when the database takes that.
async fn ask_and_store(
    store: &Store,
    run_id: i64,
    engine: &Engine,
    job: &Job,
    cancel: &CancellationToken,
) -> JobOutcome {
    let asked_at = now_unix();
    let outcome = match &engine.asker {
        Asker::Http(client) => match client.ask(&job.prompt.text, cancel).await {
            Some(outcome) => outcome,
            None => return JobOutcome::NotAsked,
        },
        Asker::Replay(_) if cancel.is_cancelled() => return JobOutcome::NotAsked,
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
    let reason = match outcome.result {
        Ok(reply) => {
            if let Some(usage) = reply.usage {
                answer.input_tokens = Some(usage.input_tokens);
                answer.output_tokens = Some(usage.output_tokens);
                answer.cost_usd = config.cost_usd(usage.input_tokens, usage.output_tokens);
            }
            answer.model = reply.model.or(answer.model);
            let (text, cited, matcher) = (reply.text, reply.citations, Arc::clone(&job.matcher));
            let (text, cited, extraction) = off_runtime(move || {
                let extraction = matcher.extract(&text, &cited);
                (text, cited, extraction)
            })
            .await;
            answer.text = Some(text);
            answer.provider_citations = cited;
            let Err(err) = store.store_answer(&answer, Some(&extraction)).await else {
                return JobOutcome::Stored;
            };
            // Its tokens were paid for: they stay on the failed answer.
            // The store's error names the operation; this says it already.
            let reason = format!("the answer could not be stored: {}", err.into_cause());
            answer.text = None;
            answer.provider_citations = Vec::new();
            answer.error = Some(reason.clone());
            match store.store_answer(&answer, None).await {
                Ok(_) => reason,
                Err(_) => format!("{reason} (nor its failure)"),
            }
        }
        Err(failure) => {
            answer.error = Some(failure.reason.clone());
            match store.store_answer(&answer, None).await {
                Ok(_) => failure.reason,
                Err(err) => format!(
                    "{} (the failure could not be stored: {})",
                    failure.reason,
                    err.into_cause()
                ),
            }
        }
    };
    JobOutcome::Failed(describe_failure(engine, job, &reason))
}

/// Recomputes every ok answer's mentions and citations (of `site`, or all sites) from the
/// stored text and provider citations, with the brand and competitors now configured, a page
/// of answers at a time. Returns the number of answers re-scored.
pub async fn rescore(
    store: &Store,
    settings: &Settings,
    site: Option<&str>,
) -> Result<u64, CheckError> {
    if let Some(site) = site {
        settings.site(Some(site))?;
    }
    let matchers = Arc::new(site_matchers(settings));
    let mut count = 0;
    let mut after = i64::MIN;
    loop {
        let page = store.ok_answers_after(site, after, RESCORE_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let full = page.len() == RESCORE_PAGE as usize;
        let matchers = Arc::clone(&matchers);
        let scored = off_runtime(move || {
            page.into_iter()
                .filter_map(|answer| {
                    let matcher = matchers.get(&answer.site)?;
                    let extraction = matcher.extract(&answer.text, &answer.provider_citations);
                    Some((answer.id, answer.site, extraction))
                })
                .collect::<Vec<_>>()
        })
        .await;
        for (id, site, extraction) in scored {
            store.replace_extraction(id, &site, &extraction).await?;
            count += 1;
        }
        if !full {
            break;
        }
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicked_task_is_an_internal_error_with_its_message() {
        let joined = tokio::spawn(async { panic!("extraction blew up") }).await;
        let err = task_error(joined.unwrap_err());
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert_eq!(err.kind().exit_code(), 1);
        let message = err.to_string();
        assert!(
            message.starts_with("a check task failed: ") && message.contains("extraction blew up"),
            "{message}"
        );
    }

    #[test]
    fn kinds_of_check_errors() {
        assert_eq!(CheckError::Usage("x".into()).kind(), ErrorKind::Usage);
        let disk_full = CheckError::Store(StoreError::DiskFull("no room".into()));
        assert_eq!(disk_full.kind(), ErrorKind::Unavailable);
        let corrupt = CheckError::Store(StoreError::Corrupt("bad".into()));
        assert_eq!(corrupt.kind(), ErrorKind::Internal);
        let replay = CheckError::from(Recordings::parse("nope\n").unwrap_err());
        assert_eq!(replay.kind(), ErrorKind::Usage);
    }

    /// Compiles only if a run can be spawned on the runtime (a daemon's scheduler will).
    #[allow(dead_code)]
    fn a_run_is_send(
        store: &Store,
        settings: &Settings,
        http: &reqwest::Client,
        cancel: &CancellationToken,
    ) {
        fn send<T: Send>(_: &T) {}
        let env = |_: &str| None;
        let selection = CheckSelection::default();
        let policy = RetryPolicy::default();
        send(&run_checks(
            store, settings, http, &selection, &env, policy, cancel,
        ));
    }
}
