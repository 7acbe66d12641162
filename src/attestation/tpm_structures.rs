//! TPM 2.0 structures used by the WebAuthn `tpm` attestation format
//! (WebAuthn L3 §8.3), and the AIK certificate requirements (§8.3.1).
//!
//! `certInfo` is a marshalled `TPMS_ATTEST` and `pubArea` a marshalled
//! `TPMT_PUBLIC` (TPM 2.0 Library Part 2, "Structures", §10.12.12 and
//! §12.2.4). Marshalling is big-endian; a `TPM2B_*` is a `UINT16` size
//! followed by that many bytes. Every length here is checked against the
//! bytes actually remaining, nothing is allocated from a claimed length, and
//! trailing bytes after the structure are rejected.

use crate::x509::cert_path::{self, HashAlg};
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::x509::X509Version;

/// `TPM_GENERATED_VALUE` (Part 2 §6.2): marks a structure the TPM produced itself.
pub const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
/// `TPM_ST_ATTEST_CERTIFY` (Part 2 §6.9).
pub const TPM_ST_ATTEST_CERTIFY: u16 = 0x8017;

/// `TPM_ALG_RSA`.
pub const TPM_ALG_RSA: u16 = 0x0001;
/// `TPM_ALG_SHA1`.
pub const TPM_ALG_SHA1: u16 = 0x0004;
/// `TPM_ALG_SHA256`.
pub const TPM_ALG_SHA256: u16 = 0x000b;
/// `TPM_ALG_SHA384`.
pub const TPM_ALG_SHA384: u16 = 0x000c;
/// `TPM_ALG_SHA512`.
pub const TPM_ALG_SHA512: u16 = 0x000d;
/// `TPM_ALG_NULL`.
pub const TPM_ALG_NULL: u16 = 0x0010;
/// `TPM_ALG_RSASSA`.
pub const TPM_ALG_RSASSA: u16 = 0x0014;
/// `TPM_ALG_RSAES`.
pub const TPM_ALG_RSAES: u16 = 0x0015;
/// `TPM_ALG_RSAPSS`.
pub const TPM_ALG_RSAPSS: u16 = 0x0016;
/// `TPM_ALG_OAEP`.
pub const TPM_ALG_OAEP: u16 = 0x0017;
/// `TPM_ALG_ECDSA`.
pub const TPM_ALG_ECDSA: u16 = 0x0018;
/// `TPM_ALG_ECDH`.
pub const TPM_ALG_ECDH: u16 = 0x0019;
/// `TPM_ALG_ECDAA`.
pub const TPM_ALG_ECDAA: u16 = 0x001a;
/// `TPM_ALG_SM2`.
pub const TPM_ALG_SM2: u16 = 0x001b;
/// `TPM_ALG_ECSCHNORR`.
pub const TPM_ALG_ECSCHNORR: u16 = 0x001c;
/// `TPM_ALG_ECMQV`.
pub const TPM_ALG_ECMQV: u16 = 0x001d;
/// `TPM_ALG_MGF1`.
pub const TPM_ALG_MGF1: u16 = 0x0007;
/// `TPM_ALG_KDF1_SP800_56A`.
pub const TPM_ALG_KDF1_SP800_56A: u16 = 0x0020;
/// `TPM_ALG_KDF2`.
pub const TPM_ALG_KDF2: u16 = 0x0021;
/// `TPM_ALG_KDF1_SP800_108`.
pub const TPM_ALG_KDF1_SP800_108: u16 = 0x0022;
/// `TPM_ALG_ECC`.
pub const TPM_ALG_ECC: u16 = 0x0023;

/// `TPM_ECC_NIST_P256`.
pub const TPM_ECC_NIST_P256: u16 = 0x0003;
/// `TPM_ECC_NIST_P384`.
pub const TPM_ECC_NIST_P384: u16 = 0x0004;
/// `TPM_ECC_NIST_P521`.
pub const TPM_ECC_NIST_P521: u16 = 0x0005;

/// `tcg-kp-AIKCertificate` extended key usage (TCG EK Credential Profile).
pub const OID_TCG_KP_AIK_CERTIFICATE: &str = "2.23.133.8.3";
/// `tcg-at-tpmManufacturer`.
pub const OID_TCG_AT_TPM_MANUFACTURER: &str = "2.23.133.2.1";
/// `tcg-at-tpmModel`.
pub const OID_TCG_AT_TPM_MODEL: &str = "2.23.133.2.2";
/// `tcg-at-tpmVersion`.
pub const OID_TCG_AT_TPM_VERSION: &str = "2.23.133.2.3";
const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";

