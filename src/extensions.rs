//! Typed builders for WebAuthn extension *inputs* and readers for their outputs
//! (WebAuthn L3 §9–§10, CTAP 2.1 §12).
//!
//! Extension inputs travel in the options' `extensions` member as JSON
//! (`AuthenticationExtensionsClientInputsJSON`, binary values as base64url). The
//! builders here produce that map for [`RegistrationOptions::extensions`] /
//! [`AuthenticationOptions::extensions`]; anything they do not know can still be
//! added with `other`, and unknown extensions always pass through untouched.
//!
//! Outputs come back in two places: `clientExtensionResults` in the response JSON
//! (client outputs: credProps, prf, largeBlob, appid) and the CBOR extensions map
//! inside authenticator data (authenticator outputs: credProtect, minPinLength).
//! The readers here never fail on odd shapes: a malformed output reads as absent.
//!
//! Two extensions are also *enforced* by the ceremonies, because leaving them to
//! the host would let a client choose the outcome:
//! - `credProtect` with `enforceCredentialProtectionPolicy: true`: registration
//!   refuses an authenticator output below the requested level
//!   ([`Error::CredProtect`](crate::Error::CredProtect)).
//! - `appid`: the AppID is kept in the authentication state at `start`, and at
//!   `finish` the rpIdHash may equal SHA-256(AppID) only when the client reports
//!   `appid: true` (§10.1.1).
//!
//! [`RegistrationOptions::extensions`]: crate::RegistrationOptions::extensions
//! [`AuthenticationOptions::extensions`]: crate::AuthenticationOptions::extensions

use crate::json::{ExtensionsJson, b64url, b64url_decode};
use ciborium::value::Value as Cbor;
use serde_json::{Value, json};

/// `credentialProtectionPolicy` values (CTAP 2.1 §12.1 credProtect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredProtectPolicy {
    /// Level 1: the credential can be used with or without UV (the default).
    UserVerificationOptional,
    /// Level 2: without UV, the credential is usable only when its id is in
    /// allowCredentials (it is not discoverable without UV).
    UserVerificationOptionalWithCredentialIdList,
    /// Level 3: the credential is usable only with UV.
    UserVerificationRequired,
}

impl CredProtectPolicy {
    /// The WebAuthn string value.
    pub fn as_str(self) -> &'static str {
        match self {
            CredProtectPolicy::UserVerificationOptional => "userVerificationOptional",
            CredProtectPolicy::UserVerificationOptionalWithCredentialIdList => {
                "userVerificationOptionalWithCredentialIDList"
            }
            CredProtectPolicy::UserVerificationRequired => "userVerificationRequired",
        }
    }
    /// Parses the WebAuthn string value.
    pub fn from_str_opt(s: &str) -> Option<Self> {
        [
            CredProtectPolicy::UserVerificationOptional,
            CredProtectPolicy::UserVerificationOptionalWithCredentialIdList,
            CredProtectPolicy::UserVerificationRequired,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
    /// The CTAP level (1 to 3) the authenticator reports in its output.
    pub fn level(self) -> u8 {
        match self {
            CredProtectPolicy::UserVerificationOptional => 1,
            CredProtectPolicy::UserVerificationOptionalWithCredentialIdList => 2,
            CredProtectPolicy::UserVerificationRequired => 3,
        }
    }
}

/// `largeBlob.support` at registration (§10.1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LargeBlobSupport {
    /// The credential must support large blobs (the client refuses otherwise).
    Required,
    /// Large-blob support is wanted if available.
    Preferred,
}

/// Extension inputs for a registration (`navigator.credentials.create`).
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct RegistrationExtensions {
    map: ExtensionsJson,
}

