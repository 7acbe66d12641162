//! Path-validation, algorithm and JWS tests on the synthetic fixtures made
//! by test-vectors/pki/gen_fixtures.py (one fixture per check).

use relypass_testkit::fixtures as common;

use common::fixture;
use relypass::internal::attestation::jws::{
    JwsAlgorithm, JwsError, leaf_hostname_matches, verify_compact_jws,
};
use relypass::internal::cert_path::*;

/// 2027-01-15: inside every long-lived fixture's validity.
const T: i64 = 1_800_000_000;

fn opts() -> PathOptions {
    PathOptions::new(T)
}

fn anchor(name: &str) -> TrustAnchor {
    TrustAnchor::from_der(&fixture(name)).unwrap()
}

fn run(chain: &[&str], anchors: &[&str], o: &PathOptions) -> Result<VerifiedPath, CertPathError> {
    let ders: Vec<Vec<u8>> = chain.iter().map(|n| fixture(n)).collect();
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    let anchors: Vec<TrustAnchor> = anchors.iter().map(|n| anchor(n)).collect();
    verify_path(&refs, &anchors, o)
}

fn run_sigs_only(chain: &[&str], o: &PathOptions) -> Result<(), CertPathError> {
    let ders: Vec<Vec<u8>> = chain.iter().map(|n| fixture(n)).collect();
    let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
    verify_chain_signatures_only(&refs, o)
}

#[test]
fn ec_chain_with_p384_key_signing_sha256() {
    // ec_int has a P-384 key and signs ec_leaf with ecdsa-with-SHA256.
    let p = run(&["ec_leaf.der", "ec_int.der"], &["ec_root.der"], &opts()).unwrap();
    assert_eq!(p.chain.len(), 2);
    assert_eq!(p.anchor.der(), fixture("ec_root.der").as_slice());
    assert_eq!(p.unused_certificates, 0);
}

#[test]
fn chain_may_include_the_root() {
    let p = run(
        &["ec_leaf.der", "ec_int.der", "ec_root.der"],
        &["ec_root.der"],
        &opts(),
    )
    .unwrap();
    assert_eq!(p.chain.len(), 2);
    assert_eq!(p.unused_certificates, 1);
}

#[test]
fn anchor_may_be_an_intermediate_or_the_leaf() {
    let p = run(
        &["ec_leaf.der", "ec_int.der", "ec_root.der"],
        &["ec_int.der"],
        &opts(),
    )
    .unwrap();
    assert_eq!(p.chain, vec![fixture("ec_leaf.der")]);
    assert_eq!(p.unused_certificates, 2);
    let p = run(&["ec_leaf.der", "ec_int.der"], &["ec_leaf.der"], &opts()).unwrap();
    assert!(p.chain.is_empty());
    assert_eq!(p.anchor_index, 0);
}

#[test]
fn every_anchor_with_the_right_name_is_tried() {
    // The impostor has ec_root's name but another key.
    let err = run(
        &["ec_leaf.der", "ec_int.der"],
        &["ec_root_impostor.der"],
        &opts(),
    )
    .unwrap_err();
    assert_eq!(err, CertPathError::BadSignature { index: 1 });
    let p = run(
        &["ec_leaf.der", "ec_int.der"],
        &["ec_root_impostor.der", "rsa_root.der", "ec_root.der"],
        &opts(),
    )
    .unwrap();
    assert_eq!(p.anchor_index, 2);
}

#[test]
fn untrusted_root_and_issuer_mismatch() {
    assert_eq!(
        run(&["ec_leaf.der", "ec_int.der"], &["rsa_root.der"], &opts()).unwrap_err(),
        CertPathError::UntrustedRoot
    );
    assert_eq!(
        run(&["ec_leaf.der", "ec_int.der", "ec_root.der"], &[], &opts()).unwrap_err(),
        CertPathError::UntrustedRoot
    );
    assert_eq!(
        run(&["ec_leaf.der", "rsa_root.der"], &["rsa_root.der"], &opts()).unwrap_err(),
        CertPathError::IssuerMismatch { index: 0 }
    );
    assert_eq!(
        run(&["ec_int.der", "ec_leaf.der"], &[], &opts()).unwrap_err(),
        CertPathError::IssuerMismatch { index: 0 }
    );
}

