//! X.509 certificate paths for attestation statements.
//!
//! WebAuthn L3 §6.5.4 / §7.1 step 24 "Assess the attestation trustworthiness…":
//! a relying party checks that the attestation certificate in `x5c` chains to
//! an acceptable root. This module implements the subset of RFC 5280 §6
//! ("Certification Path Validation") that attestation needs:
//!
//! * the path is leaf → intermediates (in the order given by `x5c`) → one of
//!   the configured [`TrustAnchor`]s, matched by name and by signature;
//! * every link's signature, validity at a caller-supplied time, basic
//!   constraints, path length constraints and key usage are checked;
//! * critical extensions the module does not know are rejected
//!   (RFC 5280 §4.2: "A certificate-using system MUST reject the certificate
//!   if it encounters a critical extension it does not recognize").
//!
//! Not implemented (documented simplifications): revocation (CRL/OCSP),
//! certificate-policy processing (policies are accepted as with
//! `initial-any-policy`, explicit-policy not required), and name constraints
//! (a certificate carrying a *critical* nameConstraints extension is rejected
//! with [`CertPathError::NameConstraints`], because silently ignoring it could
//! accept a name the CA was not allowed to certify; a non-critical one is
//! ignored as RFC 5280 permits for non-critical extensions).
//!
//! Signature verification is pure Rust (RustCrypto): ECDSA P-256/P-384/P-521,
//! RSA PKCS#1 v1.5, RSA-PSS, Ed25519.

use crate::x509::b64::{self, Alphabet};
use crate::x509::{contents, next_tlv, oid_string};
use der::asn1::{BitStringRef, ContextSpecific, Null, OctetStringRef};
use der::{AnyRef, Decode, Reader, Tag, TagNumber, Tagged};
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

/// FIDO `id-fido-gen-ce-aaguid` certificate extension (WebAuthn L3 §8.2.1, §8.3.1).
pub const OID_FIDO_GEN_CE_AAGUID: &str = "1.3.6.1.4.1.45724.1.1.4";
/// Android Key Attestation extension (KeyDescription).
pub const OID_ANDROID_KEY_ATTESTATION: &str = "1.3.6.1.4.1.11129.2.1.17";

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_KEY_USAGE: &str = "2.5.29.15";
const OID_EXT_KEY_USAGE: &str = "2.5.29.37";
const OID_SUBJECT_ALT_NAME: &str = "2.5.29.17";
const OID_NAME_CONSTRAINTS: &str = "2.5.29.30";
const OID_CERTIFICATE_POLICIES: &str = "2.5.29.32";
const OID_POLICY_CONSTRAINTS: &str = "2.5.29.36";
const OID_INHIBIT_ANY_POLICY: &str = "2.5.29.54";
const OID_SUBJECT_KEY_ID: &str = "2.5.29.14";
const OID_AUTHORITY_KEY_ID: &str = "2.5.29.35";

/// Extensions this module accepts when marked critical.
///
/// RFC 5280 §4.2: unknown critical extensions make the certificate invalid.
/// The policy extensions are "known" in the sense that ignoring them matches
/// validation with `initial-any-policy` and no explicit policy requirement
/// (RFC 5280 §6.1.1 (c)-(f)); Windows Hello AIK certificates mark
/// certificatePolicies critical. The two attestation extensions are consumed
/// by the attestation-format verifiers, never by the path check.
const KNOWN_CRITICAL: &[&str] = &[
    OID_BASIC_CONSTRAINTS,
    OID_KEY_USAGE,
    OID_EXT_KEY_USAGE,
    OID_SUBJECT_ALT_NAME,
    OID_CERTIFICATE_POLICIES,
    OID_POLICY_CONSTRAINTS,
    OID_INHIBIT_ANY_POLICY,
    OID_SUBJECT_KEY_ID,
    OID_AUTHORITY_KEY_ID,
    OID_ANDROID_KEY_ATTESTATION,
    OID_FIDO_GEN_CE_AAGUID,
];

// Signature algorithm identifiers (RFC 3279, RFC 4055, RFC 5758, RFC 8410).
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
const OID_ECDSA_SHA384: &str = "1.2.840.10045.4.3.3";
const OID_ECDSA_SHA512: &str = "1.2.840.10045.4.3.4";
const OID_RSA_SHA1: &str = "1.2.840.113549.1.1.5";
const OID_RSA_SHA256: &str = "1.2.840.113549.1.1.11";
const OID_RSA_SHA384: &str = "1.2.840.113549.1.1.12";
const OID_RSA_SHA512: &str = "1.2.840.113549.1.1.13";
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_MGF1: &str = "1.2.840.113549.1.1.8";
const OID_ED25519: &str = "1.3.101.112";
// Public key algorithms.
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";
// Hash algorithms.
const OID_SHA1: &str = "1.3.14.3.2.26";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Default bound on the number of certificates in `x5c`.
pub const DEFAULT_MAX_CHAIN_LEN: usize = 8;

