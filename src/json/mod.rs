//! WebAuthn L3 JSON dictionaries (§5.1.8–§5.1.10, §5.4, §5.5).
//!
//! Field names are exactly the spec's `*JSON` dictionaries, so the options we
//! serialize are accepted by `PublicKeyCredential.parseCreationOptionsFromJSON()` /
//! `parseRequestOptionsFromJSON()`, and `credential.toJSON()` output deserializes
//! into the response types. Unknown members are ignored; extension inputs and
//! outputs are carried as JSON maps, untouched.

use base64urlsafedata::Base64UrlSafeData;
use serde::{Deserialize, Serialize};

pub use base64urlsafedata::Base64UrlSafeData as Base64Url;

pub(crate) mod assertion_scan;
#[cfg(test)]
pub(crate) mod differential;

/// A JSON object of extension inputs or outputs, passed through untouched.
pub type ExtensionsJson = serde_json::Map<String, serde_json::Value>;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $variant),+ }
        impl $name {
            /// The spec's string value.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),+ } }
            /// Parses the spec's string value.
            pub fn from_str_opt(s: &str) -> Option<Self> { match s { $($s => Some($name::$variant),)+ _ => None } }
        }
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::from_str_opt(&s).ok_or_else(|| serde::de::Error::custom(concat!("unknown ", stringify!($name))))
            }
        }
    };
}

string_enum!(
    /// §5.8.6 UserVerificationRequirement.
    UserVerificationRequirement {
        /// UV must happen; assertions without the UV flag are refused.
        Required => "required",
        /// UV if the authenticator can; not enforced.
        Preferred => "preferred",
        /// UV not wanted.
        Discouraged => "discouraged",
    }
);

string_enum!(
    /// §5.4.6 ResidentKeyRequirement.
    ResidentKeyRequirement {
        /// A client-side discoverable credential is not wanted.
        Discouraged => "discouraged",
        /// Discoverable if possible.
        Preferred => "preferred",
        /// Must be discoverable.
        Required => "required",
    }
);

string_enum!(
    /// §5.4.7 AttestationConveyancePreference.
    AttestationConveyancePreference {
        /// No attestation wanted.
        None => "none",
        /// Attestation, possibly anonymized by the client.
        Indirect => "indirect",
        /// The authenticator's attestation as produced.
        Direct => "direct",
        /// Enterprise (uniquely identifying) attestation.
        Enterprise => "enterprise",
    }
);

string_enum!(
    /// §5.4.5 AuthenticatorAttachment.
    AuthenticatorAttachment {
        /// Built into the client device.
        Platform => "platform",
        /// Roaming (security key, phone via hybrid).
        CrossPlatform => "cross-platform",
    }
);

string_enum!(
    /// §5.8.3 PublicKeyCredentialType.
    PublicKeyCredentialType {
        /// The only type.
        PublicKey => "public-key",
    }
);

/// §5.8.4 AuthenticatorTransport. Unknown values are kept, not dropped, so a
/// newer browser's transport list survives a round trip through storage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthenticatorTransport {
    /// USB.
    Usb,
    /// NFC.
    Nfc,
    /// Bluetooth Low Energy.
    Ble,
    /// ISO/IEC 7816 smart card with contacts.
    SmartCard,
    /// Hybrid (phone as authenticator).
    Hybrid,
    /// Platform authenticator.
    Internal,
    /// A value this version does not know.
    Other(String),
}

impl AuthenticatorTransport {
    /// The spec's string value.
    pub fn as_str(&self) -> &str {
        match self {
            AuthenticatorTransport::Usb => "usb",
            AuthenticatorTransport::Nfc => "nfc",
            AuthenticatorTransport::Ble => "ble",
            AuthenticatorTransport::SmartCard => "smart-card",
            AuthenticatorTransport::Hybrid => "hybrid",
            AuthenticatorTransport::Internal => "internal",
            AuthenticatorTransport::Other(s) => s,
        }
    }
}

