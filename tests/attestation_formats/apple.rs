//! apple (§8.8).

use super::*;

// ---------------------------------------------------------------------------
// apple (§8.8)
// ---------------------------------------------------------------------------

#[test]
fn apple_checks() {
    for rel in [
        "apple/iphone-passkey-2021.json",
        "apple/w3c-apple-es256.json",
    ] {
        let r = Reg::vector(rel);
        expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::AnonCa);
        // §8.8 steps 2-4: the nonce covers clientDataHash and authData.
        expect_attestation(
            r.with_changed_client_data_hash()
                .run(r.policy(TrustMode::Any)),
            "apple",
            "nonce does not match",
        );
        let mut ad = r.auth_data();
        ad[36] ^= 0x01;
        expect_attestation(
            r.with_auth_data(ad).run(r.policy(TrustMode::Any)),
            "apple",
            "nonce does not match",
        );
        expect_not_trusted(
            r.run_at(r.policy(TrustMode::Trusted), FAR_FUTURE),
            "expired",
        );
        let mut p = r.policy(TrustMode::Trusted);
        p.anchors = vec![unrelated_anchor(&r)];
        expect_not_trusted(r.run(p), "does not reach a trust anchor");
        // §8.8 uses x5c only: a sig member is ignored, not verified.
        expect_ok(
            r.with_member("sig", Cbor::Bytes(vec![1]))
                .run(r.policy(TrustMode::Any)),
            AttestationType::AnonCa,
        );
    }
    let any = |name: &str| {
        let r = Reg::synthetic(name);
        r.run(r.policy(TrustMode::Any))
    };
    expect_ok(any("apple-valid"), AttestationType::AnonCa);
    // §8.8 step 5: credCert's key is the credential key.
    expect_attestation(
        any("apple-wrong-key"),
        "apple",
        "credCert key is not the credential key",
    );
    expect_attestation(any("apple-no-nonce"), "apple", "nonce extension missing");
}
