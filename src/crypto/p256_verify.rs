//! The ES256 verification backend.
//!
//! One function so the backend can change (pure-Rust fast path, `ring`) without
//! touching the ceremonies. The default is [`crate::crypto::p256_vartime`]: verification
//! handles only public data, so a variable-time double-scalar multiplication is
//! safe, and with its own field arithmetic for the P-256 prime it takes about
//! 0.25x the time of `p256`'s constant-time verifier and about 1.2x ring's.

/// Verifies an ECDSA P-256 signature over a SHA-256 prehash.
pub(crate) fn verify_prehash(
    key: &p256::ecdsa::VerifyingKey,
    prehash: &[u8; 32],
    sig: &p256::ecdsa::Signature,
) -> bool {
    crate::crypto::p256_vartime::verify_prehash(key.as_affine(), prehash, sig)
}