/// Why a certificate path (or a single signature) was rejected.
///
/// `index` is the position in the certification path: 0 is the leaf
/// (`x5c[0]`), `i` is `x5c[i]`, and errors about the trust anchor carry the
/// position the anchor occupies, i.e. one past the last `x5c` certificate that
/// it issued.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CertPathError {
    /// The certificate list is empty.
    #[error("empty certificate chain")]
    EmptyChain,
    /// More certificates than [`PathOptions::max_chain_len`].
    #[error("certificate chain has {len} certificates, more than the maximum {max}")]
    ChainTooLong {
        /// Number of certificates given.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// Certificate `index` is not a well-formed DER X.509 certificate.
    #[error("certificate {index} could not be parsed")]
    Parse {
        /// Position in the path.
        index: usize,
    },
    /// A trust anchor given to [`TrustAnchor::from_der`] / `from_pem` is not a certificate.
    #[error("trust anchor could not be parsed")]
    InvalidAnchor,
    /// The outer signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2).
    #[error("certificate {index}: signatureAlgorithm differs from tbsCertificate.signature")]
    SignatureAlgorithmMismatch {
        /// Position in the path.
        index: usize,
    },
    /// Certificate `index` is not valid yet at the verification time.
    #[error("certificate {index} is not yet valid")]
    NotYetValid {
        /// Position in the path.
        index: usize,
    },
    /// Certificate `index` has expired at the verification time.
    #[error("certificate {index} has expired")]
    Expired {
        /// Position in the path.
        index: usize,
    },
    /// The signature on certificate `index` does not verify with its issuer's key.
    #[error("signature on certificate {index} does not verify with the issuer key")]
    BadSignature {
        /// Position of the signed certificate.
        index: usize,
    },
    /// Certificate `index`'s issuer name does not match the next certificate's subject.
    #[error("certificate {index}: issuer does not match the subject of the next certificate")]
    IssuerMismatch {
        /// Position of the issued certificate.
        index: usize,
    },
    /// Certificate `index` issues another certificate but is not a CA
    /// (RFC 5280 §4.2.1.9, §6.1.4 (k)).
    #[error("certificate {index} is not a CA but issues a certificate")]
    NotACa {
        /// Position of the issuing certificate.
        index: usize,
    },
    /// The pathLenConstraint of certificate `index` is exceeded (RFC 5280 §4.2.1.9).
    #[error("path length constraint of certificate {index} exceeded")]
    PathLenExceeded {
        /// Position of the constraining certificate.
        index: usize,
    },
    /// Certificate `index` issues a certificate but its keyUsage lacks keyCertSign
    /// (RFC 5280 §4.2.1.3, §6.1.4 (n)).
    #[error("certificate {index} lacks keyCertSign in keyUsage")]
    KeyUsage {
        /// Position of the issuing certificate.
        index: usize,
    },
    /// Certificate `index` has a critical extension this module does not know (RFC 5280 §4.2).
    #[error("certificate {index} has unknown critical extension {oid}")]
    UnknownCriticalExtension {
        /// Position in the path.
        index: usize,
        /// Dotted extension OID.
        oid: String,
    },
    /// Certificate `index` carries a critical nameConstraints extension, which is not
    /// processed here (RFC 5280 §4.2.1.10).
    #[error("certificate {index} has critical name constraints, which are not supported")]
    NameConstraints {
        /// Position in the path.
        index: usize,
    },
    /// Certificate `index` has the same extension twice (RFC 5280 §4.2).
    #[error("certificate {index} has duplicate extension {oid}")]
    DuplicateExtension {
        /// Position in the path.
        index: usize,
        /// Dotted extension OID.
        oid: String,
    },
    /// An extension this module needs could not be decoded.
    #[error("certificate {index} has malformed extension {oid}")]
    MalformedExtension {
        /// Position in the path.
        index: usize,
        /// Dotted extension OID.
        oid: String,
    },
    /// The same certificate (or the same subject and key) occurs twice.
    #[error("certificate chain contains a loop or duplicate")]
    Loop,
    /// No configured trust anchor has the issuer name of the last certificate
    /// of the path. (When an anchor has the name but its key does not verify
    /// the signature, [`CertPathError::BadSignature`] is reported instead.)
    #[error("certificate chain does not lead to a trusted root")]
    UntrustedRoot,
    /// Signature or key algorithm not supported.
    #[error("unsupported algorithm {oid}")]
    UnsupportedAlgorithm {
        /// Dotted OID.
        oid: String,
    },
    /// A SHA-1 based signature in a path while [`PathOptions::allow_sha1`] is false.
    #[error("certificate {index} is signed with SHA-1, which is not allowed")]
    WeakAlgorithm {
        /// Position of the signed certificate.
        index: usize,
    },
    /// Malformed algorithm parameters (e.g. RSASSA-PSS-params).
    #[error("invalid algorithm parameters")]
    InvalidAlgorithmParameters,
    /// The SubjectPublicKeyInfo could not be decoded into a usable key.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// The key type does not fit the signature algorithm.
    #[error("public key type does not match the signature algorithm")]
    KeyAlgorithmMismatch,
    /// A single signature (not part of a path) did not verify.
    #[error("signature verification failed")]
    InvalidSignature,
}

// ---------------------------------------------------------------------------
// Signature algorithms and verification
// ---------------------------------------------------------------------------

/// Hash functions used by the supported signature algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-1 (legacy; only for old certificates and TPM RS1 keys).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlg {
    /// Hashes `msg`.
    pub fn digest(self, msg: &[u8]) -> Vec<u8> {
        use sha2::Digest;
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(msg).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(msg).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }

    fn from_oid(oid: &str) -> Option<Self> {
        match oid {
            OID_SHA1 => Some(HashAlg::Sha1),
            OID_SHA256 => Some(HashAlg::Sha256),
            OID_SHA384 => Some(HashAlg::Sha384),
            OID_SHA512 => Some(HashAlg::Sha512),
            _ => None,
        }
    }
}

/// A signature algorithm as identified by an X.509 AlgorithmIdentifier or a JWS `alg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    /// ECDSA with the given hash; the curve comes from the key.
    Ecdsa(HashAlg),
    /// RSASSA-PKCS1-v1_5 with the given hash.
    RsaPkcs1v15(HashAlg),
    /// RSASSA-PSS with MGF1 over the same hash and the given salt length.
    RsaPss {
        /// Message hash and MGF1 hash.
        hash: HashAlg,
        /// Salt length in bytes.
        salt_len: usize,
    },
    /// Ed25519 (pure).
    Ed25519,
}

/// How an ECDSA signature value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaSignatureFormat {
    /// DER `Ecdsa-Sig-Value` (X.509, WebAuthn statements).
    Der,
    /// Fixed-size `r || s` (JWS, RFC 7518 §3.4).
    Fixed,
}

impl SignatureAlgorithm {
    /// Maps a signature AlgorithmIdentifier to an algorithm.
    ///
    /// `params` is the complete DER encoding (tag, length, contents) of the
    /// `parameters` field, or `None` when absent.
    pub fn from_oid(oid: &str, params: Option<&[u8]>) -> Result<Self, CertPathError> {
        let hash = match oid {
            // RFC 5758 §3.2: ECDSA parameters MUST be absent (tolerate NULL,
            // which some encoders emit).
            OID_ECDSA_SHA256 | OID_ECDSA_SHA384 | OID_ECDSA_SHA512 => {
                absent_or_null(params)?;
                let h = match oid {
                    OID_ECDSA_SHA256 => HashAlg::Sha256,
                    OID_ECDSA_SHA384 => HashAlg::Sha384,
                    _ => HashAlg::Sha512,
                };
                return Ok(SignatureAlgorithm::Ecdsa(h));
            }
            OID_RSA_SHA1 => HashAlg::Sha1,
            OID_RSA_SHA256 => HashAlg::Sha256,
            OID_RSA_SHA384 => HashAlg::Sha384,
            OID_RSA_SHA512 => HashAlg::Sha512,
            OID_RSASSA_PSS => {
                let (hash, salt_len) = parse_pss_params(params)?;
                return Ok(SignatureAlgorithm::RsaPss { hash, salt_len });
            }
            OID_ED25519 => {
                // RFC 8410 §3: parameters MUST be absent.
                if params.is_some() {
                    return Err(CertPathError::InvalidAlgorithmParameters);
                }
                return Ok(SignatureAlgorithm::Ed25519);
            }
            _ => {
                return Err(CertPathError::UnsupportedAlgorithm {
                    oid: oid.to_string(),
                });
            }
        };
        // RFC 4055 §5: PKCS#1 v1.5 parameters are NULL (absent tolerated).
        absent_or_null(params)?;
        Ok(SignatureAlgorithm::RsaPkcs1v15(hash))
    }

    /// The message hash of this algorithm (`None` for Ed25519).
    pub fn hash(&self) -> Option<HashAlg> {
        match *self {
            SignatureAlgorithm::Ecdsa(h) | SignatureAlgorithm::RsaPkcs1v15(h) => Some(h),
            SignatureAlgorithm::RsaPss { hash, .. } => Some(hash),
            SignatureAlgorithm::Ed25519 => None,
        }
    }
}