/// Why a TPM structure or AIK certificate was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TpmError {
    /// The input ended inside `field`.
    #[error("TPM structure truncated in {field}")]
    Truncated {
        /// Name of the field being read.
        field: &'static str,
    },
    /// Bytes remain after the structure.
    #[error("{count} trailing bytes after TPM structure")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// `TPMS_ATTEST.magic` is not `TPM_GENERATED_VALUE`.
    #[error("TPMS_ATTEST magic {0:#010x} is not TPM_GENERATED_VALUE")]
    BadMagic(u32),
    /// `TPMS_ATTEST.type` is not `TPM_ST_ATTEST_CERTIFY`.
    #[error("TPMS_ATTEST type {0:#06x} is not TPM_ST_ATTEST_CERTIFY")]
    BadAttestType(u16),
    /// `TPMT_PUBLIC.type` is neither RSA nor ECC.
    #[error("unsupported TPMT_PUBLIC type {0:#06x}")]
    UnsupportedPublicType(u16),
    /// A hash algorithm id this module cannot compute.
    #[error("unsupported TPM hash algorithm {0:#06x}")]
    UnsupportedHashAlg(u16),
    /// An unknown scheme/algorithm id in `field`.
    #[error("unsupported algorithm {alg:#06x} in {field}")]
    UnsupportedScheme {
        /// Field name.
        field: &'static str,
        /// The algorithm id.
        alg: u16,
    },
    /// An ECC curve other than NIST P-256/P-384/P-521.
    #[error("unsupported ECC curve {0:#06x}")]
    UnsupportedCurve(u16),
    /// RSA `keyBits` disagrees with the size of the modulus.
    #[error("RSA keyBits {key_bits} does not match a {modulus_len}-byte modulus")]
    KeyBitsMismatch {
        /// Declared size.
        key_bits: u16,
        /// Modulus length in bytes.
        modulus_len: usize,
    },
    /// The AIK certificate is not a parsable X.509 certificate.
    #[error("AIK certificate could not be parsed")]
    AikParse,
    /// WebAuthn L3 §8.3.1: version MUST be 3.
    #[error("AIK certificate is not version 3")]
    AikVersion,
    /// WebAuthn L3 §8.3.1: subject MUST be empty.
    #[error("AIK certificate subject is not empty")]
    AikSubjectNotEmpty,
    /// WebAuthn L3 §8.3.1: subjectAltName missing, malformed, or lacking a TCG attribute.
    #[error("AIK certificate subjectAltName is missing or lacks {missing}")]
    AikSubjectAltName {
        /// What is missing or wrong.
        missing: &'static str,
    },
    /// WebAuthn L3 §8.3.1: extendedKeyUsage must contain tcg-kp-AIKCertificate.
    #[error("AIK certificate extendedKeyUsage lacks 2.23.133.8.3")]
    AikExtendedKeyUsage,
    /// WebAuthn L3 §8.3.1: basicConstraints CA must be false.
    #[error("AIK certificate is a CA or has malformed basicConstraints")]
    AikBasicConstraints,
    /// The AAGUID extension is malformed or duplicated.
    #[error("AIK certificate AAGUID extension is malformed")]
    AikAaguid,
}

/// Big-endian cursor over a TPM marshalled buffer.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], TpmError> {
        if n > self.rest.len() {
            return Err(TpmError::Truncated { field });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], TpmError> {
        self.take(N, field)?
            .try_into()
            .map_err(|_| TpmError::Truncated { field })
    }

    fn u8(&mut self, field: &'static str) -> Result<u8, TpmError> {
        Ok(u8::from_be_bytes(self.array(field)?))
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, TpmError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, TpmError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, TpmError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    /// A `TPM2B_*`: UINT16 size, then that many bytes.
    fn tpm2b(&mut self, field: &'static str) -> Result<&'a [u8], TpmError> {
        let size = self.u16(field)?;
        self.take(usize::from(size), field)
    }

    fn finish(&self) -> Result<(), TpmError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(TpmError::TrailingBytes {
                count: self.rest.len(),
            })
        }
    }
}

/// `TPMS_CLOCK_INFO` (Part 2 §10.11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockInfo {
    /// Milliseconds the TPM has been powered (approximately).
    pub clock: u64,
    /// TPM resets since the last TPM2_Clear.
    pub reset_count: u32,
    /// TPM2_Shutdown/TPM2_Startup cycles since the last reset.
    pub restart_count: u32,
    /// `TPMI_YES_NO` "clock has not gone backwards". Recorded as-is and not
    /// checked: WebAuthn L3 §8.3.2 does not use clockInfo, and the W3C test
    /// vector carries 0x33, which is not a valid `TPMI_YES_NO`.
    pub safe: u8,
}

