//! Leak reports' own budget, apart from every other route's: a throttle per client address
//! (every report charged, whatever it holds) and a cap on reports in progress from all
//! addresses together, so a flood of reports can neither fill the database's connections nor
//! slow `/v1/verify` and the rest of the API.

use std::time::{Duration, Instant};

use super::throttle::{Throttle, address_key};
use crate::server::http::client_ip::ClientAddr;
use crate::server::http::error::{ApiError, ApiResult};

/// Reports per client address: a burst of this many, then one per [`REPORT_INTERVAL`].
pub const REPORT_BURST: u32 = 20;
pub const REPORT_INTERVAL: Duration = Duration::from_secs(3);
/// Reports processed at once, from all addresses together: reports never hold more than this
/// many of the database's connections.
pub const REPORTS_IN_PROGRESS: usize = 4;

/// What keeps leak reports to their own budget.
pub struct LeakIntake {
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
    /// Admits one report from `ip` (charged whatever it holds), or the 429 to answer.
    pub fn admit(&self, ip: ClientAddr) -> ApiResult<tokio::sync::SemaphorePermit<'_>> {
        let key = format!("leaks:{}", address_key(ip.throttle_ip()));
        let now = Instant::now();
        if let Err(wait) = self.per_address.check(&key, now) {
            let secs = wait.as_secs().max(1);
            return Err(ApiError::rate_limited(
                format!("too many leak reports from this address; retry in {secs} s"),
                secs,
            ));
        }
        self.per_address.charge(&key, now);
        self.in_progress.try_acquire().map_err(|_| {
            ApiError::rate_limited("too many leak reports in progress; retry in 1 s", 1)
        })
    }
}
