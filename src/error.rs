//! What kind of failure an error is, independent of where it happened: the one vocabulary the
//! library's error enums share. `app` maps a kind to an exit code; an HTTP server maps it to a
//! status. Each library error enum implements [`HasKind`].

/// The kind of a failure, for deciding what to tell the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller's mistake: a bad flag, config value, file or request (exit 2, HTTP 400).
    Usage,
    /// Something named does not exist: a site, prompt, goal or query (exit 2, HTTP 404).
    NotFound,
    /// Another writer holds what this one needs: an ingest of the same site is running, a row
    /// another writer added first (exit 1, HTTP 409).
    Conflict,
    /// A service aivis needs is not there right now: the database, a disk with room, an
    /// engine's API (exit 1, HTTP 503). Trying again later may work.
    Unavailable,
    /// A fault of aivis or of its data: a panicked task, corrupt stored data (exit 1, HTTP 500).
    Internal,
}

impl ErrorKind {
    /// The process exit code for the command line: 2 for the caller's mistakes, 1 otherwise.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Usage | ErrorKind::NotFound => 2,
            ErrorKind::Conflict | ErrorKind::Unavailable | ErrorKind::Internal => 1,
        }
    }

    /// The HTTP status an API answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Usage => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }

    /// A lower-case name for logs and JSON (`usage`, `not_found`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error that knows its [`ErrorKind`].
pub trait HasKind {
    fn kind(&self) -> ErrorKind;
}

/// An error and its causes for people, each cause once: a cause whose text is already part
/// of the message (a wrapper that prints its source) is not repeated.
pub fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut cause = Some(err);
    while let Some(current) = cause {
        let part = current.to_string();
        if !part.is_empty() && !text.contains(&part) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
        cause = current.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_mistakes_exit_two_and_the_rest_one() {
        assert_eq!(ErrorKind::Usage.exit_code(), 2);
        assert_eq!(ErrorKind::NotFound.exit_code(), 2);
        assert_eq!(ErrorKind::Conflict.exit_code(), 1);
        assert_eq!(ErrorKind::Unavailable.exit_code(), 1);
        assert_eq!(ErrorKind::Internal.exit_code(), 1);
    }

    #[test]
    fn each_kind_has_its_own_http_status() {
        let all = [
            ErrorKind::Usage,
            ErrorKind::NotFound,
            ErrorKind::Conflict,
            ErrorKind::Unavailable,
            ErrorKind::Internal,
        ];
        let statuses: std::collections::BTreeSet<u16> =
            all.iter().map(|k| k.http_status()).collect();
        assert_eq!(statuses.len(), all.len());
    }
}
