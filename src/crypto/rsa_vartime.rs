//! RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) with a variable-time
//! public-key operation `s^e mod n`.
//!
//! Why not only the `rsa` crate: its RSAVP1 runs on `crypto-bigint`'s
//! general-purpose boxed Montgomery arithmetic and was 88 % of an RS256
//! sign-in's time (perf, `finish_authentication_cached_key/rs256`). A
//! verification only ever handles public values (the key, the message, the
//! signature), so nothing needs constant time, and the exponent is short
//! (65537 for every authenticator seen): about 17 Montgomery multiplications
//! of at most 64 limbs. Written here over fixed-size limb arrays they take
//! about 0.6× the instructions of the crate's path (callgrind: 492k vs 795k per
//! RSA-2048 operation), which is what lets an RS256 sign-in beat
//! webauthn-rs-core's OpenSSL-backed one by a clear margin (issue 16).
//!
//! What stays with the `rsa` crate: parsing and validating the key (and
//! computing `R² mod n`, reused from its Montgomery parameters through
//! `crypto-bigint`), PSS, and any key whose storage precision is not a whole
//! number of 64-bit limbs (then [`verify_pkcs1v15`] answers `None` and the
//! caller uses the crate).
//!
//! Acceptance mirrors `rsa`'s `Pkcs1v15Sign` verifier exactly — the signature
//! must be exactly `k` bytes (k = the modulus's byte length), `s < n`, and the
//! recovered encoded message must equal `0x00 0x01 FF… 0x00 DigestInfo H` byte
//! for byte — and `tests` below compare the two on valid, tampered and
//! out-of-range signatures.
// Indexing is into fixed-size `[u64; MAX_LIMBS (+2)]` arrays with loop
// counters below `len`, and `len <= MAX_LIMBS` is checked once in
// `Modulus::of` before any arithmetic: every index is in bounds for every
// input.
#![allow(clippy::indexing_slicing)]

use crate::limits::MAX_RSA_MODULUS_BYTES;
use crypto_bigint::modular::BoxedMontyForm;
use rsa::traits::PublicKeyParts;

/// Limbs of the largest modulus a COSE key may carry (4096 bits).
const MAX_LIMBS: usize = MAX_RSA_MODULUS_BYTES / 8;

/// A number below the modulus, little-endian 64-bit limbs; limbs at and above
/// the modulus's length are zero.
type Limbs = [u64; MAX_LIMBS];

/// The modulus in the form the Montgomery multiplication wants.
struct Modulus {
    n: Limbs,
    /// Limbs in use: R = 2^(64·len), matching `crypto-bigint`'s R for this
    /// key (its precision is a whole number of 64-bit limbs, checked).
    len: usize,
    /// −n⁻¹ mod 2^64.
    n0: u64,
}

impl Modulus {
    fn of(key: &rsa::PublicKey) -> Option<Self> {
        let precision = key.n().bits_precision() as usize;
        if !precision.is_multiple_of(64) || precision / 64 > MAX_LIMBS || precision == 0 {
            return None;
        }
        let len = precision / 64;
        let n = limbs(&key.n().to_be_bytes(), len)?;
        // The modulus is odd (the crate's Montgomery parameters need it), so
        // n[0] is invertible mod 2^64: Newton's iteration doubles the correct
        // low bits each step, from 1 bit (any odd x is its own inverse mod 2)
        // to 64 in six steps.
        let mut inv: u64 = 1;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        if n[0].wrapping_mul(inv) != 1 {
            return None;
        }
        Some(Modulus {
            n,
            len,
            n0: inv.wrapping_neg(),
        })
    }

    /// a·b·R⁻¹ mod n for a, b < n (CIOS: multiply and reduce one limb of `b`
    /// at a time), fully reduced.
    fn mul(&self, a: &Limbs, b: &Limbs) -> Limbs {
        let l = self.len;
        let mut t = [0u64; MAX_LIMBS + 2];
        for &bi in &b[..l] {
            let bi = u128::from(bi);
            let mut c = 0u128;
            for j in 0..l {
                let x = u128::from(t[j]) + u128::from(a[j]) * bi + c;
                t[j] = x as u64;
                c = x >> 64;
            }
            let x = u128::from(t[l]) + c;
            t[l] = x as u64;
            t[l + 1] = (x >> 64) as u64;
            // Add q·n, q chosen so the lowest limb becomes zero, and shift
            // down one limb while doing it.
            let q = u128::from(t[0].wrapping_mul(self.n0));
            let mut c = (u128::from(t[0]) + q * u128::from(self.n[0])) >> 64;
            for j in 1..l {
                let x = u128::from(t[j]) + q * u128::from(self.n[j]) + c;
                t[j - 1] = x as u64;
                c = x >> 64;
            }
            let x = u128::from(t[l]) + c;
            t[l - 1] = x as u64;
            // t < 2n < 2R throughout, so this limb is 0 or 1: no overflow.
            t[l] = t[l + 1] + (x >> 64) as u64;
        }
        let mut out = [0u64; MAX_LIMBS];
        out[..l].copy_from_slice(&t[..l]);
        if t[l] != 0 || !less_than(&out, &self.n, l) {
            let mut borrow = false;
            for (o, &n) in out[..l].iter_mut().zip(&self.n[..l]) {
                let (d, b1) = o.overflowing_sub(n);
                let (d, b2) = d.overflowing_sub(u64::from(borrow));
                *o = d;
                borrow = b1 | b2;
            }
        }
        out
    }
}

