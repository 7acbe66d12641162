//! Tests against the real attestation data in the shared conformance vectors.

use relypass_testkit::fixtures as common;

use common::*;
use relypass::internal::attestation::android_key_description::{
    KM_ORIGIN_GENERATED, KM_PURPOSE_SIGN, key_description_from_certificate,
};
use relypass::internal::attestation::jws::{
    SAFETYNET_MAX_JWS_LEN, leaf_hostname_matches, verify_compact_jws,
};
use relypass::internal::attestation::tpm_structures::{
    TpmsAttest, TpmtPublic, check_aik_certificate, tpm_hash_alg,
};
use relypass::internal::cert_path::{
    CertPathError, EcdsaSignatureFormat, HashAlg, PathOptions, SignatureAlgorithm, TrustAnchor,
    verify_chain_signatures_only, verify_path, verify_with_algorithm,
};
use x509_parser::prelude::{FromDer, X509Certificate};

const CHAIN_FORMATS: &[&str] = &[
    "tpm",
    "packed",
    "apple",
    "android-key",
    "fido-u2f",
    "android-safetynet",
];

fn anchors_of(case: &Case) -> Vec<TrustAnchor> {
    let from_files: Vec<TrustAnchor> = case
        .anchor_pems()
        .iter()
        .map(|p| TrustAnchor::from_pem(p).unwrap())
        .collect();
    let inline: Vec<TrustAnchor> = case
        .anchor_ders()
        .iter()
        .map(|d| TrustAnchor::from_der(d).unwrap())
        .collect();
    // Both spellings of the same anchors must agree.
    assert_eq!(from_files, inline, "{}", case.name());
    inline
}

fn not_after(der: &[u8]) -> i64 {
    let (_, c) = X509Certificate::from_der(der).unwrap();
    c.validity().not_after.timestamp()
}

fn cose_alg(alg: i64) -> SignatureAlgorithm {
    match alg {
        -7 => SignatureAlgorithm::Ecdsa(HashAlg::Sha256),
        -35 => SignatureAlgorithm::Ecdsa(HashAlg::Sha384),
        -36 => SignatureAlgorithm::Ecdsa(HashAlg::Sha512),
        -257 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha256),
        -258 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha384),
        -259 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha512),
        -65535 => SignatureAlgorithm::RsaPkcs1v15(HashAlg::Sha1),
        -37 => SignatureAlgorithm::RsaPss {
            hash: HashAlg::Sha256,
            salt_len: 32,
        },
        -8 => SignatureAlgorithm::Ed25519,
        other => panic!("COSE alg {other} not mapped"),
    }
}

fn flip(der: &[u8], pos: usize) -> Vec<u8> {
    let mut v = der.to_vec();
    v[pos] ^= 0x01;
    v
}

/// Cases whose x5c chain must reach the case's trust anchors.
fn trusted_chain_cases() -> Vec<Case> {
    registration_cases()
        .iter()
        .map(|r| Case::load(r))
        .filter(|c| {
            c.policy_attestation() == "trusted"
                && CHAIN_FORMATS.contains(&c.fmt().as_str())
                && !c.x5c().is_empty()
        })
        .collect()
}

