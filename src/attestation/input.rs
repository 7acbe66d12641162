//! What every format verifier is given: the parsed authenticator data, the
//! client data hash and the time certificates must be valid at.

use crate::authenticator_data::AuthenticatorData;

/// Everything a format verifier needs.
pub struct VerificationInput<'a> {
    /// The parsed authenticator data.
    pub auth_data: &'a AuthenticatorData<'a>,
    /// SHA-256 of clientDataJSON.
    pub client_data_hash: &'a [u8; 32],
    /// Unix seconds at which certificates must be valid.
    pub now: u64,
}
