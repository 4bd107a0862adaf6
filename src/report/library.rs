//! The query library: the SQL files under `queries/`, embedded at build time. They are both
//! the reports the CLI prints and the analyst's library, so they use only SQL that runs
//! unchanged on SQLite and PostgreSQL, with named parameters written `:name`.
//!
//! A file declares its parameters in a header line `-- params: site, from, to`. Before
//! running, each `:name` placeholder is rewritten to `CAST($n AS TEXT)` (numbered by first
//! appearance) and every value is bound, never spliced into the SQL text. Parameters are
//! text: the cast gives PostgreSQL a type even for a NULL, and a query that wants a number
//! writes `CAST(:name AS BIGINT)`.

/// A query file: its name (file stem), text, and declared parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryFile {
    pub name: String,
    pub text: String,
    pub params: Vec<String>,
}

/// The files in `queries/`, by name.
pub const LIBRARY: &[(&str, &str)] = &[
    (
        "conversions_by_channel",
        include_str!("../../queries/conversions_by_channel.sql"),
    ),
    (
        "conversions_by_source",
        include_str!("../../queries/conversions_by_source.sql"),
    ),
    (
        "ai_vs_search",
        include_str!("../../queries/ai_vs_search.sql"),
    ),
    (
        "leaders_by_prompt",
        include_str!("../../queries/leaders_by_prompt.sql"),
    ),
    ("answer_days", include_str!("../../queries/answer_days.sql")),
    (
        "traffic_days",
        include_str!("../../queries/traffic_days.sql"),
    ),
    (
        "daily_sessions_by_channel",
        include_str!("../../queries/daily_sessions_by_channel.sql"),
    ),
    (
        "top_landing_pages_ai",
        include_str!("../../queries/top_landing_pages_ai.sql"),
    ),
    (
        "crawlers_by_agent",
        include_str!("../../queries/crawlers_by_agent.sql"),
    ),
    (
        "crawlers_by_purpose",
        include_str!("../../queries/crawlers_by_purpose.sql"),
    ),
    (
        "crawlers_by_path",
        include_str!("../../queries/crawlers_by_path.sql"),
    ),
    ("ai_pages", include_str!("../../queries/ai_pages.sql")),
    ("referrers", include_str!("../../queries/referrers.sql")),
    (
        "mentions_by_engine",
        include_str!("../../queries/mentions_by_engine.sql"),
    ),
    (
        "mentions_by_prompt",
        include_str!("../../queries/mentions_by_prompt.sql"),
    ),
    (
        "mentions_by_entity",
        include_str!("../../queries/mentions_by_entity.sql"),
    ),
    (
        "citations_by_domain",
        include_str!("../../queries/citations_by_domain.sql"),
    ),
    (
        "citations_by_engine",
        include_str!("../../queries/citations_by_engine.sql"),
    ),
    (
        "visibility_by_prompt",
        include_str!("../../queries/visibility_by_prompt.sql"),
    ),
    (
        "rollup_check",
        include_str!("../../queries/rollup_check.sql"),
    ),
];

/// The names of the library's queries, in [`LIBRARY`]'s order.
pub fn names() -> Vec<&'static str> {
    LIBRARY.iter().map(|(name, _)| *name).collect()
}

impl QueryFile {
    /// Builds a query file from its text, reading the `-- params:` header.
    pub fn parse(name: &str, text: &str) -> QueryFile {
        let params = text
            .lines()
            .take_while(|l| l.trim_start().starts_with("--") || l.trim().is_empty())
            .find_map(|l| {
                l.trim_start()
                    .trim_start_matches('-')
                    .trim()
                    .strip_prefix("params:")
            })
            .map(|list| {
                list.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        QueryFile {
            name: name.to_string(),
            text: text.to_string(),
            params,
        }
    }

    /// The library query called `name`.
    pub fn named(name: &str) -> Option<QueryFile> {
        LIBRARY
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| QueryFile::parse(n, text))
    }

    /// The first line of the header comment: what the query answers.
    pub fn summary(&self) -> String {
        self.text
            .lines()
            .next()
            .map(|l| l.trim_start_matches('-').trim().to_string())
            .unwrap_or_default()
    }
}

/// The SQL with `:name` placeholders rewritten to `$n`, and the parameter name of each `$n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub sql: String,
    pub order: Vec<String>,
}

/// Rewrites `:name` placeholders outside string literals, quoted identifiers and comments.
/// `::` (a PostgreSQL cast) is left alone.
pub fn prepare(text: &str) -> Prepared {
    let bytes = text.as_bytes();
    let mut sql = String::with_capacity(text.len());
    let mut order: Vec<String> = Vec::new();
    let mut i = 0;
    let mut copied = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' => i = skip_quoted(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = memchr_or_end(bytes, i, b'\n');
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes
                .get(i + 1)
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_') =>
            {
                let end = ident_end(bytes, i + 1);
                let name = &text[i + 1..end];
                let index = match order.iter().position(|n| n == name) {
                    Some(pos) => pos + 1,
                    None => {
                        order.push(name.to_string());
                        order.len()
                    }
                };
                sql.push_str(&text[copied..i]);
                sql.push_str(&format!("CAST(${index} AS TEXT)"));
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    sql.push_str(&text[copied..]);
    Prepared { sql, order }
}

fn skip_quoted(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    i
}

fn memchr_or_end(bytes: &[u8], start: usize, needle: u8) -> usize {
    memchr::memchr(needle, &bytes[start..]).map_or(bytes.len(), |p| start + p)
}

fn ident_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_by_first_appearance() {
        let p = prepare(
            "SELECT * FROM t WHERE (:site IS NULL OR site = :site) \
             AND day >= :from",
        );
        assert_eq!(
            p.sql,
            "SELECT * FROM t WHERE (CAST($1 AS TEXT) IS NULL OR site = CAST($1 AS TEXT)) \
             AND day >= CAST($2 AS TEXT)"
        );
        assert_eq!(p.order, vec!["site", "from"]);
    }

    #[test]
    fn literals_comments_and_casts_are_untouched() {
        let p = prepare("SELECT ':no', \":no\", x::text -- :no\nFROM t WHERE a = :yes");
        assert_eq!(
            p.sql,
            "SELECT ':no', \":no\", x::text -- :no\nFROM t WHERE a = CAST($1 AS TEXT)"
        );
        assert_eq!(p.order, vec!["yes"]);
    }

    #[test]
    fn every_library_file_exists_and_declares_its_parameters() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| {
                let path = e.ok()?.path();
                if path.extension()? != "sql" {
                    return None;
                }
                Some(path.file_stem()?.to_str()?.to_string())
            })
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = LIBRARY.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(
            on_disk, listed,
            "queries/ and LIBRARY must list the same files"
        );
        for (name, text) in LIBRARY {
            let file = QueryFile::parse(name, text);
            let used = prepare(text).order;
            for param in &used {
                assert!(
                    file.params.contains(param),
                    "{name}: :{param} is not declared"
                );
            }
            assert!(!file.summary().is_empty(), "{name}: needs a header comment");
        }
    }
}
