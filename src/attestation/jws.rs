//! Compact JWS (RFC 7515 §7.1) for the `android-safetynet` attestation
//! format (WebAuthn L3 §8.5) and FIDO Metadata Service (MDS3) BLOBs.
//!
//! A compact JWS is `BASE64URL(header) "." BASE64URL(payload) "."
//! BASE64URL(signature)`. The signature is verified with the key of the
//! first `x5c` certificate over the ASCII bytes `header "." payload`
//! (RFC 7515 §5.2). Validating the `x5c` chain itself is left to
//! [`crate::x509::cert_path::verify_path`], and hostname checks to
//! [`leaf_hostname_matches`].

use crate::x509::b64::{self, Alphabet};
use crate::x509::cert_path::{
    self, CertPathError, EcdsaSignatureFormat, HashAlg, SignatureAlgorithm,
};
use serde_json::Value;
use thiserror::Error;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

/// Suggested bound for a SafetyNet attestation `response` (a real one is
/// about 8 KiB, mostly the three `x5c` certificates).
pub const SAFETYNET_MAX_JWS_LEN: usize = 64 * 1024;
/// Suggested bound for a FIDO MDS3 BLOB (a few MiB today and growing).
pub const MDS_MAX_JWS_LEN: usize = 32 * 1024 * 1024;
/// At most this many certificates are accepted in the `x5c` header.
pub const MAX_X5C_CERTS: usize = 10;

/// Why a JWS was rejected.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JwsError {
    /// The input is larger than the caller's bound.
    #[error("JWS is {len} bytes, more than the maximum {max}")]
    TooLarge {
        /// Input length.
        len: usize,
        /// Configured maximum.
        max: usize,
    },
    /// Not three non-empty dot-separated parts.
    #[error("JWS is not in compact serialization")]
    Format,
    /// A part is not valid unpadded base64url.
    #[error("JWS {part} is not valid base64url")]
    Base64 {
        /// `header`, `payload` or `signature`.
        part: &'static str,
    },
    /// The header is not a JSON object with a string `alg`.
    #[error("JWS header is not valid JSON")]
    HeaderJson,
    /// The payload is not valid JSON.
    #[error("JWS payload is not valid JSON")]
    PayloadJson,
    /// `alg` is not one of the supported algorithms (`none` never is).
    #[error("unsupported JWS alg {0}")]
    UnsupportedAlgorithm(String),
    /// The header has a `crit` member (RFC 7515 §4.1.11: unknown extensions must be rejected).
    #[error("JWS header has critical extensions")]
    CriticalHeader,
    /// `x5c` missing, empty, too long, or not standard base64.
    #[error("JWS x5c header is missing or malformed")]
    X5c,
    /// The signature does not verify (or the key is unusable).
    #[error("JWS signature verification failed: {0}")]
    Signature(CertPathError),
}

/// Supported JWS `alg` values (RFC 7518 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwsAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256 (salt 32).
    PS256,
    /// RSASSA-PSS with SHA-384 (salt 48).
    PS384,
    /// RSASSA-PSS with SHA-512 (salt 64).
    PS512,
    /// ECDSA P-256 with SHA-256.
    ES256,
    /// ECDSA P-384 with SHA-384.
    ES384,
    /// ECDSA P-521 with SHA-512.
    ES512,
    /// EdDSA (Ed25519 keys only).
    EdDSA,
}

