//! `load`: N browsers loop passkey sign-up → sign-in by username → sign-in
//! without a username for a bounded time; afterwards every sign-up the
//! server acknowledged signs in again (a lost account or passkey shows as
//! acknowledged > re-verified).

use crate::Opts;
use crate::client::{Account, Browser};
use crate::server::{
    Demo, Target, free_port, loadavg, random_hex, require_loopback, start_demo, temp_dir, url_host,
};
use crate::stats::{Endpoint, Stats};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What one browser brought back from the load phase.
struct ClientRun {
    stats: Stats,
    accounts: Vec<Account>,
    /// Flow steps that failed, by kind.
    errors: BTreeMap<String, u64>,
}

/// Runs `load`; `Ok(false)` when an expectation failed (a 5xx, a request
/// without an answer, or an acknowledged account that no longer signs in).
pub async fn run(opts: &Opts) -> Result<bool, String> {
    let clients = opts.num("clients", 16, 1..=64)? as usize;
    let duration = Duration::from_secs(opts.num("duration", 20, 1..=600)?);
    let dir = temp_dir("load")?;
    let mut demos: Vec<Demo> = Vec::new();
    let urls = opts.all("url");
    let (targets, backend) = if !urls.is_empty() {
        let t = urls
            .iter()
            .map(|u| Target::from_url(u))
            .collect::<Result<Vec<_>, _>>()?;
        (t, "running server(s)".to_owned())
    } else {
        let bin = opts.demo_bin();
        if !bin.is_file() {
            return Err(format!(
                "no demo binary at {} (cargo build -p relypass-demo, or --bin)",
                bin.display()
            ));
        }
        // One secret for every server, as the demo asks of several servers.
        let secret = random_hex(32);
        let (database, servers, label) = match opts.get("postgres") {
            Some(url) => {
                require_loopback("--postgres", url_host(url).unwrap_or(""))?;
                (url.to_owned(), 2, "PostgreSQL")
            }
            None => (
                format!("sqlite://{}", dir.join("load.db").display()),
                1,
                "SQLite",
            ),
        };
        let ports = (0..servers)
            .map(|_| free_port())
            .collect::<Result<Vec<_>, _>>()?;
        let origins: Vec<String> = ports
            .iter()
            .map(|p| format!("http://localhost:{p}"))
            .collect();
        for p in &ports {
            demos.push(start_demo(&bin, *p, &origins, &database, &secret, &dir).await?);
        }
        let label = format!(
            "{label}, {servers} server{}",
            if servers > 1 { "s" } else { "" }
        );
        (demos.iter().map(|d| d.target.clone()).collect(), label)
    };
    let load_before = loadavg();
    println!(
        "load: {backend}, {clients} clients, {} s, load average {load_before}",
        duration.as_secs()
    );

    // The load phase.
    let run_id = random_hex(4);
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let targets = targets.clone();
        let run_id = run_id.clone();
        tasks.push(tokio::spawn(async move {
            client_loop(c, &targets, &run_id, deadline).await
        }));
    }
    let mut stats = Stats::default();
    let mut accounts = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    for t in tasks {
        let r = t.await.map_err(|e| format!("client task failed: {e}"))?;
        stats.merge(r.stats);
        accounts.extend(r.accounts);
        for (k, n) in r.errors {
            *errors.entry(k).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let load_after = loadavg();

    // Every acknowledged sign-up signs in again, on alternating servers.
    let acknowledged = accounts.len();
    let reverified = reverify(accounts, &targets, clients).await;

    print_report(&stats, elapsed);
    let all = stats.overall();
    let (p50, p99, max) = all.percentiles();
    let no_answer = all.failures;
    println!();
    println!(
        "| backend | clients | s | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | 5xx | no answer | acknowledged sign-ups | signed in again | load avg |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {backend} | {clients} | {:.0} | {} | {:.0} | {p50:.1} | {p99:.1} | {max:.1} | {} | {} | {no_answer} | {acknowledged} | {reverified} | {load_after} |",
        elapsed,
        all.count(),
        all.count() as f64 / elapsed,
        all.non_2xx(),
        all.count_5xx(),
    );
    if !errors.is_empty() {
        println!("\nfailed flow steps:");
        for (k, n) in &errors {
            println!("  {n} × {k}");
        }
    }
    let ok = all.count_5xx() == 0 && no_answer == 0 && reverified == acknowledged;
    if !ok {
        println!("\nEXPECTATION FAILED: 5xx or unanswered requests, or lost accounts");
        for d in &demos {
            println!("  demo log: {}", d.log.display());
        }
    }
    drop(demos);
    if ok {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(ok)
}

/// One browser's loop: sign up on one server, then sign in (by name, then
/// discoverable) on the next, signing out between, until `deadline`.
async fn client_loop(c: usize, targets: &[Target], run_id: &str, deadline: Instant) -> ClientRun {
    let mut b = Browser::new(targets);
    let mut accounts = Vec::new();
    let mut errors: BTreeMap<String, u64> = BTreeMap::new();
    let mut i = 0usize;
    while Instant::now() < deadline {
        // A new browser for each account: no cookie carries over.
        b.jar.clear();
        b.server = c + i;
        let username = format!("lt-{run_id}-{c}-{i}");
        let seed = (c * 31 + i) as u8;
        let step = async {
            let mut account = b
                .sign_up(&username, seed)
                .await
                .map_err(|e| ("sign-up", e))?;
            // The acknowledged account is kept even if a later step fails.
            let result = async {
                b.sign_out().await.map_err(|e| ("sign-out", e))?;
                b.server += 1;
                b.sign_in(&mut account, true)
                    .await
                    .map_err(|e| ("sign-in by username", e))?;
                b.sign_out().await.map_err(|e| ("sign-out", e))?;
                b.sign_in(&mut account, false)
                    .await
                    .map_err(|e| ("discoverable sign-in", e))?;
                b.sign_out().await.map_err(|e| ("sign-out", e))
            }
            .await;
            accounts.push(account);
            result
        };
        if let Err((what, e)) = step.await {
            *errors.entry(format!("{what}: {e}")).or_default() += 1;
        }
        i += 1;
    }
    ClientRun {
        stats: b.stats,
        accounts,
        errors,
    }
}

/// Signs every account in again by username, `parallel` at a time; returns
/// how many succeeded.
async fn reverify(accounts: Vec<Account>, targets: &[Target], parallel: usize) -> usize {
    let mut shards: Vec<Vec<Account>> = (0..parallel).map(|_| Vec::new()).collect();
    for (i, a) in accounts.into_iter().enumerate() {
        shards[i % parallel].push(a);
    }
    let mut tasks = Vec::new();
    for (s, shard) in shards.into_iter().enumerate() {
        let targets = targets.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut b = Browser::new(&targets);
            let mut ok = 0usize;
            for (i, mut a) in shard.into_iter().enumerate() {
                b.jar.clear();
                b.server = s + i;
                if b.sign_in(&mut a, true).await.is_ok() {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += t.await.unwrap_or(0);
    }
    ok
}

fn print_report(stats: &Stats, elapsed: f64) {
    println!();
    println!("| endpoint | requests | req/s | p50 ms | p99 ms | max ms | non-2xx | no answer |");
    println!("|---|---|---|---|---|---|---|---|");
    let row = |name: &str, e: &Endpoint| {
        let (p50, p99, max) = e.percentiles();
        println!(
            "| {name} | {} | {:.0} | {p50:.1} | {p99:.1} | {max:.1} | {} | {} |",
            e.count(),
            e.count() as f64 / elapsed,
            e.non_2xx(),
            e.failures
        );
    };
    for (name, e) in &stats.0 {
        row(name, e);
    }
    row("all", &stats.overall());
}
