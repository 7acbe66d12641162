//! Documented resource bounds, enforced before any work is done.
//!
//! Every byte from the browser is hostile: these bounds cap the work and memory a
//! single request can cost. They are generous for every real authenticator seen
//! in the conformance vectors (the largest real attestation object is a TPM one of
//! under 4 KiB; the longest credential id allowed by the spec is 1023 bytes).

/// Maximum size of the whole response JSON accepted by `finish` (bytes).
pub const MAX_RESPONSE_JSON: usize = 64 * 1024;
/// Maximum size of clientDataJSON (bytes).
pub const MAX_CLIENT_DATA_JSON: usize = 8 * 1024;
/// Maximum size of authenticatorData (bytes).
pub const MAX_AUTHENTICATOR_DATA: usize = 16 * 1024;
/// Maximum size of an attestation object (bytes).
pub const MAX_ATTESTATION_OBJECT: usize = 32 * 1024;
/// Maximum credential id length (WebAuthn L3 §7.1 step 25).
pub const MAX_CREDENTIAL_ID: usize = 1023;
/// Maximum signature size (bytes; ML-DSA-87 signatures are 4627 bytes).
pub const MAX_SIGNATURE: usize = 8 * 1024;
/// Maximum userHandle size (§5.4.3: at most 64 bytes).
pub const MAX_USER_HANDLE: usize = 64;
/// Maximum nesting depth of any CBOR structure we decode.
pub const MAX_CBOR_DEPTH: usize = 16;
/// Maximum number of entries in the authenticator extensions map.
pub const MAX_EXTENSION_ENTRIES: usize = 32;
/// Maximum number of certificates in an `x5c` chain.
pub const MAX_CERTIFICATES: usize = 8;
/// Maximum size of one certificate (bytes).
pub const MAX_CERTIFICATE: usize = 8 * 1024;
/// Maximum RSA modulus size accepted for credential keys (bytes; 4096 bits).
pub const MAX_RSA_MODULUS_BYTES: usize = 512;
