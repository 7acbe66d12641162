//! Named presets over the raw ceremony options, and the account-level policies
//! that decide when a password may go.
//!
//! The raw knobs (`residentKey`, `userVerification`, hints) combine into a few
//! deployments that make sense; a [`Profile`] names each one and says when to
//! use it, so a host does not have to re-derive the combinations from the spec.
//!
//! | Profile | residentKey | UV | Sign-in starts with |
//! |---|---|---|---|
//! | [`Passkey`](Profile::Passkey) | required | required | nothing (discoverable, autofill) |
//! | [`SecurityKeySecondFactor`](Profile::SecurityKeySecondFactor) | discouraged | preferred | a verified password |
//! | [`NonDiscoverablePasskey`](Profile::NonDiscoverablePasskey) | discouraged | required | the user's account name |

use crate::ceremony::authentication::AuthenticationOptions;
use crate::ceremony::registration::RegistrationOptions;
use crate::credential::{CredentialRecord, CredentialState};
use crate::extensions::RegistrationExtensions;
use crate::json::{ResidentKeyRequirement, UserVerificationRequirement};
use serde::{Deserialize, Serialize};

/// A named combination of registration and sign-in options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Profile {
    /// A passkey: a discoverable credential with user verification, the only
    /// factor. Use for passwordless, usernameless sign-in: the page calls
    /// `start_authentication(None, ..)` (or conditional mediation / autofill) and
    /// the authenticator tells the RP who the user is. Registration requires
    /// `residentKey` and UV; sign-in requires UV, because possession alone is not
    /// enough when nothing else is checked.
    Passkey,
    /// A security key as a second factor after the password was checked. The
    /// password identified the user, so the credential need not be discoverable
    /// (`residentKey: discouraged` spares the key's limited resident slots) and UV
    /// is only preferred: the password already is the knowledge factor. Sends the
    /// `security-key` hint. Do not let such an account drop its password.
    SecurityKeySecondFactor,
    /// A passkey that is not discoverable: the user types the account name first,
    /// the RP sends that account's credentials in `allowCredentials`, and UV makes
    /// the credential a complete multi-factor sign-in. Use when authenticators
    /// with few resident slots must be supported, or the login page already asks
    /// for an identifier. Pair with
    /// [`Passkeys::start_authentication_for_name`](crate::Passkeys::start_authentication_for_name)
    /// so the name step does not reveal which accounts exist.
    NonDiscoverablePasskey,
}

impl Profile {
    /// The resident-key requirement at registration.
    pub fn resident_key(self) -> ResidentKeyRequirement {
        match self {
            Profile::Passkey => ResidentKeyRequirement::Required,
            Profile::SecurityKeySecondFactor | Profile::NonDiscoverablePasskey => {
                ResidentKeyRequirement::Discouraged
            }
        }
    }

    /// The user-verification requirement, at registration and at sign-in.
    pub fn user_verification(self) -> UserVerificationRequirement {
        match self {
            Profile::Passkey | Profile::NonDiscoverablePasskey => {
                UserVerificationRequirement::Required
            }
            Profile::SecurityKeySecondFactor => UserVerificationRequirement::Preferred,
        }
    }

    /// Whether sign-in starts without naming the user (discoverable credentials).
    pub fn discoverable_sign_in(self) -> bool {
        self == Profile::Passkey
    }

    /// Hints for the browser's UI (§5.4 `hints`).
    pub fn hints(self) -> Vec<String> {
        match self {
            Profile::SecurityKeySecondFactor => vec!["security-key".into()],
            Profile::Passkey | Profile::NonDiscoverablePasskey => Vec::new(),
        }
    }

    /// Options for [`Passkeys::start_registration`](crate::Passkeys::start_registration).
    /// Every profile asks for `credProps`, so the record learns whether the
    /// credential really is discoverable (`residentKey: preferred`-style outcomes
    /// vary by authenticator).
    pub fn registration_options(self) -> RegistrationOptions {
        RegistrationOptions {
            user_verification: Some(self.user_verification()),
            resident_key: Some(self.resident_key()),
            hints: self.hints(),
            extensions: Some(RegistrationExtensions::new().cred_props().build()),
            ..RegistrationOptions::default()
        }
    }

    /// Options for [`Passkeys::start_authentication`](crate::Passkeys::start_authentication).
    pub fn authentication_options(self) -> AuthenticationOptions {
        AuthenticationOptions {
            user_verification: Some(self.user_verification()),
            hints: self.hints(),
            ..AuthenticationOptions::default()
        }
    }
}

/// Per-account sign-in policy, kept by the host (see
/// [`CredentialStore::account_policy`](crate::CredentialStore::account_policy)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AccountPolicy {
    /// The account has no password: every sign-in must carry UV, whatever the
    /// RP default, or the credential alone (possession) would be the only factor.
    pub passkey_only: bool,
}

impl AccountPolicy {
    /// The default policy: passwords allowed, the RP's UV default applies.
    pub fn new() -> Self {
        Self::default()
    }
    /// The policy of an account that signs in with passkeys only.
    pub fn passkey_only() -> Self {
        AccountPolicy { passkey_only: true }
    }
}

/// Whether an account with these credentials may drop its password and become
/// passkey-only.
///
/// Only when at least one **active** credential was registered **with user
/// verification** (`CredentialRecord::user_verified`): such an authenticator is
/// a complete multi-factor sign-in on its own. A UV-less security key is a
/// single possession factor, and a disabled or revoked credential may not be
/// usable at all, so neither counts.
pub fn may_drop_password<'a, I>(credentials: I) -> bool
where
    I: IntoIterator<Item = &'a CredentialRecord>,
{
    credentials
        .into_iter()
        .any(|c| c.state == CredentialState::Active && c.user_verified)
}

/// `options` with user verification required: the sign-in options for a
/// passkey-only account (§7.2 step 17 "Determine whether user verification…"
/// then refuses an assertion without UV).
pub fn passkey_only_authentication(options: &AuthenticationOptions) -> AuthenticationOptions {
    AuthenticationOptions {
        user_verification: Some(UserVerificationRequirement::Required),
        ..options.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_map_to_the_documented_options() {
        let r = Profile::Passkey.registration_options();
        assert_eq!(r.resident_key, Some(ResidentKeyRequirement::Required));
        assert_eq!(
            r.user_verification,
            Some(UserVerificationRequirement::Required)
        );
        assert!(r.extensions.unwrap().contains_key("credProps"));
        let r = Profile::SecurityKeySecondFactor.registration_options();
        assert_eq!(r.resident_key, Some(ResidentKeyRequirement::Discouraged));
        assert_eq!(
            r.user_verification,
            Some(UserVerificationRequirement::Preferred)
        );
        assert_eq!(r.hints, vec!["security-key".to_string()]);
        let a = Profile::NonDiscoverablePasskey.authentication_options();
        assert_eq!(
            a.user_verification,
            Some(UserVerificationRequirement::Required)
        );
        assert!(!Profile::NonDiscoverablePasskey.discoverable_sign_in());
        assert!(Profile::Passkey.discoverable_sign_in());
    }

    #[test]
    fn passkey_only_forces_uv() {
        let base = Profile::SecurityKeySecondFactor.authentication_options();
        let p = passkey_only_authentication(&base);
        assert_eq!(
            p.user_verification,
            Some(UserVerificationRequirement::Required)
        );
        assert_eq!(p.hints, base.hints);
    }
}
