//! `enumeration`: can an attacker tell a known username from an unknown one
//! by the demo's sign-in start, through the time it takes or the size of its
//! answer? Signs up `--users` accounts, then sends `--pairs` pairs of
//! `POST /api/signin/start {username}` — one known name, one never-seen
//! name, alternating which goes first so a drift in the machine's speed
//! falls on both — over one kept-alive connection, and reports both medians,
//! the difference with a 95 % bootstrap interval, a Mann–Whitney U test and
//! the answers' sizes. One demo on a fresh SQLite file.

use crate::Opts;
use crate::client::Browser;
use crate::server::{loadavg, random_hex, start_one_demo, temp_dir};
use relypass_testkit::stats::{Rng, bootstrap, mann_whitney, median};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

/// Pairs sent before measuring (connection, caches, the allocator).
const WARM_UP: u64 = 100;

/// Runs `enumeration`; `Ok(false)` if the two sides differ significantly in
/// time (p < 0.01) or a request failed.
pub async fn run(opts: &Opts) -> Result<bool, String> {
    let users = opts.num("users", 50, 1..=1000)?;
    let pairs = opts.num("pairs", 1000, 200..=100_000)?;
    let dir = temp_dir("enumeration")?;
    let database = format!("sqlite://{}", dir.join("enumeration.db").display());
    let demo = start_one_demo(&opts.demo_bin(), &dir, &database).await?;
    let tag = random_hex(4);
    let mut b = Browser::new(std::slice::from_ref(&demo.target));
    let mut known = Vec::new();
    for i in 0..users {
        let name = format!("known-{tag}-{i}");
        b.sign_up(&name, (i % 250) as u8 + 1)
            .await
            .map_err(|e| format!("sign-up of {name}: {e}"))?;
        b.jar.clear();
        known.push(name);
    }
    println!(
        "enumeration: {pairs} alternating pairs of sign-in starts by name, {users} known accounts, SQLite; load average {}",
        loadavg()
    );
    let (mut tk, mut tu) = (Vec::new(), Vec::new());
    let (mut sk, mut su) = (BTreeMap::new(), BTreeMap::new());
    for i in 0..WARM_UP + pairs {
        let k = known[(i % users) as usize].clone();
        let u = format!("unknown-{tag}-{i}");
        let (a, c) = if i % 2 == 0 {
            let a = timed(&mut b, k).await?;
            (a, timed(&mut b, u).await?)
        } else {
            let c = timed(&mut b, u).await?;
            (timed(&mut b, k).await?, c)
        };
        if i < WARM_UP {
            continue;
        }
        tk.push(a.0);
        tu.push(c.0);
        *sk.entry(a.1).or_insert(0u64) += 1;
        *su.entry(c.1).or_insert(0u64) += 1;
    }
    let (mk, mu) = (median(&tk), median(&tu));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (lo, hi) = bootstrap(&tk, &tu, &mut rng);
    let (u, z, p) = mann_whitney(&tk, &tu);
    println!("  known   median {:.1} µs", mk);
    println!("  unknown median {:.1} µs", mu);
    println!(
        "  known - unknown: {:+.1} µs, 95% bootstrap interval [{lo:+.1}, {hi:+.1}] µs",
        mk - mu
    );
    println!("  Mann-Whitney U = {u:.0}, z = {z:+.2}, two-sided p = {p:.3}");
    let sizes = |label: &str, s: &BTreeMap<usize, u64>| {
        let total: u64 = s.values().sum();
        let mean = s.iter().map(|(k, c)| *k as f64 * *c as f64).sum::<f64>() / total as f64;
        let hist: Vec<String> = s.iter().map(|(k, c)| format!("{k} B x{c}")).collect();
        println!("  {label:<8} answer mean {mean:.1} B; {}", hist.join(", "));
    };
    sizes("known", &sk);
    sizes("unknown", &su);
    println!(
        "\n| pairs | known p50 µs | unknown p50 µs | difference (95% CI) µs | Mann-Whitney p | answer bytes known / unknown (mean) |"
    );
    println!("|---|---|---|---|---|---|");
    let mean = |s: &BTreeMap<usize, u64>| {
        s.iter().map(|(k, c)| *k as f64 * *c as f64).sum::<f64>() / s.values().sum::<u64>() as f64
    };
    println!(
        "| {pairs} | {mk:.1} | {mu:.1} | {:+.1} ({lo:+.1}, {hi:+.1}) | {p:.3} | {:.1} / {:.1} |",
        mk - mu,
        mean(&sk),
        mean(&su)
    );
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(p >= 0.01)
}

/// One sign-in start by `name`: (µs, answer bytes). The ceremony cookie is
/// dropped so every request looks like a new visitor's.
async fn timed(b: &mut Browser, name: String) -> Result<(f64, usize), String> {
    let started = Instant::now();
    let r = b
        .post(
            "signin/start",
            "/api/signin/start",
            &json!({ "username": name }),
        )
        .await;
    let us = started.elapsed().as_secs_f64() * 1e6;
    b.jar.clear();
    match r {
        Ok(r) if r.status == 200 => Ok((us, r.body.len())),
        Ok(r) => Err(format!("sign-in start answered {}", r.status)),
        Err(e) => Err(format!("sign-in start: {e}")),
    }
}
