//! COSE_Key (RFC 9052 §7, RFC 9053) credential public keys → verifying keys.
//!
//! WebAuthn L3 §5.8.5 / §6.5.1.1: the credential public key is a COSE_Key that MUST
//! carry `alg`. We parse it with `coset`, then insist that `kty`, `crv` and `alg`
//! agree and that EC points lie on their curve, so a key that parses here can
//! only ever verify signatures of the one algorithm it names.

use crate::error::{Error, Field, Result};
use crate::limits;
use ciborium::value::Value;
use coset::{AsCborValue, CoseKey, KeyType, Label, RegisteredLabelWithPrivate, iana};

pub(crate) mod algorithm;
pub use algorithm::CoseAlgorithm;

/// A verifying key of one of the supported families.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PublicKey {
    /// NIST P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// NIST P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// NIST P-521.
    P521(Box<p521::ecdsa::VerifyingKey>),
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA (PKCS#1 v1.5 or PSS, per the algorithm).
    Rsa(Box<rsa::PublicKey>),
    /// Ed448 (feature `ed448`).
    #[cfg(feature = "ed448")]
    Ed448(Box<ed448_goldilocks::VerifyingKey>),
    /// ML-DSA-44 (FIPS 204; feature `ml-dsa`).
    #[cfg(feature = "ml-dsa")]
    MlDsa44(Box<ml_dsa::VerifyingKey<ml_dsa::MlDsa44>>),
    /// ML-DSA-65 (FIPS 204; feature `ml-dsa`).
    #[cfg(feature = "ml-dsa")]
    MlDsa65(Box<ml_dsa::VerifyingKey<ml_dsa::MlDsa65>>),
    /// ML-DSA-87 (FIPS 204; feature `ml-dsa`).
    #[cfg(feature = "ml-dsa")]
    MlDsa87(Box<ml_dsa::VerifyingKey<ml_dsa::MlDsa87>>),
}

/// A parsed, validated credential public key: a verifying key bound to its algorithm.
#[derive(Clone, Debug)]
pub struct CredentialPublicKey {
    alg: CoseAlgorithm,
    key: PublicKey,
}

impl CredentialPublicKey {
    /// The algorithm named by the key's `alg` parameter.
    pub fn algorithm(&self) -> CoseAlgorithm {
        self.alg
    }

    /// The verifying key.
    pub fn key(&self) -> &PublicKey {
        &self.key
    }

    /// The modulus size in bits of an RSA key; `None` for other key types.
    pub fn rsa_modulus_bits(&self) -> Option<u32> {
        use rsa::traits::PublicKeyParts;
        match &self.key {
            PublicKey::Rsa(k) => Some(k.n().bit_width()),
            _ => None,
        }
    }

    /// The algorithm an RP's allow list must name for this key to be admitted,
    /// besides [`algorithm`](Self::algorithm): `EdDSA` (-8) names no curve, so an
    /// OKP crv 7 key labelled -8 is an Ed448 key and needs [`CoseAlgorithm::Ed448`]
    /// listed (Ed448 is off unless listed). For every other key it is the key's
    /// own algorithm.
    pub fn allow_list_algorithm(&self) -> CoseAlgorithm {
        match (&self.key, self.alg) {
            #[cfg(feature = "ed448")]
            (PublicKey::Ed448(_), CoseAlgorithm::EdDSA) => CoseAlgorithm::Ed448,
            (_, alg) => alg,
        }
    }

    /// Parses exactly one CBOR-encoded COSE_Key; trailing bytes are an error.
    pub fn from_cose_bytes(bytes: &[u8]) -> Result<Self> {
        if let Some(key) = Self::from_canonical_es256(bytes) {
            return key;
        }
        let mut rest = bytes;
        let value = read_cbor_value(&mut rest, Field::CosePublicKey)?;
        if !rest.is_empty() {
            return Err(Error::malformed(Field::CosePublicKey, "trailing bytes"));
        }
        Self::from_cbor_value(value)
    }