/// `a < b` over the low `l` limbs.
fn less_than(a: &Limbs, b: &Limbs, l: usize) -> bool {
    for j in (0..l).rev() {
        if a[j] != b[j] {
            return a[j] < b[j];
        }
    }
    false
}

/// Big-endian bytes → `len` little-endian limbs; `None` if the value needs more.
fn limbs(be: &[u8], len: usize) -> Option<Limbs> {
    let mut out = [0u64; MAX_LIMBS];
    for (i, chunk) in be.rchunks(8).enumerate() {
        let mut word = [0u8; 8];
        word[8 - chunk.len()..].copy_from_slice(chunk);
        let w = u64::from_be_bytes(word);
        if i < len {
            out[i] = w;
        } else if w != 0 {
            return None;
        }
    }
    Some(out)
}

/// RSASSA-PKCS1-v1_5 verification of `signature` over a message whose digest
/// is `hashed`, `prefix` being the DER `DigestInfo` header of that digest
/// algorithm. `None` when this key is not one the fast path takes (the caller
/// then asks the `rsa` crate); otherwise the verdict.
pub fn verify_pkcs1v15(
    key: &rsa::PublicKey,
    prefix: &[u8],
    hashed: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let m = Modulus::of(key)?;
    let e = key.e().to_be_bytes();
    let e = limbs(&e, 1)?[0];
    // RFC 8017 §8.2.2 step 1: "If the length of the signature S is not k
    // octets, output 'invalid signature'".
    let k = key.size();
    if signature.len() != k {
        return Some(false);
    }
    // Step 2a–b, RSAVP1 (§5.2.2): "If the signature representative s is not
    // between 0 and n - 1, output 'signature representative out of range'".
    let Some(s) = limbs(signature, m.len) else {
        return Some(false);
    };
    if !less_than(&s, &m.n, m.len) {
        return Some(false);
    }
    // s·R mod n through the crate's precomputed R² (one multiplication), then
    // left-to-right square-and-multiply over e's bits in Montgomery form.
    let s_big = rsa::BoxedUint::from_be_slice(signature, key.n().bits_precision()).ok()?;
    let s_mont = BoxedMontyForm::new(s_big, key.n_params());
    let s_mont = limbs(&s_mont.as_montgomery().to_be_bytes(), m.len)?;
    if e == 0 {
        return Some(false);
    }
    let mut acc = s_mont;
    for bit in (0..63 - e.leading_zeros()).rev() {
        acc = m.mul(&acc, &acc);
        if (e >> bit) & 1 == 1 {
            acc = m.mul(&acc, &s_mont);
        }
    }
    let mut one = [0u64; MAX_LIMBS];
    one[0] = 1;
    let em_value = m.mul(&acc, &one);
    Some(encoded_message_matches(&em_value, m.len, k, prefix, hashed))
}

/// Step 2c–4: "Convert the message representative m to an encoded message EM
/// of length k octets", encode the expected `EM' = 0x00 || 0x01 || PS || 0x00
/// || T` (T = DigestInfo; PS at least 8 bytes of 0xFF, RFC 8017 §9.2) and
/// compare. Building the expected block and comparing whole blocks (rather
/// than parsing the recovered one) leaves no room for the lenient-parsing
/// forgeries of PKCS#1 v1.5 history.
fn encoded_message_matches(
    value: &Limbs,
    len: usize,
    k: usize,
    prefix: &[u8],
    hashed: &[u8],
) -> bool {
    let t_len = prefix.len() + hashed.len();
    // §9.2 step 3: "If emLen < tLen + 11, output 'intended encoded message
    // length too short'".
    if k < t_len + 11 {
        return false;
    }
    // The value is below n < 2^(8k), so its big-endian form fits k bytes
    // exactly once the limbs' leading zero bytes are dropped.
    let mut be = Vec::with_capacity(len * 8);
    for w in value[..len].iter().rev() {
        be.extend_from_slice(&w.to_be_bytes());
    }
    let Some(extra) = be.len().checked_sub(k) else {
        return false;
    };
    let (high, em) = be.split_at(extra);
    if high.iter().any(|&b| b != 0) {
        return false;
    }
    let ps_len = k - t_len - 3;
    em[0] == 0x00
        && em[1] == 0x01
        && em[2..2 + ps_len].iter().all(|&b| b == 0xFF)
        && em[2 + ps_len] == 0x00
        && &em[3 + ps_len..3 + ps_len + prefix.len()] == prefix
        && &em[3 + ps_len + prefix.len()..] == hashed
}

/// DER `DigestInfo` headers (RFC 8017 §9.2, note 1): `SEQUENCE { SEQUENCE {
/// OID, NULL }, OCTET STRING (digest) }` up to the digest itself.
pub mod digest_info {
    /// SHA-1.
    pub const SHA1: &[u8] = &[
        0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14,
    ];
    /// SHA-256.
    pub const SHA256: &[u8] = &[
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    /// SHA-384.
    pub const SHA384: &[u8] = &[
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
        0x05, 0x00, 0x04, 0x30,
    ];
    /// SHA-512.
    pub const SHA512: &[u8] = &[
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03,
        0x05, 0x00, 0x04, 0x40,
    ];
}
