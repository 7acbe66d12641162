//! Arithmetic modulo the P-256 prime `p = 2^256 - 2^224 + 2^192 + 2^96 - 1`,
//! specialised for the variable-time verifier in [`crate::p256_vartime`].
//!
//! Elements are four little-endian 64-bit limbs in Montgomery form
//! (`a·2^256 mod p`), always fully reduced (`< p`), so `==` and
//! [`Fe::is_zero`] are exact. Compared with `p256`'s generic Montgomery field
//! (which the verifier used before), this has:
//!
//! * a Montgomery reduction specialised to p's limbs
//!   `[2^64 - 1, 2^32 - 1, 0, 2^64 - 2^32 + 1]`: `-p⁻¹ mod 2^64 = 1`, so each
//!   of the four reduction steps multiplies by the limb itself and skips the
//!   zero limb (2 multiplications per step instead of 5);
//! * a dedicated squaring (10 limb products instead of 16), which matters
//!   because the `a = -3` doubling is 3M + 5S;
//! * `#[inline]` everything, so the point formulas compile to straight-line
//!   code without calls.
//!
//! Nothing here is constant time, although the only data-dependent branches
//! are the conditional final subtractions (compiled to masks or `cmov`);
//! it only ever handles public data. Inversion is delegated to `p256`
//! (variable-time safegcd), as it is needed once or twice per verification.
//! Every operation is checked against `p256`'s field arithmetic in the tests
//! below, including edge values (0, 1, p - 1, limbs all ones, carries across
//! each limb boundary).
#![forbid(unsafe_code)]

use p256::FieldBytes;
use p256::NistP256;
use p256::elliptic_curve::hazmat::FieldArithmetic;

/// `p256`'s field element, used for inversion only.
type P256Fe = <NistP256 as FieldArithmetic>::FieldElement;

/// The modulus, little-endian limbs.
const P: [u64; 4] = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];

/// `2^512 mod p`: multiplying by it converts into Montgomery form.
const R2: Fe = Fe([
    0x0000_0000_0000_0003,
    0xffff_fffb_ffff_ffff,
    0xffff_ffff_ffff_fffe,
    0x0000_0004_ffff_fffd,
]);

/// An element of GF(p) in Montgomery form, fully reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fe([u64; 4]);

/// `a + b + carry` → (low word, carry out); `carry` is 0 or 1.
#[inline(always)]
const fn adc(a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = a as u128 + b as u128 + carry as u128;
    (t as u64, (t >> 64) as u64)
}

/// `a - b - borrow` → (low word, borrow out); `borrow` is 0 or 1.
#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: u64) -> (u64, u64) {
    let t = (a as u128).wrapping_sub(b as u128 + borrow as u128);
    (t as u64, (t >> 127) as u64)
}

/// `a·b + c + d` → (low word, high word); cannot overflow 128 bits.
#[inline(always)]
const fn mac(a: u64, b: u64, c: u64, d: u64) -> (u64, u64) {
    let t = a as u128 * b as u128 + c as u128 + d as u128;
    (t as u64, (t >> 64) as u64)
}

/// `[w0, w1, w2, w3] + 2^256·w4 - p` if that is non-negative, else the input;
/// the input must be `< 2p`.
#[inline(always)]
const fn sub_p_if_needed(w: [u64; 4], w4: u64) -> Fe {
    let (t0, b) = sbb(w[0], P[0], 0);
    let (t1, b) = sbb(w[1], P[1], b);
    let (t2, b) = sbb(w[2], P[2], b);
    let (t3, b) = sbb(w[3], P[3], b);
    let (_, b) = sbb(w4, 0, b);
    // b = 1: the value was below p, keep it.
    let keep = 0u64.wrapping_sub(b);
    Fe([
        (w[0] & keep) | (t0 & !keep),
        (w[1] & keep) | (t1 & !keep),
        (w[2] & keep) | (t2 & !keep),
        (w[3] & keep) | (t3 & !keep),
    ])
}

