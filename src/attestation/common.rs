//! Pieces every certificate-based attestation format shares: reading attStmt
//! members, verifying a statement signature with `x5c[0]`, comparing a
//! certificate's key with the credential key, and applying the trust policy to a
//! chain (§7.1 steps 22–24).

#[cfg(feature = "attestation")]
use super::{AnchorScope, AttestationType, TrustMode, TrustPolicy};
#[cfg(feature = "attestation")]
use crate::authenticator_data::Aaguid;
use crate::cose::CoseAlgorithm;
#[cfg(feature = "attestation")]
use crate::cose::{CredentialPublicKey, PublicKey};
use crate::error::{Error, Result};
use crate::limits;
#[cfg(feature = "attestation")]
use crate::x509::cert_path::{
    self, CertPathError, EcdsaSignatureFormat, HashAlg, PathOptions, SignatureAlgorithm,
};
use ciborium::value::Value;

/// A failed attestation check, naming the format and the check.
pub(crate) fn fail(format: &'static str, reason: impl Into<String>) -> Error {
    Error::Attestation {
        format,
        reason: reason.into(),
    }
}

/// The value of a text-keyed member of attStmt.
pub(crate) fn member<'a>(stmt: &'a [(Value, Value)], key: &str) -> Option<&'a Value> {
    stmt.iter()
        .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
        .map(|(_, v)| v)
}

/// Checks the members of attStmt that a format's verification procedure
/// uses (`used`): each may appear at most once, and the caller then checks
/// its type and value strictly. Every other member is ignored: the procedure
/// does not read it, so it cannot change what the statement proves, and real
/// authenticators send such members (macOS and iOS add `alg` to `apple`
/// statements, whose §8.8 procedure uses `x5c` only). A used member repeated
/// is refused, since two verifiers could read different values.
pub(crate) fn used_members(
    format: &'static str,
    stmt: &[(Value, Value)],
    used: &[&str],
) -> Result<()> {
    // One bit per used member (formats use at most six).
    let mut seen = 0u64;
    for (k, _) in stmt {
        let Value::Text(k) = k else { continue };
        let Some(i) = used.iter().position(|a| a == k) else {
            continue;
        };
        let bit = 1u64
            .checked_shl(u32::try_from(i).unwrap_or(u32::MAX))
            .unwrap_or(0);
        if seen & bit != 0 {
            return Err(fail(format, format!("duplicate attStmt member {k:?}")));
        }
        seen |= bit;
    }
    Ok(())
}

pub(crate) fn bytes_member<'a>(
    format: &'static str,
    stmt: &'a [(Value, Value)],
    key: &str,
) -> Result<&'a [u8]> {
    match member(stmt, key) {
        Some(Value::Bytes(b)) => Ok(b),
        Some(_) => Err(fail(format, format!("{key} is not a byte string"))),
        None => Err(fail(format, format!("{key} missing"))),
    }
}

pub(crate) fn alg_member(format: &'static str, stmt: &[(Value, Value)]) -> Result<CoseAlgorithm> {
    match member(stmt, "alg") {
        Some(Value::Integer(i)) => i64::try_from(*i)
            .map(CoseAlgorithm::from_i64)
            .map_err(|_| fail(format, "alg out of range")),
        Some(_) => Err(fail(format, "alg is not an integer")),
        None => Err(fail(format, "alg missing")),
    }
}

