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

// ---------------------------------------------------------------------------
// Adversarial cases: valid signatures built backwards from chosen values, so
// the edge cases of the arithmetic are reached with *accepting* verdicts too.
//
// For any key Q and any u1, u2 (u2 ≠ 0): with R = u1·G + u2·Q, r = x(R) mod n,
// s = r / u2 and e = u1·s, the signature (r, s) is valid for the digest e.
// And for any point R, r = x(R) mod n and s, e: (r, s) is valid for e under
// Q = r⁻¹(s·R − e·G). The first controls the scalars (u1 = 0, u1 = n − 1,
// single bits, all-ones chunks...) and the key (x ≥ n, Q = ±G...); the second
// controls R, which reaches the x(R) ≥ n branch (x(R) = r + n).

use p256::elliptic_curve::{
    Field, PrimeField,
    ops::Reduce,
    point::{AffineCoordinates, DecompressPoint},
    subtle::Choice,
};
use p256::{AffinePoint, FieldBytes, ProjectivePoint, Scalar};

fn scalar_from_hex(hex: &str) -> Scalar {
    let mut b = [0u8; 32];
    for (i, byte) in b.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    Option::from(Scalar::from_repr(b.into())).expect("below n")
}

fn x_mod_n(p: &AffinePoint) -> Scalar {
    <Scalar as Reduce<FieldBytes>>::reduce(&p.x())
}

/// Points with x-coordinate `x` (either y), if x is on the curve.
fn decompress(x: &FieldBytes) -> Vec<AffinePoint> {
    [0u8, 1]
        .iter()
        .filter_map(|&odd| Option::from(AffinePoint::decompress(x, Choice::from(odd))))
        .collect()
}

/// Field-element bytes of `base + k` (big-endian, no overflow past 2^256 for
/// the small `k` used).
fn plus(base: &[u8; 32], k: u64) -> FieldBytes {
    let mut add = [0u8; 32];
    add[24..].copy_from_slice(&k.to_be_bytes());
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = u16::from(base[i]) + u16::from(add[i]) + carry;
        out[i] = v as u8;
        carry = v >> 8;
    }
    out.into()
}

/// Checks (r, s) over digest e with key q: expected valid, and both
/// implementations (and PreparedKey) agree, also on tampered variants.
fn check_valid(q: &AffinePoint, r: Scalar, s: Scalar, e: Scalar) {
    let Ok(vk) = VerifyingKey::from_affine(*q) else {
        return;
    };
    let prepared = PreparedKey::new(q).unwrap();
    let sig = Signature::from_scalars(r.to_bytes(), s.to_bytes()).unwrap();
    let prehash: [u8; 32] = e.to_bytes().into();
    assert!(
        both(&vk, &prepared, &prehash, &sig),
        "valid signature refused"
    );
    // Tampered: s ± 1, r ± 1, e ± 1, and the negated key.
    for (dr, ds, de) in [(1, 0, 0), (0, 1, 0), (0, 0, 1)] {
        for sign in [Scalar::ONE, -Scalar::ONE] {
            let (r2, s2, e2) = (
                r + sign * Scalar::from(dr as u64),
                s + sign * Scalar::from(ds as u64),
                e + sign * Scalar::from(de as u64),
            );
            if let Ok(sig2) = Signature::from_scalars(r2.to_bytes(), s2.to_bytes()) {
                let prehash2: [u8; 32] = e2.to_bytes().into();
                assert!(!both(&vk, &prepared, &prehash2, &sig2));
            }
        }
    }
    let neg = (-ProjectivePoint::from(*q)).to_affine();
    let vk_neg = VerifyingKey::from_affine(neg).unwrap();
    let prepared_neg = PreparedKey::new(&neg).unwrap();
    // Under −Q the same signature is (almost always) invalid: agreement only.
    both(&vk_neg, &prepared_neg, &prehash, &sig);
}

/// n, big-endian.
const N_BYTES: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];
/// p, big-endian.
const P_BYTES: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
];