#[test]
fn trusted_chains_verify_and_fail_when_they_should() {
    let cases = trusted_chain_cases();
    let mut verified = Vec::new();
    for case in &cases {
        let name = case.name();
        let x5c = case.x5c();
        let chain: Vec<&[u8]> = x5c.iter().map(Vec::as_slice).collect();
        let anchors = anchors_of(case);
        let opts = PathOptions::new(case.now());

        // 1. Verifies at the case's time.
        let path = verify_path(&chain, &anchors, &opts)
            .unwrap_or_else(|e| panic!("{name}: chain did not verify: {e:?}"));
        assert!(!path.chain.is_empty(), "{name}");
        assert_eq!(path.chain[0], x5c[0], "{name}");
        assert_eq!(&anchors[path.anchor_index], &path.anchor, "{name}");
        verified.push(format!(
            "{}/{} (path {} + anchor #{}, {} unused)",
            case.fmt(),
            name,
            path.chain.len(),
            path.anchor_index,
            path.unused_certificates
        ));

        // 2. Fails one second after the first expiry in the path.
        let first_expiry = path
            .chain
            .iter()
            .map(|d| not_after(d))
            .chain(std::iter::once(not_after(path.anchor.der())))
            .min()
            .unwrap();
        let late = PathOptions::new(first_expiry + 1);
        assert!(
            matches!(
                verify_path(&chain, &anchors, &late),
                Err(CertPathError::Expired { .. })
            ),
            "{name}: expected Expired, got {:?}",
            verify_path(&chain, &anchors, &late)
        );
        // ... and passes at the expiry instant itself (validity is inclusive).
        assert!(
            verify_path(&chain, &anchors, &PathOptions::new(first_expiry)).is_ok(),
            "{name}"
        );

        // 3. Fails with an unrelated anchor.
        let wrong = if case.json["policy"]["trust_anchor_files"]
            .to_string()
            .contains("w3c")
        {
            read_anchor_pem("trust-anchors/apple-webauthn-root-ca.pem")
        } else {
            read_anchor_pem("trust-anchors/w3c-test-vectors-attestation-ca.pem")
        };
        let wrong = [TrustAnchor::from_pem(&wrong).unwrap()];
        assert_eq!(
            verify_path(&chain, &wrong, &opts).unwrap_err(),
            CertPathError::UntrustedRoot,
            "{name}"
        );
        assert_eq!(
            verify_path(&chain, &[], &opts).unwrap_err(),
            CertPathError::UntrustedRoot,
            "{name}"
        );

        // 4. Fails when a byte of the leaf's signature is flipped.
        let leaf_bad_sig = flip(&x5c[0], x5c[0].len() - 1);
        let mut bad_chain = chain.clone();
        bad_chain[0] = &leaf_bad_sig;
        let err = verify_path(&bad_chain, &anchors, &opts).unwrap_err();
        assert!(
            matches!(
                err,
                CertPathError::BadSignature { index: 0 } | CertPathError::Parse { index: 0 }
            ),
            "{name}: {err:?}"
        );
        // ... or a byte of the leaf's public key (inside the signed TBS).
        let (_, leaf) = X509Certificate::from_der(&x5c[0]).unwrap();
        let spki = leaf.public_key().raw;
        let spki_end = spki.as_ptr() as usize - x5c[0].as_ptr() as usize + spki.len();
        let leaf_bad_key = flip(&x5c[0], spki_end - 1);
        bad_chain[0] = &leaf_bad_key;
        assert_eq!(
            verify_path(&bad_chain, &anchors, &opts).unwrap_err(),
            CertPathError::BadSignature { index: 0 },
            "{name}"
        );
        // ... or a byte of an intermediate's signature, when one is used.
        if path.chain.len() >= 2 {
            let int_bad = flip(&x5c[1], x5c[1].len() - 1);
            let mut bad_chain = chain.clone();
            bad_chain[1] = &int_bad;
            let err = verify_path(&bad_chain, &anchors, &opts).unwrap_err();
            assert!(
                matches!(
                    err,
                    CertPathError::BadSignature { index: 1 } | CertPathError::Parse { index: 1 }
                ),
                "{name}: {err:?}"
            );
        }

        // 5. The signatures-only check passes too.
        verify_chain_signatures_only(&chain, &opts).unwrap();
    }
    eprintln!("verified chains:\n  {}", verified.join("\n  "));
    // Every format with real chains in the vectors is covered.
    for fmt in CHAIN_FORMATS {
        assert!(
            verified.iter().any(|v| v.starts_with(&format!("{fmt}/"))),
            "no verified chain for {fmt}"
        );
    }
    assert!(
        verified.len() >= 20,
        "only {} chains verified",
        verified.len()
    );
}

