//! Verifying an authentication assertion (WebAuthn L3 §7.2).

use super::{
    Challenge, IdText, UserPresence, check_auth_data, check_client_data, check_expiry,
    check_type_and_id, constant_time_eq, within_limit,
};
use crate::authenticator_data::{AuthenticatorData, Flags};
use crate::client_data::{ClientDataType, CollectedClientData};
use crate::config::{CounterPolicy, RelyingParty};
use crate::cose::CredentialPublicKey;
use crate::credential::{CredentialRecord, UserHandle};
use crate::error::{Error, Field, Result};
use crate::json::{
    AuthenticationResponseJson, Base64Url, ExtensionsJson, RequestOptionsJson,
    UserVerificationRequirement,
};
use crate::limits;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The server side of an authentication between `start` and `finish`.
#[derive(Debug)]
pub struct AuthenticationState {
    challenge: Challenge,
    rp_id: String,
    /// The user named before the ceremony; `None` for discoverable sign-in.
    user: Option<UserHandle>,
    /// allowCredentials ids; empty for discoverable sign-in.
    allow: Vec<Base64Url>,
    user_verification: UserVerificationRequirement,
    expires_at: u64,
    /// The FIDO AppID the RP offered (`appid` extension input), kept here so the
    /// client cannot pick the AppID whose hash `finish` accepts. Defaulted so
    /// states serialized by an older version still deserialize.
    appid: Option<String>,
}

/// The serialized form of [AuthenticationState] (private: serializing a state is
/// explicit, through `into_bytes`/`from_bytes`).
#[derive(Serialize, Deserialize)]
struct AuthenticationStateWire {
    challenge: Challenge,
    rp_id: String,
    /// The user named before the ceremony; `None` for discoverable sign-in.
    user: Option<UserHandle>,
    /// allowCredentials ids; empty for discoverable sign-in.
    allow: Vec<Base64Url>,
    user_verification: UserVerificationRequirement,
    expires_at: u64,
    /// The FIDO AppID the RP offered (`appid` extension input), kept here so the
    /// client cannot pick the AppID whose hash `finish` accepts. Defaulted so
    /// states serialized by an older version still deserialize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    appid: Option<String>,
}

impl AuthenticationState {
    /// Serializes the state (JSON bytes) for storage between `start` and
    /// `finish`, consuming it. Whoever stores the bytes must hand them back at
    /// most once (take-once), or the ceremony could be finished twice.
    pub fn into_bytes(self) -> Vec<u8> {
        let AuthenticationState {
            challenge,
            rp_id,
            user,
            allow,
            user_verification,
            expires_at,
            appid,
        } = self;
        let wire = AuthenticationStateWire {
            challenge,
            rp_id,
            user,
            allow,
            user_verification,
            expires_at,
            appid,
        };
        // Serializing plain data into a Vec cannot fail.
        serde_json::to_vec(&wire).unwrap_or_default()
    }

    /// Restores a state from [`into_bytes`](Self::into_bytes) output.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let AuthenticationStateWire {
            challenge,
            rp_id,
            user,
            allow,
            user_verification,
            expires_at,
            appid,
        } = serde_json::from_slice(bytes)
            .map_err(|_| Error::malformed(Field::CeremonyState, "deserialize"))?;
        Ok(AuthenticationState {
            challenge,
            rp_id,
            user,
            allow,
            user_verification,
            expires_at,
            appid,
        })
    }
}

impl AuthenticationState {
    /// The challenge (also the key a store files this state under).
    pub fn challenge(&self) -> &Challenge {
        &self.challenge
    }
    /// The user named at `start`, if any.
    pub fn user(&self) -> Option<&UserHandle> {
        self.user.as_ref()
    }
    /// Unix seconds after which `finish` refuses this state.
    pub fn expires_at(&self) -> u64 {
        self.expires_at
    }
    /// The UV requirement `finish` will enforce.
    pub fn user_verification(&self) -> UserVerificationRequirement {
        self.user_verification
    }
    /// The FIDO AppID offered through the `appid` extension, if any.
    pub fn appid(&self) -> Option<&str> {
        self.appid.as_deref()
    }
}

