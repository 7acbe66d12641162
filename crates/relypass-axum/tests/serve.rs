//! `serve` over a real loopback socket: slow and idle clients are cut off by
//! the limit meant for them. Each test sets the limit under test small and
//! every other limit far larger than the test's patience, so a connection
//! that closes in time can only have been closed by that limit. Nothing here
//! measures speed: the bounds only tell the limits apart.

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use relypass_axum::{ServerLimits, serve, serve_with_shutdown};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Far beyond any test's patience.
const NEVER: Duration = Duration::from_secs(120);
/// The limit under test.
const SHORT: Duration = Duration::from_millis(300);
/// How long a test waits for the server to act before failing.
const PATIENCE: Duration = Duration::from_secs(20);

fn limits() -> ServerLimits {
    ServerLimits::default()
        .header_read_timeout(NEVER)
        .request_timeout(NEVER)
        .idle_timeout(NEVER)
}

/// The passkey routes plus `/upload`, which reads its whole body.
fn test_app() -> Router {
    common::app().route(
        "/upload",
        post(|body: Bytes| async move { body.len().to_string() }),
    )
}

async fn start(limits: ServerLimits) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, test_app(), limits));
    addr
}

/// Reads until the server closes the connection; what it sent, and how long
/// that took. A reset counts as closed.
async fn read_to_close(s: &mut TcpStream) -> (String, Duration) {
    let t = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(PATIENCE, s.read(&mut buf)).await {
            Err(_) => panic!(
                "still open after {PATIENCE:?}: {}",
                String::from_utf8_lossy(&out)
            ),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), t.elapsed())
}

/// Reads one response (headers and a `Content-Length` body) without waiting
/// for the connection to close.
async fn read_response(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&out).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if out.len() >= end + 4 + len {
                return text;
            }
        }
        let n = tokio::time::timeout(PATIENCE, s.read(&mut buf))
            .await
            .expect("an answer in time")
            .unwrap();
        assert!(n > 0, "closed before answering: {text}");
        out.extend_from_slice(&buf[..n]);
    }
}

const HEALTH: &[u8] = b"GET /passkeys/health HTTP/1.1\r\nHost: example.com\r\n\r\n";

#[tokio::test]
async fn answers_and_keeps_alive_within_limits() {
    let addr = start(limits()).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    for _ in 0..2 {
        s.write_all(HEALTH).await.unwrap();
        let r = read_response(&mut s).await;
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
        assert!(r.ends_with(r#"{"status":"ok"}"#), "{r}");
    }
}

#[tokio::test]
async fn stalled_header_is_disconnected_by_header_timeout() {
    let addr = start(limits().header_read_timeout(SHORT)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /passkeys/session HTTP/1.1\r\nHost: exa")
        .await
        .unwrap();
    let (answer, took) = read_to_close(&mut s).await;
    assert_eq!(answer, "", "dropped, not answered");
    assert!(took >= SHORT - Duration::from_millis(50), "{took:?}");
}

#[tokio::test]
async fn trickled_header_is_disconnected_by_header_timeout() {
    // A byte every 100 ms keeps the socket busy but never finishes the
    // headers: the clock runs from the first byte, not the last.
    let addr = start(limits().header_read_timeout(SHORT)).await;
    let s = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let trickle = tokio::spawn(async move {
        for b in b"GET /passkeys/session HTTP/1.1\r\nHost: example.com\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if wr.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let mut buf = [0u8; 64];
    let t = Instant::now();
    let n = tokio::time::timeout(PATIENCE, rd.read(&mut buf))
        .await
        .expect("closed in time")
        .unwrap_or(0);
    assert_eq!(n, 0, "dropped, not answered");
    assert!(t.elapsed() >= SHORT - Duration::from_millis(50));
    trickle.abort();
}

#[tokio::test]
async fn announced_body_not_sent_is_answered_408_by_request_timeout() {
    let addr = start(limits().request_timeout(SHORT)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 10000000\r\n\r\n0123456789",
    )
    .await
    .unwrap();
    let (answer, took) = read_to_close(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(took >= SHORT - Duration::from_millis(50), "{took:?}");
}

#[tokio::test]
async fn announced_body_to_a_passkey_route_is_answered_and_closed() {
    // The passkey routes cap bodies at 64 KiB: 10 MB announced is refused
    // (413) or, if the cap only counts bytes received, timed out (408);
    // either way the connection does not stay.
    let addr = start(limits().request_timeout(SHORT)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /passkeys/signin/start HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{\"userna",
    )
    .await
    .unwrap();
    let (answer, _) = read_to_close(&mut s).await;
    assert!(
        answer.starts_with("HTTP/1.1 413") || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

#[tokio::test]
async fn kept_alive_connection_is_closed_by_idle_timeout() {
    let addr = start(limits().idle_timeout(SHORT)).await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(HEALTH).await.unwrap();
    let r = read_response(&mut s).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let (rest, took) = read_to_close(&mut s).await;
    assert_eq!(rest, "");
    assert!(took >= SHORT - Duration::from_millis(50), "{took:?}");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    let addr = start(limits().max_connections(1)).await;
    let mut first = TcpStream::connect(addr).await.unwrap();
    first.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut first).await.starts_with("HTTP/1.1 200"));
    // The second connection sits in the backlog: not served while the first
    // (kept alive) holds the only slot.
    let mut second = TcpStream::connect(addr).await.unwrap();
    second.write_all(HEALTH).await.unwrap();
    let mut buf = [0u8; 16];
    assert!(
        tokio::time::timeout(SHORT, second.read(&mut buf))
            .await
            .is_err(),
        "served beyond the cap"
    );
    drop(first);
    assert!(read_response(&mut second).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_returns() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(
        listener,
        test_app(),
        limits(),
        async move {
            let _ = stopped.await;
        },
    ));
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(HEALTH).await.unwrap();
    assert!(read_response(&mut s).await.starts_with("HTTP/1.1 200"));
    stop.send(()).unwrap();
    let (rest, _) = read_to_close(&mut s).await;
    assert_eq!(rest, "");
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("serve returned")
        .unwrap()
        .unwrap();
}
