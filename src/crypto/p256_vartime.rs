//! Variable-time ECDSA P-256 (SHA-256) signature verification.
//!
//! Verification only ever handles public data (the public key, the message
//! digest and the signature), so nothing here needs to run in constant time.
//! That lets us replace the generic constant-time-friendly machinery that
//! `p256` uses for `VerifyingKey::verify_prehash` with a classic
//! variable-time design:
//!
//! * Jacobian coordinates with the `a = -3` doubling formula and mixed
//!   (Jacobian + affine) addition, instead of the complete projective
//!   formulas (Renes–Costello–Batina 2016), which take about 1.8× as long
//!   per doubling with `p256`'s field arithmetic;
//! * an interleaved (Straus–Shamir) double-scalar multiplication driven by
//!   width-`w` NAF digits (Hankerson–Menezes–Vanstone, *Guide to Elliptic
//!   Curve Cryptography*, Alg. 3.35 and 3.51), so only about one addition per
//!   `w + 1` bits is spent on each scalar and zero digits cost nothing;
//! * a large table of affine odd multiples of the generator built once per
//!   process, and a small per-call table for the public key, normalised to
//!   affine with a single (variable-time) inversion via Montgomery's trick;
//! * the final comparison `x(R) mod n == r` done projectively
//!   (`X == r·Z²`), which saves the field inversion of `to_affine`.
//!
//! [`PreparedKey`] additionally precomputes tables for `Q`, `2^64·Q`,
//! `2^128·Q` and `2^192·Q`, which cuts the doublings per verification from
//! 256 to 64.
//!
//! The base field arithmetic is our own (module `field`, `src/crypto/p256_field.rs`):
//! Montgomery multiplication specialised to the P-256 prime with the
//! reduction interleaved, a dedicated squaring, all inlined. With `p256`'s
//! generic field element the same code took twice as long; 87 % of the time
//! is now the 256 doublings and ~70 mixed additions of the main loop. Scalars
//! (mod n) and the one field inversion still use `p256`.
//! Acceptance behaviour mirrors `p256`'s own verifier exactly: high-S
//! signatures are accepted (`NistP256::NORMALIZE_S` is `false`), `r` and `s`
//! must lie in `[1, n - 1]`, and the identity is not a valid public key.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Indexing here is into fixed-size arrays with loop counters `0..N`, or into
// odd-multiple tables with wNAF digits whose magnitude is < 2^(w-1) by
// construction (so |d| / 2 < N): every index is in bounds for every input.
// Wycheproof and the differential tests exercise all of it.
#![allow(clippy::indexing_slicing)]

use p256::elliptic_curve::{
    ff::{Field, PrimeField},
    ops::Reduce,
    point::AffineCoordinates,
};
use p256::{AffinePoint, FieldBytes, Scalar, ecdsa::Signature};
use std::sync::{Arc, OnceLock};

/// Base field arithmetic specialised to the P-256 prime (a sibling file, so
/// this module keeps working wherever it is moved along with it).
#[path = "p256_field.rs"]
mod field;

/// Base field element of P-256 (integers modulo `p`) in Montgomery form. Its
/// operations always return fully reduced values (no lazy normalisation), so
/// `==` and `is_zero` are exact.
use field::Fe;

/// Curve coefficient `b` of `y² = x³ - 3x + b` (FIPS 186-4 §D.1.2.3):
/// `5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b`.
const CURVE_B: Fe = Fe::from_canonical([
    0x3bce_3c3e_27d2_604b,
    0x651d_06b0_cc53_b0f6,
    0xb3eb_bd55_7698_86bc,
    0x5ac6_35d8_aa3a_93e7,
]);

/// The group order `n` as a field element (valid because `n < p`):
/// `ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551`.
const ORDER_FE: Fe = Fe::from_canonical([
    0xf3b9_cac2_fc63_2551,
    0xbce6_faad_a717_9e84,
    0xffff_ffff_ffff_ffff,
    0xffff_ffff_0000_0000,
]);

/// `p - n`, big-endian. `x(R) = r + n` is only possible when `r < p - n`.
const P_MINUS_N: [u8; 32] = [
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x43, 0x19, 0x05, 0x53, 0x58, 0xe8, 0x61, 0x7b, 0x0c, 0x46, 0x35, 0x3d, 0x03, 0x9c, 0xda, 0xae,
];

