//! Credential leases: PostgreSQL replicas answer from their credential cache without reading the
//! credential epoch for every request, and a revoke still holds on the very next request, on
//! every replica.
//!
//! Without a lease, a replica reads `credential_epoch` for every request (a read started after
//! the request arrived, shared by the requests in flight: `epoch::EpochReader`). That read was
//! a fifth of the CPU a verify cost the server and the database together (docs/performance.md).
//! With one, the replica has promised to apply every epoch before its lease runs out, and the
//! writer of an epoch waits for that promise to be kept before it acknowledges the change.
//!
//! **Holding.** A replica renews its lease every [`RENEW_EVERY`], and at once whenever the
//! epoch moves (a trigger announces every move on [`CHANNEL`]). A renewal is one transaction:
//! it reads the epoch `FOR SHARE`, applies it to the cache (everything cached under an older
//! one is forgotten), and writes its row in `replica_leases`: that epoch, valid until the
//! database's `now()` + [`LEASE`]. Once it has committed, the replica answers from its cache
//! until [`HOLD`] (shorter than [`LEASE`]) after the moment it began; otherwise, or when no
//! renewal has succeeded, it reads the epoch for each request as before.
//!
//! **Acknowledging.** A change that moves the epoch to `e` (revoke, rotate, role change,
//! removal, policy) commits, then waits until no unexpired lease names an epoch below `e`
//! ([`await_applied`]), before its caller answers. If the database cannot say (it went away),
//! it waits out [`LEASE`] + [`SLACK`] by its own clock instead.
//!
//! **Why a request after the acknowledgement is refused on every replica.** Take a change to
//! epoch `e` that committed at `C` and was acknowledged at `A`, and a request that reaches
//! replica R at `t > A`. If R holds no lease at `t`, it reads the epoch, after `C`. If it
//! does, its newest committed renewal either read the epoch after `C` (then it applied `e`
//! before it began to answer from the cache), or before: its `FOR SHARE` read kept the epoch
//! from moving until it committed, so its row (an epoch below `e`) was there to be seen after
//! `C`, and the wait ended only once that row had expired. The row expires [`LEASE`] after the
//! renewal's transaction began by the database's clock; R stops answering [`HOLD`] after a
//! moment before that, by its own. So R's lease had run out before `A < t`. The two clocks
//! only measure durations, and [`LEASE`] − [`HOLD`] covers any difference in their rates.
//! Entries a lookup puts into the cache carry the generation read before its query, and an
//! applied epoch drops late ones (`auth_cache`).
//!
//! A replica's own clock must run while its machine sleeps: on Linux the lease is timed by
//! `CLOCK_BOOTTIME`, so a replica resumed after a suspend finds its lease run out.
//!
//! **Costs.** Two statements every [`RENEW_EVERY`] per replica, one renewal per replica for
//! each change, and a change waits for the slowest replica to renew: a few milliseconds, or up
//! to [`RENEW_EVERY`] for a replica whose notification connection is down, or [`LEASE`] for one
//! that died holding a lease (a replica that stops cleanly gives its lease up).
//! `tests/it/replicas.rs` cuts the notification connection and stops a replica mid-lease.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::auth_cache::AuthCache;

/// How long a lease lasts by the database's clock.
pub(crate) const LEASE: Duration = Duration::from_secs(2);

/// How long a replica answers from its cache after the moment its renewal began, by its own
/// clock: a quarter of [`LEASE`] short of it, for clocks that run at different rates.
pub(crate) const HOLD: Duration = Duration::from_millis(1500);

/// How often a replica renews when nothing is announced. Several renewals fit into [`HOLD`],
/// so one lost renewal does not end the lease.
pub(crate) const RENEW_EVERY: Duration = Duration::from_millis(400);

/// Added to [`LEASE`] when a change waits out every lease by its own clock.
const SLACK: Duration = Duration::from_millis(500);

