//! The two ceremonies as explicit states.
//!
//! `start` produces the options for the browser and a state; `finish` consumes the
//! state (so it cannot be finished twice in one process; the store's take-once
//! makes that hold across processes) and either returns a verified outcome, which
//! only this module can construct, or the error naming the failed check.
//!
//! The checks shared by §7.1 and §7.2 live here, one function per spec step.

pub mod authentication;
pub mod registration;

use crate::authenticator_data::AuthenticatorData;
use crate::client_data::{ClientDataType, CollectedClientData};
use crate::config::RelyingParty;
use crate::error::{Error, Field, Result};
use crate::json::{UserVerificationRequirement, b64url};
use serde::{Deserialize, Serialize};
#[cfg(not(all(target_arch = "wasm32", feature = "wasm")))]
use std::time::{SystemTime, UNIX_EPOCH};

/// The current Unix time in seconds.
#[cfg(not(all(target_arch = "wasm32", feature = "wasm")))]
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current Unix time in seconds, from the JavaScript host's clock:
/// `std::time::SystemTime::now()` panics on `wasm32-unknown-unknown`.
#[cfg(all(target_arch = "wasm32", feature = "wasm"))]
pub fn unix_now() -> u64 {
    // Milliseconds since the epoch as an f64; a clock before 1970 or NaN gives 0.
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0) as u64
    } else {
        0
    }
}

/// A ceremony challenge: 32 bytes from the OS random source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Challenge(crate::json::Base64Url);

impl Challenge {
    /// Draws a fresh challenge from the OS CSPRNG (§13.4.3: at least 16 bytes).
    pub fn random() -> Result<Self> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| Error::Random)?;
        Ok(Challenge(b.to_vec().into()))
    }

    /// A challenge with given bytes: for tests, conformance runners, and hosts that
    /// mint challenges themselves. Must be at least 16 random bytes in production.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Challenge(bytes.into())
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// base64url, as it appears in clientDataJSON.
    pub fn to_base64url(&self) -> String {
        b64url(self.as_bytes())
    }
}

/// Steps common to both ceremonies over CollectedClientData.
pub(crate) fn check_client_data(
    rp: &RelyingParty,
    c: &CollectedClientData,
    expected: ClientDataType,
    challenge: &Challenge,
) -> Result<()> {
    // §7.1 step 7 / §7.2 step 11: C.type.
    if c.ty != Some(expected) {
        return Err(Error::ClientDataType {
            expected: expected.ceremony(),
        });
    }
    // §7.1 step 8 / §7.2 step 12: C.challenge equals base64url(challenge). Compared
    // as strings, so no lenient decoding can make two encodings equal.
    if !b64url_eq(c.challenge.as_bytes(), challenge.as_bytes()) {
        return Err(Error::Challenge);
    }
    // §7.1 step 9 / §7.2 step 13: C.origin is an expected origin.
    if !rp.origins.matches(&c.origin) {
        return Err(Error::Origin {
            origin: c.origin.to_string(),
        });
    }
    // §7.1 steps 10-11 / §7.2 step 14: crossOrigin only where the RP expects
    // iframes, and topOrigin, when present, must be an expected embedder.
    use crate::origin::OriginError;
    match rp
        .cross_origin
        .check(c.cross_origin, c.top_origin.as_deref())
    {
        Ok(()) => {}
        Err(OriginError::CrossOriginNotAllowed) => return Err(Error::CrossOrigin),
        Err(_) => {
            return Err(Error::TopOrigin {
                top_origin: c.top_origin.as_deref().unwrap_or_default().to_owned(),
            });
        }
    }
    Ok(())
}

/// Whether the UP flag must be set (§7.1 step 14 / §7.2 step 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserPresence {
    /// Every authentication, and every registration not started with
    /// conditional mediation.
    Required,
    /// A registration whose state says it was started with conditional
    /// mediation (`RegistrationOptions::conditional_mediation`).
    NotRequiredForConditionalCreate,
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
    // §7.1 step 13 / §7.2 step 15: rpIdHash.
    if !constant_time_eq(a.rp_id_hash(), expected_rp_id_hash) {
        return Err(Error::RpIdHash);
    }
    let f = a.flags();
    // §7.1 step 14: "If options.mediation is not set to conditional, verify that
    // the UP bit of the flags in authData is set." §7.2 step 16: "Verify that the
    // UP bit of the flags in authData is set.", with no exception.
    if up == UserPresence::Required && !f.user_present() {
        return Err(Error::UserNotPresent);
    }
    // §7.1 step 15 / §7.2 step 17: UV when required.
    if uv == UserVerificationRequirement::Required && !f.user_verified() {
        return Err(Error::UserNotVerified);
    }
    // §7.1 step 16 / §7.2 step 18 (§6.1.3): BS may only be set when BE is.
    if f.backup_state() && !f.backup_eligible() {
        return Err(Error::BackupStateWithoutEligibility);
    }
    // §7.1 step 16 / §7.2 step 18 leave the BE/BS decision to RP policy: apply it
    // at both ceremonies, so a device-bound credential that later becomes backed up
    // is refused at its next sign-in, not only at registration.
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

