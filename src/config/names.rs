//! Names typed in flags (sites, goals, engines, prompt ids) checked against the ones aivis
//! knows, so that a typo is refused with the known names instead of giving silent zeros. Known
//! sites and goals are the configured ones plus those in the stored history (a report may
//! name a site since removed from the config); known engines are the configured ones. Pure:
//! callers pass the stored names they read.

use std::fmt;
use std::path::Path;

use super::Settings;
use crate::error::{ErrorKind, HasKind};

/// Prompt ids listed in a message at most; beyond that, only their number is given.
const MAX_IDS_LISTED: usize = 20;

/// A name typed in a flag (or a request) that names nothing aivis knows. Its kind is
/// [`ErrorKind::NotFound`]; its message names the known ones. `config` is the config file
/// the settings came from (None: no file was found), for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnknownName {
    /// A site neither configured nor in the stored history (reports, queries, prompt lists).
    Site {
        name: String,
        configured: Vec<String>,
        /// Sites only in the stored history (not configured).
        stored: Vec<String>,
        config: Option<Box<Path>>,
    },
    /// A site that a command needs configured (ingest, prompts add and import, check,
    /// rescore): the stored history does not count.
    ConfiguredSite {
        name: String,
        configured: Vec<String>,
        config: Option<Box<Path>>,
    },
    /// A goal of `site` (of any site when None) neither configured nor with stored
    /// conversions.
    Goal {
        name: String,
        site: Option<String>,
        configured: Vec<String>,
        /// Goals only in the stored conversions (not configured).
        stored: Vec<String>,
        config: Option<Box<Path>>,
    },
    /// An engine that is not configured.
    Engine {
        name: String,
        configured: Vec<String>,
    },
    /// A prompt id that is not among the `active` ones (of `site` when given).
    Prompt {
        id: i64,
        site: Option<String>,
        active: Vec<i64>,
    },
}

impl std::error::Error for UnknownName {}

impl HasKind for UnknownName {
    fn kind(&self) -> ErrorKind {
        ErrorKind::NotFound
    }
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownName::Site {
                name,
                configured,
                stored,
                config,
            } => {
                write!(f, "no site named {name:?}")?;
                match listing(configured, stored, "sites", config) {
                    Some(known) => write!(f, "; {known}"),
                    None => write!(
                        f,
                        ": no [[sites]] are configured in {} and the database has no data yet",
                        config_name(config)
                    ),
                }
            }
            UnknownName::ConfiguredSite {
                name,
                configured,
                config,
            } => write!(
                f,
                "{}: no site named {name:?} (configured: {})",
                config_file(config),
                if configured.is_empty() {
                    "none".to_string()
                } else {
                    configured.join(", ")
                }
            ),
            UnknownName::Goal {
                name,
                site,
                configured,
                stored,
                config,
            } => {
                write!(f, "no goal named {name:?}")?;
                if let Some(site) = site {
                    write!(f, " for site {site}")?;
                }
                match listing(configured, stored, "goals", config) {
                    Some(known) => write!(f, "; {known}"),
                    None => write!(
                        f,
                        ": no goals are configured in {} and no conversions are stored",
                        config_name(config)
                    ),
                }
            }
            UnknownName::Engine { name, configured } => {
                if configured.is_empty() {
                    write!(f, "no engine named {name:?}: no [[engines]] are configured")
                } else {
                    write!(
                        f,
                        "no engine named {name:?}; engines: {}",
                        configured.join(", ")
                    )
                }
            }
            UnknownName::Prompt { id, site, active } => {
                write!(f, "no active prompt {id}")?;
                if let Some(site) = site {
                    write!(f, " for site {site}")?;
                }
                match active.len() {
                    0 => write!(
                        f,
                        ": there are no active prompts (add one with `aivis prompts add`)"
                    ),
                    n if n > MAX_IDS_LISTED => {
                        write!(
                            f,
                            "; there are {n} active prompts (see `aivis prompts list`)"
                        )
                    }
                    _ => {
                        let ids: Vec<String> = active.iter().map(i64::to_string).collect();
                        write!(f, "; active prompts: {}", ids.join(", "))
                    }
                }
            }
        }
    }
}

/// Ok when `name` is a configured site or one with stored history; else the error naming
/// the known sites (or saying there are none).
pub fn check_site(settings: &Settings, name: &str, stored: &[String]) -> Result<(), UnknownName> {
    let configured = site_names(settings);
    if configured.iter().any(|s| s == name) || stored.iter().any(|s| s == name) {
        return Ok(());
    }
    Err(UnknownName::Site {
        name: name.to_string(),
        stored: only_stored(&configured, stored),
        configured,
        config: config_path(settings),
    })
}