    /// The fast path for the key nearly every passkey has: an ES256 key in the
    /// canonical CTAP2 encoding `{1: 2, 3: -7, -1: 1, -2: x, -3: y}` (77 bytes).
    /// Bytes that match this layout exactly can only mean that key, so decoding
    /// it by position is equivalent to the generic CBOR path; anything else
    /// (other order, other lengths, extra members) takes the generic path.
    pub(crate) fn from_canonical_es256(bytes: &[u8]) -> Option<Result<Self>> {
        const HEAD: [u8; 10] = [0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        const MID: [u8; 3] = [0x22, 0x58, 0x20];
        let (head, rest) = bytes.split_first_chunk::<10>()?;
        let (x, rest) = rest.split_first_chunk::<32>()?;
        let (mid, y) = rest.split_first_chunk::<3>()?;
        if *head != HEAD || *mid != MID || y.len() != 32 {
            return None;
        }
        Some(
            ec_point::<p256::NistP256>(x, y, 32)
                .and_then(p256_verifying_key)
                .map(|vk| CredentialPublicKey {
                    alg: CoseAlgorithm::ES256,
                    key: PublicKey::P256(vk),
                }),
        )
    }

    /// Converts an already decoded CBOR value holding a COSE_Key.
    pub fn from_cbor_value(value: Value) -> Result<Self> {
        let key = CoseKey::from_cbor_value(value)
            .map_err(|_| Error::malformed(Field::CosePublicKey, "not a COSE_Key"))?;
        Self::from_cose_key(&key)
    }

    /// Converts a `coset` key, checking that kty, crv and alg agree.
    pub fn from_cose_key(key: &CoseKey) -> Result<Self> {
        let alg = match &key.alg {
            Some(RegisteredLabelWithPrivate::Assigned(a)) => CoseAlgorithm::from_i64(*a as i64),
            Some(RegisteredLabelWithPrivate::PrivateUse(v)) => CoseAlgorithm::from_i64(*v),
            Some(RegisteredLabelWithPrivate::Text(_)) => {
                return Err(Error::InvalidPublicKey("text alg"));
            }
            // §5.8.5: the credential public key MUST contain `alg`.
            None => return Err(Error::InvalidPublicKey("alg missing")),
        };
        let param = |label: i64| -> Option<&Value> {
            key.params
                .iter()
                .find(|(l, _)| *l == Label::Int(label))
                .map(|(_, v)| v)
        };
        let bytes = |label: i64| -> Result<&[u8]> {
            match param(label) {
                Some(Value::Bytes(b)) => Ok(b.as_slice()),
                _ => Err(Error::InvalidPublicKey(
                    "missing or non-bytes key parameter",
                )),
            }
        };
        let crv = || -> Result<i64> {
            match param(-1) {
                Some(Value::Integer(i)) => {
                    i64::try_from(*i).map_err(|_| Error::InvalidPublicKey("crv out of range"))
                }
                _ => Err(Error::InvalidPublicKey("crv missing")),
            }
        };
        let key = match &key.kty {
            KeyType::Assigned(iana::KeyType::EC2) => {
                let crv = crv()?;
                let x = bytes(-2)?;
                // Compressed points (y as a bool) are not allowed for credential keys.
                let y = bytes(-3)?;
                match (crv, alg) {
                    (1, CoseAlgorithm::ES256) => PublicKey::P256(
                        ec_point::<p256::NistP256>(x, y, 32).and_then(p256_verifying_key)?,
                    ),
                    (2, CoseAlgorithm::ES384) => {
                        PublicKey::P384(ec_point::<p384::NistP384>(x, y, 48).and_then(|p| {
                            p384::ecdsa::VerifyingKey::from_affine(p)
                                .map_err(|_| Error::InvalidPublicKey("identity point"))
                        })?)
                    }
                    (3, CoseAlgorithm::ES512) => {
                        let p = ec_point::<p521::NistP521>(x, y, 66)?;
                        let vk = p521::ecdsa::VerifyingKey::from_affine(p)
                            .map_err(|_| Error::InvalidPublicKey("identity point"))?;
                        PublicKey::P521(Box::new(vk))
                    }
                    (1..=3, _) => return Err(Error::InvalidPublicKey("alg does not match crv")),
                    _ => return Err(Error::UnsupportedAlgorithm(alg)),
                }
            }
            KeyType::Assigned(iana::KeyType::OKP) => {
                let crv = crv()?;
                let x = bytes(-2)?;
                match (crv, alg) {
                    (6, CoseAlgorithm::EdDSA | CoseAlgorithm::Ed25519) => {
                        let arr: [u8; 32] = x
                            .try_into()
                            .map_err(|_| Error::InvalidPublicKey("Ed25519 key length"))?;
                        PublicKey::Ed25519(ed25519_key(&arr)?)
                    }
                    (6, _) => return Err(Error::InvalidPublicKey("alg does not match crv")),
                    #[cfg(feature = "ed448")]
                    (7, CoseAlgorithm::EdDSA | CoseAlgorithm::Ed448) => {
                        let arr: &[u8; 57] = x
                            .try_into()
                            .map_err(|_| Error::InvalidPublicKey("Ed448 key length"))?;
                        PublicKey::Ed448(Box::new(
                            ed448_goldilocks::VerifyingKey::from_bytes(arr)
                                .map_err(|_| Error::InvalidPublicKey("Ed448 point"))?,
                        ))
                    }
                    #[cfg(not(feature = "ed448"))]
                    (7, CoseAlgorithm::EdDSA | CoseAlgorithm::Ed448) => {
                        // Not built in: named as Ed448 whatever the label, so a
                        // host sees which feature the credential needs.
                        let _ = x;
                        return Err(Error::UnsupportedAlgorithm(CoseAlgorithm::Ed448));
                    }
                    (7, _) => return Err(Error::InvalidPublicKey("alg does not match crv")),
                    _ => return Err(Error::UnsupportedAlgorithm(alg)),
                }
            }
            KeyType::Assigned(iana::KeyType::RSA) => {
                if !matches!(
                    alg,
                    CoseAlgorithm::RS256
                        | CoseAlgorithm::RS384
                        | CoseAlgorithm::RS512
                        | CoseAlgorithm::PS256
                        | CoseAlgorithm::PS384
                        | CoseAlgorithm::PS512
                        | CoseAlgorithm::RS1
                ) {
                    return Err(Error::InvalidPublicKey("alg is not an RSA algorithm"));
                }
                let n = strip_leading_zeros(bytes(-1)?);
                let e = strip_leading_zeros(bytes(-2)?);
                if n.len() > limits::MAX_RSA_MODULUS_BYTES || e.len() > 8 || n.is_empty() {
                    return Err(Error::InvalidPublicKey("RSA parameter size"));
                }
                // Hard floor for every RP: a modulus under 1024 bits is factorable
                // with public effort. The RP's own floor (2048 bits unless it allows
                // legacy 1024-bit keys) is applied by the ceremonies.
                if modulus_bits(n) < MIN_RSA_MODULUS_BITS {
                    return Err(Error::InvalidPublicKey("RSA modulus under 1024 bits"));
                }
                // RFC 8017 §3.1: "the RSA public exponent e is an integer between 3
                // and n - 1 satisfying GCD(e, \lambda(n)) = 1": an even e shares the
                // factor 2 with \lambda(n), and e = 1 signs nothing (s = m).
                // Checked here rather than left to the `rsa` crate's own limits.
                if e.last().is_none_or(|b| b & 1 == 0) {
                    return Err(Error::InvalidPublicKey("RSA public exponent is even"));
                }
                if e == [1] {
                    return Err(Error::InvalidPublicKey("RSA public exponent below 3"));
                }
                let bits = (n.len() * 8) as u32;
                let n = rsa::BoxedUint::from_be_slice(n, bits)
                    .map_err(|_| Error::InvalidPublicKey("RSA modulus"))?;
                let e = rsa::BoxedUint::from_be_slice(e, 64)
                    .map_err(|_| Error::InvalidPublicKey("RSA exponent"))?;
                let k = rsa::PublicKey::new(n, e)
                    .map_err(|_| Error::InvalidPublicKey("RSA key rejected"))?;
                PublicKey::Rsa(Box::new(k))
            }
            #[cfg(not(feature = "ml-dsa"))]
            KeyType::Assigned(iana::KeyType::AKP) => return Err(Error::UnsupportedAlgorithm(alg)),
            #[cfg(feature = "ml-dsa")]
            KeyType::Assigned(iana::KeyType::AKP) => {
                // draft-ietf-cose-dilithium: AKP keys carry the raw public key in `pub` (-1).
                let pk = bytes(-1)?;
                fn decode<P: ml_dsa::MlDsaParams>(
                    pk: &[u8],
                ) -> Result<Box<ml_dsa::VerifyingKey<P>>> {
                    let enc = ml_dsa::EncodedVerifyingKey::<P>::try_from(pk)
                        .map_err(|_| Error::InvalidPublicKey("ML-DSA key length"))?;
                    Ok(Box::new(ml_dsa::VerifyingKey::<P>::decode(&enc)))
                }
                match alg {
                    CoseAlgorithm::MlDsa44 => PublicKey::MlDsa44(decode(pk)?),
                    CoseAlgorithm::MlDsa65 => PublicKey::MlDsa65(decode(pk)?),
                    CoseAlgorithm::MlDsa87 => PublicKey::MlDsa87(decode(pk)?),
                    _ => return Err(Error::InvalidPublicKey("alg is not an ML-DSA algorithm")),
                }
            }
            _ => return Err(Error::UnsupportedAlgorithm(alg)),
        };
        Ok(CredentialPublicKey { alg, key })
    }
}

/// An Ed25519 verifying key from its 32-byte encoding, refusing weak keys.
///
/// A small-order key A (one of the 8 points whose order divides 8) makes the
/// cofactorless check `[S]B = R + [k]A` independent of the message: with A the
/// identity, R = B and S = 1 verify for every message, so anyone could sign in
/// with such a credential. Only some verifiers refuse A at verification time
/// (ed25519-dalek's `verify_strict` does, `ring` does not), so the key is refused
/// here, when it is parsed, and no backend ever sees one. `is_weak` tests the
/// decoded point, so every encoding of a small-order point is caught, including
/// a non-canonical y.
///
/// Non-canonical encodings of any point are refused too: RFC 8032 §5.1.3 step 1,
/// "If the resulting value is >= p, decoding fails."
fn ed25519_key(bytes: &[u8; 32]) -> Result<ed25519_dalek::VerifyingKey> {
    let vk = ed25519_dalek::VerifyingKey::from_bytes(bytes)
        .map_err(|_| Error::InvalidPublicKey("Ed25519 point"))?;
    if vk.is_weak() {
        return Err(Error::InvalidPublicKey("Ed25519 small-order (weak) key"));
    }
    if vk.to_edwards().compress().to_bytes() != *bytes {
        return Err(Error::InvalidPublicKey(
            "Ed25519 key not canonically encoded",
        ));
    }
    Ok(vk)
}

/// The smallest RSA modulus any relying party accepts, whatever its policy.
pub const MIN_RSA_MODULUS_BITS: u32 = 1024;

/// The bit length of a big-endian integer without leading zero bytes.
fn modulus_bits(n: &[u8]) -> u32 {
    let top = n.first().map_or(0, |b| 8 - b.leading_zeros());
    let rest = u32::try_from(n.len().saturating_sub(1)).unwrap_or(u32::MAX);
    rest.saturating_mul(8).saturating_add(top)
}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    b.get(start..).unwrap_or(&[])
}

