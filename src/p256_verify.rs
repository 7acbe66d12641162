//! The ES256 verification backend.
//!
//! One function so the backend can change (pure-Rust fast path, `ring`) without
//! touching the ceremonies.

/// Verifies an ECDSA P-256 signature over a SHA-256 prehash.
pub(crate) fn verify_prehash(
    key: &p256::ecdsa::VerifyingKey,
    prehash: &[u8; 32],
    sig: &p256::ecdsa::Signature,
) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    key.verify_prehash(prehash, sig).is_ok()
}
