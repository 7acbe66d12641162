//! The `tpm` attestation statement format (WebAuthn L3 §8.3).

use super::common::{
    alg_member, bytes_member, check_chain, ec_point, fail, rsa_parts, strip, used_members,
    verify_with_cert, x5c_member,
};
use super::tpm_structures::{
    PublicParameters, PublicUnique, TpmsAttest, TpmtPublic, check_aik_certificate,
};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::cose::{CoseAlgorithm, PublicKey};
use crate::error::Result;
use ciborium::value::Value;
use sha2::Digest;

const F: &str = "tpm";

/// §8.3 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(
        F,
        stmt,
        &["ver", "alg", "x5c", "sig", "certInfo", "pubArea"],
    )?;
    match super::common::member(stmt, "ver") {
        Some(Value::Text(v)) if v == "2.0" => {}
        _ => return Err(fail(F, "ver is not \"2.0\"")),
    }
    let alg = alg_member(F, stmt)?;
    let sig = bytes_member(F, stmt, "sig")?;
    let cert_info = bytes_member(F, stmt, "certInfo")?;
    let pub_area = bytes_member(F, stmt, "pubArea")?;
    let x5c =
        x5c_member(F, stmt)?.ok_or_else(|| fail(F, "x5c missing (ECDAA is not supported)"))?;
    let aik = *x5c.first().ok_or_else(|| fail(F, "x5c is empty"))?;
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;

    // §8.3 step 2: the key in pubArea is the credential public key.
    let public = TpmtPublic::parse(pub_area).map_err(|e| fail(F, format!("pubArea: {e}")))?;
    pub_area_matches(&public, acd.public_key.key())?;

    // §8.3 step 4: certInfo is valid.
    let attest = TpmsAttest::parse(cert_info).map_err(|e| fail(F, format!("certInfo: {e}")))?;
    // magic = TPM_GENERATED_VALUE and type = TPM_ST_ATTEST_CERTIFY are checked by the parser.
    // extraData = hash of attToBeSigned (authData ‖ clientDataHash) with alg's hash.
    let att_to_be_signed = [input.auth_data.raw(), input.client_data_hash.as_slice()].concat();
    let expected: Vec<u8> = match alg {
        CoseAlgorithm::RS1 => sha1::Sha1::digest(&att_to_be_signed).to_vec(),
        CoseAlgorithm::ES256 | CoseAlgorithm::RS256 | CoseAlgorithm::PS256 => {
            sha2::Sha256::digest(&att_to_be_signed).to_vec()
        }
        CoseAlgorithm::ES384 | CoseAlgorithm::RS384 | CoseAlgorithm::PS384 => {
            sha2::Sha384::digest(&att_to_be_signed).to_vec()
        }
        CoseAlgorithm::ES512 | CoseAlgorithm::RS512 | CoseAlgorithm::PS512 => {
            sha2::Sha512::digest(&att_to_be_signed).to_vec()
        }
        other => {
            return Err(fail(
                F,
                format!("unsupported statement alg {}", other.to_i64()),
            ));
        }
    };
    if attest.extra_data != expected.as_slice() {
        return Err(fail(
            F,
            "extraData is not the hash of authData ‖ clientDataHash",
        ));
    }
    // attested.name is the name of pubArea (nameAlg ‖ H(pubArea)).
    if !attest
        .attested_name_matches(&public)
        .map_err(|e| fail(F, format!("attested name: {e}")))?
    {
        return Err(fail(F, "attested.name does not match pubArea"));
    }
    // §8.3 step 5: sig over certInfo by the AIK certificate's key with alg. RS1
    // (SHA-1) is accepted here only: Windows Hello signs TPM statements with it.
    verify_with_cert(F, aik, alg, cert_info, sig)?;
    // §8.3.1 AIK certificate requirements (v3, empty subject, TCG SAN, EKU, not a CA).
    let info = check_aik_certificate(aik).map_err(|e| fail(F, format!("AIK certificate: {e}")))?;
    // The AAGUID extension, if present, equals authData's AAGUID.
    if let Some(aaguid) = info.aaguid
        && aaguid != acd.aaguid.0
    {
        return Err(fail(
            F,
            "AIK certificate AAGUID does not match authData AAGUID",
        ));
    }
    let trust_path = check_chain(
        F,
        &x5c,
        policy,
        AttestationType::AttCa,
        acd.aaguid,
        input.now,
    )?;
    Ok(AttestationOutcome {
        fmt: F.into(),
        attestation_type: AttestationType::AttCa,
        // Set by `verify_statement`, the one place that decides it.
        attested_aaguid: None,
        trust_path,
    })
}

fn pub_area_matches(public: &TpmtPublic<'_>, key: &PublicKey) -> Result<()> {
    match (&public.parameters, &public.unique, key) {
        (PublicParameters::Rsa { .. }, PublicUnique::Rsa { modulus }, PublicKey::Rsa(k)) => {
            let (n, e) = rsa_parts(k);
            let exp = public
                .parameters
                .rsa_exponent()
                .unwrap_or(65537)
                .to_be_bytes();
            if strip(modulus) != n.as_slice() || strip(&exp) != e.as_slice() {
                return Err(fail(F, "pubArea RSA key is not the credential key"));
            }
            Ok(())
        }
        (PublicParameters::Ecc { curve_id, .. }, PublicUnique::Ecc { x, y }, k) => {
            let expected_curve = match k {
                PublicKey::P256(_) => 0x0003,
                PublicKey::P384(_) => 0x0004,
                PublicKey::P521(_) => 0x0005,
                _ => return Err(fail(F, "pubArea ECC key but the credential key is not EC")),
            };
            if *curve_id != expected_curve {
                return Err(fail(
                    F,
                    "pubArea curve differs from the credential key's curve",
                ));
            }
            let point = ec_point(k).unwrap_or_default();
            let ours = point.get(1..).unwrap_or_default();
            let half = ours.len() / 2;
            if ours.get(..half) != Some(*x) || ours.get(half..) != Some(*y) {
                return Err(fail(F, "pubArea ECC point is not the credential key"));
            }
            Ok(())
        }
        _ => Err(fail(
            F,
            "pubArea key type differs from the credential key type",
        )),
    }
}
