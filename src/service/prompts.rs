//! The tracked-prompt operations: list, add, remove and import prompts, and re-score the
//! stored answers. Sites, engines and prompt ids are checked against the settings and the
//! store first, so a typo is refused naming the known ones; an import file is checked whole
//! before its first row is stored. Reading the import file is the caller's job; the
//! operation takes its bytes.

use super::{App, ServiceError};
use crate::checks::prompts::{NewPrompt, check_engines, clean_tags, clean_text, read_csv};
use crate::config::{Settings, names};
use crate::day::now_unix;
use crate::store::{Added, PromptRow};

/// The tracked prompts of `site` (of every site when None; a site with stored history
/// counts), the removed ones too when `all`.
pub async fn list_prompts(
    app: &App,
    site: Option<&str>,
    all: bool,
) -> Result<Vec<PromptRow>, ServiceError> {
    if let Some(site) = site {
        let stored = app.store().stored_sites().await?;
        names::check_site(app.settings(), site, &stored)?;
    }
    Ok(app.store().prompts(site, all).await?)
}

/// A prompt to track.
#[derive(Debug, Clone, Default)]
pub struct AddPrompt {
    /// The configured site (None: the only one).
    pub site: Option<String>,
    pub text: String,
    pub tags: Vec<String>,
    /// The engines to ask (none: every configured engine).
    pub engines: Vec<String>,
}

/// A prompt that is tracked now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedPrompt {
    pub id: i64,
    pub site: String,
    /// True when the prompt had been removed and is tracked again.
    pub reactivated: bool,
}

/// Adds a prompt to a configured site. Refused: an empty or overlong text, a bad tag (usage),
/// an unknown site or engine (not found), a prompt the site already tracks (usage, naming its
/// id).
pub async fn add_prompt(app: &App, request: AddPrompt) -> Result<AddedPrompt, ServiceError> {
    let settings = app.settings();
    let site = settings.site(request.site.as_deref())?;
    let prompt = NewPrompt {
        text: clean_text(&request.text)?,
        tags: clean_tags(&request.tags)?,
        engines: check_engines(&request.engines, &engine_names(settings))?,
    };
    let added = app
        .store()
        .add_prompt(&site.name, &prompt, now_unix())
        .await?;
    let (id, reactivated) = match added {
        Added::New(id) => (id, false),
        Added::Reactivated(id) => (id, true),
        Added::Duplicate(id) => {
            return Err(ServiceError::DuplicatePrompt {
                id,
                site: site.name.clone(),
                text: prompt.text,
            });
        }
    };
    Ok(AddedPrompt {
        id,
        site: site.name.clone(),
        reactivated,
    })
}

/// Stops tracking prompt `id` (its stored answers stay); not found, naming the active ids,
/// when no active prompt has it.
pub async fn remove_prompt(app: &App, id: i64) -> Result<(), ServiceError> {
    if app.store().remove_prompt(id).await? {
        return Ok(());
    }
    let active: Vec<i64> = app
        .store()
        .prompts(None, false)
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    Err(names::unknown_prompt(id, None, &active).into())
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    pub added: u64,
    pub reactivated: u64,
    /// Rows the site already tracks (skipped).
    pub duplicates: u64,
}

/// Imports the prompts of a CSV file (`text[,tags[,engines]]` with a header; see
/// [`read_csv`]) into a configured site (None: the only one). Every row is checked before the
/// first is stored: a bad file imports nothing ([`ServiceError::Import`] names the line).
pub async fn import_prompts(
    app: &App,
    site: Option<&str>,
    csv: &[u8],
) -> Result<Imported, ServiceError> {
    let settings = app.settings();
    let site = settings.site(site)?;
    let prompts = read_csv(csv, &engine_names(settings))?;
    let mut imported = Imported::default();
    for prompt in &prompts {
        match app
            .store()
            .add_prompt(&site.name, prompt, now_unix())
            .await?
        {
            Added::New(_) => imported.added += 1,
            Added::Reactivated(_) => imported.reactivated += 1,
            Added::Duplicate(_) => imported.duplicates += 1,
        }
    }
    Ok(imported)
}

/// Recomputes the mentions and citations of every stored ok answer (of one configured site,
/// or all) with the brand and competitors configured now; returns how many were re-scored.
pub async fn rescore(app: &App, site: Option<&str>) -> Result<u64, ServiceError> {
    Ok(crate::checks::run::rescore(app.store(), app.settings(), site).await?)
}

fn engine_names(settings: &Settings) -> Vec<&str> {
    settings.engines.iter().map(|e| e.name.as_str()).collect()
}
