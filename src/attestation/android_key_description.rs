//! The Android Key Attestation extension (OID 1.3.6.1.4.1.11129.2.1.17),
//! used by the WebAuthn `android-key` format (WebAuthn L3 §8.4).
//!
//! Schema (Android "Key attestation" documentation, KeyDescription):
//!
//! ```text
//! KeyDescription ::= SEQUENCE {
//!     attestationVersion         INTEGER,
//!     attestationSecurityLevel   SecurityLevel,   -- ENUMERATED
//!     keyMintVersion             INTEGER,         -- keymasterVersion before v100
//!     keyMintSecurityLevel       SecurityLevel,
//!     attestationChallenge       OCTET STRING,
//!     uniqueId                   OCTET STRING,
//!     softwareEnforced           AuthorizationList,
//!     hardwareEnforced           AuthorizationList, -- "teeEnforced" in WebAuthn
//!     ...
//! }
//! AuthorizationList ::= SEQUENCE {
//!     purpose          [1]   EXPLICIT SET OF INTEGER OPTIONAL,
//!     ...
//!     allApplications  [600] EXPLICIT NULL OPTIONAL,
//!     ...
//!     origin           [702] EXPLICIT INTEGER OPTIONAL,
//!     ...
//! }
//! ```
//!
//! Only the fields WebAuthn §8.4 needs are decoded; every other tagged
//! field of an AuthorizationList is skipped (after checking it is a
//! well-formed TLV), so new Android versions' fields do not break parsing.

use crate::x509::cert_path::OID_ANDROID_KEY_ATTESTATION;
use crate::x509::contents;
use der::asn1::{ContextSpecific, Null, OctetStringRef};
use der::{AnyRef, Decode, ErrorKind, Reader, SliceReader, Tag, Tagged};
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

/// `KM_PURPOSE_SIGN`.
pub const KM_PURPOSE_SIGN: i64 = 2;
/// `KM_ORIGIN_GENERATED`.
pub const KM_ORIGIN_GENERATED: i64 = 0;

/// Upper bound on the number of `purpose` values kept (the enumeration has
/// fewer than ten members; this only bounds memory for hostile input).
pub const MAX_PURPOSES: usize = 32;

const TAG_PURPOSE: u32 = 1;
const TAG_ALL_APPLICATIONS: u32 = 600;
const TAG_ORIGIN: u32 = 702;

/// Why a KeyDescription was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AndroidKeyError {
    /// DER structure is malformed in the named field.
    #[error("malformed KeyDescription in {field}")]
    Malformed {
        /// Which field.
        field: &'static str,
    },
    /// Bytes after the KeyDescription SEQUENCE (or inside it after the last field read).
    #[error("trailing data after KeyDescription")]
    TrailingData,
    /// A field WebAuthn relies on appears twice in one AuthorizationList.
    #[error("duplicate tag [{0}] in AuthorizationList")]
    DuplicateTag(u32),
    /// More than [`MAX_PURPOSES`] purposes.
    #[error("too many purpose values")]
    TooManyPurposes,
    /// The certificate could not be parsed.
    #[error("certificate could not be parsed")]
    Certificate,
    /// The certificate carries the extension twice.
    #[error("duplicate key attestation extension")]
    DuplicateExtension,
}

/// Keymaster/KeyMint security level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityLevel {
    /// 0: software.
    Software,
    /// 1: trusted execution environment.
    TrustedEnvironment,
    /// 2: StrongBox secure element.
    StrongBox,
    /// Any other value (kept so new levels do not fail parsing).
    Other(i64),
}

impl From<i64> for SecurityLevel {
    fn from(v: i64) -> Self {
        match v {
            0 => SecurityLevel::Software,
            1 => SecurityLevel::TrustedEnvironment,
            2 => SecurityLevel::StrongBox,
            o => SecurityLevel::Other(o),
        }
    }
}

/// The subset of an AuthorizationList that WebAuthn L3 §8.4 uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizationList {
    /// `purpose [1]`, `None` when absent.
    pub purpose: Option<Vec<i64>>,
    /// `allApplications [600]` present.
    pub all_applications: bool,
    /// `origin [702]`, `None` when absent.
    pub origin: Option<i64>,
}

impl AuthorizationList {
    /// Whether `purpose` contains `p`.
    pub fn has_purpose(&self, p: i64) -> bool {
        self.purpose.as_ref().is_some_and(|v| v.contains(&p))
    }
}