fn absent_or_null(params: Option<&[u8]>) -> Result<(), CertPathError> {
    match params {
        None | Some([0x05, 0x00]) => Ok(()),
        Some(_) => Err(CertPathError::InvalidAlgorithmParameters),
    }
}

fn bad_params<E>(_: E) -> CertPathError {
    CertPathError::InvalidAlgorithmParameters
}

/// Reads `AlgorithmIdentifier ::= SEQUENCE { OID, params ANY OPTIONAL }` of a hash.
fn hash_alg_id(alg: AnyRef<'_>) -> Result<HashAlg, CertPathError> {
    let mut r = contents(alg, Tag::Sequence).map_err(bad_params)?;
    let oid: AnyRef<'_> = r.decode().map_err(bad_params)?;
    if !r.is_finished() {
        r.decode::<Null>().map_err(bad_params)?;
    }
    r.finish().map_err(bad_params)?;
    let oid = oid_string(oid).ok_or(CertPathError::InvalidAlgorithmParameters)?;
    HashAlg::from_oid(&oid).ok_or(CertPathError::UnsupportedAlgorithm { oid })
}

/// RFC 4055 §3.1 RSASSA-PSS-params:
/// `SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
///             saltLength [2] DEFAULT 20, trailerField [3] DEFAULT 1 }`.
fn parse_pss_params(params: Option<&[u8]>) -> Result<(HashAlg, usize), CertPathError> {
    // RFC 4055 §3.1: in a signature AlgorithmIdentifier the parameters MUST be present.
    let params = params.ok_or(CertPathError::InvalidAlgorithmParameters)?;
    let seq = AnyRef::from_der(params).map_err(bad_params)?;
    let mut r = contents(seq, Tag::Sequence).map_err(bad_params)?;
    let mut hash = HashAlg::Sha1;
    let mut mgf_hash = HashAlg::Sha1;
    let mut salt_len: i64 = 20;
    let mut last_tag: Option<u32> = None;
    while !r.is_finished() {
        // EXPLICIT tags: `der` refuses a primitive one and one holding
        // anything but exactly one TLV.
        let t: ContextSpecific<AnyRef<'_>> = r.decode().map_err(bad_params)?;
        let tag = t.tag_number.value();
        // DER: the fields in schema order, each at most once.
        if last_tag.is_some_and(|l| tag <= l) {
            return Err(CertPathError::InvalidAlgorithmParameters);
        }
        last_tag = Some(tag);
        match tag {
            0 => {
                hash = hash_alg_id(t.value)?;
            }
            1 => {
                let mut m = contents(t.value, Tag::Sequence).map_err(bad_params)?;
                let oid: AnyRef<'_> = m.decode().map_err(bad_params)?;
                let oid = oid_string(oid).ok_or(CertPathError::InvalidAlgorithmParameters)?;
                if oid != OID_MGF1 {
                    return Err(CertPathError::UnsupportedAlgorithm { oid });
                }
                mgf_hash = hash_alg_id(m.decode().map_err(bad_params)?)?;
                m.finish().map_err(bad_params)?;
            }
            2 => {
                salt_len = t.value.decode_as::<i64>().map_err(bad_params)?;
            }
            3 => {
                // Only trailerFieldBC (1) is defined.
                if t.value.decode_as::<i64>().map_err(bad_params)? != 1 {
                    return Err(CertPathError::InvalidAlgorithmParameters);
                }
            }
            _ => return Err(CertPathError::InvalidAlgorithmParameters),
        }
    }
    // Only MGF1 with the message hash is supported (the RFC 4055 §3.1 recommendation).
    if mgf_hash != hash {
        return Err(CertPathError::InvalidAlgorithmParameters);
    }
    // A salt longer than any supported modulus is nonsense; bound it.
    let salt_len = usize::try_from(salt_len)
        .ok()
        .filter(|&s| s <= 1024)
        .ok_or(CertPathError::InvalidAlgorithmParameters)?;
    Ok((hash, salt_len))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

enum PublicKeyKind<'a> {
    Ec { curve: Curve, point: &'a [u8] },
    Rsa { pkcs1: &'a [u8], pss_only: bool },
    Ed25519 { key: &'a [u8] },
}

/// Decodes `SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }`.
fn parse_spki(spki_der: &[u8]) -> Result<PublicKeyKind<'_>, CertPathError> {
    let bad = |_: der::Error| CertPathError::InvalidPublicKey;
    let spki = AnyRef::from_der(spki_der).map_err(bad)?;
    let mut r = contents(spki, Tag::Sequence).map_err(bad)?;
    let alg: AnyRef<'_> = r.decode().map_err(bad)?;
    let bits: BitStringRef<'_> = r.decode().map_err(bad)?;
    r.finish().map_err(bad)?;
    // Keys use whole octets: `as_bytes` is `None` unless no bit is unused.
    let key = bits.as_bytes().ok_or(CertPathError::InvalidPublicKey)?;
    let mut a = contents(alg, Tag::Sequence).map_err(bad)?;
    let oid: AnyRef<'_> = a.decode().map_err(bad)?;
    let oid = oid_string(oid).ok_or(CertPathError::InvalidPublicKey)?;
    let params: Option<AnyRef<'_>> = if a.is_finished() {
        None
    } else {
        Some(a.decode().map_err(bad)?)
    };
    a.finish().map_err(bad)?;
    match oid.as_str() {
        OID_EC_PUBLIC_KEY => {
            // RFC 5480 §2.1.1: namedCurve OID (implicit/specified curves unsupported).
            let p = params.ok_or(CertPathError::InvalidPublicKey)?;
            let curve_oid = oid_string(p).ok_or(CertPathError::InvalidPublicKey)?;
            let curve = match curve_oid.as_str() {
                OID_P256 => Curve::P256,
                OID_P384 => Curve::P384,
                OID_P521 => Curve::P521,
                _ => return Err(CertPathError::UnsupportedAlgorithm { oid: curve_oid }),
            };
            Ok(PublicKeyKind::Ec { curve, point: key })
        }
        OID_RSA_ENCRYPTION => Ok(PublicKeyKind::Rsa {
            pkcs1: key,
            pss_only: false,
        }),
        // RFC 4055 §1.2: an id-RSASSA-PSS key may only be used for PSS. Any
        // parameter restrictions on the key are not enforced beyond that.
        OID_RSASSA_PSS => Ok(PublicKeyKind::Rsa {
            pkcs1: key,
            pss_only: true,
        }),
        OID_ED25519 => {
            if params.is_some() {
                return Err(CertPathError::InvalidPublicKey);
            }
            Ok(PublicKeyKind::Ed25519 { key })
        }
        _ => Err(CertPathError::UnsupportedAlgorithm { oid }),
    }
}

macro_rules! ecdsa_verify {
    ($curve:ident, $point:expr, $prehash:expr, $sig:expr, $format:expr) => {{
        use $curve::ecdsa::signature::hazmat::PrehashVerifier;
        let vk = $curve::ecdsa::VerifyingKey::from_sec1_bytes($point)
            .map_err(|_| CertPathError::InvalidPublicKey)?;
        let sig = match $format {
            EcdsaSignatureFormat::Der => $curve::ecdsa::Signature::from_der($sig),
            EcdsaSignatureFormat::Fixed => $curve::ecdsa::Signature::from_slice($sig),
        }
        .map_err(|_| CertPathError::InvalidSignature)?;
        vk.verify_prehash($prehash, &sig)
            .map_err(|_| CertPathError::InvalidSignature)
    }};
}

fn rsa_verify(
    pkcs1: &[u8],
    alg: SignatureAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertPathError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::{Pkcs1v15Sign, Pss};
    // The rsa crate bounds the modulus to 1024..=8192 bits and the exponent to
    // < 2^33, which bounds the verification cost of attacker-supplied keys.
    let key = rsa::PublicKey::from_pkcs1_der(pkcs1).map_err(|_| CertPathError::InvalidPublicKey)?;
    let result = match alg {
        SignatureAlgorithm::RsaPkcs1v15(h) => {
            let hashed = h.digest(message);
            let scheme = match h {
                HashAlg::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                HashAlg::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlg::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlg::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, &hashed, signature)
        }
        SignatureAlgorithm::RsaPss { hash, salt_len } => {
            let hashed = hash.digest(message);
            match hash {
                HashAlg::Sha1 => key.verify(
                    Pss::<sha1::Sha1>::new_with_salt(salt_len),
                    &hashed,
                    signature,
                ),
                HashAlg::Sha256 => key.verify(
                    Pss::<sha2::Sha256>::new_with_salt(salt_len),
                    &hashed,
                    signature,
                ),
                HashAlg::Sha384 => key.verify(
                    Pss::<sha2::Sha384>::new_with_salt(salt_len),
                    &hashed,
                    signature,
                ),
                HashAlg::Sha512 => key.verify(
                    Pss::<sha2::Sha512>::new_with_salt(salt_len),
                    &hashed,
                    signature,
                ),
            }
        }
        _ => return Err(CertPathError::KeyAlgorithmMismatch),
    };
    result.map_err(|_| CertPathError::InvalidSignature)
}

/// Verifies `signature` over `message` with the key in `spki_der`
/// (a DER SubjectPublicKeyInfo) under an already-decoded algorithm.
///
/// For ECDSA the curve comes from the key and the hash from `alg`, so a
/// P-384 key signing with ecdsa-with-SHA256 (seen in real Android chains)
/// verifies (FIPS 186-5 §6.4.2: the hash is truncated or used as-is).
pub fn verify_with_algorithm(
    spki_der: &[u8],
    alg: SignatureAlgorithm,
    format: EcdsaSignatureFormat,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertPathError> {
    match (parse_spki(spki_der)?, alg) {
        (PublicKeyKind::Ec { curve, point }, SignatureAlgorithm::Ecdsa(h)) => {
            let prehash = h.digest(message);
            match curve {
                Curve::P256 => ecdsa_verify!(p256, point, &prehash, signature, format),
                Curve::P384 => ecdsa_verify!(p384, point, &prehash, signature, format),
                Curve::P521 => ecdsa_verify!(p521, point, &prehash, signature, format),
            }
        }
        (PublicKeyKind::Rsa { pkcs1, pss_only }, SignatureAlgorithm::RsaPkcs1v15(_)) => {
            if pss_only {
                return Err(CertPathError::KeyAlgorithmMismatch);
            }
            rsa_verify(pkcs1, alg, message, signature)
        }
        (PublicKeyKind::Rsa { pkcs1, .. }, SignatureAlgorithm::RsaPss { .. }) => {
            rsa_verify(pkcs1, alg, message, signature)
        }
        (PublicKeyKind::Ed25519 { key }, SignatureAlgorithm::Ed25519) => {
            let key: &[u8; 32] = key
                .try_into()
                .map_err(|_| CertPathError::InvalidPublicKey)?;
            let vk = ed25519_dalek::VerifyingKey::from_bytes(key)
                .map_err(|_| CertPathError::InvalidPublicKey)?;
            let sig = ed25519_dalek::Signature::from_slice(signature)
                .map_err(|_| CertPathError::InvalidSignature)?;
            // verify_strict rejects small-order keys and non-canonical R.
            vk.verify_strict(message, &sig)
                .map_err(|_| CertPathError::InvalidSignature)
        }
        _ => Err(CertPathError::KeyAlgorithmMismatch),
    }
}

/// Verifies an X.509-style signature: `sig_alg_oid` (dotted) with its DER
/// `sig_alg_params` (complete TLV, or `None` when absent), key from the DER
/// SubjectPublicKeyInfo `spki_der`, ECDSA signatures DER-encoded.
///
/// Supports ECDSA (P-256/P-384/P-521) with SHA-256/384/512, RSA PKCS#1 v1.5
/// with SHA-1/256/384/512, RSA-PSS (SHA-1/256/384/512 with MGF1 of the same
/// hash) and Ed25519.
pub fn verify_signature(
    spki_der: &[u8],
    sig_alg_oid: &str,
    sig_alg_params: Option<&[u8]>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CertPathError> {
    let alg = SignatureAlgorithm::from_oid(sig_alg_oid, sig_alg_params)?;
    verify_with_algorithm(spki_der, alg, EcdsaSignatureFormat::Der, message, signature)
}

// ---------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------

/// A parsed certificate plus the raw pieces needed to check its signature.
struct Cert<'a> {
    der: &'a [u8],
    x509: X509Certificate<'a>,
    tbs: &'a [u8],
    sig_oid: String,
    sig_params: Option<&'a [u8]>,
    signature: &'a [u8],
    spki: &'a [u8],
}

/// Splits `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`
/// and returns (tbs TLV, signatureAlgorithm TLV, signature bits).
fn split_certificate(der: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let cert = AnyRef::from_der(der).ok()?;
    let mut r = contents(cert, Tag::Sequence).ok()?;
    let (tbs_raw, tbs) = next_tlv(&mut r).ok()?;
    let (alg_raw, alg) = next_tlv(&mut r).ok()?;
    let bits: BitStringRef<'_> = r.decode().ok()?;
    r.finish().ok()?;
    if tbs.tag() != Tag::Sequence || alg.tag() != Tag::Sequence {
        return None;
    }
    // Signatures are whole octets: `as_bytes` is `None` unless no bit is unused.
    Some((tbs_raw, alg_raw, bits.as_bytes()?))
}

/// A certificate whose outer `signatureValue` BIT STRING declares unused bits
/// although its last octet's unused bits are all zero, re-encoded with 0
/// unused bits; any other input is returned as it is, for the strict parser to
/// accept or refuse.
///
/// Why: early Yubico U2F attestation certificates (e.g. "Yubico U2F EE Serial
/// 13831167861") were issued with an unused-bits octet of 2 before a whole
/// RSA-2048 signature, and every peer library accepts them. X.690 §8.6.2.2
/// says the initial octet "shall encode, as an unsigned binary integer with
/// bit 1 as the least significant bit, the number of unused bits in the final
/// subsequent octet", and §11.2.1 (DER) that "each unused bit in the final
/// octet of the encoding of a bit string value shall be set to zero": such a
/// value is a valid bit string whose bits, read as octets, are the signature
/// the CA made. Setting the count to 0 changes neither the tbsCertificate (so
/// the issuer's signature still verifies over the same bytes) nor the
/// signature octets, nor any length. Nothing else is normalised: the outer
/// structure must be exactly `SEQUENCE { SEQUENCE, SEQUENCE, BIT STRING }` with
/// no trailing bytes, the count at most 7, and the unused bits zero.
pub(crate) fn normalize_signature_unused_bits(der: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    let Some(at) = signature_unused_bits_offset(der) else {
        return Cow::Borrowed(der);
    };
    let mut owned = der.to_vec();
    match owned.get_mut(at) {
        Some(b) => *b = 0,
        None => return Cow::Borrowed(der),
    }
    Cow::Owned(owned)
}

/// The offset in `der` of the signatureValue's unused-bits octet, when it is
/// 1..=7 and the bits it declares unused are zero.
fn signature_unused_bits_offset(der: &[u8]) -> Option<usize> {
    // Read as plain TLVs, not `BitStringRef`: this runs before the strict
    // parse, on the very encodings it would refuse.
    let cert = AnyRef::from_der(der).ok()?;
    let mut r = contents(cert, Tag::Sequence).ok()?;
    let tbs: AnyRef<'_> = r.decode().ok()?;
    let alg: AnyRef<'_> = r.decode().ok()?;
    let bits: AnyRef<'_> = r.decode().ok()?;
    r.finish().ok()?;
    if !(tbs.tag() == Tag::Sequence && alg.tag() == Tag::Sequence && bits.tag() == Tag::BitString) {
        return None;
    }
    let (&unused, octets) = bits.value().split_first()?;
    let &last = octets.last()?;
    let mask = 1u8.checked_shl(u32::from(unused))?.wrapping_sub(1);
    if !(1..=7).contains(&unused) || last & mask != 0 {
        return None;
    }
    // The contents octets end where `der` ends (the BIT STRING is the last
    // element of the outer SEQUENCE and nothing trails it).
    der.len().checked_sub(bits.value().len())
}

/// Returns the raw `signature` AlgorithmIdentifier TLV inside a TBSCertificate.
fn tbs_signature_alg(tbs: &[u8]) -> Option<&[u8]> {
    let tbs = AnyRef::from_der(tbs).ok()?;
    let mut r = contents(tbs, Tag::Sequence).ok()?;
    // version [0] EXPLICIT DEFAULT v1
    let version = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(0),
    };
    if Tag::peek(&r).ok()? == version {
        r.decode::<AnyRef<'_>>().ok()?;
    }
    // serialNumber: only its tag is checked here (x509-parser reads it).
    let serial: AnyRef<'_> = r.decode().ok()?;
    serial.tag().assert_eq(Tag::Integer).ok()?;
    let (alg_raw, alg) = next_tlv(&mut r).ok()?;
    (alg.tag() == Tag::Sequence).then_some(alg_raw)
}

fn parse_cert(der: &[u8], index: usize) -> Result<Cert<'_>, CertPathError> {
    let parse_err = CertPathError::Parse { index };
    let (tbs, alg_raw, signature) = split_certificate(der).ok_or(parse_err.clone())?;
    let (rem, x509) = X509Certificate::from_der(der).map_err(|_| parse_err.clone())?;
    if !rem.is_empty() {
        return Err(parse_err);
    }
    // RFC 5280 §4.1.1.2: signatureAlgorithm MUST be the same as tbsCertificate.signature.
    if tbs_signature_alg(tbs) != Some(alg_raw) {
        return Err(CertPathError::SignatureAlgorithmMismatch { index });
    }
    let alg = AnyRef::from_der(alg_raw).map_err(|_| parse_err.clone())?;
    let mut a = contents(alg, Tag::Sequence).map_err(|_| parse_err.clone())?;
    let oid: AnyRef<'_> = a.decode().map_err(|_| parse_err.clone())?;
    let sig_oid = oid_string(oid).ok_or(parse_err.clone())?;
    let sig_params = if a.is_finished() {
        None
    } else {
        Some(next_tlv(&mut a).map_err(|_| parse_err.clone())?.0)
    };
    a.finish().map_err(|_| parse_err)?;
    let spki = x509.tbs_certificate.subject_pki.raw;
    Ok(Cert {
        der,
        x509,
        tbs,
        sig_oid,
        sig_params,
        signature,
        spki,
    })
}

