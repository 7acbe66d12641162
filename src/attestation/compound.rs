//! The `compound` attestation statement format (WebAuthn L3 §8.9): several
//! statements over the same authenticator data, every one of which must verify.

use super::common::fail;
use super::{AttestationOutcome, AttestationType, TrustPolicy, VerificationInput};
use crate::error::Result;
use ciborium::value::Value;

const F: &str = "compound";
/// At most this many nested statements (each may carry a chain).
const MAX_STATEMENTS: usize = 4;

/// Verifies one non-compound statement (`fmt`, `attStmt`); see [`verify`].
pub type InnerVerifier =
    fn(&str, &[(Value, Value)], &VerificationInput<'_>, &TrustPolicy) -> Result<AttestationOutcome>;

/// §8.9: attStmt is an array of `{fmt, attStmt}` maps, at least two; each is
/// verified by its own format (compound may not nest), all must pass.
///
/// `verify_one` verifies one inner statement; the dispatcher passes itself in,
/// so the recursion does not make this file and the dispatcher import each other.
pub fn verify(
    stmt: &Value,
    input: &VerificationInput<'_>,
    policy: &TrustPolicy,
    verify_one: InnerVerifier,
) -> Result<AttestationOutcome> {
    let Value::Array(items) = stmt else {
        return Err(fail(F, "attStmt is not an array"));
    };
    if items.len() < 2 {
        return Err(fail(F, "compound needs at least two statements"));
    }
    if items.len() > MAX_STATEMENTS {
        return Err(fail(F, "too many statements"));
    }
    let mut outcomes = Vec::with_capacity(items.len());
    for item in items {
        let Value::Map(m) = item else {
            return Err(fail(F, "statement is not a map"));
        };
        // Each entry's `fmt` and `attStmt` are used, so checked strictly (type,
        // at most once); members the procedure does not use are ignored, as
        // in every format.
        let mut fmt = None;
        let mut att = None;
        for (k, v) in m {
            let Value::Text(k) = k else { continue };
            let slot_taken = match (k.as_str(), v) {
                ("fmt", Value::Text(f)) => fmt.replace(f.as_str()).is_some(),
                ("attStmt", Value::Map(s)) => att.replace(s.as_slice()).is_some(),
                ("fmt" | "attStmt", _) => {
                    return Err(fail(F, format!("statement member {k:?} is malformed")));
                }
                _ => false,
            };
            if slot_taken {
                return Err(fail(F, format!("duplicate statement member {k:?}")));
            }
        }
        let (Some(fmt), Some(att)) = (fmt, att) else {
            return Err(fail(F, "statement lacks fmt or attStmt"));
        };
        if fmt == F {
            return Err(fail(F, "compound statements may not nest"));
        }
        outcomes.push(verify_one(fmt, att, input, policy)?);
    }
    // Report the strongest type: a certificate-backed one if any statement has it.
    let primary = outcomes
        .iter()
        .find(|o| {
            !matches!(
                o.attestation_type,
                AttestationType::None | AttestationType::SelfAttestation
            )
        })
        .or_else(|| outcomes.first())
        .cloned()
        .ok_or_else(|| fail(F, "no statements"))?;
    // Every statement covers the same authenticator data: the AAGUID is
    // attested when any of them attests it.
    let attested_aaguid = outcomes.iter().find_map(|o| o.attested_aaguid);
    Ok(AttestationOutcome {
        fmt: F.into(),
        attestation_type: primary.attestation_type,
        attested_aaguid,
        trust_path: primary.trust_path,
    })
}