/// Montgomery reduction of the 512-bit `t` (`< p·2^256`): `t·2^-256 mod p`.
///
/// Step `i` adds `k·p·2^(64i)` with `k = t_i` (as `-p⁻¹ ≡ 1 mod 2^64`), which
/// clears limb `i`: `k·p_0 + t_i = k·2^64`, a carry of `k` into limb `i + 1`.
/// `p_2 = 0` contributes nothing.
#[inline(always)]
const fn montgomery_reduce(t: [u64; 8]) -> Fe {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = t;

    let (a1, c) = mac(a0, P[1], a1, a0);
    let (a2, c) = adc(a2, 0, c);
    let (a3, c) = mac(a0, P[3], a3, c);
    let (a4, c2) = adc(a4, 0, c);

    let (a2, c) = mac(a1, P[1], a2, a1);
    let (a3, c) = adc(a3, 0, c);
    let (a4, c) = mac(a1, P[3], a4, c);
    let (a5, c2) = adc(a5, c2, c);

    let (a3, c) = mac(a2, P[1], a3, a2);
    let (a4, c) = adc(a4, 0, c);
    let (a5, c) = mac(a2, P[3], a5, c);
    let (a6, c2) = adc(a6, c2, c);

    let (a4, c) = mac(a3, P[1], a4, a3);
    let (a5, c) = adc(a5, 0, c);
    let (a6, c) = mac(a3, P[3], a6, c);
    let (a7, a8) = adc(a7, c2, c);

    sub_p_if_needed([a4, a5, a6, a7], a8)
}

impl Fe {
    /// Zero.
    pub(crate) const ZERO: Self = Self([0; 4]);
    /// One (`2^256 mod p` in Montgomery form).
    pub(crate) const ONE: Self = Self([
        0x0000_0000_0000_0001,
        0xffff_ffff_0000_0000,
        0xffff_ffff_ffff_ffff,
        0x0000_0000_ffff_fffe,
    ]);

    /// The element with canonical little-endian limbs `limbs`, which must be
    /// `< p` (checked by [`Self::from_bytes`]; the constants using this are
    /// checked by the tests).
    pub(crate) const fn from_canonical(limbs: [u64; 4]) -> Self {
        Self(limbs).multiply(&R2)
    }

    /// A small integer.
    pub(crate) const fn from_u64(v: u64) -> Self {
        Self::from_canonical([v, 0, 0, 0])
    }