/// A decoded KeyDescription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDescription {
    /// `attestationVersion`.
    pub attestation_version: i64,
    /// `attestationSecurityLevel`.
    pub attestation_security_level: SecurityLevel,
    /// `keymasterVersion` / `keyMintVersion`.
    pub keymaster_version: i64,
    /// `keymasterSecurityLevel` / `keyMintSecurityLevel`.
    pub keymaster_security_level: SecurityLevel,
    /// `attestationChallenge`; WebAuthn L3 §8.4 requires it to equal clientDataHash.
    pub attestation_challenge: Vec<u8>,
    /// `uniqueId`.
    pub unique_id: Vec<u8>,
    /// `softwareEnforced`.
    pub software_enforced: AuthorizationList,
    /// `hardwareEnforced` (called `teeEnforced` in WebAuthn).
    pub tee_enforced: AuthorizationList,
}

fn field(f: &'static str) -> impl Fn(der::Error) -> AndroidKeyError {
    move |e| match e.kind() {
        ErrorKind::TrailingData { .. } => AndroidKeyError::TrailingData,
        _ => AndroidKeyError::Malformed { field: f },
    }
}

fn parse_authorization_list(
    mut r: SliceReader<'_>,
    name: &'static str,
) -> Result<AuthorizationList, AndroidKeyError> {
    let mut out = AuthorizationList::default();
    let mut seen_all_apps = false;
    while !r.is_finished() {
        // Every AuthorizationList member is an EXPLICIT context tag: `der`
        // refuses a primitive one, and one holding anything but exactly one
        // TLV (the inner `AnyRef`).
        let t: ContextSpecific<AnyRef<'_>> = r.decode().map_err(field(name))?;
        let inner = t.value;
        match t.tag_number.value() {
            TAG_PURPOSE => {
                if out.purpose.is_some() {
                    return Err(AndroidKeyError::DuplicateTag(TAG_PURPOSE));
                }
                // Read as the elements of a SET, not `der::asn1::SetOfRef`:
                // that one also demands DER's sorted order, which the
                // attestation certificates of deployed devices are not known
                // to follow, and order does not matter to WebAuthn.
                let mut s = contents(inner, Tag::Set).map_err(field("purpose"))?;
                let mut values = Vec::new();
                while !s.is_finished() {
                    if values.len() >= MAX_PURPOSES {
                        return Err(AndroidKeyError::TooManyPurposes);
                    }
                    values.push(s.decode::<i64>().map_err(field("purpose"))?);
                }
                out.purpose = Some(values);
            }
            TAG_ALL_APPLICATIONS => {
                if seen_all_apps {
                    return Err(AndroidKeyError::DuplicateTag(TAG_ALL_APPLICATIONS));
                }
                inner
                    .decode_as::<Null>()
                    .map_err(field("allApplications"))?;
                seen_all_apps = true;
                out.all_applications = true;
            }
            TAG_ORIGIN => {
                if out.origin.is_some() {
                    return Err(AndroidKeyError::DuplicateTag(TAG_ORIGIN));
                }
                out.origin = Some(inner.decode_as::<i64>().map_err(field("origin"))?);
            }
            // Unknown/unused field: skipped; `der` has already checked it
            // holds exactly one well-formed TLV.
            _ => {}
        }
    }
    Ok(out)
}

/// An ENUMERATED read as an i64. X.690 §8.4: its contents are those of an
/// INTEGER, so `der`'s INTEGER decoding (minimal encoding, fits an i64)
/// applies to them unchanged.
fn enumerated(r: &mut SliceReader<'_>, name: &'static str) -> Result<i64, AndroidKeyError> {
    let any: AnyRef<'_> = r.decode().map_err(field(name))?;
    any.tag()
        .assert_eq(Tag::Enumerated)
        .and_then(|_| AnyRef::new(Tag::Integer, any.value()))
        .and_then(|int| int.decode_as::<i64>())
        .map_err(field(name))
}

fn octet_string(r: &mut SliceReader<'_>, name: &'static str) -> Result<Vec<u8>, AndroidKeyError> {
    r.decode::<&OctetStringRef>()
        .map(|o| o.as_bytes().to_vec())
        .map_err(field(name))
}

fn authorization_list(
    r: &mut SliceReader<'_>,
    name: &'static str,
) -> Result<AuthorizationList, AndroidKeyError> {
    let any: AnyRef<'_> = r.decode().map_err(field(name))?;
    parse_authorization_list(contents(any, Tag::Sequence).map_err(field(name))?, name)
}

