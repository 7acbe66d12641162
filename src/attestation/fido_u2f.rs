//! The `fido-u2f` attestation statement format (WebAuthn L3 §8.6).

use super::common::{bytes_member, check_chain, fail, used_members, verify_with_cert, x5c_member};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::cose::{CoseAlgorithm, PublicKey};
use crate::error::Result;
use ciborium::value::Value;

const F: &str = "fido-u2f";

/// §8.6 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(F, stmt, &["sig", "x5c"])?;
    let sig = bytes_member(F, stmt, "sig")?;
    // §8.6 step 2: x5c has exactly one element, the attestation certificate,
    // whose key is an EC public key over P-256.
    let x5c = x5c_member(F, stmt)?.ok_or_else(|| fail(F, "x5c missing"))?;
    let [sent] = x5c.as_slice() else {
        return Err(fail(F, "x5c must hold exactly one certificate"));
    };
    // Early Yubico U2F attestation certificates declare unused bits in their
    // signature BIT STRING; they are read with that count set to 0, which
    // changes no signed byte (see `normalize_signature_unused_bits`).
    let cert_bytes = crate::x509::cert_path::normalize_signature_unused_bits(sent);
    let cert: &[u8] = &cert_bytes;
    if !cert_is_p256(cert) {
        return Err(fail(F, "attestation certificate key is not P-256"));
    }
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;
    // §8.6 step 3-4: the credential key must be P-256; publicKeyU2F = 0x04 ‖ x ‖ y.
    let PublicKey::P256(k) = acd.public_key.key() else {
        return Err(fail(F, "credential key is not P-256"));
    };
    let point = k.to_sec1_point(false);
    // §8.6 step 5: verificationData = 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKeyU2F.
    let mut data = Vec::with_capacity(1 + 32 + 32 + acd.credential_id.len() + 65);
    data.push(0x00);
    data.extend_from_slice(input.auth_data.rp_id_hash());
    data.extend_from_slice(input.client_data_hash);
    data.extend_from_slice(acd.credential_id);
    data.extend_from_slice(point.as_bytes());
    // §8.6 step 6: verify with the certificate key (ECDSA P-256, SHA-256).
    verify_with_cert(F, cert, CoseAlgorithm::ES256, &data, sig)?;
    // U2F devices report a zero AAGUID; CTAP2 clients wrapping them sometimes do
    // not (the W3C vector has a non-zero one), so it is not required to be
    // zero. Step 5's verificationData does not cover it, so it is never
    // attested (`attested_aaguid`): anchors scoped by AAGUID do not apply and
    // metadata finds the key by its certificate's key identifier.
    let trust_path = check_chain(
        F,
        &[cert],
        policy,
        AttestationType::Basic,
        acd.aaguid,
        input.now,
    )?;
    Ok(AttestationOutcome {
        fmt: F.into(),
        attestation_type: AttestationType::Basic,
        // Set by `verify_statement`, the one place that decides it.
        attested_aaguid: None,
        trust_path,
    })
}

fn cert_is_p256(cert_der: &[u8]) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let Ok((_, cert)) = X509Certificate::from_der(cert_der) else {
        return false;
    };
    let spki = cert.public_key();
    let params_ok = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string() == "1.2.840.10045.3.1.7")
        .unwrap_or(false);
    spki.algorithm.algorithm.to_id_string() == "1.2.840.10045.2.1" && params_ok
}