impl RegistrationExtensions {
    /// No extensions.
    pub fn new() -> Self {
        Self::default()
    }
    /// `credProps: true` (§10.1.3): asks the client to report whether the new
    /// credential is discoverable (`rk`), recorded as
    /// [`CredentialRecord::discoverable`](crate::CredentialRecord::discoverable).
    pub fn cred_props(mut self) -> Self {
        self.map.insert("credProps".into(), Value::Bool(true));
        self
    }
    /// credProtect (CTAP 2.1 §12.1): `credentialProtectionPolicy` and
    /// `enforceCredentialProtectionPolicy`. With `enforce`, the client fails the
    /// ceremony when the authenticator cannot honour the policy, and relypass
    /// also refuses a response whose authenticator output is below the level.
    pub fn cred_protect(mut self, policy: CredProtectPolicy, enforce: bool) -> Self {
        self.map.insert(
            "credentialProtectionPolicy".into(),
            Value::String(policy.as_str().into()),
        );
        self.map.insert(
            "enforceCredentialProtectionPolicy".into(),
            Value::Bool(enforce),
        );
        self
    }
    /// `prf: {}` (§10.1.4): asks whether the new credential supports PRF
    /// (`clientExtensionResults.prf.enabled`).
    pub fn prf(mut self) -> Self {
        self.map.insert("prf".into(), json!({}));
        self
    }
    /// `prf: {eval: {first, second}}`: also evaluates the PRF at creation, where
    /// the authenticator supports it. Salts are sent base64url-encoded.
    pub fn prf_eval(mut self, first: &[u8], second: Option<&[u8]>) -> Self {
        self.map
            .insert("prf".into(), json!({ "eval": prf_values(first, second) }));
        self
    }
    /// `largeBlob: {support}` (§10.1.5).
    pub fn large_blob(mut self, support: LargeBlobSupport) -> Self {
        let s = match support {
            LargeBlobSupport::Required => "required",
            LargeBlobSupport::Preferred => "preferred",
        };
        self.map.insert("largeBlob".into(), json!({ "support": s }));
        self
    }
    /// `appidExclude` (§10.1.2): also exclude legacy U2F credentials registered
    /// under this FIDO AppID (registration only).
    pub fn appid_exclude(mut self, appid: impl Into<String>) -> Self {
        self.map
            .insert("appidExclude".into(), Value::String(appid.into()));
        self
    }
    /// `minPinLength: true` (CTAP 2.1 §12.4): asks the authenticator to report its
    /// minimum PIN length (only authenticators configured to trust this RP answer).
    pub fn min_pin_length(mut self) -> Self {
        self.map.insert("minPinLength".into(), Value::Bool(true));
        self
    }
    /// Any other extension input, passed through as given.
    pub fn other(mut self, id: impl Into<String>, input: Value) -> Self {
        self.map.insert(id.into(), input);
        self
    }
    /// The JSON map for [`RegistrationOptions::extensions`](crate::RegistrationOptions::extensions).
    pub fn build(self) -> ExtensionsJson {
        self.map
    }
}

/// Extension inputs for a sign-in (`navigator.credentials.get`).
#[derive(Debug, Clone, Default, PartialEq)]
#[must_use]
pub struct AuthenticationExtensions {
    map: ExtensionsJson,
}

impl AuthenticationExtensions {
    /// No extensions.
    pub fn new() -> Self {
        Self::default()
    }
    /// `prf.eval` (§10.1.4): one or two salts evaluated with whichever credential
    /// is used. Read the results with [`PrfOutputs::from_client_outputs`].
    pub fn prf_eval(mut self, first: &[u8], second: Option<&[u8]>) -> Self {
        self.edit_prf(|prf| {
            prf.insert("eval".into(), prf_values(first, second));
        });
        self
    }
    /// `prf.evalByCredential`: salts for one specific credential id (overrides
    /// `eval` when that credential is used). Only valid with allowCredentials.
    pub fn prf_eval_by_credential(
        mut self,
        credential_id: &[u8],
        first: &[u8],
        second: Option<&[u8]>,
    ) -> Self {
        self.edit_prf(|prf| {
            let by = prf.entry("evalByCredential").or_insert_with(|| json!({}));
            if !by.is_object() {
                *by = json!({});
            }
            if let Value::Object(m) = by {
                m.insert(b64url(credential_id), prf_values(first, second));
            }
        });
        self
    }
    /// `largeBlob: {read: true}` (§10.1.5): read the credential's large blob.
    pub fn large_blob_read(mut self) -> Self {
        self.map.insert("largeBlob".into(), json!({ "read": true }));
        self
    }
    /// `largeBlob: {write}`: replace the credential's large blob (base64url).
    pub fn large_blob_write(mut self, blob: &[u8]) -> Self {
        self.map
            .insert("largeBlob".into(), json!({ "write": b64url(blob) }));
        self
    }
    /// `appid` (§10.1.1): lets credentials registered through the legacy U2F API
    /// under this AppID sign in. The AppID is remembered in the ceremony state, so
    /// at `finish` the client cannot substitute another one.
    pub fn appid(mut self, appid: impl Into<String>) -> Self {
        self.map.insert("appid".into(), Value::String(appid.into()));
        self
    }
    /// Any other extension input, passed through as given.
    pub fn other(mut self, id: impl Into<String>, input: Value) -> Self {
        self.map.insert(id.into(), input);
        self
    }
    /// The JSON map for [`AuthenticationOptions::extensions`](crate::AuthenticationOptions::extensions).
    pub fn build(self) -> ExtensionsJson {
        self.map
    }

    /// Edits the `prf` input object, creating it (or replacing a non-object).
    fn edit_prf(&mut self, f: impl FnOnce(&mut ExtensionsJson)) {
        let mut prf = match self.map.remove("prf") {
            Some(Value::Object(m)) => m,
            _ => ExtensionsJson::new(),
        };
        f(&mut prf);
        self.map.insert("prf".into(), Value::Object(prf));
    }
}