/// Edge scalars: 0, 1, 2, n − 1, n − 2, (n ± 1)/2, single bits at and around
/// the 64-bit chunk boundaries, all-ones chunks, and 2^k − 1.
fn edge_scalars() -> Vec<Scalar> {
    let mut v = vec![
        Scalar::ZERO,
        Scalar::ONE,
        Scalar::from(2u64),
        -Scalar::ONE,
        -Scalar::from(2u64),
    ];
    let half = Scalar::from(2u64).invert().unwrap();
    v.push(half);
    v.push(half - Scalar::ONE);
    v.push(half + Scalar::ONE);
    for k in [
        1u32, 31, 32, 63, 64, 65, 127, 128, 129, 191, 192, 193, 254, 255,
    ] {
        let two_k = (0..k).fold(Scalar::ONE, |a, _| a.double());
        v.push(two_k);
        v.push(two_k - Scalar::ONE);
        v.push(-two_k);
    }
    v.push(scalar_from_hex(
        "00000000000000000000000000000000ffffffffffffffffffffffffffffffff",
    ));
    v.push(scalar_from_hex(
        "ffffffff00000000ffffffffffffffff0000000000000000ffffffffffffffff",
    ));
    v.push(scalar_from_hex(
        "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ));
    v
}

/// Keys: G, −G, 2G, points with the smallest x, x just below p, and x in
/// [n, p) (an x that is ≥ n as an integer).
fn edge_keys() -> Vec<AffinePoint> {
    let g = ProjectivePoint::GENERATOR;
    let mut keys = vec![
        AffinePoint::GENERATOR,
        (-g).to_affine(),
        (g + g).to_affine(),
        (g * -Scalar::ONE.double()).to_affine(),
    ];
    let zero = [0u8; 32];
    let mut p_minus = P_BYTES;
    p_minus[31] -= 64; // p − 64 .. p − 1 below
    for (base, name) in [
        (&zero, "small x"),
        (&N_BYTES, "x ≥ n"),
        (&p_minus, "x near p"),
    ] {
        let mut found = 0;
        for k in 0..64 {
            let pts = decompress(&plus(base, k));
            found += pts.len();
            keys.extend(pts);
            if found >= 2 {
                break;
            }
        }
        assert!(found >= 2, "no key with {name}");
    }
    keys
}

#[test]
fn edge_scalars_and_keys_agree_with_p256() {
    let g = ProjectivePoint::GENERATOR;
    let scalars = edge_scalars();
    let mut checked = 0;
    let len = scalars.len();
    for (ki, q) in edge_keys().into_iter().enumerate() {
        let qp = ProjectivePoint::from(q);
        // Every u1 once per key, paired with a u2 that rotates with the key
        // (so across keys most pairs of edge values meet), plus u2 = ±1.
        for (i, &u1) in scalars.iter().enumerate() {
            let rotating = scalars[(7 * i + 3 * ki + 1) % len];
            let extra = if ki < 2 {
                [Scalar::ONE, -Scalar::ONE]
            } else {
                [rotating; 2]
            };
            for u2 in [rotating, extra[0], extra[1]] {
                if bool::from(u2.is_zero()) {
                    continue;
                }
                let rp = (g * u1 + qp * u2).to_affine();
                if bool::from(rp.is_identity()) {
                    continue;
                }
                let r = x_mod_n(&rp);
                if bool::from(r.is_zero()) {
                    continue;
                }
                let s = r * u2.invert().unwrap();
                let e = u1 * s;
                check_valid(&q, r, s, e);
                checked += 1;
            }
        }
    }
    assert!(checked > 400, "only {checked}");
}

#[test]
fn r_from_x_at_least_n_is_accepted() {
    // R with x(R) = n + k (k small, so x(R) < p): r = k, the x(R) - n branch.
    let g = ProjectivePoint::GENERATOR;
    let mut found = 0;
    for k in 1..200u64 {
        if found >= 12 {
            break;
        }
        for rp in decompress(&plus(&N_BYTES, k)) {
            let r = x_mod_n(&rp);
            assert_eq!(r, Scalar::from(k));
            for (s, e) in [
                (Scalar::ONE, Scalar::ZERO),
                (Scalar::from(3u64), Scalar::from(7u64)),
                (-Scalar::ONE, -Scalar::ONE),
            ] {
                // Q = r⁻¹(s·R − e·G)
                let q = ((ProjectivePoint::from(rp) * s - g * e) * r.invert().unwrap()).to_affine();
                if bool::from(q.is_identity()) {
                    continue;
                }
                check_valid(&q, r, s, e);
                found += 1;
            }
        }
    }
    assert!(found >= 6, "only {found}");
    // And small x(R) = k directly.
    for k in 1..12u64 {
        for rp in decompress(&plus(&[0; 32], k)) {
            let r = Scalar::from(k);
            let s = Scalar::from(5u64);
            let q = ((ProjectivePoint::from(rp) * s - g * Scalar::ONE) * r.invert().unwrap())
                .to_affine();
            check_valid(&q, r, s, Scalar::ONE);
        }
    }
}

#[test]
fn digests_at_and_above_n_agree_with_p256() {
    // Digest integers ≥ n are reduced mod n: e = 2^256 − 1, n, n + 1, p, p − 1.
    let sk = SigningKey::from_slice(&[42u8; 32]).unwrap();
    let vk = *sk.verifying_key();
    let prepared = PreparedKey::new(vk.as_affine()).unwrap();
    let mut digests: Vec<[u8; 32]> = vec![[0xff; 32], N_BYTES, P_BYTES, [0; 32]];
    digests.push(plus(&N_BYTES, 1).into());
    digests.push(plus(&P_BYTES, 0).into());
    let mut p_minus_one = P_BYTES;
    p_minus_one[31] -= 1;
    digests.push(p_minus_one);
    for d in digests {
        let sig: Signature = sk.sign_prehash(&d).unwrap();
        assert!(both(&vk, &prepared, &d, &sig));
        let mut other = d;
        other[0] ^= 0x80;
        assert!(!both(&vk, &prepared, &other, &sig));
    }
}
