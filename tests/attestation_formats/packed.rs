//! packed (§8.2).

use super::*;

// ---------------------------------------------------------------------------
// packed (§8.2)
// ---------------------------------------------------------------------------

#[test]
fn packed_full_signature_and_client_data_hash() {
    for rel in [
        "packed/w3c-packed-es256.json",
        "packed/yubikey5nfc-demo-yubico.json",
    ] {
        let r = Reg::vector(rel);
        expect_attestation(
            r.with_bytes("sig", flip_last).run(r.policy(TrustMode::Any)),
            "packed",
            "statement signature does not verify",
        );
        expect_attestation(
            r.with_changed_client_data_hash()
                .run(r.policy(TrustMode::Any)),
            "packed",
            "statement signature does not verify",
        );
        // The signature is over authData too: flip the counter.
        let mut ad = r.auth_data();
        ad[36] ^= 0x01;
        expect_attestation(
            r.with_auth_data(ad).run(r.policy(TrustMode::Any)),
            "packed",
            "statement signature does not verify",
        );
        // An RSA alg with an EC certificate key.
        expect_attestation(
            r.with_member("alg", Cbor::from(-257))
                .run(r.policy(TrustMode::Any)),
            "packed",
            "statement signature",
        );
        // A member §8.2 does not use is ignored.
        expect_ok(
            r.with_member("extra", Cbor::Null)
                .run(r.policy(TrustMode::Any)),
            AttestationType::Basic,
        );
        expect_attestation(
            r.with_stmt(|m| m.retain(|(k, _)| k.as_text() != Some("sig")))
                .run(r.policy(TrustMode::Any)),
            "packed",
            "sig missing",
        );
    }
}

#[test]
fn packed_self_attestation_checks() {
    let r = Reg::vector("packed/w3c-packed-self-es256.json");
    expect_ok(
        r.run(r.policy(TrustMode::Any)),
        AttestationType::SelfAttestation,
    );
    expect_attestation(
        r.with_bytes("sig", flip_last).run(r.policy(TrustMode::Any)),
        "packed",
        "self attestation signature does not verify",
    );
    expect_attestation(
        r.with_changed_client_data_hash()
            .run(r.policy(TrustMode::Any)),
        "packed",
        "self attestation signature does not verify",
    );
    // §8.2 step 3: alg must be the credential key's alg.
    expect_attestation(
        r.with_member("alg", Cbor::from(-35))
            .run(r.policy(TrustMode::Any)),
        "packed",
        "self attestation alg differs",
    );
    // The same with a PS256 credential (macOS/PS256 self attestation).
    let ps = Reg::vector("packed/self-ps256-localhost.json");
    expect_attestation(
        ps.with_bytes("sig", flip_last)
            .run(ps.policy(TrustMode::Any)),
        "packed",
        "self attestation signature does not verify",
    );
}

#[test]
fn packed_certificate_requirements() {
    let any = |name: &str| {
        let r = Reg::synthetic(name);
        r.run(r.policy(TrustMode::Any))
    };
    expect_ok(any("packed-valid"), AttestationType::Basic);
    // §8.2.1: the AAGUID extension, when present, equals authData's AAGUID ...
    expect_attestation(
        any("packed-aaguid-mismatch"),
        "packed",
        "AAGUID extension does not match authData AAGUID",
    );
    // ... and is not critical.
    expect_attestation(
        any("packed-aaguid-critical"),
        "packed",
        "AAGUID extension is marked critical",
    );
    expect_attestation(
        any("packed-wrong-ou"),
        "packed",
        "OU is not \"Authenticator Attestation\"",
    );
    expect_attestation(any("packed-no-country"), "packed", "lacks C, O or CN");
    expect_attestation(
        any("packed-leaf-is-ca"),
        "packed",
        "attestation certificate is a CA",
    );
}

#[test]
fn packed_trust_chain() {
    let r = Reg::synthetic("packed-valid");
    let v = expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::Basic);
    // Leaf, intermediate and the anchor.
    assert_eq!(v.attestation().trust_path.len(), 3);
    // Expired: the synthetic certificates end on 2034-01-01.
    expect_not_trusted(
        r.run_at(r.policy(TrustMode::Trusted), 2_020_000_000),
        "expired",
    );
    // Not yet valid: they start on 2024-01-01.
    expect_not_trusted(
        r.run_at(r.policy(TrustMode::Trusted), 1_700_000_000),
        "not yet valid",
    );
    // An unrelated root; a root with the right name but another key.
    let mut p = r.policy(TrustMode::Trusted);
    p.anchors = vec![TrustAnchor::from_der(&fixture("ec_root.der")).unwrap()];
    expect_not_trusted(r.run(p), "does not reach a trust anchor");
    let real = Reg::vector("packed/w3c-packed-es256.json");
    let mut p = real.policy(TrustMode::Trusted);
    p.anchors = vec![unrelated_anchor(&real)];
    expect_not_trusted(real.run(p), "does not reach a trust anchor");
    // No anchors at all.
    let mut p = real.policy(TrustMode::Trusted);
    p.anchors.clear();
    expect_not_trusted(real.run(p), "no trust anchor configured");
    // Under Any, the links present must still be sound: swap the leaf's issuer.
    let broken = r.with_member(
        "x5c",
        Cbor::Array(vec![
            Cbor::Bytes(
                map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
                    .unwrap()
                    .as_array()
                    .unwrap()[0]
                    .as_bytes()
                    .unwrap()
                    .clone(),
            ),
            Cbor::Bytes(fixture("ec_root.der")),
        ]),
    );
    expect_attestation(
        broken.run(broken.policy(TrustMode::Any)),
        "packed",
        "certificate chain",
    );
}
