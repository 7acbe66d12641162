//! Sans-IO escape hatches: the ceremonies with a caller-supplied challenge and
//! clock, and assertion verification with a caller-cached key.
//!
//! Everything here moves a guarantee from the library to the caller: that a
//! challenge is fresh and random, that the clock is right, that a state is
//! finished once (a state is consumed by `finish`, but a serialized copy can be
//! restored twice unless the caller's storage takes it once), and that the
//! response belongs to the session the state was made for. Use
//! [`Passkeys`](crate::Passkeys) unless you are writing a conformance runner, a
//! test, or your own service layer.
//!
//! The states are not `Clone`; [`RegistrationState::into_bytes`] and
//! [`RegistrationState::from_bytes`] (and the same on [`AuthenticationState`])
//! are the explicit way to keep one between `start` and `finish`.

use crate::ceremony::authentication::{
    AuthenticationOptions, AuthenticationResponse, VerifiedAuthentication,
};
use crate::ceremony::registration::{
    RegistrationOptions, RegistrationResponse, VerifiedRegistration,
};
use crate::config::RelyingParty;
use crate::credential::{CredentialRecord, User, UserHandle};
use crate::error::Result;
use crate::json::{CreationOptionsJson, RequestOptionsJson};

pub use crate::ceremony::authentication::{AuthenticationState, CachedKey};
pub use crate::ceremony::challenge::{Challenge, unix_now};
pub use crate::ceremony::registration::RegistrationState;

/// [`RelyingParty::start_registration`] with the challenge and the time (Unix
/// seconds) supplied: `existing` are the user's credentials, for
/// `excludeCredentials`. The challenge must be at least 16 random bytes in
/// production (§13.4.3).
pub fn start_registration_with(
    rp: &RelyingParty,
    user: &User,
    existing: &[CredentialRecord],
    options: &RegistrationOptions,
    challenge: Challenge,
    now: u64,
) -> Result<(CreationOptionsJson, RegistrationState)> {
    rp.start_registration_with(user, existing, options, challenge, now)
}

/// [`RelyingParty::finish_registration`] at time `now` (Unix seconds).
pub fn finish_registration_at(
    rp: &RelyingParty,
    state: RegistrationState,
    response: &RegistrationResponse,
    now: u64,
) -> Result<VerifiedRegistration> {
    rp.finish_registration_at(state, response, now)
}

/// [`RelyingParty::start_authentication`] with the challenge and the time
/// supplied. With `user`, allowCredentials lists that user's usable credentials.
pub fn start_authentication_with(
    rp: &RelyingParty,
    user: Option<(&UserHandle, &[CredentialRecord])>,
    options: &AuthenticationOptions,
    challenge: Challenge,
    now: u64,
) -> Result<(RequestOptionsJson, AuthenticationState)> {
    rp.start_authentication_with(user, options, challenge, now)
}

/// [`RelyingParty::finish_authentication`] at time `now` (Unix seconds).
pub fn finish_authentication_at(
    rp: &RelyingParty,
    state: AuthenticationState,
    response: &AuthenticationResponse,
    credential: &CredentialRecord,
    now: u64,
) -> Result<VerifiedAuthentication> {
    rp.finish_authentication_at(state, response, credential, now)
}

/// The §7.2 steps with a key parsed once and cached by the caller
/// ([`CachedKey::for_record`]). Refused with
/// [`Error::CachedKeyMismatch`](crate::Error::CachedKeyMismatch) when `key` was
/// not parsed from `credential` (its id and key bytes).
pub fn verify_assertion(
    rp: &RelyingParty,
    state: AuthenticationState,
    response: &AuthenticationResponse,
    credential: &CredentialRecord,
    key: &CachedKey,
    now: u64,
) -> Result<VerifiedAuthentication> {
    rp.verify_assertion(state, response, credential, key, now)
}
