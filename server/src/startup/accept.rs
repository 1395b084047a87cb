//! The accept loop: HTTP/1.1 over TCP with the connection limits `axum::serve` does not offer.
//!
//! - A client that dribbles its headers (slowloris), or leaves a keep-alive connection idle, is
//!   disconnected after `header_timeout` (hyper's header-read timeout).
//! - A client that stops taking its response (a full socket buffer for `write_timeout`, with no
//!   byte taken meanwhile) is disconnected: hyper has no write timeout, so the socket is wrapped
//!   ([`WriteDeadline`]).
//! - At most `max_connections` are open; the next waits in the kernel's accept queue until one
//!   closes, so the process never runs out of file descriptors and is not taken down by a flood.
//!
//! Each connection is its own task, so slow ones never delay others. Every request carries its
//! peer address (`ConnectInfo<SocketAddr>`) for the throttle and the per-client cap. On shutdown
//! it stops accepting, lets requests in flight finish (up to [`DRAIN_FOR`]), and returns.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::Sleep;
use tower::ServiceExt;

use crate::config::Limits;

/// How long a graceful stop waits for requests in flight.
pub const DRAIN_FOR: Duration = Duration::from_secs(10);

/// The same warning (cannot accept, all connections taken) is logged at most this often; the
/// next one says how many were left out meanwhile. A flood must not flood the log as well.
const WARN_EVERY: Duration = Duration::from_secs(60);

/// The limits of a connection (from `BELCO_HEADER_TIMEOUT`, `BELCO_WRITE_TIMEOUT` and
/// `BELCO_MAX_CONNECTIONS`).
#[derive(Clone, Copy, Debug)]
pub struct Connections {
    pub header_timeout: Duration,
    pub write_timeout: Duration,
    pub max: usize,
}

impl From<&Limits> for Connections {
    fn from(limits: &Limits) -> Self {
        Self { header_timeout: limits.header_timeout, write_timeout: limits.write_timeout, max: limits.max_connections }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, with the default limits but for
/// `header_timeout`.
pub async fn run(listener: TcpListener, router: Router, header_timeout: Duration, shutdown: impl Future<Output = ()>) {
    let connections = Connections { header_timeout, ..Connections::from(&Limits::default()) };
    run_with(listener, router, connections, shutdown).await;
}

/// Serves `router` on `listener` until `shutdown` completes, within `limits`.
pub async fn run_with(listener: TcpListener, router: Router, limits: Connections, shutdown: impl Future<Output = ()>) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    let open = Arc::new(Semaphore::new(limits.max.max(1)));
    let mut full = Warning::default();
    let mut failing = Warning::default();
    loop {
        // The place is taken before accepting, so a connection past the cap stays in the
        // kernel's queue (and its client waits) instead of being accepted and dropped.
        let place = match open.clone().try_acquire_owned() {
            Ok(place) => place,
            Err(_) => {
                if let Some(left_out) = full.due() {
                    tracing::warn!(
                        max_connections = limits.max,
                        left_out,
                        "every connection is taken (BELCO_MAX_CONNECTIONS): new ones wait until one closes"
                    );
                }
                tokio::select! {
                    place = open.clone().acquire_owned() => match place {
                        Ok(place) => place,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, most likely: wait for connections to end.
                    if let Some(left_out) = failing.due() {
                        tracing::warn!(error = %e, left_out, "cannot accept a connection");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small streamed responses otherwise wait on Nagle's algorithm (tens of ms each).
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let io = TokioIo::new(WriteDeadline::new(tcp, limits.write_timeout));
        let connection = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            // A client that goes away or times out is an ordinary end, not worth a log line.
            let _ = connection.await;
            drop(place);
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_FOR, graceful.shutdown()).await.is_err() {
        tracing::warn!("stopping with requests still in flight after {DRAIN_FOR:?}");
    }
}

/// A warning logged at most once per [`WARN_EVERY`], counting the ones left out.
#[derive(Default)]
struct Warning {
    last: Option<Instant>,
    left_out: u64,
}

impl Warning {
    /// `Some(how many were left out since the last)` when this one is to be logged.
    fn due(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self.last.is_some_and(|last| now.duration_since(last) < WARN_EVERY) {
            self.left_out += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.left_out))
    }
}

/// A connection's socket whose writes fail (`TimedOut`) after `timeout` without progress: a
/// client that stops reading fills its socket buffer, every write then waits, and hyper would
/// wait with it forever. Any byte taken starts the wait anew, so a slow reader that keeps
/// reading is served. Reads are passed through (the header-read timeout and the body deadline
/// cover them).
pub struct WriteDeadline<T> {
    inner: T,
    timeout: Duration,
    /// Set while a write (or flush) waits; cleared by progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> WriteDeadline<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        Self { inner, timeout, stalled: None }
    }

    /// What a write that returned `result` answers: its result with the wait cleared, or, while
    /// it is pending, pending until the wait expires, then `TimedOut`.
    fn watch<R>(&mut self, cx: &mut Context<'_>, result: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if result.is_ready() {
            self.stalled = None;
            return result;
        }
        let timeout = self.timeout;
        let stalled = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(stalled.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, "the client took nothing of the response in time")))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteDeadline<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteDeadline<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, result)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, result)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn a_write_nobody_reads_fails_after_the_timeout_and_a_slow_reader_is_served() {
        let (near, mut far) = tokio::io::duplex(1024);
        let mut near = WriteDeadline::new(near, Duration::from_millis(200));
        let started = Instant::now();
        let error = near.write_all(&[0u8; 64 * 1024]).await.expect_err("nobody reads");
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());

        // A reader that takes a little every 100 ms (less than the timeout) gets it all.
        let (near, mut far2) = tokio::io::duplex(1024);
        let mut near = WriteDeadline::new(near, Duration::from_millis(200));
        let reader = tokio::spawn(async move {
            let mut got = 0;
            let mut chunk = [0u8; 1024];
            while got < 8 * 1024 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                got += far2.read(&mut chunk).await.expect("read");
            }
            got
        });
        near.write_all(&[1u8; 8 * 1024]).await.expect("a slow reader is served");
        assert_eq!(reader.await.expect("join"), 8 * 1024);
        let _ = far.read(&mut [0u8; 1]).await;
    }

    #[test]
    fn a_warning_is_due_once_a_minute_and_counts_the_rest() {
        let mut warning = Warning::default();
        assert_eq!(warning.due(), Some(0));
        assert_eq!(warning.due(), None);
        assert_eq!(warning.due(), None);
        warning.last = Some(Instant::now() - WARN_EVERY);
        assert_eq!(warning.due(), Some(2));
    }
}
