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
    /// `C.type` is not the ceremony's type (§7.1 step 7, §7.2 step 11).
    #[error("client data type is not the expected {expected:?}")]
    ClientDataType {
        /// What the ceremony required.
        expected: CeremonyKind,
    },
    /// `C.challenge` is not the challenge issued for this ceremony (§7.1 step 8, §7.2 step 12).
    #[error("challenge mismatch")]
    Challenge,
    /// `C.origin` is not an allowed origin (§7.1 step 9, §7.2 step 13).
    #[error("origin {origin:?} is not allowed")]
    Origin {
        /// The origin the client reported.
        origin: String,
    },
    /// `C.crossOrigin` is true and the RP does not allow cross-origin iframes (§7.1 step 10).
    #[error("cross-origin ceremony not allowed")]
    CrossOrigin,
    /// `C.topOrigin` is present and not an allowed top origin (§7.1 step 11).
    #[error("top origin {top_origin:?} is not allowed")]
    TopOrigin {
        /// The top-level origin the client reported.
        top_origin: String,
    },

    // ---- authenticator data --------------------------------------------------
    /// `rpIdHash` is not SHA-256 of the RP ID (§7.1 step 13, §7.2 step 15).
    #[error("rpIdHash does not match the RP ID")]
    RpIdHash,
    /// The UP flag is not set (§7.1 step 14, §7.2 step 16).
    #[error("user not present (UP flag clear)")]
    UserNotPresent,
    /// UV is required and the UV flag is not set (§7.1 step 15, §7.2 step 17).
    #[error("user verification required but UV flag clear")]
    UserNotVerified,
    /// BS is set while BE is clear (§6.1, §7.1 step 16, §7.2 step 18).
    #[error("backup state set on a credential that is not backup eligible")]
    BackupStateWithoutEligibility,
    /// The BE flag differs from the value stored at registration (§7.2 step 18).
    #[error("backup eligibility changed since registration")]
    BackupEligibilityChanged,
    /// Registration authData has no attested credential data (§7.1 step 19).
    #[error("attested credential data missing")]
    MissingAttestedCredentialData,
    /// The credential id is longer than 1023 bytes (§7.1 step 25).
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
    /// The assertion (or attestation) signature does not verify (§7.2 step 21).
    #[error("signature verification failed")]
    Signature,
    /// The signature counter did not advance (§7.2 step 22) and the policy is strict.
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
    /// The credential does not belong to the user the ceremony is for (§7.2 step 6).
    #[error("credential does not belong to this user")]
    CredentialNotOwned,
    /// Discoverable sign-in without a userHandle (§7.2 step 6).
    #[error("userHandle missing for a discoverable sign-in")]
    MissingUserHandle,
    /// The credential id of a new registration is already stored (§7.1 step 26).
    #[error("credential already registered")]
    CredentialAlreadyRegistered,
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
    /// The attestation statement failed verification (§7.1 step 22).
    #[error("attestation ({format}) failed: {reason}")]
    Attestation {
        /// The attestation statement format.
        format: &'static str,
        /// Which check failed (for logs).
        reason: String,
    },
    /// The attestation is valid but not trusted under the policy (§7.1 step 23-24).
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

    // ---- configuration and storage ------------------------------------------
    /// The relying-party configuration can never work.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The host's store failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// The OS random source failed.
    #[error("random source failed")]
    Random,
}

impl Error {
    pub(crate) fn malformed(field: Field, reason: &'static str) -> Self {
        Error::Malformed { field, reason }
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = core::result::Result<T, E>;