#[test]
fn any_policy_chains_link_correctly() {
    let mut checked = Vec::new();
    for rel in registration_cases() {
        let case = Case::load(&rel);
        if case.policy_attestation() != "any" || case.x5c().is_empty() {
            continue;
        }
        let x5c = case.x5c();
        let chain: Vec<&[u8]> = x5c.iter().map(Vec::as_slice).collect();
        verify_chain_signatures_only(&chain, &PathOptions::new(case.now()))
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        checked.push(rel);
    }
    eprintln!("signature-only chains: {checked:?}");
    assert!(checked.iter().any(|c| c.contains("windows-hello-rs1-sha1")));
}

#[test]
fn pixel_chain_reports_anchor_it_carries() {
    // x5c ends with Google root #2; anchors list it first but all four roots
    // share name and key, so any would verify. The copy in x5c is reported.
    let case = Case::load("android-key/pixel-8a-2025.json");
    let x5c = case.x5c();
    let chain: Vec<&[u8]> = x5c.iter().map(Vec::as_slice).collect();
    let mut anchors = anchors_of(&case);
    anchors.reverse();
    let path = verify_path(&chain, &anchors, &PathOptions::new(case.now())).unwrap();
    assert_eq!(path.anchor.der(), x5c[4].as_slice());
    assert_eq!(path.chain.len(), 4);
    assert_eq!(path.unused_certificates, 1);
    // Without the anchor copy in x5c the path is the same.
    let path2 = verify_path(&chain[..4], &anchors, &PathOptions::new(case.now())).unwrap();
    assert_eq!(path2.chain, path.chain);
    assert_eq!(path2.unused_certificates, 0);
}

#[test]
fn anchor_validity_is_optional() {
    // Samsung chain ends at Google root #1 (expires 2026-05-24) while its
    // intermediates are valid until 2029: past the root's expiry the path
    // fails unless the anchor's validity is not checked.
    let case = Case::load("android-key/samsung-galaxy-s9plus-android10.json");
    let x5c = case.x5c();
    let chain: Vec<&[u8]> = x5c.iter().map(Vec::as_slice).collect();
    let anchors = anchors_of(&case);
    let t = 1_800_000_000; // 2027-01-15
    let opts = PathOptions::new(t);
    let err = verify_path(&chain, &anchors, &opts).unwrap_err();
    assert!(
        matches!(err, CertPathError::Expired { index: 3 }),
        "{err:?}"
    );
    let mut lax = PathOptions::new(t);
    lax.check_anchor_validity = false;
    verify_path(&chain, &anchors, &lax).unwrap();
}

#[test]
fn tpm_structures_parse_and_names_match() {
    let mut seen = 0;
    for rel in registration_cases() {
        let case = Case::load(&rel);
        if case.fmt() != "tpm" {
            continue;
        }
        let cert_info = case.stmt_bytes("certInfo").unwrap();
        let pub_area = case.stmt_bytes("pubArea").unwrap();
        let attest = TpmsAttest::parse(&cert_info).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let public = TpmtPublic::parse(&pub_area).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        // WebAuthn L3 §8.3.2: attested.name is the name of pubArea.
        assert_eq!(
            attest.attested.name,
            public.name().unwrap().as_slice(),
            "{rel}"
        );
        assert!(attest.attested_name_matches(&public).unwrap());
        // extraData = H_alg(authData || clientDataHash), alg from attStmt.alg.
        let alg = cose_alg(case.stmt_alg().unwrap());
        let mut att_to_be_signed = case.auth_data();
        att_to_be_signed.extend_from_slice(&sha256(&case.client_data_json()));
        let h = alg.hash().unwrap();
        assert_eq!(
            attest.extra_data,
            h.digest(&att_to_be_signed).as_slice(),
            "{rel}"
        );
        // sig over certInfo verifies with the AIK certificate key.
        let x5c = case.x5c();
        let spki = relypass::internal::cert_path::certificate_spki(&x5c[0]).unwrap();
        verify_with_algorithm(
            spki,
            alg,
            EcdsaSignatureFormat::Der,
            &cert_info,
            &case.stmt_bytes("sig").unwrap(),
        )
        .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        // §8.3.1 AIK certificate requirements.
        let aik = check_aik_certificate(&x5c[0]).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        assert!(aik.manufacturer.starts_with("id:"), "{rel}: {aik:?}");
        assert!(!aik.model.is_empty() && !aik.version.is_empty(), "{rel}");
        let auth_data_aaguid = &case.auth_data()[37..53];
        if let Some(a) = aik.aaguid {
            if rel.contains("aaguid-mismatch") {
                assert_ne!(&a, auth_data_aaguid, "{rel}");
            } else {
                assert_eq!(&a, auth_data_aaguid, "{rel}");
            }
        }
        let _ = tpm_hash_alg(public.name_alg).unwrap();
        eprintln!(
            "{rel}: nameAlg {:#06x}, type {:#06x}, safe {:#04x}, manufacturer {}, model {}, aaguid ext {}",
            public.name_alg,
            public.alg_type,
            attest.clock_info.safe,
            aik.manufacturer,
            aik.model,
            aik.aaguid.is_some()
        );
        seen += 1;
    }
    assert!(seen >= 8, "only {seen} tpm cases");
}

