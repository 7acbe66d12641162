//! `verify(key, message, signature)` for every implemented COSE algorithm.
//!
//! Messages are passed as parts (`authData`, `clientDataHash`) and hashed
//! incrementally, so the hot path of an assertion never copies the signed bytes.
//! EdDSA is the exception: it signs the message itself, so its parts are joined.

use crate::cose::{CoseAlgorithm, CredentialPublicKey, PublicKey};
use crate::error::{Error, Result};
use sha2::Digest;

/// Verifies `signature` over the concatenation of `parts` with the key's own algorithm.
pub fn verify(key: &CredentialPublicKey, parts: &[&[u8]], signature: &[u8]) -> Result<()> {
    verify_with(key.key(), key.algorithm(), parts, signature)
}

fn digest<D: Digest>(parts: &[&[u8]]) -> sha2::digest::Output<D> {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

/// Calls `f` with the concatenation of `parts`. An assertion's message (authData
/// without extensions, 37 bytes, plus the 32-byte client data hash) is joined on
/// the stack: `parts.concat()` was a heap allocation and free per Ed25519
/// sign-in (171 of the ~23,000 instructions a sign-in adds to the bare check:
/// callgrind, `benches/callgrind.sh`). Longer messages still take the heap.
fn with_joined<R>(parts: &[&[u8]], f: impl FnOnce(&[u8]) -> R) -> R {
    let len = parts.iter().map(|p| p.len()).sum::<usize>();
    let mut buf = [0u8; 256];
    match buf.get_mut(..len) {
        Some(msg) => {
            let mut at = 0;
            for p in parts {
                if let Some(dst) = msg.get_mut(at..at + p.len()) {
                    dst.copy_from_slice(p);
                }
                at += p.len();
            }
            f(msg)
        }
        None => f(&parts.concat()),
    }
}

/// Verifies with an explicit algorithm; the key family must match the algorithm.
pub(crate) fn verify_with(
    key: &PublicKey,
    alg: CoseAlgorithm,
    parts: &[&[u8]],
    signature: &[u8],
) -> Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    #[cfg(feature = "ring")]
    if let Some(ok) = ring_backend::verify(key, alg, parts, signature) {
        return if ok { Ok(()) } else { Err(Error::Signature) };
    }
    let ok = match (key, alg) {
        (PublicKey::P256(vk), CoseAlgorithm::ES256) => {
            // WebAuthn ECDSA signatures are ASN.1 DER (§6.5.5).
            let sig = p256::ecdsa::Signature::from_der(signature).map_err(|_| Error::Signature)?;
            let hash = digest::<sha2::Sha256>(parts);
            crate::crypto::p256_verify::verify_prehash(vk, &hash.into(), &sig)
        }
        (PublicKey::P384(vk), CoseAlgorithm::ES384) => {
            let sig = p384::ecdsa::Signature::from_der(signature).map_err(|_| Error::Signature)?;
            vk.verify_prehash(&digest::<sha2::Sha384>(parts), &sig)
                .is_ok()
        }
        (PublicKey::P521(vk), CoseAlgorithm::ES512) => {
            let sig = p521::ecdsa::Signature::from_der(signature).map_err(|_| Error::Signature)?;
            vk.verify_prehash(&digest::<sha2::Sha512>(parts), &sig)
                .is_ok()
        }
        (PublicKey::Ed25519(vk), CoseAlgorithm::EdDSA | CoseAlgorithm::Ed25519) => {
            let sig =
                ed25519_dalek::Signature::from_slice(signature).map_err(|_| Error::Signature)?;
            // Strict verification rejects small-order keys and non-canonical S.
            with_joined(parts, |msg| vk.verify_strict(msg, &sig).is_ok())
        }
        #[cfg(feature = "ed448")]
        (PublicKey::Ed448(vk), CoseAlgorithm::EdDSA | CoseAlgorithm::Ed448) => {
            let sig =
                ed448_goldilocks::Signature::from_slice(signature).map_err(|_| Error::Signature)?;
            // Pure Ed448 with an empty context (RFC 8032 §5.2), as COSE specifies.
            vk.verify_raw(&sig, &parts.concat()).is_ok()
        }
        #[cfg(feature = "ml-dsa")]
        (PublicKey::MlDsa44(vk), CoseAlgorithm::MlDsa44) => ml_dsa_verify(vk, parts, signature)?,
        #[cfg(feature = "ml-dsa")]
        (PublicKey::MlDsa65(vk), CoseAlgorithm::MlDsa65) => ml_dsa_verify(vk, parts, signature)?,
        #[cfg(feature = "ml-dsa")]
        (PublicKey::MlDsa87(vk), CoseAlgorithm::MlDsa87) => ml_dsa_verify(vk, parts, signature)?,
        (PublicKey::Rsa(k), alg) => {
            use crate::crypto::rsa_vartime::{digest_info, verify_pkcs1v15};
            use rsa::Pkcs1v15Sign;
            // PKCS#1 v1.5 goes through the variable-time RSAVP1 when the key
            // suits it, else (and for PSS) through the `rsa` crate; both give
            // the same verdicts (tests/rsa_wycheproof.rs).
            let pkcs1 = |prefix: &[u8], hashed: &[u8], scheme: Pkcs1v15Sign| {
                verify_pkcs1v15(k, prefix, hashed, signature)
                    .unwrap_or_else(|| k.verify(scheme, hashed, signature).is_ok())
            };
            match alg {
                CoseAlgorithm::RS256 => pkcs1(
                    digest_info::SHA256,
                    &digest::<sha2::Sha256>(parts),
                    Pkcs1v15Sign::new::<sha2::Sha256>(),
                ),
                CoseAlgorithm::RS384 => pkcs1(
                    digest_info::SHA384,
                    &digest::<sha2::Sha384>(parts),
                    Pkcs1v15Sign::new::<sha2::Sha384>(),
                ),
                CoseAlgorithm::RS512 => pkcs1(
                    digest_info::SHA512,
                    &digest::<sha2::Sha512>(parts),
                    Pkcs1v15Sign::new::<sha2::Sha512>(),
                ),
                CoseAlgorithm::RS1 => pkcs1(
                    digest_info::SHA1,
                    &digest::<sha1::Sha1>(parts),
                    Pkcs1v15Sign::new::<sha1::Sha1>(),
                ),
                CoseAlgorithm::PS256 => rsa_pss::<sha2::Sha256>(k, parts, signature),
                CoseAlgorithm::PS384 => rsa_pss::<sha2::Sha384>(k, parts, signature),
                CoseAlgorithm::PS512 => rsa_pss::<sha2::Sha512>(k, parts, signature),
                other => return Err(Error::UnsupportedAlgorithm(other)),
            }
        }
        (_, alg) => return Err(Error::UnsupportedAlgorithm(alg)),
    };
    if ok { Ok(()) } else { Err(Error::Signature) }
}

