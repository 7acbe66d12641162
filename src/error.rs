//! The error type: one variant per failed check, grouped by stage.
//!
//! Every variant names the check that failed so a host can `match` on it (and a
//! conformance runner can print why). Messages are for logs: they carry field
//! names and expected-vs-got only where both are public values (origins, RP IDs,
//! flags, counters), never secrets or key material.

use crate::cose::algorithm::CoseAlgorithm;
use crate::credential::state::CredentialState;

/// Which part of the input a [`Error::Malformed`] refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Field {
    /// The response JSON as a whole.
    ResponseJson,
    /// `id` / `rawId` of the response.
    CredentialId,
    /// `response.clientDataJSON`.
    ClientDataJson,
    /// `response.authenticatorData` (or the authData inside the attestation object).
    AuthenticatorData,
    /// Attested credential data inside authenticatorData.
    AttestedCredentialData,
    /// Extensions map inside authenticatorData.
    AuthenticatorExtensions,
    /// `response.attestationObject`.
    AttestationObject,
    /// `attStmt` inside the attestation object.
    AttestationStatement,
    /// The COSE_Key credential public key.
    CosePublicKey,
    /// `response.signature`.
    Signature,
    /// `response.userHandle`.
    UserHandle,
    /// A serialized ceremony state.
    CeremonyState,
    /// A stored credential record.
    StoredCredential,
    /// A user-chosen credential name (management operations).
    CredentialName,
}

impl core::fmt::Display for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = match self {
            Field::ResponseJson => "response JSON",
            Field::CredentialId => "credential id",
            Field::ClientDataJson => "clientDataJSON",
            Field::AuthenticatorData => "authenticatorData",
            Field::AttestedCredentialData => "attestedCredentialData",
            Field::AuthenticatorExtensions => "authenticator extensions",
            Field::AttestationObject => "attestationObject",
            Field::AttestationStatement => "attStmt",
            Field::CosePublicKey => "COSE public key",
            Field::Signature => "signature",
            Field::UserHandle => "userHandle",
            Field::CeremonyState => "ceremony state",
            Field::StoredCredential => "stored credential",
            Field::CredentialName => "credential name",
        };
        f.write_str(s)
    }
}

/// The ceremony a client data `type` was expected to name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CeremonyKind {
    /// `webauthn.create`.
    Registration,
    /// `webauthn.get`.
    Authentication,
}

