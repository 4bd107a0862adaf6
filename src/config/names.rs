//! Names typed in flags (sites, goals, engines, prompt ids) checked against the ones aivis
//! knows, so that a typo is refused with the known names instead of giving silent zeros. Known
//! sites and goals are the configured ones plus those in the stored history (a report may
//! name a site since removed from the config); known engines are the configured ones. Pure:
//! callers pass the stored names they read.

use super::Settings;

/// Prompt ids listed in a message at most; beyond that, only their number is given.
const MAX_IDS_LISTED: usize = 20;

/// Ok when `name` is a configured site or one with stored history; else a message naming
/// the known sites (or saying there are none).
pub fn check_site(settings: &Settings, name: &str, stored: &[String]) -> Result<(), String> {
    let configured: Vec<&str> = settings.sites.iter().map(|s| s.name.as_str()).collect();
    if configured.contains(&name) || stored.iter().any(|s| s == name) {
        return Ok(());
    }
    let head = format!("no site named {name:?}");
    Err(
        match listing(&configured, stored, "sites", &config_name(settings)) {
            Some(known) => format!("{head}; {known}"),
            None => format!(
                "{head}: no [[sites]] are configured in {} and the database has no data yet",
                config_name(settings)
            ),
        },
    )
}

/// Ok when `name` is a goal of `site` (of any site when None) in the config or with stored
/// conversions (`stored`: the stored goals of that scope); else a message naming the known
/// goals.
pub fn check_goal(
    settings: &Settings,
    site: Option<&str>,
    name: &str,
    stored: &[String],
) -> Result<(), String> {
    let mut configured: Vec<&str> = Vec::new();
    for goal in settings
        .sites
        .iter()
        .filter(|s| site.is_none_or(|site| s.name == site))
        .flat_map(|s| &s.goals)
    {
        if !configured.contains(&goal.name.as_str()) {
            configured.push(&goal.name);
        }
    }
    if configured.contains(&name) || stored.iter().any(|g| g == name) {
        return Ok(());
    }
    let scope = site.map(|s| format!(" for site {s}")).unwrap_or_default();
    let head = format!("no goal named {name:?}{scope}");
    Err(
        match listing(&configured, stored, "goals", &config_name(settings)) {
            Some(known) => format!("{head}; {known}"),
            None => format!(
                "{head}: no goals are configured in {} and no conversions are stored",
                config_name(settings)
            ),
        },
    )
}

/// Ok when `name` is one of the `configured` engines; else [`unknown_engine`]'s message.
pub fn check_engine(configured: &[&str], name: &str) -> Result<(), String> {
    if configured.contains(&name) {
        Ok(())
    } else {
        Err(unknown_engine(configured, name))
    }
}

/// The message for an engine name that is not among the `configured` ones: it names them.
pub fn unknown_engine(configured: &[&str], name: &str) -> String {
    if configured.is_empty() {
        format!("no engine named {name:?}: no [[engines]] are configured")
    } else {
        format!(
            "no engine named {name:?}; engines: {}",
            configured.join(", ")
        )
    }
}

/// The message for a prompt id that is not among the `active` ones (of `site` when given):
/// the active ids, or their number when there are many.
pub fn unknown_prompt(id: i64, site: Option<&str>, active: &[i64]) -> String {
    let scope = site.map(|s| format!(" for site {s}")).unwrap_or_default();
    let head = format!("no active prompt {id}{scope}");
    match active.len() {
        0 => format!("{head}: there are no active prompts (add one with `aivis prompts add`)"),
        n if n > MAX_IDS_LISTED => {
            format!("{head}; there are {n} active prompts (see `aivis prompts list`)")
        }
        _ => {
            let ids: Vec<String> = active.iter().map(i64::to_string).collect();
            format!("{head}; active prompts: {}", ids.join(", "))
        }
    }
}