/// wNAF window for the generator table used by [`verify_prehash`]:
/// 2^(8-2) = 64 affine points (4 KiB), ~256/9 ≈ 28 additions per signature.
const G_WINDOW: u32 = 8;
/// Entries in a width-`w` odd-multiple table: `P, 3P, ..., (2^(w-1) - 1)P`.
const G_ENTRIES: usize = 1 << (G_WINDOW - 2);

/// wNAF window for the per-call public key table. Width 5 (8 points) balances
/// the cost of building and normalising the table (7 additions and one
/// inversion) against the ~256/6 ≈ 43 additions of the main loop.
const Q_WINDOW: u32 = 5;
const Q_ENTRIES: usize = 1 << (Q_WINDOW - 2);

/// wNAF window for the per-key tables of [`PreparedKey`]: 4 × 32 points
/// (8 KiB per key).
const PREPARED_Q_WINDOW: u32 = 7;
const PREPARED_Q_ENTRIES: usize = 1 << (PREPARED_Q_WINDOW - 2);

/// Number of 64-bit chunks a scalar is split into by [`PreparedKey`]; chunk
/// `j` multiplies a table of odd multiples of `2^(64·j)·P`.
const SPLIT: usize = 4;

/// Digits in the wNAF of a 256-bit integer (a final carry can add one).
const FULL_DIGITS: usize = 257;
/// Digits in the wNAF of a 64-bit chunk.
const CHUNK_DIGITS: usize = 65;

/// An affine point that is never the identity, stored as `(x, 2y)`.
///
/// Every point in this module keeps its y-coordinate doubled (see
/// [`Jacobian`]); the true `y` is never needed because the final check only
/// looks at `x`.
#[derive(Clone, Copy, Debug)]
struct Affine {
    x: Fe,
    /// `2·y`.
    dy: Fe,
}

/// A point in Jacobian coordinates, `(X, Y, Z)` ↦ `(X/Z², Y/Z³)`, stored as
/// `(X, 2Y, Z)`.
///
/// Why `2Y`: the `a = -3` doubling needs `(2Y)²`, `2Y·Z` and `2·Y3`, so with
/// `2Y` at hand it costs 9 field additions instead of 12, while the scaled
/// additions below need only 2 more; doublings outnumber additions about
/// 3.5 : 1, and additions are a third of the time spent in `p256`'s field
/// arithmetic, so this saves ~5 %.
///
/// The identity is tracked with an explicit flag: none of the formulas below
/// ever produce `Z = 0` for a non-identity point (P-256 has prime order, so
/// there is no point with `y = 0` that doubling could send to infinity).
#[derive(Clone, Copy, Debug)]
struct Jacobian {
    x: Fe,
    /// `2·Y`.
    dy: Fe,
    z: Fe,
    infinity: bool,
}

impl Jacobian {
    const IDENTITY: Self = Self {
        x: Fe::ZERO,
        dy: Fe::ONE,
        z: Fe::ZERO,
        infinity: true,
    };

    fn from_affine(p: &Affine) -> Self {
        Self {
            x: p.x,
            dy: p.dy,
            z: Fe::ONE,
            infinity: false,
        }
    }

    /// Point doubling for `a = -3` ("dbl-2001-b", Bernstein–Lange Explicit
    /// Formulas Database), 3M + 5S:
    ///
    /// ```text
    /// α  = 3(X - Z²)(X + Z²)      (= 3X² + a·Z⁴ with a = -3)
    /// 4β = 4X·Y² = X·(2Y)²
    /// X3 = α² - 2·4β
    /// Y3 = α(4β - X3) - 8Y⁴        so  2·Y3 = 2α(4β - X3) - ((2Y)²)²
    /// Z3 = 2Y·Z
    /// ```
    fn double(&self) -> Self {
        if self.infinity {
            return *self;
        }
        let delta = self.z.square();
        let dy_sq = self.dy.square();
        let four_beta = self.x.multiply(&dy_sq);
        let t = self.x.sub(&delta).multiply(&self.x.add(&delta));
        let alpha = t.double().add(&t);
        let x3 = alpha.square().sub(&four_beta.double());
        let dy3 = alpha
            .multiply(&four_beta.sub(&x3))
            .double()
            .sub(&dy_sq.square());
        Self {
            x: x3,
            dy: dy3,
            z: self.dy.multiply(&self.z),
            infinity: false,
        }
    }