/// Parses the DER `KeyDescription` (the extnValue contents of the
/// 1.3.6.1.4.1.11129.2.1.17 extension).
pub fn parse_key_description(der: &[u8]) -> Result<KeyDescription, AndroidKeyError> {
    // `from_der` refuses bytes after the SEQUENCE.
    let outer = AnyRef::from_der(der).map_err(field("KeyDescription"))?;
    let mut r = contents(outer, Tag::Sequence).map_err(field("KeyDescription"))?;
    let attestation_version = r.decode::<i64>().map_err(field("attestationVersion"))?;
    let attestation_security_level = enumerated(&mut r, "attestationSecurityLevel")?.into();
    let keymaster_version = r.decode::<i64>().map_err(field("keymasterVersion"))?;
    let keymaster_security_level = enumerated(&mut r, "keymasterSecurityLevel")?.into();
    let attestation_challenge = octet_string(&mut r, "attestationChallenge")?;
    let unique_id = octet_string(&mut r, "uniqueId")?;
    let software_enforced = authorization_list(&mut r, "softwareEnforced")?;
    let tee_enforced = authorization_list(&mut r, "teeEnforced")?;
    // The schema is extensible ("..."): later fields, if any, are ignored
    // after checking they are well-formed TLVs.
    while !r.is_finished() {
        r.decode::<AnyRef<'_>>().map_err(field("KeyDescription"))?;
    }
    Ok(KeyDescription {
        attestation_version,
        attestation_security_level,
        keymaster_version,
        keymaster_security_level,
        attestation_challenge,
        unique_id,
        software_enforced,
        tee_enforced,
    })
}