/// `TPMS_CERTIFY_INFO` (Part 2 §10.12.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertifyInfo<'a> {
    /// Name of the certified object (compare with [`TpmtPublic::name`]).
    pub name: &'a [u8],
    /// Qualified name of the certified object.
    pub qualified_name: &'a [u8],
}

/// `TPMS_ATTEST` with `TPMS_CERTIFY_INFO` (the WebAuthn `certInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpmsAttest<'a> {
    /// Always `TPM_GENERATED_VALUE` after a successful parse.
    pub magic: u32,
    /// Always `TPM_ST_ATTEST_CERTIFY` after a successful parse.
    pub attest_type: u16,
    /// `TPM2B_NAME` of the signing key.
    pub qualified_signer: &'a [u8],
    /// `TPM2B_DATA`: WebAuthn puts the hash of attToBeSigned here (§8.3.2).
    pub extra_data: &'a [u8],
    /// Clock information.
    pub clock_info: ClockInfo,
    /// Vendor-specific firmware version.
    pub firmware_version: u64,
    /// The certified object.
    pub attested: CertifyInfo<'a>,
}

impl<'a> TpmsAttest<'a> {
    /// Parses a marshalled `TPMS_ATTEST` of type `TPM_ST_ATTEST_CERTIFY`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, TpmError> {
        let mut r = Reader { rest: bytes };
        let magic = r.u32("magic")?;
        // WebAuthn L3 §8.3.2: "Verify that magic is set to TPM_GENERATED_VALUE."
        if magic != TPM_GENERATED_VALUE {
            return Err(TpmError::BadMagic(magic));
        }
        let attest_type = r.u16("type")?;
        // WebAuthn L3 §8.3.2: "Verify that type is set to TPM_ST_ATTEST_CERTIFY."
        // Other types select a different TPMU_ATTEST member, so stop here.
        if attest_type != TPM_ST_ATTEST_CERTIFY {
            return Err(TpmError::BadAttestType(attest_type));
        }
        let qualified_signer = r.tpm2b("qualifiedSigner")?;
        let extra_data = r.tpm2b("extraData")?;
        let clock_info = ClockInfo {
            clock: r.u64("clockInfo.clock")?,
            reset_count: r.u32("clockInfo.resetCount")?,
            restart_count: r.u32("clockInfo.restartCount")?,
            safe: r.u8("clockInfo.safe")?,
        };
        let firmware_version = r.u64("firmwareVersion")?;
        let name = r.tpm2b("attested.name")?;
        let qualified_name = r.tpm2b("attested.qualifiedName")?;
        r.finish()?;
        Ok(Self {
            magic,
            attest_type,
            qualified_signer,
            extra_data,
            clock_info,
            firmware_version,
            attested: CertifyInfo {
                name,
                qualified_name,
            },
        })
    }

    /// WebAuthn L3 §8.3.2: "Verify that attested contains a TPMS_CERTIFY_INFO
    /// structure ... whose name field contains a valid Name for pubArea, as
    /// computed using the algorithm in the nameAlg field of pubArea".
    pub fn attested_name_matches(&self, pub_area: &TpmtPublic<'_>) -> Result<bool, TpmError> {
        Ok(pub_area.name()? == self.attested.name)
    }
}

/// `TPMT_SYM_DEF_OBJECT` (Part 2 §11.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymDefObject {
    /// Symmetric algorithm, `TPM_ALG_NULL` for signing keys.
    pub algorithm: u16,
    /// Key size, present unless the algorithm is NULL.
    pub key_bits: Option<u16>,
    /// Block cipher mode, present unless the algorithm is NULL.
    pub mode: Option<u16>,
}

/// A `TPMT_*_SCHEME` / `TPMT_KDF_SCHEME` (Part 2 §11.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheme {
    /// Scheme algorithm id (`TPM_ALG_NULL` when none).
    pub scheme: u16,
    /// `hashAlg` of the scheme details, when the scheme has one.
    pub hash_alg: Option<u16>,
    /// ECDAA `count`, only for `TPM_ALG_ECDAA`.
    pub count: Option<u16>,
}