/// Everything that can go wrong in a ceremony.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- input --------------------------------------------------------------
    /// A field could not be decoded; `reason` says how (for logs).
    #[error("malformed {field}: {reason}")]
    Malformed {
        /// The field that failed to decode.
        field: Field,
        /// What was wrong (for logs).
        reason: &'static str,
    },
    /// A size bound was exceeded before any work was done.
    #[error("{field} is too large: {size} bytes, the maximum is {max}")]
    TooLarge {
        /// The field over its bound.
        field: Field,
        /// The size presented.
        size: usize,
        /// The documented maximum.
        max: usize,
    },
    /// The credential `type` member was not `public-key`.
    #[error("credential type is not \"public-key\"")]
    CredentialType,
    /// `id` and `rawId` disagree, or the credential id does not match authData.
    #[error("credential id mismatch between id, rawId and authenticator data")]
    CredentialIdMismatch,

    // ---- client data ---------------------------------------------------------
    /// `C.type` is not the ceremony's type (§7.1 step 7 "Verify that the value of
    /// C.type…", §7.2 step 10 "Verify that the value of C.type…").
    #[error("client data type is not the expected {expected:?}")]
    ClientDataType {
        /// What the ceremony required.
        expected: CeremonyKind,
    },
    /// `C.challenge` is not the challenge issued for this ceremony (§7.1 step 8
    /// "Verify that the value of C.challenge…", §7.2 step 11 "Verify that the value
    /// of C.challenge…").
    #[error("challenge mismatch")]
    Challenge,
    /// `C.origin` is not an allowed origin (§7.1 step 9 "Verify that the value of
    /// C.origin…", §7.2 step 12 "Verify that the value of C.origin…").
    #[error("origin {origin:?} is not allowed")]
    Origin {
        /// The origin the client reported.
        origin: String,
    },
    /// `C.crossOrigin` is true and the RP does not allow cross-origin iframes
    /// (§7.1 step 10 "If C.crossOrigin is present…", §7.2 step 13 "If C.crossOrigin
    /// is present…").
    #[error("cross-origin ceremony not allowed")]
    CrossOrigin,
    /// `C.topOrigin` is present and not an allowed top origin (§7.1 step 11 "If
    /// C.topOrigin is present:", §7.2 step 14 "If C.topOrigin is present:").
    #[error("top origin {top_origin:?} is not allowed")]
    TopOrigin {
        /// The top-level origin the client reported.
        top_origin: String,
    },

    // ---- authenticator data --------------------------------------------------
    /// `rpIdHash` is not SHA-256 of the RP ID (§7.1 step 14 "Verify that the
    /// rpIdHash…", §7.2 step 15 "Verify that the rpIdHash…").
    #[error("rpIdHash does not match the RP ID")]
    RpIdHash,
    /// The UP flag is not set (§7.1 step 15 "If options.mediation is not set…",
    /// §7.2 step 16 "Verify that the UP bit…").
    #[error("user not present (UP flag clear)")]
    UserNotPresent,
    /// UV is required and the UV flag is not set (§7.1 step 16 "If the Relying Party
    /// requires user verification…", §7.2 step 17 "Determine whether user
    /// verification…").
    #[error("user verification required but UV flag clear")]
    UserNotVerified,
    /// BS is set while BE is clear (§6.1, §7.1 step 17 "If the BE bit of the flags…",
    /// §7.2 step 18 "If the BE bit of the flags…").
    #[error("backup state set on a credential that is not backup eligible")]
    BackupStateWithoutEligibility,
    /// The BE flag differs from the value stored at registration (§7.2 step 19
    /// "If the credential backup state is used…").
    #[error("backup eligibility changed since registration")]
    BackupEligibilityChanged,
    /// Registration authData has no attested credential data, so no credential
    /// public key (§7.1 step 20 "Verify that the…").
    #[error("attested credential data missing")]
    MissingAttestedCredentialData,
    /// The credential id is longer than 1023 bytes (§7.1 step 25 "Verify that the
    /// credentialId is ≤ 1023 bytes.").
    #[error("credential id is {len} bytes, the maximum is 1023")]
    CredentialIdTooLong {
        /// Its length.
        len: usize,
    },

    /// The credential's backup flags are refused by the RP's
    /// [`BackupPolicy`](crate::BackupPolicy) (device-bound keys required).
    #[error(
        "backup policy refuses this credential (backup eligible: {backup_eligible}, backed up: {backup_state})"
    )]
    BackupNotAllowed {
        /// The BE flag presented.
        backup_eligible: bool,
        /// The BS flag presented.
        backup_state: bool,
    },

    // ---- extensions ----------------------------------------------------------
    /// `enforceCredentialProtectionPolicy` was requested and the authenticator's
    /// `credProtect` output is missing or below the requested level.
    #[error("credProtect level {required} required, authenticator reported {got:?}")]
    CredProtect {
        /// The requested level (1 to 3).
        required: u8,
        /// The level the authenticator reported, if any.
        got: Option<u8>,
    },

    // ---- keys and signatures -------------------------------------------------
    /// The algorithm is not one this RP accepts or this build implements.
    #[error("unsupported or disallowed algorithm {0:?}")]
    UnsupportedAlgorithm(CoseAlgorithm),
    /// The COSE key is invalid (kty/crv/alg disagree, point not on curve, ...).
    #[error("invalid credential public key: {0}")]
    InvalidPublicKey(&'static str),
    /// The assertion (or attestation) signature does not verify (§7.2 step 21
    /// "Using credentialRecord.publicKey, verify…").
    #[error("signature verification failed")]
    Signature,
    /// The signature counter did not advance (§7.2 step 22 "If authData.signCount
    /// is nonzero…") and the policy is strict.
    #[error("signature counter did not advance: stored {stored}, received {received}")]
    Counter {
        /// The counter stored with the credential.
        stored: u32,
        /// The counter in the assertion.
        received: u32,
    },

    // ---- key policy and authenticator data quirks (security audit) -----------
    /// An RSA credential key's modulus is smaller than the RP accepts: 2048 bits
    /// by default, 1024 with
    /// [`allow_legacy_rsa_1024`](crate::RelyingPartyBuilder::allow_legacy_rsa_1024).
    /// Checked at registration and at every sign-in.
    #[error(
        "RSA credential key has a {bits}-bit modulus, this relying party requires at least {min}"
    )]
    RsaKeyTooSmall {
        /// The modulus size presented.
        bits: u32,
        /// The smallest size the RP accepts.
        min: u32,
    },
    /// authenticatorData ends with bytes that decode as one CBOR map (the shape
    /// of an extensions map) while the ED flag is clear. Old Firefox releases
    /// wrote the PRF / hmac-secret output there in cleartext without setting ED;
    /// WebAuthn forbids cleartext PRF outputs in authenticator data, and a
    /// verifier that skipped such bytes would disagree with others about what was
    /// signed, so this is refused like any trailing bytes, under its own name.
    #[error(
        "authenticatorData has {trailing} trailing bytes after the attested credential data or signature counter while the ED flag is clear: an old Firefox wrote the PRF/hmac-secret output in cleartext; update the browser"
    )]
    CleartextExtensionsWithoutEdFlag {
        /// How many bytes follow the parts the flags announce.
        trailing: usize,
    },

    // ---- credentials and users -----------------------------------------------
    /// No credential with this id is known (or it is not in allowCredentials).
    #[error("unknown credential")]
    UnknownCredential,
    /// The credential is known but not usable (disabled, revoked or pending).
    #[error("credential is not active")]
    CredentialNotActive,
    /// The credential does not belong to the user the ceremony is for (§7.2 step 6
    /// "Identify the user being authenticated…").
    #[error("credential does not belong to this user")]
    CredentialNotOwned,
    /// Discoverable sign-in without a userHandle (§7.2 step 6 "Identify the user
    /// being authenticated…").
    #[error("userHandle missing for a discoverable sign-in")]
    MissingUserHandle,
    /// The credential id of a new registration is already stored (§7.1 step 26
    /// "Verify that the credentialId is not yet registered…").
    #[error("credential already registered")]
    CredentialAlreadyRegistered,
    /// The account name (or user handle) of a new account is already taken.
    /// Decided atomically with storing the account's first credential, so two
    /// sign-ups racing for one name get one account and one `UsernameTaken`.
    #[error("user name is already taken")]
    UsernameTaken,
    /// An account name or display name breaks the naming rules (controls,
    /// invisible or direction-changing characters, spaces in a name, not in
    /// normalized form, empty or too long); see
    /// [`normalize_user_name`](crate::normalize_user_name).
    #[error("invalid user name: {reason}")]
    InvalidUserName {
        /// Which rule (for logs and for the user: it names no secret).
        reason: &'static str,
    },
    /// The change would leave a passkey-only account without an active,
    /// user-verifying credential: its last way to sign in. Decided by the store
    /// in the same atomic step as the removal, so two removals racing cannot
    /// both pass.
    #[error("refused: this is the account's last way to sign in")]
    LastWayIn,
    /// The user has reached the host's registration limit.
    #[error("registration limit of {limit} credentials reached")]
    RegistrationLimit {
        /// The configured limit.
        limit: usize,
    },

    /// A management operation asked for a lifecycle change that is not allowed
    /// (e.g. re-enabling a revoked credential: revocation is permanent).
    #[error("credential state cannot change from {from:?} to {to:?}")]
    InvalidStateTransition {
        /// The current state.
        from: CredentialState,
        /// The requested state.
        to: CredentialState,
    },

    // ---- attestation ---------------------------------------------------------
    /// The attestation statement format is not implemented or not allowed.
    #[error("unsupported attestation format {0:?}")]
    UnsupportedAttestationFormat(String),
    /// The attestation statement failed verification (§7.1 step 22 "Verify that
    /// attStmt is a correct attestation statement…").
    #[error("attestation ({format}) failed: {reason}")]
    Attestation {
        /// The attestation statement format.
        format: &'static str,
        /// Which check failed (for logs).
        reason: String,
    },
    /// The attestation is valid but not trusted under the policy (§7.1 step 24
    /// "Assess the attestation trustworthiness…").
    #[error("attestation not trusted: {0}")]
    AttestationNotTrusted(String),

    // ---- ceremony state ------------------------------------------------------
    /// The ceremony state expired before `finish`.
    #[error("ceremony state expired")]
    StateExpired,
    /// The ceremony state is unknown or was already used.
    #[error("ceremony state unknown or already used")]
    StateUsed,
    /// The ceremony state was made by a different relying party configuration.
    #[error("ceremony state belongs to a different relying party")]
    StateMismatch,
    /// The response's challenge is not the one of the ceremony the host's session
    /// holds (or the handle is of the other ceremony kind): the response belongs
    /// to another browser session, or another ceremony of this one. The session's
    /// ceremony was taken from the store in the attempt; start a new one.
    #[error("response does not belong to this session's ceremony")]
    CeremonyMismatch,
    /// A cached key handed to [`danger::verify_assertion`](crate::danger::verify_assertion)
    /// was parsed from a different credential or different key bytes than the
    /// record it was handed in with.
    #[error("cached key does not belong to the credential record")]
    CachedKeyMismatch,

    /// The store holds as many unfinished ceremonies as it is configured to
    /// (a flood of starts that are never finished): new starts are refused until
    /// some finish or expire, instead of letting the store grow without bound.
    #[error("too many unfinished ceremonies (the limit is {limit}); try again later")]
    TooManyCeremonies {
        /// The configured limit.
        limit: usize,
    },

    // ---- configuration and storage ------------------------------------------
    /// The relying-party configuration can never work.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The host's store failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// The host's store cannot be reached right now (database down, pool
    /// exhausted, timed out): a temporary condition, worth retrying.
    #[error("storage unavailable: {0}")]
    StoreUnavailable(String),
    /// The OS random source failed.
    #[error("random source failed")]
    Random,
}

