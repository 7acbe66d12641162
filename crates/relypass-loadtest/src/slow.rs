//! `slow`: slow clients. A third of the connections trickle request headers
//! one byte every 3 s, a third send complete headers announcing a 10 MB body
//! and then 10 bytes of it, a third open and send nothing. Measures when the
//! server closes each (read returns 0 or fails), and the server's open file
//! descriptors before, during and after. relypass-axum's `ServerLimits`
//! defaults: headers 10 s, whole request 30 s (answered 408), idle 60 s.

use crate::Opts;
use crate::http::read_response;
use crate::server::{Target, fd_count, loadavg, start_one_demo, temp_dir};
use crate::stats::percentile;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How often a trickling client sends its next byte.
const TRICKLE: Duration = Duration::from_secs(3);
/// The body length announced by the slow-body clients.
const ANNOUNCED: usize = 10_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Trickle,
    SlowBody,
    Silent,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Trickle => "headers 1 byte / 3 s",
            Kind::SlowBody => "10 MB announced, 10 bytes sent",
            Kind::Silent => "connect, send nothing",
        }
    }

    /// The limit that should end it, as relypass-axum's defaults have it.
    fn expected(self) -> &'static str {
        match self {
            Kind::Trickle | Kind::Silent => "headers 10 s: dropped",
            Kind::SlowBody => "request 30 s: 408",
        }
    }
}

/// What became of one connection.
struct Outcome {
    kind: Kind,
    /// Seconds from connect until the server closed it; `None`: still open
    /// at the deadline (or never connected, see `connected`).
    closed_after: Option<f64>,
    /// The status the server answered, if it answered.
    status: Option<u16>,
    /// Whether the server ever held the connection: false when connecting
    /// failed, or when the handshake was dropped by a full listen queue.
    connected: bool,
}

