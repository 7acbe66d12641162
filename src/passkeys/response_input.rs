//! What `Passkeys::finish_*` accept as the browser's response: the JSON text,
//! or the already deserialized wire type (what a web framework's JSON extractor
//! hands over).
//!
//! Why sealed traits rather than two methods per ceremony: one `finish` per
//! ceremony keeps the API small, and sealing keeps the set of accepted types
//! ours, so every path into verification goes through the size bound here.

use crate::ceremony::authentication::AuthenticationResponse;
use crate::ceremony::registration::RegistrationResponse;
use crate::error::{Error, Field, Result};
use crate::json::{AuthenticationResponseJson, RegistrationResponseJson};
use crate::limits::MAX_RESPONSE_JSON;

pub(crate) mod sealed {
    use super::*;

    // Public traits in a private module: outside this crate nobody can name
    // them, so nobody can implement them or call their methods.

    /// Parses (text) or size-checks (typed value) a registration response.
    pub trait Registration {
        fn registration(self) -> Result<RegistrationResponse>;
    }

    /// Parses (text) or size-checks (typed value) a sign-in response.
    pub trait Authentication {
        fn authentication(self) -> Result<AuthenticationResponse>;
    }
}

/// A registration response as [`Passkeys::finish_registration`](crate::Passkeys::finish_registration)
/// takes it: the browser's `credential.toJSON()` output as text (`&str`,
/// `&String`), or deserialized into [`json::RegistrationResponseJson`](crate::json::RegistrationResponseJson)
/// (by value or by reference), e.g. by a web framework's JSON extractor.
///
/// Either way, [`limits::MAX_RESPONSE_JSON`](crate::limits::MAX_RESPONSE_JSON)
/// applies: to the text's length, or to the typed value's canonical JSON size.
/// Sealed: implemented only for these types.
pub trait RegistrationResponseInput: sealed::Registration {}

/// A sign-in response as [`Passkeys::finish_authentication`](crate::Passkeys::finish_authentication)
/// takes it: the browser's `credential.toJSON()` output as text (`&str`,
/// `&String`), or deserialized into [`json::AuthenticationResponseJson`](crate::json::AuthenticationResponseJson)
/// (by value or by reference).
///
/// The size bound applies to both forms, as for [`RegistrationResponseInput`].
/// Sealed: implemented only for these types.
pub trait AuthenticationResponseInput: sealed::Authentication {}

impl sealed::Registration for &str {
    fn registration(self) -> Result<RegistrationResponse> {
        RegistrationResponse::from_json(self)
    }
}
impl sealed::Authentication for &str {
    fn authentication(self) -> Result<AuthenticationResponse> {
        AuthenticationResponse::from_json(self)
    }
}
impl RegistrationResponseInput for &str {}
impl AuthenticationResponseInput for &str {}

impl sealed::Registration for &String {
    fn registration(self) -> Result<RegistrationResponse> {
        RegistrationResponse::from_json(self)
    }
}
impl sealed::Authentication for &String {
    fn authentication(self) -> Result<AuthenticationResponse> {
        AuthenticationResponse::from_json(self)
    }
}
impl RegistrationResponseInput for &String {}
impl AuthenticationResponseInput for &String {}

impl sealed::Registration for RegistrationResponseJson {
    fn registration(self) -> Result<RegistrationResponse> {
        within_bound(&self)?;
        Ok(RegistrationResponse::from_parsed(self))
    }
}
impl RegistrationResponseInput for RegistrationResponseJson {}

impl sealed::Registration for &RegistrationResponseJson {
    fn registration(self) -> Result<RegistrationResponse> {
        // Checked before the copy, so an oversized value is never cloned.
        within_bound(self)?;
        Ok(RegistrationResponse::from_parsed(self.clone()))
    }
}
impl RegistrationResponseInput for &RegistrationResponseJson {}

impl sealed::Authentication for AuthenticationResponseJson {
    fn authentication(self) -> Result<AuthenticationResponse> {
        within_bound(&self)?;
        Ok(AuthenticationResponse::from_parsed(self))
    }
}
impl AuthenticationResponseInput for AuthenticationResponseJson {}

impl sealed::Authentication for &AuthenticationResponseJson {
    fn authentication(self) -> Result<AuthenticationResponse> {
        within_bound(self)?;
        Ok(AuthenticationResponse::from_parsed(self.clone()))
    }
}
impl AuthenticationResponseInput for &AuthenticationResponseJson {}

/// The typed value's size as the JSON text it stands for (base64url members,
/// extension outputs as serialized): the same bound as the text path, so a
/// host's deserializer (with its own, perhaps larger, body limit) cannot feed
/// verification more than a text response could. Serialization stops as soon
/// as the bound is passed, so an oversized value costs at most the bound.
fn within_bound(value: &impl serde::Serialize) -> Result<()> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 = self.0.saturating_add(buf.len());
            if self.0 > MAX_RESPONSE_JSON {
                return Err(std::io::Error::other("over the bound"));
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => Ok(()),
        Err(_) if count.0 > MAX_RESPONSE_JSON => Err(Error::TooLarge {
            field: Field::ResponseJson,
            size: count.0,
            max: MAX_RESPONSE_JSON,
        }),
        // Our own wire types always serialize; refuse rather than panic if not.
        Err(_) => Err(Error::malformed(Field::ResponseJson, "not serializable")),
    }
}

#[cfg(test)]
mod tests {
    use super::sealed::{Authentication, Registration};
    use super::*;

    const ASSERTION: &str = r#"{"id":"AQID","rawId":"AQID","type":"public-key",
        "response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"},
        "clientExtensionResults":{}}"#;

    #[test]
    fn text_and_typed_forms_parse_to_the_same_response() {
        let typed: AuthenticationResponseJson = serde_json::from_str(ASSERTION).unwrap();
        let owned = String::from(ASSERTION);
        for r in [
            ASSERTION.authentication().unwrap(),
            (&owned).authentication().unwrap(),
            (&typed).authentication().unwrap(),
            typed.clone().authentication().unwrap(),
        ] {
            assert_eq!(r.credential_id(), &[1, 2, 3]);
        }
        // The text path says which ceremony's JSON it expected.
        assert!(matches!(
            "{}".registration(),
            Err(Error::Malformed {
                field: Field::ResponseJson,
                ..
            })
        ));
    }

    #[test]
    fn the_size_bound_holds_for_typed_values_too() {
        let mut typed: AuthenticationResponseJson = serde_json::from_str(ASSERTION).unwrap();
        typed.client_extension_results.insert(
            "padding".into(),
            serde_json::Value::String("x".repeat(MAX_RESPONSE_JSON)),
        );
        for r in [(&typed).authentication(), typed.authentication()] {
            assert!(
                matches!(r, Err(Error::TooLarge { field: Field::ResponseJson, size, max })
                    if size > max && max == MAX_RESPONSE_JSON),
                "{r:?}"
            );
        }
        let mut reg: RegistrationResponseJson = serde_json::from_str(
            r#"{"id":"AQID","rawId":"AQID","type":"public-key",
            "response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#,
        )
        .unwrap();
        assert!((&reg).registration().is_ok());
        reg.response.attestation_object = vec![0u8; MAX_RESPONSE_JSON].into();
        assert!(matches!(
            reg.registration(),
            Err(Error::TooLarge {
                field: Field::ResponseJson,
                ..
            })
        ));
    }
}