impl JwsAlgorithm {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "RS256" => Self::RS256,
            "RS384" => Self::RS384,
            "RS512" => Self::RS512,
            "PS256" => Self::PS256,
            "PS384" => Self::PS384,
            "PS512" => Self::PS512,
            "ES256" => Self::ES256,
            "ES384" => Self::ES384,
            "ES512" => Self::ES512,
            "EdDSA" => Self::EdDSA,
            _ => return None,
        })
    }

    fn signature_algorithm(self) -> SignatureAlgorithm {
        use SignatureAlgorithm::*;
        match self {
            Self::RS256 => RsaPkcs1v15(HashAlg::Sha256),
            Self::RS384 => RsaPkcs1v15(HashAlg::Sha384),
            Self::RS512 => RsaPkcs1v15(HashAlg::Sha512),
            // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the hash.
            Self::PS256 => RsaPss {
                hash: HashAlg::Sha256,
                salt_len: 32,
            },
            Self::PS384 => RsaPss {
                hash: HashAlg::Sha384,
                salt_len: 48,
            },
            Self::PS512 => RsaPss {
                hash: HashAlg::Sha512,
                salt_len: 64,
            },
            Self::ES256 => Ecdsa(HashAlg::Sha256),
            Self::ES384 => Ecdsa(HashAlg::Sha384),
            Self::ES512 => Ecdsa(HashAlg::Sha512),
            Self::EdDSA => Ed25519,
        }
    }

    /// RFC 7518 §3.4: the ES* signature is `r || s`, each the curve's size,
    /// which pins the curve (P-256 for ES256, P-384, P-521).
    fn fixed_signature_len(self) -> Option<usize> {
        match self {
            Self::ES256 => Some(64),
            Self::ES384 => Some(96),
            Self::ES512 => Some(132),
            _ => None,
        }
    }
}

/// A JWS whose signature verified with `x5c[0]`.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedJws {
    /// The algorithm used.
    pub alg: JwsAlgorithm,
    /// The protected header as JSON.
    pub header: Value,
    /// The payload as JSON.
    pub payload: Value,
    /// The `x5c` certificates (DER), leaf first.
    pub x5c: Vec<Vec<u8>>,
}

/// Parses a compact JWS of at most `max_len` bytes and verifies its
/// signature with the public key of the first `x5c` certificate.
///
/// Use [`SAFETYNET_MAX_JWS_LEN`] for SafetyNet responses and a larger bound
/// such as [`MDS_MAX_JWS_LEN`] for MDS BLOBs.
pub fn verify_compact_jws(input: &str, max_len: usize) -> Result<VerifiedJws, JwsError> {
    if input.len() > max_len {
        return Err(JwsError::TooLarge {
            len: input.len(),
            max: max_len,
        });
    }
    let mut parts = input.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Format);
    };
    if h.is_empty() || p.is_empty() || s.is_empty() {
        return Err(JwsError::Format);
    }
    let header_bytes =
        b64::decode(Alphabet::UrlNoPad, h.as_bytes()).ok_or(JwsError::Base64 { part: "header" })?;
    let payload_bytes = b64::decode(Alphabet::UrlNoPad, p.as_bytes())
        .ok_or(JwsError::Base64 { part: "payload" })?;
    let signature = b64::decode(Alphabet::UrlNoPad, s.as_bytes())
        .ok_or(JwsError::Base64 { part: "signature" })?;

    let header: Value = serde_json::from_slice(&header_bytes).map_err(|_| JwsError::HeaderJson)?;
    let obj = header.as_object().ok_or(JwsError::HeaderJson)?;
    let alg_name = obj
        .get("alg")
        .and_then(Value::as_str)
        .ok_or(JwsError::HeaderJson)?;
    let alg = JwsAlgorithm::from_name(alg_name)
        .ok_or_else(|| JwsError::UnsupportedAlgorithm(alg_name.to_string()))?;
    if obj.contains_key("crit") {
        return Err(JwsError::CriticalHeader);
    }
    // RFC 7515 §4.1.6: x5c is an array of base64 (not base64url) DER certificates.
    let x5c_json = obj
        .get("x5c")
        .and_then(Value::as_array)
        .ok_or(JwsError::X5c)?;
    if x5c_json.is_empty() || x5c_json.len() > MAX_X5C_CERTS {
        return Err(JwsError::X5c);
    }
    let x5c = x5c_json
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| b64::decode(Alphabet::Standard, s.as_bytes()))
                .ok_or(JwsError::X5c)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let leaf = x5c.first().ok_or(JwsError::X5c)?;

    if let Some(n) = alg.fixed_signature_len()
        && signature.len() != n
    {
        return Err(JwsError::Signature(CertPathError::InvalidSignature));
    }
    let spki = cert_path::certificate_spki(leaf).map_err(|_| JwsError::X5c)?;
    // RFC 7515 §5.2 step 8: the signing input is ASCII(header "." payload).
    let signing_input_len = h.len().saturating_add(1).saturating_add(p.len());
    let signing_input = input
        .as_bytes()
        .get(..signing_input_len)
        .ok_or(JwsError::Format)?;
    cert_path::verify_with_algorithm(
        spki,
        alg.signature_algorithm(),
        EcdsaSignatureFormat::Fixed,
        signing_input,
        &signature,
    )
    .map_err(JwsError::Signature)?;

    let payload: Value =
        serde_json::from_slice(&payload_bytes).map_err(|_| JwsError::PayloadJson)?;
    Ok(VerifiedJws {
        alg,
        header,
        payload,
        x5c,
    })
}