/// What kind of failure an [`Error`] is, for hosts that map errors to HTTP
/// statuses and user-facing messages: every variant belongs to exactly one
/// kind (see [`Error::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request is malformed or too large: the client sent something no
    /// honest browser sends. HTTP 400.
    BadRequest,
    /// The response did not verify (signature, challenge, origin, flags,
    /// unknown or foreign credential, counter): the sign-in or registration
    /// fails. HTTP 401. Deliberately one kind, so a host does not reveal to the
    /// client which check failed (or whether a credential exists).
    VerificationFailed,
    /// The request conflicts with stored data: a name or credential that is
    /// already taken, a lifecycle change that is not allowed. HTTP 409.
    Conflict,
    /// The ceremony expired, was already used, or belongs to another session:
    /// start again. HTTP 410.
    Expired,
    /// The relying party's policy refuses it (algorithm, attestation trust,
    /// backup policy, registration limit, the last way in). HTTP 403.
    Forbidden,
    /// A temporary condition on the server side (store unreachable, too many
    /// unfinished ceremonies): retry later. HTTP 503 with `Retry-After`.
    Unavailable,
    /// A server-side fault (configuration, corrupted stored data, random
    /// source, store failure). HTTP 500.
    Internal,
}

impl ErrorKind {
    /// The HTTP status code hosts conventionally answer with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::VerificationFailed => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::Conflict => 409,
            ErrorKind::Expired => 410,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }
}

