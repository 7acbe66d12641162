//! Attestation objects (WebAuthn L3 §6.5) and statement verification (§8).
//!
//! [`AttestationObject::parse`] splits the CBOR map into `fmt`, `attStmt` and
//! `authData`; [`verify`] dispatches on the format, one module per format, and
//! applies the host's [`TrustPolicy`] (§7.1 steps 21–24), optionally with FIDO
//! Metadata Service data ([`mds`]).
//!
//! # Which AAGUID is attested
//!
//! The AAGUID in authenticatorData names the authenticator model, and is
//! what [`AnchorScope::Aaguids`] anchors and [`mds`] lookups go by; but it is
//! only vouched for where a verified signature covers it. [`attested_aaguid`]
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

pub mod android_key;
pub mod android_key_description;
pub mod android_safetynet;
pub mod apple;
mod b64;
pub mod cert_path;
mod common;
pub mod compound;
mod der;
pub mod fido_u2f;
pub mod jws;
pub mod mds;
pub mod none;
pub mod packed;
pub mod tpm;
pub mod tpm_structures;

use crate::authenticator_data::{Aaguid, AuthenticatorData};
use crate::cose::read_cbor_value;
use crate::error::{Error, Field, Result};
use crate::limits;
use ciborium::value::Value;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// RSA modulus and exponent, big-endian without leading zeros.
#[cfg(feature = "ring")]
pub(crate) fn rsa_components(k: &rsa::PublicKey) -> (Vec<u8>, Vec<u8>) {
    common::rsa_parts(k)
}

/// A parsed attestation object (§6.5.4).
///
/// Borrows `fmt` and `authData` from the bytes it was parsed from when they are
/// encoded the way authenticators and browsers encode them (definite lengths),
/// so a registration copies neither.
#[derive(Debug, Clone)]
pub struct AttestationObject<'a> {
    fmt: Cow<'a, str>,
    att_stmt: Value,
    auth_data: Cow<'a, [u8]>,
}

/// The head of one CBOR data item: major type and argument. `None` for the
/// indefinite-length marker and reserved additional-information values, which
/// the fast path leaves to the generic decoder.
fn cbor_head(input: &mut &[u8]) -> Option<(u8, u64)> {
    let (&first, rest) = input.split_first()?;
    let (major, info) = (first >> 5, first & 0x1f);
    let (arg, rest) = match info {
        0..=23 => (u64::from(info), rest),
        24 => {
            let (b, r) = rest.split_first_chunk::<1>()?;
            (u64::from(b[0]), r)
        }
        25 => {
            let (b, r) = rest.split_first_chunk::<2>()?;
            (u64::from(u16::from_be_bytes(*b)), r)
        }
        26 => {
            let (b, r) = rest.split_first_chunk::<4>()?;
            (u64::from(u32::from_be_bytes(*b)), r)
        }
        27 => {
            let (b, r) = rest.split_first_chunk::<8>()?;
            (u64::from_be_bytes(*b), r)
        }
        _ => return None,
    };
    *input = rest;
    Some((major, arg))
}

/// A definite-length byte (major 2) or text (major 3) string's content.
fn cbor_string<'a>(input: &mut &'a [u8], major: u8) -> Option<&'a [u8]> {
    let (m, len) = cbor_head(input)?;
    if m != major {
        return None;
    }
    // The length is checked against the bytes present before anything is taken.
    let (content, rest) = input.split_at_checked(usize::try_from(len).ok()?)?;
    *input = rest;
    Some(content)
}