/// Builds an affine point from fixed-size coordinates, refusing points off the curve.
/// A P-256 verifying key from a decoded point, refusing the identity. The
/// identity test is made on the affine point, which needs no field
/// multiplication (`VerifyingKey::from_affine` compares projective points, which
/// takes four): every ES256 sign-in parses its stored key, so this is on the hot path.
fn p256_verifying_key(p: p256::AffinePoint) -> Result<p256::ecdsa::VerifyingKey> {
    use p256::elliptic_curve::point::NonIdentity;
    let p = Option::<NonIdentity<p256::AffinePoint>>::from(NonIdentity::new(p))
        .ok_or(Error::InvalidPublicKey("identity point"))?;
    Ok(p256::ecdsa::VerifyingKey::from(p256::PublicKey::from(p)))
}

fn ec_point<C>(x: &[u8], y: &[u8], len: usize) -> Result<C::AffinePoint>
where
    C: elliptic_curve_compat::Curve,
{
    if x.len() != len || y.len() != len {
        return Err(Error::InvalidPublicKey("EC coordinate length"));
    }
    C::affine_from_xy(x, y).ok_or(Error::InvalidPublicKey("point not on curve"))
}

/// A small bridge over the three NIST curves so one function checks them all.
mod elliptic_curve_compat {
    pub trait Curve {
        type AffinePoint;
        fn affine_from_xy(x: &[u8], y: &[u8]) -> Option<Self::AffinePoint>;
    }

