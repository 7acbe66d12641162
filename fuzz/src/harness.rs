//! The body of every fuzz target, as plain functions over bytes.
//!
//! Shared by the libFuzzer binaries in `fuzz/fuzz_targets/` and by the main
//! crate's `tests/fuzz_regressions.rs` (which includes this file by path), so a
//! crash input replays through exactly the code the fuzzer ran. Only relypass's
//! public API is used, plus `serde_json`, `base64` and `sha2`, which both crates
//! have. Every function must return, never panic, whatever the bytes.

use relypass::attestation::{self, AttestationObject, TrustMode, TrustPolicy, VerificationInput};
use relypass::authenticator_data::AuthenticatorData;
use relypass::client_data::CollectedClientData;
use relypass::cose::{CoseAlgorithm, CredentialPublicKey};
use relypass::json::{Base64Url, b64url_decode};
use relypass::{
    AuthenticationOptions, AuthenticationResponse, Challenge, CredentialRecord, CredentialState,
    RegistrationOptions, RegistrationResponse, RelyingParty, User, UserHandle,
};
use serde_json::Value;

// Reading a conformance case into a relying party: one file shared with the
// conformance runner and the attestation tests (the path is relative to this
// file, so it resolves the same when `tests/fuzz_regressions.rs` includes it).
#[path = "../../tests/support/conformance_case.rs"]
mod conformance_case;

/// Verification time when a case gives none (fixed, so runs are reproducible).
pub use conformance_case::DEFAULT_NOW;