/// RSASSA-PSS through the `rsa` crate with the digest `D` (one helper for
/// PS256/384/512).
fn rsa_pss<D>(k: &rsa::PublicKey, parts: &[&[u8]], signature: &[u8]) -> bool
where
    D: Digest + sha2::digest::FixedOutputReset + 'static,
{
    k.verify(rsa::Pss::<D>::new(), &digest::<D>(parts), signature)
        .is_ok()
}

/// Pure ML-DSA (FIPS 204 §5.3) with an empty context string, as COSE uses it.
#[cfg(feature = "ml-dsa")]
fn ml_dsa_verify<P: ml_dsa::MlDsaParams>(
    vk: &ml_dsa::VerifyingKey<P>,
    parts: &[&[u8]],
    signature: &[u8],
) -> Result<bool> {
    let sig = ml_dsa::Signature::<P>::try_from(signature).map_err(|_| Error::Signature)?;
    Ok(vk.verify_with_context(&parts.concat(), &[], &sig))
}

/// The optional `ring` backend: same inputs, same verdicts, C/assembly speed.
#[cfg(feature = "ring")]
mod ring_backend {
    use crate::cose::{CoseAlgorithm, PublicKey};
    use ring::signature as rs;

    /// `Some(verdict)` when ring implements this key/algorithm pair, `None` to fall
    /// back to the pure-Rust verifiers (P-521, Ed448, ML-DSA, RS1).
    pub(super) fn verify(
        key: &PublicKey,
        alg: CoseAlgorithm,
        parts: &[&[u8]],
        signature: &[u8],
    ) -> Option<bool> {
        // ring hashes the message itself: joined as the pure-Rust Ed25519 path
        // joins it (on the stack when it fits).
        super::with_joined(parts, |msg| verify_joined(key, alg, msg, signature))
    }

