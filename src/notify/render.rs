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

/// Renders template `name` with `view`.
pub fn render(name: &str, view: &impl Serialize) -> Result<String, RenderError> {
    Ok(environment()
        .get_template(name)?
        .render(minijinja::value::Serde(view))?)
}

/// `text` cut to `max` characters, with `…` when cut; control characters become spaces.
pub fn cap(text: &str, max: usize) -> String {
    let clean: String = text
        .chars()
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