/// Per-ceremony options for [`RelyingParty::start_authentication`].
#[derive(Debug, Clone, Default)]
pub struct AuthenticationOptions {
    /// Override the user-verification requirement (e.g. `Required` for
    /// passkey-only accounts).
    pub user_verification: Option<UserVerificationRequirement>,
    /// Hints.
    pub hints: Vec<String>,
    /// Extension inputs, passed through to the browser.
    pub extensions: Option<ExtensionsJson>,
}

/// A parsed authentication response (the browser's `credential.toJSON()`).
#[derive(Debug, Clone)]
pub struct AuthenticationResponse {
    repr: Repr,
}

/// How the response was read.
#[derive(Debug, Clone)]
enum Repr {
    /// By `serde_json` (or handed in already deserialized). Boxed, as is the
    /// lazily built structure below: it is large, and the plain form, the
    /// common case, should not be moved around at its size.
    Json(Box<AuthenticationResponseJson>),
    /// By the one-pass reader, into one buffer; the JSON structure is built
    /// only if [`AuthenticationResponse::json`] asks for it.
    Plain {
        plain: crate::json::assertion_scan::Plain,
        json: std::sync::OnceLock<Box<AuthenticationResponseJson>>,
    },
}

impl AuthenticationResponse {
    /// Parses the response JSON (bounded in size; unknown members ignored).
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > limits::MAX_RESPONSE_JSON {
            return Err(Error::TooLarge {
                field: Field::ResponseJson,
                size: json.len(),
                max: limits::MAX_RESPONSE_JSON,
            });
        }
        // The plain form every browser sends is read in one pass; anything
        // else goes to serde_json, which defines what is accepted
        // (`json::assertion_scan`).
        let repr = match crate::json::assertion_scan::scan(json) {
            Some(plain) => Repr::Plain {
                plain,
                json: std::sync::OnceLock::new(),
            },
            None => Repr::Json(Box::new(serde_json::from_str(json).map_err(|_| {
                Error::malformed(Field::ResponseJson, "not an AuthenticationResponseJSON")
            })?)),
        };
        Ok(AuthenticationResponse { repr })
    }

    /// Wraps an already deserialized response.
    pub fn from_parsed(json: AuthenticationResponseJson) -> Self {
        AuthenticationResponse {
            repr: Repr::Json(Box::new(json)),
        }
    }

    /// The JSON structure.
    pub fn json(&self) -> &AuthenticationResponseJson {
        match &self.repr {
            Repr::Json(j) => j,
            Repr::Plain { plain, json } => json.get_or_init(|| Box::new(plain.to_json())),
        }
    }

    /// The credential id, for looking up the stored record.
    pub fn credential_id(&self) -> &[u8] {
        self.parts().raw_id
    }

    /// The user handle the authenticator returned, if any.
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.parts().user_handle
    }

    /// The challenge the client signed, read from clientDataJSON (`None` if the
    /// client data does not parse). A store may use it to find the ceremony state.
    pub fn challenge(&self) -> Option<Vec<u8>> {
        challenge_of(self.parts().client_data_json)
    }

    /// clientDataJSON, authenticatorData and the signature as decoded, for
    /// `internal::signed_parts` (the benchmark that times a sign-in with every
    /// check left out).
    pub(crate) fn signed_parts(&self) -> [&[u8]; 3] {
        let r = self.parts();
        [r.client_data_json, r.authenticator_data, r.signature]
    }

    /// The members the ceremony reads, whichever way the response was read.
    fn parts(&self) -> Parts<'_> {
        match &self.repr {
            Repr::Json(j) => Parts {
                type_: j.type_.as_bytes(),
                id: IdText::Sent(j.id.as_bytes()),
                raw_id: j.raw_id.as_slice(),
                client_data_json: j.response.client_data_json.as_slice(),
                authenticator_data: j.response.authenticator_data.as_slice(),
                signature: j.response.signature.as_slice(),
                user_handle: j.response.user_handle.as_ref().map(|u| u.as_slice()),
                extensions: Some(&j.client_extension_results),
            },
            Repr::Plain { plain, .. } => Parts {
                type_: plain.type_(),
                id: if plain.id_is_raw_id_text() {
                    IdText::SameAsRawId
                } else {
                    IdText::Sent(plain.id())
                },
                raw_id: plain.raw_id(),
                client_data_json: plain.client_data_json(),
                authenticator_data: plain.authenticator_data(),
                signature: plain.signature(),
                user_handle: plain.user_handle(),
                // The one-pass reader takes only `clientExtensionResults: {}`.
                extensions: None,
            },
        }
    }
}