    fn verify_joined(
        key: &PublicKey,
        alg: CoseAlgorithm,
        msg: &[u8],
        signature: &[u8],
    ) -> Option<bool> {
        let ok = match (key, alg) {
            (PublicKey::P256(vk), CoseAlgorithm::ES256) => {
                let point = vk.to_sec1_point(false);
                rs::UnparsedPublicKey::new(&rs::ECDSA_P256_SHA256_ASN1, point.as_bytes())
                    .verify(msg, signature)
                    .is_ok()
            }
            (PublicKey::P384(vk), CoseAlgorithm::ES384) => {
                let point = vk.to_sec1_point(false);
                rs::UnparsedPublicKey::new(&rs::ECDSA_P384_SHA384_ASN1, point.as_bytes())
                    .verify(msg, signature)
                    .is_ok()
            }
            (PublicKey::Ed25519(vk), CoseAlgorithm::EdDSA | CoseAlgorithm::Ed25519) => {
                // ring's check is cofactorless and does not refuse small-order
                // keys, for which R = B, S = 1 verifies any message. Parsing
                // already refuses them (`cose::ed25519_key`); a key built any
                // other way still gets the verdict strict verification gives.
                if vk.is_weak() {
                    return Some(false);
                }
                rs::UnparsedPublicKey::new(&rs::ED25519, vk.as_bytes())
                    .verify(msg, signature)
                    .is_ok()
            }
            (PublicKey::Rsa(k), alg) => {
                let params: &rs::RsaParameters = match alg {
                    CoseAlgorithm::RS256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                    CoseAlgorithm::RS384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                    CoseAlgorithm::RS512 => &rs::RSA_PKCS1_2048_8192_SHA512,
                    CoseAlgorithm::PS256 => &rs::RSA_PSS_2048_8192_SHA256,
                    CoseAlgorithm::PS384 => &rs::RSA_PSS_2048_8192_SHA384,
                    CoseAlgorithm::PS512 => &rs::RSA_PSS_2048_8192_SHA512,
                    _ => return None,
                };
                let (n, e) = crate::crypto::rsa_key::rsa_parts(k);
                // ring refuses moduli under 2048 bits; keep the pure-Rust verdict there.
                if n.len() < 256 {
                    return None;
                }
                rs::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(params, msg, signature)
                    .is_ok()
            }
            _ => return None,
        };
        Some(ok)
    }
}

#[cfg(test)]
mod tests {
    /// The stack buffer and the heap fallback both hand over exactly the
    /// concatenation, at and around the buffer's size.
    #[test]
    fn with_joined_is_concat() {
        for total in [0usize, 1, 69, 255, 256, 257, 1000] {
            let data: Vec<u8> = (0..total).map(|i| (i * 31 + 7) as u8).collect();
            for cut in [0, total / 3, total] {
                let (a, b) = data.split_at(cut);
                let parts: [&[u8]; 2] = [a, b];
                assert_eq!(super::with_joined(&parts, |m| m.to_vec()), data);
            }
        }
    }

