//! Randomised differential test against `p256`'s verifier: signatures made
//! by `p256::ecdsa::SigningKey` (random keys and messages, both low and high
//! S) must verify, and any single-bit change to the message, the signature
//! or the key must be rejected by both implementations alike.

use p256::ecdsa::{
    Signature, SigningKey, VerifyingKey,
    signature::hazmat::{PrehashSigner, PrehashVerifier},
};
use p256::elliptic_curve::ops::Neg;
use relypass::internal::p256_vartime::{PreparedKey, verify_prehash};
use sha2::{Digest, Sha256};

/// Deterministic pseudo-random bytes (SHA-256 in counter mode), so failures
/// reproduce.
struct Rng(u64);

impl Rng {
    fn bytes32(&mut self) -> [u8; 32] {
        self.0 += 1;
        Sha256::digest(format!("fastp256 differential {}", self.0)).into()
    }
    fn below(&mut self, n: usize) -> usize {
        (u64::from_be_bytes(self.bytes32()[..8].try_into().unwrap()) % n as u64) as usize
    }
}

/// Checks both verifiers agree and returns the (shared) verdict.
fn both(vk: &VerifyingKey, prepared: &PreparedKey, prehash: &[u8; 32], sig: &Signature) -> bool {
    let reference = vk.verify_prehash(prehash, sig).is_ok();
    assert_eq!(verify_prehash(vk.as_affine(), prehash, sig), reference);
    assert_eq!(prepared.verify_prehash(prehash, sig), reference);
    reference
}

#[test]
fn random_signatures_agree_with_p256() {
    let mut rng = Rng(0);
    let mut checked = 0;
    for _ in 0..48 {
        let Ok(sk) = SigningKey::from_slice(&rng.bytes32()) else {
            continue;
        };
        let vk = *sk.verifying_key();
        let prepared = PreparedKey::new(vk.as_affine()).unwrap();
        let other_vk = *SigningKey::from_slice(&rng.bytes32())
            .unwrap()
            .verifying_key();
        for _ in 0..4 {
            let mut msg = rng.bytes32().to_vec();
            msg.truncate(rng.below(33));
            let prehash: [u8; 32] = Sha256::digest(&msg).into();
            let sig: Signature = sk.sign_prehash(&prehash).unwrap();
            // p256 accepts both s and n - s (no low-S rule for P-256).
            let (r, s) = sig.split_scalars();
            let high = Signature::from_scalars(r.to_bytes(), s.as_ref().neg().to_bytes()).unwrap();
            for sig in [sig, high] {
                assert!(both(&vk, &prepared, &prehash, &sig));
                // Wrong key.
                assert!(!verify_prehash(other_vk.as_affine(), &prehash, &sig));
                assert!(other_vk.verify_prehash(&prehash, &sig).is_err());
                // One flipped bit in the message (hence the digest).
                let mut m = msg.clone();
                if m.is_empty() {
                    m.push(0);
                } else {
                    let i = rng.below(m.len() * 8);
                    m[i / 8] ^= 1 << (i % 8);
                }
                let bad: [u8; 32] = Sha256::digest(&m).into();
                assert!(!both(&vk, &prepared, &bad, &sig));
                // One flipped bit in the digest itself.
                let mut bad = prehash;
                let i = rng.below(256);
                bad[i / 8] ^= 1 << (i % 8);
                assert!(!both(&vk, &prepared, &bad, &sig));
                // One flipped bit in r or s (if it still parses).
                let mut bytes = sig.to_bytes();
                let i = rng.below(512);
                bytes[i / 8] ^= 1 << (i % 8);
                if let Ok(bad_sig) = Signature::from_slice(&bytes) {
                    assert!(!both(&vk, &prepared, &prehash, &bad_sig));
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 300, "only {checked} signatures checked");
}

#[test]
fn identity_key_is_rejected() {
    let sk = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let prehash = [1u8; 32];
    let sig: Signature = sk.sign_prehash(&prehash).unwrap();
    assert!(!verify_prehash(
        &p256::AffinePoint::IDENTITY,
        &prehash,
        &sig
    ));
    assert!(PreparedKey::new(&p256::AffinePoint::IDENTITY).is_none());
}