impl Error {
    /// The error's kind: which HTTP status a host answers with and which
    /// message it may show. The variant itself (and its `Display`) is for logs.
    pub fn kind(&self) -> ErrorKind {
        use ErrorKind as K;
        match self {
            // Data the server itself wrote and reads back is not the client's fault.
            Error::Malformed {
                field: Field::CeremonyState | Field::StoredCredential,
                ..
            }
            | Error::TooLarge {
                field: Field::CeremonyState | Field::StoredCredential,
                ..
            } => K::Internal,
            Error::Malformed { .. }
            | Error::TooLarge { .. }
            | Error::CredentialType
            | Error::CredentialIdMismatch
            | Error::MissingUserHandle
            | Error::CredentialIdTooLong { .. }
            | Error::MissingAttestedCredentialData
            | Error::InvalidUserName { .. }
            | Error::CleartextExtensionsWithoutEdFlag { .. } => K::BadRequest,
            Error::ClientDataType { .. }
            | Error::Challenge
            | Error::Origin { .. }
            | Error::CrossOrigin
            | Error::TopOrigin { .. }
            | Error::RpIdHash
            | Error::UserNotPresent
            | Error::UserNotVerified
            | Error::BackupStateWithoutEligibility
            | Error::BackupEligibilityChanged
            | Error::InvalidPublicKey(_)
            | Error::Signature
            | Error::Counter { .. }
            | Error::UnknownCredential
            | Error::CredentialNotActive
            | Error::CredentialNotOwned
            | Error::Attestation { .. } => K::VerificationFailed,
            Error::CredentialAlreadyRegistered
            | Error::UsernameTaken
            | Error::InvalidStateTransition { .. } => K::Conflict,
            Error::StateExpired | Error::StateUsed | Error::CeremonyMismatch => K::Expired,
            Error::BackupNotAllowed { .. }
            | Error::CredProtect { .. }
            | Error::UnsupportedAlgorithm(_)
            | Error::RsaKeyTooSmall { .. }
            | Error::UnsupportedAttestationFormat(_)
            | Error::AttestationNotTrusted(_)
            | Error::RegistrationLimit { .. }
            | Error::LastWayIn => K::Forbidden,
            Error::TooManyCeremonies { .. } | Error::StoreUnavailable(_) => K::Unavailable,
            Error::StateMismatch
            | Error::CachedKeyMismatch
            | Error::Config(_)
            | Error::Storage(_)
            | Error::Random => K::Internal,
        }
    }

