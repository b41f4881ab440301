//! The HTTP/1 connection loop, with the limits `axum::serve` does not set.
//!
//! `axum::serve` is deliberately unconfigurable: it gives hyper no timer, so a client may take
//! forever to send its request head (slowloris), and it accepts connections without bound. This
//! loop is the same idea with three guards, so many slow or oversized clients cost bounded
//! memory and cannot take the service down:
//!
//! - a header-read timeout: a connection that has not sent a complete request head within
//!   [`HEADER_READ_TIMEOUT`] of the head's first byte (of the accept, for a new connection) is
//!   closed (src/server/http/head_timeout.rs);
//! - an idle timeout: a keep-alive connection that starts no new request within
//!   [`IDLE_TIMEOUT`] of its last answer is closed. It is longer than the header timeout so a
//!   client that pauses between requests (a person at a prompt) finds its connection still
//!   open; clients should stop reusing a connection before it (the CLI's pool: 50 s);
//! - a per-connection read buffer cap ([`MAX_HEADER_BYTES`]): a longer head is answered 431 and
//!   the connection closed;
//! - a cap on concurrent connections: at the cap the loop stops accepting (new clients wait in
//!   the kernel's backlog) until a connection ends. The open-files limit is raised to its hard
//!   maximum at start and the cap kept below it, so accept never fails for lack of descriptors.
//!
//! Bodies are bounded by the router (`http::body::BODY_LIMIT`) and whole requests by its timeout.
//! Not for: per-client fairness (behind a proxy every client has the proxy's address) — rate
//! limits are per token, login throttling per email and per address.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use super::head_timeout::{HeadTimeout, RequestPhase};

/// How long a client may take to send a complete request head, from its first byte.
pub(crate) const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a keep-alive connection may sit idle between requests (nginx's default).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(75);
/// The read buffer of a connection, and so the largest request head (hyper answers 431 above).
pub(crate) const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The default cap on concurrent connections.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Descriptors kept back from the cap for the database, logs and the listener.
const RESERVED_FDS: usize = 256;
/// After a shutdown signal, how long in-flight requests get before connections are dropped
/// (a request can run no longer than the router's timeout anyway).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(35);

/// Raises the soft open-files limit to the hard one and returns the connection cap that fits
/// under it (at most `wanted`).
pub(crate) fn connection_cap(wanted: usize) -> usize {
    match raise_fd_limit() {
        Some(limit) if limit > RESERVED_FDS * 2 => wanted.min(limit - RESERVED_FDS),
        Some(limit) => wanted.min(limit / 2).max(1),
        None => wanted,
    }
}

#[cfg(any(target_os = "linux", target_os = "macos"))]
fn raise_fd_limit() -> Option<usize> {
    // rlimit stays under macOS's per-process maximum, which refuses "unlimited".
    let limit = match rlimit::increase_nofile_limit(1 << 20) {
        Ok(limit) => limit,
        Err(_) => rlimit::Resource::NOFILE.get().ok()?.0,
    };
    usize::try_from(limit).ok()
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn raise_fd_limit() -> Option<usize> {
    None
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish (up to `SHUTDOWN_GRACE`).
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break, // the semaphore is never closed
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Per-connection errors (reset before accept) are routine; anything else
                    // (out of descriptors) gets a pause instead of a busy loop.
                    if !is_connection_error(&e) {
                        tracing::warn!(error = %e, "accept failed; pausing");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let phase = Arc::new(RequestPhase::default());
        let (started, answered) = (phase.clone(), phase.clone());
        let service = hyper_util::service::TowerToHyperService::new(
            router
                .clone()
                .map_request(move |mut req: axum::http::Request<Incoming>| {
                    started.started();
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    req.map(axum::body::Body::new)
                })
                .map_response(move |resp| {
                    answered.answered();
                    resp
                })
                .map_err(|e: Infallible| match e {}),
        );
        let stream = HeadTimeout::new(stream, phase, HEADER_READ_TIMEOUT);
        // hyper's header timer starts when it waits for a head, idle time included: it is
        // the idle limit; HeadTimeout holds a started head to the shorter one.
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(IDLE_TIMEOUT)
            .max_buf_size(MAX_HEADER_BYTES)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period; dropping them");
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset | Interrupted
    )
}