/// Normalizes a directory string for comparison: RFC 5280 §7.1 asks for
/// RFC 4518 string preparation; this applies its common part (case folding
/// of ASCII and insignificant-space handling).
fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

fn attrs_match(a: &AttributeTypeAndValue<'_>, b: &AttributeTypeAndValue<'_>) -> bool {
    if a.attr_type() != b.attr_type() {
        return false;
    }
    match (a.as_str(), b.as_str()) {
        (Ok(x), Ok(y)) => normalize(x) == normalize(y),
        _ => a.attr_value().tag() == b.attr_value().tag() && a.as_slice() == b.as_slice(),
    }
}

/// RFC 5280 §7.1 name matching: byte-identical names match; otherwise the
/// names match when they have the same RDNs in the same order, each with the
/// same attributes whose string values are equal after normalization. Empty
/// names never match (an issuer name MUST be non-empty, RFC 5280 §4.1.2.4).
fn names_match(a: &X509Name<'_>, b: &X509Name<'_>) -> bool {
    let rdns_a: Vec<_> = a.iter_rdn().collect();
    let rdns_b: Vec<_> = b.iter_rdn().collect();
    if rdns_a.is_empty() || rdns_b.is_empty() {
        return false;
    }
    if a.as_raw() == b.as_raw() {
        return true;
    }
    if rdns_a.len() != rdns_b.len() {
        return false;
    }
    rdns_a.iter().zip(rdns_b.iter()).all(|(ra, rb)| {
        let xa: Vec<_> = ra.iter().collect();
        let xb: Vec<_> = rb.iter().collect();
        xa.len() == xb.len() && xa.iter().all(|x| xb.iter().any(|y| attrs_match(x, y)))
    })
}