    /// Mixed addition `self + (±p)` with `p` affine ("madd-2007-bl", EFD),
    /// 8M + 3S. With `U2 = x·Z1²`, `S2 = y·Z1³`, `H = U2 - X1`:
    ///
    /// ```text
    /// r  = 2(S2 - Y1) = 2y·Z1³ - 2Y1           (no doubling needed here)
    /// I  = (2H)², J = H·I, V = X1·I
    /// X3 = r² - J - 2V
    /// Y3 = r(V - X3) - 2Y1·J                   so  2·Y3 = 2(r(V - X3) - 2Y1·J)
    /// Z3 = 2·Z1·H
    /// ```
    ///
    /// The formula is incomplete, so the exceptional cases are handled
    /// explicitly (variable time is fine: all inputs are public):
    /// `self = O` returns `±p`, `self = ±p` doubles or returns `O`.
    fn add_affine(&self, p: &Affine, negate: bool) -> Self {
        let p_dy = if negate { p.dy.neg() } else { p.dy };
        if self.infinity {
            return Self {
                x: p.x,
                dy: p_dy,
                z: Fe::ONE,
                infinity: false,
            };
        }
        let z1z1 = self.z.square();
        let u2 = p.x.multiply(&z1z1);
        let h = u2.sub(&self.x);
        let r = p_dy.multiply(&self.z.multiply(&z1z1)).sub(&self.dy);
        if h.is_zero() {
            // Same x-coordinate: either the same point or its negation.
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let two_h = h.double();
        let i = two_h.square();
        let j = h.multiply(&i);
        let v = self.x.multiply(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        let dy3 = r.multiply(&v.sub(&x3)).sub(&self.dy.multiply(&j)).double();
        Self {
            x: x3,
            dy: dy3,
            z: self.z.multiply(&two_h),
            infinity: false,
        }
    }

    /// General Jacobian addition ("add-2007-bl", EFD, same scaling as
    /// [`Self::add_affine`]): 12M + 4S. Only used to build tables, where the
    /// increment `2P` is not affine.
    fn add(&self, other: &Self) -> Self {
        if self.infinity {
            return *other;
        }
        if other.infinity {
            return *self;
        }
        let z1z1 = self.z.square();
        let z2z2 = other.z.square();
        let u1 = self.x.multiply(&z2z2);
        let u2 = other.x.multiply(&z1z1);
        // 2·S1 and 2·S2.
        let ds1 = self.dy.multiply(&other.z.multiply(&z2z2));
        let ds2 = other.dy.multiply(&self.z.multiply(&z1z1));
        let h = u2.sub(&u1);
        let r = ds2.sub(&ds1);
        if h.is_zero() {
            return if r.is_zero() {
                self.double()
            } else {
                Self::IDENTITY
            };
        }
        let two_h = h.double();
        let i = two_h.square();
        let j = h.multiply(&i);
        let v = u1.multiply(&i);
        let x3 = r.square().sub(&j).sub(&v.double());
        // Y3 = r(V - X3) - 2·S1·J
        let dy3 = r.multiply(&v.sub(&x3)).sub(&ds1.multiply(&j)).double();
        Self {
            x: x3,
            dy: dy3,
            z: self.z.multiply(&other.z).multiply(&two_h),
            infinity: false,
        }
    }
}

impl Affine {
    /// Converts a `p256` point, rejecting the identity. Points obtained through
    /// `p256`'s public API are always on the curve; the curve equation is
    /// re-checked anyway (a handful of multiplications) so that an invalid
    /// point could never reach the incomplete formulas above.
    fn from_point(point: &AffinePoint) -> Option<Self> {
        if bool::from(point.is_identity()) {
            return None;
        }
        let x = Fe::from_bytes(&point.x())?;
        let y = Fe::from_bytes(&point.y())?;
        // y² = x³ - 3x + b  ⇔  y² = (x² - 3)·x + b
        let three = Fe::from_u64(3);
        let rhs = x.square().sub(&three).multiply(&x).add(&CURVE_B);
        (y.square() == rhs).then_some(Self { x, dy: y.double() })
    }
}

/// Converts Jacobian points to affine with one inversion (Montgomery's
/// simultaneous inversion trick, HMV Alg. 2.26): 3(N-1) multiplications plus
/// one inversion instead of N inversions. Returns `None` if any input is the
/// identity, which cannot happen for the odd multiples `kP` (`k < n`) that are
/// passed in, but is reported rather than assumed.
fn batch_normalize<const N: usize>(points: &[Jacobian; N]) -> Option<[Affine; N]> {
    if points.iter().any(|p| p.infinity) {
        return None;
    }
    // prefix[i] = z_0 · z_1 · ... · z_i
    let mut prefix = [Fe::ONE; N];
    let mut acc = Fe::ONE;
    for (slot, p) in prefix.iter_mut().zip(points) {
        acc = acc.multiply(&p.z);
        *slot = acc;
    }
    let mut inv = acc.invert_vartime()?;
    let mut out = [Affine {
        x: Fe::ZERO,
        dy: Fe::ZERO,
    }; N];
    for i in (0..N).rev() {
        // inv = (z_0 ... z_i)^-1 here, so z_i^-1 = inv · (z_0 ... z_{i-1}).
        let z_inv = if i == 0 {
            inv
        } else {
            inv.multiply(&prefix[i - 1])
        };
        if i > 0 {
            inv = inv.multiply(&points[i].z);
        }
        let z_inv2 = z_inv.square();
        let z_inv3 = z_inv2.multiply(&z_inv);
        out[i] = Affine {
            x: points[i].x.multiply(&z_inv2),
            // 2Y/Z³ = 2y: the doubled representation carries over.
            dy: points[i].dy.multiply(&z_inv3),
        };
    }
    Some(out)
}

/// Affine odd multiples `P, 3P, 5P, ..., (2N - 1)P`: the table a width-`w`
/// NAF needs for `N = 2^(w-2)`.
fn odd_multiples<const N: usize>(p: &Jacobian) -> Option<[Affine; N]> {
    let two_p = p.double();
    let mut points = [*p; N];
    for i in 1..N {
        points[i] = points[i - 1].add(&two_p);
    }
    batch_normalize(&points)
}

/// Width-`w` non-adjacent form of the little-endian integer `k`
/// (HMV Alg. 3.35): every non-zero digit is odd with `|d| < 2^(w-1)`, and any
/// `w` consecutive digits contain at most one non-zero digit, so about
/// `len/(w+1)` additions are needed. `N` must be at least `64·L + 1` (the
/// representation can be one digit longer than `k`) and `2 ≤ w ≤ 8`.
fn wnaf<const L: usize, const N: usize>(k: &[u64; L], w: u32) -> [i8; N] {
    debug_assert!(N > 64 * L && (2..=8).contains(&w));
    let width = 1u64 << w;
    let mask = width - 1;
    let mut digits = [0i8; N];
    let mut carry = 0u64;
    let mut pos = 0usize;
    while pos < N {
        // Bits pos .. pos + w of k (zero beyond the top), plus the carry left
        // by a previous negative digit.
        let limb = pos / 64;
        let shift = pos % 64;
        let mut bits = if limb < L { k[limb] >> shift } else { 0 };
        if shift != 0 && limb + 1 < L {
            bits |= k[limb + 1] << (64 - shift);
        }
        let window = (bits & mask) + carry;
        if window & 1 == 0 {
            // A zero digit; an incoming carry simply moves up one bit.
            pos += 1;
            continue;
        }
        // Signed residue of the window mod 2^w in (-2^(w-1), 2^(w-1)).
        let digit = if window < width / 2 {
            carry = 0;
            window as i64
        } else {
            carry = 1;
            window as i64 - width as i64
        };
        // |digit| < 2^7 because w ≤ 8, so the cast is lossless.
        digits[pos] = digit as i8;
        pos += w as usize;
    }
    digits
}

/// Little-endian 64-bit limbs of a scalar.
fn scalar_limbs(s: &Scalar) -> [u64; 4] {
    let bytes = s.to_repr();
    let mut limbs = [0u64; 4];
    for (i, limb) in limbs.iter_mut().enumerate() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[32 - 8 * (i + 1)..32 - 8 * i]);
        *limb = u64::from_be_bytes(word);
    }
    limbs
}