pub(crate) fn decode_limited(
    data: &crate::json::Base64Url,
    field: Field,
    max: usize,
) -> Result<&[u8]> {
    if data.len() > max {
        return Err(Error::TooLarge {
            field,
            size: data.len(),
            max,
        });
    }
    Ok(data.as_slice())
}

pub(crate) fn check_type_and_id(type_: &str, id: &str, raw_id: &[u8]) -> Result<()> {
    // §7.1 step 3 / §7.2 step 3 (PublicKeyCredential.type).
    if type_ != "public-key" {
        return Err(Error::CredentialType);
    }
    if raw_id.is_empty() {
        return Err(Error::malformed(Field::CredentialId, "empty credential id"));
    }
    // §7.1 step 25 bound, applied to the id the browser reports before any
    // other work (the authData copy is checked again while parsing).
    if raw_id.len() > crate::limits::MAX_CREDENTIAL_ID {
        return Err(Error::CredentialIdTooLong { len: raw_id.len() });
    }
    // `id` is the base64url encoding of `rawId`; a mismatch means the JSON was edited.
    if !b64url_eq(id.as_bytes(), raw_id) {
        return Err(Error::CredentialIdMismatch);
    }
    Ok(())
}

pub(crate) fn check_expiry(expires_at: u64, now: u64) -> Result<()> {
    if now > expires_at {
        Err(Error::StateExpired)
    } else {
        Ok(())
    }
}

/// `encoded == base64url(raw)` (unpadded), without an early exit on content and
/// without building the encoding: `raw` is encoded 48 bytes (64 characters) at a
/// time into a stack buffer and compared piece by piece. Both ceremonies compare
/// the challenge and the credential id this way on every call.
pub(crate) fn b64url_eq(encoded: &[u8], raw: &[u8]) -> bool {
    use base64::Engine;
    const CHUNK: usize = 48;
    // Unpadded length of the encoding: 4 characters per 3 bytes, plus 2 or 3
    // for a trailing 1 or 2 bytes.
    let expected_len = raw.len() / 3 * 4
        + match raw.len() % 3 {
            0 => 0,
            1 => 2,
            _ => 3,
        };
    if encoded.len() != expected_len {
        return false;
    }
    let mut diff = 0u8;
    let mut buf = [0u8; CHUNK / 3 * 4];
    let mut rest = encoded;
    for chunk in raw.chunks(CHUNK) {
        let Ok(n) = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_slice(chunk, &mut buf)
        else {
            return false;
        };
        let (Some(mine), Some((theirs, tail))) = (buf.get(..n), rest.split_at_checked(n)) else {
            return false;
        };
        diff |= mine
            .iter()
            .zip(theirs)
            .fold(0u8, |acc, (x, y)| acc | (x ^ y));
        rest = tail;
    }
    diff == 0 && rest.is_empty()
}

/// Equality without an early exit, for values an attacker may probe byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64url_eq_agrees_with_encoding() {
        for len in 0..200usize {
            let raw: Vec<u8> = (0..len).map(|i| (i * 37 + len) as u8).collect();
            let enc = b64url(&raw);
            assert!(b64url_eq(enc.as_bytes(), &raw), "len {len}");
            // Any one changed character, a missing or an extra one, or padding is refused.
            for i in 0..enc.len() {
                let mut bad = enc.clone().into_bytes();
                bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
                assert!(!b64url_eq(&bad, &raw), "len {len} at {i}");
            }
            assert!(!b64url_eq(&enc.as_bytes()[..enc.len().saturating_sub(1)], &raw) || len == 0);
            assert!(!b64url_eq(format!("{enc}A").as_bytes(), &raw));
            if len % 3 != 0 {
                assert!(!b64url_eq(format!("{enc}=").as_bytes(), &raw));
            }
        }
    }
}