    macro_rules! curve {
        ($krate:ident, $curve:ident) => {
            impl Curve for $krate::$curve {
                type AffinePoint = $krate::AffinePoint;
                fn affine_from_xy(x: &[u8], y: &[u8]) -> Option<Self::AffinePoint> {
                    // Checks the curve equation (and x, y < p) straight from the
                    // coordinates, without a round trip through a SEC1 encoding.
                    use $krate::elliptic_curve::point::AffineCoordinates;
                    let x = $krate::FieldBytes::try_from(x).ok()?;
                    let y = $krate::FieldBytes::try_from(y).ok()?;
                    Option::from($krate::AffinePoint::from_coordinates(&x, &y))
                }
            }
        };
    }
    curve!(p256, NistP256);
    curve!(p384, NistP384);
    curve!(p521, NistP521);
}

/// Reads one CBOR data item from the front of `input`, advancing it.
///
/// Nesting depth is bounded ([`limits::MAX_CBOR_DEPTH`]) so hostile input cannot
/// exhaust the stack.
///
/// Memory: audited against ciborium 0.2.2, decoding into `Value` never uses a
/// length the input claims as a capacity. Byte and text strings longer than the
/// 4 KiB scratch buffer are read chunk by chunk into a growing buffer, shorter
/// ones into the scratch buffer first; arrays and maps are pushed item by item.
/// A header claiming 2^60 bytes therefore fails at the end of input having
/// allocated nothing of that size, and memory stays proportional to the bytes
/// present (the callers bound those). `tests/limits.rs` measures this, so a
/// ciborium upgrade that starts pre-allocating fails the test instead of
/// production; a bounded pre-scan would then be needed here.
pub(crate) fn read_cbor_value(input: &mut &[u8], field: Field) -> Result<Value> {
    read_cbor_value_with_depth(input, field, limits::MAX_CBOR_DEPTH)
}