/// `TPMU_PUBLIC_PARMS` for RSA and ECC keys (Part 2 §12.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicParameters {
    /// `TPMS_RSA_PARMS`.
    Rsa {
        /// Symmetric definition.
        symmetric: SymDefObject,
        /// Signing/encryption scheme.
        scheme: Scheme,
        /// Modulus size in bits.
        key_bits: u16,
        /// Public exponent as marshalled; 0 means the default 2^16 + 1.
        exponent: u32,
    },
    /// `TPMS_ECC_PARMS`.
    Ecc {
        /// Symmetric definition.
        symmetric: SymDefObject,
        /// Signing/key-exchange scheme.
        scheme: Scheme,
        /// `TPMI_ECC_CURVE` (P-256 0x0003, P-384 0x0004, P-521 0x0005).
        curve_id: u16,
        /// Key derivation function.
        kdf: Scheme,
    },
}

impl PublicParameters {
    /// RSA public exponent with the TPM default applied (Part 2 §12.2.3.5:
    /// "exponent ... zero indicates that the exponent is the default of 2^16 + 1").
    pub fn rsa_exponent(&self) -> Option<u32> {
        match *self {
            PublicParameters::Rsa { exponent: 0, .. } => Some(65537),
            PublicParameters::Rsa { exponent, .. } => Some(exponent),
            PublicParameters::Ecc { .. } => None,
        }
    }
}

/// `TPMU_PUBLIC_ID` for RSA and ECC keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicUnique<'a> {
    /// `TPM2B_PUBLIC_KEY_RSA`: the modulus, big-endian.
    Rsa {
        /// Modulus bytes.
        modulus: &'a [u8],
    },
    /// `TPMS_ECC_POINT`.
    Ecc {
        /// X coordinate.
        x: &'a [u8],
        /// Y coordinate.
        y: &'a [u8],
    },
}

/// `TPMT_PUBLIC` (the WebAuthn `pubArea`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TpmtPublic<'a> {
    /// The marshalled bytes this was parsed from (input of the TPM name).
    pub raw: &'a [u8],
    /// `TPM_ALG_RSA` or `TPM_ALG_ECC`.
    pub alg_type: u16,
    /// Hash algorithm of the object's name.
    pub name_alg: u16,
    /// `TPMA_OBJECT` bits.
    pub object_attributes: u32,
    /// `TPM2B_DIGEST` authPolicy.
    pub auth_policy: &'a [u8],
    /// Algorithm parameters.
    pub parameters: PublicParameters,
    /// The public key.
    pub unique: PublicUnique<'a>,
}

fn parse_sym_def(r: &mut Reader<'_>) -> Result<SymDefObject, TpmError> {
    let algorithm = r.u16("parameters.symmetric.algorithm")?;
    if algorithm == TPM_ALG_NULL {
        return Ok(SymDefObject {
            algorithm,
            key_bits: None,
            mode: None,
        });
    }
    // TPMI_ALG_SYM_OBJECT (AES, SM4, CAMELLIA): keyBits and mode are UINT16s.
    // XOR is not a valid TPMI_ALG_SYM_OBJECT, so every non-NULL value has both.
    Ok(SymDefObject {
        algorithm,
        key_bits: Some(r.u16("parameters.symmetric.keyBits")?),
        mode: Some(r.u16("parameters.symmetric.mode")?),
    })
}

/// `TPMT_RSA_SCHEME` / `TPMT_ECC_SCHEME`: scheme id, then `TPMU_ASYM_SCHEME`.
fn parse_asym_scheme(r: &mut Reader<'_>) -> Result<Scheme, TpmError> {
    let field = "parameters.scheme";
    let scheme = r.u16(field)?;
    let (hash_alg, count) = match scheme {
        TPM_ALG_NULL | TPM_ALG_RSAES => (None, None),
        TPM_ALG_RSASSA | TPM_ALG_RSAPSS | TPM_ALG_OAEP | TPM_ALG_ECDSA | TPM_ALG_ECDH
        | TPM_ALG_SM2 | TPM_ALG_ECSCHNORR | TPM_ALG_ECMQV => {
            (Some(r.u16("parameters.scheme.hashAlg")?), None)
        }
        TPM_ALG_ECDAA => (
            Some(r.u16("parameters.scheme.hashAlg")?),
            Some(r.u16("parameters.scheme.count")?),
        ),
        alg => return Err(TpmError::UnsupportedScheme { field, alg }),
    };
    Ok(Scheme {
        scheme,
        hash_alg,
        count,
    })
}