/// `clientDataJSON` bytes → `CollectedClientData::parse`. True when it parsed.
pub fn client_data(data: &[u8]) -> bool {
    match CollectedClientData::parse(data) {
        Ok(c) => {
            // Touch every member (Debug walks them all).
            let _ = format!("{c:?}");
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// authenticatorData bytes → `AuthenticatorData::parse`. True when it parsed.
pub fn authenticator_data(data: &[u8]) -> bool {
    match AuthenticatorData::parse(data) {
        Ok(a) => {
            let _ = format!("{a:?} {:?}", a.flags());
            if let Some(acd) = a.attested_credential_data() {
                let _ = acd.aaguid.to_string();
                // The key bytes kept are exactly what parsed: re-parsing agrees.
                let again = CredentialPublicKey::from_cose_bytes(acd.public_key_bytes);
                assert!(
                    again.is_ok(),
                    "public_key_bytes of a parsed key do not parse alone"
                );
            }
            true
        }
        Err(e) => {
            let _ = e.to_string();
            false
        }
    }
}

/// `now[8, BE] ‖ clientDataHash[32] ‖ attestationObject` → `AttestationObject::parse`,
/// `AuthenticatorData::parse` of its authData, then `attestation::verify` under
/// `TrustMode::Any` (every format's statement checks), `Trusted` with no anchors
/// (chains are built and refused) and `None`. The seed corpus carries each real
/// case's time and hash, so the unmutated seeds verify. Returns whether `Any`
/// accepted the statement.
pub fn attestation_object(data: &[u8]) -> bool {
    let Some((now, rest)) = data.split_first_chunk::<8>() else {
        return false;
    };
    let Some((hash, att)) = rest.split_first_chunk::<32>() else {
        return false;
    };
    let now = u64::from_be_bytes(*now);
    let Ok(obj) = AttestationObject::parse(att) else {
        return false;
    };
    let _ = (obj.fmt(), obj.att_stmt().len());
    let Ok(auth_data) = AuthenticatorData::parse(obj.auth_data()) else {
        return false;
    };
    let input = VerificationInput {
        auth_data: &auth_data,
        client_data_hash: hash,
        now,
    };
    let mut accepted = false;
    for mode in [TrustMode::Any, TrustMode::Trusted, TrustMode::None] {
        let policy = TrustPolicy {
            mode,
            ..TrustPolicy::default()
        };
        match attestation::verify(&obj, &input, &policy) {
            Ok(outcome) => {
                let _ = (outcome.has_trust_path(), format!("{outcome:?}"));
                if mode == TrustMode::Any {
                    accepted = true;
                }
            }
            Err(e) => {
                let _ = e.to_string();
            }
        }
    }
    accepted
}

/// COSE_Key bytes → `CredentialPublicKey::from_cose_bytes`; a key that parses is
/// then run through `signature::verify` with a few wrong signatures, which must
/// all be refused. True when the key parsed.
pub fn cose_key(data: &[u8]) -> bool {
    let Ok(key) = CredentialPublicKey::from_cose_bytes(data) else {
        return false;
    };
    let _ = format!("{:?} {:?}", key.algorithm(), key.key());
    let parts: [&[u8]; 2] = [b"authenticator data", &[0x5a; 32]];
    for sig in [
        &[][..],
        &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
        &[0x01; 64],
        &[0xff; 256],
        &[0x00; 512],
    ] {
        assert!(
            relypass::signature::verify(&key, &parts, sig).is_err(),
            "a made-up signature verified"
        );
    }
    true
}

/// Response JSON → `RegistrationResponse::from_json`. True when it parsed.
pub fn registration_json(data: &[u8]) -> bool {
    let Ok(s) = core::str::from_utf8(data) else {
        return false;
    };
    match RegistrationResponse::from_json(s) {
        Ok(r) => {
            let _ = (r.credential_id().len(), format!("{:?}", r.json()));
            true
        }
        Err(_) => false,
    }
}

/// Response JSON → `AuthenticationResponse::from_json`. True when it parsed.
pub fn authentication_json(data: &[u8]) -> bool {
    let Ok(s) = core::str::from_utf8(data) else {
        return false;
    };
    match AuthenticationResponse::from_json(s) {
        Ok(r) => {
            let _ = (r.credential_id().len(), r.user_handle(), r.challenge());
            true
        }
        Err(_) => false,
    }
}

/// What a `finish_*` harness concluded.
#[derive(Debug)]
pub enum Outcome {
    /// The bytes are not a usable case (not JSON, bad RP configuration, ...).
    NotACase(String),
    /// The ceremony ran and refused the response.
    Rejected(relypass::Error),
    /// The ceremony ran and verified the response.
    Verified,
}

impl Outcome {
    /// True for [`Outcome::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, Outcome::Verified)
    }
}

/// A `relypass-conformance/1` case (JSON) → `finish_registration_at` through the
/// public API, configured from the case as the conformance runner does.
pub fn finish_registration(data: &[u8]) -> Outcome {
    let case = match serde_json::from_slice::<Value>(data) {
        Ok(c) => c,
        Err(e) => return Outcome::NotACase(e.to_string()),
    };
    finish_registration_case(&case)
}

/// [`finish_registration`] over an already parsed case.
pub fn finish_registration_case(case: &Value) -> Outcome {
    let (rp, challenge, now) = match setup(case) {
        Ok(s) => s,
        Err(e) => return Outcome::NotACase(e),
    };
    let user = User {
        handle: UserHandle::new(b"conformance-user".to_vec()).expect("a valid handle"),
        name: "fuzz".into(),
        display_name: "Fuzz".into(),
    };
    let Ok((_, state)) = rp.start_registration_with(
        &user,
        &[],
        &RegistrationOptions::default(),
        Challenge::from_bytes(challenge),
        now,
    ) else {
        return Outcome::NotACase("start_registration failed".into());
    };
    let Ok(response) = serde_json::to_string(&case["response"]) else {
        return Outcome::NotACase("response does not serialize".into());
    };
    let resp = match RegistrationResponse::from_json(&response) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e),
    };
    match rp.finish_registration_at(state, &resp, now) {
        Ok(v) => {
            // A verified registration's stored key must parse on its own.
            let rec = v.record();
            assert!(
                CredentialPublicKey::from_cose_bytes(rec.public_key.as_slice()).is_ok(),
                "a verified registration stored a key that does not parse"
            );
            let _ = format!("{v:?}");
            Outcome::Verified
        }
        Err(e) => {
            let _ = e.to_string();
            Outcome::Rejected(e)
        }
    }
}

