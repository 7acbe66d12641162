//! Documented resource bounds, enforced before any work is done.
//!
//! Every byte from the browser is hostile: these bounds cap the work and memory a
//! single request can cost. They are generous for every real authenticator seen
//! in the conformance vectors (the largest real attestation object is a TPM one of
//! under 4 KiB; the longest credential id allowed by the spec is 1023 bytes).
//!
//! Where each bound is enforced, and what a request just over it gets:
//!
//! | bound | checked in | error |
//! | --- | --- | --- |
//! | [`MAX_RESPONSE_JSON`] | `RegistrationResponse::from_json`, `AuthenticationResponse::from_json`, before parsing; for a typed response handed to `Passkeys::finish_*`, its serialized size, before verification | `TooLarge` |
//! | [`MAX_CLIENT_DATA_JSON`] | both `finish` calls and `CollectedClientData::parse` | `TooLarge` |
//! | [`MAX_AUTHENTICATOR_DATA`] | `finish_authentication` and `AuthenticatorData::parse` | `TooLarge` |
//! | [`MAX_ATTESTATION_OBJECT`] | `finish_registration` and `AttestationObject::parse` | `TooLarge` |
//! | [`MAX_CREDENTIAL_ID`] | the response's `rawId` in both `finish` calls; the length field of attested credential data, before the id is read | `CredentialIdTooLong` |
//! | [`MAX_SIGNATURE`] | `finish_authentication`, before the signature is parsed | `TooLarge` |
//! | [`MAX_USER_HANDLE`] | `UserHandle::new`; the response's `userHandle` in `finish_authentication`, before it is compared | `Malformed` / `TooLarge` |
//! | [`MAX_CBOR_DEPTH`] | every CBOR decode (attestation object, COSE key, extensions) | `Malformed` |
//! | [`MAX_EXTENSION_ENTRIES`] | `AuthenticatorData::parse` | `Malformed` |
//! | [`MAX_CERTIFICATES`], [`MAX_CERTIFICATE`] | `AttestationObject::parse`, on any format's `x5c`, before a certificate is parsed | `Malformed` / `TooLarge` |
//! | [`MAX_RSA_MODULUS_BYTES`] | COSE key conversion, before the modulus is converted | `InvalidPublicKey` |
//!
//! No allocation is proportional to a length the input *claims*: authenticator
//! data is sliced, never copied by its length fields, and the CBOR decoder grows
//! its buffers as bytes actually arrive (a header claiming 2^60 bytes with ten
//! bytes behind it fails at the end of input after a read into a fixed 4 KiB
//! scratch buffer; array and map counts are never used as capacities).
//! `tests/limits.rs` checks each bound and measures the largest allocation.

/// Maximum size of the whole response JSON accepted by `finish` (bytes).
pub const MAX_RESPONSE_JSON: usize = 64 * 1024;
/// Maximum size of clientDataJSON (bytes).
pub const MAX_CLIENT_DATA_JSON: usize = 8 * 1024;
/// Maximum size of authenticatorData (bytes).
pub const MAX_AUTHENTICATOR_DATA: usize = 16 * 1024;
/// Maximum size of an attestation object (bytes).
pub const MAX_ATTESTATION_OBJECT: usize = 32 * 1024;
/// Maximum credential id length (WebAuthn L3 §7.1 step 25 "Verify that the
/// credentialId is ≤ 1023 bytes.").
pub const MAX_CREDENTIAL_ID: usize = 1023;
/// Maximum signature size (bytes; ML-DSA-87 signatures are 4627 bytes).
pub const MAX_SIGNATURE: usize = 8 * 1024;
/// Maximum userHandle size (§5.4.3: at most 64 bytes).
pub const MAX_USER_HANDLE: usize = 64;
/// Maximum nesting depth of any CBOR structure we decode (arrays, maps and tags
/// each count one level; the outermost item is level 1).
pub const MAX_CBOR_DEPTH: usize = 16;
/// Maximum number of entries in the authenticator extensions map.
pub const MAX_EXTENSION_ENTRIES: usize = 32;
/// Maximum number of certificates in an `x5c` chain.
pub const MAX_CERTIFICATES: usize = 8;
/// Maximum size of one certificate (bytes).
pub const MAX_CERTIFICATE: usize = 8 * 1024;
/// Maximum RSA modulus size accepted for credential keys (bytes; 4096 bits).
pub const MAX_RSA_MODULUS_BYTES: usize = 512;
/// The longest credential name [`CredentialRecord::set_name`](crate::CredentialRecord::set_name)
/// accepts, in characters (names end up in management pages and logs).
pub const MAX_CREDENTIAL_NAME_CHARS: usize = 64;
/// The longest account name (`user.name`), in UTF-8 bytes after
/// normalization; an e-mail address fits. (Authenticators store at least 64
/// bytes and may truncate beyond, §5.4.3.)
pub const MAX_USER_NAME_BYTES: usize = 128;
/// The longest display name (`user.displayName`), in UTF-8 bytes.
pub const MAX_DISPLAY_NAME_BYTES: usize = 128;
