//! Many concurrent callers, one database round trip per batch.
//!
//! A [`Coalescer`] owns one worker task. Callers queue a request and wait; the worker takes
//! everything queued, runs it as one batch, answers each caller, and starts over. Requests that
//! arrive while a batch runs wait for the next one, so **every answer comes from a batch that
//! started after the request was made**. That is what lets PostgreSQL replicas share one read of
//! the revocation epoch (or one rate-limit transaction) among all requests in flight and still
//! see, on the very next request, a revocation committed before it.
//!
//! Before a batch starts, the worker gathers: it yields to the scheduler and takes what was
//! queued meanwhile, again and again while each turn brings more (at most [`GATHER_TURNS`]
//! turns). A yield lets the runtime poll its sockets and run the requests that arrived, so
//! those that would reach the queue a few microseconds after the first one share its batch
//! instead of waiting a whole round trip for the next. On PostgreSQL that took a verify from
//! about 5 to about 8 requests per statement, and the CPU it costs the server and the database
//! together down by about a fifth (`cargo bench --bench verify`; docs/performance.md). A lone
//! request costs one turn that brings nothing, a few microseconds.
//!
//! A failed batch fails every request in it (the callers answer 503); the next batch is tried
//! afresh, so the server recovers by itself when the database is back.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

type Reply<Resp, E> = oneshot::Sender<Result<Resp, E>>;

/// Scheduler turns a worker spends gathering a batch, at most. It stops at the first turn that
/// brings nothing, so this bounds only how long a steady stream can hold a batch back.
pub(crate) const GATHER_TURNS: usize = 8;

pub(crate) struct Coalescer<Req, Resp, E> {
    queue: mpsc::UnboundedSender<(Req, Reply<Resp, E>)>,
}

/// The worker is gone: it can only have panicked, so the store is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WorkerGone;

/// Adds to `waiting` what callers queue over the next scheduler turns, until a turn brings
/// nothing, the batch is full, or [`GATHER_TURNS`] have passed.
async fn gather<T>(rx: &mut mpsc::UnboundedReceiver<T>, waiting: &mut Vec<T>, max_batch: usize) {
    for _ in 0..GATHER_TURNS {
        if waiting.len() >= max_batch {
            return;
        }
        tokio::task::yield_now().await;
        let before = waiting.len();
        while waiting.len() < max_batch {
            match rx.try_recv() {
                Ok(item) => waiting.push(item),
                Err(_) => break,
            }
        }
        if waiting.len() == before {
            return;
        }
    }
}