#[test]
fn tpm_real_structures_reject_damage() {
    let case = Case::load("tpm/windows-hello-amplifyapp.json");
    let cert_info = case.stmt_bytes("certInfo").unwrap();
    let pub_area = case.stmt_bytes("pubArea").unwrap();
    for n in 0..cert_info.len() {
        assert!(TpmsAttest::parse(&cert_info[..n]).is_err());
    }
    for n in 0..pub_area.len() {
        assert!(TpmtPublic::parse(&pub_area[..n]).is_err());
    }
    let mut longer = pub_area.clone();
    longer.push(0);
    assert!(TpmtPublic::parse(&longer).is_err());
    // A flipped byte in pubArea changes its name.
    let mut other = pub_area.clone();
    let last = other.len() - 1;
    other[last] ^= 1;
    let attest = TpmsAttest::parse(&cert_info).unwrap();
    assert!(
        !attest
            .attested_name_matches(&TpmtPublic::parse(&other).unwrap())
            .unwrap()
    );
}

#[test]
fn w3c_tpm_safe_value_is_recorded() {
    let case = Case::load("tpm/w3c-tpm-es256.json");
    let cert_info = case.stmt_bytes("certInfo").unwrap();
    let attest = TpmsAttest::parse(&cert_info).unwrap();
    assert_eq!(attest.clock_info.safe, 0x33);
    let aik = check_aik_certificate(&case.x5c()[0]).unwrap();
    assert_eq!(aik.manufacturer, "id:00000000");
    assert_eq!(aik.model, "WebAuthn test vectors");
}

#[test]
fn aik_checker_rejects_non_aik_certificates() {
    // A CA certificate (the Windows Hello intermediate): non-empty subject.
    let case = Case::load("tpm/windows-hello-amplifyapp.json");
    let x5c = case.x5c();
    assert_eq!(
        check_aik_certificate(&x5c[1]).unwrap_err(),
        relypass::internal::attestation::tpm_structures::TpmError::AikSubjectNotEmpty
    );
    // A packed attestation certificate.
    let case = Case::load("packed/w3c-packed-es256.json");
    assert!(check_aik_certificate(&case.x5c()[0]).is_err());
}

