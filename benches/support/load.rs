//! The closed-loop load generator the benchmarks share: `concurrency` workers sending requests
//! back to back for a fixed time, latencies kept for percentiles.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
pub struct Load {
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub latencies_us: Vec<u64>,
}

impl Load {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }

    /// Folds another round of the same measurement into this one.
    pub fn add(&mut self, other: Load) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.seconds += other.seconds;
        self.latencies_us.extend(other.latencies_us);
        self.latencies_us.sort_unstable();
    }
}

/// `concurrency` workers sending `make(client, i)` back to back for `seconds`; anything but a
/// 2xx counts as an error.
pub async fn load<F>(client: &reqwest::Client, concurrency: u64, seconds: u64, make: F) -> Load
where
    F: Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    load_checked(client, concurrency, seconds, make, |_| true).await
}

/// [`load`], where a 2xx also counts as an error unless `check` accepts its body (a verify
/// that answers `allowed: false` is not the request the benchmark meant to measure).
pub async fn load_checked<F, C>(
    client: &reqwest::Client,
    concurrency: u64,
    seconds: u64,
    make: F,
    check: C,
) -> Load
where
    F: Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
    C: Fn(&[u8]) -> bool + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let check = Arc::new(check);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, make, check) = (client.clone(), make.clone(), check.clone());
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = w;
            while Instant::now() < until {
                let t = Instant::now();
                let ok = match make(&client, i).send().await {
                    Ok(r) if r.status().is_success() => r.bytes().await.is_ok_and(|b| check(&b)),
                    _ => false,
                };
                errors += u64::from(!ok);
                lat.push(t.elapsed().as_micros() as u64);
                i += concurrency;
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for w in workers {
        let (lat, e) = w.await.unwrap();
        all.extend(lat);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    Load {
        requests: all.len() as u64,
        errors,
        seconds,
        latencies_us: all,
    }
}