impl<Req, Resp, E> Coalescer<Req, Resp, E>
where
    Req: Send + 'static,
    Resp: Send + 'static,
    E: Clone + Send + 'static,
{
    /// Spawns the worker on the current tokio runtime. `run` answers a batch with one response
    /// per request, in order, or one error for all. At most `max_batch` requests go in a batch.
    /// The worker stops when the coalescer is dropped.
    pub(crate) fn spawn<F, Fut>(max_batch: usize, mut run: F) -> Self
    where
        F: FnMut(Vec<Req>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<Resp>, E>> + Send,
    {
        let (queue, mut rx) = mpsc::unbounded_channel::<(Req, Reply<Resp, E>)>();
        let max_batch = max_batch.max(1);
        tokio::spawn(async move {
            let mut waiting = Vec::new();
            while rx.recv_many(&mut waiting, max_batch).await > 0 {
                gather(&mut rx, &mut waiting, max_batch).await;
                // A caller that gave up (its request timed out) needs no answer.
                waiting.retain(|(_, reply)| !reply.is_closed());
                if waiting.is_empty() {
                    continue;
                }
                let (requests, replies): (Vec<Req>, Vec<Reply<Resp, E>>) =
                    waiting.drain(..).unzip();
                match run(requests).await {
                    Ok(responses) => {
                        debug_assert_eq!(responses.len(), replies.len());
                        for (reply, resp) in replies.into_iter().zip(responses) {
                            let _ = reply.send(Ok(resp));
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
        Coalescer { queue }
    }

    /// Queues `req` and waits for the answer of the batch it lands in.
    pub(crate) async fn call(&self, req: Req) -> Result<Result<Resp, E>, WorkerGone> {
        let (reply, answer) = oneshot::channel();
        self.queue.send((req, reply)).map_err(|_| WorkerGone)?;
        answer.await.map_err(|_| WorkerGone)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_batches_and_each_gets_its_own_answer() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = batches.clone();
        let c = Arc::new(Coalescer::spawn(64, move |reqs: Vec<u32>| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                Ok::<_, String>(reqs.into_iter().map(|r| r * 2).collect())
            }
        }));
        let calls: Vec<_> = (0..200u32)
            .map(|i| {
                let c = c.clone();
                tokio::spawn(async move { (i, c.call(i).await) })
            })
            .collect();
        for call in calls {
            let (i, answer) = call.await.unwrap();
            assert_eq!(answer, Ok(Ok(i * 2)));
        }
        let n = batches.load(Ordering::SeqCst);
        assert!(n < 200, "200 concurrent calls ran as {n} batches");
    }

    /// Requests arrive in waves over sockets, as they do on a server: each wave's socket turns
    /// readable only when the wave before it has queued its request, so the runtime sees it at
    /// its next poll of the sockets. Without gathering the worker would run each wave alone.
    #[cfg(unix)]
    #[tokio::test]
    async fn requests_that_arrive_while_the_worker_gathers_share_its_batch() {
        use tokio::io::AsyncReadExt;
        use tokio::net::UnixStream;

        const WAVES: usize = 5;
        let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let c = Arc::new(Coalescer::spawn(64, move |reqs: Vec<usize>| {
            seen.lock().unwrap().push(reqs.len());
            async move { Ok::<_, ()>(reqs) }
        }));
        let (mut senders, receivers): (Vec<_>, Vec<_>) =
            (0..WAVES).map(|_| UnixStream::pair().unwrap()).unzip();
        let first = senders.remove(0);
        let mut next = senders.into_iter().map(Some).collect::<Vec<_>>();
        next.push(None);
        let waves: Vec<_> = receivers
            .into_iter()
            .zip(next)
            .enumerate()
            .map(|(i, (mut arrival, next))| {
                let c = c.clone();
                tokio::spawn(async move {
                    arrival.read_exact(&mut [0u8]).await.unwrap();
                    if let Some(next) = next {
                        next.try_write(b"r").unwrap();
                    }
                    (i, c.call(i).await)
                })
            })
            .collect();
        first.try_write(b"r").unwrap();
        for wave in waves {
            let (i, answer) = wave.await.unwrap();
            assert_eq!(answer, Ok(Ok(i)));
        }
        assert_eq!(*sizes.lock().unwrap(), vec![WAVES]);
    }

    #[tokio::test]
    async fn gathering_stops_at_a_full_batch() {
        let sizes = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = sizes.clone();
        let c = Arc::new(Coalescer::spawn(8, move |reqs: Vec<usize>| {
            seen.lock().unwrap().push(reqs.len());
            async move { Ok::<_, ()>(reqs) }
        }));
        let calls: Vec<_> = (0..20usize)
            .map(|i| {
                let c = c.clone();
                tokio::spawn(async move { c.call(i).await })
            })
            .collect();
        for call in calls {
            call.await.unwrap().unwrap().unwrap();
        }
        assert_eq!(*sizes.lock().unwrap(), vec![8, 8, 4]);
    }

    #[tokio::test]
    async fn a_failed_batch_fails_its_callers_and_the_next_batch_runs_afresh() {
        let fail = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = fail.clone();
        let c = Coalescer::spawn(8, move |reqs: Vec<u32>| {
            let failing = flag.load(Ordering::SeqCst);
            async move {
                if failing {
                    Err("database down".to_string())
                } else {
                    Ok(reqs)
                }
            }
        });
        assert_eq!(c.call(1).await, Ok(Err("database down".to_string())));
        fail.store(false, Ordering::SeqCst);
        assert_eq!(c.call(2).await, Ok(Ok(2)));
    }

    #[tokio::test]
    async fn a_request_made_during_a_batch_waits_for_the_next_one() {
        // The batch number each request is answered from must be one that started after it.
        let started = Arc::new(AtomicUsize::new(0));
        let s = started.clone();
        let c = Arc::new(Coalescer::spawn(64, move |reqs: Vec<usize>| {
            let batch = s.fetch_add(1, Ordering::SeqCst) + 1;
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok::<_, ()>(reqs.into_iter().map(|_| batch).collect())
            }
        }));
        let first = {
            let c = c.clone();
            tokio::spawn(async move { c.call(0).await })
        };
        while started.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        // Batch 1 is running now; this request was made after it started.
        let seen_at_call = started.load(Ordering::SeqCst);
        let answered_by = c.call(0).await.unwrap().unwrap();
        assert!(answered_by > seen_at_call);
        assert_eq!(first.await.unwrap(), Ok(Ok(1)));
    }
}