fn self_issued(c: &Cert<'_>) -> bool {
    names_match(c.x509.subject(), c.x509.issuer())
}

/// RFC 5280 §4.2: duplicate extensions, unknown critical extensions,
/// critical name constraints, malformed critical extensions.
fn check_extensions(c: &Cert<'_>, index: usize) -> Result<(), CertPathError> {
    let mut seen: Vec<String> = Vec::new();
    for ext in c.x509.extensions() {
        let oid = ext.oid.to_id_string();
        if seen.contains(&oid) {
            return Err(CertPathError::DuplicateExtension { index, oid });
        }
        if oid == OID_NAME_CONSTRAINTS {
            if ext.critical {
                // RFC 5280 §4.2.1.10: constraints are not processed here, see module docs.
                return Err(CertPathError::NameConstraints { index });
            }
        } else if ext.critical && !KNOWN_CRITICAL.contains(&oid.as_str()) {
            return Err(CertPathError::UnknownCriticalExtension { index, oid });
        }
        // A critical extension we rely on must decode. certificatePolicies is
        // exempt: it is not processed, and real AIK certificates carry
        // UserNotice qualifiers that strict parsers reject.
        if ext.critical
            && oid != OID_CERTIFICATE_POLICIES
            && matches!(ext.parsed_extension(), ParsedExtension::ParseError { .. })
        {
            return Err(CertPathError::MalformedExtension { index, oid });
        }
        seen.push(oid);
    }
    Ok(())
}