impl From<&str> for AuthenticatorTransport {
    fn from(s: &str) -> Self {
        match s {
            "usb" => AuthenticatorTransport::Usb,
            "nfc" => AuthenticatorTransport::Nfc,
            "ble" => AuthenticatorTransport::Ble,
            "smart-card" => AuthenticatorTransport::SmartCard,
            "hybrid" => AuthenticatorTransport::Hybrid,
            "internal" => AuthenticatorTransport::Internal,
            other => AuthenticatorTransport::Other(other.to_owned()),
        }
    }
}

impl Serialize for AuthenticatorTransport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AuthenticatorTransport {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(AuthenticatorTransport::from(s.as_str()))
    }
}

/// §5.4.2 PublicKeyCredentialRpEntity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RelyingPartyEntity {
    /// The RP ID.
    pub id: String,
    /// The human-palatable RP name.
    pub name: String,
}

/// §5.4.3 PublicKeyCredentialUserEntityJSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserEntityJson {
    /// The user handle (opaque, at most 64 bytes, no personal data).
    pub id: Base64UrlSafeData,
    /// The account name (e.g. user name or e-mail).
    pub name: String,
    /// A friendly display name.
    pub display_name: String,
}

/// §5.3 PublicKeyCredentialParameters.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CredentialParameters {
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: PublicKeyCredentialType,
    /// COSE algorithm identifier.
    pub alg: i64,
}

/// §5.8.3 PublicKeyCredentialDescriptorJSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CredentialDescriptorJson {
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: PublicKeyCredentialType,
    /// The credential id.
    pub id: Base64UrlSafeData,
    /// Transport hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<AuthenticatorTransport>,
}

/// §5.4.4 AuthenticatorSelectionCriteria.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelection {
    /// Platform or cross-platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Discoverable-credential requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<ResidentKeyRequirement>,
    /// Legacy (L1) form of `residentKey: "required"`.
    #[serde(default)]
    pub require_resident_key: bool,
    /// User-verification requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerificationRequirement>,
}

/// §5.4 PublicKeyCredentialCreationOptionsJSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsJson {
    /// The relying party.
    pub rp: RelyingPartyEntity,
    /// The user.
    pub user: UserEntityJson,
    /// The challenge.
    pub challenge: Base64UrlSafeData,
    /// Accepted algorithms, in preference order.
    pub pub_key_cred_params: Vec<CredentialParameters>,
    /// Milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// Credentials the authenticator must not re-register.
    #[serde(default)]
    pub exclude_credentials: Vec<CredentialDescriptorJson>,
    /// Authenticator selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<AuthenticatorSelection>,
    /// Hints (`security-key`, `client-device`, `hybrid`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// Attestation conveyance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationConveyancePreference>,
    /// Preferred attestation statement formats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_formats: Vec<String>,
    /// Extension inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<ExtensionsJson>,
}

/// §5.5 PublicKeyCredentialRequestOptionsJSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptionsJson {
    /// The challenge.
    pub challenge: Base64UrlSafeData,
    /// Milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// The RP ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    /// Credentials the user may use; empty for discoverable sign-in.
    #[serde(default)]
    pub allow_credentials: Vec<CredentialDescriptorJson>,
    /// User-verification requirement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerificationRequirement>,
    /// Hints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// Extension inputs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<ExtensionsJson>,
}

fn lenient_attachment<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<AuthenticatorAttachment>, D::Error> {
    // Unknown attachment strings (or null) are ignored, as browsers may add values.
    let v: Option<String> = Option::deserialize(d)?;
    Ok(v.and_then(|s| AuthenticatorAttachment::from_str_opt(&s)))
}

/// Decoding of the base64url members of a response, the hot path of both
/// ceremonies. The unpadded URL-safe form every browser sends is decoded with
/// `base64-simd` (several bytes per cycle where the CPU has SIMD; same strictness
/// as `base64`'s `URL_SAFE_NO_PAD`: no padding, canonical trailing bits, checked
/// by `b64_fast_path_agrees_with_base64urlsafedata`). Anything else (padding, the
/// standard alphabet, an array of byte values) is handed, unchanged, to
/// `Base64UrlSafeData`'s own lenient decoding, so what is accepted and what it
/// decodes to are exactly as before.
mod b64_member {
    use super::Base64UrlSafeData;
    use serde::de::value::{SeqAccessDeserializer, StrDeserializer};
    use serde::de::{self, Deserialize, Deserializer, IntoDeserializer, SeqAccess, Visitor};

