//! The stored credential record (§4 "credential record"), users, and the
//! exclude-list rule.

use crate::attestation::AttestationType;
use crate::authenticator_data::Aaguid;
use crate::cose::CoseAlgorithm;
use crate::error::{Error, Result};
use crate::json::{
    AuthenticatorTransport, Base64Url, CredentialDescriptorJson, PublicKeyCredentialType,
};
use crate::limits;
use serde::{Deserialize, Serialize};

pub(crate) mod state;
pub use state::CredentialState;

/// A user handle (§5.4.3 `user.id`): opaque, 1 to 64 bytes, never personal data.
///
/// Held inline, not on the heap: every sign-in copies the stored handle into
/// its result and drops the one in its ceremony state, and that allocation and
/// the two frees took an ES256 sign-in's overhead beyond its signature check
/// from 1.48 % to 1.60 % (benches/README.md). Equality, order and hash are
/// those of the bytes.
#[derive(Clone, Serialize, Deserialize)]
#[serde(try_from = "Base64Url", into = "Base64Url")]
pub struct UserHandle {
    /// 1 to [`limits::MAX_USER_HANDLE`], checked by every constructor.
    len: u8,
    bytes: [u8; limits::MAX_USER_HANDLE],
}

impl UserHandle {
    /// Wraps bytes, refusing empty or longer than 64 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self> {
        Self::from_slice(&bytes)
    }

    /// The same check as [`UserHandle::new`], from borrowed bytes.
    fn from_slice(bytes: &[u8]) -> Result<Self> {
        let out_of_bounds = || {
            Error::malformed(
                crate::error::Field::UserHandle,
                "user handle must be 1 to 64 bytes",
            )
        };
        let len = u8::try_from(bytes.len()).map_err(|_| out_of_bounds())?;
        let mut inline = [0u8; limits::MAX_USER_HANDLE];
        match inline.get_mut(..bytes.len()) {
            Some(dst) if !bytes.is_empty() => dst.copy_from_slice(bytes),
            _ => return Err(out_of_bounds()),
        }
        Ok(UserHandle { len, bytes: inline })
    }

    /// A fresh random 32-byte handle from the OS random source.
    pub fn random() -> Result<Self> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|_| Error::Random)?;
        Self::from_slice(&b)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        // `len` is at most the array's length (every constructor checks);
        // `get` keeps a mistake from becoming a panic.
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl PartialEq for UserHandle {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for UserHandle {}

impl PartialOrd for UserHandle {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for UserHandle {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl std::hash::Hash for UserHandle {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state)
    }
}

impl std::fmt::Debug for UserHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("UserHandle").field(&self.as_bytes()).finish()
    }
}

/// The base64url form (unpadded URL-safe alphabet), the same text as its serde
/// form and the browser's `userHandle`: what a host puts in a session cookie or
/// a URL.
impl std::fmt::Display for UserHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::json::b64url(self.as_bytes()))
    }
}

/// Parses the [`Display`](std::fmt::Display) form: unpadded base64url of 1 to
/// 64 bytes; anything else is [`Error::Malformed`].
impl std::str::FromStr for UserHandle {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        // Bounded before decoding: 64 bytes are 86 base64url characters.
        if s.len() > 86 {
            return Err(Error::malformed(
                crate::error::Field::UserHandle,
                "user handle must be 1 to 64 bytes",
            ));
        }
        let bytes = crate::json::b64url_decode(s).ok_or(Error::malformed(
            crate::error::Field::UserHandle,
            "user handle is not unpadded base64url",
        ))?;
        UserHandle::new(bytes)
    }
}

impl TryFrom<Base64Url> for UserHandle {
    type Error = Error;
    fn try_from(v: Base64Url) -> Result<Self> {
        UserHandle::new(v.into())
    }
}

impl From<UserHandle> for Base64Url {
    fn from(u: UserHandle) -> Self {
        Base64Url::from(u.as_bytes().to_vec())
    }
}

/// A user account as the RP shows it to the authenticator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// The user handle.
    pub handle: UserHandle,
    /// The account name (user name or e-mail).
    pub name: String,
    /// A friendly display name.
    pub display_name: String,
}

pub(crate) use crate::limits::MAX_CREDENTIAL_NAME_CHARS;

