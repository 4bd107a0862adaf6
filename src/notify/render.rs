//! The mail templates (minijinja, compiled into the binary) and rendering them. Templates
//! named `*.html` escape every value by default, so text from logs and AI answers is shown,
//! never interpreted; `*.txt` templates are plain text. Views are plain serde structs; [`cap`]
//! shortens untrusted text before it goes in one.

use std::sync::OnceLock;

use minijinja::Environment;
use serde::Serialize;

/// Why a template could not be rendered (a bug in a template: its name and line).
#[derive(Debug, thiserror::Error)]
#[error("cannot render mail template: {0:#}")]
pub struct RenderError(#[from] minijinja::Error);

const TEMPLATES: [(&str, &str); 5] = [
    ("layout.html", include_str!("templates/layout.html")),
    ("alerts.html", include_str!("templates/alerts.html")),
    ("alerts.txt", include_str!("templates/alerts.txt")),
    ("digest.html", include_str!("templates/digest.html")),
    ("digest.txt", include_str!("templates/digest.txt")),
];

fn environment() -> &'static Environment<'static> {
    static ENVIRONMENT: OnceLock<Environment<'static>> = OnceLock::new();
    ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // A block tag on a line of its own leaves no blank line behind.
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .expect("the default delimiters are valid");
        env.set_syntax(syntax);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|err| panic!("template {name} does not compile: {err:#}"));
        }
        env
    })
}

/// What `layout.html` shows around every mail: the title, the hidden preview line, the site
/// and the period. Views embed it with `#[serde(flatten)]`.
#[derive(Debug, Serialize)]
pub struct Frame {
    pub title: String,
    pub preheader: String,
    pub site: String,
    pub period: String,
}

/// Renders template `name` with `view`.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, RenderError> {
    Ok(environment()
        .get_template(name)?
        .render(minijinja::value::Serde(view))?)
}

/// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): text from a log
/// or an answer could use them to make what follows read backwards.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` cut to `max` characters, with `…` when cut; control characters become spaces and
/// bidi overrides and isolates are dropped (they could make a path read backwards).
pub fn cap(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= max {
        return clean;
    }
    let mut cut: String = clean.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            environment().get_template(name).unwrap();
        }
    }
}
