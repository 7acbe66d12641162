//! Negative tests for every attestation format's checks, through the public
//! API (`RelyingParty::finish_registration_at`), as the conformance runner
//! drives it.
//!
//! Each test starts from a real conformance vector and mutates one thing, or,
//! where every mutation of real bytes would first break a signature, from a
//! synthetic statement made by `test-vectors/attestation/gen_statements.py`
//! that is valid except for the one property under test. Every test asserts
//! the specific error: `Error::Attestation { format, reason }` with a reason
//! substring, or `Error::AttestationNotTrusted`.

use relypass_testkit::attestation as registration;
use relypass_testkit::fixtures as blocks;

use blocks::{b64_decode, fixture, map_get};
use ciborium::Value as Cbor;
use registration::*;
use relypass::Aaguid;
use relypass::attestation::{AnchorScope, AttestationType, TrustAnchor, TrustMode, TrustPolicy};
use relypass::internal::attestation::android_key::AndroidKeyEnforcement;
use serde_json::Value;

// ---------------------------------------------------------------------------
// The harness itself: re-encoding a real attestation object changes nothing.
// ---------------------------------------------------------------------------

#[test]
fn reencoded_vectors_still_verify() {
    for (rel, ty) in [
        ("packed/w3c-packed-es256.json", AttestationType::Basic),
        (
            "packed/w3c-packed-self-es256.json",
            AttestationType::SelfAttestation,
        ),
        ("fido-u2f/yubikey-neo.json", AttestationType::Basic),
        (
            "tpm/windows-hello-surface-pro-4-rs256.json",
            AttestationType::AttCa,
        ),
        ("tpm/w3c-tpm-es256.json", AttestationType::AttCa),
        ("android-key/pixel-8a-2025.json", AttestationType::Basic),
        (
            "android-safetynet/chrome-android-2021.json",
            AttestationType::Basic,
        ),
        ("apple/iphone-passkey-2021.json", AttestationType::AnonCa),
    ] {
        let r = Reg::vector(rel).with_stmt(|_| {});
        let mode = if ty == AttestationType::SelfAttestation {
            TrustMode::Any
        } else {
            TrustMode::Trusted
        };
        let v = r
            .run(r.policy(mode))
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        assert_eq!(v.attestation().attestation_type, ty, "{rel}");
    }
    for name in [
        "packed-valid",
        "android-key-valid",
        "apple-valid",
        "safetynet-valid",
    ] {
        let r = Reg::synthetic(name);
        r.run(r.policy(TrustMode::Trusted))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

#[test]
fn trust_mode_none_does_not_check_statements() {
    // §7.1 step 21 note: an RP that does not verify attestation treats it as none.
    let r = Reg::vector("packed/w3c-packed-es256.json").with_bytes("sig", flip_last);
    let v = expect_ok(r.run(r.policy(TrustMode::None)), AttestationType::None);
    assert_eq!(v.attestation().fmt, "packed");
    expect_attestation(r.run(r.policy(TrustMode::Any)), "packed", "signature");
}

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

// ---------------------------------------------------------------------------
// tpm (§8.3)
// ---------------------------------------------------------------------------

const TPM_RSA: &str = "tpm/windows-hello-surface-pro-4-rs256.json";
const TPM_ECC: &[&str] = &[
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

// ---------------------------------------------------------------------------
// android-key (§8.4)
// ---------------------------------------------------------------------------

const ANDROID_KEY: &[&str] = &[
    "android-key/pixel-8a-2025.json",
    "android-key/samsung-galaxy-s9plus-android10.json",
];

#[test]
fn android_key_real_vectors() {
    for rel in ANDROID_KEY {
        let r = Reg::vector(rel);
        expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::Basic);
        // Counting software-enforced lists too does not break real devices.
        let mut p = r.policy(TrustMode::Trusted);
        p.android_key = AndroidKeyEnforcement::TeeOrSoftware;
        expect_ok(r.run(p), AttestationType::Basic);
        expect_attestation(
            r.with_bytes("sig", flip_last).run(r.policy(TrustMode::Any)),
            "android-key",
            "statement signature does not verify",
        );
        expect_attestation(
            r.with_changed_client_data_hash()
                .run(r.policy(TrustMode::Any)),
            "android-key",
            "statement signature does not verify",
        );
        expect_not_trusted(
            r.run_at(r.policy(TrustMode::Trusted), FAR_FUTURE),
            "expired",
        );
        let mut p = r.policy(TrustMode::Trusted);
        p.anchors = vec![unrelated_anchor(&r)];
        expect_not_trusted(r.run(p), "does not reach a trust anchor");
    }
}

#[test]
fn android_key_synthetic_checks() {
    let run = |name: &str, enforcement: AndroidKeyEnforcement| {
        let r = Reg::synthetic(name);
        let mut p = r.policy(TrustMode::Trusted);
        p.android_key = enforcement;
        r.run(p)
    };
    let tee = AndroidKeyEnforcement::TeeOnly;
    expect_ok(run("android-key-valid", tee), AttestationType::Basic);
    expect_attestation(
        run("android-key-wrong-challenge", tee),
        "android-key",
        "attestationChallenge is not clientDataHash",
    );
    expect_attestation(
        run("android-key-wrong-key", tee),
        "android-key",
        "attestation certificate key is not the credential key",
    );
    expect_attestation(
        run("android-key-all-applications", tee),
        "android-key",
        "usable by all applications",
    );
    expect_attestation(
        run("android-key-no-sign-purpose", tee),
        "android-key",
        "purpose does not include SIGN",
    );
    expect_attestation(
        run("android-key-imported", tee),
        "android-key",
        "origin is not KM_ORIGIN_GENERATED",
    );
    expect_attestation(
        run("android-key-no-extension", tee),
        "android-key",
        "key description extension missing",
    );
    // origin and purpose only in softwareEnforced: refused by default ...
    expect_attestation(
        run("android-key-software-only", tee),
        "android-key",
        "origin is not KM_ORIGIN_GENERATED in an enforced list",
    );
    // ... accepted when the policy counts software-enforced lists.
    let soft = AndroidKeyEnforcement::TeeOrSoftware;
    expect_ok(
        run("android-key-software-only", soft),
        AttestationType::Basic,
    );
    // The policy does not relax the other checks.
    expect_attestation(
        run("android-key-no-sign-purpose", soft),
        "android-key",
        "purpose does not include SIGN",
    );
    expect_attestation(
        run("android-key-all-applications", soft),
        "android-key",
        "usable by all applications",
    );
}

// ---------------------------------------------------------------------------
// android-safetynet (§8.5)
// ---------------------------------------------------------------------------

const SAFETYNET: &str = "android-safetynet/chrome-android-2021.json";

fn safetynet_timestamp_secs(r: &Reg) -> u64 {
    let jws = String::from_utf8(r.stmt_bytes("response")).unwrap();
    let payload: Value =
        serde_json::from_slice(&b64_decode(jws.split('.').nth(1).unwrap())).unwrap();
    payload["timestampMs"].as_u64().unwrap() / 1000
}

#[test]
fn safetynet_real_vector_checks() {
    let r = Reg::vector(SAFETYNET);
    let any = r.policy(TrustMode::Any);
    expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::Basic);
    // §8.5 step 3: nonce is base64(SHA-256(authData ‖ clientDataHash)).
    expect_attestation(
        r.with_changed_client_data_hash().run(any.clone()),
        "android-safetynet",
        "nonce does not match",
    );
    // §8.5 step 2: the JWS signature (change the last signature character).
    let tampered = r.with_bytes("response", |b| {
        let n = b.len();
        b[n - 2] = if b[n - 2] == b'A' { b'B' } else { b'A' };
    });
    expect_attestation(tampered.run(any.clone()), "android-safetynet", "JWS");
    expect_attestation(
        r.with_member("ver", Cbor::Text(String::new()))
            .run(any.clone()),
        "android-safetynet",
        "ver missing",
    );
    // Certificates expired (with a timestamp window wide enough to reach that far).
    let mut p = r.policy(TrustMode::Trusted);
    p.safetynet.max_age_ms = u64::MAX;
    expect_not_trusted(r.run_at(p, FAR_FUTURE), "expired");
    let mut p = r.policy(TrustMode::Trusted);
    p.anchors = vec![unrelated_anchor(&r)];
    expect_not_trusted(r.run(p), "does not reach a trust anchor");
}

#[test]
fn safetynet_timestamp_window() {
    let r = Reg::vector(SAFETYNET);
    let ts = safetynet_timestamp_secs(&r);
    let policy = |max_age_ms: u64, skew_ms: u64| {
        let mut p = r.policy(TrustMode::Any);
        p.safetynet.max_age_ms = max_age_ms;
        p.safetynet.max_future_skew_ms = skew_ms;
        p
    };
    // Default window: 60 s old at most, 5 s in the future at most.
    expect_ok(
        r.run_at(policy(60_000, 5_000), ts + 59),
        AttestationType::Basic,
    );
    expect_attestation(
        r.run_at(policy(60_000, 5_000), ts + 61),
        "android-safetynet",
        "timestampMs is too old",
    );
    expect_ok(
        r.run_at(policy(120_000, 5_000), ts + 61),
        AttestationType::Basic,
    );
    // In the future beyond the skew.
    expect_attestation(
        r.run_at(policy(60_000, 5_000), ts - 10),
        "android-safetynet",
        "timestampMs is in the future",
    );
    expect_ok(
        r.run_at(policy(60_000, 15_000), ts - 10),
        AttestationType::Basic,
    );
    expect_ok(
        r.run_at(policy(60_000, 5_000), ts - 4),
        AttestationType::Basic,
    );
    // The defaults are the documented ones.
    let d = TrustPolicy::default().safetynet;
    assert_eq!((d.max_age_ms, d.max_future_skew_ms), (60_000, 5_000));
    assert!(d.require_cts_profile_match && d.require_basic_integrity);
}

#[test]
fn safetynet_synthetic_checks() {
    let run = |name: &str, f: &dyn Fn(&mut TrustPolicy)| {
        let r = Reg::synthetic(name);
        let mut p = r.policy(TrustMode::Trusted);
        f(&mut p);
        r.run(p)
    };
    let none = &|_: &mut TrustPolicy| {};
    expect_ok(run("safetynet-valid", none), AttestationType::Basic);
    // §8.5 step 4: the leaf is issued to attest.android.com.
    expect_attestation(
        run("safetynet-wrong-host", none),
        "android-safetynet",
        "not for attest.android.com",
    );
    // §8.5 step 5: ctsProfileMatch, and basicIntegrity, per policy.
    expect_attestation(
        run("safetynet-cts-false", none),
        "android-safetynet",
        "ctsProfileMatch is not true",
    );
    expect_ok(
        run("safetynet-cts-false", &|p| {
            p.safetynet.require_cts_profile_match = false
        }),
        AttestationType::Basic,
    );
    expect_attestation(
        run("safetynet-basic-integrity-false", none),
        "android-safetynet",
        "basicIntegrity is not true",
    );
    expect_ok(
        run("safetynet-basic-integrity-false", &|p| {
            p.safetynet.require_basic_integrity = false
        }),
        AttestationType::Basic,
    );
    expect_attestation(
        run("safetynet-no-timestamp", none),
        "android-safetynet",
        "timestampMs missing",
    );
}

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

// ---------------------------------------------------------------------------
// none, self attestation and the trust policy (§7.1 steps 23-24)
// ---------------------------------------------------------------------------

#[test]
fn untrusted_types_under_trusted_mode() {
    let none = Reg::vector("none/w3c-none-es256.json");
    let self_att = Reg::vector("packed/w3c-packed-self-es256.json");
    let trusted = TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: Reg::vector("packed/w3c-packed-es256.json").anchors(),
        ..TrustPolicy::default()
    };
    expect_not_trusted(
        none.run(trusted.clone()),
        "none attestation carries no trust path",
    );
    expect_not_trusted(
        self_att.run(trusted.clone()),
        "self attestation carries no trust path",
    );
    let allow = TrustPolicy {
        allow_untrusted_types: true,
        ..trusted.clone()
    };
    expect_ok(none.run(allow.clone()), AttestationType::None);
    expect_ok(
        self_att.run(allow.clone()),
        AttestationType::SelfAttestation,
    );
    // allow_untrusted_types does not relax certificate-backed statements.
    let packed = Reg::vector("packed/w3c-packed-es256.json");
    let mut p = allow;
    p.anchors = vec![unrelated_anchor(&packed)];
    expect_not_trusted(packed.run(p), "does not reach a trust anchor");
    // The none format's statement must be empty under every checking mode
    // (the one exception to "unused members are ignored").
    let stuffed = none.with_member("x", Cbor::Null);
    expect_attestation(
        stuffed.run(none.policy(TrustMode::Any)),
        "none",
        "not empty",
    );
    expect_attestation(
        stuffed.run(none.policy(TrustMode::None)),
        "none",
        "not empty",
    );
    expect_attestation(stuffed.run(trusted), "none", "not empty");
}

