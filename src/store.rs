//! The edge: the storage trait a host implements (the in-memory store is in
//! `memory_store`), and
//! [`Passkeys`], the thin async service that ties ceremonies to a store (look up
//! credentials, take the ceremony state once, apply updates with compare-and-set).

use crate::ceremony::authentication::{
    AuthenticationOptions, AuthenticationResponse, AuthenticationState, CredentialUpdate,
    VerifiedAuthentication,
};
use crate::ceremony::registration::{
    RegistrationOptions, RegistrationResponse, RegistrationState, VerifiedRegistration,
};
use crate::config::RelyingParty;
use crate::cose::CredentialPublicKey;
use crate::credential::{CredentialRecord, CredentialState, User, UserHandle};
use crate::enumeration::EnumerationDefence;
use crate::error::{Error, Field, Result};
use crate::json::{CreationOptionsJson, RequestOptionsJson};
use crate::manage::AuthenticatorNames;
use crate::profile::{AccountPolicy, passkey_only_authentication};
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
    /// Inserts a user; fails if the handle or name is taken.
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
    ///   [`Error::CredentialAlreadyRegistered`], unless
    ///   [`InsertConditions::replaces`] names that record's exact key bytes and
    ///   the stored record still belongs to the same user and is dead (revoked or
    ///   pending, see [`CredentialState::is_excluded_from_registration`]): then it
    ///   is replaced;
    /// * if [`InsertConditions::registration_limit`] is set and the user already
    ///   holds that many live (active or disabled) credentials, not counting a
    ///   replaced record, the insert fails with [`Error::RegistrationLimit`].
    fn insert_credential(
        &self,
        record: &CredentialRecord,
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
    fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Deletes a credential; returns whether it existed.
    fn delete_credential(&self, id: &[u8]) -> impl Future<Output = Result<bool>> + Send;
    /// Files a serialized ceremony state under `key` until `expires_at`.
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
}

/// The rules a new credential must still satisfy at the instant it is stored;
/// see [`CredentialStore::insert_credential`]. Built by [`Passkeys`]; a store
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

    /// Whether `existing`, stored under the new record's id, may be replaced by
    /// `new`: only the dead record of the same user these conditions name.
    pub fn may_replace(&self, existing: &CredentialRecord, new: &CredentialRecord) -> bool {
        self.replaces
            .is_some_and(|key| existing.public_key.as_slice() == key)
            && existing.user_handle == new.user_handle
            && !existing.state.is_excluded_from_registration()
    }
}

/// The async service: a [`RelyingParty`] plus a [`CredentialStore`].
///
/// Ceremony states are filed in the store under their challenge, so `finish`
/// needs only the browser's response: the challenge inside clientDataJSON finds
/// the state, and taking it is once-only across every process sharing the store.
///
/// Host policies configured here: a per-user registration limit
/// ([`with_registration_limit`](Self::with_registration_limit)), the secret behind
/// the username-enumeration defence
/// ([`with_enumeration_secret`](Self::with_enumeration_secret)), and the
/// AAGUID-to-name table for management pages
/// ([`with_authenticator_names`](Self::with_authenticator_names)). Per-account
/// policy (passkey-only) comes from [`CredentialStore::account_policy`].
pub struct Passkeys<S> {
    rp: RelyingParty,
    store: S,
    registration_limit: Option<usize>,
    pub(crate) enumeration: EnumerationDefence,
    pub(crate) authenticator_names: AuthenticatorNames,
}

impl<S: CredentialStore> Passkeys<S> {
    /// Ties a relying party to a store. No registration limit; a random
    /// enumeration secret (see [`with_enumeration_secret`](Self::with_enumeration_secret));
    /// the built-in authenticator names.
    pub fn new(rp: RelyingParty, store: S) -> Self {
        Passkeys {
            rp,
            store,
            registration_limit: None,
            enumeration: EnumerationDefence::random(),
            authenticator_names: AuthenticatorNames::builtin(),
        }
    }

    /// Caps how many credentials one user may hold. Active and disabled
    /// credentials count (both still live on an authenticator and can be turned
    /// back on); revoked and pending ones do not. `start_registration` refuses
    /// with [`Error::RegistrationLimit`] before producing options, and
    /// `finish_registration` has the store check again atomically with the insert
    /// ([`InsertConditions::registration_limit`]), so parallel ceremonies cannot
    /// overshoot.
    #[must_use]
    pub fn with_registration_limit(mut self, limit: usize) -> Self {
        self.registration_limit = Some(limit);
        self
    }