#[test]
fn validity_of_leaf_intermediate() {
    // ec_leaf_short: 2024-01-01 .. 2025-01-01.
    let chain = ["ec_leaf_short.der", "ec_int.der"];
    assert!(run(&chain, &["ec_root.der"], &PathOptions::new(1_720_000_000)).is_ok());
    assert_eq!(
        run(&chain, &["ec_root.der"], &opts()).unwrap_err(),
        CertPathError::Expired { index: 0 }
    );
    assert_eq!(
        run(&chain, &["ec_root.der"], &PathOptions::new(1_600_000_000)).unwrap_err(),
        CertPathError::NotYetValid { index: 0 }
    );
    assert_eq!(
        run(
            &["leaf_under_expired.der", "int_expired.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::Expired { index: 1 }
    );
    // Validity checks can be turned off for the chain (signatures-only policy).
    let mut lax = opts();
    lax.check_validity = false;
    assert!(run(&chain, &["ec_root.der"], &lax).is_ok());
    assert_eq!(
        run_sigs_only(&chain, &opts()).unwrap_err(),
        CertPathError::Expired { index: 0 }
    );
    assert!(run_sigs_only(&chain, &lax).is_ok());
}

#[test]
fn anchor_validity() {
    // The anchor (2024..2124) is checked too: before 2024 it is not yet valid,
    // which the leaf (also from 2024) hides; use check_validity=false to see it.
    let mut o = PathOptions::new(1_600_000_000);
    o.check_validity = false;
    assert_eq!(
        run(&["ec_leaf.der", "ec_int.der"], &["ec_root.der"], &o).unwrap_err(),
        CertPathError::NotYetValid { index: 2 }
    );
    o.check_anchor_validity = false;
    assert!(run(&["ec_leaf.der", "ec_int.der"], &["ec_root.der"], &o).is_ok());
}

#[test]
fn issuer_must_be_a_ca() {
    assert_eq!(
        run(
            &["leaf_notca.der", "int_notca.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::NotACa { index: 1 }
    );
    assert_eq!(
        run(
            &["leaf_nobc.der", "int_nobc.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::NotACa { index: 1 }
    );
    assert_eq!(
        run_sigs_only(&["leaf_notca.der", "int_notca.der"], &opts()).unwrap_err(),
        CertPathError::NotACa { index: 1 }
    );
    // A non-CA used as an anchor that issues a certificate is rejected too.
    assert_eq!(
        run(&["leaf_notca.der"], &["int_notca.der"], &opts()).unwrap_err(),
        CertPathError::NotACa { index: 1 }
    );
}

#[test]
fn issuer_key_usage_needs_key_cert_sign() {
    assert_eq!(
        run(
            &["leaf_noku.der", "int_noku.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::KeyUsage { index: 1 }
    );
}

#[test]
fn path_length_constraints() {
    assert_eq!(
        run(
            &["leaf_pl.der", "int_pl_child.der", "int_pl0.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::PathLenExceeded { index: 2 }
    );
    assert_eq!(
        run_sigs_only(&["leaf_pl.der", "int_pl_child.der", "int_pl0.der"], &opts()).unwrap_err(),
        CertPathError::PathLenExceeded { index: 2 }
    );
    // The anchor's own pathLenConstraint (0) forbids an intermediate below it.
    assert_eq!(
        run(
            &["leaf_under_pl0_root.der", "int_under_pl0_root.der"],
            &["root_pl0.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::PathLenExceeded { index: 2 }
    );
    // pathlen 0 directly above the leaf is fine (ec_int has pathlen 0).
    assert!(run(&["ec_leaf.der", "ec_int.der"], &["ec_root.der"], &opts()).is_ok());
}

#[test]
fn critical_extensions() {
    assert_eq!(
        run(
            &["ec_leaf_unknown_crit.der", "ec_int.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::UnknownCriticalExtension {
            index: 0,
            oid: "1.2.3.4".into()
        }
    );
    assert_eq!(
        run(&["leaf_nc.der", "int_nc.der"], &["ec_root.der"], &opts()).unwrap_err(),
        CertPathError::NameConstraints { index: 1 }
    );
    // The FIDO AAGUID extension is known.
    assert!(
        run(
            &["ec_leaf_aaguid.der", "ec_int.der"],
            &["ec_root.der"],
            &opts()
        )
        .is_ok()
    );
}

#[test]
fn loops_and_length_bound() {
    assert_eq!(
        run(
            &["ec_leaf.der", "ec_int.der", "ec_int.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::Loop
    );
    assert_eq!(
        run(
            &["ec_leaf.der", "ec_int.der", "ec_leaf.der"],
            &["ec_root.der"],
            &opts()
        )
        .unwrap_err(),
        CertPathError::Loop
    );
    let nine = ["ec_leaf.der"; 9];
    assert_eq!(
        run(&nine, &["ec_root.der"], &opts()).unwrap_err(),
        CertPathError::ChainTooLong { len: 9, max: 8 }
    );
    let mut o = opts();
    o.max_chain_len = 1;
    assert_eq!(
        run(&["ec_leaf.der", "ec_int.der"], &["ec_root.der"], &o).unwrap_err(),
        CertPathError::ChainTooLong { len: 2, max: 1 }
    );
    assert_eq!(
        run_sigs_only(&["ec_leaf.der", "ec_int.der"], &o).unwrap_err(),
        CertPathError::ChainTooLong { len: 2, max: 1 }
    );
}

#[test]
fn malformed_certificates() {
    let anchors = [anchor("ec_root.der")];
    let int = fixture("ec_int.der");
    let junk = b"not a certificate".to_vec();
    assert_eq!(
        verify_path(&[&junk, &int], &anchors, &opts()).unwrap_err(),
        CertPathError::Parse { index: 0 }
    );
    let mut trailing = fixture("ec_leaf.der");
    trailing.push(0);
    assert_eq!(
        verify_path(&[&trailing, &int], &anchors, &opts()).unwrap_err(),
        CertPathError::Parse { index: 0 }
    );
    let leaf = fixture("ec_leaf.der");
    for n in [1, 10, leaf.len() / 2, leaf.len() - 1] {
        assert!(verify_path(&[&leaf[..n], &int], &anchors, &opts()).is_err());
    }
    // Outer signatureAlgorithm (ecdsa-with-SHA256) changed to SHA-384 only there.
    let oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
    let pos = leaf.windows(8).rposition(|w| w == oid).unwrap();
    let mut mismatched = leaf.clone();
    mismatched[pos + 7] = 0x03;
    assert_eq!(
        verify_path(&[&mismatched, &int], &anchors, &opts()).unwrap_err(),
        CertPathError::SignatureAlgorithmMismatch { index: 0 }
    );
    // Flipped signature byte.
    let mut bad = leaf.clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    assert_eq!(
        verify_path(&[&bad, &int], &anchors, &opts()).unwrap_err(),
        CertPathError::BadSignature { index: 0 }
    );
}

#[test]
fn signature_algorithms() {
    let cases = [
        ("rsa_leaf_sha1.der", "rsa_root.der"),
        ("rsa_leaf_sha384.der", "rsa_root.der"),
        ("rsa_leaf_sha512.der", "rsa_root.der"),
        ("rsa_leaf_pss256.der", "rsa_root.der"),
        ("rsa_leaf_pss384.der", "rsa_root.der"),
        ("rsa_leaf_pss512.der", "rsa_root.der"),
        ("ed_leaf.der", "ed_root.der"),
        ("p521_leaf.der", "p521_root.der"),
        ("ec_leaf_sha384.der", "ec_root.der"),
        ("ec_leaf_sha512.der", "ec_root.der"),
    ];
    for (leaf, root) in cases {
        run(&[leaf], &[root], &opts()).unwrap_or_else(|e| panic!("{leaf}: {e:?}"));
        // The same leaf with one flipped signature bit fails.
        let mut bad = fixture(leaf);
        let last = bad.len() - 1;
        bad[last] ^= 0x01;
        assert_eq!(
            verify_path(&[&bad], &[anchor(root)], &opts()).unwrap_err(),
            CertPathError::BadSignature { index: 0 },
            "{leaf}"
        );
    }
}

#[test]
fn sha1_can_be_refused() {
    let mut o = opts();
    o.allow_sha1 = false;
    assert_eq!(
        run(&["rsa_leaf_sha1.der"], &["rsa_root.der"], &o).unwrap_err(),
        CertPathError::WeakAlgorithm { index: 0 }
    );
}

#[test]
fn verify_signature_direct() {
    let root = fixture("ec_root.der");
    let spki = certificate_spki(&root).unwrap();
    // Key/algorithm mismatch: RSA algorithm with an EC key.
    assert_eq!(
        verify_signature(spki, "1.2.840.113549.1.1.11", None, b"m", &[0; 64]).unwrap_err(),
        CertPathError::KeyAlgorithmMismatch
    );
    assert_eq!(
        verify_signature(spki, "1.2.840.10045.4.3.2", None, b"m", &[0x30, 0x00]).unwrap_err(),
        CertPathError::InvalidSignature
    );
    assert!(matches!(
        verify_signature(spki, "1.2.3", None, b"m", &[]),
        Err(CertPathError::UnsupportedAlgorithm { .. })
    ));
    assert_eq!(
        verify_signature(b"junk", "1.2.840.10045.4.3.2", None, b"m", &[]).unwrap_err(),
        CertPathError::InvalidPublicKey
    );
}

#[test]
fn pem_anchors() {
    let dir = common::conformance_dir().join("trust-anchors");
    let a = std::fs::read_to_string(dir.join("apple-webauthn-root-ca.pem")).unwrap();
    let b = std::fs::read_to_string(dir.join("microsoft-tpm-root-ca-2014.pem")).unwrap();
    let bundle = format!("{a}\n{b}");
    let v = TrustAnchor::from_pem_bundle(&bundle).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(TrustAnchor::from_pem(&bundle).unwrap(), v[0]);
    assert_eq!(TrustAnchor::from_pem_bundle("").unwrap(), vec![]);
    assert_eq!(
        TrustAnchor::from_pem("").unwrap_err(),
        CertPathError::InvalidAnchor
    );
}

#[test]
fn aaguid_extension() {
    let e = fido_aaguid_extension(&fixture("ec_leaf_aaguid.der"))
        .unwrap()
        .unwrap();
    assert_eq!(e.aaguid, core::array::from_fn::<u8, 16, _>(|i| i as u8));
    assert!(!e.critical);
    assert_eq!(
        fido_aaguid_extension(&fixture("ec_leaf.der")).unwrap(),
        None
    );
}

#[test]
fn jws_fixtures_verify() {
    for (file, alg) in [
        ("jws_es256.txt", JwsAlgorithm::ES256),
        ("jws_rs256.txt", JwsAlgorithm::RS256),
        ("jws_ps256.txt", JwsAlgorithm::PS256),
        ("jws_eddsa.txt", JwsAlgorithm::EdDSA),
    ] {
        let text = String::from_utf8(fixture(file)).unwrap();
        let v = verify_compact_jws(&text, 64 * 1024).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert_eq!(v.alg, alg);
        assert_eq!(v.payload["nonce"], "dGVzdA==");
        assert_eq!(v.x5c.len(), 1);
        assert_eq!(v.header["alg"].as_str().unwrap().len(), 5);
        // Flip one signature character.
        let mut bad = text.clone().into_bytes();
        let i = bad.len() - 3;
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert!(
            matches!(
                verify_compact_jws(&bad, 64 * 1024),
                Err(JwsError::Signature(_))
            ),
            "{file}"
        );
    }
    // ES256 signature of the wrong size.
    let text = String::from_utf8(fixture("jws_es256.txt")).unwrap();
    let cut = &text[..text.len() - 4];
    assert!(matches!(
        verify_compact_jws(cut, 64 * 1024),
        Err(JwsError::Signature(_) | JwsError::Base64 { .. })
    ));
}

#[test]
fn hostname_matching() {
    assert!(leaf_hostname_matches(
        &fixture("host_cn_only.der"),
        "attest.android.com"
    ));
    assert!(leaf_hostname_matches(
        &fixture("host_cn_only.der"),
        "ATTEST.android.com"
    ));
    // With SAN DNS names present, the CN is not consulted.
    assert!(!leaf_hostname_matches(
        &fixture("host_san_other.der"),
        "attest.android.com"
    ));
    assert!(leaf_hostname_matches(
        &fixture("host_san_other.der"),
        "other.example"
    ));
    assert!(!leaf_hostname_matches(&fixture("host_cn_only.der"), ""));
}
