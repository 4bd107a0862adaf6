//! A test hook for crash safety: `AIVIS_FAILPOINT=before-commit:N` (or `after-commit:N`)
//! aborts the process, as `kill -9` would, right before (or right after) the COMMIT of the
//! N-th ingest batch this process writes. Unset, it costs one relaxed atomic load per batch.
//! Tests use it to crash at exactly the moments that matter instead of racing a timer.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where in a batch commit the process may be stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Point {
    BeforeCommit,
    AfterCommit,
}

/// Batches that reached COMMIT so far in this process.
static COMMITS: AtomicU64 = AtomicU64::new(0);

fn configured() -> Option<(Point, u64)> {
    static CONFIGURED: OnceLock<Option<(Point, u64)>> = OnceLock::new();
    *CONFIGURED.get_or_init(|| parse(&std::env::var("AIVIS_FAILPOINT").ok()?))
}

fn parse(text: &str) -> Option<(Point, u64)> {
    let (point, n) = text.split_once(':')?;
    let point = match point {
        "before-commit" => Point::BeforeCommit,
        "after-commit" => Point::AfterCommit,
        _ => return None,
    };
    Some((point, n.parse().ok().filter(|n| *n > 0)?))
}

/// Called at `point` of every batch commit; aborts the process when it is the configured one.
pub(super) fn reached(point: Point) {
    let Some((at, n)) = configured() else {
        return;
    };
    let count = if point == Point::BeforeCommit {
        COMMITS.fetch_add(1, Ordering::Relaxed) + 1
    } else {
        COMMITS.load(Ordering::Relaxed)
    };
    if point == at && count == n {
        eprintln!("AIVIS_FAILPOINT: aborting {point:?} of batch {n}");
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failpoints_name_a_point_and_a_batch() {
        assert_eq!(parse("before-commit:3"), Some((Point::BeforeCommit, 3)));
        assert_eq!(parse("after-commit:1"), Some((Point::AfterCommit, 1)));
        assert_eq!(parse("after-commit:0"), None);
        assert_eq!(parse("during:1"), None);
        assert_eq!(parse("before-commit"), None);
    }
}