/// A `relypass-conformance/1` authentication case (JSON) → `finish_authentication_at`
/// against the case's stored credential, through the public API.
pub fn finish_authentication(data: &[u8]) -> Outcome {
    let case = match serde_json::from_slice::<Value>(data) {
        Ok(c) => c,
        Err(e) => return Outcome::NotACase(e.to_string()),
    };
    finish_authentication_case(&case)
}

/// [`finish_authentication`] over an already parsed case.
pub fn finish_authentication_case(case: &Value) -> Outcome {
    let (rp, challenge, now) = match setup(case) {
        Ok(s) => s,
        Err(e) => return Outcome::NotACase(e),
    };
    let Ok(response) = serde_json::to_string(&case["response"]) else {
        return Outcome::NotACase("response does not serialize".into());
    };
    let resp = match AuthenticationResponse::from_json(&response) {
        Ok(r) => r,
        Err(e) => return Outcome::Rejected(e),
    };
    let cred = &case["credential"];
    let handle_bytes = cred["user_handle"]
        .as_str()
        .and_then(b64url_decode)
        .or_else(|| resp.user_handle().map(<[u8]>::to_vec))
        .unwrap_or_else(|| b"conformance-user".to_vec());
    let Ok(handle) = UserHandle::new(handle_bytes) else {
        return Outcome::NotACase("stored user handle out of range".into());
    };
    let Some(public_key) = cred["public_key"].as_str().and_then(b64url_decode) else {
        return Outcome::NotACase("credential has no public_key".into());
    };
    // A stored key that does not parse still goes to `finish`, which must refuse it.
    let algorithm = CredentialPublicKey::from_cose_bytes(&public_key)
        .map(|k| k.algorithm())
        .unwrap_or(CoseAlgorithm::ES256);
    let Some(id) = cred["id"].as_str().and_then(b64url_decode) else {
        return Outcome::NotACase("credential has no id".into());
    };
    let backup_eligible = match cred["backup_eligible"].as_bool() {
        Some(be) => be,
        None => AuthenticatorData::parse(resp.json().response.authenticator_data.as_slice())
            .map(|a| a.flags().backup_eligible())
            .unwrap_or(false),
    };
    let record = CredentialRecord {
        id: Base64Url::from(id),
        user_handle: handle.clone(),
        public_key: Base64Url::from(public_key),
        algorithm,
        sign_count: u32::try_from(cred["sign_count"].as_u64().unwrap_or(0)).unwrap_or(u32::MAX),
        backup_eligible,
        backup_state: false,
        user_verified: false,
        transports: Vec::new(),
        aaguid: Default::default(),
        attestation_format: "none".into(),
        attestation_type: relypass::attestation::AttestationType::None,
        discoverable: None,
        created_at: now,
        last_used_at: None,
        name: None,
        state: CredentialState::Active,
        state_changed_at: now,
        possibly_cloned: false,
    };
    let creds = [record];
    let Ok((_, state)) = rp.start_authentication_with(
        Some((&handle, &creds)),
        &AuthenticationOptions::default(),
        Challenge::from_bytes(challenge),
        now,
    ) else {
        return Outcome::NotACase("start_authentication failed".into());
    };
    match rp.finish_authentication_at(state, &resp, &creds[0], now) {
        Ok(v) => {
            let _ = format!("{v:?}");
            Outcome::Verified
        }
        Err(e) => {
            let _ = e.to_string();
            Outcome::Rejected(e)
        }
    }
}

/// The relying party, challenge and time a case describes, read as the
/// conformance runner reads them.
fn setup(case: &Value) -> Result<(RelyingParty, Vec<u8>, u64), String> {
    let rp = conformance_case::relying_party(case, "Fuzz", conformance_case::trust_policy(case))?;
    let challenge = conformance_case::challenge(case)?;
    let now = case["now"].as_u64().unwrap_or(DEFAULT_NOW);
    Ok((rp, challenge, now))
}