    pub(crate) fn malformed(field: Field, reason: &'static str) -> Self {
        Error::Malformed { field, reason }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_written_data_that_fails_to_parse_is_internal_not_bad_request() {
        let state = Error::malformed(Field::CeremonyState, "x");
        let record = Error::malformed(Field::StoredCredential, "x");
        let client = Error::malformed(Field::ClientDataJson, "x");
        assert_eq!(state.kind(), ErrorKind::Internal);
        assert_eq!(record.kind(), ErrorKind::Internal);
        assert_eq!(client.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn kinds_map_to_the_conventional_statuses() {
        let cases = [
            (Error::Signature, 401),
            (Error::UnknownCredential, 401),
            (Error::UsernameTaken, 409),
            (Error::CredentialAlreadyRegistered, 409),
            (Error::StateUsed, 410),
            (Error::CeremonyMismatch, 410),
            (Error::LastWayIn, 403),
            (Error::RegistrationLimit { limit: 1 }, 403),
            (Error::TooManyCeremonies { limit: 1 }, 503),
            (Error::StoreUnavailable("down".into()), 503),
            (Error::Storage("x".into()), 500),
            (Error::CredentialType, 400),
        ];
        for (error, status) in cases {
            assert_eq!(error.kind().http_status(), status, "{error:?}");
        }
    }
}
