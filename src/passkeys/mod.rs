//! [`Passkeys`], the async service that ties the sans-IO ceremonies to a
//! [`CredentialStore`]: credential look-ups, take-once ceremony states bound to the
//! host's session, compare-and-set updates. Management (`manage`), the
//! username-enumeration defence (`enumeration`) and the Signal API helpers
//! (`signal`) are further `impl Passkeys` blocks beside this file.

pub(crate) mod ceremony_id;
pub(crate) mod enumeration;
pub(crate) mod key_cache;
pub(crate) mod manage;
pub(crate) mod response_input;
pub(crate) mod signal;

use crate::ceremony::authentication::{
    AuthenticationOptions, AuthenticationResponse, AuthenticationState, VerifiedAuthentication,
};
use crate::ceremony::challenge::unix_now;
use crate::ceremony::registration::{
    RegistrationOptions, RegistrationResponse, RegistrationState, VerifiedRegistration,
};
use crate::config::RelyingParty;
use crate::cose::CredentialPublicKey;
use crate::credential::{CredentialRecord, CredentialState, User, UserHandle};
use crate::error::CeremonyKind;
use crate::error::{Error, Result};
use crate::json::{CreationOptionsJson, RequestOptionsJson};
use crate::passkeys::enumeration::EnumerationDefence;
use crate::passkeys::key_cache::KeyCache;
use crate::passkeys::manage::AuthenticatorNames;
use crate::passkeys::response_input::{AuthenticationResponseInput, RegistrationResponseInput};
use crate::profile::passkey_only_authentication;
use crate::store::{CredentialStore, InsertConditions};
pub use ceremony_id::CeremonyId;

