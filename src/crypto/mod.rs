//! Signature verification in one place: the COSE-algorithm dispatch
//! (`signature`), the variable-time P-256 verifier (`p256_vartime`, `p256_verify`)
//! and the RSA helpers. Nothing here knows about WebAuthn ceremonies; callers
//! hand in a key, a message and a signature.

pub(crate) mod ct;
pub(crate) mod p256_vartime;
pub(crate) mod p256_verify;
// Used by the certificate-based attestation formats and the `ring` backend.
#[cfg(any(feature = "attestation", feature = "ring"))]
pub(crate) mod rsa_key;
pub(crate) mod rsa_vartime;
pub(crate) mod signature;