/// [`read_cbor_value`] for an item nested in one already being decoded: `depth`
/// is what remains of [`limits::MAX_CBOR_DEPTH`].
pub(crate) fn read_cbor_value_with_depth(
    input: &mut &[u8],
    field: Field,
    depth: usize,
) -> Result<Value> {
    ciborium::de::from_reader_with_recursion_limit(&mut *input, depth)
        .map_err(|_| Error::malformed(field, "invalid CBOR"))
}

impl CredentialPublicKey {
    /// Whether two keys are the same public key, however each was encoded.
    ///
    /// Compares the key material (curve point, RSA modulus and exponent, ...),
    /// never COSE bytes: one key has many valid CBOR encodings (members in any
    /// order, integer widths), and a check on bytes lets a revoked key back in
    /// re-encoded. The algorithm label is deliberately not compared: the same
    /// private key behind another label (RS256 vs PS256, EdDSA vs Ed25519) is
    /// still the same key.
    pub fn same_key_as(&self, other: &CredentialPublicKey) -> bool {
        match (&self.key, &other.key) {
            (PublicKey::P256(a), PublicKey::P256(b)) => a == b,
            (PublicKey::P384(a), PublicKey::P384(b)) => a == b,
            (PublicKey::P521(a), PublicKey::P521(b)) => a == b,
            (PublicKey::Ed25519(a), PublicKey::Ed25519(b)) => a == b,
            (PublicKey::Rsa(a), PublicKey::Rsa(b)) => a == b,
            #[cfg(feature = "ed448")]
            (PublicKey::Ed448(a), PublicKey::Ed448(b)) => a == b,
            #[cfg(feature = "ml-dsa")]
            (PublicKey::MlDsa44(a), PublicKey::MlDsa44(b)) => a == b,
            #[cfg(feature = "ml-dsa")]
            (PublicKey::MlDsa65(a), PublicKey::MlDsa65(b)) => a == b,
            #[cfg(feature = "ml-dsa")]
            (PublicKey::MlDsa87(a), PublicKey::MlDsa87(b)) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(s: &str) -> Vec<u8> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .unwrap()
    }

    // The W3C L3 test vector "none-es256" credential key.
    const ES256_KEY: &str = "pQECAyYgASFYIK_voW-XypstI-uGzLZAmNINuQhWBi6yScM6m2cvJt9hIlggkwpWuHovymYzSwNFir-HlxfBLMaO1zKQry4mZHlrkiA";

    #[test]
    fn parses_es256() {
        let k = CredentialPublicKey::from_cose_bytes(&b64(ES256_KEY)).unwrap();
        assert_eq!(k.algorithm(), CoseAlgorithm::ES256);
        assert!(matches!(k.key(), PublicKey::P256(_)));
    }

    #[test]
    fn canonical_fast_path_agrees_with_the_generic_path() {
        let bytes = b64(ES256_KEY);
        assert_eq!(bytes.len(), 77);
        let fast = CredentialPublicKey::from_canonical_es256(&bytes)
            .unwrap()
            .unwrap();
        let mut rest = bytes.as_slice();
        let generic = CredentialPublicKey::from_cbor_value(
            read_cbor_value(&mut rest, Field::CosePublicKey).unwrap(),
        )
        .unwrap();
        match (fast.key(), generic.key()) {
            (PublicKey::P256(a), PublicKey::P256(b)) => assert_eq!(a, b),
            _ => panic!("not P-256"),
        }
        // Off-curve points are refused on the fast path too.
        let mut bad = bytes.clone();
        bad[76] ^= 1;
        assert!(matches!(
            CredentialPublicKey::from_cose_bytes(&bad),
            Err(Error::InvalidPublicKey("point not on curve"))
        ));
        // A different layout falls back to the generic path.
        assert!(CredentialPublicKey::from_canonical_es256(&bytes[..76]).is_none());
    }

    #[test]
    fn trailing_bytes_rejected() {
        let mut b = b64(ES256_KEY);
        b.push(0);
        assert!(matches!(
            CredentialPublicKey::from_cose_bytes(&b),
            Err(Error::Malformed { .. })
        ));
    }

    fn rebuild(f: impl FnOnce(&mut CoseKey)) -> Vec<u8> {
        let mut k = CoseKey::from_cbor_value(
            ciborium::de::from_reader::<Value, _>(b64(ES256_KEY).as_slice()).unwrap(),
        )
        .unwrap();
        f(&mut k);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&k.to_cbor_value().unwrap(), &mut out).unwrap();
        out
    }