/// `x5c`: a non-empty array of DER certificates, bounded in count and size.
pub(crate) fn x5c_member<'a>(
    format: &'static str,
    stmt: &'a [(Value, Value)],
) -> Result<Option<Vec<&'a [u8]>>> {
    let Some(v) = member(stmt, "x5c") else {
        return Ok(None);
    };
    let Value::Array(items) = v else {
        return Err(fail(format, "x5c is not an array"));
    };
    if items.is_empty() {
        return Err(fail(format, "x5c is empty"));
    }
    if items.len() > limits::MAX_CERTIFICATES {
        return Err(Error::TooLarge {
            field: crate::error::Field::AttestationStatement,
            size: items.len(),
            max: limits::MAX_CERTIFICATES,
        });
    }
    let mut out = Vec::with_capacity(items.len());
    for it in items {
        match it {
            Value::Bytes(b) if b.len() <= limits::MAX_CERTIFICATE => out.push(b.as_slice()),
            Value::Bytes(b) => {
                return Err(Error::TooLarge {
                    field: crate::error::Field::AttestationStatement,
                    size: b.len(),
                    max: limits::MAX_CERTIFICATE,
                });
            }
            _ => return Err(fail(format, "x5c entry is not a byte string")),
        }
    }
    Ok(Some(out))
}

#[cfg(feature = "attestation")]
/// The X.509 signature algorithm a COSE statement `alg` names, for a statement
/// of `format`.
pub(crate) fn cert_algorithm(format: &str, alg: CoseAlgorithm) -> Option<SignatureAlgorithm> {
    Some(match alg {
        CoseAlgorithm::ES256 => SignatureAlgorithm::Ecdsa(HashAlg::Sha256),
        CoseAlgorithm::ES384 => SignatureAlgorithm::Ecdsa(HashAlg::Sha384),
        CoseAlgorithm::ES512 => SignatureAlgorithm::Ecdsa(HashAlg::Sha512),
        CoseAlgorithm::RS256 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha256),
        CoseAlgorithm::RS384 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha384),
        CoseAlgorithm::RS512 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha512),
        // RS1 (RSASSA-PKCS1-v1_5 with SHA-1) is registered only for Windows
        // Hello TPM statements, which still sign with it; SHA-1 is broken for
        // collisions, so no other format may use it (an authenticator able to
        // sign with SHA-256 has no reason to, and `Trusted` anchors do not
        // make a SHA-1 signature stronger).
        CoseAlgorithm::RS1 if format == "tpm" => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha1),
        CoseAlgorithm::PS256 => SignatureAlgorithm::RsaPss {
            hash: HashAlg::Sha256,
            salt_len: 32,
        },
        CoseAlgorithm::PS384 => SignatureAlgorithm::RsaPss {
            hash: HashAlg::Sha384,
            salt_len: 48,
        },
        CoseAlgorithm::PS512 => SignatureAlgorithm::RsaPss {
            hash: HashAlg::Sha512,
            salt_len: 64,
        },
        CoseAlgorithm::EdDSA | CoseAlgorithm::Ed25519 => SignatureAlgorithm::Ed25519,
        _ => return None,
    })
}

#[cfg(feature = "attestation")]
/// Verifies a statement signature with the key of certificate `cert_der`.
pub(crate) fn verify_with_cert(
    format: &'static str,
    cert_der: &[u8],
    alg: CoseAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    if alg == CoseAlgorithm::RS1 && format != "tpm" {
        return Err(fail(
            format,
            "statement alg RS1 (-65535, SHA-1) is accepted in tpm statements only",
        ));
    }
    let sig_alg = cert_algorithm(format, alg).ok_or_else(|| {
        fail(
            format,
            format!("unsupported statement alg {}", alg.to_i64()),
        )
    })?;
    let spki = cert_path::certificate_spki(cert_der)
        .map_err(|e| fail(format, format!("attestation certificate: {e}")))?;
    cert_path::verify_with_algorithm(spki, sig_alg, EcdsaSignatureFormat::Der, message, signature)
        .map_err(|e| match e {
            CertPathError::BadSignature { .. } | CertPathError::InvalidSignature => {
                fail(format, "statement signature does not verify")
            }
            other => fail(format, format!("statement signature: {other}")),
        })
}

