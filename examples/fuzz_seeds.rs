//! Writes the fuzz seed corpora from the conformance vectors:
//! `cargo run --example fuzz_seeds -- [VECTORS_DIR [CORPUS_DIR [CASE_DIR...]]]`
//! (defaults: `test-vectors/conformance/vectors`, `fuzz/corpus`, and with no
//! arguments at all also `test-vectors/attestation`, the synthetic statements).
//!
//! One directory per fuzz target, one file per case and field (what each target
//! gets is described at `seeds_of` in `fuzz/src/seeds.rs`, which builds the
//! inputs next to the harness that takes them apart):
//! - `client_data`, `authenticator_data`, `cose_key`: the raw bytes of that field;
//! - `attestation_object`: `now[8, BE] ‖ SHA-256(clientDataJSON) ‖ attestationObject`,
//!   so the seeds of real statements verify;
//! - `attestation_statement`, `tpm_structures`, `x509_path`, `jws`,
//!   `android_key_description`: the attestation statement and its parts
//!   (certInfo / pubArea, x5c chains, the SafetyNet JWS, android-key certificates);
//! - `registration_json`, `authentication_json`: the response JSON;
//! - `finish_registration`, `finish_authentication`: the case itself, stripped of
//!   the members the harness does not read.
//!
//! Corpora are generated, never committed (`fuzz/corpus` is ignored).

// The harness, for its seed builder (`harness::seeds`) and framings.
#[path = "../fuzz/src/harness.rs"]
#[allow(dead_code)]
mod harness;

use serde_json::Value;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let vectors = PathBuf::from(
        args.first()
            .map_or("test-vectors/conformance/vectors", String::as_str),
    );
    let out = PathBuf::from(args.get(1).map_or("fuzz/corpus", String::as_str));
    let mut dirs = vec![vectors];
    match args.get(2..) {
        Some(more) if !more.is_empty() => dirs.extend(more.iter().map(PathBuf::from)),
        _ if args.is_empty() => dirs.push(PathBuf::from("test-vectors/attestation")),
        _ => {}
    }
    let mut files = Vec::new();
    for dir in &dirs {
        let found = harness::conformance_case::json_files(dir);
        files.extend(found.into_iter().map(|f| (dir.clone(), f)));
    }
    if files.is_empty() {
        eprintln!("no cases under {dirs:?}");
        return ExitCode::from(2);
    }
    let mut written = 0usize;
    for (dir, f) in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(case) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        // Named after the case's path, prefixed by its directory's name when
        // it is not the first (the synthetic statements reuse format names).
        let rel = f
            .strip_prefix(dir)
            .unwrap_or(f)
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "_");
        let name = if *dir == dirs[0] {
            rel
        } else {
            let d = dir.file_name().unwrap_or_default().to_string_lossy();
            format!("{d}_{rel}")
        };
        match harness::seeds::seeds_of(&case) {
            Ok(seeds) => {
                for (target, suffix, bytes) in seeds {
                    let dir = out.join(target);
                    let file = if suffix.is_empty() {
                        dir.join(&name)
                    } else {
                        dir.join(format!("{name}.{suffix}"))
                    };
                    if let Err(e) =
                        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, bytes))
                    {
                        eprintln!("{}: {e}", file.display());
                        return ExitCode::from(1);
                    }
                    written += 1;
                }
            }
            Err(e) => eprintln!("skipped {name}: {e}"),
        }
    }
    println!(
        "wrote {written} seeds from {} cases into {}",
        files.len(),
        out.display()
    );
    ExitCode::SUCCESS
}