/// The error for a site a command needs configured: it names the configured sites.
pub fn unknown_configured_site(settings: &Settings, name: &str) -> UnknownName {
    UnknownName::ConfiguredSite {
        name: name.to_string(),
        configured: site_names(settings),
        config: config_path(settings),
    }
}

/// Ok when `name` is a goal of `site` (of any site when None) in the config or with stored
/// conversions (`stored`: the stored goals of that scope); else the error naming the known
/// goals.
pub fn check_goal(
    settings: &Settings,
    site: Option<&str>,
    name: &str,
    stored: &[String],
) -> Result<(), UnknownName> {
    let mut configured: Vec<String> = Vec::new();
    for goal in settings
        .sites
        .iter()
        .filter(|s| site.is_none_or(|site| s.name == site))
        .flat_map(|s| &s.goals)
    {
        if !configured.contains(&goal.name) {
            configured.push(goal.name.clone());
        }
    }
    if configured.iter().any(|g| g == name) || stored.iter().any(|g| g == name) {
        return Ok(());
    }
    Err(UnknownName::Goal {
        name: name.to_string(),
        site: site.map(str::to_string),
        stored: only_stored(&configured, stored),
        configured,
        config: config_path(settings),
    })
}

/// Ok when `name` is one of the `configured` engines; else [`unknown_engine`]'s error.
pub fn check_engine(configured: &[&str], name: &str) -> Result<(), UnknownName> {
    if configured.contains(&name) {
        Ok(())
    } else {
        Err(unknown_engine(configured, name))
    }
}

/// The error for an engine name that is not among the `configured` ones: it names them.
pub fn unknown_engine(configured: &[&str], name: &str) -> UnknownName {
    UnknownName::Engine {
        name: name.to_string(),
        configured: configured.iter().map(|e| e.to_string()).collect(),
    }
}

/// The error for a prompt id that is not among the `active` ones (of `site` when given): it
/// names the active ids, or their number when there are many.
pub fn unknown_prompt(id: i64, site: Option<&str>, active: &[i64]) -> UnknownName {
    UnknownName::Prompt {
        id,
        site: site.map(str::to_string),
        active: active.to_vec(),
    }
}

/// The config file the settings came from, for messages (boxed: these errors travel inside
/// others and are kept small).
pub(super) fn config_path(settings: &Settings) -> Option<Box<Path>> {
    settings.source.clone().map(|p| p.into_boxed_path())
}

fn site_names(settings: &Settings) -> Vec<String> {
    settings.sites.iter().map(|s| s.name.clone()).collect()
}

/// The `stored` names that are not `configured`, in stored order.
fn only_stored(configured: &[String], stored: &[String]) -> Vec<String> {
    stored
        .iter()
        .filter(|s| !configured.contains(s))
        .cloned()
        .collect()
}

/// `kind: a, b; only in the stored history: c`, or None when nothing is known.
fn listing(
    configured: &[String],
    history: &[String],
    kind: &str,
    config: &Option<Box<Path>>,
) -> Option<String> {
    match (configured.is_empty(), history.is_empty()) {
        (true, true) => None,
        (false, true) => Some(format!("{kind}: {}", configured.join(", "))),
        (false, false) => Some(format!(
            "{kind}: {}; only in the stored history: {}",
            configured.join(", "),
            history.join(", ")
        )),
        (true, false) => Some(format!(
            "none are configured in {}; {kind} in the stored history: {}",
            config_name(config),
            history.join(", ")
        )),
    }
}

/// The config file's name for messages about names.
fn config_name(config: &Option<Box<Path>>) -> String {
    config.as_ref().map_or_else(
        || "the config (no config file was found)".to_string(),
        |path| path.display().to_string(),
    )
}

