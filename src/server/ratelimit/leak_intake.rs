//! Leak reports' own budget, apart from every other route's: a throttle per client address
//! (every report charged, whatever it holds) and a cap on reports in progress from all
//! addresses together, so a flood of reports can neither fill the database's connections nor
//! slow `/v1/verify` and the rest of the API.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::throttle::{Throttle, address_key};

/// Why a report was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// This address has sent its share; it may again after this long.
    AddressBusy(Duration),
    /// Every slot for reports is taken.
    Full,
}

/// Reports per client address: a burst of this many, then one per [`REPORT_INTERVAL`].
pub(crate) const REPORT_BURST: u32 = 20;
pub(crate) const REPORT_INTERVAL: Duration = Duration::from_secs(3);
/// Reports processed at once, from all addresses together: reports never hold more than this
/// many of the database's connections.
pub(crate) const REPORTS_IN_PROGRESS: usize = 4;

/// What keeps leak reports to their own budget.
pub(crate) struct LeakIntake {
    per_address: Throttle,
    in_progress: tokio::sync::Semaphore,
}

impl Default for LeakIntake {
    fn default() -> Self {
        LeakIntake {
            per_address: Throttle::new(REPORT_BURST, REPORT_INTERVAL),
            in_progress: tokio::sync::Semaphore::new(REPORTS_IN_PROGRESS),
        }
    }
}

impl LeakIntake {
    /// Admits one report from the client address `ip` (its throttle address: see
    /// `ClientAddr::throttle_ip`), charged whatever the report holds. The permit is held while
    /// the report is processed.
    pub(crate) fn admit(&self, ip: IpAddr) -> Result<tokio::sync::SemaphorePermit<'_>, Refusal> {
        let key = format!("leaks:{}", address_key(ip));
        let now = Instant::now();
        self.per_address
            .check(&key, now)
            .map_err(Refusal::AddressBusy)?;
        self.per_address.charge(&key, now);
        self.in_progress.try_acquire().map_err(|_| Refusal::Full)
    }
}
