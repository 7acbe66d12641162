//! The two ceremonies as explicit states.
//!
//! `start` produces the options for the browser and a state; `finish` consumes the
//! state (so it cannot be finished twice in one process; the store's take-once
//! makes that hold across processes) and either returns a verified outcome, which
//! only this module can construct, or the error naming the failed check.
//!
//! The spec checks both ceremonies share are methods on the parsed values
//! ([`CollectedClientData::verify`], [`AuthenticatorData::verify`]); this module
//! applies them with the RP's configuration and adds the RP policies the spec
//! leaves open (backup eligibility), the state expiry and the input bounds.

pub(crate) mod authentication;
pub(crate) mod challenge;
mod clock;
pub(crate) mod registration;
#[cfg(all(target_arch = "wasm32", feature = "wasm"))]
mod wasm_clock;
// The §7.1 / §7.2 step table every step citation and negative test is keyed by.
pub mod steps;

pub(crate) use crate::authenticator_data::UserPresence;
pub(crate) use crate::crypto::ct::{b64url_eq, constant_time_eq};
pub(crate) use challenge::Challenge;

use crate::authenticator_data::AuthenticatorData;
use crate::client_data::{ClientDataType, CollectedClientData};
use crate::config::RelyingParty;
use crate::error::{Error, Field, Result};
use crate::json::UserVerificationRequirement;

/// Steps common to both ceremonies over CollectedClientData (see
/// [`CollectedClientData::verify`]), against this RP's origin policy.
pub(crate) fn check_client_data(
    rp: &RelyingParty,
    c: &CollectedClientData,
    expected: ClientDataType,
    challenge: &Challenge,
) -> Result<()> {
    c.verify(expected, challenge, &rp.origins, &rp.cross_origin)
}

/// Steps common to both ceremonies over authenticator data flags.
///
/// `expected_rp_id_hash` is SHA-256 of the RP ID, except in a sign-in where the
/// client used the FIDO AppID extension (see `authentication.rs`). `up` comes
/// from the ceremony itself, never from RP-wide configuration: only a
/// registration can relax it.
pub(crate) fn check_auth_data(
    rp: &RelyingParty,
    a: &AuthenticatorData<'_>,
    uv: UserVerificationRequirement,
    up: UserPresence,
    expected_rp_id_hash: &[u8; 32],
) -> Result<()> {
    a.verify(expected_rp_id_hash, uv, up)?;
    let f = a.flags();
    // §7.1 step 18 "If the Relying Party uses the credential's backup eligibility…"
    // §7.1 step 19 "If the Relying Party uses the credential's backup state to…"
    // The BE/BS decision is the RP's policy, and its sub-step "Apply Relying
    // Party policy, if any" of §7.2 step 19 (see `ceremony::authentication`)
    // is this same check: apply it at both ceremonies, so a device-bound
    // credential that later becomes backed up is refused at its next sign-in,
    // not only at registration.
    if !rp
        .backup_policy
        .allows(f.backup_eligible(), f.backup_state())
    {
        return Err(Error::BackupNotAllowed {
            backup_eligible: f.backup_eligible(),
            backup_state: f.backup_state(),
        });
    }
    Ok(())
}

pub(crate) fn within_limit(data: &[u8], field: Field, max: usize) -> Result<&[u8]> {
    if data.len() > max {
        return Err(Error::TooLarge {
            field,
            size: data.len(),
            max,
        });
    }
    Ok(data)
}

/// A response's `id` member, as the ceremony has it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IdText<'a> {
    /// The text sent, to be compared with base64url(rawId).
    Sent(&'a [u8]),
    /// Sent as the very text of `rawId`, which then decoded under the strict
    /// unpadded URL alphabet (`json::assertion_scan`). That decoding refuses
    /// any text but the one canonical encoding of its bytes, so `id` is
    /// base64url(rawId): the comparison could not fail.
    SameAsRawId,
}

pub(crate) fn check_type_and_id(type_: &[u8], id: IdText<'_>, raw_id: &[u8]) -> Result<()> {
    // §7.1 step 3 "Let response be credential.response. If response is not an…"
    // §7.2 step 3 "Let response be credential.response. If response is not an…"
    // Checked as the JSON form has it: PublicKeyCredential.type is public-key.
    if type_ != b"public-key" {
        return Err(Error::CredentialType);
    }
    if raw_id.is_empty() {
        return Err(Error::malformed(Field::CredentialId, "empty credential id"));
    }
    // The bound of §7.1 step 25 (see `ceremony::registration`), applied to the
    // id the browser reports before any other work (the authData copy is
    // checked again while parsing).
    if raw_id.len() > crate::limits::MAX_CREDENTIAL_ID {
        return Err(Error::CredentialIdTooLong { len: raw_id.len() });
    }
    // `id` is the base64url encoding of `rawId`; a mismatch means the JSON was edited.
    match id {
        IdText::Sent(id) if !b64url_eq(id, raw_id) => Err(Error::CredentialIdMismatch),
        IdText::Sent(_) | IdText::SameAsRawId => Ok(()),
    }
}

pub(crate) fn check_expiry(expires_at: u64, now: u64) -> Result<()> {
    if now > expires_at {
        Err(Error::StateExpired)
    } else {
        Ok(())
    }
}
