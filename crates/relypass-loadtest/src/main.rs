//! `loadtest`: measures the relypass demo over loopback HTTP, as issue 14 did
//! by hand: throughput and latency under load (SQLite, or two servers on one
//! PostgreSQL), a flood of unfinished ceremonies, slow clients, a
//! PostgreSQL outage, and a removal race through HTTP. Every mode is bounded in count and time and refuses any
//! host but loopback.
//!
//! ```text
//! loadtest load    [--bin PATH | --url URL ...] [--postgres URL] [--clients N] [--duration S]
//! loadtest flood   [--bin PATH] [--starts N] [--signups N] [--concurrency N]
//! loadtest slow    [--bin PATH] [--connections N] [--deadline S] [--open-per-second N]
//! loadtest outage  [--bin PATH] [--pgdata DIR --pg-ctl PATH --pg-port N] [--clients N]
//! loadtest races   [--bin PATH] [--postgres URL] [--rounds N]
//! loadtest enumeration [--bin PATH] [--users N] [--pairs N]
//! ```
#![forbid(unsafe_code)]

mod client;
mod enumeration;
mod flood;
mod http;
mod load;
mod outage;
mod races;
mod server;
mod slow;
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
loadtest: load, flood, slow-client and outage figures for the relypass demo (loopback only)

usage: loadtest MODE [OPTIONS]

modes:
  load     N clients loop passkey sign-up -> sign-in (by username, discoverable) -> sign-out
           for --duration s; then every acknowledged sign-up signs in again
             --clients N (1..=64, default 16)  --duration S (1..=600, default 20)
             --postgres URL   two demo servers on that database, clients alternate servers
             --url URL        an already-running server instead (repeatable)
  flood    --starts unfinished sign-in starts, then --signups unfinished sign-ups;
           start latency in the first and last 1000; ceremony rows at the end
             --starts N (default 100000, max 1000000)  --signups N (default 10000)
             --concurrency N (default 16, max 256)
  slow     --connections slow clients (a third trickle headers 1 byte / 3 s, a third
           announce a 10 MB body and send 10 bytes, a third send nothing); when the
           server closes each, and its open fds
             --connections N (default 1000, max 5000)  --deadline S (default 90, max 300)
             --open-per-second N (default 0: all at once, past a 128 listen backlog)
  outage   a demo on a PostgreSQL the tool stops (pg_ctl stop -m immediate) for
           --outage s under steady traffic, then restarts
             --outage S (default 10, max 60)  --clients N (default 8, max 64)
             --pgdata DIR --pg-ctl PATH --pg-port N   use that cluster (else a throw-away one)
  races    two sessions of one account remove its last two passkeys at once; an
           account left without passkeys is a lock-out
             --rounds N (default 20, max 1000)  --postgres URL (else a fresh SQLite file)
  enumeration  sign-in starts by name, a known and an unknown name in alternating
           pairs: both medians, the difference (95 % bootstrap), Mann-Whitney U,
           answer sizes; fails when p < 0.01
             --users N (default 50, max 1000)  --pairs N (default 1000, min 200)

common:
  --bin PATH   the demo binary (default target/release/relypass-demo if present,
               else target/debug/relypass-demo)
  -h, --help   this text";

/// `--name value` options.
pub struct Opts {
    values: HashMap<String, Vec<String>>,
}

impl Opts {
    fn parse(args: &[String]) -> Result<Opts, String> {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                return Err(format!("unexpected argument `{a}`"));
            };
            let v = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
            values.entry(name.to_owned()).or_default().push(v.clone());
        }
        Ok(Opts { values })
    }

    /// The last value of `--name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(String::as_str)
    }

    /// Every value of a repeatable `--name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// `--name` as a number in `range`, `default` when absent.
    pub fn num(
        &self,
        name: &str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, String> {
        let v = match self.get(name) {
            None => default,
            Some(s) => s
                .parse()
                .map_err(|_| format!("--{name} {s}: not a number"))?,
        };
        if range.contains(&v) {
            Ok(v)
        } else {
            Err(format!(
                "--{name} {v}: must be {}..={}",
                range.start(),
                range.end()
            ))
        }
    }

    /// The demo binary: `--bin`, else the release build, else the debug one
    /// (relative to the workspace this tool was built in).
    pub fn demo_bin(&self) -> PathBuf {
        if let Some(b) = self.get("bin") {
            return PathBuf::from(b);
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let release = root.join("target/release/relypass-demo");
        if release.is_file() {
            release
        } else {
            root.join("target/debug/relypass-demo")
        }
    }

    /// Refuses options the mode does not know (a typo must not silently
    /// fall back to a default).
    fn only(&self, known: &[&str]) -> Result<(), String> {
        match self.values.keys().find(|k| !known.contains(&k.as_str())) {
            Some(k) => Err(format!("unknown option --{k} for this mode (see --help)")),
            None => Ok(()),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    if matches!(mode.as_str(), "-h" | "--help" | "help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let opts = match Opts::parse(&args[1..]) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("loadtest: {e}");
            return ExitCode::from(2);
        }
    };
    let result = match mode.as_str() {
        "load" => match opts.only(&["bin", "url", "postgres", "clients", "duration"]) {
            Ok(()) => load::run(&opts).await,
            Err(e) => Err(e),
        },
        "flood" => match opts.only(&["bin", "starts", "signups", "concurrency"]) {
            Ok(()) => flood::run(&opts).await,
            Err(e) => Err(e),
        },
        "slow" => match opts.only(&["bin", "url", "connections", "deadline", "open-per-second"]) {
            Ok(()) => slow::run(&opts).await,
            Err(e) => Err(e),
        },
        "outage" => match opts.only(&["bin", "pgdata", "pg-ctl", "pg-port", "clients", "outage"]) {
            Ok(()) => outage::run(&opts).await,
            Err(e) => Err(e),
        },
        "races" => match opts.only(&["bin", "postgres", "rounds"]) {
            Ok(()) => races::run(&opts).await,
            Err(e) => Err(e),
        },
        "enumeration" => match opts.only(&["bin", "users", "pairs"]) {
            Ok(()) => enumeration::run(&opts).await,
            Err(e) => Err(e),
        },
        other => Err(format!("unknown mode `{other}` (see --help)")),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        // The run finished but missed an expectation (printed above).
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("loadtest: {e}");
            ExitCode::from(2)
        }
    }
}
