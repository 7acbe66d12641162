//! Reading a `relypass-conformance/1` case (test-vectors/conformance/SCHEMA.md)
//! into relying-party configuration, through relypass's public API only.
//!
//! One copy, used by the conformance runner (`examples/conformance.rs`, through
//! `conformance_runner`), the fuzz harness (`fuzz/src/harness.rs`, and so
//! `tests/fuzz_regressions.rs`) and the attestation tests (`crate::attestation`):
//! a schema field read by one of
//! them and not the others would make the fuzzer or the tests configure a
//! different relying party than the runner that defines what passing means.
//! Not library API: no reader of cases belongs in the published crate.
#![allow(dead_code)]

use relypass::CoseAlgorithm;
use relypass::RelyingParty;
use relypass::attestation::{TrustAnchor, TrustMode, TrustPolicy};
use relypass::json::{UserVerificationRequirement, b64url_decode};
use serde_json::Value;

/// An algorithm `case` needs that this build leaves out (Ed448 without the
/// `ed448` feature, ML-DSA without `ml-dsa`): from the case's
/// `allowed_algorithms`, or its stored credential's key. Such a case cannot
/// pass or fail here; the runner and the tests skip it and say so, and CI
/// runs it in the build with those features on.
pub fn unbuilt_algorithm(case: &Value) -> Option<CoseAlgorithm> {
    let listed = case["policy"]["allowed_algorithms"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .map(CoseAlgorithm::from_i64);
    let stored = case["credential"]["public_key"]
        .as_str()
        .and_then(b64url_decode)
        .and_then(
            |k| match relypass::internal::cose::CredentialPublicKey::from_cose_bytes(&k) {
                Err(relypass::Error::UnsupportedAlgorithm(a)) => Some(a),
                _ => None,
            },
        );
    listed
        .chain(stored)
        .find(|a| !matches!(a, CoseAlgorithm::Other(_)) && !a.is_implemented())
}

/// Verification time for a case without `now`, where the caller must not read
/// the clock (fuzzing and tests must be reproducible): 2026-06-01, inside the
/// validity of every undated case's certificates.
pub const DEFAULT_NOW: u64 = 1_780_272_000;

/// The attestation trust policy of `case.policy`: `attestation` (absent means
/// `any`), `trust_anchors` (base64url DER; one that does not parse is left out)
/// and `safetynet_require_cts_profile_match`.
pub fn trust_policy(case: &Value) -> TrustPolicy {
    let policy = &case["policy"];
    let mode = match policy["attestation"].as_str() {
        Some("none") => TrustMode::None,
        Some("trusted") => TrustMode::Trusted,
        _ => TrustMode::Any,
    };
    let anchors = policy["trust_anchors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(b64url_decode)
        .filter_map(|d| TrustAnchor::from_der(&d).ok())
        .collect();
    let mut trust = TrustPolicy {
        mode,
        anchors,
        ..TrustPolicy::default()
    };
    if let Some(cts) = policy["safetynet_require_cts_profile_match"].as_bool() {
        trust.safetynet.require_cts_profile_match = cts;
    }
    trust
}

/// The relying party `case.rp` and `case.policy` describe, named `rp_name`,
/// verifying attestation under `trust` (usually [`trust_policy`] of the case;
/// the attestation tests pass their own).
pub fn relying_party(
    case: &Value,
    rp_name: &str,
    trust: TrustPolicy,
) -> Result<RelyingParty, String> {
    let rp = &case["rp"];
    let policy = &case["policy"];
    let mut b = RelyingParty::builder(rp["id"].as_str().unwrap_or_default(), rp_name);
    for o in rp["origins"].as_array().into_iter().flatten() {
        b = b.origin(o.as_str().unwrap_or_default());
    }
    b = b.user_verification(match policy["user_verification"].as_str() {
        Some("required") => UserVerificationRequirement::Required,
        Some("discouraged") => UserVerificationRequirement::Discouraged,
        _ => UserVerificationRequirement::Preferred,
    });
    if let Some(algs) = policy["allowed_algorithms"].as_array() {
        b = b.algorithms(
            algs.iter()
                .filter_map(Value::as_i64)
                .map(CoseAlgorithm::from_i64),
        );
    }
    if policy["allow_cross_origin"].as_bool() == Some(true) {
        b = b.allow_cross_origin(true);
    }
    for o in policy["allowed_top_origins"]
        .as_array()
        .into_iter()
        .flatten()
    {
        b = b.top_origin(o.as_str().unwrap_or_default());
    }
    b.trust_policy(trust).build().map_err(|e| e.to_string())
}

/// The per-ceremony options of a registration case: `policy.user_presence:
/// "not_required"` (a source that verified with user presence optional) is a
/// conditional create, the one ceremony where WebAuthn L3 lets UP be clear
/// (§7.1 step 15 "If options.mediation is not set to conditional…"). An
/// authentication case with that policy still requires UP (§7.2 step 16
/// "Verify that the UP bit…" has no exception), so nothing reads it there.
pub fn registration_options(case: &Value) -> relypass::RegistrationOptions {
    relypass::RegistrationOptions {
        conditional_mediation: case["policy"]["user_presence"].as_str() == Some("not_required"),
        ..Default::default()
    }
}

/// The challenge the server issued (`case.challenge`).
pub fn challenge(case: &Value) -> Result<Vec<u8>, String> {
    case["challenge"]
        .as_str()
        .and_then(lenient_b64url)
        .ok_or_else(|| "case has no challenge".to_owned())
}

/// Case challenges are the bytes the server issued, base64url-encoded by the
/// collector; one source used a plain string whose last character has non-zero
/// padding bits, so decode leniently here (the library itself compares the
/// client's challenge string exactly).
pub fn lenient_b64url(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::{GeneralPurposeConfig, general_purpose::GeneralPurpose};
    let cfg = GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    GeneralPurpose::new(&base64::alphabet::URL_SAFE, cfg)
        .decode(s)
        .ok()
}

/// The credential an authentication case says the relying party stored
/// (`credential`: `id`, `public_key`, `sign_count`, `user_handle`,
/// `backup_eligible`), as an active record.
///
/// - `user_handle` absent: the response's userHandle, else a fixed handle.
/// - `backup_eligible` absent: equal to the assertion's BE flag (SCHEMA.md).
/// - A `public_key` that does not parse is stored as it is, with ES256 as a
///   placeholder algorithm: `finish_authentication` must refuse it itself.
/// - `sign_count` above `u32::MAX` saturates.
pub fn stored_credential(
    case: &Value,
    response: &relypass::AuthenticationResponse,
    now: u64,
) -> Result<relypass::CredentialRecord, String> {
    use relypass::json::Base64Url;
    let cred = &case["credential"];
    let handle_bytes = cred["user_handle"]
        .as_str()
        .and_then(b64url_decode)
        .or_else(|| response.user_handle().map(<[u8]>::to_vec))
        .unwrap_or_else(|| b"conformance-user".to_vec());
    let user_handle =
        relypass::UserHandle::new(handle_bytes).map_err(|e| format!("stored user handle: {e}"))?;
    let public_key = cred["public_key"]
        .as_str()
        .and_then(b64url_decode)
        .ok_or("case credential has no public_key")?;
    let algorithm = relypass::internal::cose::CredentialPublicKey::from_cose_bytes(&public_key)
        .map(|k| k.algorithm())
        .unwrap_or(CoseAlgorithm::ES256);
    let id = cred["id"]
        .as_str()
        .and_then(b64url_decode)
        .ok_or("case credential has no id")?;
    let backup_eligible = match cred["backup_eligible"].as_bool() {
        Some(be) => be,
        None => relypass::internal::authenticator_data::AuthenticatorData::parse(
            response.json().response.authenticator_data.as_slice(),
        )
        .map(|a| a.flags().backup_eligible())
        .unwrap_or(false),
    };
    Ok(serde_json::from_value::<relypass::CredentialRecord>(serde_json::json!({
        "id": Base64Url::from(id),
        "user_handle": user_handle,
        "public_key": Base64Url::from(public_key),
        "algorithm": algorithm,
        "sign_count": u32::try_from(cred["sign_count"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        "backup_eligible": backup_eligible,
        "backup_state": false,
        "user_verified": false,
        "transports": [],
        "aaguid": relypass::Aaguid::ZERO,
        "attestation_format": "none",
        "attestation_type": relypass::attestation::AttestationType::None,
        "discoverable": null,
        "created_at": now,
        "last_used_at": null,
        "name": null,
        "state": relypass::CredentialState::Active,
        "state_changed_at": now,
        "possibly_cloned": false,
    })).map_err(|e| format!("stored credential: {e}"))?)
}

/// Every `.json` file at or below `path`, sorted; unreadable directories are
/// skipped. How the runner, the seed writer and the tests find cases.
pub fn json_files(path: &std::path::Path) -> Vec<std::path::PathBuf> {
    fn walk(p: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        if p.is_dir() {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                walk(&e.path(), out);
            }
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p.to_owned());
        }
    }
    let mut out = Vec::new();
    walk(path, &mut out);
    out.sort();
    out
}
