//! Serving a [`Router`] over HTTP/1.1 with limits on slow and idle clients.
//!
//! `axum::serve` has no timeouts: a client that trickles its headers or its
//! body one byte at a time, or announces a large body and never sends it,
//! holds a connection (and a task, and a file descriptor) for as long as it
//! likes, and a thousand of them exhaust the server. [`serve`] bounds every
//! phase of a connection's life (see [`ServerLimits`]) and the number of
//! connections, and drops a connection that exceeds a bound.

use axum::Router;
use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONNECTION, CONTENT_TYPE};
use axum::http::{HeaderValue, Request, Response, StatusCode};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// The bounds [`serve`] puts on every connection.
///
/// A connection is dropped (the socket closed, nothing answered) when it
/// exceeds the header or idle bound; a request that exceeds the request bound
/// is answered `408 Request Timeout` with `Connection: close`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerLimits {
    /// From a connection's accept, or from the first byte of a later request
    /// on a kept-alive connection, until that request's headers are complete.
    /// Default 10 s.
    pub header_read_timeout: Duration,
    /// From a request's complete headers until the handler's answer, reading
    /// the body included (a body announced but not sent ends here). Default
    /// 30 s. Keep it above the store's own timeouts, so a slow store is
    /// answered 503 by the handler rather than 408 here.
    pub request_timeout: Duration,
    /// How long a connection may stay open with no request in progress: a
    /// kept-alive connection waiting for its next request, or a client slow
    /// to read an answer. Default 60 s.
    pub idle_timeout: Duration,
    /// Connections served at once; more wait in the listener's backlog until
    /// one closes. Default 1024.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl ServerLimits {
    /// Sets [`header_read_timeout`](Self::header_read_timeout).
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets [`request_timeout`](Self::request_timeout).
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets [`idle_timeout`](Self::idle_timeout).
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets [`max_connections`](Self::max_connections) (at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// The connection cap as semaphore permits: at least one, and within
    /// what `Semaphore::acquire_many` can take back at shutdown.
    fn permits(&self) -> u32 {
        let cap = Semaphore::MAX_PERMITS.min(usize::try_from(u32::MAX).unwrap_or(usize::MAX));
        u32::try_from(self.max_connections.clamp(1, cap)).unwrap_or(u32::MAX)
    }
}

/// A listening socket for [`serve`] with room for `backlog` connections
/// waiting to be accepted; pass [`ServerLimits::max_connections`].
///
/// Why not `TcpListener::bind`: it asks the kernel for a backlog of 128, and a
/// burst of new connections beyond that (measured: 1,000 opened at once,
/// `loadtest slow`) leaves some whose handshake completed on the client's side
/// only: they wait unanswered and are never accepted, so no limit applies to
/// them. The kernel still caps the backlog (`net.core.somaxconn`).
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let limits = relypass_axum::ServerLimits::default();
/// let listener = relypass_axum::bind("127.0.0.1:8080", limits.max_connections).await?;
/// relypass_axum::serve(listener, app, limits).await
/// # }
/// ```
pub async fn bind(addr: impl tokio::net::ToSocketAddrs, backlog: usize) -> io::Result<TcpListener> {
    let backlog = u32::try_from(backlog).unwrap_or(u32::MAX).max(1);
    let mut last = io::Error::new(io::ErrorKind::InvalidInput, "no address to listen on");
    for addr in tokio::net::lookup_host(addr).await? {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        // As `TcpListener::bind` does on Unix: a restarted server can listen
        // again while connections of its previous run are in TIME_WAIT.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        match socket.bind(addr).and_then(|()| socket.listen(backlog)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Serves `app` on `listener` over HTTP/1.1 within `limits`, until the process
/// ends. See [`serve_with_shutdown`] to stop it.
///
/// ```no_run
/// # async fn run(app: axum::Router) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// relypass_axum::serve(listener, app, relypass_axum::ServerLimits::default()).await
/// # }
/// ```
pub async fn serve(listener: TcpListener, app: Router, limits: ServerLimits) -> io::Result<()> {
    serve_with_shutdown(listener, app, limits, std::future::pending()).await
}

/// [`serve`] until `signal` completes; then stops accepting, lets each open
/// connection finish its request in progress (no more on the same
/// connection), closes idle ones at once, and returns when all are closed.
/// The drain is bounded by the limits: a connection still busy after them is
/// dropped as always.
pub async fn serve_with_shutdown(
    listener: TcpListener,
    app: Router,
    limits: ServerLimits,
    signal: impl Future<Output = ()> + Send,
) -> io::Result<()> {
    let permits = limits.permits();
    // Each connection holds a permit until it closes: a full semaphore is the
    // connection cap, and taking every permit back is "all closed".
    let slots = Arc::new(Semaphore::new(permits as usize));
    let (stop, stopping) = watch::channel(());
    let mut signal = pin!(signal);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = signal.as_mut() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little rather than spin.
                    tracing::warn!(error = %e, "relypass-axum accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = signal.as_mut() => break,
        };
        // Answers are small and written at once; do not hold them back.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            connection(stream, app, limits, stopping).await;
            drop(permit);
        });
    }
    drop(listener);
    // Wakes every connection task (the value carries nothing).
    let _ = stop.send(());
    let _ = slots.acquire_many(permits).await;
    Ok(())
}

