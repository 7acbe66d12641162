//! `outage`: a demo on a PostgreSQL the tool stops (`pg_ctl stop -m
//! immediate`, as in a crash) for `--outage` seconds under steady sign-in
//! traffic, then starts again. Expected: every request during the outage
//! answered within 2 s (503 with Retry-After; 2xx for one that waited into
//! the restart), and sign-ins succeed again after the restart without
//! restarting the demo.

use crate::Opts;
use crate::client::{Browser, Event};
use crate::server::{Postgres, free_port, loadavg, random_hex, start_demo, temp_dir};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The slowest answer allowed while the database is down.
const MAX_OUTAGE_ANSWER: Duration = Duration::from_secs(2);
/// Traffic before the stop, and at most this long after the restart.
const WARM_UP: Duration = Duration::from_secs(5);
const AFTER: Duration = Duration::from_secs(15);

/// Runs `outage`; `Ok(false)` when an expectation failed.
pub async fn run(opts: &Opts) -> Result<bool, String> {
    let clients = opts.num("clients", 8, 1..=64)? as usize;
    let outage = Duration::from_secs(opts.num("outage", 10, 1..=60)?);
    let bin = opts.demo_bin();
    if !bin.is_file() {
        return Err(format!("no demo binary at {}", bin.display()));
    }
    let pg = match (opts.get("pgdata"), opts.get("pg-ctl"), opts.get("pg-port")) {
        (Some(data), Some(ctl), Some(port)) => {
            let port = port
                .parse()
                .map_err(|_| format!("--pg-port {port}: not a port"))?;
            Postgres::existing(PathBuf::from(ctl), PathBuf::from(data), port)
        }
        (None, None, None) => Postgres::create()?,
        _ => return Err("--pgdata, --pg-ctl and --pg-port go together".into()),
    };
    let dir = temp_dir("outage")?;
    let port = free_port()?;
    let origin = format!("http://localhost:{port}");
    let demo = start_demo(&bin, port, &[origin], &pg.url(), &random_hex(32), &dir).await?;
    println!(
        "outage: {clients} clients signing in; PostgreSQL stopped for {} s; load average {}",
        outage.as_secs(),
        loadavg()
    );

    // One account per client, registered while the database is up.
    let mut browsers = Vec::new();
    for c in 0..clients {
        let mut b = Browser::new(std::slice::from_ref(&demo.target));
        let account = b
            .sign_up(&format!("outage-{}-{c}", random_hex(4)), c as u8)
            .await
            .map_err(|e| format!("sign-up before the outage failed: {e}"))?;
        b.events = Some(Vec::new());
        browsers.push((b, account));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (mut b, mut account) in browsers {
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                b.jar.clear();
                if b.sign_in(&mut account, true).await.is_err() {
                    // Keep asking (a client ignoring Retry-After is the hard
                    // case), but not in a busy loop.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            b.events.unwrap_or_default()
        }));
    }

    tokio::time::sleep(WARM_UP).await;
    let t_stop = Instant::now();
    pg.stop_immediate()?;
    let t_stopped = Instant::now();
    tokio::time::sleep(outage.saturating_sub(t_stopped - t_stop)).await;
    let t_start = Instant::now();
    let restarted = pg.start();
    let t_up = Instant::now();
    if let Err(e) = &restarted {
        println!("PostgreSQL did not restart: {e}");
    }
    tokio::time::sleep(AFTER).await;
    stop.store(true, Ordering::Relaxed);
    let mut events: Vec<Event> = Vec::new();
    for t in tasks {
        if let Ok(e) = t.await {
            events.extend(e);
        }
    }
    let demo_alive = std::path::Path::new(&format!("/proc/{}", demo.pid())).exists();

    // The outage: requests started after `pg_ctl stop` returned (the server
    // gone) and before the restart command.
    let during: Vec<&Event> = events
        .iter()
        .filter(|e| e.started >= t_stopped && e.started < t_start)
        .collect();
    let mut took: Vec<Duration> = during.iter().map(|e| e.took).collect();
    took.sort_unstable();
    let slowest = took.last().copied().unwrap_or_default();
    let median = took
        .get(took.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default();
    let mut mix: BTreeMap<String, usize> = BTreeMap::new();
    for e in &during {
        let k = match e.status {
            Some(s) if s == 503 && e.retry_after => "503 + Retry-After".to_owned(),
            Some(s) => s.to_string(),
            None => "no answer".to_owned(),
        };
        *mix.entry(k).or_default() += 1;
    }
    let mix: Vec<String> = mix.iter().map(|(k, n)| format!("{k}×{n}")).collect();
    // Recovery: the first complete sign-in started after PostgreSQL was up
    // again (and the first 2xx answer of any request).
    let after_up = |e: &&Event| e.started >= t_up && e.status.is_some_and(|s| s < 300);
    let first_ok = events
        .iter()
        .filter(after_up)
        .map(|e| e.started + e.took)
        .min();
    let first_signin = events
        .iter()
        .filter(after_up)
        .filter(|e| e.finish)
        .map(|e| e.started + e.took)
        .min();
    let secs = |t: Option<Instant>| {
        t.map_or("never".to_owned(), |t| {
            format!("{:.2} s", t.saturating_duration_since(t_up).as_secs_f64())
        })
    };
    let before_ok = events
        .iter()
        .filter(|e| e.started < t_stop && e.status.is_some_and(|s| s < 300))
        .count();

    println!();
    println!(
        "| outage | requests during | median / slowest answer during | statuses during | first 2xx after restart | first full sign-in after restart | demo restarted | load avg |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {} s | {} | {:.3} / {:.3} s | {} | {} | {} | {} | {} |",
        outage.as_secs(),
        during.len(),
        median.as_secs_f64(),
        slowest.as_secs_f64(),
        mix.join(", "),
        secs(first_ok),
        secs(first_signin),
        if demo_alive { "no" } else { "it died" },
        loadavg()
    );
    println!(
        "\n{before_ok} successful requests before the stop; `pg_ctl start` took {:.1} s",
        (t_up - t_start).as_secs_f64()
    );
    // A request started late in the outage may wait for a connection into
    // the restart and succeed: 2xx is fine, a 500 or no answer is not.
    let all_503 = during
        .iter()
        .all(|e| (e.status == Some(503) && e.retry_after) || e.status.is_some_and(|s| s < 300));
    let ok = slowest <= MAX_OUTAGE_ANSWER
        && all_503
        && !during.is_empty()
        && first_signin.is_some()
        && demo_alive
        && restarted.is_ok();
    if !ok {
        println!(
            "EXPECTATION FAILED: answers within 2 s, each 503 + Retry-After (or 2xx), sign-in after restart; demo log {}",
            demo.log.display()
        );
    }
    drop(demo);
    drop(pg);
    if ok {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ok)
}
