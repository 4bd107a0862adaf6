//! The statement check `aivis query` runs before any SQL reaches the database (pure, no I/O):
//! a small SQL tokenizer that knows `'…'` strings (and PostgreSQL's `E'…'`), `"…"`, `` `…` ``
//! and `[…]` identifiers, `$tag$…$tag$` dollar quoting and `--` / `/* */` comments, so that it
//! can split a file into statements on `;` and find the first keyword of each.
//!
//! It is defence in depth, not the boundary: the store runs every query on a read-only
//! connection that refuses writes and the secret table by itself (see `store::query`). This
//! check refuses the common cases early and names what it refused: more than one statement, a
//! statement that does not start with `SELECT`, `WITH`, `VALUES` or `TABLE` (or that holds a
//! data-modifying statement in parentheses, as a `WITH` may), a mention of `day_salts`. Anything it cannot read unambiguously on both backends (an unterminated quote,
//! a nested comment, a `U&"…"` identifier) is refused rather than guessed at.

use crate::store::SECRET_TABLE;

/// The rule every refusal of an `aivis query` statement starts with.
pub const READ_ONLY_RULE: &str =
    "aivis query runs one read-only statement (SELECT/WITH/VALUES/TABLE)";

/// Keywords that start a data-modifying statement, refused also inside parentheses.
const WRITES: &[&str] = &["INSERT", "UPDATE", "DELETE", "MERGE"];

/// Why a query file is not one read-only statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatementError {
    #[error("{}; refused: an empty query", READ_ONLY_RULE)]
    Empty,
    #[error("{}; refused: more than one statement", READ_ONLY_RULE)]
    MoreThanOne,
    /// The statement starts with another keyword (given in upper case) or with no keyword.
    #[error("{}; refused: {}", READ_ONLY_RULE, .0)]
    NotAQuery(String),
    /// The statement names the secret table.
    #[error("{} is secret and cannot be queried", SECRET_TABLE)]
    Secret,
    /// Text the check will not guess about.
    #[error("{}; refused: {}", READ_ONLY_RULE, .0)]
    Unreadable(&'static str),
}

/// Checks that `sql` holds exactly one statement that starts with `SELECT`, `WITH`, `VALUES`
/// or `TABLE` (case-insensitive, after comments, whitespace and opening parentheses) and does
/// not name the secret table. Returns that statement: from its first token to its last, without
/// the comments around it or a trailing `;`.
pub fn single_query(sql: &str) -> Result<&str, StatementError> {
    let tokens = tokenize(sql)?;
    let mut found: Option<&[Token]> = None;
    for statement in tokens.split(|t| t.kind == Kind::Semicolon) {
        if statement.is_empty() {
            continue;
        }
        if found.is_some() {
            return Err(StatementError::MoreThanOne);
        }
        found = Some(statement);
    }
    let statement = found.ok_or(StatementError::Empty)?;
    let first =
        statement
            .iter()
            .find(|t| t.kind != Kind::OpenParen)
            .ok_or(StatementError::NotAQuery(
                "a statement without a keyword".to_string(),
            ))?;
    let keyword = match first.kind {
        Kind::Word => sql[first.start..first.end].to_ascii_uppercase(),
        _ => {
            return Err(StatementError::NotAQuery(
                "a statement that does not start with a keyword".to_string(),
            ));
        }
    };
    if !matches!(keyword.as_str(), "SELECT" | "WITH" | "VALUES" | "TABLE") {
        return Err(StatementError::NotAQuery(keyword));
    }
    // A data-modifying statement in parentheses: `WITH d AS (DELETE … RETURNING …) SELECT …`.
    for pair in statement.windows(2) {
        if pair[0].kind == Kind::OpenParen && pair[1].kind == Kind::Word {
            let word = sql[pair[1].start..pair[1].end].to_ascii_uppercase();
            if WRITES.contains(&word.as_str()) {
                return Err(StatementError::NotAQuery(word));
            }
        }
    }
    if statement.iter().any(|t| names_secret(sql, t)) {
        return Err(StatementError::Secret);
    }
    let start = statement[0].start;
    let end = statement[statement.len() - 1].end;
    Ok(&sql[start..end])
}