/// RFC 5280 §6.1.3 (a)(2): the certificate validity period includes the current time.
fn check_validity(c: &Cert<'_>, index: usize, now: i64) -> Result<(), CertPathError> {
    let v = c.x509.validity();
    if now < v.not_before.timestamp() {
        return Err(CertPathError::NotYetValid { index });
    }
    if now > v.not_after.timestamp() {
        return Err(CertPathError::Expired { index });
    }
    Ok(())
}

/// Checks that `c` may issue certificates when it sits at path position
/// `index` and `below` non-self-issued intermediate certificates follow it
/// (towards the leaf, leaf excluded).
fn check_issuer(
    c: &Cert<'_>,
    index: usize,
    below: usize,
    is_anchor: bool,
) -> Result<(), CertPathError> {
    let bc = c
        .x509
        .basic_constraints()
        .map_err(|_| CertPathError::DuplicateExtension {
            index,
            oid: OID_BASIC_CONSTRAINTS.to_string(),
        })?;
    match bc {
        // RFC 5280 §4.2.1.9: cA must be asserted for a key that verifies
        // certificate signatures; pathLenConstraint bounds the number of
        // non-self-issued intermediate certificates that may follow.
        Some(bc) if bc.value.ca => {
            if let Some(max) = bc.value.path_len_constraint
                && u64::try_from(below).unwrap_or(u64::MAX) > u64::from(max)
            {
                return Err(CertPathError::PathLenExceeded { index });
            }
        }
        Some(_) => return Err(CertPathError::NotACa { index }),
        // RFC 5280 §6.1.4 (k): an intermediate without basicConstraints is not a CA.
        // A trust anchor without it (a v1 root) is trusted by configuration.
        None if is_anchor => {}
        None => return Err(CertPathError::NotACa { index }),
    }
    // RFC 5280 §4.2.1.3 / §6.1.4 (n): when keyUsage is present, keyCertSign must be set.
    match c.x509.key_usage() {
        Ok(Some(ku)) if !ku.value.key_cert_sign() => Err(CertPathError::KeyUsage { index }),
        Ok(_) => Ok(()),
        Err(_) => Err(CertPathError::MalformedExtension {
            index,
            oid: OID_KEY_USAGE.to_string(),
        }),
    }
}

/// Verifies the signature of `subject` (at path position `index`) with `issuer_spki`.
fn check_link(
    subject: &Cert<'_>,
    issuer_spki: &[u8],
    index: usize,
    opts: &PathOptions,
) -> Result<(), CertPathError> {
    let alg = SignatureAlgorithm::from_oid(&subject.sig_oid, subject.sig_params)?;
    if alg.hash() == Some(HashAlg::Sha1) && !opts.allow_sha1 {
        return Err(CertPathError::WeakAlgorithm { index });
    }
    match verify_with_algorithm(
        issuer_spki,
        alg,
        EcdsaSignatureFormat::Der,
        subject.tbs,
        subject.signature,
    ) {
        Ok(()) => Ok(()),
        Err(
            CertPathError::InvalidSignature
            | CertPathError::InvalidPublicKey
            | CertPathError::KeyAlgorithmMismatch,
        ) => Err(CertPathError::BadSignature { index }),
        Err(e) => Err(e),
    }
}

/// Certificates issued by the same subject with the same key, or byte-identical
/// ones, may appear only once: a repeated certificate means a loop.
fn check_no_duplicates(certs: &[Cert<'_>]) -> Result<(), CertPathError> {
    for (i, a) in certs.iter().enumerate() {
        for b in certs.iter().skip(i.saturating_add(1)) {
            if a.der == b.der
                || (a.x509.subject().as_raw() == b.x509.subject().as_raw() && a.spki == b.spki)
            {
                return Err(CertPathError::Loop);
            }
        }
    }
    Ok(())
}

fn parse_chain<'a>(chain: &[&'a [u8]], opts: &PathOptions) -> Result<Vec<Cert<'a>>, CertPathError> {
    if chain.is_empty() {
        return Err(CertPathError::EmptyChain);
    }
    if chain.len() > opts.max_chain_len {
        return Err(CertPathError::ChainTooLong {
            len: chain.len(),
            max: opts.max_chain_len,
        });
    }
    let certs = chain
        .iter()
        .enumerate()
        .map(|(i, der)| parse_cert(der, i))
        .collect::<Result<Vec<_>, _>>()?;
    check_no_duplicates(&certs)?;
    Ok(certs)
}

// ---------------------------------------------------------------------------
// Public path API
// ---------------------------------------------------------------------------

/// A trusted root (or any certificate the relying party decides to trust).
///
/// RFC 5280 §6.1.1 (d): the anchor supplies the trusted name and key. Its
/// basicConstraints/pathLenConstraint/keyUsage are also honoured when present
/// (as RFC 5937 allows), and its validity period is checked unless
/// [`PathOptions::check_anchor_validity`] is false. Its own signature and
/// critical extensions are not checked: it is trusted by configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    der: Vec<u8>,
}

const PEM_BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const PEM_END: &str = "-----END CERTIFICATE-----";
/// Bound on one PEM block (a certificate is a few KiB; 1 MiB is generous).
const MAX_PEM_BLOCK: usize = 1 << 20;

impl TrustAnchor {
    /// An anchor from a DER certificate (parsed once to reject garbage).
    pub fn from_der(der: &[u8]) -> Result<Self, CertPathError> {
        parse_cert(der, 0).map_err(|_| CertPathError::InvalidAnchor)?;
        Ok(Self { der: der.to_vec() })
    }

    /// An anchor from the first `CERTIFICATE` block of a PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, CertPathError> {
        Self::from_pem_bundle(pem)?
            .into_iter()
            .next()
            .ok_or(CertPathError::InvalidAnchor)
    }

    /// Every `CERTIFICATE` block of a PEM text (RFC 7468 §5), in order.
    pub fn from_pem_bundle(pem: &str) -> Result<Vec<Self>, CertPathError> {
        let mut out = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find(PEM_BEGIN) {
            let after = rest
                .get(start.saturating_add(PEM_BEGIN.len())..)
                .ok_or(CertPathError::InvalidAnchor)?;
            let end = after.find(PEM_END).ok_or(CertPathError::InvalidAnchor)?;
            let body = after.get(..end).ok_or(CertPathError::InvalidAnchor)?;
            if body.len() > MAX_PEM_BLOCK {
                return Err(CertPathError::InvalidAnchor);
            }
            let b64: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            let der = b64::decode(Alphabet::Standard, &b64).ok_or(CertPathError::InvalidAnchor)?;
            out.push(Self::from_der(&der)?);
            rest = after
                .get(end.saturating_add(PEM_END.len())..)
                .ok_or(CertPathError::InvalidAnchor)?;
        }
        Ok(out)
    }

    /// The anchor certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// Options for [`verify_path`] and [`verify_chain_signatures_only`].
