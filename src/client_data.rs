//! CollectedClientData (WebAuthn L3 §5.8.1), parsed as JSON.
//!
//! §5.8.1.2 describes a "limited verification algorithm" that string-matches a
//! prefix; we do not use it. The bytes are parsed as JSON (so escapes, member
//! order and unknown members are all handled as a JSON parser would), and the
//! hash that authenticators sign is always taken over the raw bytes. The plain
//! form browsers send is read by a one-pass reader (`scan`) that agrees with
//! `serde_json` or leaves the text to it.

use crate::ceremony::challenge::Challenge;
use crate::crypto::ct::b64url_eq;
use crate::error::{CeremonyKind, Error, Field, Result};
use crate::limits;
use crate::origin::{AllowedOrigins, CrossOriginPolicy, OriginError};
use serde::Deserialize;
use std::borrow::Cow;

mod scan;

/// The `type` member of client data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientDataType {
    /// `webauthn.create`
    Create,
    /// `webauthn.get`
    Get,
}

impl ClientDataType {
    /// The ceremony this type belongs to.
    pub fn ceremony(self) -> CeremonyKind {
        match self {
            ClientDataType::Create => CeremonyKind::Registration,
            ClientDataType::Get => CeremonyKind::Authentication,
        }
    }
}

/// Parsed client data.
///
/// Strings borrow from the clientDataJSON bytes unless they contain JSON
/// escapes, which are decoded into owned strings: a sign-in copies nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectedClientData<'a> {
    /// `type`, or `None` when it was some other string (refused at the type step).
    pub ty: Option<ClientDataType>,
    /// `challenge` exactly as sent (base64url of the server's challenge).
    pub challenge: Cow<'a, str>,
    /// `origin` exactly as sent.
    pub origin: Cow<'a, str>,
    /// `crossOrigin`, when present.
    pub cross_origin: Option<bool>,
    /// `topOrigin`, when present.
    pub top_origin: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Raw<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
    #[serde(borrow)]
    challenge: Cow<'a, str>,
    #[serde(borrow)]
    origin: Cow<'a, str>,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: Option<bool>,
    #[serde(rename = "topOrigin", default, borrow)]
    top_origin: Option<Cow<'a, str>>,
}

impl<'a> CollectedClientData<'a> {
    /// Parses clientDataJSON bytes (UTF-8 JSON object; unknown members ignored).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        const F: Field = Field::ClientDataJson;
        if bytes.len() > limits::MAX_CLIENT_DATA_JSON {
            return Err(Error::TooLarge {
                field: F,
                size: bytes.len(),
                max: limits::MAX_CLIENT_DATA_JSON,
            });
        }
        // §7.1 step 5 "Let JSONtext be the result of running UTF-8 decode on…"
        // §7.2 step 8 "Let JSONtext be the result of running UTF-8 decode on…"
        let text = core::str::from_utf8(bytes).map_err(|_| Error::malformed(F, "not UTF-8"))?;
        // §7.1 step 6 "Let C, the client data claimed as collected during the…"
        // §7.2 step 9 "Let C, the client data claimed as used for the signature…"
        // The plain form browsers send is read in one pass; anything else
        // goes to serde_json, which defines what is accepted (`scan`).
        let raw = match scan::scan(text) {
            Some(raw) => raw,
            None => Self::with_serde_json(text)?,
        };
        Ok(Self::from_raw(raw))
    }

    /// The members as `serde_json` reads them, the definition of what is
    /// accepted.
    fn with_serde_json(text: &'a str) -> Result<Raw<'a>> {
        serde_json::from_str(text)
            .map_err(|_| Error::malformed(Field::ClientDataJson, "not a client data JSON object"))
    }

    /// Differential testing of the one-pass reader (tests and the
    /// `client_data` fuzz target): what the reader alone reads from `text`
    /// (`None`: it stands aside), and what `serde_json` alone reads.
    #[doc(hidden)]
    pub fn both_readers(text: &'a str) -> (Option<Self>, Result<Self>) {
        (
            scan::scan(text).map(Self::from_raw),
            Self::with_serde_json(text).map(Self::from_raw),
        )
    }

    fn from_raw(raw: Raw<'a>) -> Self {
        let ty = match &*raw.ty {
            "webauthn.create" => Some(ClientDataType::Create),
            "webauthn.get" => Some(ClientDataType::Get),
            _ => None,
        };
        CollectedClientData {
            ty,
            challenge: raw.challenge,
            origin: raw.origin,
            cross_origin: raw.cross_origin,
            top_origin: raw.top_origin,
        }
    }
}

