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

/// A user handle (§5.4.3 `user.id`): opaque, 1 to 64 bytes, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Base64Url", into = "Base64Url")]
pub struct UserHandle(Vec<u8>);

impl UserHandle {
    /// Wraps bytes, refusing empty or longer than 64 bytes.
    pub fn new(bytes: Vec<u8>) -> Result<Self> {
        if bytes.is_empty() || bytes.len() > limits::MAX_USER_HANDLE {
            return Err(Error::malformed(
                crate::error::Field::UserHandle,
                "user handle must be 1 to 64 bytes",
            ));
        }
        Ok(UserHandle(bytes))
    }

    /// A fresh random 32-byte handle from the OS random source.
    pub fn random() -> Result<Self> {
        let mut b = vec![0u8; 32];
        getrandom::fill(&mut b).map_err(|_| Error::Random)?;
        Ok(UserHandle(b))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
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
        Base64Url::from(u.0)
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

/// Lifecycle state of a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    /// Usable for sign-in.
    #[default]
    Active,
    /// Temporarily blocked by the user or an admin; may be re-enabled.
    Disabled,
    /// Permanently withdrawn (lost or compromised authenticator).
    Revoked,
    /// Enrollment started but never finished.
    Pending,
}

impl CredentialState {
    /// Whether a credential in this state goes into `excludeCredentials`: active
    /// and disabled ones do (the authenticator still holds a live credential for
    /// this account); revoked and pending ones do not, so a revoked authenticator
    /// can be enrolled again.
    pub fn is_excluded_from_registration(self) -> bool {
        matches!(self, CredentialState::Active | CredentialState::Disabled)
    }

    /// Whether a credential in this state may sign in.
    pub fn can_authenticate(self) -> bool {
        self == CredentialState::Active
    }

    /// Whether a management operation may move a credential from `self` to `to`.
    ///
    /// Active and disabled switch freely (disabling is a reversible block);
    /// anything not yet revoked may be revoked; revocation is permanent, because
    /// it is what a host does when an authenticator is lost or compromised, and a
    /// stolen key must not be one click away from working again. A pending
    /// credential becomes active only by finishing its registration. Staying in
    /// the same state is always allowed (a no-op).
    pub fn can_transition_to(self, to: CredentialState) -> bool {
        use CredentialState::{Active, Disabled, Pending, Revoked};
        self == to
            || matches!(
                (self, to),
                (Active, Disabled) | (Disabled, Active) | (Active | Disabled | Pending, Revoked)
            )
    }
}

/// The longest credential name [`CredentialRecord::set_name`] accepts, in characters.
pub const MAX_CREDENTIAL_NAME_CHARS: usize = 64;

/// What the RP stores per credential (§4 credential record, plus management data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialRecord {
    /// The credential id.
    pub id: Base64Url,
    /// The owning user's handle.
    pub user_handle: UserHandle,
    /// The COSE_Key public key bytes exactly as registered.
    pub public_key: Base64Url,
    /// The key's algorithm.
    pub algorithm: CoseAlgorithm,
    /// The last signature counter seen.
    pub sign_count: u32,
    /// BE at registration (never changes for a credential, §6.1.3).
    pub backup_eligible: bool,
    /// BS as last seen.
    pub backup_state: bool,
    /// Whether UV was performed at registration.
    pub user_verified: bool,
    /// Transports reported at registration.
    pub transports: Vec<AuthenticatorTransport>,
    /// The authenticator's AAGUID.
    pub aaguid: Aaguid,
    /// The attestation statement format.
    pub attestation_format: String,
    /// The attestation type established at registration.
    pub attestation_type: AttestationType,
    /// Whether the client reported a discoverable credential (credProps `rk`).
    pub discoverable: Option<bool>,
    /// Unix seconds of registration.
    pub created_at: u64,
    /// Unix seconds of the last successful sign-in.
    pub last_used_at: Option<u64>,
    /// A user-chosen name ("Work YubiKey").
    pub name: Option<String>,
    /// Lifecycle state.
    pub state: CredentialState,
    /// Unix seconds of the last state change.
    pub state_changed_at: u64,
    /// Set when a counter regression was accepted under the `Warn` policy.
    pub possibly_cloned: bool,
}

impl CredentialRecord {
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