    #[test]
    fn alg_crv_mismatch_rejected() {
        let b =
            rebuild(|k| k.alg = Some(RegisteredLabelWithPrivate::Assigned(iana::Algorithm::ES384)));
        assert!(matches!(
            CredentialPublicKey::from_cose_bytes(&b),
            Err(Error::InvalidPublicKey(_))
        ));
    }

    #[test]
    fn missing_alg_rejected() {
        let b = rebuild(|k| k.alg = None);
        assert!(matches!(
            CredentialPublicKey::from_cose_bytes(&b),
            Err(Error::InvalidPublicKey("alg missing"))
        ));
    }

    #[test]
    fn point_off_curve_rejected() {
        let b = rebuild(|k| {
            for (l, v) in k.params.iter_mut() {
                if *l == Label::Int(-3)
                    && let Value::Bytes(y) = v
                {
                    y[31] ^= 1;
                }
            }
        });
        assert!(matches!(
            CredentialPublicKey::from_cose_bytes(&b),
            Err(Error::InvalidPublicKey("point not on curve"))
        ));
    }

    fn okp(alg: i64, crv: i64, x: &[u8]) -> Vec<u8> {
        let v = Value::Map(vec![
            (Value::from(1), Value::from(1)),
            (Value::from(3), Value::from(alg)),
            (Value::from(-1), Value::from(crv)),
            (Value::from(-2), Value::Bytes(x.to_vec())),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).unwrap();
        out
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// Every edwards25519 point of order dividing 8, canonically encoded, then
    /// non-canonical encodings (y >= p) of the ones that have them.
    const SMALL_ORDER: [&str; 11] = [
        // identity (y = 1), order 2 (y = -1), order 4 (y = 0, both signs of x)
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        // non-canonical: y = p + 1 (identity), y = p (y = 0), y = p with sign set
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    ];

    #[test]
    fn small_order_ed25519_key_refused_at_parse() {
        for x in SMALL_ORDER {
            let bytes = unhex(x);
            // The list is what it says: dalek agrees each decodes to a small-order point.
            let arr: [u8; 32] = bytes.clone().try_into().unwrap();
            if let Ok(vk) = ed25519_dalek::VerifyingKey::from_bytes(&arr) {
                assert!(vk.is_weak(), "{x} is not small-order");
            }
            for alg in [-8, -19] {
                let r = CredentialPublicKey::from_cose_bytes(&okp(alg, 6, &bytes));
                assert!(
                    matches!(r, Err(Error::InvalidPublicKey(_))),
                    "{x} alg {alg}: {r:?}"
                );
            }
        }
        // An ordinary key still parses.
        let sk = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let k = CredentialPublicKey::from_cose_bytes(&okp(-8, 6, sk.verifying_key().as_bytes()))
            .unwrap();
        assert!(matches!(k.key(), PublicKey::Ed25519(_)));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for input in [&[][..], &[0xa5], &[0xff; 40], &[0x9f; 500]] {
            assert!(CredentialPublicKey::from_cose_bytes(input).is_err());
        }
    }

    /// Mutation testing: with `head != HEAD || mid != MID` weakened to `&&`,
    /// a 77-byte key in the canonical layout but with another header was read
    /// by position as ES256. Only the exact canonical bytes may take the fast
    /// path; any other header goes through the generic checks, which refuse
    /// these (`crv` P-384 or `alg` EdDSA on a P-256 point).
    #[test]
    fn canonical_layout_with_another_header_is_not_read_as_es256() {
        let good = b64(ES256_KEY);
        for (at, byte) in [(6, 0x02), (4, 0x27)] {
            let mut k = good.clone();
            k[at] = byte;
            assert!(
                CredentialPublicKey::from_canonical_es256(&k).is_none(),
                "byte {at}"
            );
            assert!(
                matches!(
                    CredentialPublicKey::from_cose_bytes(&k),
                    Err(Error::InvalidPublicKey(_) | Error::UnsupportedAlgorithm(_))
                ),
                "byte {at}"
            );
        }
        // And the same for the label between the coordinates (-3 → -4).
        let mut k = good.clone();
        k[42] = 0x23;
        assert!(CredentialPublicKey::from_canonical_es256(&k).is_none());
        assert!(CredentialPublicKey::from_cose_bytes(&k).is_err());
    }

    fn ec2(alg: i64, crv: i64, point: &[u8], len: usize) -> Vec<u8> {
        // `point` is SEC1 uncompressed: 0x04 || x || y.
        let v = Value::Map(vec![
            (Value::from(1), Value::from(2)),
            (Value::from(3), Value::from(alg)),
            (Value::from(-1), Value::from(crv)),
            (Value::from(-2), Value::Bytes(point[1..=len].to_vec())),
            (Value::from(-3), Value::Bytes(point[len + 1..].to_vec())),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).unwrap();
        out
    }

    /// Mutation testing: deleting the P-384 or the P-521 arm was not caught,
    /// as no selected test registers such a key. Each curve's key (here its
    /// generator) must parse, under its own alg, to its own family.
    #[test]
    fn es384_and_es512_keys_parse_to_their_curves() {
        let g384 = p384::ecdsa::VerifyingKey::from_affine(p384::AffinePoint::GENERATOR)
            .unwrap()
            .to_sec1_point(false);
        let k = CredentialPublicKey::from_cose_bytes(&ec2(-35, 2, g384.as_bytes(), 48)).unwrap();
        assert_eq!(k.algorithm(), CoseAlgorithm::ES384);
        assert!(matches!(k.key(), PublicKey::P384(_)));

        let g521 = p521::ecdsa::VerifyingKey::from_affine(p521::AffinePoint::GENERATOR)
            .unwrap()
            .to_sec1_point(false);
        let k = CredentialPublicKey::from_cose_bytes(&ec2(-36, 3, g521.as_bytes(), 66)).unwrap();
        assert_eq!(k.algorithm(), CoseAlgorithm::ES512);
        assert!(matches!(k.key(), PublicKey::P521(_)));
    }

    /// Mutation testing: deleting the `(6, _)` or `(7, _)` arm turned an
    /// Ed25519/Ed448 key under a non-EdDSA alg from a key that contradicts
    /// itself into an unsupported algorithm. A host must be told the key is
    /// invalid, not that it could be supported.
    #[test]
    fn okp_key_under_a_non_eddsa_alg_refused_as_a_mismatch() {
        let sk = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        for crv in [6, 7] {
            let r =
                CredentialPublicKey::from_cose_bytes(&okp(-7, crv, sk.verifying_key().as_bytes()));
            assert!(
                matches!(r, Err(Error::InvalidPublicKey("alg does not match crv"))),
                "crv {crv}: {r:?}"
            );
        }
    }

    fn rsa_cose(n: &[u8], e: &[u8]) -> Vec<u8> {
        let v = Value::Map(vec![
            (Value::from(1), Value::from(3)),
            (Value::from(3), Value::from(-257)),
            (Value::from(-1), Value::Bytes(n.to_vec())),
            (Value::from(-2), Value::Bytes(e.to_vec())),
        ]);
        let mut out = Vec::new();
        ciborium::ser::into_writer(&v, &mut out).unwrap();
        out
    }

    /// Mutation testing: `e.len() > 8` changed (to `== 8` or `>= 8`, or joined
    /// to the next test with `&&`) was not caught, since a longer exponent fails
    /// conversion later anyway. The size bound is the check that runs before
    /// any big-integer work, so it must be the one that refuses.
    #[test]
    fn rsa_exponent_over_eight_bytes_refused_by_the_size_bound() {
        let mut n = vec![0xc5; 256];
        n[255] |= 1;
        let r = CredentialPublicKey::from_cose_bytes(&rsa_cose(&n, &[1, 0, 0, 0, 0, 0, 0, 0, 1]));
        assert!(
            matches!(r, Err(Error::InvalidPublicKey("RSA parameter size"))),
            "{r:?}"
        );
        // Eight bytes are within the bound (what the rsa crate then makes of
        // such an exponent is its own check).
        let r = CredentialPublicKey::from_cose_bytes(&rsa_cose(&n, &[1, 0, 0, 0, 0, 0, 0, 1]));
        assert!(
            !matches!(r, Err(Error::InvalidPublicKey("RSA parameter size"))),
            "{r:?}"
        );
        // The same key with e = 65537 is a key.
        assert!(CredentialPublicKey::from_cose_bytes(&rsa_cose(&n, &[1, 0, 1])).is_ok());
    }

    /// Mutation testing: `x.len() != len || y.len() != len` joined with `&&`
    /// was not caught: a short x then failed later as "point not on curve".
    /// Each coordinate's length is checked on its own.
    #[test]
    fn ec_coordinate_of_the_wrong_length_refused_by_the_length_check() {
        let good = b64(ES256_KEY);
        let (x, y) = (&good[10..42], &good[45..77]);
        for (x, y) in [(&x[1..], y), (x, &y[1..])] {
            let len = x.len();
            let v = Value::Map(vec![
                (Value::from(1), Value::from(2)),
                (Value::from(3), Value::from(-7)),
                (Value::from(-1), Value::from(1)),
                (Value::from(-2), Value::Bytes(x.to_vec())),
                (Value::from(-3), Value::Bytes(y.to_vec())),
            ]);
            let mut bytes = Vec::new();
            ciborium::ser::into_writer(&v, &mut bytes).unwrap();
            let r = CredentialPublicKey::from_cose_bytes(&bytes);
            assert!(
                matches!(r, Err(Error::InvalidPublicKey("EC coordinate length"))),
                "x {len}: {r:?}"
            );
        }
    }

    /// Every key is the same key as itself and as no other in `keys`.
    fn each_is_only_itself(keys: &[CredentialPublicKey]) {
        for (i, a) in keys.iter().enumerate() {
            for (j, b) in keys.iter().enumerate() {
                assert_eq!(a.same_key_as(b), i == j, "{i} vs {j}");
            }
        }
    }

    /// Mutation testing: `same_key_as` (the check that keeps a revoked key out
    /// when it comes back re-encoded) was not exercised by any selected test.
    /// One key of each family: each is the same key as itself, also when
    /// re-encoded, and never the same as another.
    #[test]
    fn same_key_as_compares_key_material_across_families() {
        let g384 = p384::ecdsa::VerifyingKey::from_affine(p384::AffinePoint::GENERATOR)
            .unwrap()
            .to_sec1_point(false);
        let g521 = p521::ecdsa::VerifyingKey::from_affine(p521::AffinePoint::GENERATOR)
            .unwrap()
            .to_sec1_point(false);
        let ed = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let mut n = vec![0xc5; 256];
        n[255] |= 1;
        let keys: Vec<CredentialPublicKey> = [
            b64(ES256_KEY),
            ec2(-35, 2, g384.as_bytes(), 48),
            ec2(-36, 3, g521.as_bytes(), 66),
            okp(-8, 6, ed.verifying_key().as_bytes()),
            rsa_cose(&n, &[1, 0, 1]),
        ]
        .iter()
        .map(|b| CredentialPublicKey::from_cose_bytes(b).unwrap())
        .collect();
        each_is_only_itself(&keys);
        // The P-256 key with its members in another order (generic path).
        let reordered = rebuild(|k| k.params.reverse());
        assert_ne!(reordered, b64(ES256_KEY));
        let k = CredentialPublicKey::from_cose_bytes(&reordered).unwrap();
        assert!(k.same_key_as(&keys[0]) && !k.same_key_as(&keys[1]));
    }

    /// Mutation testing with `--features ed448,ml-dsa`: `same_key_as` compares
    /// Ed448 and ML-DSA keys by their material too. A deleted arm read every
    /// such key as a new one (a revoked key could come back), and `a == b`
    /// turned into `!=` read two keys as one; neither was caught.
    #[cfg(all(feature = "ed448", feature = "ml-dsa"))]
    #[test]
    fn same_key_as_covers_ed448_and_ml_dsa_keys() {
        let ed448 = |seed: u8| {
            let sk = ed448_goldilocks::SigningKey::try_from(&[seed; 57][..]).unwrap();
            okp(-8, 7, sk.verifying_key().as_bytes())
        };
        fn akp<P: ml_dsa::MlDsaParams>(alg: i64, seed: u8) -> Vec<u8> {
            let sk = ml_dsa::SigningKey::<P>::from_seed(&[seed; 32].into());
            let vk: &ml_dsa::VerifyingKey<P> = sk.as_ref();
            let v = Value::Map(vec![
                (Value::from(1), Value::from(7)),
                (Value::from(3), Value::from(alg)),
                (Value::from(-1), Value::Bytes(vk.encode().to_vec())),
            ]);
            let mut out = Vec::new();
            ciborium::ser::into_writer(&v, &mut out).unwrap();
            out
        }
        let keys: Vec<CredentialPublicKey> = [
            ed448(1),
            ed448(2),
            akp::<ml_dsa::MlDsa44>(-48, 1),
            akp::<ml_dsa::MlDsa44>(-48, 2),
            akp::<ml_dsa::MlDsa65>(-49, 1),
            akp::<ml_dsa::MlDsa65>(-49, 2),
            akp::<ml_dsa::MlDsa87>(-50, 1),
            akp::<ml_dsa::MlDsa87>(-50, 2),
        ]
        .iter()
        .map(|b| CredentialPublicKey::from_cose_bytes(b).unwrap())
        .collect();
        each_is_only_itself(&keys);
    }
}