/// `kind: a, b; only in the stored history: c`, or None when nothing is known.
fn listing(configured: &[&str], stored: &[String], kind: &str, config: &str) -> Option<String> {
    let history: Vec<&str> = stored
        .iter()
        .map(String::as_str)
        .filter(|s| !configured.contains(s))
        .collect();
    match (configured.is_empty(), history.is_empty()) {
        (true, true) => None,
        (false, true) => Some(format!("{kind}: {}", configured.join(", "))),
        (false, false) => Some(format!(
            "{kind}: {}; only in the stored history: {}",
            configured.join(", "),
            history.join(", ")
        )),
        (true, false) => Some(format!(
            "none are configured in {config}; {kind} in the stored history: {}",
            history.join(", ")
        )),
    }
}

/// The config file's name for messages.
fn config_name(settings: &Settings) -> String {
    settings.source.as_ref().map_or_else(
        || "the config (no config file was found)".to_string(),
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
            check_site(&settings, "acmee", &stored(&["acme", "old"])).unwrap_err(),
            "no site named \"acmee\"; sites: acme, globex; only in the stored history: old"
        );
        assert_eq!(
            check_site(&settings, "acmee", &[]).unwrap_err(),
            "no site named \"acmee\"; sites: acme, globex"
        );
        let empty = Settings::default();
        assert_eq!(
            check_site(&empty, "acme", &stored(&["old"])).unwrap_err(),
            "no site named \"acme\"; none are configured in the config (no config file was \
             found); sites in the stored history: old"
        );
        assert_eq!(
            check_site(&empty, "acme", &[]).unwrap_err(),
            "no site named \"acme\": no [[sites]] are configured in the config (no config file \
             was found) and the database has no data yet"
        );
    }

    #[test]
    fn goals_are_known_per_site_or_across_sites() {
        let settings = settings();
        assert_eq!(
            check_goal(&settings, Some("acme"), "purchse", &[]).unwrap_err(),
            "no goal named \"purchse\" for site acme; goals: purchase, newsletter"
        );
        assert!(check_goal(&settings, Some("acme"), "signup", &[]).is_err());
        assert_eq!(check_goal(&settings, None, "signup", &[]), Ok(()));
        assert_eq!(
            check_goal(&settings, None, "x", &stored(&["trial"])).unwrap_err(),
            "no goal named \"x\"; goals: purchase, newsletter, signup; only in the stored \
             history: trial"
        );
        assert_eq!(
            check_goal(&settings, Some("old"), "trial", &stored(&["trial"])),
            Ok(())
        );
        assert_eq!(
            check_goal(&settings, Some("old"), "x", &[]).unwrap_err(),
            "no goal named \"x\" for site old: no goals are configured in aivis.toml and no \
             conversions are stored"
        );
    }

    #[test]
    fn engines_are_the_configured_ones() {
        assert_eq!(check_engine(&["gpt", "claude"], "gpt"), Ok(()));
        assert_eq!(
            check_engine(&["gpt", "claude"], "gtp").unwrap_err(),
            "no engine named \"gtp\"; engines: gpt, claude"
        );
        assert_eq!(
            check_engine(&[], "gpt").unwrap_err(),
            "no engine named \"gpt\": no [[engines]] are configured"
        );
    }

    #[test]
    fn unknown_prompts_name_the_active_ids_or_their_number() {
        assert_eq!(
            unknown_prompt(9, None, &[1, 2, 5]),
            "no active prompt 9; active prompts: 1, 2, 5"
        );
        assert_eq!(
            unknown_prompt(9, Some("acme"), &[]),
            "no active prompt 9 for site acme: there are no active prompts (add one with \
             `aivis prompts add`)"
        );
        let many: Vec<i64> = (1..=21).collect();
        assert_eq!(
            unknown_prompt(99, None, &many),
            "no active prompt 99; there are 21 active prompts (see `aivis prompts list`)"
        );
    }
}