/// Decodes one CBOR item made only of definite-length maps, arrays, byte and
/// text strings and integers, nested at most `depth` levels below this one, as
/// the generic decoder would. `None` for anything else (tags, floats, simple
/// values, indefinite lengths, invalid UTF-8, truncation): the caller then uses
/// the generic decoder. Containers grow item by item, so memory follows the bytes
/// present, never a claimed count.
fn simple_value(input: &mut &[u8], depth: u8) -> Option<Value> {
    let (major, arg) = cbor_head(input)?;
    Some(match major {
        0 => Value::Integer(arg.into()),
        1 => Value::Integer(ciborium::value::Integer::try_from(-1 - i128::from(arg)).ok()?),
        2 | 3 => {
            let (content, rest) = input.split_at_checked(usize::try_from(arg).ok()?)?;
            *input = rest;
            if major == 2 {
                Value::Bytes(content.to_vec())
            } else {
                Value::Text(core::str::from_utf8(content).ok()?.to_owned())
            }
        }
        4 | 5 => {
            let depth = depth.checked_sub(1)?;
            let mut items = Vec::new();
            let mut entries = Vec::new();
            for _ in 0..arg {
                let v = simple_value(input, depth)?;
                if major == 4 {
                    items.push(v);
                } else {
                    entries.push((v, simple_value(input, depth)?));
                }
            }
            if major == 4 {
                Value::Array(items)
            } else {
                Value::Map(entries)
            }
        }
        _ => return None,
    })
}