    /// The registration limit, if any.
    pub fn registration_limit(&self) -> Option<usize> {
        self.registration_limit
    }
    /// The relying party.
    pub fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }
    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Starts registering a passkey for `user` (inserted if new).
    pub async fn start_registration(
        &self,
        user: &User,
        options: &RegistrationOptions,
    ) -> Result<CreationOptionsJson> {
        let existing = self.store.credentials_for_user(&user.handle).await?;
        // The limit is checked before any options exist, so a user at the limit
        // is never prompted by the browser for a credential we would refuse.
        self.check_registration_limit(&existing)?;
        if self.store.user_by_handle(&user.handle).await?.is_none() {
            self.store.insert_user(user).await?;
        }
        let (opts, state) = self.rp.start_registration(user, &existing, options)?;
        let bytes = serde_json::to_vec(&state)
            .map_err(|_| Error::malformed(Field::CeremonyState, "serialize"))?;
        self.store
            .put_ceremony_state(state.challenge().as_bytes(), bytes, state.expires_at())
            .await?;
        Ok(opts)
    }

    /// Finishes a registration from the browser's response JSON and stores the credential.
    ///
    /// §7.1 step 26: a credential id that is already stored is refused with
    /// [`Error::CredentialAlreadyRegistered`] (excludeCredentials is the client-side
    /// half of this rule; this is the half a client cannot skip). One exception: an
    /// authenticator normally mints a new id when it enrols again, but if the id of
    /// one of **this user's revoked or pending** credentials comes back **with a
    /// different public key**, it is a new credential that reuses the id, and it
    /// replaces the dead record. The same key coming back is refused: revocation is
    /// permanent, and a revoked (perhaps stolen) key must not re-enter through
    /// registration.
    pub async fn finish_registration(&self, response_json: &str) -> Result<CredentialRecord> {
        Ok(self
            .finish_registration_verified(response_json)
            .await?
            .into_record())
    }

    /// [`finish_registration`](Self::finish_registration), returning the whole
    /// verification: the stored record plus the flags, attestation and extension
    /// outputs (credProps, prf, largeBlob, credProtect, minPinLength; see
    /// [`crate::extensions`]).
    pub async fn finish_registration_verified(
        &self,
        response_json: &str,
    ) -> Result<VerifiedRegistration> {
        let response = RegistrationResponse::from_json(response_json)?;
        let cdj = response.json().response.client_data_json.as_slice();
        let challenge =
            crate::ceremony::authentication::challenge_of(cdj).ok_or(Error::Challenge)?;
        let state: RegistrationState = self.take_state(&challenge).await?;
        let user = state.user().handle.clone();
        // §7.1 step 26, before the more expensive checks: only a dead record of
        // the same user may be replaced (decided on the key after verification).
        let previous = self
            .store
            .credential_by_id(response.credential_id())
            .await?;
        if let Some(old) = &previous
            && (old.user_handle != user || old.state.is_excluded_from_registration())
        {
            return Err(Error::CredentialAlreadyRegistered);
        }
        let verified: VerifiedRegistration = self.rp.finish_registration(state, &response)?;
        let record = verified.record();
        // A dead record is replaced only by a different key. Keys are compared
        // parsed, never as bytes: the revoked key re-encoded (CBOR members in
        // another order) is still the revoked key. A stored key that no longer
        // parses cannot be shown to differ, so it is not replaced either.
        let replaces = match &previous {
            None => None,
            Some(old) => {
                // (Rare path: a dead id coming back. The new key parsed during
                // verification; parsing it again here costs microseconds.)
                let old_key = CredentialPublicKey::from_cose_bytes(old.public_key.as_slice());
                let new_key = CredentialPublicKey::from_cose_bytes(record.public_key.as_slice());
                let differs = matches!((old_key, new_key), (Ok(a), Ok(b)) if !a.same_key_as(&b));
                if !differs {
                    return Err(Error::CredentialAlreadyRegistered);
                }
                Some(old.public_key.as_slice())
            }
        };
        // The duplicate id, the replacement and the limit are decided by the
        // store in one atomic step with the insert: two ceremonies started under
        // the limit cannot both land, and a record that changed since it was read
        // above is not replaced.
        let conditions = InsertConditions::new()
            .with_registration_limit(self.registration_limit)
            .replacing(replaces);
        self.store.insert_credential(record, &conditions).await?;
        Ok(verified)
    }

    fn check_registration_limit(&self, existing: &[CredentialRecord]) -> Result<()> {
        if let Some(limit) = self.registration_limit {
            let live = existing
                .iter()
                .filter(|c| c.state.is_excluded_from_registration())
                .count();
            if live >= limit {
                return Err(Error::RegistrationLimit { limit });
            }
        }
        Ok(())
    }

    /// Starts a sign-in: for a named user (allowCredentials = their active
    /// credentials) or discoverable (`None`).
    ///
    /// For a user whose [`AccountPolicy`] is passkey-only, UV is required whatever
    /// `options` and the RP default say. Discoverable sign-ins do not know the user
    /// yet; for them the same rule is applied by `finish_authentication`.
    pub async fn start_authentication(
        &self,
        user: Option<&UserHandle>,
        options: &AuthenticationOptions,
    ) -> Result<RequestOptionsJson> {
        let creds;
        let mut options = std::borrow::Cow::Borrowed(options);
        let arg = match user {
            Some(u) => {
                creds = self.store.credentials_for_user(u).await?;
                if self.store.account_policy(u).await?.passkey_only {
                    options = std::borrow::Cow::Owned(passkey_only_authentication(&options));
                }
                Some((u, creds.as_slice()))
            }
            None => None,
        };
        self.start_authentication_with_records(arg, &options).await
    }

    pub(crate) async fn start_authentication_with_records(
        &self,
        user: Option<(&UserHandle, &[CredentialRecord])>,
        options: &AuthenticationOptions,
    ) -> Result<RequestOptionsJson> {
        let (opts, state) = self.rp.start_authentication(user, options)?;
        let bytes = serde_json::to_vec(&state)
            .map_err(|_| Error::malformed(Field::CeremonyState, "serialize"))?;
        self.store
            .put_ceremony_state(state.challenge().as_bytes(), bytes, state.expires_at())
            .await?;
        Ok(opts)
    }

    /// Finishes a sign-in and records it (counter, backup state, last used) with
    /// compare-and-set, so two concurrent sign-ins with one counter cannot both pass.
    pub async fn finish_authentication(
        &self,
        response_json: &str,
    ) -> Result<VerifiedAuthentication> {
        let response = AuthenticationResponse::from_json(response_json)?;
        let challenge = response.challenge().ok_or(Error::Challenge)?;
        let state: AuthenticationState = self.take_state(&challenge).await?;
        let record = self
            .store
            .credential_by_id(response.credential_id())
            .await?
            .ok_or(Error::UnknownCredential)?;
        let verified = self.rp.finish_authentication(state, &response, &record)?;
        // A passkey-only account has no other factor: refuse a UV-less assertion
        // even when the ceremony's own requirement was weaker (a discoverable
        // sign-in, or the name-first flow, which does not reveal the policy). Done
        // before the counter update, so a refused assertion changes nothing.
        if !verified.user_verified()
            && self
                .store
                .account_policy(verified.user_handle())
                .await?
                .passkey_only
        {
            return Err(Error::UserNotVerified);
        }
        if !self
            .store
            .update_after_authentication(verified.update())
            .await?
        {
            // Another sign-in moved the counter first: this one lost the race.
            return Err(Error::Counter {
                stored: record.sign_count,
                received: verified.sign_count(),
            });
        }
        Ok(verified)
    }

    async fn take_state<T: serde::de::DeserializeOwned>(&self, challenge: &[u8]) -> Result<T> {
        let bytes = self
            .store
            .take_ceremony_state(challenge)
            .await?
            .ok_or(Error::StateUsed)?;
        serde_json::from_slice(&bytes)
            .map_err(|_| Error::malformed(Field::CeremonyState, "deserialize"))
    }

    /// The credentials of a user whose lifecycle state is `state`.
    pub async fn credentials_in_state(
        &self,
        user: &UserHandle,
        state: CredentialState,
    ) -> Result<Vec<CredentialRecord>> {
        Ok(self
            .store
            .credentials_for_user(user)
            .await?
            .into_iter()
            .filter(|c| c.state == state)
            .collect())
    }
}
