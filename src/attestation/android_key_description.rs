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
use crate::x509::der::{
    CLASS_CONTEXT, CLASS_UNIVERSAL, DerError, DerReader, TAG_ENUMERATED, TAG_INTEGER, TAG_NULL,
    TAG_SEQUENCE, TAG_SET,
};
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

fn field(f: &'static str) -> impl Fn(DerError) -> AndroidKeyError {
    move |e| match e {
        DerError::TrailingData => AndroidKeyError::TrailingData,
        _ => AndroidKeyError::Malformed { field: f },
    }
}

fn parse_authorization_list(
    contents: &[u8],
    name: &'static str,
) -> Result<AuthorizationList, AndroidKeyError> {
    let mut out = AuthorizationList::default();
    let mut seen_all_apps = false;
    let mut r = DerReader::new(contents);
    while !r.is_empty() {
        let t = r.read().map_err(field(name))?;
        // Every AuthorizationList member is an EXPLICIT context tag (constructed).
        if t.class != CLASS_CONTEXT || !t.constructed {
            return Err(AndroidKeyError::Malformed { field: name });
        }
        let mut inner = DerReader::new(t.value);
        match t.tag {
            TAG_PURPOSE => {
                if out.purpose.is_some() {
                    return Err(AndroidKeyError::DuplicateTag(TAG_PURPOSE));
                }
                let set = inner
                    .read_expected(CLASS_UNIVERSAL, true, TAG_SET)
                    .map_err(field("purpose"))?;
                let mut values = Vec::new();
                let mut s = DerReader::new(set);
                while !s.is_empty() {
                    if values.len() >= MAX_PURPOSES {
                        return Err(AndroidKeyError::TooManyPurposes);
                    }
                    values.push(s.integer().map_err(field("purpose"))?);
                }
                out.purpose = Some(values);
            }
            TAG_ALL_APPLICATIONS => {
                if seen_all_apps {
                    return Err(AndroidKeyError::DuplicateTag(TAG_ALL_APPLICATIONS));
                }
                let null = inner
                    .read_expected(CLASS_UNIVERSAL, false, TAG_NULL)
                    .map_err(field("allApplications"))?;
                if !null.is_empty() {
                    return Err(AndroidKeyError::Malformed {
                        field: "allApplications",
                    });
                }
                seen_all_apps = true;
                out.all_applications = true;
            }
            TAG_ORIGIN => {
                if out.origin.is_some() {
                    return Err(AndroidKeyError::DuplicateTag(TAG_ORIGIN));
                }
                out.origin = Some(inner.integer().map_err(field("origin"))?);
            }
            _ => {
                // Unknown/unused field: skip, but it must hold exactly one TLV.
                inner.read().map_err(field(name))?;
            }
        }
        inner.finish().map_err(field(name))?;
    }
    Ok(out)
}

fn enumerated(r: &mut DerReader<'_>, name: &'static str) -> Result<i64, AndroidKeyError> {
    let v = r
        .read_expected(CLASS_UNIVERSAL, false, TAG_ENUMERATED)
        .map_err(field(name))?;
    crate::x509::der::integer_i64(v).map_err(field(name))
}

/// Parses the DER `KeyDescription` (the extnValue contents of the
/// 1.3.6.1.4.1.11129.2.1.17 extension).
pub fn parse_key_description(der: &[u8]) -> Result<KeyDescription, AndroidKeyError> {
    let mut outer = DerReader::new(der);
    let body = outer
        .read_expected(CLASS_UNIVERSAL, true, TAG_SEQUENCE)
        .map_err(field("KeyDescription"))?;
    outer.finish().map_err(field("KeyDescription"))?;
    let mut r = DerReader::new(body);
    let attestation_version = {
        let v = r
            .read_expected(CLASS_UNIVERSAL, false, TAG_INTEGER)
            .map_err(field("attestationVersion"))?;
        crate::x509::der::integer_i64(v).map_err(field("attestationVersion"))?
    };
    let attestation_security_level = enumerated(&mut r, "attestationSecurityLevel")?.into();
    let keymaster_version = r.integer().map_err(field("keymasterVersion"))?;
    let keymaster_security_level = enumerated(&mut r, "keymasterSecurityLevel")?.into();
    let attestation_challenge = r
        .octet_string()
        .map_err(field("attestationChallenge"))?
        .to_vec();
    let unique_id = r.octet_string().map_err(field("uniqueId"))?.to_vec();
    let sw = r.sequence().map_err(field("softwareEnforced"))?;
    let software_enforced = parse_authorization_list(sw, "softwareEnforced")?;
    let hw = r.sequence().map_err(field("teeEnforced"))?;
    let tee_enforced = parse_authorization_list(hw, "teeEnforced")?;
    // The schema is extensible ("..."): later fields, if any, are ignored
    // after checking they are well-formed TLVs.
    while !r.is_empty() {
        r.read().map_err(field("KeyDescription"))?;
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