#[test]
fn anchor_scope_by_aaguid() {
    let r = Reg::vector("packed/w3c-packed-es256.json");
    let aaguid = aaguid_of(&r);
    let other = Aaguid([0x11; 16]);
    let scoped = |list: Vec<Aaguid>| TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: r
            .anchors()
            .into_iter()
            .map(|a| a.with_scope(AnchorScope::Aaguids(list.clone())))
            .collect(),
        ..TrustPolicy::default()
    };
    expect_ok(r.run(scoped(vec![aaguid])), AttestationType::Basic);
    expect_ok(r.run(scoped(vec![other, aaguid])), AttestationType::Basic);
    let why = expect_not_trusted(r.run(scoped(vec![other])), "no trust anchor configured");
    assert!(why.contains(&aaguid.to_string()), "{why}");
    expect_not_trusted(r.run(scoped(vec![])), "no trust anchor configured");
    // The right root scoped elsewhere plus an unrelated root for everyone:
    // only the unrelated root is tried.
    let mut p = scoped(vec![other]);
    p.anchors.push(unrelated_anchor(&r));
    expect_not_trusted(r.run(p), "does not reach a trust anchor");
    // The same W3C root vouches for another W3C vector only when its AAGUID is listed.
    let es384 = Reg::vector("packed/w3c-packed-es384.json");
    expect_not_trusted(
        es384.run(scoped(vec![aaguid])),
        "no trust anchor configured",
    );
    expect_ok(
        es384.run(scoped(vec![aaguid, aaguid_of(&es384)])),
        AttestationType::Basic,
    );
    // Format and AAGUID scopes combine as alternatives.
    let mut p = scoped(vec![other]);
    p.anchors.extend(
        r.anchors()
            .into_iter()
            .map(|a| a.with_scope(AnchorScope::Format("packed".into()))),
    );
    expect_ok(r.run(p), AttestationType::Basic);
}

