//! How long the command line waits for the server, and what a person at a terminal sees
//! meanwhile: `--timeout SECS` (`TOKCTL_TIMEOUT`, default 30) and a spinner on stderr after
//! [`SPINNER_AFTER`] of waiting.
//!
//! The CLI's edge sets these once per process ([`configure`]) before any request, so every
//! [`crate::client::Client`] a command makes honours them. Not for: the server's own timeouts
//! (src/server/http/serve.rs, the router's).

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

/// The default of `--timeout`.
pub(crate) const DEFAULT_TIMEOUT: Timeout = Timeout(Duration::from_secs(30));
/// The longest `--timeout` taken: a day.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// How long a request may take before a spinner shows that tokctl is waiting.
pub(crate) const SPINNER_AFTER: Duration = Duration::from_secs(1);

/// `--timeout SECS`: a positive number of seconds (fractions allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(pub(crate) Duration);

impl Timeout {
    /// clap's `value_parser` for `--timeout` and `TOKCTL_TIMEOUT`.
    pub(crate) fn parse(s: &str) -> Result<Timeout, String> {
        let bad = || format!("`{s}` is not a number of seconds above 0 (e.g. 30 or 2.5)");
        let secs: f64 = s.trim().parse().map_err(|_| bad())?;
        if !secs.is_finite() || secs <= 0.0 {
            return Err(bad());
        }
        if secs > MAX_TIMEOUT_SECS {
            return Err(format!("{s} seconds is more than a day; the most is 86400"));
        }
        let d = Duration::from_secs_f64(secs);
        if d < Duration::from_millis(1) {
            return Err(bad());
        }
        Ok(Timeout(d))
    }
}

impl fmt::Display for Timeout {
    /// Seconds as a person wrote them: `30`, `2.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}", ms / 1000)
        } else {
            let s = format!("{:.3}", self.0.as_secs_f64());
            write!(f, "{}", s.trim_end_matches('0'))
        }
    }
}

/// What every request of this process uses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) timeout: Timeout,
    /// Show a spinner on stderr while waiting (stderr a terminal, not `--quiet`).
    pub(crate) spinner: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Sets this process's request settings; the first call wins (the CLI calls it once).
pub(crate) fn configure(settings: Settings) {
    let _ = SETTINGS.set(settings);
}

/// This process's settings: as configured, else the default timeout and no spinner.
pub(crate) fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or(Settings {
        timeout: DEFAULT_TIMEOUT,
        spinner: false,
    })
}

/// Awaits `fut`; when spinners are on and it takes longer than [`SPINNER_AFTER`], shows
/// "waiting for SERVER" with a spinner on stderr until it resolves, then clears the line.
pub(crate) async fn with_spinner<F: Future>(server: &str, fut: F) -> F::Output {
    if !settings().spinner {
        return fut.await;
    }
    let mut fut = std::pin::pin!(fut);
    tokio::select! {
        out = &mut fut => return out,
        _ = tokio::time::sleep(SPINNER_AFTER) => {}
    }
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr())
            // The time shown is all the time waited, not the time since the spinner appeared.
            .with_elapsed(SPINNER_AFTER);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(format!("waiting for {server}"));
    bar.enable_steady_tick(Duration::from_millis(100));
    let out = fut.await;
    bar.finish_and_clear();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(Timeout::parse("30").unwrap(), DEFAULT_TIMEOUT);
        assert_eq!(
            Timeout::parse("2.5").unwrap().0,
            Duration::from_millis(2500)
        );
        assert_eq!(Timeout::parse("1").unwrap().to_string(), "1");
        assert_eq!(Timeout::parse("2.5").unwrap().to_string(), "2.5");
        assert_eq!(Timeout::parse("0.25").unwrap().to_string(), "0.25");
        for bad in [
            "0", "0.0", "-1", "-0.5", "abc", "", "NaN", "inf", "1e9", "0.0001", "30s",
        ] {
            assert!(Timeout::parse(bad).is_err(), "{bad} was taken");
        }
    }
}
