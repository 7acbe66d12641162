//! Conformance runner: `cargo run --release --example conformance -- PATH... [--known-failures FILE]`
//!
//! Reads cases in the `relypass-conformance/1` format (see
//! `../shared/conformance/SCHEMA.md`), configures a relying party from each case,
//! runs the ceremony through relypass's public API only, and prints one line per
//! case and last `N passed, N failed`. Exit status 1 if any case failed.

// The relying party a case describes: shared with the fuzz harness and tests.
#[path = "../tests/support/conformance_case.rs"]
mod conformance_case;

use relypass::json::b64url;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, Challenge, RegistrationResponse, User,
    UserHandle,
};
use serde_json::Value;
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

fn load_known(path: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((n, r)) => (n.to_owned(), r.trim().to_owned()),
            None => (l.to_owned(), "no reason given".to_owned()),
        })
        .collect())
}

type CaseResult = (String, Result<(), String>, Option<String>);

/// Marks a case skipped because it needs an algorithm this build leaves out.
const SKIPPED: &str = "skipped: ";

fn run_file(path: &Path) -> Result<CaseResult, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let case: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let name = case["name"].as_str().unwrap_or("unnamed").to_owned();
    let expected_valid = case["expected"].as_str() == Some("valid");
    if let Some(alg) = conformance_case::unbuilt_algorithm(&case) {
        return Ok((
            name,
            Ok(()),
            Some(format!("{SKIPPED}{alg:?} is not in this build")),
        ));
    }
    let outcome = run_case(&case);
    let mut rejected_with = None;
    let result = match (expected_valid, outcome) {
        (true, Ok(facts)) => check_expect(&case["expect"], &facts),
        (true, Err(e)) => Err(format!("expected valid, got error: {e}")),
        (false, Ok(_)) => Err(format!(
            "expected invalid ({}), got valid",
            case["reason"].as_str().unwrap_or("?")
        )),
        (false, Err(e)) => {
            rejected_with = Some(e);
            Ok(())
        }
    };
    Ok((name, result, rejected_with))
}

fn check_expect(expect: &Value, facts: &BTreeMap<&'static str, Value>) -> Result<(), String> {
    let Some(map) = expect.as_object() else {
        return Ok(());
    };
    for (k, want) in map {
        let Some(got) = facts.get(k.as_str()) else {
            return Err(format!(
                "expect field {k:?} is not reported by the ceremony"
            ));
        };
        if got != want {
            return Err(format!("expected {k} = {want}, got {got}"));
        }
    }
    Ok(())
}

fn run_case(case: &Value) -> Result<BTreeMap<&'static str, Value>, String> {
    let rp =
        conformance_case::relying_party(case, "Conformance", conformance_case::trust_policy(case))?;
    let challenge = conformance_case::challenge(case)?;
    let now = case["now"]
        .as_u64()
        .unwrap_or_else(relypass::ceremony::unix_now);
    let response = serde_json::to_string(&case["response"]).map_err(|e| e.to_string())?;
    let mut facts = BTreeMap::new();
    match case["ceremony"].as_str() {
        Some("registration") => {
            let user = User {
                handle: UserHandle::new(b"conformance-user".to_vec()).map_err(|e| e.to_string())?,
                name: "conformance".into(),
                display_name: "Conformance".into(),
            };
            let (_, state) = rp
                .start_registration_with(
                    &user,
                    &[],
                    &conformance_case::registration_options(case),
                    Challenge::from_bytes(challenge),
                    now,
                )
                .map_err(|e| e.to_string())?;
            let resp = RegistrationResponse::from_json(&response).map_err(|e| e.to_string())?;
            let v = rp
                .finish_registration_at(state, &resp, now)
                .map_err(|e| e.to_string())?;
            let rec = v.record();
            facts.insert("fmt", Value::from(v.attestation().fmt.clone()));
            facts.insert("alg", Value::from(rec.algorithm.to_i64()));
            facts.insert(
                "attestation_type",
                Value::from(v.attestation().attestation_type.as_str()),
            );
            facts.insert("aaguid", Value::from(rec.aaguid.to_string()));
            facts.insert("sign_count", Value::from(rec.sign_count));
            facts.insert("credential_id", Value::from(b64url(rec.id())));
            facts.insert(
                "credential_public_key",
                Value::from(b64url(rec.public_key.as_slice())),
            );
            insert_flags(&mut facts, v.flags());
        }
        Some("authentication") => {
            let resp = AuthenticationResponse::from_json(&response).map_err(|e| e.to_string())?;
            let record = conformance_case::stored_credential(case, &resp, now)?;
            let handle = record.user_handle.clone();
            let creds = [record];
            let (_, state) = rp
                .start_authentication_with(
                    Some((&handle, &creds)),
                    &AuthenticationOptions::default(),
                    Challenge::from_bytes(challenge),
                    now,
                )
                .map_err(|e| e.to_string())?;
            let v = rp
                .finish_authentication_at(state, &resp, &creds[0], now)
                .map_err(|e| e.to_string())?;
            facts.insert("sign_count", Value::from(v.sign_count()));
            insert_flags(&mut facts, v.flags());
        }
        other => return Err(format!("unknown ceremony {other:?}")),
    }
    Ok(facts)
}

fn insert_flags(facts: &mut BTreeMap<&'static str, Value>, f: relypass::authenticator_data::Flags) {
    facts.insert("user_present", Value::from(f.user_present()));
    facts.insert("user_verified", Value::from(f.user_verified()));
    facts.insert("backup_eligible", Value::from(f.backup_eligible()));
    facts.insert("backup_state", Value::from(f.backup_state()));
}