#[test]
fn compound_requires_every_statement() {
    // §8.9: a compound of a valid packed statement and a tampered one fails.
    let r = Reg::vector("packed/w3c-packed-es256.json");
    let stmt = map_get(&r.att_obj(), "attStmt").unwrap().clone();
    let bad = map_get(&r.with_bytes("sig", flip_last).att_obj(), "attStmt")
        .unwrap()
        .clone();
    let entry = |s: Cbor| {
        Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("packed".into())),
            (Cbor::Text("attStmt".into()), s),
        ])
    };
    let compound = |items: Vec<Cbor>| {
        let mut obj = r.att_obj();
        for (k, v) in obj.as_map_mut().unwrap() {
            match k.as_text() {
                Some("fmt") => *v = Cbor::Text("compound".into()),
                Some("attStmt") => *v = Cbor::Array(items.clone()),
                _ => {}
            }
        }
        let mut out = r.clone();
        out.set_att_obj(&obj);
        out
    };
    let good = compound(vec![entry(stmt.clone()), entry(stmt.clone())]);
    expect_ok(
        good.run(r.policy(TrustMode::Trusted)),
        AttestationType::Basic,
    );
    expect_attestation(
        compound(vec![entry(stmt.clone()), entry(bad)]).run(r.policy(TrustMode::Any)),
        "packed",
        "statement signature does not verify",
    );
    expect_attestation(
        compound(vec![entry(stmt)]).run(r.policy(TrustMode::Any)),
        "compound",
        "at least two",
    );
}

