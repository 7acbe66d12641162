//! tpm (§8.3).

use super::*;

// ---------------------------------------------------------------------------
// tpm (§8.3)
// ---------------------------------------------------------------------------

pub(super) const TPM_RSA: &str = "tpm/windows-hello-surface-pro-4-rs256.json";
pub(super) const TPM_ECC: &[&str] = &[
    "tpm/w3c-tpm-es256.json",
    "tpm/windows-hello-ecc-webauthn-io.json",
];

#[test]
fn tpm_statement_checks() {
    for rel in std::iter::once(TPM_RSA).chain(TPM_ECC.iter().copied()) {
        let r = Reg::vector(rel);
        let any = r.policy(TrustMode::Any);
        expect_ok(r.run(any.clone()), AttestationType::AttCa);
        // §8.3 step 5: sig over certInfo with the AIK.
        expect_attestation(
            r.with_bytes("sig", flip_last).run(any.clone()),
            "tpm",
            "statement signature does not verify",
        );
        // §8.3 step 4: extraData is the hash of authData ‖ clientDataHash.
        expect_attestation(
            r.with_changed_client_data_hash().run(any.clone()),
            "tpm",
            "extraData is not the hash",
        );
        let mut ad = r.auth_data();
        ad[36] ^= 0x01;
        expect_attestation(
            r.with_auth_data(ad).run(any.clone()),
            "tpm",
            "extraData is not the hash",
        );
        // §8.3 step 4: magic is TPM_GENERATED_VALUE.
        expect_attestation(
            r.with_bytes("certInfo", flip_at(0)).run(any.clone()),
            "tpm",
            "certInfo",
        );
        // §8.3 step 4: attested.name is the name of pubArea (objectAttributes changed).
        expect_attestation(
            r.with_bytes("pubArea", flip_at(7)).run(any.clone()),
            "tpm",
            "attested.name does not match pubArea",
        );
        // §8.3 step 2: pubArea's key is the credential key (last byte of unique).
        let reason = expect_attestation(
            r.with_bytes("pubArea", flip_last).run(any.clone()),
            "tpm",
            "pubArea",
        );
        assert!(
            reason.contains("is not the credential key"),
            "{rel}: {reason}"
        );
        expect_attestation(
            r.with_member("ver", Cbor::Text("3.0".into()))
                .run(any.clone()),
            "tpm",
            "ver is not \"2.0\"",
        );
        expect_attestation(
            r.with_stmt(|m| m.retain(|(k, _)| k.as_text() != Some("x5c")))
                .run(any.clone()),
            "tpm",
            "x5c missing",
        );
        // An alg whose hash differs from the one used for extraData.
        expect_attestation(
            r.with_member("alg", Cbor::from(-259)).run(any),
            "tpm",
            "extraData is not the hash",
        );
    }
}

#[test]
fn tpm_aaguid_mismatch_vector() {
    let r = Reg::vector("invalid/tpm-aaguid-mismatch.json");
    expect_attestation(
        r.run(r.policy(TrustMode::Any)),
        "tpm",
        "AIK certificate AAGUID does not match authData AAGUID",
    );
}

#[test]
fn tpm_trust_chain_and_format_scope() {
    let r = Reg::vector(TPM_RSA);
    expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::AttCa);
    expect_not_trusted(
        r.run_at(r.policy(TrustMode::Trusted), FAR_FUTURE),
        "expired",
    );
    let mut p = r.policy(TrustMode::Trusted);
    p.anchors = vec![unrelated_anchor(&r)];
    expect_not_trusted(r.run(p), "does not reach a trust anchor");
    // AnchorScope::Format: the Microsoft root only for tpm statements.
    let scoped = |fmt: &str| TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: r
            .anchors()
            .into_iter()
            .map(|a| a.with_scope(AnchorScope::Format(fmt.into())))
            .collect(),
        ..TrustPolicy::default()
    };
    expect_ok(r.run(scoped("tpm")), AttestationType::AttCa);
    expect_not_trusted(
        r.run(scoped("packed")),
        "no trust anchor configured for tpm",
    );
}