/// Whether a word or quoted identifier is the secret table's name (compared without case:
/// SQLite ignores it even in quotes).
fn names_secret(sql: &str, token: &Token) -> bool {
    match &token.kind {
        Kind::Word => sql[token.start..token.end].eq_ignore_ascii_case(SECRET_TABLE),
        Kind::QuotedIdent(name) => name.eq_ignore_ascii_case(SECRET_TABLE),
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A keyword or unquoted identifier.
    Word,
    /// A quoted identifier, unescaped.
    QuotedIdent(String),
    /// A string, a dollar-quoted string, a number or a parameter.
    Literal,
    Semicolon,
    OpenParen,
    /// Any other punctuation.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The tokens of `sql`, comments and whitespace dropped.
fn tokenize(sql: &str) -> Result<Vec<Token>, StatementError> {
    let b = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = match c {
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(b, i)?;
                continue;
            }
            b'\'' => {
                i = quoted_end(b, i, b'\'', false)?;
                Kind::Literal
            }
            b'"' | b'`' => {
                i = quoted_end(b, i, c, false)?;
                let quote = if c == b'"' { "\"" } else { "`" };
                Kind::QuotedIdent(sql[start + 1..i - 1].replace(&quote.repeat(2), quote))
            }
            b'[' => match bracket_ident_end(b, i) {
                Some(end) => {
                    i = end;
                    Kind::QuotedIdent(sql[start + 1..end - 1].to_string())
                }
                None => {
                    i += 1;
                    Kind::Other
                }
            },
            b'$' => {
                i = dollar_end(b, i)?;
                Kind::Literal
            }
            b';' => {
                i += 1;
                Kind::Semicolon
            }
            b'(' => {
                i += 1;
                Kind::OpenParen
            }
            b'0'..=b'9' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    i += 1;
                }
                Kind::Literal
            }
            _ if is_word_start(c) => {
                while i < b.len() && is_word_char(b[i]) {
                    i += 1;
                }
                let word = &sql[start..i];
                match b.get(i) {
                    // PostgreSQL's escape strings: E'it\'s'.
                    Some(b'\'') if word.eq_ignore_ascii_case("e") => {
                        i = quoted_end(b, i, b'\'', true)?;
                        Kind::Literal
                    }
                    Some(b'&') if word.eq_ignore_ascii_case("u") && b.get(i + 1) == Some(&b'"') => {
                        return Err(StatementError::Unreadable(
                            "a unicode-escaped identifier (U&\"…\")",
                        ));
                    }
                    _ => Kind::Word,
                }
            }
            _ => {
                // One character (a whole UTF-8 sequence never starts here: bytes >= 0x80
                // start words).
                i += 1;
                Kind::Other
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(tokens)
}

/// The end of a `/* … */` comment starting at `start`. A nested `/*` is refused: PostgreSQL
/// nests comments and SQLite does not, so the two would read the text differently.
fn block_comment_end(b: &[u8], start: usize) -> Result<usize, StatementError> {
    let mut i = start + 2;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'*', b'/') => return Ok(i + 2),
            (b'/', b'*') => return Err(StatementError::Unreadable("a nested /* comment")),
            _ => i += 1,
        }
    }
    Err(StatementError::Unreadable("an unterminated /* comment"))
}

/// The end (one past the closing quote) of a quoted run starting at `start`; a doubled quote
/// stands for itself, and with `backslash` so does `\` followed by any character.
fn quoted_end(b: &[u8], start: usize, quote: u8, backslash: bool) -> Result<usize, StatementError> {
    let mut i = start + 1;
    while i < b.len() {
        if backslash && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        i += 1;
    }
    Err(StatementError::Unreadable("an unterminated quote"))
}

/// SQLite's `[identifier]`, when what follows `[` up to the next `]` holds no quote: otherwise
/// (`a['x]']` in PostgreSQL) the bracket is an array subscript, read as punctuation.
fn bracket_ident_end(b: &[u8], start: usize) -> Option<usize> {
    let close = memchr::memchr(b']', &b[start..])? + start;
    let inner = &b[start + 1..close];
    if inner
        .iter()
        .any(|c| matches!(c, b'\'' | b'"' | b'`' | b'$'))
    {
        return None;
    }
    Some(close + 1)
}