// ---------------------------------------------------------------------------
// Certificate extension bytes changed in real certificates: the statement
// signature still verifies (the certificate key is unchanged), so the
// format's own extension check fires before the chain check would.
// ---------------------------------------------------------------------------

/// A copy whose `x5c[0]` has `needle` (which must occur once) changed in its last byte.
fn with_leaf_bytes_changed(r: &Reg, needle: &[u8]) -> Reg {
    let x5c = map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    let mut leaf = x5c[0].as_bytes().unwrap().clone();
    let pos: Vec<usize> = leaf
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(pos.len(), 1, "{}: needle found {} times", r.name, pos.len());
    leaf[pos[0] + needle.len() - 1] ^= 0x01;
    let mut items = x5c;
    items[0] = Cbor::Bytes(leaf);
    r.with_member("x5c", Cbor::Array(items))
}

fn client_data_hash(r: &Reg) -> Vec<u8> {
    blocks::sha256(&b64_decode(
        r.json["response"]["response"]["clientDataJSON"]
            .as_str()
            .unwrap(),
    ))
}

#[test]
fn certificate_extension_bytes_changed() {
    // android-key: attestationChallenge in the key description.
    for rel in ANDROID_KEY {
        let r = Reg::vector(rel);
        let changed = with_leaf_bytes_changed(&r, &client_data_hash(&r));
        for mode in [TrustMode::Any, TrustMode::Trusted] {
            expect_attestation(
                changed.run(r.policy(mode)),
                "android-key",
                "attestationChallenge is not clientDataHash",
            );
        }
    }
    // apple: the nonce extension.
    for rel in [
        "apple/iphone-passkey-2021.json",
        "apple/w3c-apple-es256.json",
    ] {
        let r = Reg::vector(rel);
        let nonce = blocks::sha256(&[r.auth_data(), client_data_hash(&r)].concat());
        expect_attestation(
            with_leaf_bytes_changed(&r, &nonce).run(r.policy(TrustMode::Trusted)),
            "apple",
            "nonce does not match",
        );
    }
    // packed: the id-fido-gen-ce-aaguid extension (no real TPM AIK certificate
    // here carries one; tpm_aaguid_mismatch_vector covers tpm).
    for rel in [
        "packed/yubikey5nfc-demo-yubico.json",
        "packed/solokeys-solo2.json",
    ] {
        let r = Reg::vector(rel);
        let aaguid = aaguid_of(&r).0;
        expect_attestation(
            with_leaf_bytes_changed(&r, &aaguid).run(r.policy(TrustMode::Any)),
            "packed",
            "AAGUID extension does not match authData AAGUID",
        );
    }
}

