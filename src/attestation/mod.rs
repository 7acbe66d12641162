//! Attestation (WebAuthn L3 §6.5, §8): the host's trust policy and what a
//! verified registration reports about its attestation.
//!
//! Internally the attestation object is split into `fmt`, `attStmt` and
//! `authData`, statement verification dispatches on the format (one file per
//! format), and the host's [`TrustPolicy`] is applied (§7.1 steps 21–24),
//! optionally with FIDO Metadata Service data ([`mds`]).
//!
//! # Which AAGUID is attested
//!
//! The AAGUID in authenticatorData names the authenticator model, and is
//! what [`AnchorScope::Aaguids`] anchors and [`mds`] lookups go by; but it is
//! only vouched for where a verified signature covers it. `attested_aaguid`
//! decides this, for every format, in one place:
//!
//! - `packed` with `x5c`, `tpm`, `android-key`, `android-safetynet`, `apple`:
//!   attested. The certified signature (packed §8.2, android-key §8.4, tpm's
//!   AIK over certInfo whose extraData hashes authData, §8.3) or the certified
//!   nonce (SafetyNet §8.5, Apple §8.8) covers authenticatorData in full; a
//!   certificate AAGUID extension (`id-fido-gen-ce-aaguid`, §8.2.1 and
//!   §8.3.1) must equal it. Note that tpm, android-key and SafetyNet certify
//!   the TPM, the keystore key or the device, and sign authenticatorData the
//!   platform composed: their AAGUID is the platform's claim, bound to the
//!   certified key, and only the certificate extension ties it to the CA.
//! - `fido-u2f`: never attested, whatever authData says (§8.6 step 5 signs
//!   rpIdHash, clientDataHash, the credential id and key, not the AAGUID).
//!   The statement is identified by its attestation certificate's key
//!   identifier (SHA-1 of its public key, FIDO MDS
//!   `attestationCertificateKeyIdentifiers`), and anchors scoped by AAGUID
//!   never apply to it.
//! - `none` and self attestation (`packed` without `x5c`): not attested;
//!   there is no certificate either, so they cannot be found in metadata.
//!
//! With [`TrustPolicy::metadata`], a statement is looked up by its attested
//! AAGUID when that is not zero, otherwise by its certificate's key
//! identifier; `require_metadata` refuses a statement found by neither. A
//! `compound` statement attests the AAGUID when one of its statements does.
//!
//! # Statement members
//!
//! Every format's `attStmt` is read the same way: the members its §8
//! verification procedure uses are checked strictly (CBOR type, value, and at
//! most once: a repeated member could be read differently by two verifiers),
//! and members it does not use are ignored, whatever their key or value. An
//! unused member cannot change what the statement proves, since nothing reads
//! it, and real authenticators send them: macOS and iOS add `alg` to `apple`
//! statements, whose §8.8 procedure uses `x5c` only. So `apple` reads `x5c`
//! (its nonce extension still has to match, §8.8 step 4); `packed` and
//! `android-key` read `alg`, `sig` and `x5c`; `fido-u2f` reads `sig` and
//! `x5c`; `tpm` reads `ver`, `alg`, `x5c`, `sig`, `certInfo` and `pubArea`;
//! `android-safetynet` reads `ver` and `response`; and each entry of a
//! `compound` statement reads `fmt` and `attStmt`. The one exception is
//! `none`: §8.7 defines it by its shape ("an empty CBOR map"), so a `none`
//! statement with members is refused as mislabelled, as every peer library
//! and the FIDO conformance tools do.
//!
//! # Without the `attestation` feature
//!
//! The formats whose §8 procedures verify certificates (`packed` with `x5c`,
//! `tpm`, `android-key`, `android-safetynet`, `apple`, `fido-u2f`), trust
//! anchors and [`mds`] are compiled only with the default `attestation`
//! feature. Without it, `none` and `packed` self attestation verify as
//! always, and under [`TrustMode::Any`] or [`TrustMode::Trusted`] any other
//! statement is refused with [`Error::UnsupportedAttestationFormat`]
//! (`compound` too when one of its statements is): the spec's attStmt step (see
//! `verify.rs`: "Verify that
//! attStmt is a correct attestation statement, conveying a valid attestation
//! signature, by using the attestation statement format fmt's verification
//! procedure") cannot be skipped, and accepting a statement unverified would
//! report an attestation nobody checked. [`TrustMode::None`] is unaffected:
//! it checks no statement in either build.
//!
//! [`Error::UnsupportedAttestationFormat`]: crate::Error::UnsupportedAttestationFormat

