//! The conformance API's message shapes (FIDO2 Server Requirements and
//! Transport Binding Profile §7) and their mapping onto relypass's options.

use relypass::json::{
    AttestationConveyancePreference, AuthenticatorAttachment, ExtensionsJson,
    ResidentKeyRequirement, UserVerificationRequirement,
};
use relypass::{AuthenticationOptions, RegistrationOptions};
use serde::Deserialize;
use serde_json::{Map, Value};

/// Largest request body accepted (a TPM attestation is a few KB).
pub const MAX_BODY: usize = 256 * 1024;

/// Longest username / displayName accepted.
pub const MAX_NAME: usize = 256;

/// `ServerPublicKeyCredentialCreationOptionsRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsRequest {
    /// The account name.
    pub username: String,
    /// The human-palatable name.
    pub display_name: String,
    /// Authenticator requirements.
    #[serde(default)]
    pub authenticator_selection: Option<SelectionRequest>,
    /// `none`, `indirect`, `direct` or `enterprise`.
    #[serde(default)]
    pub attestation: Option<String>,
    /// Extension inputs, passed to the client.
    #[serde(default)]
    pub extensions: Option<ExtensionsJson>,
}

/// `AuthenticatorSelectionCriteria` as the request carries it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectionRequest {
    /// `platform` or `cross-platform`.
    #[serde(default)]
    pub authenticator_attachment: Option<String>,
    /// Level 1 boolean.
    #[serde(default)]
    pub require_resident_key: Option<bool>,
    /// Level 2 `discouraged` / `preferred` / `required`.
    #[serde(default)]
    pub resident_key: Option<String>,
    /// `required` / `preferred` / `discouraged`.
    #[serde(default)]
    pub user_verification: Option<String>,
}

/// `ServerPublicKeyCredentialGetOptionsRequest`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetOptionsRequest {
    /// The account name.
    pub username: String,
    /// `required` / `preferred` / `discouraged`.
    #[serde(default)]
    pub user_verification: Option<String>,
    /// Extension inputs, passed to the client.
    #[serde(default)]
    pub extensions: Option<ExtensionsJson>,
}

/// Parses a request body as `T`, naming what is wrong.
pub fn parse_request<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid {what}: {e}"))
}

/// A username or display name: non-empty, bounded.
pub fn check_name(value: &str, member: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{member} is empty"));
    }
    if value.len() > MAX_NAME {
        return Err(format!("{member} is longer than {MAX_NAME} bytes"));
    }
    Ok(())
}

/// An enum member: unknown values are refused (the tools send only known ones,
/// and a typo should not silently become the default).
fn enum_value<T>(
    value: &Option<String>,
    member: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, String> {
    match value.as_deref() {
        None | Some("") => Ok(None),
        Some(s) => parse(s)
            .map(Some)
            .ok_or_else(|| format!("{member} {s:?} is not a known value")),
    }
}

impl CreationOptionsRequest {
    /// The request as relypass registration options.
    pub fn to_options(&self) -> Result<RegistrationOptions, String> {
        check_name(&self.username, "username")?;
        check_name(&self.display_name, "displayName")?;
        let sel = self.authenticator_selection.as_ref();
        let none = SelectionRequest::default();
        let sel = sel.unwrap_or(&none);
        let mut resident_key = enum_value(
            &sel.resident_key,
            "authenticatorSelection.residentKey",
            ResidentKeyRequirement::from_str_opt,
        )?;
        // Level 1 clients only send requireResidentKey (§5.4.4: residentKey wins).
        if resident_key.is_none() {
            resident_key = sel.require_resident_key.map(|r| {
                if r {
                    ResidentKeyRequirement::Required
                } else {
                    ResidentKeyRequirement::Discouraged
                }
            });
        }
        Ok(RegistrationOptions {
            user_verification: enum_value(
                &sel.user_verification,
                "authenticatorSelection.userVerification",
                UserVerificationRequirement::from_str_opt,
            )?,
            resident_key,
            authenticator_attachment: enum_value(
                &sel.authenticator_attachment,
                "authenticatorSelection.authenticatorAttachment",
                AuthenticatorAttachment::from_str_opt,
            )?,
            attestation: enum_value(
                &self.attestation,
                "attestation",
                AttestationConveyancePreference::from_str_opt,
            )?,
            hints: Vec::new(),
            extensions: self.extensions.clone(),
            ..RegistrationOptions::default()
        })
    }
}

impl GetOptionsRequest {
    /// The request as relypass authentication options.
    pub fn to_options(&self) -> Result<AuthenticationOptions, String> {
        check_name(&self.username, "username")?;
        Ok(AuthenticationOptions {
            user_verification: enum_value(
                &self.user_verification,
                "userVerification",
                UserVerificationRequirement::from_str_opt,
            )?,
            hints: Vec::new(),
            extensions: self.extensions.clone(),
        })
    }
}

/// Which ceremony a `ServerPublicKeyCredential` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    /// `/attestation/result`.
    Registration,
    /// `/assertion/result`.
    Authentication,
}

/// Checks a `ServerPublicKeyCredential`'s members one by one (so the error names
/// the member, which the library's JSON parse error does not) and rewrites it in
/// the browser's `toJSON()` shape relypass parses:
/// `getClientExtensionResults` becomes `clientExtensionResults`, and an empty
/// `userHandle` (the profile's encoding of "none") is dropped.
pub fn normalize_credential(body: &[u8], ceremony: Ceremony) -> Result<String, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("invalid ServerPublicKeyCredential: {e}"))?;
    let Value::Object(mut m) = v else {
        return Err("ServerPublicKeyCredential is not a JSON object".into());
    };
    for member in ["id", "rawId", "type"] {
        require_string(&m, member, "")?;
    }
    let response = match m.get_mut("response") {
        Some(Value::Object(r)) => r,
        Some(_) => return Err("response is not a JSON object".into()),
        None => return Err("response is missing".into()),
    };
    let members: &[&str] = match ceremony {
        Ceremony::Registration => &["clientDataJSON", "attestationObject"],
        Ceremony::Authentication => &["clientDataJSON", "authenticatorData", "signature"],
    };
    for member in members {
        require_string(response, member, "response.")?;
    }
    if ceremony == Ceremony::Authentication {
        match response.get("userHandle") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {
                response.remove("userHandle");
            }
            Some(Value::String(_)) => {}
            Some(_) => return Err("response.userHandle is not a string".into()),
        }
    }
    if !m.contains_key("clientExtensionResults")
        && let Some(ext) = m.remove("getClientExtensionResults")
    {
        if !ext.is_object() {
            return Err("getClientExtensionResults is not a JSON object".into());
        }
        m.insert("clientExtensionResults".into(), ext);
    }
    serde_json::to_string(&Value::Object(m)).map_err(|e| format!("re-encoding: {e}"))
}

fn require_string(m: &Map<String, Value>, member: &str, prefix: &str) -> Result<(), String> {
    match m.get(member) {
        None | Some(Value::Null) => Err(format!("{prefix}{member} is missing")),
        Some(Value::String(s)) if s.is_empty() => Err(format!("{prefix}{member} is empty")),
        Some(Value::String(_)) => Ok(()),
        Some(_) => Err(format!("{prefix}{member} is not a string")),
    }
}