///
/// Construct with [`PathOptions::new`] and adjust fields.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PathOptions {
    /// Verification time, seconds since the Unix epoch.
    pub now_unix: i64,
    /// Maximum number of certificates accepted in `x5c` (default 8).
    pub max_chain_len: usize,
    /// Check the validity period of every chain certificate (default true).
    pub check_validity: bool,
    /// Check the validity period of the trust anchor too (default true).
    pub check_anchor_validity: bool,
    /// Accept SHA-1 based certificate signatures (default true: attestation
    /// CAs sign only their own devices' certificates, so chosen-prefix
    /// collisions are not a practical threat, and legacy U2F/TPM chains use it).
    pub allow_sha1: bool,
}

impl PathOptions {
    /// Defaults: `max_chain_len` 8, validity checks on, SHA-1 allowed.
    pub fn new(now_unix: i64) -> Self {
        Self {
            now_unix,
            max_chain_len: DEFAULT_MAX_CHAIN_LEN,
            check_validity: true,
            check_anchor_validity: true,
            allow_sha1: true,
        }
    }
}

/// A successfully validated path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPath {
    /// The `x5c` certificates of the path, leaf first, DER. A copy of the
    /// anchor carried inside `x5c` is not repeated here; when the leaf itself
    /// is a trust anchor this is empty.
    pub chain: Vec<Vec<u8>>,
    /// Index of the anchor used in the `anchors` slice.
    pub anchor_index: usize,
    /// The anchor used.
    pub anchor: TrustAnchor,
    /// Number of `x5c` certificates after the path's end that were not used
    /// (including a copy of the anchor).
    pub unused_certificates: usize,
}