    /// Parses a big-endian 32-byte integer; `None` if it is `≥ p`.
    pub(crate) fn from_bytes(bytes: &FieldBytes) -> Option<Self> {
        let mut limbs = [0u64; 4];
        for (i, limb) in limbs.iter_mut().enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(&bytes[32 - 8 * (i + 1)..32 - 8 * i]);
            *limb = u64::from_be_bytes(word);
        }
        // Canonical iff limbs - p borrows.
        let (_, b) = sbb(limbs[0], P[0], 0);
        let (_, b) = sbb(limbs[1], P[1], b);
        let (_, b) = sbb(limbs[2], P[2], b);
        let (_, b) = sbb(limbs[3], P[3], b);
        (b == 1).then(|| Self::from_canonical(limbs))
    }

    /// The canonical big-endian encoding.
    pub(crate) fn to_bytes(self) -> FieldBytes {
        let c = self.to_canonical();
        let mut out = FieldBytes::default();
        for (i, limb) in c.iter().enumerate() {
            out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Canonical little-endian limbs (out of Montgomery form).
    const fn to_canonical(self) -> [u64; 4] {
        let [a0, a1, a2, a3] = self.0;
        montgomery_reduce([a0, a1, a2, a3, 0, 0, 0, 0]).0
    }

    /// Whether this is zero.
    #[inline(always)]
    pub(crate) const fn is_zero(&self) -> bool {
        (self.0[0] | self.0[1] | self.0[2] | self.0[3]) == 0
    }

    /// `self + rhs`.
    #[inline(always)]
    pub(crate) const fn add(&self, rhs: &Self) -> Self {
        let (w0, c) = adc(self.0[0], rhs.0[0], 0);
        let (w1, c) = adc(self.0[1], rhs.0[1], c);
        let (w2, c) = adc(self.0[2], rhs.0[2], c);
        let (w3, c) = adc(self.0[3], rhs.0[3], c);
        sub_p_if_needed([w0, w1, w2, w3], c)
    }

    /// `2·self`.
    #[inline(always)]
    pub(crate) const fn double(&self) -> Self {
        self.add(self)
    }

    /// `self - rhs`.
    #[inline(always)]
    pub(crate) const fn sub(&self, rhs: &Self) -> Self {
        let (w0, b) = sbb(self.0[0], rhs.0[0], 0);
        let (w1, b) = sbb(self.0[1], rhs.0[1], b);
        let (w2, b) = sbb(self.0[2], rhs.0[2], b);
        let (w3, b) = sbb(self.0[3], rhs.0[3], b);
        // On a borrow, add p back (masked).
        let m = 0u64.wrapping_sub(b);
        let (w0, c) = adc(w0, P[0] & m, 0);
        let (w1, c) = adc(w1, P[1] & m, c);
        let (w2, c) = adc(w2, P[2] & m, c);
        let (w3, _) = adc(w3, P[3] & m, c);
        Self([w0, w1, w2, w3])
    }

    /// `-self`.
    #[inline(always)]
    pub(crate) const fn neg(&self) -> Self {
        Self::ZERO.sub(self)
    }

    /// `self · rhs` (Montgomery multiplication), operand-scanning with the
    /// reduction interleaved (CIOS): after each row `a_i·b` is added, one
    /// reduction step (`k` = the low limb, see [`montgomery_reduce`]) shifts
    /// the accumulator down a limb. The accumulator stays below `2p` (five
    /// limbs, the top one 0 or 1), which keeps fewer values live than
    /// multiplying out all eight limbs first.
    #[inline(always)]
    pub(crate) const fn multiply(&self, rhs: &Self) -> Self {
        let [a0, a1, a2, a3] = self.0;
        let [b0, b1, b2, b3] = rhs.0;

        let (r0, c) = mac(a0, b0, 0, 0);
        let (r1, c) = mac(a0, b1, 0, c);
        let (r2, c) = mac(a0, b2, 0, c);
        let (r3, r4) = mac(a0, b3, 0, c);
        let (s0, c) = mac(r0, P[1], r1, r0);
        let (s1, c) = adc(r2, 0, c);
        let (s2, c) = mac(r0, P[3], r3, c);
        let (s3, s4) = adc(r4, 0, c);

        let (r0, c) = mac(a1, b0, s0, 0);
        let (r1, c) = mac(a1, b1, s1, c);
        let (r2, c) = mac(a1, b2, s2, c);
        let (r3, c) = mac(a1, b3, s3, c);
        let (r4, r5) = adc(s4, 0, c);
        let (s0, c) = mac(r0, P[1], r1, r0);
        let (s1, c) = adc(r2, 0, c);
        let (s2, c) = mac(r0, P[3], r3, c);
        let (s3, c) = adc(r4, 0, c);
        let s4 = r5 + c;

        let (r0, c) = mac(a2, b0, s0, 0);
        let (r1, c) = mac(a2, b1, s1, c);
        let (r2, c) = mac(a2, b2, s2, c);
        let (r3, c) = mac(a2, b3, s3, c);
        let (r4, r5) = adc(s4, 0, c);
        let (s0, c) = mac(r0, P[1], r1, r0);
        let (s1, c) = adc(r2, 0, c);
        let (s2, c) = mac(r0, P[3], r3, c);
        let (s3, c) = adc(r4, 0, c);
        let s4 = r5 + c;

        let (r0, c) = mac(a3, b0, s0, 0);
        let (r1, c) = mac(a3, b1, s1, c);
        let (r2, c) = mac(a3, b2, s2, c);
        let (r3, c) = mac(a3, b3, s3, c);
        let (r4, r5) = adc(s4, 0, c);
        let (s0, c) = mac(r0, P[1], r1, r0);
        let (s1, c) = adc(r2, 0, c);
        let (s2, c) = mac(r0, P[3], r3, c);
        let (s3, c) = adc(r4, 0, c);
        let s4 = r5 + c;

        sub_p_if_needed([s0, s1, s2, s3], s4)
    }

    /// `self²`: the six cross products once, doubled, plus the four squares.
    #[inline(always)]
    pub(crate) const fn square(&self) -> Self {
        let a = &self.0;
        // Cross products a_i·a_j, i < j, at limbs 1..=6.
        let (t1, c) = mac(a[0], a[1], 0, 0);
        let (t2, c) = mac(a[0], a[2], 0, c);
        let (t3, t4) = mac(a[0], a[3], 0, c);

        let (t3, c) = mac(a[1], a[2], t3, 0);
        let (t4, t5) = mac(a[1], a[3], t4, c);

        let (t5, t6) = mac(a[2], a[3], t5, 0);

        // Double them (t7 receives the top bit).
        let t7 = t6 >> 63;
        let t6 = (t6 << 1) | (t5 >> 63);
        let t5 = (t5 << 1) | (t4 >> 63);
        let t4 = (t4 << 1) | (t3 >> 63);
        let t3 = (t3 << 1) | (t2 >> 63);
        let t2 = (t2 << 1) | (t1 >> 63);
        let t1 = t1 << 1;

        // Add the squares a_i² at limbs 2i, 2i + 1.
        let (t0, c) = mac(a[0], a[0], 0, 0);
        let (t1, c) = adc(t1, 0, c);
        let (s_lo, s_hi) = mac(a[1], a[1], 0, 0);
        let (t2, c2) = adc(t2, s_lo, 0);
        let (t3, c3) = adc(t3, s_hi, c2);
        // c (from t1) must also enter t2; do it in a second pass.
        let (t2, c4) = adc(t2, c, 0);
        let (t3, c5) = adc(t3, 0, c4);
        let carry = c3 + c5;
        let (s_lo, s_hi) = mac(a[2], a[2], 0, 0);
        let (t4, c) = adc(t4, s_lo, carry);
        let (t5, c) = adc(t5, s_hi, c);
        let (s_lo, s_hi) = mac(a[3], a[3], 0, 0);
        let (t6, c) = adc(t6, s_lo, c);
        let (t7, _) = adc(t7, s_hi, c);

        montgomery_reduce([t0, t1, t2, t3, t4, t5, t6, t7])
    }

    /// `self⁻¹`, or `None` for zero (variable time, through `p256`).
    pub(crate) fn invert_vartime(&self) -> Option<Self> {
        let x = Option::<P256Fe>::from(P256Fe::from_bytes(&self.to_bytes()))?;
        let inv = Option::<P256Fe>::from(x.invert_vartime())?;
        Self::from_bytes(&inv.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn bytes_of(limbs: [u64; 4]) -> FieldBytes {
        let mut out = FieldBytes::default();
        for (i, limb) in limbs.iter().enumerate() {
            out[32 - 8 * (i + 1)..32 - 8 * i].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }

    /// Interesting canonical values: 0, 1, 2, p - 1, p - 2, (p ± 1)/2, values
    /// with all-ones or all-zero limbs, single bits at and around each limb
    /// boundary, and pseudo-random values.
    fn samples() -> Vec<FieldBytes> {
        let mut v: Vec<[u64; 4]> = vec![
            [0, 0, 0, 0],
            [1, 0, 0, 0],
            [2, 0, 0, 0],
            [P[0] - 1, P[1], P[2], P[3]],
            [P[0] - 2, P[1], P[2], P[3]],
            // (p - 1) / 2 and (p + 1) / 2
            [
                0xffff_ffff_ffff_ffff,
                0x0000_0000_7fff_ffff,
                0x8000_0000_0000_0000,
                0x7fff_ffff_8000_0000,
            ],
            [
                0x0000_0000_0000_0000,
                0x0000_0000_8000_0000,
                0x8000_0000_0000_0000,
                0x7fff_ffff_8000_0000,
            ],
            [u64::MAX, u64::MAX, u64::MAX, 0xffff_ffff_0000_0000],
            [u64::MAX, 0, u64::MAX, 0],
            [0, u64::MAX, 0, u64::MAX - (1 << 33)],
            [u64::MAX, u64::MAX, u64::MAX, 0],
            [0, 0, 0, 0xffff_ffff_0000_0000],
            [0, 0x0000_0001_0000_0000, 0, 0xffff_ffff_0000_0000],
            // R mod p and R² mod p as plain integers
            Fe::ONE.0,
            R2.0,
        ];
        for i in 0..255u32 {
            let mut l = [0u64; 4];
            l[(i / 64) as usize] = 1 << (i % 64);
            v.push(l);
            // 2^i - 1
            let mut m = [0u64; 4];
            for b in 0..i {
                m[(b / 64) as usize] |= 1 << (b % 64);
            }
            v.push(m);
        }
        let mut out: Vec<FieldBytes> = v.into_iter().map(bytes_of).collect();
        for i in 0..300u32 {
            out.push(Sha256::digest(format!("p256_field {i}")));
        }
        // Keep canonical values only (p256 parses exactly these).
        out.retain(|b| bool::from(P256Fe::from_bytes(b).is_some()));
        out
    }

    #[test]
    fn parsing_matches_p256() {
        let mut edge = vec![
            bytes_of(P),
            bytes_of([P[0], P[1], P[2] + 1, P[3]]),
            bytes_of([0, 0, 0, P[3] + 1]),
            bytes_of([u64::MAX; 4]),
            bytes_of([P[0] - 1, P[1], P[2], P[3]]),
            bytes_of([0, P[1] + 1, 0, P[3]]),
        ];
        edge.extend(samples());
        for i in 0..200u32 {
            // Values near p and near 2^256.
            let mut b: FieldBytes = Sha256::digest(format!("near p {i}"));
            b[..4].copy_from_slice(&[0xff; 4]);
            edge.push(b);
        }
        for b in &edge {
            let theirs = Option::<P256Fe>::from(P256Fe::from_bytes(b));
            let ours = Fe::from_bytes(b);
            assert_eq!(ours.is_some(), theirs.is_some(), "{b:x?}");
            if let Some(x) = ours {
                assert_eq!(x.to_bytes(), *b);
            }
        }
    }

    #[test]
    fn constants() {
        assert_eq!(Fe::ONE, Fe::from_u64(1));
        assert_eq!(Fe::ONE.to_bytes(), P256Fe::ONE.to_bytes());
        assert_eq!(Fe::ZERO.to_bytes(), FieldBytes::default());
        assert_eq!(Fe::from_u64(5).to_bytes(), P256Fe::from_u64(5).to_bytes());
        // p - 1 = -1
        assert_eq!(
            Fe::ONE.neg().to_bytes(),
            bytes_of([P[0] - 1, P[1], P[2], P[3]])
        );
    }

    #[test]
    fn arithmetic_matches_p256() {
        let s = samples();
        assert!(s.len() > 700);
        let ours: Vec<Fe> = s.iter().map(|b| Fe::from_bytes(b).unwrap()).collect();
        let theirs: Vec<P256Fe> = s.iter().map(|b| P256Fe::from_bytes(b).unwrap()).collect();
        for i in 0..s.len() {
            let (a, x) = (ours[i], theirs[i]);
            assert_eq!(a.square().to_bytes(), x.square().to_bytes(), "square {i}");
            assert_eq!(a.double().to_bytes(), x.double().to_bytes(), "double {i}");
            assert_eq!(a.neg().to_bytes(), x.neg().to_bytes(), "neg {i}");
            assert_eq!(a.is_zero(), bool::from(x.is_zero()));
            match (a.invert_vartime(), Option::<P256Fe>::from(x.invert())) {
                (Some(ai), Some(xi)) => {
                    assert_eq!(ai.to_bytes(), xi.to_bytes());
                    assert_eq!(ai.multiply(&a), Fe::ONE);
                }
                (None, None) => assert!(a.is_zero()),
                _ => panic!("inversion differs at {i}"),
            }
            // All pairs among the first 120 samples, plus a stride over the rest.
            let js: Vec<usize> = if i < 120 {
                (0..s.len()).collect()
            } else {
                (0..s.len()).step_by(37).collect()
            };
            for j in js {
                let (b, y) = (ours[j], theirs[j]);
                assert_eq!(
                    a.multiply(&b).to_bytes(),
                    x.multiply(&y).to_bytes(),
                    "mul {i} {j}"
                );
                assert_eq!(a.add(&b).to_bytes(), x.add(&y).to_bytes(), "add {i} {j}");
                assert_eq!(a.sub(&b).to_bytes(), x.sub(&y).to_bytes(), "sub {i} {j}");
                assert_eq!(a == b, x == y);
            }
        }
    }

    #[test]
    fn results_are_fully_reduced() {
        // Chains of operations stay canonical: every limb vector is < p.
        let below_p = |x: &Fe| {
            let (_, b) = sbb(x.0[0], P[0], 0);
            let (_, b) = sbb(x.0[1], P[1], b);
            let (_, b) = sbb(x.0[2], P[2], b);
            let (_, b) = sbb(x.0[3], P[3], b);
            b == 1
        };
        let mut x = Fe::ONE.neg();
        let mut y = Fe::from_u64(3);
        for _ in 0..2000 {
            x = x.square().add(&y).sub(&x.double());
            y = y.multiply(&x).add(&Fe::ONE.neg());
            assert!(below_p(&x) && below_p(&y));
        }
    }
}
