//! The edge: the storage trait a host implements (the in-memory store is in
//! `memory_store`), and
//! [`Passkeys`], the thin async service that ties ceremonies to a store (look up
//! credentials, take the ceremony state once, apply updates with compare-and-set).

use crate::ceremony::authentication::CredentialUpdate;
use crate::ceremony::registration::VerifiedRegistration;
use crate::credential::{CredentialRecord, CredentialState, User, UserHandle};
use crate::error::Result;
use crate::profile::{AccountPolicy, may_drop_password};
use std::future::Future;

/// Storage the host implements. Every method is async so hosts can use any
/// database; implementations must be safe to call concurrently.
pub trait CredentialStore: Send + Sync {
    /// A user by handle.
    fn user_by_handle(
        &self,
        handle: &UserHandle,
    ) -> impl Future<Output = Result<Option<User>>> + Send;
    /// A user by account name.
    fn user_by_name(&self, name: &str) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Inserts a user without a credential (an account that signs in another
    /// way, e.g. with a password); fails with
    /// [`Error::UsernameTaken`](crate::Error::UsernameTaken) if the handle or the
    /// name is taken. Passkey sign-ups do not call this: their account is
    /// created with its first credential
    /// ([`InsertConditions::creating_user`]).
    fn insert_user(&self, user: &User) -> impl Future<Output = Result<()>> + Send;
    /// All credentials of a user, in any lifecycle state.
    fn credentials_for_user(
        &self,
        handle: &UserHandle,
    ) -> impl Future<Output = Result<Vec<CredentialRecord>>> + Send;
    /// A credential by id.
    fn credential_by_id(
        &self,
        id: &[u8],
    ) -> impl Future<Output = Result<Option<CredentialRecord>>> + Send;
    /// Inserts a new credential, checking `conditions` in the **same atomic
    /// step** (one transaction, or under one lock), so that parallel
    /// registrations cannot both pass a rule only one of them may pass:
    ///
    /// * if the id is already stored, the insert fails with
    ///   [`Error::CredentialAlreadyRegistered`](crate::Error::CredentialAlreadyRegistered), unless
    ///   [`InsertConditions::replaces`] names that record's exact key bytes and
    ///   the stored record still belongs to the same user and is dead (revoked or
    ///   pending, see [`CredentialState::is_excluded_from_registration`]): then it
    ///   is replaced;
    /// * if [`InsertConditions::registration_limit`] is set and the user already
    ///   holds that many live (active or disabled) credentials, not counting a
    ///   replaced record, the insert fails with [`Error::RegistrationLimit`](crate::Error::RegistrationLimit);
    /// * if [`InsertConditions::creating_user`] is set and no user has the
    ///   record's handle yet, that user is inserted together with the
    ///   credential (both or neither), failing with
    ///   [`Error::UsernameTaken`](crate::Error::UsernameTaken) if another account
    ///   holds its name by then.
    ///
    /// The credential comes as the [`VerifiedRegistration`] that proved it (store
    /// [`VerifiedRegistration::record`]): nothing else reaches this method.
    fn insert_credential(
        &self,
        registration: &VerifiedRegistration,
        conditions: &InsertConditions<'_>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Applies a sign-in update if and only if the stored counter still equals
    /// `update.previous_sign_count` (compare-and-set). Returns whether it applied.
    fn update_after_authentication(
        &self,
        update: &CredentialUpdate,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Sets a credential's user-chosen name (already validated by
    /// [`CredentialRecord::set_name`]) and **nothing else**: a rename must never
    /// write back a counter, backup state or lifecycle state it read earlier.
    /// Returns whether the credential exists.
    fn set_credential_name(
        &self,
        id: &[u8],
        name: Option<&str>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Compare-and-set on the lifecycle state: moves the credential to `to` and
    /// sets `state_changed_at` to `changed_at` if and only if its stored state is
    /// still `from`, touching nothing else. Returns whether it applied; `false`
    /// (another change landed first, or the credential is gone) makes the caller
    /// re-read and decide again, so a revocation is never overwritten.
    ///
    /// `guard` is checked in the same atomic step as the change (see
    /// [`RemovalGuard::refuses`]); a refused change fails with
    /// [`Error::LastWayIn`](crate::Error::LastWayIn) and changes nothing.
    fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
        guard: RemovalGuard,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes a credential; returns whether it existed. `guard` is checked in
    /// the same atomic step as the delete (see [`RemovalGuard::refuses`]); a
    /// refused delete fails with [`Error::LastWayIn`](crate::Error::LastWayIn)
    /// and removes nothing.
    fn delete_credential(
        &self,
        id: &[u8],
        guard: RemovalGuard,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Files a serialized ceremony state under `key` until `expires_at`.
    ///
    /// A store holds a bounded number of unexpired states: when it is full
    /// (after dropping expired ones) it refuses with
    /// [`Error::TooManyCeremonies`](crate::Error::TooManyCeremonies), so a flood
    /// of starts that are never finished cannot grow it without bound.
    fn put_ceremony_state(
        &self,
        key: &[u8],
        state: Vec<u8>,
        expires_at: u64,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Removes and returns the state filed under `key` (take-once: of two
    /// concurrent calls at most one gets it).
    fn take_ceremony_state(
        &self,
        key: &[u8],
    ) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;

    /// The account's sign-in policy, e.g. whether it is passkey-only (then every
    /// sign-in must carry UV). Provided: a store without per-account policies
    /// reports the default (not passkey-only); override it to back the flag with
    /// the host's own account data.
    fn account_policy(
        &self,
        handle: &UserHandle,
    ) -> impl Future<Output = Result<AccountPolicy>> + Send {
        let _ = handle;
        async { Ok(AccountPolicy::default()) }
    }

    /// Whether the store can serve requests now, for a readiness probe (e.g.
    /// relypass-axum's `GET /health`): fail with
    /// [`Error::StoreUnavailable`](crate::Error::StoreUnavailable) when its
    /// database cannot be reached, so load balancers stop sending traffic
    /// rather than every request waiting out a timeout. Provided: a store
    /// that cannot become unavailable (like [`MemoryStore`](crate::MemoryStore))
    /// is always healthy.
    fn health(&self) -> impl Future<Output = Result<()>> + Send {
        async { Ok(()) }
    }
}

/// The rules a new credential must still satisfy at the instant it is stored;
/// see [`CredentialStore::insert_credential`]. Built by [`Passkeys`](crate::Passkeys); a store
/// only reads it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InsertConditions<'a> {
    /// Refuse when the user already holds this many live (active or disabled)
    /// credentials.
    pub registration_limit: Option<usize>,
    /// The stored public key bytes of a dead record (same id, same user) this
    /// credential replaces. Compare-and-set: if the stored record changed since
    /// it was read, nothing is replaced and the insert fails.
    pub replaces: Option<&'a [u8]>,
    /// The account the credential belongs to, created with it if no user has
    /// its handle yet (a passkey sign-up). User and credential land in one
    /// atomic step, so an abandoned or crashed sign-up leaves no account behind
    /// and keeps no name. If the handle is free but another account holds the
    /// name, the insert fails with [`Error::UsernameTaken`](crate::Error::UsernameTaken).
    /// An existing user with this handle is left as it is.
    pub creating_user: Option<&'a User>,
}

impl<'a> InsertConditions<'a> {
    /// No conditions beyond the unique id.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a registration limit.
    #[must_use]
    pub fn with_registration_limit(mut self, limit: Option<usize>) -> Self {
        self.registration_limit = limit;
        self
    }

    /// Replacing the dead record whose stored key bytes are `public_key`.
    #[must_use]
    pub fn replacing(mut self, public_key: Option<&'a [u8]>) -> Self {
        self.replaces = public_key;
        self
    }

    /// Creating `user` with the credential if it does not exist yet.
    #[must_use]
    pub fn creating_user(mut self, user: Option<&'a User>) -> Self {
        self.creating_user = user;
        self
    }

    /// Whether `existing`, stored under the new record's id, may be replaced by
    /// `new`: only the dead record of the same user these conditions name.
    pub fn may_replace(&self, existing: &CredentialRecord, new: &CredentialRecord) -> bool {
        self.replaces
            .is_some_and(|key| existing.public_key.as_slice() == key)
            && existing.user_handle == new.user_handle
            && !existing.state.is_excluded_from_registration()
    }
}

/// What a credential removal (delete, or a state change away from active) must
/// preserve, checked by the store in the same atomic step as the change; see
/// [`CredentialStore::delete_credential`] and
/// [`CredentialStore::set_credential_state`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemovalGuard {
    /// No rule: the change applies whatever is left.
    #[default]
    Unguarded,
    /// For a passkey-only account ([`AccountPolicy::passkey_only`]), refuse to
    /// remove its last active credential registered with user verification
    /// (the predicate of [`may_drop_password`](crate::may_drop_password)): it is
    /// the account's last way in. Accounts that still have a password are not
    /// restricted.
    KeepLastWayIn,
    /// Everything [`KeepLastWayIn`](Self::KeepLastWayIn) refuses, and also the
    /// removal of the account's last **active** credential, whatever its
    /// policy. For an account whose only way in is its passkeys although it is
    /// not passkey-only in the store: typically a passkey sign-up when the
    /// host keeps passwords in its own tables and this account has none. Two
    /// sessions removing its last two passkeys at once must not both succeed.
    KeepLastActive,
}

impl RemovalGuard {
    /// Whether the guard refuses the change of `target` to `to` (`None`: its
    /// deletion), given the account's `policy` and all of the user's
    /// `credentials` as stored now (with or without `target` itself). Stores
    /// call this inside the atomic step that applies the change.
    ///
    /// Only a change that takes away the last way in is refused: a credential
    /// that is not itself a way in (disabled, revoked, or registered without
    /// UV) can always go, even from an account that has no way in left.
    pub fn refuses<'c, I>(
        self,
        policy: AccountPolicy,
        target: &CredentialRecord,
        to: Option<CredentialState>,
        credentials: I,
    ) -> bool
    where
        I: IntoIterator<Item = &'c CredentialRecord>,
    {
        let taken_away = to != Some(CredentialState::Active);
        match self {
            RemovalGuard::Unguarded => false,
            RemovalGuard::KeepLastWayIn => {
                // The target counts as a way in now, and what stays does not.
                policy.passkey_only
                    && taken_away
                    && may_drop_password([target])
                    && !may_drop_password(credentials.into_iter().filter(|c| c.id != target.id))
            }
            RemovalGuard::KeepLastActive => {
                let rest: Vec<&CredentialRecord> = credentials
                    .into_iter()
                    .filter(|c| c.id != target.id)
                    .collect();
                RemovalGuard::KeepLastWayIn.refuses(policy, target, to, rest.iter().copied())
                    || (taken_away
                        && target.state.can_authenticate()
                        && !rest.iter().any(|c| c.state.can_authenticate()))
            }
        }
    }
}
