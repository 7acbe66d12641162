//! The `android-safetynet` attestation statement format (WebAuthn L3 §8.5).

use super::common::{bytes_member, check_chain, fail, used_members};
use super::jws::{SAFETYNET_MAX_JWS_LEN, leaf_hostname_matches, verify_compact_jws};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::error::Result;
use base64::Engine;
use ciborium::value::Value;
use sha2::{Digest, Sha256};

const F: &str = "android-safetynet";

/// Policy for SafetyNet attestation responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafetyNetPolicy {
    /// Require `ctsProfileMatch: true` (default true).
    pub require_cts_profile_match: bool,
    /// Require `basicIntegrity: true` (default true).
    pub require_basic_integrity: bool,
    /// How old `timestampMs` may be, in milliseconds (default 60 s).
    pub max_age_ms: u64,
    /// How far in the future `timestampMs` may be, for clock skew (default 5 s).
    pub max_future_skew_ms: u64,
}

impl Default for SafetyNetPolicy {
    fn default() -> Self {
        SafetyNetPolicy {
            require_cts_profile_match: true,
            require_basic_integrity: true,
            max_age_ms: 60_000,
            max_future_skew_ms: 5_000,
        }
    }
}

/// §8.5 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(F, stmt, &["ver", "response"])?;
    match super::common::member(stmt, "ver") {
        Some(Value::Text(v)) if !v.is_empty() => {}
        _ => return Err(fail(F, "ver missing or not a non-empty string")),
    }
    let response = bytes_member(F, stmt, "response")?;
    let text = core::str::from_utf8(response).map_err(|_| fail(F, "response is not UTF-8"))?;
    // §8.5 step 2: the response is a valid JWS (signature by x5c[0]'s key).
    let jws = verify_compact_jws(text, SAFETYNET_MAX_JWS_LEN)
        .map_err(|e| fail(F, format!("JWS: {e}")))?;
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;
    // §8.5 step 3: nonce is base64(SHA-256(authData ‖ clientDataHash)).
    let expected = base64::engine::general_purpose::STANDARD.encode(
        Sha256::new()
            .chain_update(input.auth_data.raw())
            .chain_update(input.client_data_hash)
            .finalize(),
    );
    let p = &jws.payload;
    if p.get("nonce").and_then(serde_json::Value::as_str) != Some(expected.as_str()) {
        return Err(fail(
            F,
            "nonce does not match SHA-256(authData ‖ clientDataHash)",
        ));
    }
    // §8.5 step 4: the leaf certificate is issued to attest.android.com.
    let leaf = jws.x5c.first().ok_or_else(|| fail(F, "x5c missing"))?;
    if !leaf_hostname_matches(leaf, "attest.android.com") {
        return Err(fail(
            F,
            "JWS leaf certificate is not for attest.android.com",
        ));
    }
    let sn = &policy.safetynet;
    // §8.5 step 5: ctsProfileMatch (and basicIntegrity) per policy.
    if sn.require_cts_profile_match
        && p.get("ctsProfileMatch")
            .and_then(serde_json::Value::as_bool)
            != Some(true)
    {
        return Err(fail(F, "ctsProfileMatch is not true"));
    }
    if sn.require_basic_integrity
        && p.get("basicIntegrity").and_then(serde_json::Value::as_bool) != Some(true)
    {
        return Err(fail(F, "basicIntegrity is not true"));
    }
    // timestampMs: not in the future (beyond skew) and not older than the window.
    let ts = p
        .get("timestampMs")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| fail(F, "timestampMs missing"))?;
    let now_ms = input.now.saturating_mul(1000);
    if ts > now_ms.saturating_add(sn.max_future_skew_ms) {
        return Err(fail(F, "timestampMs is in the future"));
    }
    if now_ms.saturating_sub(ts) > sn.max_age_ms {
        return Err(fail(F, "timestampMs is too old"));
    }
    let chain: Vec<&[u8]> = jws.x5c.iter().map(Vec::as_slice).collect();
    let trust_path = check_chain(
        F,
        &chain,
        policy,
        AttestationType::Basic,
        acd.aaguid,
        input.now,
    )?;
    Ok(AttestationOutcome {
        fmt: F.into(),
        attestation_type: AttestationType::Basic,
        // Set by `verify_statement`, the one place that decides it.
        attested_aaguid: None,
        trust_path,
    })
}