    fn decode_str<E: de::Error>(v: &str) -> Result<Base64UrlSafeData, E> {
        match base64_simd::URL_SAFE_NO_PAD.decode_to_vec(v) {
            Ok(bytes) => Ok(bytes.into()),
            Err(_) => {
                let d: StrDeserializer<'_, E> = v.into_deserializer();
                Base64UrlSafeData::deserialize(d)
            }
        }
    }

    /// `empty_is_none`: `""` reads as absent (some clients send it for a missing
    /// userHandle); only used under `Option`.
    ///
    /// `bytes_are_text`: the member was asked for with `deserialize_bytes` from a
    /// human-readable deserializer, so bytes handed to the visitor are the JSON
    /// string's text, not decoded data. serde_json scans a string it returns as
    /// bytes with `memchr2` (looking for `"` and `\`) instead of its 8-byte
    /// SWAR loop that also looks for control characters: with clientDataJSON,
    /// signature, authenticatorData, rawId and userHandle read this way, parsing
    /// a sign-in's response JSON went from 6,950 to 6,575 instructions
    /// (callgrind, `benches/callgrind.sh`: about 410 fewer per sign-in). A raw control character is still
    /// refused: no base64 alphabet (strict or lenient) contains one.
    struct Member {
        empty_is_none: bool,
        bytes_are_text: bool,
    }

    impl Member {
        fn text<E: de::Error>(self, v: &[u8]) -> Result<Option<Base64UrlSafeData>, E> {
            if self.empty_is_none && v.is_empty() {
                return Ok(None);
            }
            match base64_simd::URL_SAFE_NO_PAD.decode_to_vec(v) {
                Ok(bytes) => Ok(Some(bytes.into())),
                // Not UTF-8 (a lone surrogate escape) decodes under no alphabet.
                Err(_) => match core::str::from_utf8(v) {
                    Ok(s) => decode_str(s).map(Some),
                    Err(_) => Err(de::Error::invalid_value(de::Unexpected::Bytes(v), &self)),
                },
            }
        }
    }

    impl<'de> Visitor<'de> for Member {
        type Value = Option<Base64UrlSafeData>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a base64url string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if self.empty_is_none && v.is_empty() {
                return Ok(None);
            }
            decode_str(v).map(Some)
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            if self.bytes_are_text {
                return self.text(v);
            }
            Ok(Some(v.into()))
        }
        fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
            if self.bytes_are_text {
                return self.text(&v);
            }
            Ok(Some(v.into()))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            Base64UrlSafeData::deserialize(SeqAccessDeserializer::new(seq)).map(Some)
        }
    }

    /// Asks for the member as bytes where the format is human-readable (its
    /// bytes are then the string's text; see [`Member`]), else as anything.
    fn member<'de, D: Deserializer<'de>>(
        d: D,
        empty_is_none: bool,
    ) -> Result<Option<Base64UrlSafeData>, D::Error> {
        if d.is_human_readable() {
            d.deserialize_bytes(Member {
                empty_is_none,
                bytes_are_text: true,
            })
        } else {
            d.deserialize_any(Member {
                empty_is_none,
                bytes_are_text: false,
            })
        }
    }

    /// A required member.
    pub(super) fn required<'de, D: Deserializer<'de>>(d: D) -> Result<Base64UrlSafeData, D::Error> {
        member(d, false)?.ok_or_else(|| de::Error::custom("missing bytes"))
    }

    struct Optional {
        empty_is_none: bool,
    }

    impl<'de> Visitor<'de> for Optional {
        type Value = Option<Base64UrlSafeData>;
        fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("a base64url string or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            member(d, self.empty_is_none)
        }
    }

    /// An optional member (`null` or absent is `None`).
    pub(super) fn optional<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Base64UrlSafeData>, D::Error> {
        d.deserialize_option(Optional {
            empty_is_none: false,
        })
    }

    /// An optional member where `""` also means absent.
    pub(super) fn empty_as_none<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Base64UrlSafeData>, D::Error> {
        d.deserialize_option(Optional {
            empty_is_none: true,
        })
    }
}