// The formats that verify certificates, and the metadata reader, need the
// `attestation` feature (X.509); `none`, `packed` self attestation and
// `compound` (of those) do not.
#[cfg(feature = "attestation")]
pub(crate) mod android_key;
#[cfg(feature = "attestation")]
pub(crate) mod android_key_description;
#[cfg(feature = "attestation")]
pub(crate) mod android_safetynet;
#[cfg(feature = "attestation")]
pub(crate) mod apple;
pub(crate) mod common;
pub(crate) mod compound;
#[cfg(feature = "attestation")]
pub(crate) mod fido_u2f;
pub(crate) mod input;
#[cfg(feature = "attestation")]
pub(crate) mod jws;
#[cfg(feature = "attestation")]
pub mod mds;
pub(crate) mod none;
pub(crate) mod object;
pub(crate) mod packed;
#[cfg(feature = "attestation")]
pub(crate) mod tpm;
#[cfg(feature = "attestation")]
pub(crate) mod tpm_structures;
pub(crate) mod verify;

pub(crate) use input::VerificationInput;
pub(crate) use object::AttestationObject;
#[cfg(feature = "attestation")]
pub(crate) use verify::attested_aaguid;
pub(crate) use verify::verify;

use crate::authenticator_data::Aaguid;
#[cfg(feature = "attestation")]
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// The attestation type a verified statement establishes (§6.5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttestationType {
    /// No attestation (`none`, or statements the policy does not check).
    None,
    /// Self attestation: signed by the credential key itself.
    #[serde(rename = "self")]
    SelfAttestation,
    /// Basic attestation: a batch attestation key.
    Basic,
    /// Attestation CA (e.g. TPM AIK certificates).
    AttCa,
    /// Anonymization CA (e.g. Apple).
    AnonCa,
}

impl AttestationType {
    /// The lower-case name used in the conformance format (`none`, `self`, `basic`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationType::None => "none",
            AttestationType::SelfAttestation => "self",
            AttestationType::Basic => "basic",
            AttestationType::AttCa => "attca",
            AttestationType::AnonCa => "anonca",
        }
    }
}

/// What the host requires of attestation statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrustMode {
    /// Statements are not checked: every format is accepted as `none` (§7.1 step 21 (see `attestation::verify`)).
    #[default]
    None,
    /// The statement must verify; its certificate chain need not reach an anchor.
    Any,
    /// The statement must verify and its chain must reach one of the host's anchors.
    Trusted,
}

/// Which credentials an anchor may vouch for.
#[cfg(feature = "attestation")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorScope {
    /// Any authenticator.
    Any,
    /// Only authenticators with one of these AAGUIDs.
    Aaguids(Vec<Aaguid>),
    /// Only statements of this format (e.g. `tpm`).
    Format(String),
}

/// A root (or pinned intermediate) certificate the host trusts.
#[cfg(feature = "attestation")]
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    /// The certificate.
    pub(crate) anchor: crate::x509::cert_path::TrustAnchor,
    /// What it may vouch for.
    pub(crate) scope: AnchorScope,
}

#[cfg(feature = "attestation")]
impl TrustAnchor {
    /// What this anchor may vouch for.
    pub fn scope(&self) -> &AnchorScope {
        &self.scope
    }

    /// The anchor certificate, DER.
    pub fn der(&self) -> &[u8] {
        self.anchor.der()
    }

    /// An anchor for any authenticator and format, from a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let anchor = crate::x509::cert_path::TrustAnchor::from_der(der)
            .map_err(|e| Error::Config(format!("trust anchor: {e}")))?;
        Ok(TrustAnchor {
            anchor,
            scope: AnchorScope::Any,
        })
    }

    /// Every certificate of a PEM bundle, as anchors for any authenticator.
    pub fn from_pem(pem: &str) -> Result<Vec<Self>> {
        Ok(crate::x509::cert_path::TrustAnchor::from_pem_bundle(pem)
            .map_err(|e| Error::Config(format!("trust anchor: {e}")))?
            .into_iter()
            .map(|anchor| TrustAnchor {
                anchor,
                scope: AnchorScope::Any,
            })
            .collect())
    }

    /// Restricts what this anchor may vouch for.
    pub fn with_scope(mut self, scope: AnchorScope) -> Self {
        self.scope = scope;
        self
    }
}