/// Whether the certificate is issued for `hostname` (WebAuthn L3 §8.5:
/// "Verify that attestationCert is issued to the hostname
/// \"attest.android.com\"").
///
/// RFC 6125 §6.4.4: when the subjectAltName has DNS names only those are
/// compared; otherwise the subject's common names are. Comparison is exact
/// and ASCII case-insensitive; wildcards are not honoured. Unparsable
/// certificates never match.
pub fn leaf_hostname_matches(cert_der: &[u8], hostname: &str) -> bool {
    let Ok((rem, cert)) = X509Certificate::from_der(cert_der) else {
        return false;
    };
    if !rem.is_empty() || hostname.is_empty() {
        return false;
    }
    let dns_names: Vec<&str> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .filter_map(|gn| match gn {
                GeneralName::DNSName(d) => Some(*d),
                _ => None,
            })
            .collect(),
        Ok(None) => Vec::new(),
        // A malformed or duplicated SAN: do not fall back to the CN.
        Err(_) => return false,
    };
    if !dns_names.is_empty() {
        return dns_names.iter().any(|d| d.eq_ignore_ascii_case(hostname));
    }

    cert.subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .any(|cn| cn.eq_ignore_ascii_case(hostname))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_errors() {
        assert_eq!(
            verify_compact_jws("a.b", 100).unwrap_err(),
            JwsError::Format
        );
        assert_eq!(
            verify_compact_jws("a.b.c.d", 100).unwrap_err(),
            JwsError::Format
        );
        assert_eq!(verify_compact_jws("..", 100).unwrap_err(), JwsError::Format);
        assert_eq!(
            verify_compact_jws("a.b.c", 2).unwrap_err(),
            JwsError::TooLarge { len: 5, max: 2 }
        );
        assert_eq!(
            verify_compact_jws("a+.b.c", 100).unwrap_err(),
            JwsError::Base64 { part: "header" }
        );
    }

    fn enc(s: &str) -> String {
        // Minimal base64url encoder for test inputs.
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let b = s.as_bytes();
        let mut out = String::new();
        for chunk in b.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &x| (acc << 8) | u32::from(x))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }

    #[test]
    fn header_errors() {
        let p = enc("{}");
        let jws = |h: &str| format!("{}.{}.AAAA", enc(h), p);
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"none","x5c":["AA=="]}"#), 1000).unwrap_err(),
            JwsError::UnsupportedAlgorithm("none".into())
        );
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"HS256"}"#), 1000).unwrap_err(),
            JwsError::UnsupportedAlgorithm("HS256".into())
        );
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"RS256","crit":["x"],"x5c":["AA=="]}"#), 1000)
                .unwrap_err(),
            JwsError::CriticalHeader
        );
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"RS256"}"#), 1000).unwrap_err(),
            JwsError::X5c
        );
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"RS256","x5c":[]}"#), 1000).unwrap_err(),
            JwsError::X5c
        );
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"RS256","x5c":["%%"]}"#), 1000).unwrap_err(),
            JwsError::X5c
        );
        // x5c that is base64 but not a certificate.
        assert_eq!(
            verify_compact_jws(&jws(r#"{"alg":"RS256","x5c":["AAAA"]}"#), 1000).unwrap_err(),
            JwsError::X5c
        );
        assert_eq!(
            verify_compact_jws(&jws("[1]"), 1000).unwrap_err(),
            JwsError::HeaderJson
        );
        assert_eq!(
            verify_compact_jws(&jws("not json"), 1000).unwrap_err(),
            JwsError::HeaderJson
        );
    }

    #[test]
    fn hostname_on_garbage() {
        assert!(!leaf_hostname_matches(&[], "attest.android.com"));
        assert!(!leaf_hostname_matches(&[0x30, 0x00], "attest.android.com"));
    }
}