/// Finds and parses the key attestation extension of a DER certificate
/// (`x5c[0]` for android-key). `Ok(None)` when the extension is absent.
pub fn key_description_from_certificate(
    cert_der: &[u8],
) -> Result<Option<KeyDescription>, AndroidKeyError> {
    let (rem, cert) =
        X509Certificate::from_der(cert_der).map_err(|_| AndroidKeyError::Certificate)?;
    if !rem.is_empty() {
        return Err(AndroidKeyError::Certificate);
    }
    let mut found = None;
    for ext in cert.extensions() {
        if ext.oid.to_id_string() == OID_ANDROID_KEY_ATTESTATION {
            if found.is_some() {
                return Err(AndroidKeyError::DuplicateExtension);
            }
            found = Some(parse_key_description(ext.value)?);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The W3C L3 vector's extension with an all-zero 32-byte challenge:
    /// 30 35 02 02 01 2c 0a 01 00 02 01 00 0a 01 00 04 20 <32> 04 00 30 00 30 00
    fn w3c_like(challenge: [u8; 32]) -> Vec<u8> {
        let mut v = vec![
            0x30, 0x35, 0x02, 0x02, 0x01, 0x2c, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x0a, 0x01,
            0x00, 0x04, 0x20,
        ];
        v.extend_from_slice(&challenge);
        v.extend_from_slice(&[0x04, 0x00, 0x30, 0x00, 0x30, 0x00]);
        v
    }

    #[test]
    fn parses_empty_lists() {
        let kd = parse_key_description(&w3c_like([9; 32])).unwrap();
        assert_eq!(kd.attestation_version, 300);
        assert_eq!(kd.attestation_security_level, SecurityLevel::Software);
        assert_eq!(kd.attestation_challenge, vec![9; 32]);
        assert!(kd.unique_id.is_empty());
        assert_eq!(kd.software_enforced, AuthorizationList::default());
        assert_eq!(kd.tee_enforced, AuthorizationList::default());
    }

    fn with_tee_list(list: &[u8]) -> Vec<u8> {
        let mut body = vec![
            0x02, 0x01, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x01, 0x04, 0x0a, 0x01, 0x01, 0x04, 0x01,
            0xaa, 0x04, 0x00, 0x30, 0x00, 0x30,
        ];
        body.push(list.len() as u8);
        body.extend_from_slice(list);
        let mut v = vec![0x30, body.len() as u8];
        v.extend_from_slice(&body);
        v
    }

    #[test]
    fn parses_high_tags_and_skips_unknown() {
        let list = [
            0xa1, 0x08, 0x31, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03, // purpose {2, 3}
            0xa2, 0x03, 0x02, 0x01, 0x03, // algorithm [2] = 3 (skipped)
            0xbf, 0x84, 0x58, 0x02, 0x05, 0x00, // allApplications [600]
            0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00, // origin [702] = 0
            0xbf, 0x85, 0x40, 0x02, 0x05, 0x00, // [704] unknown, skipped
        ];
        let kd = parse_key_description(&with_tee_list(&list)).unwrap();
        assert_eq!(
            kd.attestation_security_level,
            SecurityLevel::TrustedEnvironment
        );
        assert_eq!(kd.attestation_challenge, vec![0xaa]);
        assert_eq!(kd.tee_enforced.purpose, Some(vec![2, 3]));
        assert!(kd.tee_enforced.has_purpose(KM_PURPOSE_SIGN));
        assert!(kd.tee_enforced.all_applications);
        assert_eq!(kd.tee_enforced.origin, Some(KM_ORIGIN_GENERATED));
    }

    #[test]
    fn rejects_duplicates_and_malformed() {
        let dup = [
            0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00, 0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00,
        ];
        assert_eq!(
            parse_key_description(&with_tee_list(&dup)).unwrap_err(),
            AndroidKeyError::DuplicateTag(702)
        );
        // allApplications with non-NULL content.
        let bad = [0xbf, 0x84, 0x58, 0x03, 0x02, 0x01, 0x00];
        assert!(parse_key_description(&with_tee_list(&bad)).is_err());
        // Two TLVs inside one explicit tag.
        let two = [0xa2, 0x06, 0x02, 0x01, 0x03, 0x02, 0x01, 0x03];
        assert!(parse_key_description(&with_tee_list(&two)).is_err());
        // Primitive context tag.
        let prim = [0x82, 0x01, 0x03];
        assert!(parse_key_description(&with_tee_list(&prim)).is_err());
        // Trailing data after the SEQUENCE.
        let mut t = w3c_like([0; 32]);
        t.push(0);
        assert_eq!(
            parse_key_description(&t).unwrap_err(),
            AndroidKeyError::TrailingData
        );
    }

    /// The DER strictness the parser relies on (the `der` crate's), at this
    /// call site: each list would parse if encoded minimally.
    #[test]
    fn refuses_non_der_encodings() {
        for bad in [
            &[0xbf, 0x80, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00][..], // [702] tag padded with 0x80
            &[0xbf, 0x02, 0x03, 0x02, 0x01, 0x03],                 // [2] in the long tag form
            &[0xa2, 0x81, 0x03, 0x02, 0x01, 0x03],                 // non-minimal long length
            &[0xa2, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00],           // indefinite length
            &[0xbf, 0x85, 0x3e, 0x04, 0x02, 0x02, 0x00, 0x00],     // origin 0 as 00 00
            &[0xa1, 0x06, 0x31, 0x03, 0x02, 0x01, 0x02, 0x00],     // byte after the SET
        ] {
            assert!(
                parse_key_description(&with_tee_list(bad)).is_err(),
                "{bad:02x?}"
            );
        }
        // Minimal encodings of the same fields are accepted.
        let good = [
            0xbf, 0x85, 0x3e, 0x03, 0x02, 0x01, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x03,
        ];
        assert!(parse_key_description(&with_tee_list(&good)).is_ok());
    }

    #[test]
    fn every_truncation_fails() {
        let v = w3c_like([1; 32]);
        for n in 0..v.len() {
            assert!(parse_key_description(&v[..n]).is_err(), "prefix {n}");
        }
    }

    fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        if content.len() < 0x80 {
            v.push(content.len() as u8);
        } else {
            v.extend_from_slice(&[0x81, content.len() as u8]);
        }
        v.extend_from_slice(content);
        v
    }

    #[test]
    fn too_many_purposes() {
        let mut set = Vec::new();
        for _ in 0..40 {
            set.extend_from_slice(&[0x02, 0x01, 0x02]);
        }
        let tagged = tlv(&[0xa1], &tlv(&[0x31], &set));
        let mut body = vec![
            0x02, 0x01, 0x03, 0x0a, 0x01, 0x01, 0x02, 0x01, 0x04, 0x0a, 0x01, 0x01, 0x04, 0x00,
            0x04, 0x00, 0x30, 0x00,
        ];
        body.extend_from_slice(&tlv(&[0x30], &tagged));
        let v = tlv(&[0x30], &body);
        assert_eq!(
            parse_key_description(&v).unwrap_err(),
            AndroidKeyError::TooManyPurposes
        );
        // 32 purposes are fine.
        let set = &set[..32 * 3];
        let tagged = tlv(&[0xa1], &tlv(&[0x31], set));
        let mut body = body[..18].to_vec();
        body.extend_from_slice(&tlv(&[0x30], &tagged));
        let kd = parse_key_description(&tlv(&[0x30], &body)).unwrap();
        assert_eq!(kd.tee_enforced.purpose.map(|p| p.len()), Some(32));
    }
}