/// One input of the interleaved multiplication: wNAF digits and the affine
/// odd multiples they index.
struct Stream<'a> {
    digits: &'a [i8],
    table: &'a [Affine],
}

/// Straus–Shamir interleaving (HMV Alg. 3.51): `Σ kᵢ·Pᵢ` with one shared
/// chain of doublings; digit `d ≠ 0` of stream `i` adds `±table[|d|/2]`,
/// i.e. `±|d|·Pᵢ`. All streams must have the same number of digits.
fn interleave(streams: &[Stream<'_>]) -> Jacobian {
    let len = streams.iter().map(|s| s.digits.len()).min().unwrap_or(0);
    // Leading zero digits would only double the identity.
    let top = (0..len)
        .rev()
        .find(|&i| streams.iter().any(|s| s.digits[i] != 0));
    let Some(top) = top else {
        return Jacobian::IDENTITY;
    };
    let mut acc = Jacobian::IDENTITY;
    for i in (0..=top).rev() {
        acc = acc.double();
        for stream in streams {
            let d = stream.digits[i];
            if d != 0 {
                // Out-of-range digits cannot occur (|d| < 2^(w-1) matches the
                // table size), but `get` keeps this path panic-free regardless.
                if let Some(p) = stream.table.get(usize::from(d.unsigned_abs() >> 1)) {
                    acc = acc.add_affine(p, d < 0);
                }
            }
        }
    }
    acc
}

/// Process-wide tables of affine odd multiples of `2^(64·j)·G`, `j < SPLIT`.
/// Index 0 (plain `G`) serves [`verify_prehash`]; all four serve
/// [`PreparedKey`]. Built on first use (≈ 0.2 ms), 16 KiB.
/// `None` is unreachable (the generator is valid and its multiples below `n`
/// are never the identity) but is propagated instead of panicking.
fn generator_tables() -> Option<&'static [[Affine; G_ENTRIES]; SPLIT]> {
    static TABLES: OnceLock<Option<[[Affine; G_ENTRIES]; SPLIT]>> = OnceLock::new();
    TABLES
        .get_or_init(|| split_tables::<G_ENTRIES>(&Affine::from_point(&AffinePoint::GENERATOR)?))
        .as_ref()
}

