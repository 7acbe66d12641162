//! Credential management for a host's account-settings page: list, rename,
//! disable, re-enable, revoke and delete a user's credentials, plus
//! human-readable authenticator names from AAGUIDs.
//!
//! Every operation takes the user the request is authenticated as and checks
//! the credential belongs to them ([`Error::CredentialNotOwned`] otherwise, and
//! [`Error::UnknownCredential`] for an id that does not exist), so a host cannot
//! forget the ownership check that keeps one user from touching another's keys.
//!
//! Lifecycle (see [`CredentialState::can_transition_to`]):
//!
//! ```text
//!   Active ⇄ Disabled ──┐
//!     │                 ├─► Revoked (permanent)     any ─► deleted
//!   Pending ────────────┘
//! ```
//!
//! Disabled credentials cannot sign in but stay in excludeCredentials (the
//! authenticator still holds them) and count towards the registration limit;
//! revoked ones can neither sign in nor block the authenticator from enrolling
//! again.

use crate::authenticator_data::Aaguid;
use crate::ceremony::challenge::unix_now;
use crate::credential::{CredentialRecord, CredentialState, UserHandle};
use crate::error::{Error, Result};
use crate::json::{AuthenticatorTransport, Base64Url};
use crate::passkeys::Passkeys;
use crate::passkeys::signal::{AllAcceptedCredentialsOptions, CurrentUserDetailsOptions};
use crate::profile::may_drop_password;
use crate::store::{CredentialStore, RemovalGuard};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Human-readable authenticator names by AAGUID, for management pages
/// ("iCloud Keychain", "YubiKey 5 Series").
///
/// Names are for display only: an AAGUID is self-reported by the authenticator
/// and, without verified attestation, proves nothing about its make. The
/// built-in table covers a few providers whose AAGUIDs are published in the
/// community passkey AAGUID list; a host can load that whole list (or FIDO MDS
/// names) with [`load_json`](Self::load_json).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthenticatorNames {
    names: HashMap<Aaguid, String>,
}

/// (AAGUID, name) pairs shipped with the crate.
const BUILTIN: &[(&str, &str)] = &[
    (
        "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
        "Google Password Manager",
    ),
    ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
    ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
    ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
    ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
    ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
    ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
    ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
    ("cb69481e-8ff7-4039-93ec-0a2729a154a8", "YubiKey 5 Series"),
    ("ee882879-721c-4913-9775-3dfcce97072a", "YubiKey 5 Series"),
    ("fa2b99dc-9e39-4257-8f92-4a30d23c4118", "YubiKey 5 Series"),
    ("2fc0579f-8113-47ea-b116-bb5a8db9202a", "YubiKey 5 Series"),
];

impl AuthenticatorNames {
    /// An empty table.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The built-in table of well-known AAGUIDs.
    pub fn builtin() -> Self {
        let mut t = Self::empty();
        for (aaguid, name) in BUILTIN {
            if let Some(a) = Aaguid::parse(aaguid) {
                t.insert(a, *name);
            }
        }
        t
    }

    /// Adds or replaces a name.
    pub fn insert(&mut self, aaguid: Aaguid, name: impl Into<String>) {
        self.names.insert(aaguid, name.into());
    }

    /// The name for `aaguid`; never a name for the all-zero AAGUID, which
    /// many different authenticators report.
    pub fn get(&self, aaguid: &Aaguid) -> Option<&str> {
        if *aaguid == Aaguid::ZERO {
            return None;
        }
        self.names.get(aaguid).map(String::as_str)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Merges names from JSON: an object keyed by hyphenated AAGUID whose values
    /// are either a name string or an object with a `name` member (the shape of
    /// the community `aaguid.json` / `combined_aaguid.json` files; other members
    /// such as icons are ignored). Entries that do not fit are skipped; returns
    /// how many were added. Fails only if the text is not a JSON object.
    pub fn load_json(&mut self, json: &str) -> Result<usize> {
        let v: serde_json::Value = serde_json::from_str(json)
            .map_err(|_| Error::Config("authenticator names: not JSON".into()))?;
        let obj = v
            .as_object()
            .ok_or_else(|| Error::Config("authenticator names: not a JSON object".into()))?;
        let mut added = 0;
        for (k, v) in obj {
            let name = v
                .as_str()
                .or_else(|| v.get("name").and_then(serde_json::Value::as_str));
            if let (Some(a), Some(n)) = (Aaguid::parse(k), name) {
                self.insert(a, n);
                added += 1;
            }
        }
        Ok(added)
    }
}

/// One row of a credential-management page: everything about a credential a
/// user may see, without key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSummary {
    /// The credential id (base64url in JSON), the handle for management calls.
    pub id: Base64Url,
    /// The user-chosen name.
    pub name: Option<String>,
    /// The authenticator's name from its AAGUID, if known.
    pub authenticator_name: Option<String>,
    /// The AAGUID.
    pub aaguid: Aaguid,
    /// Lifecycle state.
    pub state: CredentialState,
    /// Unix seconds of registration.
    pub created_at: u64,
    /// Unix seconds of the last successful sign-in.
    pub last_used_at: Option<u64>,
    /// Unix seconds of the last state change.
    pub state_changed_at: u64,
    /// Whether the credential may be synced (BE).
    pub backup_eligible: bool,
    /// Whether it was backed up when last seen (BS).
    pub backed_up: bool,
    /// Whether UV was performed at registration.
    pub user_verified: bool,
    /// Whether the credential is discoverable, if the client said (credProps).
    pub discoverable: Option<bool>,
    /// Reported transports.
    pub transports: Vec<AuthenticatorTransport>,
    /// Whether a counter regression was accepted under the `Warn` policy.
    pub possibly_cloned: bool,
}

