//! Named leases: at most one holder of a name (`ingest:acme`) at a time across every process
//! using the database, so two ingests of one site never run over each other while ingests of
//! different sites run side by side. A second taker is refused at once with the holder's
//! process id, host and start time ([`StoreError::LeaseHeld`]).
//!
//! - PostgreSQL: a session-level advisory lock on a connection kept apart from the pool for
//!   the lease's life; the server releases it when that connection ends, however the holder
//!   ends. The `leases` row only describes the holder.
//! - SQLite: the `leases` row is the lock. It is written on the writer thread, renewed every
//!   [`RENEW_EVERY`] while held, and may be taken over once it has expired, or at once when its
//!   holder's process no longer runs on this host (a holder killed by `kill -9`).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Connection, Row};
use tokio_util::sync::CancellationToken;

use super::write_tx::Value;
use super::{Backend, Store, StoreError};
use crate::day::now_unix;

/// How long a SQLite lease lives without renewal.
const TIME_TO_LIVE: Duration = Duration::from_secs(60);
/// How often a held SQLite lease is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(15);

/// Who holds a lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub pid: i64,
    pub host: String,
    /// When they took it (Unix seconds).
    pub since: i64,
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} on {}, since {}",
            self.pid,
            self.host,
            crate::day::time_text(self.since)
        )
    }
}

/// A held lease. Release it with [`Lease::release`]; dropped unreleased, a PostgreSQL lease
/// ends with its connection and a SQLite lease is released in the background.
pub struct Lease {
    name: String,
    token: String,
    store: Store,
    /// PostgreSQL: the connection holding the advisory lock (in a mutex only so that a
    /// lease can be shared between tasks).
    conn: std::sync::Mutex<Option<AnyConnection>>,
    /// SQLite: stops the renewal task.
    renewal: CancellationToken,
    /// Set when a renewal found the lease taken over (it had expired).
    lost: Arc<AtomicBool>,
    released: bool,
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lease").field("name", &self.name).finish()
    }
}

impl Store {
    /// Takes the lease `name`, or fails at once with [`StoreError::LeaseHeld`] naming its
    /// holder.
    pub async fn take_lease(&self, name: &str) -> Result<Lease, StoreError> {
        super::doing("taking a lease", async {
            let token = format!("{:032x}", rand::random::<u128>());
            let me = LeaseHolder {
                pid: i64::from(std::process::id()),
                host: host_name(),
                since: now_unix(),
            };
            let mut lease = Lease {
                name: name.to_string(),
                token: token.clone(),
                store: self.clone(),
                conn: std::sync::Mutex::new(None),
                renewal: CancellationToken::new(),
                lost: Arc::new(AtomicBool::new(false)),
                released: false,
            };
            match self.backend {
                Backend::Postgres => {
                    let mut conn = self.pool.acquire().await?.detach();
                    let locked: bool = sqlx::query("SELECT pg_try_advisory_lock($1) AS locked")
                        .bind(lock_key(name))
                        .fetch_one(&mut conn)
                        .await?
                        .try_get("locked")?;
                    if !locked {
                        conn.close().await.ok();
                        let holder = self.lease_holder(name).await?.unwrap_or(LeaseHolder {
                            pid: 0,
                            host: "another connection".into(),
                            since: now_unix(),
                        });
                        return Err(StoreError::LeaseHeld {
                            name: name.to_string(),
                            holder,
                        });
                    }
                    sqlx::query(UPSERT_LEASE)
                        .bind(name)
                        .bind(&token)
                        .bind(me.pid)
                        .bind(&me.host)
                        .bind(me.since)
                        .bind(i64::MAX)
                        .execute(&mut conn)
                        .await?;
                    lease.conn = std::sync::Mutex::new(Some(conn));
                }
                Backend::Sqlite => {
                    self.take_sqlite_lease(name, &token, me).await?;
                    lease.spawn_renewal();
                }
            }
            Ok(lease)
        })
        .await
    }

    /// Who holds `name` now, as its row says (None: nobody has taken it).
    pub async fn lease_holder(&self, name: &str) -> Result<Option<LeaseHolder>, StoreError> {
        super::doing("reading a lease", async {
            let row = sqlx::query("SELECT pid, host, since FROM leases WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
            row.map(|row| {
                Ok(LeaseHolder {
                    pid: row.try_get("pid")?,
                    host: row.try_get("host")?,
                    since: row.try_get("since")?,
                })
            })
            .transpose()
        })
        .await
    }

    /// Takes a SQLite lease: reads its row and writes ours over it unless it is still held,
    /// in one write transaction (on a file, on its writer thread).
    async fn take_sqlite_lease(
        &self,
        name: &str,
        token: &str,
        me: LeaseHolder,
    ) -> Result<(), StoreError> {
        let expires_at = me.since + TIME_TO_LIVE.as_secs() as i64;
        let mut tx = self.begin_write().await?;
        if let Some(row) = tx.fetch_optional(SELECT_LEASE, vec![name.into()]).await? {
            let holder = LeaseHolder {
                pid: row.int(0)?,
                host: row.text(1)?,
                since: row.int(2)?,
            };
            if still_held(&holder, row.int(3)?, &me) {
                return Err(StoreError::LeaseHeld {
                    name: name.to_string(),
                    holder,
                });
            }
        }
        let row = vec![
            name.into(),
            token.into(),
            me.pid.into(),
            me.host.into(),
            me.since.into(),
            expires_at.into(),
        ];
        tx.execute(UPSERT_LEASE, row).await?;
        tx.commit().await
    }

    /// Pushes a SQLite lease's expiry forward; false when it is no longer ours.
    async fn renew_sqlite_lease(&self, name: &str, token: &str) -> Result<bool, StoreError> {
        let expires_at = now_unix() + TIME_TO_LIVE.as_secs() as i64;
        let changed = self
            .write_lease_row(RENEW_LEASE, Some(expires_at), name, token)
            .await?;
        Ok(changed > 0)
    }

    /// Deletes a lease's row if it is still ours.
    async fn drop_lease_row(&self, name: &str, token: &str) -> Result<(), StoreError> {
        self.write_lease_row(DROP_LEASE, None, name, token).await?;
        Ok(())
    }

    /// Runs `sql` (`$1` the time when given, then the name and the holder's token) in a
    /// write transaction of its own; returns the rows changed.
    async fn write_lease_row(
        &self,
        sql: &'static str,
        time: Option<i64>,
        name: &str,
        token: &str,
    ) -> Result<u64, StoreError> {
        let args = time
            .map(Value::from)
            .into_iter()
            .chain([name.into(), token.into()])
            .collect();
        self.write_one(sql, args).await
    }
}

impl Lease {
    /// The lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the lease was lost: a renewal found it taken over by another holder (it had
    /// expired, say after the process was suspended longer than its time to live). The holder
    /// should stop writing.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Relaxed)
    }