/// Tables of odd multiples of `2^(64·j)·P` for `j < SPLIT`.
fn split_tables<const N: usize>(p: &Affine) -> Option<[[Affine; N]; SPLIT]> {
    let mut base = Jacobian::from_affine(p);
    let mut tables = [[*p; N]; SPLIT];
    for (j, table) in tables.iter_mut().enumerate() {
        if j > 0 {
            for _ in 0..64 {
                base = base.double();
            }
        }
        *table = odd_multiples::<N>(&base)?;
    }
    Some(tables)
}

/// The scalars of SEC 1 §4.1.4 steps 4–5: `u1 = e·s⁻¹`, `u2 = r·s⁻¹ (mod n)`,
/// plus `r`'s big-endian bytes. `None` if `r` or `s` is not in `[1, n-1]`
/// (`Signature` already guarantees this; it is re-checked here so the
/// function is correct on its own).
fn signature_scalars(
    prehash: &[u8; 32],
    signature: &Signature,
) -> Option<(Scalar, Scalar, FieldBytes)> {
    let (r_bytes, s_bytes) = signature.split_bytes();
    let r = Option::<Scalar>::from(Scalar::from_repr(r_bytes))?;
    let s = Option::<Scalar>::from(Scalar::from_repr(s_bytes))?;
    if bool::from(r.is_zero()) || bool::from(s.is_zero()) {
        return None;
    }
    // SEC 1 §4.1.4 step 3 / §4.1.3 step 5: the 256-bit digest is already
    // exactly the bit length of n, so e is the digest reduced mod n (what
    // `ecdsa`'s `bytes2scalar` does for `p256` too).
    let e = <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(*prehash));
    let s_inv = Option::<Scalar>::from(s.invert_vartime())?;
    Some((e.multiply(&s_inv), r.multiply(&s_inv), r_bytes))
}

/// SEC 1 §4.1.4 steps 6–8 without an inversion: accept iff `R ≠ O` and
/// `x(R) mod n = r`. As `0 ≤ x(R) < p < 2n`, `x(R) mod n = r` means
/// `x(R) ∈ {r, r + n}`, the second only possible when `r + n < p`. With
/// `x(R) = X/Z²` both are checked as `X = c·Z²`.
fn x_matches_r(point: &Jacobian, r_bytes: &FieldBytes) -> bool {
    if point.infinity {
        return false;
    }
    let Some(r) = Fe::from_bytes(r_bytes) else {
        return false;
    };
    let z2 = point.z.square();
    if point.x == r.multiply(&z2) {
        return true;
    }
    // Big-endian byte strings of equal length compare like the integers.
    r_bytes.as_slice() < P_MINUS_N.as_slice() && point.x == r.add(&ORDER_FE).multiply(&z2)
}