/// The config file's name in front of a message about the configured sites.
pub(super) fn config_file(config: &Option<Box<Path>>) -> String {
    config.as_ref().map_or_else(
        || "(no config file)".to_string(),
        |path| path.display().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;
    use std::path::Path;

    fn settings() -> Settings {
        let mut settings = parse(
            "[[sites]]\nname = \"acme\"\n\
             [[sites.goals]]\nname = \"purchase\"\npath = \"^/buy\"\nkind = \"macro\"\n\
             [[sites.goals]]\nname = \"newsletter\"\npath = \"^/thanks\"\nkind = \"micro\"\n\
             [[sites]]\nname = \"globex\"\n\
             [[sites.goals]]\nname = \"signup\"\npath = \"^/signup\"\nkind = \"macro\"\n",
            Path::new("aivis.toml"),
        )
        .unwrap();
        settings.source = Some("aivis.toml".into());
        settings
    }

    fn stored(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn sites_are_known_from_the_config_and_the_stored_history() {
        let settings = settings();
        assert_eq!(check_site(&settings, "acme", &[]), Ok(()));
        assert_eq!(check_site(&settings, "old", &stored(&["old"])), Ok(()));
        assert_eq!(
            check_site(&settings, "acmee", &stored(&["acme", "old"]))
                .unwrap_err()
                .to_string(),
            "no site named \"acmee\"; sites: acme, globex; only in the stored history: old"
        );
        assert_eq!(
            check_site(&settings, "acmee", &[]).unwrap_err().to_string(),
            "no site named \"acmee\"; sites: acme, globex"
        );
        let empty = Settings::default();
        assert_eq!(
            check_site(&empty, "acme", &stored(&["old"]))
                .unwrap_err()
                .to_string(),
            "no site named \"acme\"; none are configured in the config (no config file was \
             found); sites in the stored history: old"
        );
        assert_eq!(
            check_site(&empty, "acme", &[]).unwrap_err().to_string(),
            "no site named \"acme\": no [[sites]] are configured in the config (no config file \
             was found) and the database has no data yet"
        );
    }

    #[test]
    fn goals_are_known_per_site_or_across_sites() {
        let settings = settings();
        assert_eq!(
            check_goal(&settings, Some("acme"), "purchse", &[])
                .unwrap_err()
                .to_string(),
            "no goal named \"purchse\" for site acme; goals: purchase, newsletter"
        );
        assert!(check_goal(&settings, Some("acme"), "signup", &[]).is_err());
        assert_eq!(check_goal(&settings, None, "signup", &[]), Ok(()));
        assert_eq!(
            check_goal(&settings, None, "x", &stored(&["trial"]))
                .unwrap_err()
                .to_string(),
            "no goal named \"x\"; goals: purchase, newsletter, signup; only in the stored \
             history: trial"
        );
        assert_eq!(
            check_goal(&settings, Some("old"), "trial", &stored(&["trial"])),
            Ok(())
        );
        assert_eq!(
            check_goal(&settings, Some("old"), "x", &[])
                .unwrap_err()
                .to_string(),
            "no goal named \"x\" for site old: no goals are configured in aivis.toml and no \
             conversions are stored"
        );
    }

    #[test]
    fn unknown_names_are_not_found_and_carry_the_known_ones() {
        let settings = settings();
        let err = check_site(&settings, "acmee", &stored(&["acme", "old"])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(
            err,
            UnknownName::Site {
                name: "acmee".into(),
                configured: stored(&["acme", "globex"]),
                stored: stored(&["old"]),
                config: Some(Path::new("aivis.toml").into()),
            }
        );
        let configured = unknown_configured_site(&settings, "acmee");
        assert_eq!(configured.kind(), ErrorKind::NotFound);
        assert_eq!(
            configured.to_string(),
            "aivis.toml: no site named \"acmee\" (configured: acme, globex)"
        );
        assert_eq!(
            unknown_configured_site(&Settings::default(), "acme").to_string(),
            "(no config file): no site named \"acme\" (configured: none)"
        );
        assert_eq!(unknown_prompt(1, None, &[]).kind(), ErrorKind::NotFound);
    }

    #[test]
    fn engines_are_the_configured_ones() {
        assert_eq!(check_engine(&["gpt", "claude"], "gpt"), Ok(()));
        assert_eq!(
            check_engine(&["gpt", "claude"], "gtp")
                .unwrap_err()
                .to_string(),
            "no engine named \"gtp\"; engines: gpt, claude"
        );
        assert_eq!(
            check_engine(&[], "gpt").unwrap_err().to_string(),
            "no engine named \"gpt\": no [[engines]] are configured"
        );
    }

    #[test]
    fn unknown_prompts_name_the_active_ids_or_their_number() {
        assert_eq!(
            unknown_prompt(9, None, &[1, 2, 5]).to_string(),
            "no active prompt 9; active prompts: 1, 2, 5"
        );
        assert_eq!(
            unknown_prompt(9, Some("acme"), &[]).to_string(),
            "no active prompt 9 for site acme: there are no active prompts (add one with \
             `aivis prompts add`)"
        );
        let many: Vec<i64> = (1..=21).collect();
        assert_eq!(
            unknown_prompt(99, None, &many).to_string(),
            "no active prompt 99; there are 21 active prompts (see `aivis prompts list`)"
        );
    }
}