impl CredentialSummary {
    /// The summary of `record`, naming its authenticator from `names`.
    pub fn new(record: &CredentialRecord, names: &AuthenticatorNames) -> Self {
        CredentialSummary {
            id: record.id.clone(),
            name: record.name.clone(),
            authenticator_name: names.get(&record.aaguid).map(str::to_owned),
            aaguid: record.aaguid,
            state: record.state,
            created_at: record.created_at,
            last_used_at: record.last_used_at,
            state_changed_at: record.state_changed_at,
            backup_eligible: record.backup_eligible,
            backed_up: record.backup_state,
            user_verified: record.user_verified,
            discoverable: record.discoverable,
            transports: record.transports.clone(),
            possibly_cloned: record.possibly_cloned,
        }
    }
}

impl<S: CredentialStore> Passkeys<S> {
    /// Replaces the AAGUID-to-name table (default: [`AuthenticatorNames::builtin`]).
    #[must_use]
    pub fn with_authenticator_names(mut self, names: AuthenticatorNames) -> Self {
        self.authenticator_names = names;
        self
    }

    /// The AAGUID-to-name table.
    pub fn authenticator_names(&self) -> &AuthenticatorNames {
        &self.authenticator_names
    }

    /// The user's credentials for a management page, oldest first. Pending ones
    /// (enrolment never finished) are left out; revoked ones are listed, so the
    /// page can show history, with their state.
    pub async fn list_credentials(&self, user: &UserHandle) -> Result<Vec<CredentialSummary>> {
        Ok(self
            .store()
            .credentials_for_user(user)
            .await?
            .iter()
            .filter(|c| c.state != CredentialState::Pending)
            .map(|c| CredentialSummary::new(c, &self.authenticator_names))
            .collect())
    }

    /// The credential `id`, if it belongs to `user`.
    pub async fn owned_credential(&self, user: &UserHandle, id: &[u8]) -> Result<CredentialRecord> {
        let record = self
            .store()
            .credential_by_id(id)
            .await?
            .ok_or(Error::UnknownCredential)?;
        if record.user_handle != *user {
            return Err(Error::CredentialNotOwned);
        }
        Ok(record)
    }

    /// Renames a credential (`None` or blank clears the name; see
    /// [`CredentialRecord::set_name`] for what is refused).
    pub async fn rename_credential(
        &self,
        user: &UserHandle,
        id: &[u8],
        name: Option<&str>,
    ) -> Result<CredentialRecord> {
        let mut record = self.owned_credential(user, id).await?;
        record.set_name(name)?;
        // Only the name is written: writing the whole record back would undo a
        // revocation, a sign-in's counter or the clone flag that landed since
        // the read above.
        if !self
            .store()
            .set_credential_name(record.id(), record.name.as_deref())
            .await?
        {
            return Err(Error::UnknownCredential);
        }
        self.owned_credential(user, id).await
    }

    /// Blocks a credential from signing in, reversibly (Active → Disabled).
    /// Refused with [`Error::LastWayIn`] for a passkey-only account's last
    /// active, user-verifying credential.
    pub async fn disable_credential(
        &self,
        user: &UserHandle,
        id: &[u8],
    ) -> Result<CredentialRecord> {
        self.move_credential_to(user, id, CredentialState::Disabled)
            .await
    }

    /// Lets a disabled credential sign in again (Disabled → Active). A revoked
    /// credential cannot be re-enabled ([`Error::InvalidStateTransition`]).
    pub async fn enable_credential(
        &self,
        user: &UserHandle,
        id: &[u8],
    ) -> Result<CredentialRecord> {
        self.move_credential_to(user, id, CredentialState::Active)
            .await
    }

    /// Withdraws a credential for good (lost or compromised authenticator). It can
    /// never sign in again, leaves excludeCredentials (so the authenticator may
    /// enrol anew) and stops counting towards the registration limit. Refused
    /// with [`Error::LastWayIn`] for a passkey-only account's last active,
    /// user-verifying credential.
    pub async fn revoke_credential(
        &self,
        user: &UserHandle,
        id: &[u8],
    ) -> Result<CredentialRecord> {
        let record = self
            .move_credential_to(user, id, CredentialState::Revoked)
            .await?;
        // A revoked key never verifies again: free its cache entry.
        self.keys.forget(record.id());
        Ok(record)
    }

