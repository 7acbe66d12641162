//! Running a `relypass-conformance/1` case through relypass's public API (the
//! `danger` sans-IO functions, with the case's challenge and clock): shared by
//! the conformance runner (`examples/conformance.rs`) and the test that runs the
//! vectors as part of `cargo test` (`tests/conformance_vectors.rs`).

use crate::conformance_case;
use relypass::danger::Challenge;
use relypass::json::b64url;
use relypass::{
    AuthenticationOptions, AuthenticationResponse, RegistrationResponse, User, UserHandle,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shared vectors (`../shared/conformance/vectors`) when present, else the copy
/// in `test-vectors/`.
pub fn vectors_dir() -> PathBuf {
    let shared = crate::repo_root().join("../shared/conformance/vectors");
    if shared.is_dir() {
        shared
    } else {
        crate::repo_root().join("test-vectors/conformance/vectors")
    }
}

/// The known-failures list: `name reason` per line, `#` comments.
pub fn load_known(path: &Path) -> std::io::Result<BTreeMap<String, String>> {
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

/// A case's name, whether it passed, and for an invalid case the error that refused it.
pub type CaseResult = (String, Result<(), String>, Option<String>);

/// Marks a case skipped because it needs an algorithm this build leaves out:
/// [`run_file`] then returns `Ok(())` with the rejection `SKIPPED` + why.
pub const SKIPPED: &str = "skipped: ";

/// Why `result` is a skip rather than a pass: the case needs an algorithm this
/// build leaves out (see [`SKIPPED`]).
pub fn skip_reason(result: &CaseResult) -> Option<&str> {
    result.2.as_deref().and_then(|e| e.strip_prefix(SKIPPED))
}

/// Runs one case file. A case needing an algorithm this build leaves out
/// (Ed448 / ML-DSA with their features off) is not run: see [`skip_reason`].
pub fn run_file(path: &Path) -> Result<CaseResult, String> {
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
        .unwrap_or_else(relypass::danger::unix_now);
    let response = serde_json::to_string(&case["response"]).map_err(|e| e.to_string())?;
    let mut facts = BTreeMap::new();
    match case["ceremony"].as_str() {
        Some("registration") => {
            let user = User {
                handle: UserHandle::new(b"conformance-user".to_vec()).map_err(|e| e.to_string())?,
                name: "conformance".into(),
                display_name: "Conformance".into(),
            };
            let (_, state) = relypass::danger::start_registration_with(
                &rp,
                &user,
                &[],
                &conformance_case::registration_options(case),
                Challenge::from_bytes(challenge),
                now,
            )
            .map_err(|e| e.to_string())?;
            let resp = RegistrationResponse::from_json(&response).map_err(|e| e.to_string())?;
            let v = relypass::danger::finish_registration_at(&rp, state, &resp, now)
                .map_err(|e| e.to_string())?;
            let rec = v.record();
            facts.insert("fmt", Value::from(v.attestation().fmt.clone()));
            facts.insert("alg", Value::from(rec.algorithm().to_i64()));
            facts.insert(
                "attestation_type",
                Value::from(v.attestation().attestation_type.as_str()),
            );
            facts.insert("aaguid", Value::from(rec.aaguid().to_string()));
            facts.insert("sign_count", Value::from(rec.sign_count()));
            facts.insert("credential_id", Value::from(b64url(rec.id())));
            facts.insert(
                "credential_public_key",
                Value::from(b64url(rec.public_key())),
            );
            insert_flags(&mut facts, v.flags());
        }
        Some("authentication") => {
            let resp = AuthenticationResponse::from_json(&response).map_err(|e| e.to_string())?;
            let record = conformance_case::stored_credential(case, &resp, now)?;
            let handle = record.user_handle().clone();
            let creds = [record];
            let (_, state) = relypass::danger::start_authentication_with(
                &rp,
                Some((&handle, &creds)),
                &AuthenticationOptions::default(),
                Challenge::from_bytes(challenge),
                now,
            )
            .map_err(|e| e.to_string())?;
            let v = relypass::danger::finish_authentication_at(&rp, state, &resp, &creds[0], now)
                .map_err(|e| e.to_string())?;
            facts.insert("sign_count", Value::from(v.sign_count()));
            insert_flags(&mut facts, v.flags());
        }
        other => return Err(format!("unknown ceremony {other:?}")),
    }
    Ok(facts)
}

fn insert_flags(facts: &mut BTreeMap<&'static str, Value>, f: relypass::Flags) {
    facts.insert("user_present", Value::from(f.user_present()));
    facts.insert("user_verified", Value::from(f.user_verified()));
    facts.insert("backup_eligible", Value::from(f.backup_eligible()));
    facts.insert("backup_state", Value::from(f.backup_state()));
}