/// The host's attestation trust policy.
#[derive(Debug, Clone, Default)]
pub struct TrustPolicy {
    /// How far statements are checked.
    pub mode: TrustMode,
    /// The anchors for [`TrustMode::Trusted`].
    #[cfg(feature = "attestation")]
    pub anchors: Vec<TrustAnchor>,
    /// Under [`TrustMode::Trusted`], whether `none` and self attestation are still
    /// accepted (§7.1 step 24 "Assess the attestation trustworthiness…" leaves
    /// this to the RP). Default: refused.
    pub allow_untrusted_types: bool,
    /// Which android-key authorization lists count as enforced (default TEE only).
    #[cfg(feature = "attestation")]
    pub android_key: android_key::AndroidKeyEnforcement,
    /// SafetyNet response policy.
    #[cfg(feature = "attestation")]
    pub safetynet: android_safetynet::SafetyNetPolicy,
    /// A verified FIDO Metadata Service BLOB, consulted after a statement
    /// verifies (modes [`TrustMode::Any`] and [`TrustMode::Trusted`]; under
    /// [`TrustMode::None`] the AAGUID is unattested and this is not used): an
    /// authenticator whose status report in effect is a compromise
    /// ([`mds::AuthenticatorStatus::is_compromised`]) is refused. Default none.
    #[cfg(feature = "attestation")]
    pub metadata: Option<std::sync::Arc<mds::MetadataBlob>>,
    /// With [`metadata`](Self::metadata), also refuse authenticators the BLOB
    /// does not list. They are looked up by the AAGUID the statement attests
    /// ([`attested_aaguid`]) when it is not zero, otherwise by the attestation
    /// certificate's key identifier (`attestationCertificateKeyIdentifiers`,
    /// as for fido-u2f); a statement that attests neither (`none`, self
    /// attestation) is refused, whatever AAGUID authData claims. Default false.
    #[cfg(feature = "attestation")]
    pub require_metadata: bool,
}

/// A verified attestation statement.
#[derive(Debug, Clone)]
pub struct AttestationOutcome {
    /// The format identifier.
    pub fmt: String,
    /// The attestation type established.
    pub attestation_type: AttestationType,
    /// The authenticator data's AAGUID when this statement attests it
    /// ([`attested_aaguid`]), `None` when it is only claimed.
    pub attested_aaguid: Option<Aaguid>,
    /// The certificate chain (DER, leaf first) when the format has one, as
    /// verified: a `fido-u2f` certificate whose signature BIT STRING declared
    /// unused bits is reported with that count set to 0 (the only byte that
    /// differs from what the authenticator sent).
    pub trust_path: Vec<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every attestation object in the conformance vectors, decoded.
    fn vector_objects() -> Vec<Vec<u8>> {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/test-vectors/conformance/vectors"
        );
        let mut out = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(dir)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "json") {
                    let v: serde_json::Value =
                        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                    if let Some(att) = v
                        .pointer("/response/response/attestationObject")
                        .and_then(|a| a.as_str())
                        .and_then(crate::json::b64url_decode)
                    {
                        out.push(att);
                    }
                }
            }
        }
        out
    }

    fn agree(bytes: &[u8]) {
        if let Some((fmt, stmt, auth)) = AttestationObject::parse_borrowed(bytes) {
            let (gf, gs, ga) = AttestationObject::parse_generic(bytes)
                .expect("the generic decoder accepts what the fast path accepts");
            assert_eq!((fmt, &stmt, auth), (gf.as_str(), &gs, ga.as_slice()));
        }
    }

    #[test]
    fn borrowed_path_takes_real_objects_and_agrees_with_the_generic_decoder() {
        let objects = vector_objects();
        assert!(objects.len() > 40, "{}", objects.len());
        let mut borrowed = 0;
        for att in &objects {
            if AttestationObject::parse_borrowed(att).is_some() {
                borrowed += 1;
            }
            agree(att);
        }
        // Every real (non-generated-invalid) object is in the canonical shape.
        assert!(
            borrowed * 10 >= objects.len() * 9,
            "{borrowed}/{}",
            objects.len()
        );
        // Mutations: whatever the fast path accepts, the generic path accepts alike.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for att in &objects {
            for _ in 0..200 {
                let mut m = att.clone();
                let i = (next() as usize) % m.len();
                match next() % 3 {
                    0 => m[i] = next() as u8,
                    1 => m.truncate(i),
                    _ => m.insert(i, next() as u8),
                }
                agree(&m);
            }
        }
    }

    #[test]
    fn unusual_encodings_take_the_generic_path() {
        // {"fmt": "none", "attStmt": {}, "authData": h'00'} with the map made
        // indefinite-length, an unknown member added, and a member repeated.
        let mut canonical = vec![0xa3];
        canonical.extend_from_slice(b"\x63fmt\x64none\x67attStmt\xa0\x68authData\x41\x00");
        assert!(AttestationObject::parse_borrowed(&canonical).is_some());
        let mut indefinite = canonical.clone();
        indefinite[0] = 0xbf;
        indefinite.push(0xff);
        assert!(AttestationObject::parse_borrowed(&indefinite).is_none());
        assert_eq!(AttestationObject::parse(&indefinite).unwrap().fmt(), "none");
        let mut extra = canonical.clone();
        extra[0] = 0xa4;
        extra.extend_from_slice(b"\x61x\x01");
        assert!(AttestationObject::parse_borrowed(&extra).is_none());
        assert_eq!(AttestationObject::parse(&extra).unwrap().auth_data(), &[0]);
        let mut dup = canonical.clone();
        dup[0] = 0xa4;
        dup.extend_from_slice(b"\x63fmt\x64none");
        assert!(AttestationObject::parse_borrowed(&dup).is_none());
        assert!(AttestationObject::parse(&dup).is_err());
    }
}
