//! webauthn-rs-core 0.6 set up from one of relypass's benchmark fixtures
//! (`benches/fixtures/authentication-*.json`, `relypass-conformance/1` cases):
//! the same RP ID, origin, challenge, stored COSE key and response JSON.

use base64::Engine;
use std::time::Duration;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::proto::{
    AttestationFormat, AuthenticationState, COSEKey, Credential, ParsedAttestation,
    PublicKeyCredential, RegisteredExtensions, UserVerificationPolicy,
};

fn b64(v: &serde_json::Value) -> Result<Vec<u8>, String> {
    let s = v.as_str().ok_or("not a string")?;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| e.to_string())
}

/// A configured webauthn-rs-core and the authentication state for one fixture.
pub struct Setup {
    core: WebauthnCore,
    state: AuthenticationState,
    /// The response JSON, exactly as relypass's bench parses it.
    pub response_json: String,
}

impl Setup {
    /// From a fixture's text; checks the fixture's assertion verifies.
    pub fn new(fixture: &str) -> Result<Setup, String> {
        let case: serde_json::Value = serde_json::from_str(fixture).map_err(|e| e.to_string())?;
        let rp_id = case["rp"]["id"].as_str().ok_or("rp id")?;
        let origin = case["rp"]["origins"][0].as_str().ok_or("origin")?;
        let core = WebauthnCore::new_unsafe_experts_only(
            "Example",
            rp_id,
            vec![url::Url::parse(origin).map_err(|e| e.to_string())?],
            Duration::from_secs(300),
            None,
            None,
        );
        let cred = &case["credential"];
        // The stored credential, built from the same COSE_Key bytes.
        let cbor: serde_cbor_2::Value =
            serde_cbor_2::from_slice(&b64(&cred["public_key"])?).map_err(|e| e.to_string())?;
        let credential = Credential {
            cred_id: b64(&cred["id"])?.into(),
            cred: COSEKey::try_from(&cbor).map_err(|e| e.to_string())?,
            counter: cred["sign_count"].as_u64().unwrap_or(0) as u32,
            transports: None,
            user_verified: true,
            backup_eligible: cred["backup_eligible"].as_bool().unwrap_or(false),
            backup_state: false,
            registration_policy: UserVerificationPolicy::Preferred,
            extensions: RegisteredExtensions::none(),
            attestation: ParsedAttestation::default(),
            attestation_format: AttestationFormat::None,
        };
        let builder = core
            .new_challenge_authenticate_builder(
                vec![credential],
                Some(UserVerificationPolicy::Preferred),
            )
            .map_err(|e| e.to_string())?;
        let (_, state) = core
            .generate_challenge_authenticate(builder)
            .map_err(|e| e.to_string())?;
        // Its challenge is random: put the fixture's in through the serialized state.
        let mut v = serde_json::to_value(&state).map_err(|e| e.to_string())?;
        v["challenge"] = case["challenge"].clone();
        let state = serde_json::from_value(v).map_err(|e| e.to_string())?;
        let s = Setup {
            core,
            state,
            response_json: case["response"].to_string(),
        };
        s.finish(&s.response_json)?;
        Ok(s)
    }

    /// Parses the response JSON and verifies it, as relypass's
    /// `finish_authentication` row does.
    pub fn finish(&self, json: &str) -> Result<(), String> {
        let pkc: PublicKeyCredential = serde_json::from_str(json).map_err(|e| e.to_string())?;
        self.core
            .authenticate_credential(&pkc, &self.state)
            .map(|r| {
                std::hint::black_box(r);
            })
            .map_err(|e| e.to_string())
    }
}
