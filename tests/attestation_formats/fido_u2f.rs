//! fido-u2f (§8.6).

use super::*;

// ---------------------------------------------------------------------------
// fido-u2f (§8.6)
// ---------------------------------------------------------------------------

#[test]
fn fido_u2f_checks() {
    for rel in [
        "fido-u2f/w3c-fido-u2f-es256.json",
        "fido-u2f/yubikey-neo.json",
    ] {
        let r = Reg::vector(rel);
        expect_attestation(
            r.with_bytes("sig", flip_last).run(r.policy(TrustMode::Any)),
            "fido-u2f",
            "statement signature does not verify",
        );
        // clientDataHash is part of verificationData.
        expect_attestation(
            r.with_changed_client_data_hash()
                .run(r.policy(TrustMode::Any)),
            "fido-u2f",
            "statement signature does not verify",
        );
        // §8.6 step 2: exactly one certificate ...
        let leaf = map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
            .unwrap()
            .as_array()
            .unwrap()[0]
            .clone();
        expect_attestation(
            r.with_member("x5c", Cbor::Array(vec![leaf.clone(), leaf]))
                .run(r.policy(TrustMode::Any)),
            "fido-u2f",
            "exactly one certificate",
        );
        // ... with a P-256 key (ec_int.der has a P-384 key).
        expect_attestation(
            r.with_member("x5c", Cbor::Array(vec![Cbor::Bytes(fixture("ec_int.der"))]))
                .run(r.policy(TrustMode::Any)),
            "fido-u2f",
            "not P-256",
        );
        // §8.6 step 3: the credential key must be P-256 too.
        let p384_key = credential_key(&Reg::vector("packed/w3c-packed-es384.json").auth_data());
        let ad = replace_credential_key(&r.auth_data(), &p384_key);
        expect_attestation(
            r.with_auth_data(ad).run(r.policy(TrustMode::Any)),
            "fido-u2f",
            "credential key is not P-256",
        );
        // §8.6 uses no alg: the member is ignored.
        expect_ok(
            r.with_member("alg", Cbor::from(-7))
                .run(r.policy(TrustMode::Any)),
            AttestationType::Basic,
        );
        // A chain to another root.
        let mut p = r.policy(TrustMode::Trusted);
        p.anchors = vec![unrelated_anchor(&r)];
        expect_not_trusted(r.run(p), "does not reach a trust anchor");
    }
}
