//! The `android-key` attestation statement format (WebAuthn L3 §8.4).

use super::android_key_description::{
    AuthorizationList, KM_ORIGIN_GENERATED, KM_PURPOSE_SIGN, key_description_from_certificate,
};
use super::common::{
    alg_member, bytes_member, cert_key_matches, check_chain, fail, used_members, verify_with_cert,
    x5c_member,
};
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::error::Result;
use ciborium::value::Value;

const F: &str = "android-key";

/// Which Android key attestation authorization lists count as "enforced".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AndroidKeyEnforcement {
    /// Only `teeEnforced` (hardware: TEE or StrongBox). The default.
    #[default]
    TeeOnly,
    /// `teeEnforced` or `softwareEnforced` (accepts software keystores).
    TeeOrSoftware,
}

/// §8.4 verification procedure.
pub fn verify(
    stmt: &[(Value, Value)],
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    used_members(F, stmt, &["alg", "sig", "x5c"])?;
    let alg = alg_member(F, stmt)?;
    let sig = bytes_member(F, stmt, "sig")?;
    let x5c = x5c_member(F, stmt)?.ok_or_else(|| fail(F, "x5c missing"))?;
    let leaf = *x5c.first().ok_or_else(|| fail(F, "x5c is empty"))?;
    let acd = input
        .auth_data
        .attested_credential_data()
        .ok_or_else(|| fail(F, "no attested credential data"))?;
    // §8.4 step 2: sig over authData ‖ clientDataHash with the first certificate's key and alg.
    let signed = [input.auth_data.raw(), input.client_data_hash.as_slice()].concat();
    verify_with_cert(F, leaf, alg, &signed, sig)?;
    // §8.4 step 3: the first certificate's public key is the credential public key.
    if !cert_key_matches(leaf, &acd.public_key) {
        return Err(fail(
            F,
            "attestation certificate key is not the credential key",
        ));
    }
    // §8.4 step 4: the key description extension.
    let kd = key_description_from_certificate(leaf)
        .map_err(|e| fail(F, format!("key description: {e}")))?
        .ok_or_else(|| fail(F, "key description extension missing"))?;
    // attestationChallenge is clientDataHash.
    if kd.attestation_challenge.as_slice() != input.client_data_hash.as_slice() {
        return Err(fail(F, "attestationChallenge is not clientDataHash"));
    }
    // allApplications is in neither list: the key must be scoped to this RP.
    if kd.software_enforced.all_applications || kd.tee_enforced.all_applications {
        return Err(fail(F, "key is usable by all applications"));
    }
    // origin is KM_ORIGIN_GENERATED and purpose contains KM_PURPOSE_SIGN, in the
    // lists the policy counts as enforced.
    let lists: Vec<&AuthorizationList> = match policy.android_key {
        AndroidKeyEnforcement::TeeOnly => vec![&kd.tee_enforced],
        AndroidKeyEnforcement::TeeOrSoftware => vec![&kd.tee_enforced, &kd.software_enforced],
    };
    if !lists.iter().any(|l| l.origin == Some(KM_ORIGIN_GENERATED)) {
        return Err(fail(
            F,
            "key origin is not KM_ORIGIN_GENERATED in an enforced list",
        ));
    }
    if !lists.iter().any(|l| l.has_purpose(KM_PURPOSE_SIGN)) {
        return Err(fail(
            F,
            "key purpose does not include SIGN in an enforced list",
        ));
    }
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
