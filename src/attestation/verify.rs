//! Statement verification (§7.1 steps 21–24): dispatch on `fmt` to the
//! format's verifier, then apply the trust policy to what it established.

use super::input::VerificationInput;
use super::object::AttestationObject;
use super::{AttestationOutcome, AttestationType, TrustMode, TrustPolicy};
use crate::authenticator_data::Aaguid;
use crate::error::{Error, Field, Result};
use ciborium::value::Value;

/// Verifies the statement per its format and applies the trust policy.
pub fn verify(
    obj: &AttestationObject,
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
) -> Result<AttestationOutcome> {
    if policy.mode == TrustMode::None {
        // An RP that does not verify attestation treats every statement as
        // `none` (§7.1 steps 21–24 are skipped under `TrustMode::None`); the
        // `none` format's own structure is still checked, it costs nothing.
        if obj.fmt() == "none" {
            super::none::verify_value(obj.att_stmt_value())?;
        }
        return Ok(AttestationOutcome {
            fmt: obj.fmt().to_owned(),
            attestation_type: AttestationType::None,
            attested_aaguid: None,
            trust_path: Vec::new(),
        });
    }
    let outcome = match obj.fmt() {
        "compound" => {
            super::compound::verify(obj.att_stmt_value(), input, policy, verify_statement)?
        }
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
    // §7.1 step 24 "Assess the attestation trustworthiness using the outputs of…"
    // (the certificate path itself is assessed in `x509::cert_path`).
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
    // §7.1 step 23 "If validation is successful, obtain a list of acceptable…"
    // The RP may use the FIDO Metadata Service to decide which
    // authenticators it trusts; refuse compromised (or, if required, unknown)
    // ones. The authenticator is looked up by what the statement attests
    // only: its attested AAGUID, else its attestation certificate's key
    // identifier. A claimed AAGUID would let anyone pick the entry.
    #[cfg(feature = "attestation")]
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

/// One statement of format `fmt` (§7.1 steps 21–22: dispatch on the format
/// identifier, then its verification procedure), with the AAGUID it attests,
/// if any.
pub fn verify_statement(
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
    // §7.1 step 21 "Determine the attestation statement format by performing a…"
    // §7.1 step 22 "Verify that attStmt is a correct attestation statement,…"
    // (each arm is the format's §8 verification procedure).
    match fmt {
        "none" => {
            super::none::verify(stmt)?;
            Ok(AttestationOutcome {
                fmt: "none".into(),
                attestation_type: AttestationType::None,
                attested_aaguid: None,
                trust_path: Vec::new(),
            })
        }
        "packed" => super::packed::verify(stmt, input, policy),
        #[cfg(feature = "attestation")]
        "fido-u2f" => super::fido_u2f::verify(stmt, input, policy),
        #[cfg(feature = "attestation")]
        "tpm" => super::tpm::verify(stmt, input, policy),
        #[cfg(feature = "attestation")]
        "android-key" => super::android_key::verify(stmt, input, policy),
        #[cfg(feature = "attestation")]
        "android-safetynet" => super::android_safetynet::verify(stmt, input, policy),
        #[cfg(feature = "attestation")]
        "apple" => super::apple::verify(stmt, input, policy),
        // Without the `attestation` feature the formats above land here too:
        // their §8 procedures verify certificates, which that build cannot,
        // and the attStmt step, §7.1 step 22 (see above), has no safe default
        // but refusal.
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