fn prf_values(first: &[u8], second: Option<&[u8]>) -> Value {
    let mut v = serde_json::Map::new();
    v.insert("first".into(), Value::String(b64url(first)));
    if let Some(s) = second {
        v.insert("second".into(), Value::String(b64url(s)));
    }
    Value::Object(v)
}

/// The credProtect level a registration must reach: present only when the
/// inputs set `enforceCredentialProtectionPolicy: true` with a policy above
/// level 1 (level 1 is every authenticator's default, so nothing to enforce).
pub(crate) fn enforced_cred_protect_level(inputs: Option<&ExtensionsJson>) -> Option<u8> {
    let inputs = inputs?;
    if inputs.get("enforceCredentialProtectionPolicy") != Some(&Value::Bool(true)) {
        return None;
    }
    let policy = inputs
        .get("credentialProtectionPolicy")
        .and_then(Value::as_str)
        .and_then(CredProtectPolicy::from_str_opt)?;
    (policy.level() > 1).then_some(policy.level())
}

/// The AppID requested in sign-in inputs (`appid`), kept in the state.
pub(crate) fn requested_appid(inputs: Option<&ExtensionsJson>) -> Option<String> {
    inputs?.get("appid")?.as_str().map(str::to_owned)
}

/// PRF results (§10.1.4 `AuthenticationExtensionsPRFOutputs`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrfOutputs {
    /// At registration: whether the credential supports PRF.
    pub enabled: Option<bool>,
    /// `results.first`: the PRF output for the first salt.
    pub first: Option<Vec<u8>>,
    /// `results.second`: the PRF output for the second salt.
    pub second: Option<Vec<u8>>,
}

impl PrfOutputs {
    /// Reads `clientExtensionResults.prf`; `None` when absent or not an object.
    /// Results that are not valid base64url read as absent.
    pub fn from_client_outputs(outputs: &ExtensionsJson) -> Option<Self> {
        let prf = outputs.get("prf")?.as_object()?;
        let results = prf.get("results").and_then(Value::as_object);
        let bytes = |k: &str| {
            results
                .and_then(|r| r.get(k))
                .and_then(Value::as_str)
                .and_then(b64url_decode)
        };
        Some(PrfOutputs {
            enabled: prf.get("enabled").and_then(Value::as_bool),
            first: bytes("first"),
            second: bytes("second"),
        })
    }
}

/// largeBlob outputs (§10.1.5 `AuthenticationExtensionsLargeBlobOutputs`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LargeBlobOutputs {
    /// At registration: whether the credential supports large blobs.
    pub supported: Option<bool>,
    /// After a read: the blob.
    pub blob: Option<Vec<u8>>,
    /// After a write: whether it was written.
    pub written: Option<bool>,
}

impl LargeBlobOutputs {
    /// Reads `clientExtensionResults.largeBlob`; `None` when absent.
    pub fn from_client_outputs(outputs: &ExtensionsJson) -> Option<Self> {
        let lb = outputs.get("largeBlob")?.as_object()?;
        Some(LargeBlobOutputs {
            supported: lb.get("supported").and_then(Value::as_bool),
            blob: lb
                .get("blob")
                .and_then(Value::as_str)
                .and_then(b64url_decode),
            written: lb.get("written").and_then(Value::as_bool),
        })
    }
}

/// `clientExtensionResults.credProps.rk` (§10.1.3).
pub fn cred_props_rk(outputs: &ExtensionsJson) -> Option<bool> {
    outputs.get("credProps")?.get("rk")?.as_bool()
}

/// `clientExtensionResults.appid` (§10.1.1): true when the client used the AppID.
pub fn appid_used(outputs: &ExtensionsJson) -> bool {
    outputs.get("appid") == Some(&Value::Bool(true))
}

fn authenticator_output<'a>(extensions: Option<&'a Cbor>, id: &str) -> Option<&'a Cbor> {
    let Some(Cbor::Map(entries)) = extensions else {
        return None;
    };
    entries
        .iter()
        .find(|(k, _)| matches!(k, Cbor::Text(t) if t == id))
        .map(|(_, v)| v)
}

/// The authenticator's `credProtect` output level (CTAP 2.1 §12.1), if present
/// and in range 1 to 3.
pub fn cred_protect_output(authenticator_extensions: Option<&Cbor>) -> Option<u8> {
    match authenticator_output(authenticator_extensions, "credProtect")? {
        Cbor::Integer(i) => u8::try_from(i128::from(*i))
            .ok()
            .filter(|l| (1..=3).contains(l)),
        _ => None,
    }
}