/// `TPMT_KDF_SCHEME`: scheme id, then `TPMS_SCHEME_HASH` unless NULL.
fn parse_kdf(r: &mut Reader<'_>) -> Result<Scheme, TpmError> {
    let field = "parameters.kdf";
    let scheme = r.u16(field)?;
    let hash_alg = match scheme {
        TPM_ALG_NULL => None,
        TPM_ALG_MGF1 | TPM_ALG_KDF1_SP800_56A | TPM_ALG_KDF2 | TPM_ALG_KDF1_SP800_108 => {
            Some(r.u16("parameters.kdf.hashAlg")?)
        }
        alg => return Err(TpmError::UnsupportedScheme { field, alg }),
    };
    Ok(Scheme {
        scheme,
        hash_alg,
        count: None,
    })
}

/// Maps a TPM hash algorithm id to a hash this crate computes.
pub fn tpm_hash_alg(alg: u16) -> Result<HashAlg, TpmError> {
    match alg {
        TPM_ALG_SHA1 => Ok(HashAlg::Sha1),
        TPM_ALG_SHA256 => Ok(HashAlg::Sha256),
        TPM_ALG_SHA384 => Ok(HashAlg::Sha384),
        TPM_ALG_SHA512 => Ok(HashAlg::Sha512),
        other => Err(TpmError::UnsupportedHashAlg(other)),
    }
}

/// TPM object name (Part 1 §16): `nameAlg` (UINT16, big-endian) ‖ H_nameAlg(pubArea).
pub fn compute_name(name_alg: u16, pub_area: &[u8]) -> Result<Vec<u8>, TpmError> {
    let digest = tpm_hash_alg(name_alg)?.digest(pub_area);
    let mut out = Vec::with_capacity(digest.len().saturating_add(2));
    out.extend_from_slice(&name_alg.to_be_bytes());
    out.extend_from_slice(&digest);
    Ok(out)
}

impl<'a> TpmtPublic<'a> {
    /// Parses a marshalled `TPMT_PUBLIC` with an RSA or ECC key.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, TpmError> {
        let mut r = Reader { rest: bytes };
        let alg_type = r.u16("type")?;
        let name_alg = r.u16("nameAlg")?;
        let object_attributes = r.u32("objectAttributes")?;
        let auth_policy = r.tpm2b("authPolicy")?;
        let (parameters, unique) = match alg_type {
            TPM_ALG_RSA => {
                let symmetric = parse_sym_def(&mut r)?;
                let scheme = parse_asym_scheme(&mut r)?;
                let key_bits = r.u16("parameters.keyBits")?;
                let exponent = r.u32("parameters.exponent")?;
                let modulus = r.tpm2b("unique.rsa")?;
                // The modulus is exactly keyBits long (Part 2 §11.2.4.5 TPM2B_PUBLIC_KEY_RSA).
                if modulus.len().checked_mul(8) != Some(usize::from(key_bits)) {
                    return Err(TpmError::KeyBitsMismatch {
                        key_bits,
                        modulus_len: modulus.len(),
                    });
                }
                (
                    PublicParameters::Rsa {
                        symmetric,
                        scheme,
                        key_bits,
                        exponent,
                    },
                    PublicUnique::Rsa { modulus },
                )
            }
            TPM_ALG_ECC => {
                let symmetric = parse_sym_def(&mut r)?;
                let scheme = parse_asym_scheme(&mut r)?;
                let curve_id = r.u16("parameters.curveID")?;
                if !matches!(
                    curve_id,
                    TPM_ECC_NIST_P256 | TPM_ECC_NIST_P384 | TPM_ECC_NIST_P521
                ) {
                    return Err(TpmError::UnsupportedCurve(curve_id));
                }
                let kdf = parse_kdf(&mut r)?;
                let x = r.tpm2b("unique.ecc.x")?;
                let y = r.tpm2b("unique.ecc.y")?;
                (
                    PublicParameters::Ecc {
                        symmetric,
                        scheme,
                        curve_id,
                        kdf,
                    },
                    PublicUnique::Ecc { x, y },
                )
            }
            other => return Err(TpmError::UnsupportedPublicType(other)),
        };
        r.finish()?;
        Ok(Self {
            raw: bytes,
            alg_type,
            name_alg,
            object_attributes,
            auth_policy,
            parameters,
            unique,
        })
    }

    /// The TPM name of this object: `nameAlg ‖ H_nameAlg(raw pubArea)`, for
    /// nameAlg SHA-1, SHA-256, SHA-384 or SHA-512.
    pub fn name(&self) -> Result<Vec<u8>, TpmError> {
        compute_name(self.name_alg, self.raw)
    }
}

