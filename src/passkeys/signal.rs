//! Payloads for the Signal API (WebAuthn L3 §5.1.10): JSON objects the host
//! hands to `PublicKeyCredential.signalUnknownCredential()`,
//! `signalAllAcceptedCredentials()` and `signalCurrentUserDetails()` in the
//! browser, so passkey providers can hide deleted credentials and update the
//! names they show.
//!
//! Field names are exactly the spec's dictionaries (`UnknownCredentialOptions`,
//! `AllAcceptedCredentialsOptions`, `CurrentUserDetailsOptions`); binary values
//! are base64url without padding, as the browser expects.
//!
//! When to send them:
//! - unknown credential: after a discoverable sign-in fails with
//!   [`Error::UnknownCredential`](crate::Error::UnknownCredential) because the
//!   credential was deleted server side. Do not send it from the name-first
//!   flow's unknown-account path, or it would confirm that the account does not
//!   exist.
//! - all accepted credentials: after a signed-in user deletes or revokes a
//!   credential, and on sign-in, so providers drop what the RP no longer accepts.
//! - current user details: after the user changes name or display name.

use crate::config::RelyingParty;
use crate::credential::{CredentialRecord, User, UserHandle};
use crate::json::Base64Url;
use serde::{Deserialize, Serialize};

/// `UnknownCredentialOptions` for `PublicKeyCredential.signalUnknownCredential()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnknownCredentialOptions {
    /// The RP ID.
    pub rp_id: String,
    /// The credential id the RP does not recognize.
    pub credential_id: Base64Url,
}

impl UnknownCredentialOptions {
    /// The signal for `credential_id` (as presented in a failed sign-in).
    pub fn new(rp: &RelyingParty, credential_id: &[u8]) -> Self {
        UnknownCredentialOptions {
            rp_id: rp.rp_id().to_owned(),
            credential_id: Base64Url::from(credential_id.to_vec()),
        }
    }
}

/// `AllAcceptedCredentialsOptions` for
/// `PublicKeyCredential.signalAllAcceptedCredentials()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllAcceptedCredentialsOptions {
    /// The RP ID.
    pub rp_id: String,
    /// The user handle.
    pub user_id: Base64Url,
    /// Every credential id the RP still accepts for this user.
    pub all_accepted_credential_ids: Vec<Base64Url>,
}

impl AllAcceptedCredentialsOptions {
    /// The signal for `user` over all of that user's `credentials`.
    ///
    /// Active **and disabled** credentials are listed: providers may delete
    /// credentials missing from the list, and a disabled credential can still be
    /// re-enabled, so it must survive on the authenticator. Revoked and pending
    /// ones are left out. Records of other users are ignored.
    pub fn new<'a, I>(rp: &RelyingParty, user: &UserHandle, credentials: I) -> Self
    where
        I: IntoIterator<Item = &'a CredentialRecord>,
    {
        AllAcceptedCredentialsOptions {
            rp_id: rp.rp_id().to_owned(),
            user_id: Base64Url::from(user.as_bytes().to_vec()),
            all_accepted_credential_ids: credentials
                .into_iter()
                .filter(|c| c.user_handle == *user && c.state.is_excluded_from_registration())
                .map(|c| c.id.clone())
                .collect(),
        }
    }
}

/// `CurrentUserDetailsOptions` for `PublicKeyCredential.signalCurrentUserDetails()`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrentUserDetailsOptions {
    /// The RP ID.
    pub rp_id: String,
    /// The user handle.
    pub user_id: Base64Url,
    /// The account name.
    pub name: String,
    /// The display name.
    pub display_name: String,
}

impl CurrentUserDetailsOptions {
    /// The signal for `user`'s current names.
    pub fn new(rp: &RelyingParty, user: &User) -> Self {
        CurrentUserDetailsOptions {
            rp_id: rp.rp_id().to_owned(),
            user_id: Base64Url::from(user.handle.as_bytes().to_vec()),
            name: user.name.clone(),
            display_name: user.display_name.clone(),
        }
    }
}