impl<'a> AttestationObject<'a> {
    /// Parses the CBOR attestation object; trailing bytes are an error.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        const F: Field = Field::AttestationObject;
        if bytes.len() > limits::MAX_ATTESTATION_OBJECT {
            return Err(Error::TooLarge {
                field: F,
                size: bytes.len(),
                max: limits::MAX_ATTESTATION_OBJECT,
            });
        }
        let (fmt, att_stmt, auth_data) = match Self::parse_borrowed(bytes) {
            Some((fmt, att_stmt, auth_data)) => {
                (Cow::Borrowed(fmt), att_stmt, Cow::Borrowed(auth_data))
            }
            None => {
                let (fmt, att_stmt, auth_data) = Self::parse_generic(bytes)?;
                (Cow::Owned(fmt), att_stmt, Cow::Owned(auth_data))
            }
        };
        match &att_stmt {
            Value::Map(m) => check_x5c_bounds(m)?,
            // compound: each inner statement is bounded the same way.
            Value::Array(items) => {
                for item in items {
                    if let Value::Map(m) = item {
                        for (k, v) in m {
                            if let (Value::Text(k), Value::Map(inner)) = (k, v)
                                && k == "attStmt"
                            {
                                check_x5c_bounds(inner)?;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        Ok(AttestationObject {
            fmt,
            att_stmt,
            auth_data,
        })
    }

    /// The encoding every authenticator and browser produces: a definite map of
    /// exactly `fmt` (text), `attStmt` (map or array) and `authData` (bytes), in
    /// any order. `fmt` and `authData` are borrowed; `attStmt` is decoded as CBOR
    /// in place. `None` for anything else (unknown or duplicate members,
    /// indefinite lengths, wrong types, invalid UTF-8, trailing bytes, any
    /// truncation), which [`Self::parse_generic`] then accepts or refuses with the
    /// precise error: on the inputs this accepts, the two agree.
    fn parse_borrowed(bytes: &'a [u8]) -> Option<(&'a str, Value, &'a [u8])> {
        let mut rest = bytes;
        if cbor_head(&mut rest)? != (5, 3) {
            return None;
        }
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        for _ in 0..3 {
            match cbor_string(&mut rest, 3)? {
                b"fmt" if fmt.is_none() => {
                    fmt = Some(core::str::from_utf8(cbor_string(&mut rest, 3)?).ok()?);
                }
                b"authData" if auth_data.is_none() => {
                    auth_data = Some(cbor_string(&mut rest, 2)?);
                }
                b"attStmt" if att_stmt.is_none() => {
                    // Statements are small maps of integers, strings and arrays
                    // of certificates: decoded directly when that is all they hold.
                    let mut simple = rest;
                    let v = if let Some(v) = simple_value(&mut simple, 2)
                        .filter(|v| matches!(v, Value::Map(_) | Value::Array(_)))
                    {
                        rest = simple;
                        v
                    } else {
                        // One level is spent on the outer map, as in the generic path.
                        let v = crate::cose::read_cbor_value_with_depth(
                            &mut rest,
                            Field::AttestationObject,
                            limits::MAX_CBOR_DEPTH.saturating_sub(1),
                        )
                        .ok()?;
                        if !matches!(v, Value::Map(_) | Value::Array(_)) {
                            return None;
                        }
                        v
                    };
                    att_stmt = Some(v);
                }
                _ => return None,
            }
        }
        if !rest.is_empty() {
            return None;
        }
        Some((fmt?, att_stmt?, auth_data?))
    }

    /// Any well-formed CBOR map, through the generic decoder; refuses with the
    /// member or rule that failed.
    fn parse_generic(bytes: &[u8]) -> Result<(String, Value, Vec<u8>)> {
        const F: Field = Field::AttestationObject;
        let mut rest = bytes;
        let value = read_cbor_value(&mut rest, F)?;
        if !rest.is_empty() {
            return Err(Error::malformed(F, "trailing bytes"));
        }
        let Value::Map(entries) = value else {
            return Err(Error::malformed(F, "not a CBOR map"));
        };
        let (mut fmt, mut att_stmt, mut auth_data) = (None, None, None);
        for (k, v) in entries {
            let Value::Text(k) = k else { continue };
            let slot_taken = match (k.as_str(), v) {
                ("fmt", Value::Text(s)) => fmt.replace(s).is_some(),
                // A map for every format but `compound`, whose statement is an array.
                ("attStmt", v @ (Value::Map(_) | Value::Array(_))) => att_stmt.replace(v).is_some(),
                ("authData", Value::Bytes(b)) => auth_data.replace(b).is_some(),
                ("fmt" | "attStmt" | "authData", _) => {
                    return Err(Error::malformed(F, "member has the wrong CBOR type"));
                }
                // Unknown members are ignored (forward compatibility).
                _ => false,
            };
            if slot_taken {
                return Err(Error::malformed(F, "duplicate member"));
            }
        }
        Ok((
            fmt.ok_or(Error::malformed(F, "fmt missing"))?,
            att_stmt.ok_or(Error::malformed(F, "attStmt missing"))?,
            auth_data.ok_or(Error::malformed(F, "authData missing"))?,
        ))
    }

    /// The attestation statement format identifier.
    pub fn fmt(&self) -> &str {
        &self.fmt
    }
    /// The attestation statement's members (empty when it is not a map).
    pub fn att_stmt(&self) -> &[(Value, Value)] {
        match &self.att_stmt {
            Value::Map(m) => m,
            _ => &[],
        }
    }
    /// The attestation statement as decoded.
    pub fn att_stmt_value(&self) -> &Value {
        &self.att_stmt
    }
    /// The raw authenticator data.
    pub fn auth_data(&self) -> &[u8] {
        &self.auth_data
    }
}

/// Bounds an `x5c` member, whatever the format, before any format parses a
/// certificate: at most [`limits::MAX_CERTIFICATES`] entries of at most
/// [`limits::MAX_CERTIFICATE`] bytes each. Its shape (an array of byte strings)
/// is left to the format verifiers, which name the format in their errors.
fn check_x5c_bounds(att_stmt: &[(Value, Value)]) -> Result<()> {
    const F: Field = Field::AttestationStatement;
    for (k, v) in att_stmt {
        if !matches!(k, Value::Text(k) if k == "x5c") {
            continue;
        }
        let Value::Array(certs) = v else { continue };
        if certs.len() > limits::MAX_CERTIFICATES {
            return Err(Error::malformed(F, "x5c holds too many certificates"));
        }
        for c in certs {
            if let Value::Bytes(der) = c
                && der.len() > limits::MAX_CERTIFICATE
            {
                return Err(Error::TooLarge {
                    field: F,
                    size: der.len(),
                    max: limits::MAX_CERTIFICATE,
                });
            }
        }
    }
    Ok(())
}

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
    /// Statements are not checked: every format is accepted as `none` (§7.1 step 21 note).
    #[default]
    None,
    /// The statement must verify; its certificate chain need not reach an anchor.
    Any,
    /// The statement must verify and its chain must reach one of the host's anchors.
    Trusted,
}

/// Which credentials an anchor may vouch for.
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
#[derive(Debug, Clone)]
pub struct TrustAnchor {
    /// The certificate.
    pub anchor: cert_path::TrustAnchor,
    /// What it may vouch for.
    pub scope: AnchorScope,
}

impl TrustAnchor {
    /// An anchor for any authenticator and format, from a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let anchor = cert_path::TrustAnchor::from_der(der)
            .map_err(|e| Error::Config(format!("trust anchor: {e}")))?;
        Ok(TrustAnchor {
            anchor,
            scope: AnchorScope::Any,
        })
    }

    /// Every certificate of a PEM bundle, as anchors for any authenticator.
    pub fn from_pem(pem: &str) -> Result<Vec<Self>> {
        Ok(cert_path::TrustAnchor::from_pem_bundle(pem)
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
    pub anchors: Vec<TrustAnchor>,
    /// Under [`TrustMode::Trusted`], whether `none` and self attestation are still
    /// accepted (§7.1 step 24 leaves this to the RP). Default: refused.
    pub allow_untrusted_types: bool,
    /// Which android-key authorization lists count as enforced (default TEE only).
    pub android_key: android_key::AndroidKeyEnforcement,
    /// SafetyNet response policy.
    pub safetynet: android_safetynet::SafetyNetPolicy,
    /// A verified FIDO Metadata Service BLOB, consulted after a statement
    /// verifies (modes [`TrustMode::Any`] and [`TrustMode::Trusted`]; under
    /// [`TrustMode::None`] the AAGUID is unattested and this is not used): an
    /// authenticator whose status report in effect is a compromise
    /// ([`mds::AuthenticatorStatus::is_compromised`]) is refused. Default none.
    pub metadata: Option<std::sync::Arc<mds::MetadataBlob>>,
    /// With [`metadata`](Self::metadata), also refuse authenticators the BLOB
    /// does not list. They are looked up by the AAGUID the statement attests
    /// ([`attested_aaguid`]) when it is not zero, otherwise by the attestation
    /// certificate's key identifier (`attestationCertificateKeyIdentifiers`,
    /// as for fido-u2f); a statement that attests neither (`none`, self
    /// attestation) is refused, whatever AAGUID authData claims. Default false.
    pub require_metadata: bool,
}

/// Everything a format verifier needs.
pub struct VerificationInput<'a> {
    /// The parsed authenticator data.
    pub auth_data: &'a AuthenticatorData<'a>,
    /// SHA-256 of clientDataJSON.
    pub client_data_hash: &'a [u8; 32],
    /// Unix seconds at which certificates must be valid.
    pub now: u64,
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

/// Verifies the statement per its format and applies the trust policy.
pub fn verify(
    obj: &AttestationObject,
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    if policy.mode == TrustMode::None {
        // §7.1 step 21: an RP that does not verify attestation treats it as `none`
        // (the `none` format's own structure is still checked, it costs nothing).
        if obj.fmt() == "none" {
            none::verify_value(obj.att_stmt_value())?;
        }
        return Ok(AttestationOutcome {
            fmt: obj.fmt().to_owned(),
            attestation_type: AttestationType::None,
            attested_aaguid: None,
            trust_path: Vec::new(),
        });
    }
    let outcome = match obj.fmt() {
        "compound" => compound::verify(obj.att_stmt_value(), input, policy)?,
        fmt => {
            let Value::Map(stmt) = obj.att_stmt_value() else {
                return Err(Error::malformed(
                    Field::AttestationStatement,
                    "attStmt is not a map",
                ));
            };
            verify_statement(fmt, stmt, input, policy)?
        }
    };
    // §7.1 step 24: assess trustworthiness.
    if policy.mode == TrustMode::Trusted
        && matches!(
            outcome.attestation_type,
            AttestationType::None | AttestationType::SelfAttestation
        )
        && !policy.allow_untrusted_types
    {
        return Err(Error::AttestationNotTrusted(format!(
            "{} attestation carries no trust path",
            outcome.attestation_type.as_str()
        )));
    }
    // §7.1 step 23: the RP may use the FIDO Metadata Service to decide which
    // authenticators it trusts; refuse compromised (or, if required, unknown)
    // ones. The authenticator is looked up by what the statement attests
    // only: its attested AAGUID, else its attestation certificate's key
    // identifier. A claimed AAGUID would let anyone pick the entry.
    if let Some(md) = &policy.metadata {
        md.check_authenticator(
            outcome.attested_aaguid,
            outcome.trust_path.first().map(Vec::as_slice),
            input.now,
            policy.require_metadata,
        )?;
    }
    Ok(outcome)
}

/// One statement of format `fmt` (§7.1 step 21: dispatch on the format
/// identifier), with the AAGUID it attests, if any.
pub(crate) fn verify_statement(
    fmt: &str,
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    let mut outcome = verify_format(fmt, stmt, input, policy)?;
    outcome.attested_aaguid = input
        .auth_data
        .attested_credential_data()
        .and_then(|a| attested_aaguid(fmt, outcome.attestation_type, a.aaguid));
    Ok(outcome)
}

fn verify_format(
    fmt: &str,
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    match fmt {
        "none" => {
            none::verify(stmt)?;
            Ok(AttestationOutcome {
                fmt: "none".into(),
                attestation_type: AttestationType::None,
                attested_aaguid: None,
                trust_path: Vec::new(),
            })
        }
        "packed" => packed::verify(stmt, input, policy),
        "fido-u2f" => fido_u2f::verify(stmt, input, policy),
        "tpm" => tpm::verify(stmt, input, policy),
        "android-key" => android_key::verify(stmt, input, policy),
        "android-safetynet" => android_safetynet::verify(stmt, input, policy),
        "apple" => apple::verify(stmt, input, policy),
        other => Err(Error::UnsupportedAttestationFormat(other.to_owned())),
    }
}

/// The AAGUID a verified statement of format `fmt` and type
/// `attestation_type` vouches for, given the authenticator data's `aaguid`:
/// the one place that decides it (see "Which AAGUID is attested" in the
/// module documentation). `None` means the AAGUID is only claimed.
pub fn attested_aaguid(
    fmt: &str,
    attestation_type: AttestationType,
    aaguid: Aaguid,
) -> Option<Aaguid> {
    match (fmt, attestation_type) {
        // §8.6 step 5: "verificationData = 0x00 ‖ rpIdHash ‖ clientDataHash ‖
        // credentialId ‖ publicKeyU2F": the AAGUID is not signed, anyone can
        // rewrite those 16 bytes.
        ("fido-u2f", _) => None,
        // `none` signs nothing; self attestation is signed only by the
        // credential key, which whoever made the statement also made.
        (_, AttestationType::None | AttestationType::SelfAttestation) => None,
        // packed (§8.2 step 2), tpm (§8.3 step 4, extraData), android-key
        // (§8.4 step 2), android-safetynet (§8.5 step 3, nonce) and apple (§8.8
        // steps 2-4, nonce): the certified signature or nonce covers
        // authenticatorData in full, AAGUID included, and an AAGUID extension
        // in the certificate (§8.2.1, §8.3.1) has been checked equal to it.
        _ => Some(aaguid),
    }
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