/// A response's members, borrowed.
struct Parts<'a> {
    type_: &'a [u8],
    id: IdText<'a>,
    raw_id: &'a [u8],
    client_data_json: &'a [u8],
    authenticator_data: &'a [u8],
    signature: &'a [u8],
    user_handle: Option<&'a [u8]>,
    /// `None`: no extension outputs.
    extensions: Option<&'a ExtensionsJson>,
}

pub(crate) fn challenge_of(client_data_json: &[u8]) -> Option<Vec<u8>> {
    let c = CollectedClientData::parse(client_data_json).ok()?;
    crate::json::b64url_decode(&c.challenge)
}

/// The changes a successful sign-in makes to the stored record, applied by the
/// store with compare-and-set on the counter.
///
/// Only a verified sign-in builds one (its fields are private), so
/// [`CredentialStore::update_after_authentication`](crate::CredentialStore::update_after_authentication)
/// can only ever apply what an assertion proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialUpdate {
    /// The credential.
    pub(crate) credential_id: Vec<u8>,
    /// The counter the verification was made against (the compare-and-set guard).
    pub(crate) previous_sign_count: u32,
    /// The new counter.
    pub(crate) sign_count: u32,
    /// The new backup state.
    pub(crate) backup_state: bool,
    /// The sign-in time.
    pub(crate) last_used_at: u64,
    /// Set when a non-advancing counter was accepted under the `Warn` policy.
    pub(crate) possibly_cloned: bool,
}

impl CredentialUpdate {
    /// The credential.
    pub fn credential_id(&self) -> &[u8] {
        &self.credential_id
    }
    /// The counter the verification was made against (the compare-and-set guard).
    pub fn previous_sign_count(&self) -> u32 {
        self.previous_sign_count
    }
    /// The new counter.
    pub fn sign_count(&self) -> u32 {
        self.sign_count
    }
    /// The new backup state.
    pub fn backup_state(&self) -> bool {
        self.backup_state
    }
    /// The sign-in time.
    pub fn last_used_at(&self) -> u64 {
        self.last_used_at
    }
    /// Set when a non-advancing counter was accepted under the `Warn` policy.
    pub fn possibly_cloned(&self) -> bool {
        self.possibly_cloned
    }
    /// Applies the update to a record the caller holds (for stores that keep
    /// whole records; the compare-and-set on the counter is the store's job).
    pub fn apply_to(&self, record: &mut CredentialRecord) {
        record.sign_count = self.sign_count;
        record.backup_state = self.backup_state;
        record.last_used_at = Some(self.last_used_at);
        record.possibly_cloned |= self.possibly_cloned;
    }
}

/// A credential public key parsed once, for hosts that cache parsed keys (see
/// [`danger::verify_assertion`](crate::danger::verify_assertion)). It remembers the
/// credential id and the exact key bytes it was parsed from, and is refused with
/// any other record.
#[derive(Debug, Clone)]
pub struct CachedKey {
    credential_id: Vec<u8>,
    cose_key: Vec<u8>,
    key: CredentialPublicKey,
}

impl CachedKey {
    /// Parses `record`'s stored public key.
    pub fn for_record(record: &CredentialRecord) -> Result<Self> {
        Ok(CachedKey {
            credential_id: record.id().to_vec(),
            cose_key: record.public_key().to_vec(),
            key: CredentialPublicKey::from_cose_bytes(record.public_key())?,
        })
    }