/// Verifies an ECDSA P-256 signature over a 32-byte SHA-256 prehash.
///
/// Implements SEC 1 v2 §4.1.4 with the same acceptance rules as `p256`'s
/// `VerifyingKey::verify_prehash` (including accepting high-S signatures) in
/// variable time, which is safe because every input is public. Returns
/// `false` for the identity as public key and for any invalid signature;
/// never panics.
pub fn verify_prehash(public_key: &AffinePoint, prehash: &[u8; 32], signature: &Signature) -> bool {
    let Some(q) = Affine::from_point(public_key) else {
        return false;
    };
    let Some((u1, u2, r_bytes)) = signature_scalars(prehash, signature) else {
        return false;
    };
    let Some(q_table) = odd_multiples::<Q_ENTRIES>(&Jacobian::from_affine(&q)) else {
        return false;
    };
    let Some(g_tables) = generator_tables() else {
        return false;
    };
    let g_table = &g_tables[0];
    let d1 = wnaf::<4, FULL_DIGITS>(&scalar_limbs(&u1), G_WINDOW);
    let d2 = wnaf::<4, FULL_DIGITS>(&scalar_limbs(&u2), Q_WINDOW);
    // SEC 1 §4.1.4 step 5: R = u1·G + u2·Q.
    let point = interleave(&[
        Stream {
            digits: &d1,
            table: g_table,
        },
        Stream {
            digits: &d2,
            table: &q_table,
        },
    ]);
    x_matches_r(&point, &r_bytes)
}

/// A public key with precomputed tables for repeated verification.
///
/// Holds affine odd multiples of `Q`, `2^64·Q`, `2^128·Q` and `2^192·Q`
/// (8 KiB, shared behind an `Arc`, so cloning is cheap). Splitting both
/// scalars into four 64-bit chunks turns the 256 doublings of
/// [`verify_prehash`] into 64. Worth it when the same key verifies more than
/// one or two signatures: building costs about 1.5 × one [`verify_prehash`].
#[derive(Clone)]
pub struct PreparedKey {
    tables: Arc<[[Affine; PREPARED_Q_ENTRIES]; SPLIT]>,
}

impl core::fmt::Debug for PreparedKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The affine x-coordinate of Q, big-endian hex.
        let x: String = self.tables[0][0]
            .x
            .to_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        f.debug_struct("PreparedKey")
            .field("x", &x)
            .finish_non_exhaustive()
    }
}

impl PreparedKey {
    /// Precomputes the tables for `public_key`. Returns `None` for the
    /// identity (which `p256` also refuses as a verifying key).
    pub fn new(public_key: &AffinePoint) -> Option<Self> {
        let q = Affine::from_point(public_key)?;
        let tables = split_tables::<PREPARED_Q_ENTRIES>(&q)?;
        Some(Self {
            tables: Arc::new(tables),
        })
    }

    /// Verifies an ECDSA P-256 signature over a 32-byte SHA-256 prehash;
    /// same semantics as [`verify_prehash`].
    pub fn verify_prehash(&self, prehash: &[u8; 32], signature: &Signature) -> bool {
        let Some((u1, u2, r_bytes)) = signature_scalars(prehash, signature) else {
            return false;
        };
        let Some(g_tables) = generator_tables() else {
            return false;
        };
        let u1 = scalar_limbs(&u1);
        let u2 = scalar_limbs(&u2);
        // u = Σ_j u[j]·2^(64j), so u·P = Σ_j u[j]·(2^(64j)·P): eight 64-bit
        // multiplications sharing one chain of 64 doublings.
        let d1: [[i8; CHUNK_DIGITS]; SPLIT] =
            core::array::from_fn(|j| wnaf::<1, CHUNK_DIGITS>(&[u1[j]], G_WINDOW));
        let d2: [[i8; CHUNK_DIGITS]; SPLIT] =
            core::array::from_fn(|j| wnaf::<1, CHUNK_DIGITS>(&[u2[j]], PREPARED_Q_WINDOW));
        let streams: [Stream<'_>; 2 * SPLIT] = core::array::from_fn(|i| {
            let j = i / 2;
            if i % 2 == 0 {
                Stream {
                    digits: &d1[j],
                    table: &g_tables[j],
                }
            } else {
                Stream {
                    digits: &d2[j],
                    table: &self.tables[j],
                }
            }
        });
        x_matches_r(&interleave(&streams), &r_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ProjectivePoint;
    use sha2::{Digest, Sha256};

    /// Deterministic test randomness: SHA-256 of a label and a counter.
    fn bytes(label: &str, i: u64) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(label.as_bytes());
        h.update(i.to_be_bytes());
        h.finalize().into()
    }