/// What the RP stores per credential (§4 credential record, plus management data).
///
/// Only two things make one: a verified registration
/// ([`VerifiedRegistration::record`](crate::VerifiedRegistration::record)), and
/// deserializing one the host stored earlier (serde, e.g. from a JSON column).
/// The fields registration binds (id, user, key, algorithm, AAGUID, backup
/// eligibility, attestation) can only be read; the name and lifecycle state change
/// through the validated setters below, and the counter, backup state and
/// last use through a verified sign-in's [`CredentialUpdate`](crate::CredentialUpdate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// The credential id.
    pub(crate) id: Base64Url,
    /// The owning user's handle.
    pub(crate) user_handle: UserHandle,
    /// The COSE_Key public key bytes exactly as registered.
    pub(crate) public_key: Base64Url,
    /// The key's algorithm.
    pub(crate) algorithm: CoseAlgorithm,
    /// The last signature counter seen.
    pub(crate) sign_count: u32,
    /// BE at registration (never changes for a credential, §6.1.3).
    pub(crate) backup_eligible: bool,
    /// BS as last seen.
    pub(crate) backup_state: bool,
    /// Whether UV was performed at registration.
    pub(crate) user_verified: bool,
    /// Transports reported at registration.
    pub(crate) transports: Vec<AuthenticatorTransport>,
    /// The authenticator's AAGUID.
    pub(crate) aaguid: Aaguid,
    /// The attestation statement format.
    pub(crate) attestation_format: String,
    /// The attestation type established at registration.
    pub(crate) attestation_type: AttestationType,
    /// Whether the client reported a discoverable credential (credProps `rk`).
    pub(crate) discoverable: Option<bool>,
    /// Unix seconds of registration.
    pub(crate) created_at: u64,
    /// Unix seconds of the last successful sign-in.
    pub(crate) last_used_at: Option<u64>,
    /// A user-chosen name ("Work YubiKey").
    pub(crate) name: Option<String>,
    /// Lifecycle state.
    pub(crate) state: CredentialState,
    /// Unix seconds of the last state change.
    pub(crate) state_changed_at: u64,
    /// Set when a counter regression was accepted under the `Warn` policy.
    pub(crate) possibly_cloned: bool,
}

impl CredentialRecord {
    /// The owning user's handle.
    pub fn user_handle(&self) -> &UserHandle {
        &self.user_handle
    }

