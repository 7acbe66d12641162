//! The credential lifecycle: a plain value type with its transition rules, kept
//! apart so that the error type (which names states) does not depend on records.

use serde::{Deserialize, Serialize};

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