#[test]
fn certificate_signature_broken_elsewhere() {
    // A leaf changed where no format check looks (its serial number's last
    // byte): the chain check catches it, with or without a trust anchor as
    // long as the issuer is in x5c.
    let r = Reg::vector("packed/yubikey5nfc-demo-yubico.json");
    let changed = with_leaf_bytes_changed(&r, &serial_of(&r.x5c_leaf()));
    expect_not_trusted(
        changed.run(r.policy(TrustMode::Trusted)),
        "signature on certificate 0 does not verify",
    );
    // yubikey5nfc's x5c is the leaf alone: under Any there is no link to check.
    assert_eq!(
        map_get(map_get(&r.att_obj(), "attStmt").unwrap(), "x5c")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    expect_ok(
        changed.run(r.policy(TrustMode::Any)),
        AttestationType::Basic,
    );
    // With the issuer in x5c, Any checks the link.
    let tpm = Reg::vector(TPM_RSA);
    let changed = with_leaf_bytes_changed(&tpm, &serial_of(&tpm.x5c_leaf()));
    expect_attestation(
        changed.run(tpm.policy(TrustMode::Any)),
        "tpm",
        "certificate chain: signature on certificate 0 does not verify",
    );
}

fn serial_of(der: &[u8]) -> Vec<u8> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    let (_, c) = X509Certificate::from_der(der).unwrap();
    c.raw_serial().to_vec()
}

// ---------------------------------------------------------------------------
// RS1 (SHA-1) outside TPM statements
// ---------------------------------------------------------------------------

#[test]
fn packed_rs1_refused() {
    // A packed statement with alg -65535 whose RSA/SHA-1 signature verifies.
    let r = Reg::synthetic("packed-rs1");
    for mode in [TrustMode::Any, TrustMode::Trusted] {
        expect_attestation(r.run(r.policy(mode)), "packed", "RS1");
    }
}

#[test]
fn android_key_rs1_refused() {
    let r = Reg::synthetic("android-key-rs1");
    for mode in [TrustMode::Any, TrustMode::Trusted] {
        expect_attestation(r.run(r.policy(mode)), "android-key", "RS1");
    }
}

#[test]
fn tpm_rs1_still_accepted() {
    // Windows Hello signs TPM statements with RS1.
    let r = Reg::vector("tpm/windows-hello-rs1-sha1.json");
    let obj = r.att_obj();
    let alg = map_get(map_get(&obj, "attStmt").unwrap(), "alg").unwrap();
    assert_eq!(alg, &Cbor::from(-65535));
    // The case names no anchor: its statement is verified under `Any`.
    expect_ok(r.run(r.policy(TrustMode::Any)), AttestationType::AttCa);
}

// ---------------------------------------------------------------------------
// Members a format's verification procedure does not use are ignored; the
// members it uses stay strictly checked.
// ---------------------------------------------------------------------------

#[test]
fn apple_extra_alg_member_accepted() {
    // Real macOS/iOS devices send attStmt = {alg: -7, x5c: [...]}.
    for rel in [
        "apple/iphone-passkey-2021.json",
        "apple/w3c-apple-es256.json",
    ] {
        let r = Reg::vector(rel).with_member("alg", Cbor::from(-7));
        expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::AnonCa);
        expect_ok(r.run(r.policy(TrustMode::Any)), AttestationType::AnonCa);
    }
    let r = Reg::synthetic("apple-valid").with_member("alg", Cbor::from(-7));
    expect_ok(r.run(r.policy(TrustMode::Trusted)), AttestationType::AnonCa);
}

