//! The `packed` attestation statement format (WebAuthn L3 §8.2).

use super::common::{alg_member, bytes_member, fail, used_members, x5c_member};
#[cfg(feature = "attestation")]
use super::common::{check_chain, verify_with_cert};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::error::Result;
use ciborium::value::Value;
#[cfg(feature = "attestation")]
use x509_parser::prelude::{FromDer, X509Certificate};

const F: &str = "packed";

/// §8.2 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(F, stmt, &["alg", "sig", "x5c"])?;
    let alg = alg_member(F, stmt)?;
    let sig = bytes_member(F, stmt, "sig")?;
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;
    match x5c_member(F, stmt)? {
        // Basic/AttCA attestation: a certificate chain, checked only with the
        // `attestation` feature; without it such a statement cannot be
        // verified, and the attStmt step may not be skipped (see verify.rs), so
        // it is refused.
        #[cfg(not(feature = "attestation"))]
        Some(_) => {
            let _ = (acd, policy);
            Err(crate::error::Error::UnsupportedAttestationFormat(
                "packed (with x5c; built without the `attestation` feature)".into(),
            ))
        }
        #[cfg(feature = "attestation")]
        Some(x5c) => {
            let leaf = *x5c.first().ok_or_else(|| fail(F, "x5c is empty"))?;
            let signed = [input.auth_data.raw(), input.client_data_hash.as_slice()].concat();
            // §8.2 step 2: sig is a valid signature over authData ‖ clientDataHash by
            // the attestation certificate's key with alg.
            verify_with_cert(F, leaf, alg, &signed, sig)?;
            // §8.2 step 2: attestnCert meets the requirements of §8.2.1.
            check_certificate_requirements(leaf, input)?;
            let trust_path = check_chain(
                F,
                &x5c,
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
        None => {
            // §8.2 step 3 (self attestation): alg matches the credential key's alg...
            if alg != acd.public_key.algorithm() {
                return Err(fail(
                    F,
                    "self attestation alg differs from the credential key's alg",
                ));
            }
            // ...and sig verifies with the credential public key.
            crate::crypto::signature::verify(
                &acd.public_key,
                &[input.auth_data.raw(), input.client_data_hash],
                sig,
            )
            .map_err(|_| fail(F, "self attestation signature does not verify"))?;
            Ok(AttestationOutcome {
                fmt: F.into(),
                attestation_type: AttestationType::SelfAttestation,
                // Set by `verify_statement`, the one place that decides it.
                attested_aaguid: None,
                trust_path: Vec::new(),
            })
        }
    }
}

/// §8.2.1 packed attestation statement certificate requirements.
#[cfg(feature = "attestation")]
fn check_certificate_requirements(leaf: &[u8], input: &VerificationInput<'_>) -> Result<()> {
    let (_, cert) = X509Certificate::from_der(leaf)
        .map_err(|_| fail(F, "attestation certificate does not parse"))?;
    // Version MUST be 3 (encoded as 2).
    if cert.version().0 != 2 {
        return Err(fail(F, "attestation certificate is not X.509 v3"));
    }
    // Subject C, O, OU = "Authenticator Attestation", CN must be present.
    let subject = cert.subject();
    let has =
        |oid: &x509_parser::der_parser::oid::Oid<'_>| subject.iter_by_oid(oid).next().is_some();
    use x509_parser::oid_registry::{
        OID_X509_COMMON_NAME, OID_X509_COUNTRY_NAME, OID_X509_ORGANIZATION_NAME,
        OID_X509_ORGANIZATIONAL_UNIT,
    };
    if !(has(&OID_X509_COUNTRY_NAME)
        && has(&OID_X509_ORGANIZATION_NAME)
        && has(&OID_X509_COMMON_NAME))
    {
        return Err(fail(F, "attestation certificate subject lacks C, O or CN"));
    }
    let ou_ok = subject.iter_by_oid(&OID_X509_ORGANIZATIONAL_UNIT).any(|a| {
        a.as_str()
            .map(|s| s == "Authenticator Attestation")
            .unwrap_or(false)
    });
    if !ou_ok {
        return Err(fail(
            F,
            "attestation certificate OU is not \"Authenticator Attestation\"",
        ));
    }
    // Basic Constraints: CA MUST be false.
    match cert.basic_constraints() {
        Ok(Some(bc)) if bc.value.ca => return Err(fail(F, "attestation certificate is a CA")),
        Ok(_) => {}
        Err(_) => {
            return Err(fail(
                F,
                "attestation certificate basicConstraints malformed",
            ));
        }
    }
    // id-fido-gen-ce-aaguid, if present, MUST equal the AAGUID and MUST NOT be critical.
    let ext = crate::x509::cert_path::fido_aaguid_extension(leaf)
        .map_err(|e| fail(F, format!("AAGUID extension: {e}")))?;
    if let Some(ext) = ext {
        if ext.critical {
            return Err(fail(F, "AAGUID extension is marked critical"));
        }
        let aaguid = input
            .auth_data
            .attested_credential_data()
            .map(|a| a.aaguid.0)
            .unwrap_or_default();
        if ext.aaguid != aaguid {
            return Err(fail(F, "AAGUID extension does not match authData AAGUID"));
        }
    }
    Ok(())
}