#[test]
fn android_key_descriptions_parse() {
    let mut seen = 0;
    for rel in registration_cases() {
        let case = Case::load(&rel);
        if case.fmt() != "android-key" {
            continue;
        }
        let x5c = case.x5c();
        let kd = key_description_from_certificate(&x5c[0])
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"))
            .unwrap_or_else(|| panic!("{rel}: no key description"));
        // WebAuthn L3 §8.4: attestationChallenge == clientDataHash.
        assert_eq!(
            kd.attestation_challenge,
            sha256(&case.client_data_json()),
            "{rel}"
        );
        assert!(!kd.software_enforced.all_applications, "{rel}");
        assert!(!kd.tee_enforced.all_applications, "{rel}");
        if rel.contains("empty-authorization-lists") {
            assert_eq!(kd.attestation_version, 300);
            assert_eq!(kd.tee_enforced.purpose, None);
            assert_eq!(kd.tee_enforced.origin, None);
            assert_eq!(kd.software_enforced.origin, None);
        } else {
            assert_eq!(kd.tee_enforced.origin, Some(KM_ORIGIN_GENERATED), "{rel}");
            assert!(kd.tee_enforced.has_purpose(KM_PURPOSE_SIGN), "{rel}");
        }
        // The statement signature (authData || clientDataHash) verifies with x5c[0].
        let mut signed = case.auth_data();
        signed.extend_from_slice(&sha256(&case.client_data_json()));
        let spki = relypass::internal::cert_path::certificate_spki(&x5c[0]).unwrap();
        verify_with_algorithm(
            spki,
            cose_alg(case.stmt_alg().unwrap()),
            EcdsaSignatureFormat::Der,
            &signed,
            &case.stmt_bytes("sig").unwrap(),
        )
        .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        eprintln!(
            "{rel}: version {} security {:?} keymaster {} purposes {:?}",
            kd.attestation_version,
            kd.attestation_security_level,
            kd.keymaster_version,
            kd.tee_enforced.purpose
        );
        seen += 1;
    }
    assert_eq!(seen, 3);
    // The Pixel intermediate does not carry the extension.
    let case = Case::load("android-key/pixel-8a-2025.json");
    assert_eq!(
        key_description_from_certificate(&case.x5c()[1]).unwrap(),
        None
    );
}

#[test]
fn packed_statement_signatures_verify() {
    let mut seen = 0;
    for rel in registration_cases() {
        let case = Case::load(&rel);
        if case.fmt() != "packed" || case.x5c().is_empty() {
            continue;
        }
        let alg = case.stmt_alg().unwrap();
        if !matches!(alg, -7 | -35 | -36 | -257 | -8) {
            continue; // e.g. ML-DSA
        }
        let mut signed = case.auth_data();
        signed.extend_from_slice(&sha256(&case.client_data_json()));
        let x5c = case.x5c();
        let spki = relypass::internal::cert_path::certificate_spki(&x5c[0]).unwrap();
        let r = verify_with_algorithm(
            spki,
            cose_alg(alg),
            EcdsaSignatureFormat::Der,
            &signed,
            &case.stmt_bytes("sig").unwrap(),
        );
        if rel.contains("tampered") {
            assert_eq!(r, Err(CertPathError::InvalidSignature), "{rel}");
        } else {
            r.unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        }
        seen += 1;
    }
    assert!(seen >= 10, "{seen}");
}

