//! Reading a `relypass-conformance/1` case (test-vectors/conformance/SCHEMA.md)
//! into relying-party configuration, through relypass's public API only.
//!
//! One copy, included by `#[path]` from the conformance runner
//! (`examples/conformance.rs`), the fuzz harness (`fuzz/src/harness.rs`, and so
//! `tests/fuzz_regressions.rs`) and the attestation tests
//! (`tests/attestation_blocks/registration.rs`): a schema field read by one of
//! them and not the others would make the fuzzer or the tests configure a
//! different relying party than the runner that defines what passing means.
//! Not library API: no reader of cases belongs in the published crate.
#![allow(dead_code)]

use relypass::RelyingParty;
use relypass::attestation::{TrustAnchor, TrustMode, TrustPolicy};
use relypass::cose::CoseAlgorithm;
use relypass::json::{UserVerificationRequirement, b64url_decode};
use serde_json::Value;

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
    if policy["user_presence"].as_str() == Some("not_required") {
        b = b.require_user_presence(false);
    }
    b.trust_policy(trust).build().map_err(|e| e.to_string())
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