    /// Deletes a credential record. Prefer [`revoke_credential`](Self::revoke_credential)
    /// where an audit trail matters; after either, send
    /// [`signal_all_accepted_credentials`](Self::signal_all_accepted_credentials)
    /// so the user's passkey provider can drop it too.
    ///
    /// A passkey-only account keeps its last active, user-verifying credential:
    /// deleting it fails with [`Error::LastWayIn`], decided by the store in the
    /// same atomic step as the delete ([`RemovalGuard::KeepLastWayIn`]).
    pub async fn delete_credential(&self, user: &UserHandle, id: &[u8]) -> Result<()> {
        self.delete_credential_guarded(user, id, RemovalGuard::KeepLastWayIn)
            .await
    }

    /// [`delete_credential`](Self::delete_credential) with the rule the store
    /// enforces in the same atomic step as the delete. A host that keeps other
    /// ways in itself (passwords in its own tables) passes
    /// [`RemovalGuard::KeepLastActive`] for an account that has none of them:
    /// of two sessions removing its last two passkeys at once, one gets
    /// [`Error::LastWayIn`] instead of both succeeding (a read-then-delete
    /// check in the host cannot promise that).
    pub async fn delete_credential_guarded(
        &self,
        user: &UserHandle,
        id: &[u8],
        guard: RemovalGuard,
    ) -> Result<()> {
        let record = self.owned_credential(user, id).await?;
        if self.store().delete_credential(record.id(), guard).await? {
            self.keys.forget(record.id());
            Ok(())
        } else {
            Err(Error::UnknownCredential)
        }
    }

    /// Moves a credential to `to` by compare-and-set on its stored state: the
    /// transition is decided on the state read, and written only if that is
    /// still the stored state. If another change landed in between, the
    /// decision is made again on the new state, so a revocation that landed
    /// first makes a racing enable fail instead of being overwritten.
    async fn move_credential_to(
        &self,
        user: &UserHandle,
        id: &[u8],
        to: CredentialState,
    ) -> Result<CredentialRecord> {
        // Each lost race means another state change landed; the lifecycle graph
        // allows only a few in a row before the state is final (revoked).
        const ATTEMPTS: usize = 4;
        for _ in 0..ATTEMPTS {
            let mut record = self.owned_credential(user, id).await?;
            let from = record.state;
            let now = unix_now();
            if !record.set_state(to, now)? {
                return Ok(record);
            }
            // Taking a credential out of use (disable, revoke) must not take a
            // passkey-only account's last way in; turning one on needs no guard.
            let guard = if to == CredentialState::Active {
                RemovalGuard::Unguarded
            } else {
                RemovalGuard::KeepLastWayIn
            };
            if self
                .store()
                .set_credential_state(record.id(), from, to, now, guard)
                .await?
            {
                return Ok(record);
            }
        }
        Err(Error::Storage(
            "credential state changed concurrently too many times".into(),
        ))
    }

    /// Whether the user may drop their password (see [`may_drop_password`]).
    pub async fn may_drop_password(&self, user: &UserHandle) -> Result<bool> {
        Ok(may_drop_password(
            &self.store().credentials_for_user(user).await?,
        ))
    }

    /// The `signalAllAcceptedCredentials` payload for `user` (WebAuthn L3 §5.1.10).
    pub async fn signal_all_accepted_credentials(
        &self,
        user: &UserHandle,
    ) -> Result<AllAcceptedCredentialsOptions> {
        let creds = self.store().credentials_for_user(user).await?;
        Ok(AllAcceptedCredentialsOptions::new(
            self.relying_party(),
            user,
            &creds,
        ))
    }

    /// The `signalCurrentUserDetails` payload for `user` (WebAuthn L3 §5.1.10).
    pub async fn signal_current_user_details(
        &self,
        user: &UserHandle,
    ) -> Result<CurrentUserDetailsOptions> {
        let u = self
            .store()
            .user_by_handle(user)
            .await?
            .ok_or_else(|| Error::Storage("unknown user".into()))?;
        Ok(CurrentUserDetailsOptions::new(self.relying_party(), &u))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_names_parse_and_zero_has_none() {
        let t = AuthenticatorNames::builtin();
        assert_eq!(t.len(), BUILTIN.len());
        let icloud = Aaguid::parse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd").unwrap();
        assert_eq!(t.get(&icloud), Some("iCloud Keychain"));
        assert_eq!(t.get(&Aaguid::ZERO), None);
    }

    #[test]
    fn load_json_accepts_both_shapes() {
        let mut t = AuthenticatorNames::empty();
        let n = t
            .load_json(
                r#"{"00000000-0000-0000-0000-000000000001": {"name": "A", "icon_dark": "x"},
                    "00000000-0000-0000-0000-000000000002": "B",
                    "not-an-aaguid": "C",
                    "00000000-0000-0000-0000-000000000003": 5}"#,
            )
            .unwrap();
        assert_eq!(n, 2);
        assert_eq!(
            t.get(&Aaguid::parse("00000000-0000-0000-0000-000000000002").unwrap()),
            Some("B")
        );
        assert!(t.load_json("[1]").is_err());
        assert!(t.load_json("{").is_err());
    }
}