/// §5.2.1 AuthenticatorAttestationResponseJSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponseJson {
    /// clientDataJSON bytes.
    #[serde(rename = "clientDataJSON", deserialize_with = "b64_member::required")]
    pub client_data_json: Base64UrlSafeData,
    /// authenticatorData (a convenience copy; the attestation object is authoritative).
    #[serde(
        default,
        deserialize_with = "b64_member::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub authenticator_data: Option<Base64UrlSafeData>,
    /// Transports the authenticator reports.
    #[serde(default)]
    pub transports: Vec<AuthenticatorTransport>,
    /// SPKI public key (convenience; not used for verification).
    #[serde(
        default,
        deserialize_with = "b64_member::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub public_key: Option<Base64UrlSafeData>,
    /// COSE algorithm (convenience).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_algorithm: Option<i64>,
    /// The attestation object (CBOR).
    #[serde(deserialize_with = "b64_member::required")]
    pub attestation_object: Base64UrlSafeData,
}

/// §5.1.8 RegistrationResponseJSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    /// base64url of `rawId`.
    pub id: String,
    /// The credential id.
    #[serde(deserialize_with = "b64_member::required")]
    pub raw_id: Base64UrlSafeData,
    /// The attestation response.
    pub response: AttestationResponseJson,
    /// How the authenticator is attached.
    #[serde(
        default,
        deserialize_with = "lenient_attachment",
        skip_serializing_if = "Option::is_none"
    )]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Client extension outputs.
    #[serde(default)]
    pub client_extension_results: ExtensionsJson,
    /// Must be `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
}

/// §5.2.2 AuthenticatorAssertionResponseJSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponseJson {
    /// clientDataJSON bytes.
    #[serde(rename = "clientDataJSON", deserialize_with = "b64_member::required")]
    pub client_data_json: Base64UrlSafeData,
    /// authenticatorData bytes.
    #[serde(deserialize_with = "b64_member::required")]
    pub authenticator_data: Base64UrlSafeData,
    /// The signature.
    #[serde(deserialize_with = "b64_member::required")]
    pub signature: Base64UrlSafeData,
    /// The user handle (present for discoverable credentials).
    #[serde(
        default,
        deserialize_with = "b64_member::empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_handle: Option<Base64UrlSafeData>,
}

/// §5.1.9 AuthenticationResponseJSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    /// base64url of `rawId`.
    pub id: String,
    /// The credential id.
    #[serde(deserialize_with = "b64_member::required")]
    pub raw_id: Base64UrlSafeData,
    /// The assertion response.
    pub response: AssertionResponseJson,
    /// How the authenticator is attached.
    #[serde(
        default,
        deserialize_with = "lenient_attachment",
        skip_serializing_if = "Option::is_none"
    )]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Client extension outputs.
    #[serde(default)]
    pub client_extension_results: ExtensionsJson,
    /// Must be `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
}

