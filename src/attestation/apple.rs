//! The `apple` anonymous attestation statement format (WebAuthn L3 §8.8).

use super::common::{cert_key_matches, check_chain, fail, used_members, x5c_member};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::error::Result;
use ciborium::value::Value;
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

const F: &str = "apple";
/// Apple's nonce extension.
const OID_APPLE_NONCE: &str = "1.2.840.113635.100.8.2";

/// §8.8 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(F, stmt, &["x5c"])?;
    let x5c = x5c_member(F, stmt)?.ok_or_else(|| fail(F, "x5c missing"))?;
    let cred_cert = *x5c.first().ok_or_else(|| fail(F, "x5c is empty"))?;
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;
    // §8.8 steps 2-3: nonce = SHA-256(authData ‖ clientDataHash).
    let nonce: [u8; 32] = Sha256::new()
        .chain_update(input.auth_data.raw())
        .chain_update(input.client_data_hash)
        .finalize()
        .into();
    // §8.8 step 4: the nonce equals the extension 1.2.840.113635.100.8.2 in credCert.
    let (_, cert) =
        X509Certificate::from_der(cred_cert).map_err(|_| fail(F, "credCert does not parse"))?;
    let ext = cert
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == OID_APPLE_NONCE)
        .ok_or_else(|| fail(F, "nonce extension missing"))?;
    let got =
        parse_nonce_extension(ext.value).ok_or_else(|| fail(F, "nonce extension malformed"))?;
    if got != nonce {
        return Err(fail(
            F,
            "nonce does not match SHA-256(authData ‖ clientDataHash)",
        ));
    }
    // §8.8 step 5: credCert's public key equals the credential public key.
    if !cert_key_matches(cred_cert, &acd.public_key) {
        return Err(fail(F, "credCert key is not the credential key"));
    }
    let trust_path = check_chain(
        F,
        &x5c,
        policy,
        AttestationType::AnonCa,
        acd.aaguid,
        input.now,
    )?;
    Ok(AttestationOutcome {
        fmt: F.into(),
        attestation_type: AttestationType::AnonCa,
        // Set by `verify_statement`, the one place that decides it.
        attested_aaguid: None,
        trust_path,
    })
}

/// `SEQUENCE { [1] EXPLICIT OCTET STRING (32 bytes) }`.
fn parse_nonce_extension(v: &[u8]) -> Option<[u8; 32]> {
    use der::asn1::{ContextSpecific, OctetStringRef};
    use der::{AnyRef, Decode, Reader, SliceReader, Tag, TagNumber, Tagged};
    // `from_der` and `finish` refuse trailing bytes at each level; the
    // explicit tag must hold exactly the one OCTET STRING.
    let seq = AnyRef::from_der(v).ok()?;
    seq.tag().assert_eq(Tag::Sequence).ok()?;
    let mut r = SliceReader::new(seq.value()).ok()?;
    let tagged: ContextSpecific<&OctetStringRef> = r.decode().ok()?;
    r.finish().ok()?;
    if tagged.tag_number != TagNumber(1) {
        return None;
    }
    tagged.value.as_bytes().try_into().ok()
}