#[test]
fn safetynet_jws_verifies() {
    for rel in [
        "android-safetynet/chrome-android-2021.json",
        "invalid/safetynet-cts-profile-match-false.json",
    ] {
        let case = Case::load(rel);
        let jws = String::from_utf8(case.stmt_bytes("response").unwrap()).unwrap();
        let v = verify_compact_jws(&jws, SAFETYNET_MAX_JWS_LEN)
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        // WebAuthn L3 §8.5: nonce = base64(SHA-256(authenticatorData || clientDataHash)).
        let mut signed = case.auth_data();
        signed.extend_from_slice(&sha256(&case.client_data_json()));
        let nonce = v.payload["nonce"].as_str().unwrap();
        assert_eq!(b64_decode(nonce), sha256(&signed), "{rel}");
        assert!(
            leaf_hostname_matches(&v.x5c[0], "attest.android.com"),
            "{rel}"
        );
        assert!(!leaf_hostname_matches(&v.x5c[0], "android.com"), "{rel}");
        assert!(
            !leaf_hostname_matches(&v.x5c[1], "attest.android.com"),
            "{rel}"
        );
        let cts = v.payload["ctsProfileMatch"].as_bool().unwrap();
        assert_eq!(cts, !rel.contains("cts-profile-match-false"), "{rel}");
        let chain: Vec<&[u8]> = v.x5c.iter().map(Vec::as_slice).collect();
        verify_chain_signatures_only(&chain, &PathOptions::new(case.now()))
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));

        // Tampering with the payload breaks the signature.
        let mut parts: Vec<&str> = jws.split('.').collect();
        let mut payload = parts[1].to_string();
        payload.replace_range(5..6, if &payload[5..6] == "A" { "B" } else { "A" });
        parts[1] = &payload;
        let tampered = parts.join(".");
        assert!(matches!(
            verify_compact_jws(&tampered, SAFETYNET_MAX_JWS_LEN),
            Err(relypass::internal::attestation::jws::JwsError::Signature(_)
                | relypass::internal::attestation::jws::JwsError::Base64 { .. })
        ));
        // The size bound applies.
        assert!(matches!(
            verify_compact_jws(&jws, 1024),
            Err(relypass::internal::attestation::jws::JwsError::TooLarge { .. })
        ));
    }
}

// ---------------------------------------------------------------------------
// A real Yubico U2F attestation certificate whose outer signature BIT STRING
// declares 2 unused bits (test-vectors/u2f/yubico-u2f-ee-13831167861.json).
// ---------------------------------------------------------------------------

struct YubicoU2f {
    auth_data: Vec<u8>,
    client_data_hash: [u8; 32],
    /// The attestation certificate as the key sends it.
    cert: Vec<u8>,
    sig: Vec<u8>,
}

/// The raw U2F registration rebuilt as a fido-u2f statement (WebAuthn L3 §8.6:
/// rpIdHash = SHA-256(appId), credentialId = the key handle).
fn yubico_u2f() -> YubicoU2f {
    use sha2::{Digest, Sha256};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors/u2f/yubico-u2f-ee-13831167861.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let reg = b64_decode(v["registration_data"].as_str().unwrap());
    let client_data = b64_decode(v["client_data"].as_str().unwrap());
    assert_eq!(reg[0], 0x05);
    let public_key = &reg[1..66];
    let kh_len = usize::from(reg[66]);
    let key_handle = &reg[67..67 + kh_len];
    let rest = &reg[67 + kh_len..];
    let cert_len = 4 + (usize::from(rest[2]) << 8) + usize::from(rest[3]);
    let (cert, sig) = rest.split_at(cert_len);
    let cose = {
        use ciborium::Value as C;
        let mut out = Vec::new();
        ciborium::into_writer(
            &C::Map(vec![
                (C::from(1), C::from(2)),
                (C::from(3), C::from(-7)),
                (C::from(-1), C::from(1)),
                (C::from(-2), C::Bytes(public_key[1..33].to_vec())),
                (C::from(-3), C::Bytes(public_key[33..65].to_vec())),
            ]),
            &mut out,
        )
        .unwrap();
        out
    };
    let mut auth_data = Sha256::digest(v["app_id"].as_str().unwrap().as_bytes()).to_vec();
    auth_data.push(0x41); // UP | AT
    auth_data.extend_from_slice(&[0; 4]);
    auth_data.extend_from_slice(&[0; 16]); // U2F: zero AAGUID
    auth_data.extend_from_slice(&u16::try_from(kh_len).unwrap().to_be_bytes());
    auth_data.extend_from_slice(key_handle);
    auth_data.extend_from_slice(&cose);
    YubicoU2f {
        auth_data,
        client_data_hash: Sha256::digest(&client_data).into(),
        cert: cert.to_vec(),
        sig: sig.to_vec(),
    }
}