    /// The credential id the key was parsed for.
    pub fn credential_id(&self) -> &[u8] {
        &self.credential_id
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> crate::cose::CoseAlgorithm {
        self.key.algorithm()
    }

    pub(crate) fn belongs_to(&self, record: &CredentialRecord) -> bool {
        constant_time_eq(&self.credential_id, record.id()) && self.cose_key == record.public_key()
    }
}

/// An assertion that passed every §7.2 step; only `finish_authentication` builds one.
#[derive(Debug, Clone)]
pub struct VerifiedAuthentication {
    user_handle: UserHandle,
    flags: Flags,
    update: CredentialUpdate,
    client_extension_results: ExtensionsJson,
    authenticator_extensions: Option<ciborium::value::Value>,
}

impl VerifiedAuthentication {
    /// The signed-in user.
    pub fn user_handle(&self) -> &UserHandle {
        &self.user_handle
    }
    /// The credential used.
    pub fn credential_id(&self) -> &[u8] {
        &self.update.credential_id
    }
    /// The authenticator data flags.
    pub fn flags(&self) -> Flags {
        self.flags
    }
    /// Whether the user was verified (UV flag).
    pub fn user_verified(&self) -> bool {
        self.flags.user_verified()
    }
    /// The new signature counter.
    pub fn sign_count(&self) -> u32 {
        self.update.sign_count
    }
    /// True when the counter did not advance and the `Warn` policy accepted it.
    pub fn possibly_cloned(&self) -> bool {
        self.update.possibly_cloned
    }
    /// The update to store.
    pub fn update(&self) -> &CredentialUpdate {
        &self.update
    }
    /// Client extension outputs, untouched.
    pub fn client_extension_results(&self) -> &ExtensionsJson {
        &self.client_extension_results
    }
    /// Authenticator extension outputs, if any.
    pub fn authenticator_extensions(&self) -> Option<&ciborium::value::Value> {
        self.authenticator_extensions.as_ref()
    }
    /// Applies the update to a record (for hosts without compare-and-set storage).
    pub fn apply_to(&self, record: &mut CredentialRecord) {
        self.update.apply_to(record);
    }
}

impl RelyingParty {
    /// Starts an authentication. With `user`, allowCredentials lists that user's
    /// usable credentials; without, it is empty (discoverable / autofill sign-in).
    pub fn start_authentication(
        &self,
        user: Option<(&UserHandle, &[CredentialRecord])>,
        options: &AuthenticationOptions,
    ) -> Result<(RequestOptionsJson, AuthenticationState)> {
        self.start_authentication_with(
            user,
            options,
            Challenge::random()?,
            crate::ceremony::challenge::unix_now(),
        )
    }

    /// [`start_authentication`](Self::start_authentication) with challenge and time supplied.
    pub(crate) fn start_authentication_with(
        &self,
        user: Option<(&UserHandle, &[CredentialRecord])>,
        options: &AuthenticationOptions,
        challenge: Challenge,
        now: u64,
    ) -> Result<(RequestOptionsJson, AuthenticationState)> {
        let uv = options.user_verification.unwrap_or(self.user_verification);
        let allow_records: Vec<&CredentialRecord> = user
            .map(|(_, creds)| {
                creds
                    .iter()
                    .filter(|c| c.state.can_authenticate())
                    .collect()
            })
            .unwrap_or_default();
        let timeout = self.authentication_timeout;
        let opts = RequestOptionsJson {
            challenge: Base64Url::from(challenge.as_bytes().to_vec()),
            timeout: Some(u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX)),
            rp_id: Some(self.rp_id.clone()),
            allow_credentials: allow_records.iter().map(|c| c.descriptor()).collect(),
            user_verification: Some(uv),
            hints: options.hints.clone(),
            extensions: options.extensions.clone(),
        };
        let state = AuthenticationState {
            challenge,
            rp_id: self.rp_id.clone(),
            user: user.map(|(u, _)| u.clone()),
            allow: allow_records.iter().map(|c| c.id.clone()).collect(),
            user_verification: uv,
            expires_at: now.saturating_add(timeout.as_secs()),
            appid: crate::extensions::requested_appid(options.extensions.as_ref()),
        };
        Ok((opts, state))
    }

