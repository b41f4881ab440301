//! The header-read timeout counted from a request's first byte, so an idle keep-alive
//! connection can wait longer than a started request may take to send its head.
//!
//! hyper's own `header_read_timeout` starts when it begins waiting for a head, which on a
//! keep-alive connection is the moment the previous response was written: one timer for both
//! "idle between requests" and "sending a head", so a CLI whose user paused at a prompt found
//! its pooled connection closed. Here hyper's timer is set to the longer idle limit
//! ([`super::serve::IDLE_TIMEOUT`]) and [`HeadTimeout`], wrapped around the socket, closes a
//! connection whose request head is not complete [`super::serve::HEADER_READ_TIMEOUT`] after
//! its first byte arrived (after the accept, for a new connection). A slow client that trickles
//! a head byte by byte is cut as before; the timer is not reset by activity.
//!
//! Not for: bounding bodies or handlers (the router's timeout does).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// Whether a connection's current request head has been read: set by the service when hyper
/// hands it a request, cleared when the service has answered.
#[derive(Debug, Default)]
pub(crate) struct RequestPhase {
    in_request: AtomicBool,
    /// Heads read so far: a change tells the socket its running head timer is done with.
    heads: AtomicU64,
}

impl RequestPhase {
    /// hyper parsed a head and called the service: stop the head timer.
    pub(crate) fn started(&self) {
        self.heads.fetch_add(1, Ordering::AcqRel);
        self.in_request.store(true, Ordering::Release);
    }

    /// The service answered: the next byte read starts the next head's timer.
    pub(crate) fn answered(&self) {
        self.in_request.store(false, Ordering::Release);
    }

    fn in_request(&self) -> bool {
        self.in_request.load(Ordering::Acquire)
    }

    fn heads(&self) -> u64 {
        self.heads.load(Ordering::Acquire)
    }
}

/// A socket whose reads fail with `TimedOut` once a request head has taken too long.
pub(crate) struct HeadTimeout<S> {
    inner: S,
    phase: Arc<RequestPhase>,
    limit: Duration,
    /// `phase.heads()` when `deadline` was last looked at.
    heads_seen: u64,
    /// Running from the first byte of a head (or the accept) until the service sees the request.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<S> HeadTimeout<S> {
    /// Wraps a just-accepted socket: its first head must be complete within `limit`.
    pub(crate) fn new(inner: S, phase: Arc<RequestPhase>, limit: Duration) -> HeadTimeout<S> {
        HeadTimeout {
            inner,
            phase,
            limit,
            heads_seen: 0,
            deadline: Some(Box::pin(tokio::time::sleep(limit))),
        }
    }
}

fn too_slow() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the request head was not complete in time",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for HeadTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let heads = this.phase.heads();
        if heads != this.heads_seen {
            // A head was read since: its timer is done, whether or not we read in between.
            this.heads_seen = heads;
            this.deadline = None;
        }
        if this.phase.in_request() {
            // Body bytes, or bytes after the answer while the request is still in flight.
            this.deadline = None;
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        // A client trickling bytes never leaves us Pending; check before reading too.
        if this.deadline.as_ref().is_some_and(|d| d.is_elapsed()) {
            return Poll::Ready(Err(too_slow()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before && this.deadline.is_none() {
                    this.deadline = Some(Box::pin(tokio::time::sleep(this.limit)));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                // Polled so the task wakes at the deadline even if no byte ever comes.
                let expired = this
                    .deadline
                    .as_mut()
                    .is_some_and(|d| d.as_mut().poll(cx).is_ready());
                if expired {
                    Poll::Ready(Err(too_slow()))
                } else {
                    Poll::Pending
                }
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeadTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMIT: Duration = Duration::from_millis(200);

    #[tokio::test]
    async fn a_head_must_finish_within_the_limit_of_its_first_byte() {
        let (client, server) = tokio::io::duplex(64);
        let phase = Arc::new(RequestPhase::default());
        let mut conn = HeadTimeout::new(server, phase.clone(), LIMIT);
        let mut client = client;
        let mut buf = [0u8; 16];

        // The first head arrives in time; the service takes it.
        client.write_all(b"GET").await.unwrap();
        assert_eq!(conn.read(&mut buf).await.unwrap(), 3);
        phase.started();
        phase.answered();

        // Idle far past the head limit: no timer runs until a byte comes.
        let idle = tokio::time::timeout(LIMIT * 4, conn.read(&mut buf)).await;
        assert!(
            idle.is_err(),
            "an idle connection is not cut by the head timer"
        );

        // A started head that stalls is cut.
        client.write_all(b"G").await.unwrap();
        assert_eq!(conn.read(&mut buf).await.unwrap(), 1);
        let err = conn.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_new_connection_that_sends_nothing_is_cut() {
        let (_client, server) = tokio::io::duplex(64);
        let phase = Arc::new(RequestPhase::default());
        let mut conn = HeadTimeout::new(server, phase, LIMIT);
        let err = conn.read(&mut [0u8; 4]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
    }
}
