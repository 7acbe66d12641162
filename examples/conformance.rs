//! Conformance runner: `cargo run --release --example conformance -- PATH... [--known-failures FILE]`
//!
//! Reads cases in the `relypass-conformance/1` format (see
//! `../shared/conformance/SCHEMA.md`), configures a relying party from each case,
//! runs the ceremony through relypass's public API only, and prints one line per
//! case and last `N passed, N failed`. Exit status 1 if any case failed.

// Reading and running a case: shared with the fuzz harness and the tests.
use relypass_testkit::conformance_case;
use relypass_testkit::conformance_runner::{SKIPPED, load_known, run_file};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut paths = Vec::new();
    let mut known_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--known-failures" {
            known_file = args.next();
        } else {
            paths.push(PathBuf::from(a));
        }
    }
    if paths.is_empty() {
        eprintln!("usage: conformance PATH... [--known-failures FILE]");
        return ExitCode::from(2);
    }
    let known = match known_file.map(|f| load_known(Path::new(&f))) {
        Some(Ok(k)) => k,
        Some(Err(e)) => {
            eprintln!("cannot read known-failures file: {e}");
            return ExitCode::from(2);
        }
        None => BTreeMap::new(),
    };
    let mut files: Vec<PathBuf> = paths
        .iter()
        .flat_map(|p| conformance_case::json_files(p))
        .collect();
    files.sort();
    let (mut passed, mut failed, mut known_n, mut skipped) = (0, 0, 0, 0);
    for f in &files {
        let (name, result, rejected_with) = match run_file(f) {
            Ok(r) => r,
            Err(e) => (
                f.display().to_string(),
                Err(format!("unreadable case: {e}")),
                None,
            ),
        };
        if let Some(why) = rejected_with
            .as_deref()
            .and_then(|e| e.strip_prefix(SKIPPED))
        {
            skipped += 1;
            println!("skip {name}: {why} (enable the feature to run it)");
            continue;
        }
        match (result, known.get(&name)) {
            (Ok(()), None) => {
                passed += 1;
                match rejected_with {
                    // Invalid cases show which check refused them, for auditing.
                    Some(e) => println!("ok {name} (rejected: {e})"),
                    None => println!("ok {name}"),
                }
            }
            (Ok(()), Some(_)) => {
                // A listed case that now passes is reported so the list shrinks.
                passed += 1;
                println!("ok {name} (listed as a known failure: remove it from the list)");
            }
            (Err(why), Some(reason)) => {
                known_n += 1;
                println!("known {name}: {reason} [{why}]");
            }
            (Err(why), None) => {
                failed += 1;
                println!("FAIL {name}: {why}");
            }
        }
    }
    let mut summary = format!("{passed} passed, {failed} failed");
    if known_n > 0 {
        summary.push_str(&format!(", {known_n} known failures"));
    }
    if skipped > 0 {
        summary.push_str(&format!(
            ", {skipped} skipped (algorithms behind the ed448 / ml-dsa features)"
        ));
    }
    println!("{summary}");
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