#[cfg(feature = "attestation")]
/// Whether certificate `cert_der`'s subject public key is the credential key.
pub(crate) fn cert_key_matches(cert_der: &[u8], key: &CredentialPublicKey) -> bool {
    use x509_parser::prelude::{FromDer, X509Certificate};
    use x509_parser::public_key::PublicKey as X509Key;
    let Ok((_, cert)) = X509Certificate::from_der(cert_der) else {
        return false;
    };
    let Ok(parsed) = cert.public_key().parsed() else {
        return false;
    };
    match (parsed, key.key()) {
        (X509Key::EC(point), k) => match ec_point(k) {
            Some(ours) => point.data() == ours.as_slice(),
            None => false,
        },
        (X509Key::RSA(rsa_key), PublicKey::Rsa(ours)) => {
            let (n, e) = rsa_parts(ours);
            strip(rsa_key.modulus) == n.as_slice() && strip(rsa_key.exponent) == e.as_slice()
        }
        (X509Key::Unknown(raw), PublicKey::Ed25519(ours)) => raw == ours.as_bytes().as_slice(),
        _ => false,
    }
}

#[cfg(feature = "attestation")]
/// The uncompressed SEC1 encoding of an EC credential key.
pub(crate) fn ec_point(k: &PublicKey) -> Option<Vec<u8>> {
    Some(match k {
        PublicKey::P256(v) => v.to_sec1_point(false).as_bytes().to_vec(),
        PublicKey::P384(v) => v.to_sec1_point(false).as_bytes().to_vec(),
        PublicKey::P521(v) => v.to_sec1_point(false).as_bytes().to_vec(),
        _ => return None,
    })
}

#[cfg(feature = "attestation")]
pub(crate) use crate::crypto::rsa_key::{rsa_parts, strip};

#[cfg(feature = "attestation")]
/// Applies the trust policy to a statement's certificate chain (§7.1 steps 23–24)
/// and returns the trust path to report. `aaguid` is authData's; anchors
/// scoped by AAGUID apply only when the statement attests it
/// ([`super::attested_aaguid`]).
pub(crate) fn check_chain(
    format: &'static str,
    x5c: &[&[u8]],
    policy: &TrustPolicy,
    attestation_type: AttestationType,
    aaguid: Aaguid,
    now: u64,
) -> Result<Vec<Vec<u8>>> {
    let attested = super::attested_aaguid(format, attestation_type, aaguid);
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    match policy.mode {
        TrustMode::None => Ok(x5c.iter().map(|c| c.to_vec()).collect()),
        TrustMode::Any => {
            // The chain need not reach an anchor, but the links that are present
            // must be sound: a statement with a broken chain is not "valid".
            let mut opts = PathOptions::new(now);
            opts.check_validity = false;
            cert_path::verify_chain_signatures_only(x5c, &opts)
                .map_err(|e| fail(format, format!("certificate chain: {e}")))?;
            Ok(x5c.iter().map(|c| c.to_vec()).collect())
        }
        TrustMode::Trusted => {
            let anchors: Vec<cert_path::TrustAnchor> = policy
                .anchors
                .iter()
                .filter(|a| match &a.scope {
                    AnchorScope::Any => true,
                    AnchorScope::Aaguids(list) => attested.is_some_and(|a| list.contains(&a)),
                    AnchorScope::Format(f) => f == format,
                })
                .map(|a| a.anchor.clone())
                .collect();
            if anchors.is_empty() {
                return Err(Error::AttestationNotTrusted(match attested {
                    Some(a) => format!("no trust anchor configured for {format} / AAGUID {a}"),
                    None => format!(
                        "no trust anchor configured for {format} (its AAGUID is not attested, \
                         so anchors scoped by AAGUID do not apply)"
                    ),
                }));
            }
            let opts = PathOptions::new(now);
            let path = cert_path::verify_path(x5c, &anchors, &opts).map_err(|e| match e {
                CertPathError::UntrustedRoot => Error::AttestationNotTrusted(format!(
                    "{format}: chain does not reach a trust anchor"
                )),
                other => Error::AttestationNotTrusted(format!("{format}: {other}")),
            })?;
            let mut out = path.chain;
            out.push(path.anchor.der().to_vec());
            Ok(out)
        }
    }
}