    fn scalar(label: &str, i: u64) -> Scalar {
        <Scalar as Reduce<FieldBytes>>::reduce(&FieldBytes::from(bytes(label, i)))
    }

    /// Affine coordinates of a Jacobian point (`None` for the identity).
    fn to_affine(p: &Jacobian) -> Option<(FieldBytes, FieldBytes)> {
        if p.infinity {
            return None;
        }
        let zi = p.z.invert_vartime()?;
        let zi2 = zi.square();
        let half = Fe::from_u64(2).invert_vartime().unwrap();
        Some((
            p.x.multiply(&zi2).to_bytes(),
            p.dy.multiply(&zi2.multiply(&zi)).multiply(&half).to_bytes(),
        ))
    }

    fn reference(u1: &Scalar, u2: &Scalar, q: &AffinePoint) -> Option<(FieldBytes, FieldBytes)> {
        let r = (ProjectivePoint::GENERATOR * u1 + ProjectivePoint::from(*q) * u2).to_affine();
        if bool::from(r.is_identity()) {
            None
        } else {
            Some((r.x(), r.y()))
        }
    }

    fn ours(
        u1: &Scalar,
        u2: &Scalar,
        q: &AffinePoint,
        prepared: &PreparedKey,
    ) -> Option<(FieldBytes, FieldBytes)> {
        let qa = Affine::from_point(q).unwrap();
        let qt = odd_multiples::<Q_ENTRIES>(&Jacobian::from_affine(&qa)).unwrap();
        let d1 = wnaf::<4, FULL_DIGITS>(&scalar_limbs(u1), G_WINDOW);
        let d2 = wnaf::<4, FULL_DIGITS>(&scalar_limbs(u2), Q_WINDOW);
        let full = to_affine(&interleave(&[
            Stream {
                digits: &d1,
                table: &generator_tables().unwrap()[0],
            },
            Stream {
                digits: &d2,
                table: &qt,
            },
        ]));
        // The split (PreparedKey) path must agree too.
        let (l1, l2) = (scalar_limbs(u1), scalar_limbs(u2));
        let c1: [[i8; CHUNK_DIGITS]; SPLIT] =
            core::array::from_fn(|j| wnaf::<1, CHUNK_DIGITS>(&[l1[j]], G_WINDOW));
        let c2: [[i8; CHUNK_DIGITS]; SPLIT] =
            core::array::from_fn(|j| wnaf::<1, CHUNK_DIGITS>(&[l2[j]], PREPARED_Q_WINDOW));
        let mut streams = Vec::new();
        for j in 0..SPLIT {
            streams.push(Stream {
                digits: &c1[j],
                table: &generator_tables().unwrap()[j],
            });
            streams.push(Stream {
                digits: &c2[j],
                table: &prepared.tables[j],
            });
        }
        assert_eq!(full, to_affine(&interleave(&streams)));
        full
    }

    #[test]
    fn prepared_key_is_shareable() {
        fn assert_traits<T: Send + Sync + Clone + core::fmt::Debug>() {}
        assert_traits::<PreparedKey>();
        let key = PreparedKey::new(&AffinePoint::GENERATOR).unwrap();
        assert_eq!(
            format!("{key:?}"),
            "PreparedKey { x: \"6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\", .. }"
        );
    }