/// The end of what starts with `$`: a `$tag$…$tag$` string, or a parameter (`$1`, `$name`).
fn dollar_end(b: &[u8], start: usize) -> Result<usize, StatementError> {
    let mut i = start + 1;
    if b.get(i).is_some_and(u8::is_ascii_digit) {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        return Ok(i);
    }
    if b.get(i).is_some_and(|&c| is_word_start(c)) {
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
            i += 1;
        }
    }
    if b.get(i) != Some(&b'$') {
        // `$name`: a SQLite parameter (or a lone `$`).
        return Ok(i.max(start + 1));
    }
    let tag = &b[start..=i];
    let body = i + 1;
    memchr::memmem::find(&b[body..], tag)
        .map(|p| body + p + tag.len())
        .ok_or(StatementError::Unreadable("an unterminated $$ string"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::library::{LIBRARY, prepare};

    fn refused(sql: &str) -> StatementError {
        single_query(sql).expect_err(sql)
    }

    #[test]
    fn one_query_is_returned_without_comments_or_semicolon() {
        assert_eq!(single_query("SELECT 1").unwrap(), "SELECT 1");
        assert_eq!(
            single_query("-- header; with a semicolon\n/* c; */ select 1 ;\n-- end;\n").unwrap(),
            "select 1"
        );
        assert_eq!(
            single_query("((SELECT 1)) UNION ALL (SELECT 2);;").unwrap(),
            "((SELECT 1)) UNION ALL (SELECT 2)"
        );
        for sql in [
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "values (1), (2)",
            "TABLE sessions",
            "SELECT ';', \"a;b\", `c;d`, [e;f] FROM t",
            "SELECT 'it''s; fine', $$a;b$$, $q$ $$; $q$, E'\\'; still a string'",
            "SELECT a -- ; not a split\n FROM t",
            "SELECT CAST($1 AS TEXT), $2, ?, :x, a$b FROM t",
            "SELECT x::text, 1e-5, 0.5 FROM t",
            "SELECT arr[1], arr['x]'] FROM t",
        ] {
            assert_eq!(single_query(sql).unwrap(), sql, "{sql}");
        }
    }

    #[test]
    fn more_than_one_statement_is_refused() {
        for sql in [
            "SELECT 1; DELETE FROM conversions;",
            "SELECT 1;SELECT 2",
            "SELECT ';' ; DROP TABLE x",
            "SELECT $$;$$; UPDATE sessions SET pageviews = 0",
            "SELECT 1 /* ; */; -- ;\n DELETE FROM x",
            "SELECT E'\\';' ; DELETE FROM x",
            "SELECT \"a\"\"; \" ; DELETE FROM x",
        ] {
            assert_eq!(refused(sql), StatementError::MoreThanOne, "{sql}");
        }
        let message = StatementError::MoreThanOne.to_string();
        assert!(message.starts_with(READ_ONLY_RULE), "{message}");
        assert!(
            message.ends_with("refused: more than one statement"),
            "{message}"
        );
    }

    #[test]
    fn statements_that_are_not_queries_are_refused_by_keyword() {
        for (sql, keyword) in [
            ("DELETE FROM sessions", "DELETE"),
            ("  update sessions SET pageviews = 0", "UPDATE"),
            ("/* hi */ insert into x values (1)", "INSERT"),
            ("DROP TABLE day_x", "DROP"),
            ("CREATE TABLE x (a int)", "CREATE"),
            ("ATTACH DATABASE 'evil.db' AS evil", "ATTACH"),
            ("VACUUM INTO '/tmp/copy.db'", "VACUUM"),
            ("PRAGMA writable_schema = 1", "PRAGMA"),
            ("COPY (SELECT 1) TO PROGRAM 'touch x'", "COPY"),
            ("EXPLAIN SELECT 1", "EXPLAIN"),
            ("(DELETE FROM x)", "DELETE"),
            (
                "WITH d AS (DELETE FROM sessions RETURNING 1) SELECT * FROM d",
                "DELETE",
            ),
            (
                "WITH d AS MATERIALIZED ( update s SET a = 1 RETURNING a) SELECT 1",
                "UPDATE",
            ),
            (
                "SELECT * FROM ((insert into x values (1) returning *)) y",
                "INSERT",
            ),
            ("BEGIN", "BEGIN"),
        ] {
            assert_eq!(
                refused(sql),
                StatementError::NotAQuery(keyword.to_string()),
                "{sql}"
            );
        }
        assert_eq!(
            refused("DELETE FROM sessions").to_string(),
            format!("{READ_ONLY_RULE}; refused: DELETE")
        );
        assert!(matches!(refused("'x'"), StatementError::NotAQuery(_)));
        assert!(matches!(refused("(("), StatementError::NotAQuery(_)));
    }

    #[test]
    fn empty_files_are_refused() {
        for sql in ["", "  \n", "-- only a comment\n", ";;", "/* */ ;"] {
            assert_eq!(refused(sql), StatementError::Empty, "{sql:?}");
        }
    }

    #[test]
    fn the_secret_table_is_refused_however_it_is_spelled() {
        for sql in [
            "SELECT * FROM day_salts",
            "SELECT salt FROM DAY_SALTS",
            "SELECT * FROM main.day_salts",
            "SELECT * FROM \"day_salts\"",
            "SELECT * FROM `Day_Salts`",
            "SELECT * FROM [day_salts]",
            "WITH s AS (SELECT * FROM day_salts) SELECT count(*) FROM s",
        ] {
            assert_eq!(refused(sql), StatementError::Secret, "{sql}");
        }
        assert_eq!(
            StatementError::Secret.to_string(),
            "day_salts is secret and cannot be queried"
        );
        // A string that mentions it is not a table: the database refuses what it runs.
        assert!(single_query("SELECT 'day_salts'").is_ok());
    }

    #[test]
    fn ambiguous_text_is_refused() {
        for sql in [
            "SELECT 'open",
            "SELECT \"open",
            "SELECT $a$ open",
            "SELECT 1 /* open",
            "SELECT 1 /* /* nested */ */",
            "SELECT * FROM U&\"d\\0061y_salts\"",
        ] {
            assert!(
                matches!(refused(sql), StatementError::Unreadable(_)),
                "{sql}"
            );
        }
    }

    #[test]
    fn every_library_query_passes() {
        for (name, text) in LIBRARY {
            let prepared = prepare(text);
            let statement = single_query(&prepared.sql).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!statement.ends_with(';'), "{name}");
        }
    }
}
