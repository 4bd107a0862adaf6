//! Why an ingest failed, by kind: the caller's input (a log whose format cannot be detected, a
//! site configuration that does not compile), a file that cannot be read, another ingest of the
//! same site, the database, or a fault of aivis itself.

use std::io;

use crate::error::{ErrorKind, HasKind};
use crate::store::{LeaseHolder, StoreError};

/// Why an ingest failed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The site's configuration does not compile (validated configs never get here).
    #[error("site {site:?}: {key}: {message}")]
    SiteConfig {
        site: String,
        key: String,
        message: String,
    },
    /// The input's log format could not be detected.
    #[error(
        "{input}: cannot detect the log format from its first lines; pass --format (combined, \
         common, vhost_combined, nginx_json, caddy_json)"
    )]
    UnknownFormat { input: String },
    /// A path names a directory.
    #[error("{input} is a directory, not a log file")]
    NotAFile { input: String },
    /// An input could not be opened, read or decompressed.
    #[error("{action} {input}: {source}")]
    Io {
        action: &'static str,
        input: String,
        source: io::Error,
    },
    /// Another ingest of the same site is running.
    #[error("an ingest of site {site} is running ({holder})")]
    AlreadyRunning { site: String, holder: LeaseHolder },
    /// This ingest's lease on its site expired and was taken over; it stopped writing.
    #[error("the ingest of site {site} stopped: its lease expired and another ingest took it over")]
    LeaseLost { site: String },
    /// A database call failed; `doing` says which.
    #[error("{doing}: {source}")]
    Store { doing: String, source: StoreError },
    /// Asked to stop: the ingest ended after a committed batch; the next one continues there.
    #[error(
        "the ingest of site {site} stopped after a committed batch, as asked; the next one continues from there"
    )]
    Stopped { site: String },
    /// A fault of aivis itself (a panicked thread, a broken invariant).
    #[error("{0}")]
    Internal(String),
}

impl IngestError {
    /// A database error, with what the ingest was doing (which says more than the store's
    /// own name of the operation, so that name is dropped: no "doing X: doing X"), for
    /// `map_err`. `doing` becomes text only on a failure, so the success path (some callers
    /// are per line) allocates nothing; the same holds for [`IngestError::io`]'s input.
    pub fn store(doing: impl Into<String>) -> impl FnOnce(StoreError) -> IngestError {
        move |source| IngestError::Store {
            doing: doing.into(),
            source: source.into_cause(),
        }
    }

    pub(super) fn io(
        action: &'static str,
        input: impl Into<String>,
    ) -> impl FnOnce(io::Error) -> IngestError {
        move |source| IngestError::Io {
            action,
            input: input.into(),
            source,
        }
    }
}

impl HasKind for IngestError {
    fn kind(&self) -> ErrorKind {
        match self {
            IngestError::SiteConfig { .. } | IngestError::UnknownFormat { .. } => ErrorKind::Usage,
            // A log that cannot be read now (missing, rotated away, not a file) may be there
            // on the next run: a runtime failure, as the README's exit codes say.
            IngestError::NotAFile { .. } | IngestError::Io { .. } => ErrorKind::Unavailable,
            IngestError::AlreadyRunning { .. } | IngestError::LeaseLost { .. } => {
                ErrorKind::Conflict
            }
            IngestError::Store { source, .. } => source.kind(),
            IngestError::Stopped { .. } => ErrorKind::Unavailable,
            IngestError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<crate::ingest::sessionize::NoSessionIds> for IngestError {
    fn from(err: crate::ingest::sessionize::NoSessionIds) -> IngestError {
        IngestError::Internal(err.to_string())
    }
}