/// One connection: hyper's HTTP/1.1 state machine, watched by a deadline that
/// depends on what the connection is doing (see [`Activity::deadline`]).
async fn connection(
    stream: TcpStream,
    app: Router,
    limits: ServerLimits,
    mut stopping: watch::Receiver<()>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: Arc::clone(&activity),
    });
    let on_request = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let app = app.clone();
        let activity = Arc::clone(&on_request);
        async move { Ok::<_, Infallible>(answer(app, req, limits.request_timeout, activity).await) }
    });
    // hyper's own header timer starts whenever it waits for a request, idle or
    // not, so it cannot tell idle from slow; the watchdog below enforces both,
    // and hyper's timer is only a backstop at their sum.
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(
            limits
                .header_read_timeout
                .saturating_add(limits.idle_timeout),
        )
        .serve_connection(io, service);
    let mut conn = pin!(conn);
    let mut draining = false;
    loop {
        let deadline = activity
            .deadline(&limits)
            .unwrap_or_else(|| after(Instant::now(), limits.request_timeout));
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(error = %e, "relypass-axum connection ended with an error");
                }
                return;
            }
            () = tokio::time::sleep_until(deadline) => {
                if activity.deadline(&limits).is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!("relypass-axum connection timed out; closing it");
                    // Dropping the connection closes the socket.
                    return;
                }
            }
            // A request began or ended: the deadline moved.
            () = activity.changed.notified() => {}
            _ = stopping.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Runs the request through `app` within `timeout`; past it, the handler is
/// dropped (whatever it was waiting for, the body included) and the client is
/// told 408 and that the connection closes.
async fn answer(
    app: Router,
    req: Request<Incoming>,
    timeout: Duration,
    activity: Arc<Activity>,
) -> Response<Body> {
    let _in_flight = InFlight::start(activity);
    match tokio::time::timeout(timeout, app.oneshot(req.map(Body::new))).await {
        Ok(Ok(res)) => res,
        Ok(Err(never)) => match never {},
        Err(_) => {
            let mut res = Response::new(Body::from(r#"{"error":"The request took too long."}"#));
            *res.status_mut() = StatusCode::REQUEST_TIMEOUT;
            let h = res.headers_mut();
            h.insert(CONNECTION, HeaderValue::from_static("close"));
            h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
    }
}

/// What one connection is doing, for its watchdog.
struct Activity {
    state: Mutex<ActivityState>,
    /// Wakes the watchdog when a request begins or ends (its deadline moves;
    /// a stored permit means no change is missed between two looks).
    changed: Notify,
}

struct ActivityState {
    /// Requests handed to the app and not yet answered.
    in_flight: usize,
    /// When the connection last had no request in progress.
    idle_since: Instant,
    /// The first byte of a request whose headers are not complete yet.
    first_byte: Option<Instant>,
}

impl Activity {
    fn new() -> Self {
        let now = Instant::now();
        // A new connection is opened to send a request: its header clock
        // starts at once.
        Activity {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                idle_since: now,
                first_byte: Some(now),
            }),
            changed: Notify::new(),
        }
    }

    /// The state; a poisoned lock (a panic elsewhere while holding it) still
    /// holds consistent counters, so it is used as is.
    fn state(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bytes_read(&self) {
        let started = {
            let mut s = self.state();
            let starts = s.in_flight == 0 && s.first_byte.is_none();
            if starts {
                s.first_byte = Some(Instant::now());
            }
            starts
        };
        // The header clock replaces the idle one (it may end sooner).
        if started {
            self.changed.notify_one();
        }
    }

    /// When the connection must be closed if nothing changes: `None` while a
    /// request is in the app (the request timeout bounds it).
    fn deadline(&self, limits: &ServerLimits) -> Option<Instant> {
        let s = self.state();
        if s.in_flight > 0 {
            None
        } else if let Some(first) = s.first_byte {
            Some(after(first, limits.header_read_timeout))
        } else {
            Some(after(s.idle_since, limits.idle_timeout))
        }
    }
}

/// `t + d`, or a day later if that overflows (a limit of `Duration::MAX`
/// means "no limit", not a panic).
fn after(t: Instant, d: Duration) -> Instant {
    t.checked_add(d)
        .or_else(|| t.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(t)
}

/// Marks a request in flight for as long as it lives, so the count is right
/// even when the request's future is dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> Self {
        {
            let mut s = activity.state();
            s.in_flight = s.in_flight.saturating_add(1);
            s.first_byte = None;
        }
        activity.changed.notify_one();
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        {
            let mut s = self.0.state();
            s.in_flight = s.in_flight.saturating_sub(1);
            if s.in_flight == 0 {
                s.idle_since = Instant::now();
            }
        }
        self.0.changed.notify_one();
    }
}

/// The socket, noting when request bytes arrive.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