    /// Mutation testing with `--features ml-dsa`: ML-DSA (pure, empty
    /// context, as COSE uses it) accepts its signature and refuses it over
    /// another message; `ml_dsa_verify` answering `Ok(true)` was uncaught (the
    /// conformance vectors hold only valid ML-DSA signatures).
    #[cfg(feature = "ml-dsa")]
    #[test]
    fn ml_dsa_verifies_its_signature_and_refuses_another_message() {
        use ml_dsa::signature::Signer;
        let sk = ml_dsa::SigningKey::<ml_dsa::MlDsa44>::from_seed(&[4; 32].into());
        let vk: &ml_dsa::VerifyingKey<ml_dsa::MlDsa44> = sk.as_ref();
        let parts: [&[u8]; 2] = [b"authenticator data", b"client data hash"];
        let sig = sk.sign(&parts.concat()).encode();
        assert!(super::ml_dsa_verify(vk, &parts, &sig).unwrap());
        let other: [&[u8]; 2] = [b"authenticator data", b"another data hash"];
        assert!(!super::ml_dsa_verify(vk, &other, &sig).unwrap());
    }

    /// Mutation testing with `--features ring`: each key/algorithm pair the
    /// ring backend lists is verified by ring (`Some(verdict)`), not left to
    /// the pure-Rust fallback (`None`), which gives the same verdicts and so
    /// hid a deleted arm, a constant `None` and the RSA size bound moved.
    #[cfg(feature = "ring")]
    #[test]
    fn ring_backend_verifies_the_pairs_it_lists() {
        use super::ring_backend::verify;
        use crate::cose::{CoseAlgorithm as A, CredentialPublicKey, PublicKey};
        let parts: [&[u8]; 2] = [b"authenticator data", b"client data hash"];
        let msg = parts.concat();

        let p256 = p256::ecdsa::SigningKey::from_slice(&[1; 32]).unwrap();
        let sig: p256::ecdsa::Signature = p256::ecdsa::signature::Signer::sign(&p256, &msg);
        let key = PublicKey::P256(*p256.verifying_key());
        assert_eq!(
            verify(&key, A::ES256, &parts, sig.to_der().as_bytes()),
            Some(true)
        );
        assert_eq!(verify(&key, A::ES256, &parts, &[0x30, 0]), Some(false));

        let p384 = p384::ecdsa::SigningKey::from_slice(&[2; 48]).unwrap();
        let sig: p384::ecdsa::Signature = p384::ecdsa::signature::Signer::sign(&p384, &msg);
        let key = PublicKey::P384(*p384.verifying_key());
        assert_eq!(
            verify(&key, A::ES384, &parts, sig.to_der().as_bytes()),
            Some(true)
        );

        let ed = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let sig = ed25519_dalek::Signer::sign(&ed, &msg).to_bytes();
        let key = PublicKey::Ed25519(ed.verifying_key());
        for alg in [A::EdDSA, A::Ed25519] {
            assert_eq!(verify(&key, alg, &parts, &sig), Some(true), "{alg:?}");
        }

        // RSA: ring reads 2048 bits and up (a 2048- and a 3072-bit modulus
        // here: the bound is `n.len() < 256` bytes), every PKCS#1 v1.5 and PSS
        // algorithm; a wrong signature is ring's `Some(false)`.
        for bytes in [256usize, 384] {
            let mut n = vec![0xC5; bytes];
            n[bytes - 1] |= 1;
            let cose = ciborium::value::Value::Map(vec![
                (1.into(), 3.into()),
                (3.into(), (-257).into()),
                ((-1).into(), ciborium::value::Value::Bytes(n)),
                ((-2).into(), ciborium::value::Value::Bytes(vec![1, 0, 1])),
            ]);
            let mut der = Vec::new();
            ciborium::ser::into_writer(&cose, &mut der).unwrap();
            let parsed = CredentialPublicKey::from_cose_bytes(&der).unwrap();
            for alg in [A::RS256, A::RS384, A::RS512, A::PS256, A::PS384, A::PS512] {
                let garbage = vec![0x5A; bytes];
                assert_eq!(
                    verify(parsed.key(), alg, &parts, &garbage),
                    Some(false),
                    "{bytes} bytes, {alg:?}"
                );
            }
            // RS1 is not ring's: the pure-Rust path decides.
            assert_eq!(verify(parsed.key(), A::RS1, &parts, &[0; 4]), None);
        }
    }
}