// A replica stops answering from its cache well before its row expires, and one lost renewal
// does not end its lease.
const _: () = {
    assert!(HOLD.as_millis() + 400 <= LEASE.as_millis());
    assert!(RENEW_EVERY.as_millis() * 3 <= HOLD.as_millis());
};

/// Where the trigger of migration 0012 announces every move of the epoch.
const CHANNEL: &str = "tokctl_credential_epoch";

/// This replica's lease.
pub(crate) struct Lease {
    /// Its row in `replica_leases`.
    id: String,
    /// When it stops answering from the cache, in [`clock`] nanoseconds (0: it holds none).
    holds_until: AtomicU64,
    renew_now: Notify,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Lease {
    pub(crate) fn new() -> Lease {
        Lease {
            id: crate::api::secret::random_base62(16),
            holds_until: AtomicU64::new(0),
            renew_now: Notify::new(),
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Whether this replica may answer from its cache without reading the epoch.
    pub(crate) fn holds(&self) -> bool {
        clock() < self.holds_until.load(Ordering::Acquire)
    }

    /// Starts holding: the renewing task and the task that hears announced moves. Only a
    /// serving replica holds a lease; every store waits for them ([`await_applied`]).
    pub(crate) fn start(self: &Arc<Self>, pool: PgPool, cache: Arc<AuthCache>) {
        let listening = listen_pool(&pool);
        let renewing = tokio::spawn(Arc::clone(self).keep_renewing(pool, cache));
        let hearing = tokio::spawn(Arc::clone(self).hear_moves(listening));
        self.lock_tasks().extend([renewing, hearing]);
    }

    /// Stops holding and gives the lease up, so no change waits for it to run out.
    pub(crate) async fn release(&self, pool: &PgPool) {
        for task in self.lock_tasks().drain(..) {
            task.abort();
        }
        self.holds_until.store(0, Ordering::Release);
        let _ = sqlx::query("DELETE FROM replica_leases WHERE id = $1")
            .bind(&self.id)
            .execute(pool)
            .await;
    }

    async fn keep_renewing(self: Arc<Self>, pool: PgPool, cache: Arc<AuthCache>) {
        // Said once when renewals start failing and once when they work again, not every
        // RENEW_EVERY of an outage.
        let mut failing = false;
        loop {
            match self.renew(&pool, &cache).await {
                Ok(()) if failing => {
                    failing = false;
                    tracing::warn!("the credential lease is renewed again");
                }
                Ok(()) => {}
                Err(e) if !failing => {
                    failing = true;
                    tracing::warn!(error = %e, "cannot renew the credential lease; the epoch is read for every request until it is renewed");
                }
                Err(_) => {}
            }
            // A notification that arrives while renewing leaves a permit: the next renewal
            // starts at once.
            let _ = tokio::time::timeout(RENEW_EVERY, self.renew_now.notified()).await;
        }
    }

    async fn renew(&self, pool: &PgPool, cache: &AuthCache) -> Result<(), sqlx::Error> {
        let began = clock();
        let mut tx = pool.begin().await?;
        let epoch: i64 =
            sqlx::query_scalar("SELECT epoch FROM credential_epoch WHERE id = 1 FOR SHARE")
                .fetch_one(&mut *tx)
                .await?;
        // Applied before the row that says so can commit.
        cache.advance_to(u64::try_from(epoch).unwrap_or(0));
        sqlx::query(
            "INSERT INTO replica_leases (id, epoch, expires_at) \
             VALUES ($1, $2, now() + make_interval(secs => $3)) \
             ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch, expires_at = EXCLUDED.expires_at",
        )
        .bind(&self.id)
        .bind(epoch)
        .bind(LEASE.as_secs_f64())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.holds_until
            .fetch_max(began + as_nanos(HOLD), Ordering::AcqRel);
        Ok(())
    }

    /// Renews at every announced move; after a lost connection, once more (moves announced
    /// meanwhile were missed) and then listens again.
    async fn hear_moves(self: Arc<Self>, pool: PgPool) {
        loop {
            if let Ok(mut listener) = PgListener::connect_with(&pool).await
                && listener.listen(CHANNEL).await.is_ok()
            {
                self.renew_now.notify_one();
                loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => self.renew_now.notify_one(),
                        // Lost and connected again: what was announced in between is gone.
                        Ok(None) => self.renew_now.notify_one(),
                        Err(_) => break,
                    }
                }
            }
            tokio::time::sleep(RENEW_EVERY).await;
        }
    }

    fn lock_tasks(&self) -> std::sync::MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The notification connection: a pool of its own, named for `pg_stat_activity` (and for the
/// test that cuts it) with this process's id.
fn listen_pool(pool: &PgPool) -> PgPool {
    let options: PgConnectOptions = (*pool.connect_options())
        .clone()
        .application_name(&format!("tokctl notifications {}", std::process::id()));
    PgPoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(options)
}

/// Waits until every replica holding a lease has applied `epoch`: the last step of a change
/// that moved it, before the change is acknowledged.
pub(crate) async fn await_applied(pool: &PgPool, epoch: u64) {
    let give_up = clock() + as_nanos(LEASE + SLACK);
    let epoch = i64::try_from(epoch).unwrap_or(i64::MAX);
    // Replicas renew within a few milliseconds of the change's announcement: look often at
    // first, then less and less.
    let mut pause = Duration::from_micros(500);
    let mut looked = 0;
    loop {
        let behind: Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM replica_leases WHERE expires_at > now() AND epoch < $1",
        )
        .bind(epoch)
        .fetch_one(pool)
        .await;
        if behind.is_ok_and(|n| n == 0) || clock() >= give_up {
            return;
        }
        tokio::time::sleep(pause).await;
        looked += 1;
        if looked >= 20 {
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// Nanoseconds on a clock that also runs while the machine sleeps.
fn clock() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        let secs = u64::try_from(t.tv_sec).unwrap_or(0);
        let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
        secs * 1_000_000_000 + nanos
    }
    #[cfg(not(target_os = "linux"))]
    {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        as_nanos(START.get_or_init(std::time::Instant::now).elapsed())
    }
}

fn as_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::super::parity::{drop_pg, migrated_pg};
    use super::*;

    #[test]
    fn a_lease_not_yet_renewed_holds_nothing() {
        assert!(!Lease::new().holds());
    }

    /// A change waits for a lease that names an older epoch until it has expired, and not for
    /// one that names its epoch. Skipped without `TOKCTL_TEST_DATABASE_URL`.
    #[tokio::test]
    async fn a_change_waits_for_every_lease_behind_it_to_apply_or_expire() {
        let Some((admin, url, pool)) =
            migrated_pg("a_change_waits_for_every_lease_behind_it_to_apply_or_expire").await
        else {
            return;
        };
        let lease = |id: &'static str, epoch: i64, secs: f64| {
            sqlx::query(
                "INSERT INTO replica_leases (id, epoch, expires_at) \
                 VALUES ($1, $2, now() + make_interval(secs => $3))",
            )
            .bind(id)
            .bind(epoch)
            .bind(secs)
            .execute(&pool)
        };
        let expired = |id: &'static str| {
            sqlx::query_scalar::<_, bool>(
                "SELECT expires_at <= now() FROM replica_leases WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&pool)
        };

        lease("current", 7, 60.0).await.unwrap();
        await_applied(&pool, 7).await;
        assert!(
            !expired("current").await.unwrap(),
            "waited for a lease that had applied"
        );

        lease("behind", 6, 1.0).await.unwrap();
        await_applied(&pool, 7).await;
        assert!(
            expired("behind").await.unwrap(),
            "did not wait for a lease behind"
        );

        pool.close().await;
        drop_pg(&admin, &url).await;
    }
}