    fn spawn_renewal(&self) {
        let (store, name, token) = (self.store.clone(), self.name.clone(), self.token.clone());
        let (stop, lost) = (self.renewal.clone(), Arc::clone(&self.lost));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(RENEW_EVERY) => {}
                }
                // A failed renewal (a busy moment) is tried again; the lease lives a minute.
                if let Ok(false) = store.renew_sqlite_lease(&name, &token).await {
                    lost.store(true, Ordering::Relaxed);
                    return;
                }
            }
        });
    }

    /// Releases the lease: the next taker gets it at once.
    pub async fn release(mut self) -> Result<(), StoreError> {
        super::doing("releasing a lease", async {
            self.released = true;
            self.renewal.cancel();
            let result = self.store.drop_lease_row(&self.name, &self.token).await;
            let conn = self.conn.get_mut().ok().and_then(Option::take);
            if let Some(mut conn) = conn {
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(lock_key(&self.name))
                    .execute(&mut conn)
                    .await?;
                conn.close().await.ok();
            }
            result
        })
        .await
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewal.cancel();
        let holds_connection = self.conn.get_mut().is_ok_and(|conn| conn.is_some());
        if self.released || holds_connection {
            // PostgreSQL: the lock ends with the dropped connection; its row is overwritten by
            // the next taker.
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let (store, name, token) = (self.store.clone(), self.name.clone(), self.token.clone());
            handle.spawn(async move { store.drop_lease_row(&name, &token).await.ok() });
        }
    }
}

/// Whether a lease row still keeps others out: it has not expired, and its holder is not a
/// process of this host that is gone.
fn still_held(holder: &LeaseHolder, expires_at: i64, me: &LeaseHolder) -> bool {
    let holder_is_gone = holder.host == me.host && !process_runs(holder.pid);
    expires_at > me.since && !holder_is_gone
}

/// Whether process `pid` runs on this host (true when the system cannot tell).
fn process_runs(pid: i64) -> bool {
    let proc = std::path::Path::new("/proc");
    if !proc.join("self").exists() {
        return true;
    }
    proc.join(pid.to_string()).exists()
}

/// This host's name, for lease messages.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "this host".into())
}

/// The advisory lock key of a lease name: the first 8 bytes of its SHA-256.
fn lock_key(name: &str) -> i64 {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

// The statements use `$n` placeholders in order, as every write transaction needs.
const UPSERT_LEASE: &str = "INSERT INTO leases (name, holder, pid, host, since, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
     pid = excluded.pid, host = excluded.host, since = excluded.since, \
     expires_at = excluded.expires_at";

const SELECT_LEASE: &str = "SELECT pid, host, since, expires_at FROM leases WHERE name = $1";

const RENEW_LEASE: &str = "UPDATE leases SET expires_at = $1 WHERE name = $2 AND holder = $3";

const DROP_LEASE: &str = "DELETE FROM leases WHERE name = $1 AND holder = $2";

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(pid: i64, host: &str) -> LeaseHolder {
        LeaseHolder {
            pid,
            host: host.into(),
            since: 100,
        }
    }

    #[test]
    fn a_live_unexpired_holder_keeps_others_out() {
        let me = LeaseHolder {
            pid: 2,
            host: host_name(),
            since: 1_000,
        };
        let running = i64::from(std::process::id());
        assert!(still_held(&holder(running, &me.host), 1_001, &me));
        // Expired.
        assert!(!still_held(&holder(running, &me.host), 1_000, &me));
        // Unexpired, but its process is gone from this host.
        assert!(!still_held(
            &holder(i64::from(i32::MAX), &me.host),
            1_001,
            &me
        ));
        // Another host's process cannot be checked: only expiry frees it.
        assert!(still_held(
            &holder(i64::from(i32::MAX), "elsewhere"),
            1_001,
            &me
        ));
    }

    #[test]
    fn lock_keys_differ_per_name() {
        assert_ne!(lock_key("ingest:acme"), lock_key("ingest:beta"));
        assert_eq!(lock_key("ingest:acme"), lock_key("ingest:acme"));
    }
}