/// base64url without padding, as browsers and the spec use it.
pub fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url, accepting only the unpadded URL-safe alphabet.
pub fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Fast {
        #[serde(deserialize_with = "b64_member::required")]
        v: Base64UrlSafeData,
    }
    #[derive(Deserialize)]
    struct Lenient {
        v: Base64UrlSafeData,
    }

    /// The fast member decoder accepts exactly what `Base64UrlSafeData` accepts
    /// and decodes it to the same bytes: canonical strings, every single-byte
    /// corruption of them, padding, the standard alphabet, non-canonical trailing
    /// bits, escapes, and byte arrays.
    #[test]
    fn b64_fast_path_agrees_with_base64urlsafedata() {
        use base64::Engine;
        let engines = [
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::STANDARD,
        ];
        let check = |text: &str| {
            let json = serde_json::json!({ "v": text }).to_string();
            let fast = serde_json::from_str::<Fast>(&json).map(|f| f.v);
            let lenient = serde_json::from_str::<Lenient>(&json).map(|l| l.v);
            assert_eq!(fast.ok(), lenient.ok(), "{text:?}");
        };
        for len in 0..130usize {
            let raw: Vec<u8> = (0..len).map(|i| (i * 167 + len * 13) as u8).collect();
            for e in &engines {
                let enc = e.encode(&raw);
                check(&enc);
                for i in 0..enc.len() {
                    for c in ['=', '+', '/', '-', '_', ' ', 'A', '\u{e9}', '\n'] {
                        let mut m: Vec<char> = enc.chars().collect();
                        m[i] = c;
                        check(&m.into_iter().collect::<String>());
                    }
                }
                for extra in ["A", "=", "==", "AA", "AA==", "A="] {
                    check(&format!("{enc}{extra}"));
                }
            }
        }
        // Escaped JSON strings and arrays of byte values take the lenient path.
        let esc: Fast = serde_json::from_str(r#"{"v":"AQ\u0049D"}"#).unwrap();
        assert_eq!(esc.v.as_slice(), &[1, 2, 3]);
        let arr: Fast = serde_json::from_str(r#"{"v":[1,2,3]}"#).unwrap();
        assert_eq!(arr.v.as_slice(), &[1, 2, 3]);
        // Raw control characters are refused, as serde_json refuses them in strings.
        assert!(serde_json::from_str::<Fast>("{\"v\":\"AQ\nID\"}").is_err());
        assert!(serde_json::from_str::<Fast>("{\"v\":\"AQID\u{1}\"}").is_err());
        assert!(serde_json::from_str::<Fast>(r#"{"v":"AQ\ud800ID"}"#).is_err());
        // Through serde_json::Value (from_value) the same members decode alike.
        let v: Fast = serde_json::from_value(serde_json::json!({ "v": "AQID" })).unwrap();
        assert_eq!(v.v.as_slice(), &[1, 2, 3]);
        let v: Fast = serde_json::from_value(serde_json::json!({ "v": [1, 2, 3] })).unwrap();
        assert_eq!(v.v.as_slice(), &[1, 2, 3]);
        assert!(serde_json::from_str::<Fast>(r#"{"v":null}"#).is_err());
        assert!(serde_json::from_str::<Fast>(r#"{"v":7}"#).is_err());
    }

    #[test]
    fn optional_members_and_empty_user_handle() {
        let base = r#"{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA""#;
        for (tail, want) in [
            ("}", None),
            (r#","userHandle":null}"#, None),
            (r#","userHandle":""}"#, None),
            (r#","userHandle":"AQID"}"#, Some(vec![1, 2, 3])),
            // Padding is the lenient path's to accept.
            (r#","userHandle":"AQI="}"#, Some(vec![1, 2])),
        ] {
            let r: AssertionResponseJson = serde_json::from_str(&format!("{base}{tail}")).unwrap();
            assert_eq!(r.user_handle.map(|u| u.to_vec()), want, "{tail}");
        }
        let att: AttestationResponseJson = serde_json::from_str(
            r#"{"clientDataJSON":"e30","attestationObject":"oA","authenticatorData":null,"publicKey":"AQID"}"#,
        )
        .unwrap();
        assert!(att.authenticator_data.is_none());
        assert_eq!(att.public_key.unwrap().as_slice(), &[1, 2, 3]);
    }

    #[test]
    fn to_json_output_deserializes() {
        // Shape of Chrome's `credential.toJSON()` for an assertion, with unknown members.
        let j = r#"{"id":"AQID","rawId":"AQID","type":"public-key","authenticatorAttachment":"holographic",
            "response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":""},
            "clientExtensionResults":{"prf":{"enabled":true}},"futureMember":1}"#;
        let r: AuthenticationResponseJson = serde_json::from_str(j).unwrap();
        assert_eq!(r.raw_id.as_slice(), &[1, 2, 3]);
        assert!(r.response.user_handle.is_none());
        assert!(r.authenticator_attachment.is_none());
        assert!(r.client_extension_results.contains_key("prf"));
    }

    #[test]
    fn transports_keep_unknown_values() {
        let t: Vec<AuthenticatorTransport> =
            serde_json::from_str(r#"["usb","hybrid","cable-v9"]"#).unwrap();
        assert_eq!(t[2], AuthenticatorTransport::Other("cable-v9".into()));
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"["usb","hybrid","cable-v9"]"#
        );
    }
}