    /// The COSE_Key public key bytes exactly as registered.
    pub fn public_key(&self) -> &[u8] {
        self.public_key.as_slice()
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> CoseAlgorithm {
        self.algorithm
    }

    /// The last signature counter seen.
    pub fn sign_count(&self) -> u32 {
        self.sign_count
    }

    /// BE at registration (never changes for a credential, §6.1.3).
    pub fn backup_eligible(&self) -> bool {
        self.backup_eligible
    }

    /// BS as last seen.
    pub fn backup_state(&self) -> bool {
        self.backup_state
    }

    /// Whether UV was performed at registration.
    pub fn user_verified(&self) -> bool {
        self.user_verified
    }

    /// Transports reported at registration.
    pub fn transports(&self) -> &[AuthenticatorTransport] {
        &self.transports
    }

    /// The authenticator's AAGUID.
    pub fn aaguid(&self) -> Aaguid {
        self.aaguid
    }

    /// The attestation statement format.
    pub fn attestation_format(&self) -> &str {
        &self.attestation_format
    }

    /// The attestation type established at registration.
    pub fn attestation_type(&self) -> AttestationType {
        self.attestation_type
    }

    /// Whether the client reported a discoverable credential (credProps `rk`).
    pub fn discoverable(&self) -> Option<bool> {
        self.discoverable
    }

    /// Unix seconds of registration.
    pub fn created_at(&self) -> u64 {
        self.created_at
    }

    /// Unix seconds of the last successful sign-in.
    pub fn last_used_at(&self) -> Option<u64> {
        self.last_used_at
    }

    /// A user-chosen name ("Work YubiKey").
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Lifecycle state.
    pub fn state(&self) -> CredentialState {
        self.state
    }

    /// Unix seconds of the last state change.
    pub fn state_changed_at(&self) -> u64 {
        self.state_changed_at
    }

    /// Set when a counter regression was accepted under the `Warn` policy.
    pub fn possibly_cloned(&self) -> bool {
        self.possibly_cloned
    }
    /// The credential id bytes.
    pub fn id(&self) -> &[u8] {
        self.id.as_slice()
    }

    /// Moves the credential to lifecycle state `to` at `now` (Unix seconds),
    /// stamping `state_changed_at`. Returns whether the state changed (staying in
    /// the same state is a no-op that keeps the old timestamp); refuses what
    /// [`CredentialState::can_transition_to`] refuses.
    pub fn set_state(&mut self, to: CredentialState, now: u64) -> Result<bool> {
        if self.state == to {
            return Ok(false);
        }
        if !self.state.can_transition_to(to) {
            return Err(Error::InvalidStateTransition {
                from: self.state,
                to,
            });
        }
        self.state = to;
        self.state_changed_at = now;
        Ok(true)
    }

    /// Sets the user-chosen name. Surrounding whitespace is trimmed and an empty
    /// name clears it; names longer than [`MAX_CREDENTIAL_NAME_CHARS`] or holding
    /// control characters are refused (they end up in management pages and logs).
    pub fn set_name(&mut self, name: Option<&str>) -> Result<()> {
        let name = name.map(str::trim).filter(|n| !n.is_empty());
        if let Some(n) = name {
            if n.chars().count() > MAX_CREDENTIAL_NAME_CHARS {
                return Err(Error::malformed(
                    crate::error::Field::CredentialName,
                    "longer than 64 characters",
                ));
            }
            if n.chars().any(char::is_control) {
                return Err(Error::malformed(
                    crate::error::Field::CredentialName,
                    "contains control characters",
                ));
            }
        }
        self.name = name.map(str::to_owned);
        Ok(())
    }

    /// The descriptor used in excludeCredentials / allowCredentials.
    pub fn descriptor(&self) -> CredentialDescriptorJson {
        CredentialDescriptorJson {
            type_: PublicKeyCredentialType::PublicKey,
            id: self.id.clone(),
            transports: self.transports.clone(),
        }
    }
}

/// excludeCredentials for a user's credentials: active and disabled in, revoked
/// and pending out (§5.4 `excludeCredentials`; the server-side twin is the
/// duplicate-id check in [`Passkeys::finish_registration`](crate::Passkeys::finish_registration)).
pub fn exclude_list<'a, I: IntoIterator<Item = &'a CredentialRecord>>(
    credentials: I,
) -> Vec<CredentialDescriptorJson> {
    credentials
        .into_iter()
        .filter(|c| c.state.is_excluded_from_registration())
        .map(CredentialRecord::descriptor)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_handle_string_form_is_base64url_and_round_trips() {
        let h = UserHandle::new(vec![0xfb, 0xff, 0x01]).unwrap();
        assert_eq!(h.to_string(), "-_8B");
        assert_eq!("-_8B".parse::<UserHandle>().unwrap(), h);
        // The same text as the serde form.
        assert_eq!(serde_json::to_string(&h).unwrap(), "\"-_8B\"");
        let long = UserHandle::new(vec![7; 64]).unwrap();
        assert_eq!(long.to_string().parse::<UserHandle>().unwrap(), long);
        let too_long = crate::json::b64url(&[7; 65]);
        for bad in [
            "",
            "+/8B",
            "-_8B=",
            "AQ==",
            "not base64!",
            too_long.as_str(),
        ] {
            assert!(bad.parse::<UserHandle>().is_err(), "{bad:?}");
        }
    }

    /// The handle is held in a fixed array: a shorter handle whose bytes are
    /// a prefix of a longer one's, padded with the zeros the array holds
    /// anyway, is still another handle, and equality, order, hash and
    /// `Debug` are all those of the bytes alone.
    #[test]
    fn inline_user_handles_compare_hash_and_print_by_their_bytes_alone() {
        use std::hash::{BuildHasher, RandomState};
        let short = UserHandle::new(vec![1]).unwrap();
        let padded = UserHandle::new(vec![1, 0]).unwrap();
        assert_ne!(short, padded);
        assert!(short < padded);
        assert_eq!(short.cmp(&padded), [1u8][..].cmp(&[1u8, 0][..]));
        assert_eq!(
            UserHandle::new(vec![2]).unwrap().cmp(&padded),
            std::cmp::Ordering::Greater
        );
        let hasher = RandomState::new();
        assert_eq!(hasher.hash_one(&short), hasher.hash_one([1u8].as_slice()));
        assert_ne!(hasher.hash_one(&short), hasher.hash_one(&padded));
        assert_eq!(short, UserHandle::new(vec![1]).unwrap());
        assert_eq!(format!("{padded:?}"), "UserHandle([1, 0])");
        assert_eq!(short.as_bytes(), [1]);
        assert_eq!(padded.as_bytes(), [1, 0]);
        // The bounds: 1 to 64 bytes, as before.
        assert!(UserHandle::new(Vec::new()).is_err());
        assert!(UserHandle::new(vec![9; 65]).is_err());
        assert!(UserHandle::new(vec![9; 256]).is_err());
        assert_eq!(UserHandle::new(vec![9; 64]).unwrap().as_bytes(), [9; 64]);
        assert_eq!(UserHandle::random().unwrap().as_bytes().len(), 32);
        assert_eq!(
            Base64Url::from(padded.clone()).as_slice(),
            padded.as_bytes()
        );
    }
}
