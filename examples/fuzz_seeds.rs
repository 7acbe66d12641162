//! Writes the fuzz seed corpora from the conformance vectors:
//! `cargo run --example fuzz_seeds -- [VECTORS_DIR] [CORPUS_DIR]`
//! (defaults: `test-vectors/conformance/vectors`, `fuzz/corpus`).
//!
//! One directory per fuzz target, one file per case and field:
//! - `client_data`, `authenticator_data`, `cose_key`: the raw bytes of that field
//!   (authData from attestation objects and assertions; keys from attested
//!   credential data and stored credentials);
//! - `attestation_object`: `now[8, BE] ‖ SHA-256(clientDataJSON) ‖ attestationObject`,
//!   so the seeds of real statements verify;
//! - `registration_json`, `authentication_json`: the response JSON;
//! - `finish_registration`, `finish_authentication`: the case itself, stripped of
//!   the members the harness does not read.
//!
//! Corpora are generated, never committed (`fuzz/corpus` is ignored).

use relypass::attestation::AttestationObject;
use relypass::authenticator_data::AuthenticatorData;
use relypass::json::b64url_decode;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `now` for cases without one, as in the fuzz harness.
const DEFAULT_NOW: u64 = 1_700_000_000;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let vectors = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "test-vectors/conformance/vectors".into()),
    );
    let out = PathBuf::from(args.next().unwrap_or_else(|| "fuzz/corpus".into()));
    let mut files = Vec::new();
    collect(&vectors, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("no cases under {}", vectors.display());
        return ExitCode::from(2);
    }
    let mut written = 0usize;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let Ok(case) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        let name = f
            .strip_prefix(&vectors)
            .unwrap_or(f)
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "_");
        match seeds_of(&case) {
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

type Seed = (&'static str, &'static str, Vec<u8>);

fn seeds_of(case: &Value) -> Result<Vec<Seed>, String> {
    let resp = &case["response"];
    let r = &resp["response"];
    let field = |name: &str| r[name].as_str().and_then(b64url_decode);
    let mut seeds = Vec::new();
    let cdj = field("clientDataJSON").ok_or("no clientDataJSON")?;
    seeds.push(("client_data", "", cdj.clone()));
    let response_json = serde_json::to_vec(resp).map_err(|e| e.to_string())?;
    // The harness reads only these members; the rest (provenance, descriptions)
    // would only dilute the mutations.
    let mut slim = serde_json::Map::new();
    for k in ["rp", "challenge", "now", "policy", "response", "credential"] {
        if let Some(v) = case.get(k) {
            slim.insert(k.into(), v.clone());
        }
    }
    let slim = serde_json::to_vec(&Value::Object(slim)).map_err(|e| e.to_string())?;
    match case["ceremony"].as_str() {
        Some("registration") => {
            let att = field("attestationObject").ok_or("no attestationObject")?;
            let now = case["now"].as_u64().unwrap_or(DEFAULT_NOW);
            let mut prefixed = now.to_be_bytes().to_vec();
            prefixed.extend_from_slice(&Sha256::digest(&cdj));
            prefixed.extend_from_slice(&att);
            seeds.push(("attestation_object", "", prefixed));
            if let Ok(obj) = AttestationObject::parse(&att) {
                let ad = obj.auth_data().to_vec();
                if let Ok(parsed) = AuthenticatorData::parse(&ad)
                    && let Some(acd) = parsed.attested_credential_data()
                {
                    seeds.push(("cose_key", "", acd.public_key_bytes.to_vec()));
                }
                seeds.push(("authenticator_data", "reg", ad));
            }
            seeds.push(("registration_json", "", response_json));
            seeds.push(("finish_registration", "", slim));
        }
        Some("authentication") => {
            if let Some(ad) = field("authenticatorData") {
                seeds.push(("authenticator_data", "", ad));
            }
            if let Some(k) = case["credential"]["public_key"]
                .as_str()
                .and_then(b64url_decode)
            {
                seeds.push(("cose_key", "stored", k));
            }
            seeds.push(("authentication_json", "", response_json));
            seeds.push(("finish_authentication", "", slim));
        }
        other => return Err(format!("unknown ceremony {other:?}")),
    }
    Ok(seeds)
}

fn collect(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        if let Ok(rd) = std::fs::read_dir(p) {
            for e in rd.flatten() {
                collect(&e.path(), out);
            }
        }
    } else if p.extension().is_some_and(|e| e == "json") {
        out.push(p.to_owned());
    }
}