    /// Finishes an authentication at the current time against the stored `credential`
    /// (looked up by [`AuthenticationResponse::credential_id`]).
    pub fn finish_authentication(
        &self,
        state: AuthenticationState,
        response: &AuthenticationResponse,
        credential: &CredentialRecord,
    ) -> Result<VerifiedAuthentication> {
        self.finish_authentication_at(
            state,
            response,
            credential,
            crate::ceremony::challenge::unix_now(),
        )
    }

    /// [`finish_authentication`](Self::finish_authentication) at time `now`.
    pub(crate) fn finish_authentication_at(
        &self,
        state: AuthenticationState,
        response: &AuthenticationResponse,
        credential: &CredentialRecord,
        now: u64,
    ) -> Result<VerifiedAuthentication> {
        let key = CredentialPublicKey::from_cose_bytes(credential.public_key.as_slice())?;
        self.verify_with_key(state, response, credential, &key, now)
    }

    /// The §7.2 steps with a key the host parsed once and cached, after checking
    /// the cache entry was made from this very record (id and key bytes): a key
    /// cached under the wrong id must not verify another credential's sign-in.
    pub(crate) fn verify_assertion(
        &self,
        state: AuthenticationState,
        response: &AuthenticationResponse,
        credential: &CredentialRecord,
        key: &CachedKey,
        now: u64,
    ) -> Result<VerifiedAuthentication> {
        if !key.belongs_to(credential) {
            return Err(Error::CachedKeyMismatch);
        }
        self.verify_with_key(state, response, credential, &key.key, now)
    }