#[test]
fn apple_extra_member_nonce_mismatch_still_refused() {
    let r = Reg::vector("apple/iphone-passkey-2021.json").with_member("alg", Cbor::from(-7));
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
}

/// One valid case per format with statement members (compound is tested
/// below; `none`, whose statement must be empty, in `none_...` tests above).
const ONE_PER_FORMAT: &[(&str, AttestationType)] = &[
    ("packed/w3c-packed-es256.json", AttestationType::Basic),
    (
        "packed/w3c-packed-self-es256.json",
        AttestationType::SelfAttestation,
    ),
    ("fido-u2f/yubikey-neo.json", AttestationType::Basic),
    ("tpm/w3c-tpm-es256.json", AttestationType::AttCa),
    ("android-key/pixel-8a-2025.json", AttestationType::Basic),
    (
        "android-safetynet/chrome-android-2021.json",
        AttestationType::Basic,
    ),
    ("apple/iphone-passkey-2021.json", AttestationType::AnonCa),
];

#[test]
fn unused_attstmt_members_are_ignored_in_every_format() {
    for &(rel, ty) in ONE_PER_FORMAT {
        let r = Reg::vector(rel);
        let mode = match ty {
            AttestationType::None | AttestationType::SelfAttestation => TrustMode::Any,
            _ => TrustMode::Trusted,
        };
        let extra = r
            .with_member("relypassExtra", Cbor::Map(vec![]))
            .with_stmt(|m| m.push((Cbor::from(7), Cbor::Null)));
        let v = extra
            .run(r.policy(mode))
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        assert_eq!(v.attestation().attestation_type, ty, "{rel}");
    }
}

#[test]
fn used_attstmt_members_stay_strict() {
    for &(rel, _) in ONE_PER_FORMAT {
        let r = Reg::vector(rel);
        let obj = r.att_obj();
        let fmt = map_get(&obj, "fmt")
            .and_then(Cbor::as_text)
            .unwrap()
            .to_owned();
        let stmt = map_get(&obj, "attStmt").unwrap().clone();
        for (k, v) in stmt.as_map().unwrap() {
            let key = k.as_text().unwrap().to_owned();
            // A used member repeated (even with the same value) is refused.
            let dup = r.with_stmt(|m| m.push((k.clone(), v.clone())));
            expect_attestation(dup.run(r.policy(TrustMode::Any)), &fmt, "duplicate");
            // A used member of the wrong CBOR type is refused.
            let wrong = r.with_member(&key, Cbor::Bool(true));
            assert!(
                wrong.run(r.policy(TrustMode::Any)).is_err(),
                "{rel}: {key} of the wrong type accepted"
            );
        }
    }
}

#[test]
fn compound_unused_members_ignored_used_ones_strict() {
    let r = Reg::vector("packed/w3c-packed-es256.json");
    let stmt = map_get(&r.att_obj(), "attStmt").unwrap().clone();
    let entry = |extra: Vec<(Cbor, Cbor)>| {
        let mut m = vec![
            (Cbor::Text("fmt".into()), Cbor::Text("packed".into())),
            (Cbor::Text("attStmt".into()), stmt.clone()),
        ];
        m.extend(extra);
        Cbor::Map(m)
    };
    let compound = |items: Vec<Cbor>| {
        let mut obj = r.att_obj();
        for (k, v) in obj.as_map_mut().unwrap() {
            match k.as_text() {
                Some("fmt") => *v = Cbor::Text("compound".into()),
                Some("attStmt") => *v = Cbor::Array(items.clone()),
                _ => {}
            }
        }
        let mut out = r.clone();
        out.set_att_obj(&obj);
        out
    };
    let extra = vec![(Cbor::Text("note".into()), Cbor::Null)];
    expect_ok(
        compound(vec![entry(extra), entry(vec![])]).run(r.policy(TrustMode::Trusted)),
        AttestationType::Basic,
    );
    let dup = vec![(Cbor::Text("fmt".into()), Cbor::Text("packed".into()))];
    expect_attestation(
        compound(vec![entry(dup), entry(vec![])]).run(r.policy(TrustMode::Any)),
        "compound",
        "duplicate",
    );
}