/// What the AIK certificate check extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AikCertificateInfo {
    /// `tcg-at-tpmManufacturer`, e.g. `"id:4E544300"`. Not checked against
    /// the TCG vendor registry (the W3C test vector uses `"id:00000000"`).
    pub manufacturer: String,
    /// `tcg-at-tpmModel`, e.g. `"NPCT75x"`.
    pub model: String,
    /// `tcg-at-tpmVersion`, e.g. `"id:00070002"`.
    pub version: String,
    /// `id-fido-gen-ce-aaguid` if present; WebAuthn L3 §8.3.2 requires it to
    /// equal the aaguid in authenticatorData when present.
    pub aaguid: Option<[u8; 16]>,
}

/// Checks the TPM attestation statement certificate requirements
/// (WebAuthn L3 §8.3.1) on the AIK certificate `x5c[0]`.
///
/// * version 3;
/// * empty subject;
/// * subjectAltName with a directoryName carrying tcg-at-tpmManufacturer,
///   tcg-at-tpmModel and tcg-at-tpmVersion (TCG EK Credential Profile
///   §3.2.9). They are accepted whether they sit in one multi-valued RDN
///   (Windows Hello, W3C vector) or in separate RDNs (Surface Pro 4), and in
///   any directoryName of the SAN;
/// * extendedKeyUsage contains `tcg-kp-AIKCertificate` (2.23.133.8.3);
/// * basicConstraints CA false (an absent extension means "not a CA",
///   RFC 5280 §4.2.1.9).
///
/// Returns the TPM attributes and the AAGUID extension, if any.
pub fn check_aik_certificate(cert_der: &[u8]) -> Result<AikCertificateInfo, TpmError> {
    let (rem, cert) = X509Certificate::from_der(cert_der).map_err(|_| TpmError::AikParse)?;
    if !rem.is_empty() {
        return Err(TpmError::AikParse);
    }
    // WebAuthn L3 §8.3.1: "Version MUST be set to 3."
    if cert.version() != X509Version::V3 {
        return Err(TpmError::AikVersion);
    }
    // WebAuthn L3 §8.3.1: "Subject field MUST be set to empty."
    if cert.subject().iter_rdn().next().is_some() {
        return Err(TpmError::AikSubjectNotEmpty);
    }
    // WebAuthn L3 §8.3.1: SAN as defined in TPMv2-EK-Profile §3.2.9.
    let san = cert
        .subject_alternative_name()
        .map_err(|_| TpmError::AikSubjectAltName {
            missing: "a well-formed extension",
        })?
        .ok_or(TpmError::AikSubjectAltName {
            missing: "the extension",
        })?;
    let mut manufacturer: Option<String> = None;
    let mut model: Option<String> = None;
    let mut version: Option<String> = None;
    for gn in &san.value.general_names {
        let GeneralName::DirectoryName(name) = gn else {
            continue;
        };
        for attr in name.iter_attributes() {
            let slot = match attr.attr_type().to_id_string().as_str() {
                OID_TCG_AT_TPM_MANUFACTURER => &mut manufacturer,
                OID_TCG_AT_TPM_MODEL => &mut model,
                OID_TCG_AT_TPM_VERSION => &mut version,
                _ => continue,
            };
            let value = attr.as_str().map_err(|_| TpmError::AikSubjectAltName {
                missing: "string-valued TCG attributes",
            })?;
            // The same attribute twice would be ambiguous: reject.
            if slot.is_some() {
                return Err(TpmError::AikSubjectAltName {
                    missing: "unique TCG attributes",
                });
            }
            *slot = Some(value.to_string());
        }
    }
    let manufacturer = manufacturer.ok_or(TpmError::AikSubjectAltName {
        missing: "tcg-at-tpmManufacturer",
    })?;
    let model = model.ok_or(TpmError::AikSubjectAltName {
        missing: "tcg-at-tpmModel",
    })?;
    let version = version.ok_or(TpmError::AikSubjectAltName {
        missing: "tcg-at-tpmVersion",
    })?;
    // WebAuthn L3 §8.3.1: "The Extended Key Usage extension MUST contain the
    // OID 2.23.133.8.3".
    let eku = cert
        .extended_key_usage()
        .map_err(|_| TpmError::AikExtendedKeyUsage)?
        .ok_or(TpmError::AikExtendedKeyUsage)?;
    if !eku
        .value
        .other
        .iter()
        .any(|o| o.to_id_string() == OID_TCG_KP_AIK_CERTIFICATE)
    {
        return Err(TpmError::AikExtendedKeyUsage);
    }
    // WebAuthn L3 §8.3.1: "The Basic Constraints extension MUST have the CA
    // component set to false."
    // An absent extension means "not a CA" (RFC 5280 §4.2.1.9); one that
    // does not decode is rejected rather than read as absent.
    for e in cert.extensions() {
        if e.oid.to_id_string() == OID_BASIC_CONSTRAINTS {
            match e.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) if !bc.ca => {}
                _ => return Err(TpmError::AikBasicConstraints),
            }
        }
    }
    let aaguid = cert_path::fido_aaguid_extension(cert_der)
        .map_err(|_| TpmError::AikAaguid)?
        .map(|e| e.aaguid);
    Ok(AikCertificateInfo {
        manufacturer,
        model,
        version,
        aaguid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid TPMS_ATTEST (certify) with a SHA-256 name.
    fn attest_bytes() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&TPM_GENERATED_VALUE.to_be_bytes());
        v.extend_from_slice(&TPM_ST_ATTEST_CERTIFY.to_be_bytes());
        v.extend_from_slice(&[0x00, 0x02, 0xaa, 0xbb]); // qualifiedSigner
        v.extend_from_slice(&[0x00, 0x03, 1, 2, 3]); // extraData
        v.extend_from_slice(&1u64.to_be_bytes()); // clock
        v.extend_from_slice(&2u32.to_be_bytes()); // resetCount
        v.extend_from_slice(&3u32.to_be_bytes()); // restartCount
        v.push(0x33); // safe (invalid TPMI_YES_NO, accepted)
        v.extend_from_slice(&4u64.to_be_bytes()); // firmwareVersion
        v.extend_from_slice(&[0x00, 0x02, 0x00, 0x0b]); // name
        v.extend_from_slice(&[0x00, 0x00]); // qualifiedName
        v
    }

    /// A minimal ECC P-256 TPMT_PUBLIC.
    fn ecc_pub_bytes() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&TPM_ALG_ECC.to_be_bytes());
        v.extend_from_slice(&TPM_ALG_SHA256.to_be_bytes());
        v.extend_from_slice(&0x0006_0472u32.to_be_bytes());
        v.extend_from_slice(&[0x00, 0x00]); // authPolicy
        v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes()); // symmetric
        v.extend_from_slice(&TPM_ALG_ECDSA.to_be_bytes()); // scheme
        v.extend_from_slice(&TPM_ALG_SHA256.to_be_bytes()); //   hashAlg
        v.extend_from_slice(&TPM_ECC_NIST_P256.to_be_bytes());
        v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes()); // kdf
        v.extend_from_slice(&[0x00, 0x20]);
        v.extend_from_slice(&[7u8; 32]);
        v.extend_from_slice(&[0x00, 0x20]);
        v.extend_from_slice(&[8u8; 32]);
        v
    }

    /// A minimal RSA-2048 TPMT_PUBLIC.
    fn rsa_pub_bytes() -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&TPM_ALG_RSA.to_be_bytes());
        v.extend_from_slice(&TPM_ALG_SHA1.to_be_bytes());
        v.extend_from_slice(&0x0006_0472u32.to_be_bytes());
        v.extend_from_slice(&[0x00, 0x00]);
        v.extend_from_slice(&0x0006u16.to_be_bytes()); // AES
        v.extend_from_slice(&128u16.to_be_bytes());
        v.extend_from_slice(&0x0043u16.to_be_bytes()); // CFB
        v.extend_from_slice(&TPM_ALG_NULL.to_be_bytes()); // scheme
        v.extend_from_slice(&2048u16.to_be_bytes());
        v.extend_from_slice(&0u32.to_be_bytes());
        v.extend_from_slice(&256u16.to_be_bytes());
        v.extend_from_slice(&[0xc5; 256]);
        v
    }

    #[test]
    fn parses_attest() {
        let b = attest_bytes();
        let a = TpmsAttest::parse(&b).unwrap();
        assert_eq!(a.qualified_signer, &[0xaa, 0xbb]);
        assert_eq!(a.extra_data, &[1, 2, 3]);
        assert_eq!(a.clock_info.safe, 0x33);
        assert_eq!(a.clock_info.restart_count, 3);
        assert_eq!(a.firmware_version, 4);
        assert_eq!(a.attested.name, &[0x00, 0x0b]);
        assert!(a.attested.qualified_name.is_empty());
    }

    #[test]
    fn attest_bad_magic() {
        let mut b = attest_bytes();
        b[0] = 0xfe;
        assert_eq!(
            TpmsAttest::parse(&b).unwrap_err(),
            TpmError::BadMagic(0xfe54_4347)
        );
    }

    #[test]
    fn attest_bad_type() {
        let mut b = attest_bytes();
        b[5] = 0x18; // TPM_ST_ATTEST_QUOTE
        assert_eq!(
            TpmsAttest::parse(&b).unwrap_err(),
            TpmError::BadAttestType(0x8018)
        );
    }

    #[test]
    fn attest_truncated_everywhere() {
        let b = attest_bytes();
        for n in 0..b.len() {
            assert!(
                matches!(TpmsAttest::parse(&b[..n]), Err(TpmError::Truncated { .. })),
                "prefix {n}"
            );
        }
    }

    #[test]
    fn attest_trailing_bytes() {
        let mut b = attest_bytes();
        b.push(0);
        assert_eq!(
            TpmsAttest::parse(&b).unwrap_err(),
            TpmError::TrailingBytes { count: 1 }
        );
    }

    #[test]
    fn attest_oversized_length_claim() {
        let mut b = attest_bytes();
        // qualifiedSigner size 0xffff with only a few bytes present.
        b[6] = 0xff;
        b[7] = 0xff;
        assert_eq!(
            TpmsAttest::parse(&b).unwrap_err(),
            TpmError::Truncated {
                field: "qualifiedSigner"
            }
        );
    }

    #[test]
    fn parses_public_and_name() {
        let b = ecc_pub_bytes();
        let p = TpmtPublic::parse(&b).unwrap();
        assert_eq!(p.alg_type, TPM_ALG_ECC);
        assert!(matches!(
            p.parameters,
            PublicParameters::Ecc {
                curve_id: TPM_ECC_NIST_P256,
                ..
            }
        ));
        assert!(matches!(p.unique, PublicUnique::Ecc { x, y } if x == [7u8; 32] && y == [8u8; 32]));
        let name = p.name().unwrap();
        assert_eq!(&name[..2], &[0x00, 0x0b]);
        assert_eq!(name.len(), 34);
        assert_eq!(&name[2..], HashAlg::Sha256.digest(&b).as_slice());

        let r = rsa_pub_bytes();
        let p = TpmtPublic::parse(&r).unwrap();
        assert_eq!(p.parameters.rsa_exponent(), Some(65537));
        assert!(matches!(
            p.parameters,
            PublicParameters::Rsa {
                symmetric: SymDefObject {
                    algorithm: 0x0006,
                    key_bits: Some(128),
                    mode: Some(0x0043)
                },
                ..
            }
        ));
        assert_eq!(p.name().unwrap().len(), 22);
    }

    #[test]
    fn public_truncated_everywhere() {
        for b in [ecc_pub_bytes(), rsa_pub_bytes()] {
            for n in 0..b.len() {
                assert!(
                    matches!(TpmtPublic::parse(&b[..n]), Err(TpmError::Truncated { .. })),
                    "prefix {n}"
                );
            }
        }
    }

    #[test]
    fn public_trailing_bytes() {
        let mut b = ecc_pub_bytes();
        b.extend_from_slice(&[0, 0]);
        assert_eq!(
            TpmtPublic::parse(&b).unwrap_err(),
            TpmError::TrailingBytes { count: 2 }
        );
    }

    #[test]
    fn public_bad_fields() {
        let mut b = ecc_pub_bytes();
        b[1] = 0x25; // TPM_ALG_KEYEDHASH
        assert_eq!(
            TpmtPublic::parse(&b).unwrap_err(),
            TpmError::UnsupportedPublicType(0x0025)
        );
        let mut b = ecc_pub_bytes();
        b[17] = 0x10; // curve BN-256
        assert_eq!(
            TpmtPublic::parse(&b).unwrap_err(),
            TpmError::UnsupportedCurve(0x0010)
        );
        let mut b = ecc_pub_bytes();
        b[13] = 0x99; // unknown scheme
        assert!(matches!(
            TpmtPublic::parse(&b).unwrap_err(),
            TpmError::UnsupportedScheme { .. }
        ));
        let mut b = rsa_pub_bytes();
        b[19] = 0x01; // keyBits 2049 vs 256-byte modulus
        assert!(matches!(
            TpmtPublic::parse(&b).unwrap_err(),
            TpmError::KeyBitsMismatch { .. }
        ));
        let mut b = ecc_pub_bytes();
        b[3] = 0x12; // nameAlg SM3
        let p = TpmtPublic::parse(&b).unwrap();
        assert_eq!(p.name().unwrap_err(), TpmError::UnsupportedHashAlg(0x0012));
    }

    #[test]
    fn aik_rejects_garbage() {
        assert_eq!(check_aik_certificate(&[]).unwrap_err(), TpmError::AikParse);
        assert_eq!(
            check_aik_certificate(&[0x30, 0x00]).unwrap_err(),
            TpmError::AikParse
        );
    }
}