/// Tries the anchors for the issuer of `certs[i]`. Returns the anchor index on
/// success; records in `last_err` why the last anchor with a matching name
/// failed (bad signature, constraints, validity).
fn try_anchors(
    certs: &[Cert<'_>],
    i: usize,
    anchors: &[Cert<'_>],
    below_anchor: usize,
    opts: &PathOptions,
    last_err: &mut Option<CertPathError>,
) -> Option<usize> {
    let cert = certs.get(i)?;
    let next_der = certs.get(i.saturating_add(1)).map(|c| c.der);
    let anchor_pos = i.saturating_add(1);
    // Prefer the anchor byte-identical to the next x5c certificate, so the
    // reported anchor is the one the authenticator sent when several anchors
    // share name and key (e.g. the Google hardware attestation roots).
    let mut order: Vec<usize> = (0..anchors.len()).collect();
    order.sort_by_key(|&k| anchors.get(k).map(|a| Some(a.der) != next_der));
    for k in order {
        let Some(anchor) = anchors.get(k) else {
            continue;
        };
        if !names_match(anchor.x509.subject(), cert.x509.issuer()) {
            continue;
        }
        if let Err(e) = check_link(cert, anchor.spki, i, opts) {
            // The certificate names this anchor as its issuer but the anchor's
            // key does not verify it: remember why, in case no other anchor
            // or x5c certificate completes the path.
            *last_err = Some(e);
            continue;
        }
        let checks = check_issuer(anchor, anchor_pos, below_anchor, true).and_then(|()| {
            if opts.check_anchor_validity {
                check_validity(anchor, anchor_pos, opts.now_unix)
            } else {
                Ok(())
            }
        });
        match checks {
            Ok(()) => return Some(k),
            Err(e) => *last_err = Some(e),
        }
    }
    None
}

/// Validates `chain` (the `x5c` array, leaf first) up to one of `anchors`.
///
/// The path is built in the given order: `x5c[i]` must be issued by
/// `x5c[i+1]` unless a trust anchor with a matching subject name verifies
/// `x5c[i]`'s signature, in which case the path ends there (every anchor with
/// a matching name is tried). `x5c` may include the root itself, or any
/// certificate byte-identical to an anchor; certificates after the point
/// where an anchor is reached are not used (see
/// [`VerifiedPath::unused_certificates`]). The leaf may itself be an anchor.
///
/// Checked for every certificate used: DER well-formedness, signature
/// algorithm consistency, validity at `opts.now_unix`, extensions (RFC 5280
/// §4.2), and for every issuer basicConstraints cA, pathLenConstraint and
/// keyUsage keyCertSign; for the anchor as well its validity (optional) and
/// its constraints when present.
pub fn verify_path(
    chain: &[&[u8]],
    anchors: &[TrustAnchor],
    opts: &PathOptions,
) -> Result<VerifiedPath, CertPathError> {
    let certs = parse_chain(chain, opts)?;
    // Anchors were parsed in from_der; a failure here cannot normally happen,
    // and such an anchor is simply unusable.
    let anchor_certs: Vec<Cert<'_>> = anchors
        .iter()
        .filter_map(|a| parse_cert(&a.der, 0).ok())
        .collect();
    // Keep indices aligned with `anchors` even if one failed to parse.
    if anchor_certs.len() != anchors.len() {
        return Err(CertPathError::InvalidAnchor);
    }

    let mut last_err: Option<CertPathError> = None;
    // Number of non-self-issued intermediates in positions 1..i (leaf excluded).
    let mut below: usize = 0;
    for (i, cert) in certs.iter().enumerate() {
        if opts.check_validity {
            check_validity(cert, i, opts.now_unix)?;
        }
        check_extensions(cert, i)?;
        if i == 0 {
            // The leaf itself may be trusted directly (FIDO metadata sometimes
            // lists the attestation certificate as its own root).
            if let Some(k) = anchors.iter().position(|a| a.der == cert.der) {
                return Ok(VerifiedPath {
                    chain: Vec::new(),
                    anchor_index: k,
                    anchor: anchors
                        .get(k)
                        .cloned()
                        .ok_or(CertPathError::InvalidAnchor)?,
                    unused_certificates: certs.len().saturating_sub(1),
                });
            }
        } else {
            check_issuer(cert, i, below, false)?;
            if !self_issued(cert) {
                below = below.saturating_add(1);
            }
        }
        // `below` now counts positions 1..=i, i.e. what follows an anchor at i+1.
        let below_anchor = below;
        if let Some(k) = try_anchors(&certs, i, &anchor_certs, below_anchor, opts, &mut last_err) {
            let anchor = anchors
                .get(k)
                .cloned()
                .ok_or(CertPathError::InvalidAnchor)?;
            let used = i.saturating_add(1);
            return Ok(VerifiedPath {
                chain: certs.iter().take(used).map(|c| c.der.to_vec()).collect(),
                anchor_index: k,
                anchor,
                unused_certificates: certs.len().saturating_sub(used),
            });
        }
        // No anchor issued this certificate: continue with the next x5c entry.
        let Some(next) = certs.get(i.saturating_add(1)) else {
            return Err(last_err.unwrap_or(CertPathError::UntrustedRoot));
        };
        if !names_match(next.x509.subject(), cert.x509.issuer()) {
            return Err(last_err.unwrap_or(CertPathError::IssuerMismatch { index: i }));
        }
        check_link(cert, next.spki, i, opts)?;
    }
    Err(last_err.unwrap_or(CertPathError::UntrustedRoot))
}

/// Checks the links that are present in `chain` without requiring a trust
/// anchor — for the attestation policy "the statement must verify but the
/// chain need not reach a root" (WebAuthn L3 §7.1 step 24 (see
/// `attestation::verify`) leaves trust assessment to the relying party).
///
/// For every consecutive pair, `x5c[i]` must name and be signed by
/// `x5c[i+1]`, which must be a CA allowed to issue it (basicConstraints,
/// pathLenConstraint, keyUsage). Extensions are checked as in
/// [`verify_path`], validity when `opts.check_validity`. The last
/// certificate's own signature is not checked (its issuer is absent).
pub fn verify_chain_signatures_only(
    chain: &[&[u8]],
    opts: &PathOptions,
) -> Result<(), CertPathError> {
    let certs = parse_chain(chain, opts)?;
    let mut below: usize = 0;
    for (i, cert) in certs.iter().enumerate() {
        if opts.check_validity {
            check_validity(cert, i, opts.now_unix)?;
        }
        check_extensions(cert, i)?;
        if i > 0 {
            check_issuer(cert, i, below, false)?;
            if !self_issued(cert) {
                below = below.saturating_add(1);
            }
        }
        if let Some(next) = certs.get(i.saturating_add(1)) {
            if !names_match(next.x509.subject(), cert.x509.issuer()) {
                return Err(CertPathError::IssuerMismatch { index: i });
            }
            check_link(cert, next.spki, i, opts)?;
        }
    }
    Ok(())
}

/// The DER SubjectPublicKeyInfo of a DER certificate (for verifying
/// statement signatures with `x5c[0]`'s key via [`verify_with_algorithm`]).
pub fn certificate_spki(cert_der: &[u8]) -> Result<&[u8], CertPathError> {
    let (rem, x509) =
        X509Certificate::from_der(cert_der).map_err(|_| CertPathError::Parse { index: 0 })?;
    if !rem.is_empty() {
        return Err(CertPathError::Parse { index: 0 });
    }
    Ok(x509.tbs_certificate.subject_pki.raw)
}

/// The FIDO AAGUID extension (`id-fido-gen-ce-aaguid`) of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AaguidExtension {
    /// The 16-byte AAGUID.
    pub aaguid: [u8; 16],
    /// Whether the extension was marked critical (WebAuthn L3 §8.2.1 requires
    /// it not to be for packed attestation).
    pub critical: bool,
}

/// Reads the `id-fido-gen-ce-aaguid` extension (1.3.6.1.4.1.45724.1.1.4):
/// extnValue is an OCTET STRING wrapping `OCTET STRING (SIZE 16)`
/// (WebAuthn L3 §8.2.1, §8.3.1). `Ok(None)` when absent.
pub fn fido_aaguid_extension(cert_der: &[u8]) -> Result<Option<AaguidExtension>, CertPathError> {
    let c = parse_cert(cert_der, 0)?;
    let mut found: Option<AaguidExtension> = None;
    for ext in c.x509.extensions() {
        if ext.oid.to_id_string() != OID_FIDO_GEN_CE_AAGUID {
            continue;
        }
        let malformed = || CertPathError::MalformedExtension {
            index: 0,
            oid: OID_FIDO_GEN_CE_AAGUID.to_string(),
        };
        if found.is_some() {
            return Err(CertPathError::DuplicateExtension {
                index: 0,
                oid: OID_FIDO_GEN_CE_AAGUID.to_string(),
            });
        }
        // `from_der` refuses bytes after the OCTET STRING.
        let inner = <&OctetStringRef>::from_der(ext.value).map_err(|_| malformed())?;
        let aaguid: [u8; 16] = inner.as_bytes().try_into().map_err(|_| malformed())?;
        found = Some(AaguidExtension {
            aaguid,
            critical: ext.critical,
        });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_params_parse() {
        // SEQUENCE { [0] { SEQUENCE { sha256, NULL } }, [1] { SEQUENCE { mgf1, SEQUENCE { sha256, NULL } } }, [2] { INTEGER 32 } }
        let p: &[u8] = &[
            0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
            0x04, 0x02, 0x01, 0x05, 0x00, 0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48,
            0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
            0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01, 0x20,
        ];
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_RSASSA_PSS, Some(p)).unwrap(),
            SignatureAlgorithm::RsaPss {
                hash: HashAlg::Sha256,
                salt_len: 32
            }
        );
        // Empty SEQUENCE: all defaults (SHA-1, MGF1-SHA-1, 20).
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_RSASSA_PSS, Some(&[0x30, 0x00])).unwrap(),
            SignatureAlgorithm::RsaPss {
                hash: HashAlg::Sha1,
                salt_len: 20
            }
        );
        // Absent parameters are not allowed for PSS.
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_RSASSA_PSS, None).unwrap_err(),
            CertPathError::InvalidAlgorithmParameters
        );
        // MGF1 hash differing from the message hash.
        let mut q = p.to_vec();
        q[47] = 0x02; // mgf1 inner hash sha256 -> sha384
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_RSASSA_PSS, Some(&q)).unwrap_err(),
            CertPathError::InvalidAlgorithmParameters
        );
        // Truncated.
        assert!(SignatureAlgorithm::from_oid(OID_RSASSA_PSS, Some(&p[..20])).is_err());
    }

    #[test]
    fn algorithm_oids() {
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_ECDSA_SHA384, None).unwrap(),
            SignatureAlgorithm::Ecdsa(HashAlg::Sha384)
        );
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_RSA_SHA1, Some(&[0x05, 0x00])).unwrap(),
            SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha1)
        );
        assert!(matches!(
            SignatureAlgorithm::from_oid("1.2.840.10045.4.1", None),
            Err(CertPathError::UnsupportedAlgorithm { .. })
        ));
        assert_eq!(
            SignatureAlgorithm::from_oid(OID_ED25519, Some(&[0x05, 0x00])).unwrap_err(),
            CertPathError::InvalidAlgorithmParameters
        );
    }

    #[test]
    fn garbage_never_panics() {
        let junk: &[&[u8]] = &[&[], &[0x30], &[0x30, 0x00], &[0x30, 0x03, 0x30, 0x01, 0x00]];
        for j in junk {
            assert!(parse_cert(j, 0).is_err());
            assert!(verify_signature(j, OID_ECDSA_SHA256, None, b"m", j).is_err());
            assert!(TrustAnchor::from_der(j).is_err());
        }
        assert_eq!(
            verify_path(&[], &[], &PathOptions::new(0)).unwrap_err(),
            CertPathError::EmptyChain
        );
        assert!(
            TrustAnchor::from_pem("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----")
                .is_err()
        );
        assert!(TrustAnchor::from_pem("-----BEGIN CERTIFICATE-----\nAAAA").is_err());
        assert!(TrustAnchor::from_pem("nothing").is_err());
    }

    #[test]
    fn normalization() {
        assert_eq!(normalize("  Foo   Bar "), "foo bar");
    }
}