/// Runs `slow`; `Ok(false)` when a connection outlived the deadline.
pub async fn run(opts: &Opts) -> Result<bool, String> {
    let connections = opts.num("connections", 1000, 3..=5000)? as usize;
    let deadline_s = opts.num("deadline", 90, 5..=300)?;
    // 0: every connection at once. A burst larger than the server's listen
    // backlog leaves some handshakes unaccepted; pacing measures the
    // timeouts alone.
    let per_second = opts.num("open-per-second", 0, 0..=100_000)?;
    let dir = temp_dir("slow")?;
    let (target, demo) = match opts.get("url") {
        Some(url) => (Target::from_url(url)?, None),
        None => {
            let db = format!("sqlite://{}", dir.join("slow.db").display());
            let d = start_one_demo(&opts.demo_bin(), &dir, &db).await?;
            (d.target.clone(), Some(d))
        }
    };
    let pid = demo.as_ref().map(|d| d.pid());
    let fds = || pid.and_then(fd_count);
    let fds_before = fds();
    let overflows_before = listen_overflows();
    println!(
        "slow: {connections} connections ({}), deadline {deadline_s} s; load average {}",
        if per_second > 0 {
            format!("{per_second} opened per second")
        } else {
            "opened at once".to_owned()
        },
        loadavg()
    );
    let started = Instant::now();
    let deadline = started + Duration::from_secs(deadline_s);
    let mut tasks = Vec::new();
    for i in 0..connections {
        let kind = match i % 3 {
            0 => Kind::Trickle,
            1 => Kind::SlowBody,
            _ => Kind::Silent,
        };
        let addr = target.addr;
        if per_second > 0 && i > 0 && (i as u64).is_multiple_of(per_second.div_ceil(10)) {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tasks.push(tokio::spawn(async move { one(addr, kind, deadline).await }));
    }
    // Sample the server's descriptors while the connections live.
    let mut fds_max = fds_before;
    let mut fds_at_10s = None;
    while Instant::now() < deadline && tasks.iter().any(|t| !t.is_finished()) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = fds();
        fds_max = fds_max.max(now);
        if fds_at_10s.is_none() && started.elapsed() >= Duration::from_secs(5) {
            fds_at_10s = now;
        }
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        if let Ok(o) = t.await {
            outcomes.push(o);
        }
    }
    let took = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let fds_after = fds();

    println!();
    println!(
        "| client | connections | closed by server | still open at {deadline_s} s | time to close p50 / p99 / max s | answers | expected |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut all_closed = true;
    for kind in [Kind::Trickle, Kind::SlowBody, Kind::Silent] {
        let of: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
        let mut times: Vec<u64> = of
            .iter()
            .filter_map(|o| o.closed_after)
            .map(|s| (s * 1000.0) as u64)
            .collect();
        times.sort_unstable();
        let open = of
            .iter()
            .filter(|o| o.connected && o.closed_after.is_none())
            .count();
        let refused = of.iter().filter(|o| !o.connected).count();
        all_closed &= open == 0;
        let mut answers = std::collections::BTreeMap::new();
        for o in &of {
            *answers
                .entry(o.status.map_or("none".to_owned(), |s| s.to_string()))
                .or_insert(0) += 1;
        }
        let answers: Vec<String> = answers.iter().map(|(k, n)| format!("{k}×{n}")).collect();
        let secs = |v: u64| v as f64 / 1000.0;
        println!(
            "| {} | {} | {} | {open}{} | {:.1} / {:.1} / {:.1} | {} | {} |",
            kind.name(),
            of.len(),
            times.len(),
            if refused > 0 {
                format!(" ({refused} never held by the server)")
            } else {
                String::new()
            },
            secs(percentile(&times, 50.0)),
            secs(percentile(&times, 99.0)),
            secs(times.last().copied().unwrap_or(0)),
            answers.join(", "),
            kind.expected(),
        );
    }
    let show = |v: Option<usize>| v.map_or("n/a".to_owned(), |n| n.to_string());
    let overflows = listen_overflows()
        .zip(overflows_before)
        .map(|(a, b)| a.saturating_sub(b));
    println!(
        "\nlisten-queue overflows during the run (whole machine, /proc/net/netstat): {}",
        show(overflows.map(|n| n as usize))
    );
    println!(
        "server fds: before {}, at 5 s {}, max {}, after {}; {took:.0} s; load average {}",
        show(fds_before),
        show(fds_at_10s),
        show(fds_max),
        show(fds_after),
        loadavg()
    );
    if let (Some(before), Some(max)) = (fds_before, fds_max) {
        let accepted = max.saturating_sub(before);
        if accepted < connections {
            println!(
                "note: the server held at most {accepted} of the {connections} connections at once; \
                 a handshake a full listen queue dropped looks established to the client only \
                 (the server holds nothing for it), so it shows as still open above"
            );
        }
    }
    if !all_closed {
        println!("EXPECTATION FAILED: connections still open at the deadline");
    }
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(all_closed)
}

/// One slow client, until the server closes it or the deadline passes.
async fn one(addr: std::net::SocketAddr, kind: Kind, deadline: Instant) -> Outcome {
    let left = deadline.saturating_duration_since(Instant::now());
    let stream = match tokio::time::timeout(left, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        _ => {
            return Outcome {
                kind,
                closed_after: None,
                status: None,
                connected: false,
            };
        }
    };
    let t0 = Instant::now();
    let (mut rd, mut wr) = stream.into_split();
    let (closed, status) = match kind {
        Kind::Trickle => {
            // Longer than any deadline allows at 1 byte / 3 s.
            let head = format!(
                "GET /api/state HTTP/1.1\r\nHost: localhost\r\nX-Pad: {}\r\n\r\n",
                "a".repeat(200)
            );
            let mut buf = [0u8; 1024];
            let mut sent = 0;
            let closed = loop {
                if sent < head.len() && wr.write_all(&head.as_bytes()[sent..=sent]).await.is_err() {
                    break true;
                }
                sent += 1;
                let wait = TRICKLE.min(deadline.saturating_duration_since(Instant::now()));
                match tokio::time::timeout(wait, rd.read(&mut buf)).await {
                    Ok(Ok(0)) | Ok(Err(_)) => break true,
                    Ok(Ok(_)) => continue,
                    Err(_) if Instant::now() >= deadline => break false,
                    Err(_) => continue,
                }
            };
            (closed, None)
        }
        Kind::SlowBody => {
            let head = format!(
                "POST /api/signin/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {ANNOUNCED}\r\n\r\n{{\"a\":1234}}"
            );
            if wr.write_all(head.as_bytes()).await.is_err() {
                (true, None)
            } else {
                let left = deadline.saturating_duration_since(Instant::now());
                let mut reader = BufReader::new(rd);
                match tokio::time::timeout(left, async {
                    let status = read_response(&mut reader).await.ok().map(|r| r.status);
                    // Then wait for the close itself.
                    let mut buf = [0u8; 1024];
                    while matches!(reader.read(&mut buf).await, Ok(n) if n > 0) {}
                    status
                })
                .await
                {
                    Ok(status) => (true, status),
                    Err(_) => (false, None),
                }
            }
        }
        Kind::Silent => {
            let left = deadline.saturating_duration_since(Instant::now());
            let mut buf = [0u8; 1024];
            let r = tokio::time::timeout(left, async {
                while matches!(rd.read(&mut buf).await, Ok(n) if n > 0) {}
            })
            .await;
            if r.is_ok() {
                (true, None)
            } else {
                // Still open here: was it ever the server's? A handshake the
                // listen queue dropped looks established to the client only;
                // one byte then draws a reset from the server's kernel.
                let _ = wr.write_all(b"G").await;
                let probe = tokio::time::timeout(Duration::from_secs(2), rd.read(&mut buf)).await;
                if matches!(probe, Ok(Err(_))) {
                    return Outcome {
                        kind,
                        closed_after: None,
                        status: None,
                        connected: false,
                    };
                }
                (false, None)
            }
        }
    };
    Outcome {
        kind,
        closed_after: closed.then(|| t0.elapsed().as_secs_f64()),
        status,
        connected: true,
    }
}

/// The machine's `TcpExt: ListenOverflows` counter: handshakes dropped
/// because a listen queue was full.
fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = text.lines().filter(|l| l.starts_with("TcpExt:"));
    let names = lines.next()?;
    let values = lines.next()?;
    names
        .split_whitespace()
        .zip(values.split_whitespace())
        .find(|(n, _)| *n == "ListenOverflows")
        .and_then(|(_, v)| v.parse().ok())
}