fn run_yubico_u2f(
    u: &YubicoU2f,
    cert: &[u8],
    policy: &relypass::attestation::TrustPolicy,
) -> relypass::Result<relypass::attestation::AttestationOutcome> {
    use ciborium::Value as C;
    let obj = C::Map(vec![
        (C::from("fmt"), C::from("fido-u2f")),
        (
            C::from("attStmt"),
            C::Map(vec![
                (C::from("sig"), C::Bytes(u.sig.clone())),
                (C::from("x5c"), C::Array(vec![C::Bytes(cert.to_vec())])),
            ]),
        ),
        (C::from("authData"), C::Bytes(u.auth_data.clone())),
    ]);
    let mut bytes = Vec::new();
    ciborium::into_writer(&obj, &mut bytes).unwrap();
    let obj = relypass::internal::attestation::AttestationObject::parse(&bytes)?;
    let ad = relypass::internal::authenticator_data::AuthenticatorData::parse(obj.auth_data())?;
    let input = relypass::internal::attestation::VerificationInput {
        auth_data: &ad,
        client_data_hash: &u.client_data_hash,
        now: DEFAULT_NOW as u64,
    };
    relypass::internal::attestation::verify(&obj, &input, policy)
}

fn yubico_root() -> relypass::attestation::TrustAnchor {
    relypass::attestation::TrustAnchor::from_pem(&read_anchor_pem(
        "trust-anchors/yubico-u2f-root-ca-serial-457200631.pem",
    ))
    .unwrap()
    .remove(0)
}

#[test]
fn yubico_u2f_cert_unused_bits_accepted_under_any() {
    use relypass::attestation::{AttestationType, TrustMode, TrustPolicy};
    let u = yubico_u2f();
    // The certificate as sent: 2 unused bits declared before the RSA signature.
    let n = u.cert.len();
    assert_eq!(&u.cert[n - 261..n - 257], &[0x03, 0x82, 0x01, 0x01]);
    assert_eq!(u.cert[n - 257], 0x02);
    let any = TrustPolicy {
        mode: TrustMode::Any,
        ..TrustPolicy::default()
    };
    let out = run_yubico_u2f(&u, &u.cert, &any).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(out.attestation_type, AttestationType::Basic);
    // The statement signature is still checked.
    let mut bad = u.sig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    let tampered = YubicoU2f {
        sig: bad,
        ..yubico_u2f()
    };
    assert!(run_yubico_u2f(&tampered, &u.cert, &any).is_err());
}

#[test]
fn yubico_u2f_cert_unused_bits_accepted_under_trusted() {
    use relypass::attestation::{AttestationType, TrustMode, TrustPolicy};
    let u = yubico_u2f();
    let trusted = TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: vec![yubico_root()],
        ..TrustPolicy::default()
    };
    let out = run_yubico_u2f(&u, &u.cert, &trusted).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(out.attestation_type, AttestationType::Basic);
    // The certificate signature is still verified: one bit of it changed fails.
    let mut broken = u.cert.clone();
    let last = broken.len() - 1;
    broken[last] ^= 0x04;
    match run_yubico_u2f(&u, &broken, &trusted) {
        Err(relypass::Error::AttestationNotTrusted(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn unused_bits_normalisation_loosens_nothing_else() {
    use relypass::attestation::{TrustMode, TrustPolicy};
    let u = yubico_u2f();
    let any = TrustPolicy {
        mode: TrustMode::Any,
        ..TrustPolicy::default()
    };
    let n = u.cert.len();
    // Unused bits that are not zero (a signature that really is not whole
    // octets), and a count above 7, stay refused.
    let mut ragged = u.cert.clone();
    ragged[n - 1] |= 0x01;
    assert!(run_yubico_u2f(&u, &ragged, &any).is_err());
    let mut eight = u.cert.clone();
    eight[n - 257] = 0x08;
    assert!(run_yubico_u2f(&u, &eight, &any).is_err());
    // Trailing bytes after the certificate stay refused.
    let mut trailing = u.cert.clone();
    trailing.push(0);
    assert!(run_yubico_u2f(&u, &trailing, &any).is_err());
}