    #[test]
    fn constants_match_p256() {
        assert_eq!(
            Scalar::MODULUS,
            "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
        );
        // n as a field element has the bytes of n.
        let n_bytes = ORDER_FE.to_bytes();
        assert_eq!(
            format!(
                "{}",
                n_bytes
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
            Scalar::MODULUS
        );
        // (p - n) + n ≡ 0 (mod p).
        let p_minus_n = Fe::from_bytes(&FieldBytes::from(P_MINUS_N)).unwrap();
        assert!(p_minus_n.add(&ORDER_FE).is_zero());
        // b is right iff the generator satisfies the curve equation.
        assert!(Affine::from_point(&AffinePoint::GENERATOR).is_some());
        assert!(Affine::from_point(&AffinePoint::IDENTITY).is_none());
    }

    #[test]
    fn wnaf_reconstructs_scalar() {
        let mut cases = vec![
            Scalar::ZERO,
            Scalar::ONE,
            -Scalar::ONE,
            -Scalar::ONE.double(),
            Scalar::from(u64::MAX),
        ];
        cases.extend((0..200).map(|i| scalar("wnaf", i)));
        for k in cases {
            for w in 2..=8 {
                let d = wnaf::<4, FULL_DIGITS>(&scalar_limbs(&k), w);
                let mut acc = Scalar::ZERO;
                for &digit in d.iter().rev() {
                    acc = acc.double();
                    let m = Scalar::from(u64::from(digit.unsigned_abs()));
                    if digit > 0 {
                        acc += m;
                    } else {
                        acc -= m;
                    }
                }
                assert_eq!(acc, k, "w = {w}");
                // Non-adjacency and digit range.
                let bound = 1i16 << (w - 1);
                for (i, &digit) in d.iter().enumerate() {
                    if digit != 0 {
                        assert!(digit % 2 != 0 && i16::from(digit).abs() < bound);
                        assert!(d[i + 1..].iter().take(w as usize - 1).all(|&x| x == 0));
                    }
                }
            }
        }
        // 64-bit chunks, including the all-ones chunk whose wNAF needs the
        // 65th digit.
        for v in [
            0u64,
            1,
            u64::MAX,
            u64::MAX - 1,
            1 << 63,
            0x8000_0000_0000_0001,
        ] {
            for w in 2..=8 {
                let d = wnaf::<1, CHUNK_DIGITS>(&[v], w);
                let acc = d
                    .iter()
                    .rev()
                    .fold(0i128, |acc, &x| 2 * acc + i128::from(x));
                assert_eq!(acc, i128::from(v));
            }
        }
    }

    #[test]
    fn double_scalar_mul_matches_p256() {
        for i in 0..40 {
            let q = (ProjectivePoint::GENERATOR * scalar("key", i)).to_affine();
            let (u1, u2) = (scalar("u1", i), scalar("u2", i));
            let prepared = PreparedKey::new(&q).unwrap();
            assert_eq!(ours(&u1, &u2, &q, &prepared), reference(&u1, &u2, &q));
        }
    }

    #[test]
    fn exceptional_cases_match_p256() {
        // Q = G makes both streams add the same points, exercising the
        // doubling and cancellation branches of the incomplete addition.
        let g = AffinePoint::GENERATOR;
        let k = scalar("k", 0);
        let q_k = (ProjectivePoint::GENERATOR * k).to_affine();
        let small: Vec<Scalar> = (0..24u64).map(Scalar::from).collect();
        let mut pairs = Vec::new();
        for a in &small {
            for b in &small {
                pairs.push((*a, *b, g));
                pairs.push((-*a, *b, g));
            }
        }
        for a in 0..20u64 {
            let a = Scalar::from(a);
            // u1·G + u2·Q = O when u1 = -u2·k.
            pairs.push((-(a * k), a, q_k));
            pairs.push((a * k, a, q_k));
            pairs.push((-a, a, g));
            pairs.push((a, -a, g));
            pairs.push((-Scalar::ONE, a, g));
        }
        for i in 0..30 {
            let u = scalar("same", i);
            pairs.push((u, u, g));
            pairs.push((u, -u, g));
            pairs.push((u * k, -u, q_k));
            pairs.push((u, u * k.invert().unwrap(), q_k));
        }
        let prepared_g = PreparedKey::new(&g).unwrap();
        let prepared_k = PreparedKey::new(&q_k).unwrap();
        for (u1, u2, q) in pairs {
            let prepared = if q == g { &prepared_g } else { &prepared_k };
            assert_eq!(ours(&u1, &u2, &q, prepared), reference(&u1, &u2, &q));
        }
    }

    #[test]
    fn r_plus_n_branch() {
        // Any x(R) in [n, p) has x mod n = x - n < p - n; check both that the
        // r + n comparison accepts it and that r alone would not.
        let n_plus_5 = ORDER_FE.add(&Fe::from_u64(5));
        let p = Jacobian {
            x: n_plus_5,
            dy: Fe::ONE,
            z: Fe::ONE,
            infinity: false,
        };
        let mut five = [0u8; 32];
        five[31] = 5;
        assert!(x_matches_r(&p, &FieldBytes::from(five)));
        let mut six = five;
        six[31] = 6;
        assert!(!x_matches_r(&p, &FieldBytes::from(six)));
        // r ≥ p - n: r + n would exceed p, so must not be tried.
        let big = FieldBytes::from(P_MINUS_N);
        let wrapped = Jacobian {
            x: Fe::from_bytes(&big).unwrap().add(&ORDER_FE),
            ..p
        };
        assert!(wrapped.x.is_zero());
        assert!(!x_matches_r(&wrapped, &big));
    }
}