/// The authenticator's `minPinLength` output (CTAP 2.1 §12.4), if present.
pub fn min_pin_length_output(authenticator_extensions: Option<&Cbor>) -> Option<u64> {
    match authenticator_output(authenticator_extensions, "minPinLength")? {
        Cbor::Integer(i) => u64::try_from(i128::from(*i)).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_inputs_serialize_with_spec_names() {
        let m = RegistrationExtensions::new()
            .cred_props()
            .cred_protect(CredProtectPolicy::UserVerificationRequired, true)
            .large_blob(LargeBlobSupport::Preferred)
            .appid_exclude("https://example.com/appid.json")
            .min_pin_length()
            .prf_eval(&[1, 2, 3], None)
            .build();
        assert_eq!(
            Value::Object(m.clone()),
            json!({
                "credProps": true,
                "credentialProtectionPolicy": "userVerificationRequired",
                "enforceCredentialProtectionPolicy": true,
                "largeBlob": {"support": "preferred"},
                "appidExclude": "https://example.com/appid.json",
                "minPinLength": true,
                "prf": {"eval": {"first": "AQID"}}
            })
        );
        assert_eq!(enforced_cred_protect_level(Some(&m)), Some(3));
    }

    #[test]
    fn cred_protect_level_one_or_unenforced_is_not_enforced() {
        let m = RegistrationExtensions::new()
            .cred_protect(CredProtectPolicy::UserVerificationOptional, true)
            .build();
        assert_eq!(enforced_cred_protect_level(Some(&m)), None);
        let m = RegistrationExtensions::new()
            .cred_protect(CredProtectPolicy::UserVerificationRequired, false)
            .build();
        assert_eq!(enforced_cred_protect_level(Some(&m)), None);
        assert_eq!(enforced_cred_protect_level(None), None);
    }

    #[test]
    fn authentication_inputs_serialize_with_spec_names() {
        let m = AuthenticationExtensions::new()
            .prf_eval(&[0xff], Some(&[0xfe]))
            .prf_eval_by_credential(&[1], &[2], None)
            .large_blob_write(b"hi")
            .appid("https://example.com/appid.json")
            .other("futureExt", json!(7))
            .build();
        assert_eq!(
            Value::Object(m.clone()),
            json!({
                "prf": {"eval": {"first": "_w", "second": "_g"},
                        "evalByCredential": {"AQ": {"first": "Ag"}}},
                "largeBlob": {"write": "aGk"},
                "appid": "https://example.com/appid.json",
                "futureExt": 7
            })
        );
        assert_eq!(
            requested_appid(Some(&m)).as_deref(),
            Some("https://example.com/appid.json")
        );
        let m = AuthenticationExtensions::new().large_blob_read().build();
        assert_eq!(Value::Object(m), json!({"largeBlob": {"read": true}}));
    }

    #[test]
    fn outputs_read_and_tolerate_garbage() {
        let out: ExtensionsJson = serde_json::from_value(json!({
            "prf": {"enabled": true, "results": {"first": "AQID", "second": "!!"}},
            "largeBlob": {"supported": true, "blob": "aGk", "written": false},
            "credProps": {"rk": false},
            "appid": true
        }))
        .unwrap();
        let prf = PrfOutputs::from_client_outputs(&out).unwrap();
        assert_eq!(prf.enabled, Some(true));
        assert_eq!(prf.first.as_deref(), Some(&[1u8, 2, 3][..]));
        assert_eq!(prf.second, None);
        let lb = LargeBlobOutputs::from_client_outputs(&out).unwrap();
        assert_eq!(lb.blob.as_deref(), Some(&b"hi"[..]));
        assert_eq!(lb.written, Some(false));
        assert_eq!(cred_props_rk(&out), Some(false));
        assert!(appid_used(&out));

        let garbage: ExtensionsJson =
            serde_json::from_value(json!({"prf": 3, "largeBlob": [], "appid": "yes"})).unwrap();
        assert_eq!(PrfOutputs::from_client_outputs(&garbage), None);
        assert_eq!(LargeBlobOutputs::from_client_outputs(&garbage), None);
        assert!(!appid_used(&garbage));
    }

    #[test]
    fn authenticator_outputs() {
        let ext = Cbor::Map(vec![
            (Cbor::Text("credProtect".into()), Cbor::Integer(2.into())),
            (Cbor::Text("minPinLength".into()), Cbor::Integer(6.into())),
        ]);
        assert_eq!(cred_protect_output(Some(&ext)), Some(2));
        assert_eq!(min_pin_length_output(Some(&ext)), Some(6));
        let bad = Cbor::Map(vec![
            (Cbor::Text("credProtect".into()), Cbor::Integer(9.into())),
            (
                Cbor::Text("minPinLength".into()),
                Cbor::Integer((-1).into()),
            ),
        ]);
        assert_eq!(cred_protect_output(Some(&bad)), None);
        assert_eq!(min_pin_length_output(Some(&bad)), None);
        assert_eq!(cred_protect_output(None), None);
    }
}