    /// The §7.2 steps with an already parsed public key.
    fn verify_with_key(
        &self,
        state: AuthenticationState,
        response: &AuthenticationResponse,
        credential: &CredentialRecord,
        key: &CredentialPublicKey,
        now: u64,
    ) -> Result<VerifiedAuthentication> {
        if state.rp_id != self.rp_id {
            return Err(Error::StateMismatch);
        }
        check_expiry(state.expires_at, now)?;
        // The RP's key policy (RSA modulus floor), also for keys stored under a
        // laxer policy or before the floor existed.
        self.check_credential_key(key)?;
        let r = response.parts();
        check_type_and_id(r.type_, r.id, r.raw_id)?;
        let cred_id = r.raw_id;
        // §5.4.3: a user handle is at most 64 bytes; a longer one can never match
        // a stored handle, so refuse it before comparing anything.
        if let Some(h) = r.user_handle
            && h.len() > limits::MAX_USER_HANDLE
        {
            return Err(Error::TooLarge {
                field: Field::UserHandle,
                size: h.len(),
                max: limits::MAX_USER_HANDLE,
            });
        }

        // The record handed in must be the one the response names.
        if !constant_time_eq(credential.id.as_slice(), cred_id) {
            return Err(Error::UnknownCredential);
        }
        // §7.2 step 5 "If pkOptions.allowCredentials is not empty, verify that…"
        if !state.allow.is_empty() && !state.allow.iter().any(|a| a.as_slice() == cred_id) {
            return Err(Error::UnknownCredential);
        }
        if !credential.state.can_authenticate() {
            return Err(Error::CredentialNotActive);
        }
        // §7.2 step 6 "Identify the user being authenticated and let…" and check
        // that the credential is theirs.
        let response_handle = r.user_handle;
        match &state.user {
            Some(user) => {
                if credential.user_handle != *user {
                    return Err(Error::CredentialNotOwned);
                }
                if let Some(h) = response_handle
                    && h != user.as_bytes()
                {
                    return Err(Error::CredentialNotOwned);
                }
            }
            None => {
                let h = response_handle.ok_or(Error::MissingUserHandle)?;
                if h != credential.user_handle.as_bytes() {
                    return Err(Error::CredentialNotOwned);
                }
            }
        }

        // §7.2 step 7 "Let cData, authData and sig denote the value of…" Decoded
        // with size bounds; steps 8–9 parse cData (`client_data`).
        let cdj = within_limit(
            r.client_data_json,
            Field::ClientDataJson,
            limits::MAX_CLIENT_DATA_JSON,
        )?;
        let ad_bytes = within_limit(
            r.authenticator_data,
            Field::AuthenticatorData,
            limits::MAX_AUTHENTICATOR_DATA,
        )?;
        let sig = within_limit(r.signature, Field::Signature, limits::MAX_SIGNATURE)?;
        let c = CollectedClientData::parse(cdj)?;
        // §7.2 steps 10–14: type, challenge, origin, crossOrigin, topOrigin (each
        // cited where it is checked, in `client_data`).
        check_client_data(self, &c, ClientDataType::Get, &state.challenge)?;
        let auth_data = AuthenticatorData::parse(ad_bytes)?;
        // §7.2 step 15 (see `authenticator_data`) with the AppID extension
        // (§10.1.1): a credential made through the legacy U2F API is scoped to
        // the AppID, so when the client reports `appid: true` the rpIdHash is
        // SHA-256(AppID). The AppID is the one stored in the state at `start`;
        // without one, the RP ID hash stands.
        let appid_hash: Option<[u8; 32]> = match &state.appid {
            Some(appid) if r.extensions.is_some_and(crate::extensions::appid_used) => {
                Some(Sha256::digest(appid.as_bytes()).into())
            }
            _ => None,
        };
        let expected_rp_id_hash = appid_hash.as_ref().unwrap_or(&self.rp_id_hash);
        // §7.2 steps 15–18 (rpIdHash, UP, UV, BS without BE) and the backup policy.
        check_auth_data(
            self,
            &auth_data,
            state.user_verification,
            UserPresence::Required,
            expected_rp_id_hash,
        )?;
        let flags = auth_data.flags();
        // §7.2 step 19 "If the credential backup state is used as part of…" BE
        // never changes for a credential (§6.1.3).
        if flags.backup_eligible() != credential.backup_eligible {
            return Err(Error::BackupEligibilityChanged);
        }
        // §7.2 step 20 "Let hash be the result of computing a hash over the cData…"
        // §7.2 step 21 "Using credentialRecord.publicKey, verify that sig is a…"
        let hash = Sha256::digest(cdj);
        crate::crypto::signature::verify(key, &[ad_bytes, hash.as_slice()], sig)?;

        // §7.2 step 22 "If authData.signCount is nonzero or credentialRecord…"
        let received = auth_data.sign_count();
        let stored = credential.sign_count;
        let mut possibly_cloned = false;
        if (received != 0 || stored != 0) && received <= stored {
            match self.counter_policy {
                CounterPolicy::Strict => return Err(Error::Counter { stored, received }),
                CounterPolicy::Warn => possibly_cloned = true,
            }
        }
        Ok(VerifiedAuthentication {
            user_handle: credential.user_handle.clone(),
            flags,
            update: CredentialUpdate {
                credential_id: cred_id.to_vec(),
                previous_sign_count: stored,
                sign_count: if possibly_cloned {
                    stored.max(received)
                } else {
                    received
                },
                backup_state: flags.backup_state(),
                last_used_at: now,
                possibly_cloned,
            },
            client_extension_results: r.extensions.cloned().unwrap_or_default(),
            authenticator_extensions: auth_data.extensions().cloned(),
        })
    }
}

// Extension outputs, read through the parsers in `crate::extensions`.
impl VerifiedAuthentication {
    /// PRF results: the per-credential secrets derived from the salts sent.
    pub fn prf(&self) -> Option<crate::extensions::PrfOutputs> {
        crate::extensions::PrfOutputs::from_client_outputs(self.client_extension_results())
    }
    /// largeBlob outputs (`blob` after a read, `written` after a write).
    pub fn large_blob(&self) -> Option<crate::extensions::LargeBlobOutputs> {
        crate::extensions::LargeBlobOutputs::from_client_outputs(self.client_extension_results())
    }
    /// Whether the client signed in with the FIDO AppID (§10.1.1).
    pub fn appid_used(&self) -> bool {
        crate::extensions::appid_used(self.client_extension_results())
    }
}