impl CollectedClientData<'_> {
    /// The client-data steps both ceremonies share (§7.1 steps 7–11, §7.2 steps
    /// 10–14): `type`, `challenge` (compared as base64url text, so no lenient
    /// decoding can make two encodings equal), `origin` against the RP's
    /// `origins`, and `crossOrigin`/`topOrigin` against its iframe policy.
    pub(crate) fn verify(
        &self,
        expected: ClientDataType,
        challenge: &Challenge,
        origins: &AllowedOrigins,
        cross_origin: &CrossOriginPolicy,
    ) -> Result<()> {
        let c = self;
        // §7.1 step 7 "Verify that the value of C.type is webauthn.create."
        // §7.2 step 10 "Verify that the value of C.type is the string webauthn.get."
        if c.ty != Some(expected) {
            return Err(Error::ClientDataType {
                expected: expected.ceremony(),
            });
        }
        // §7.1 step 8 "Verify that the value of C.challenge equals the base64url…"
        // §7.2 step 11 "Verify that the value of C.challenge equals the base64url…"
        // Compared as strings, so no lenient decoding can make two encodings equal.
        if !b64url_eq(c.challenge.as_bytes(), challenge.as_bytes()) {
            return Err(Error::Challenge);
        }
        // §7.1 step 9 "Verify that the value of C.origin is an origin expected…"
        // §7.2 step 12 "Verify that the value of C.origin is an origin expected…"
        if !origins.matches(&c.origin) {
            return Err(Error::Origin {
                origin: c.origin.to_string(),
            });
        }
        // §7.1 step 10 "If C.crossOrigin is present and set to true, verify that…"
        // §7.1 step 11 "If C.topOrigin is present:"
        // §7.2 step 13 "If C.crossOrigin is present and set to true, verify that…"
        // §7.2 step 14 "If C.topOrigin is present:"
        // crossOrigin only where the RP expects iframes, and topOrigin, when
        // present, must be an expected embedder.
        match cross_origin.check(c.cross_origin, c.top_origin.as_deref()) {
            Ok(()) => {}
            Err(OriginError::CrossOriginNotAllowed) => return Err(Error::CrossOrigin),
            Err(_) => {
                return Err(Error::TopOrigin {
                    top_origin: c.top_origin.as_deref().unwrap_or_default().to_owned(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_members_in_any_order_with_unknown_keys() {
        let c = CollectedClientData::parse(
            br#"{"origin":"https://a.example","extra":{"x":[1]},"challenge":"abc","type":"webauthn.get","crossOrigin":false}"#,
        )
        .unwrap();
        assert_eq!(c.ty, Some(ClientDataType::Get));
        assert_eq!(c.origin, "https://a.example");
        assert_eq!(c.challenge, "abc");
        assert_eq!(c.cross_origin, Some(false));
        assert_eq!(c.top_origin, None);
    }

    #[test]
    fn escapes_are_decoded() {
        let c = CollectedClientData::parse(
            br#"{"type":"webauthn.create","challenge":"a\u0062c","origin":"https:\/\/a.example"}"#,
        )
        .unwrap();
        assert_eq!(c.challenge, "abc");
        assert_eq!(c.origin, "https://a.example");
    }

    #[test]
    fn unknown_type_is_kept_as_none() {
        let c = CollectedClientData::parse(
            br#"{"type":"payment.get","challenge":"abc","origin":"https://a.example"}"#,
        )
        .unwrap();
        assert_eq!(c.ty, None);
    }

    #[test]
    fn malformed_inputs() {
        for bad in [
            &b""[..],
            b"[]",
            b"{",
            b"\xff\xfe",
            br#"{"type":"webauthn.get","origin":"x"}"#,
            br#"{"type":1,"challenge":"a","origin":"x"}"#,
            br#"{"type":"webauthn.get","challenge":"a","origin":"x","crossOrigin":"yes"}"#,
            br#"{"type":"webauthn.get","type":"webauthn.create","challenge":"a","origin":"x"}"#,
        ] {
            assert!(
                matches!(
                    CollectedClientData::parse(bad),
                    Err(Error::Malformed { .. })
                ),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn oversized_rejected_before_parsing() {
        let big = vec![b' '; limits::MAX_CLIENT_DATA_JSON + 1];
        assert!(matches!(
            CollectedClientData::parse(&big),
            Err(Error::TooLarge { .. })
        ));
    }
}