/// The async service: a [`RelyingParty`] plus a [`CredentialStore`].
///
/// `start_*` files the ceremony state in the store and returns a [`CeremonyId`]
/// for the host to keep in the browser's session; `finish_*` takes that handle,
/// takes the state out of the store (once only, across every process sharing
/// the store) and refuses a response whose challenge is not that ceremony's.
///
/// Host policies configured here: a per-user registration limit
/// ([`with_registration_limit`](Self::with_registration_limit)), the secret behind
/// the username-enumeration defence
/// ([`with_enumeration_secret`](Self::with_enumeration_secret)), and the
/// AAGUID-to-name table for management pages
/// ([`with_authenticator_names`](Self::with_authenticator_names)). Per-account
/// policy (passkey-only) comes from [`CredentialStore::account_policy`].
///
/// Sharing: every method takes `&self` and `Passkeys<S>` is `Send + Sync` when
/// the store is, so a server builds one and shares it as `Arc<Passkeys<S>>`
/// (cloning the `Arc` is the cheap clone a web framework's state wants). It is
/// deliberately not `Clone` itself: a clone would copy the whole configuration
/// (trust anchors, metadata, name tables), not share it.
pub struct Passkeys<S> {
    rp: RelyingParty,
    store: S,
    registration_limit: Option<usize>,
    pub(crate) enumeration: EnumerationDefence,
    pub(crate) authenticator_names: AuthenticatorNames,
    pub(crate) keys: KeyCache,
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
            keys: KeyCache::new(key_cache::DEFAULT_CAPACITY),
        }
    }

    /// Keeps at most `capacity` parsed credential keys in memory (default
    /// 4096; `0` turns the cache off). A sign-in with a cached key skips
    /// parsing the stored key (for RS256 the `rsa` crate's precomputation, for
    /// Ed25519 the point decompression). An entry is used only for a record
    /// with exactly the id and key bytes it was parsed from, so a replaced key
    /// is never verified with its predecessor.
    #[must_use]
    pub fn with_key_cache(mut self, capacity: usize) -> Self {
        self.keys = KeyCache::new(capacity);
        self
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

    /// Starts registering a passkey for `user`: an existing account adding one,
    /// or a new account (a passkey sign-up).
    ///
    /// Nothing about the user is written here. A new account is created by
    /// [`finish_registration`](Self::finish_registration), in one atomic step
    /// with its first credential ([`InsertConditions::creating_user`]), so an
    /// abandoned sign-up leaves no account and keeps no name. A new account
    /// whose name another account already holds is refused here with
    /// [`Error::UsernameTaken`]; a name taken between start and finish is
    /// refused by `finish` with the same error.
    ///
    /// Returns the options for `navigator.credentials.create()` and the
    /// ceremony's [`CeremonyId`]: keep it in the browser's session and hand it to
    /// [`finish_registration`](Self::finish_registration).
    pub async fn start_registration(
        &self,
        user: &User,
        options: &RegistrationOptions,
    ) -> Result<(CreationOptionsJson, CeremonyId)> {
        if self.store.user_by_handle(&user.handle).await?.is_none()
            && self
                .store
                .user_by_name(&user.name)
                .await?
                .is_some_and(|other| other.handle != user.handle)
        {
            return Err(Error::UsernameTaken);
        }
        let existing = self.store.credentials_for_user(&user.handle).await?;
        // The limit is checked before any options exist, so a user at the limit
        // is never prompted by the browser for a credential we would refuse.
        self.check_registration_limit(&existing)?;
        let (opts, state) = self.rp.start_registration(user, &existing, options)?;
        let id = CeremonyId::new(CeremonyKind::Registration, state.challenge().as_bytes());
        let expires_at = state.expires_at();
        self.store
            .put_ceremony_state(id.state_key(), state.into_bytes(), expires_at)
            .await?;
        Ok((opts, id))
    }

    /// Finishes a registration from the browser's response and stores the credential.
    ///
    /// `response` is the browser's `credential.toJSON()` output, as JSON text or
    /// already deserialized (see [`RegistrationResponseInput`]); the size bounds
    /// of [`crate::limits`] apply to both.
    ///
    /// §7.1 step 26 (see below): a credential id that is already stored is refused with
    /// [`Error::CredentialAlreadyRegistered`] (excludeCredentials is the client-side
    /// half of this rule; this is the half a client cannot skip). One exception: an
    /// authenticator normally mints a new id when it enrols again, but if the id of
    /// one of **this user's revoked or pending** credentials comes back **with a
    /// different public key**, it is a new credential that reuses the id, and it
    /// replaces the dead record. The same key coming back is refused: revocation is
    /// permanent, and a revoked (perhaps stolen) key must not re-enter through
    /// registration.
    ///
    /// `ceremony` is the handle [`start_registration`](Self::start_registration)
    /// returned, from the browser's session: a response made for any other
    /// ceremony is refused with [`Error::CeremonyMismatch`].
    pub async fn finish_registration(
        &self,
        ceremony: &CeremonyId,
        response: impl RegistrationResponseInput,
    ) -> Result<CredentialRecord> {
        Ok(self
            .finish_registration_verified(ceremony, response)
            .await?
            .into_record())
    }

    /// [`finish_registration`](Self::finish_registration), returning the whole
    /// verification: the stored record plus the flags, attestation and extension
    /// outputs (credProps, prf, largeBlob, credProtect, minPinLength; see
    /// [`crate::extensions`]).
    pub async fn finish_registration_verified(
        &self,
        ceremony: &CeremonyId,
        response: impl RegistrationResponseInput,
    ) -> Result<VerifiedRegistration> {
        ceremony.require_kind(CeremonyKind::Registration)?;
        let response: RegistrationResponse = response.registration()?;
        let state = RegistrationState::from_bytes(&self.take_state(ceremony).await?)?;
        let user = state.user().clone();
        // §7.1 step 26 "Verify that the credentialId is not yet registered for…"
        // Before the more expensive checks: only a dead record of
        // the same user may be replaced (decided on the key after verification).
        let previous = self
            .store
            .credential_by_id(response.credential_id())
            .await?;
        if let Some(old) = &previous
            && (old.user_handle != user.handle || old.state.is_excluded_from_registration())
        {
            return Err(Error::CredentialAlreadyRegistered);
        }
        let verified: VerifiedRegistration = self
            .rp
            .finish_registration(state, &response)
            .map_err(not_this_ceremony)?;
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
        // The state named the user at `start`: if no account has its handle by
        // now, it is created with this credential, atomically.
        let conditions = InsertConditions::new()
            .with_registration_limit(self.registration_limit)
            .replacing(replaces)
            .creating_user(Some(&user));
        self.store.insert_credential(&verified, &conditions).await?;
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
    /// For a user whose [`AccountPolicy`](crate::AccountPolicy) is passkey-only, UV is required whatever
    /// `options` and the RP default say. Discoverable sign-ins do not know the user
    /// yet; for them the same rule is applied by `finish_authentication`.
    pub async fn start_authentication(
        &self,
        user: Option<&UserHandle>,
        options: &AuthenticationOptions,
    ) -> Result<(RequestOptionsJson, CeremonyId)> {
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
    ) -> Result<(RequestOptionsJson, CeremonyId)> {
        let (opts, state) = self.rp.start_authentication(user, options)?;
        let id = CeremonyId::new(CeremonyKind::Authentication, state.challenge().as_bytes());
        let expires_at = state.expires_at();
        self.store
            .put_ceremony_state(id.state_key(), state.into_bytes(), expires_at)
            .await?;
        Ok((opts, id))
    }

    /// Finishes a sign-in and records it (counter, backup state, last used) with
    /// compare-and-set, so two concurrent sign-ins with one counter cannot both pass.
    ///
    /// `response` is the browser's `credential.toJSON()` output, as JSON text or
    /// already deserialized (see [`AuthenticationResponseInput`]); the size
    /// bounds of [`crate::limits`] apply to both.
    ///
    /// `ceremony` is the handle [`start_authentication`](Self::start_authentication)
    /// returned, from the browser's session: a response made for any other
    /// ceremony is refused with [`Error::CeremonyMismatch`].
    pub async fn finish_authentication(
        &self,
        ceremony: &CeremonyId,
        response: impl AuthenticationResponseInput,
    ) -> Result<VerifiedAuthentication> {
        ceremony.require_kind(CeremonyKind::Authentication)?;
        let response: AuthenticationResponse = response.authentication()?;
        let state = AuthenticationState::from_bytes(&self.take_state(ceremony).await?)?;
        let record = self
            .store
            .credential_by_id(response.credential_id())
            .await?
            .ok_or(Error::UnknownCredential)?;
        // The stored key, parsed once per credential and kept (see key_cache).
        let key = self.keys.key_for(&record)?;
        let verified = self
            .rp
            .verify_assertion(state, &response, &record, &key, unix_now())
            .map_err(not_this_ceremony)?;
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

    /// Takes the ceremony's state out of the store (once: a second `finish`
    /// with the same handle, on any server sharing the store, finds nothing).
    async fn take_state(&self, ceremony: &CeremonyId) -> Result<Vec<u8>> {
        self.store
            .take_ceremony_state(ceremony.state_key())
            .await?
            .ok_or(Error::StateUsed)
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

/// The state came from the session's handle, so a response whose challenge is
/// not the state's (§7.1 step 8 (see `client_data`), §7.2 step 11 (see `client_data`)) was made for another ceremony:
/// say so, rather than report a generic challenge mismatch.
fn not_this_ceremony(e: Error) -> Error {
    match e {
        Error::Challenge => Error::CeremonyMismatch,
        e => e,
    }
}
