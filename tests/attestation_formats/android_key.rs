//! android-key (§8.4).

use super::*;

// ---------------------------------------------------------------------------
// android-key (§8.4)
// ---------------------------------------------------------------------------

pub(super) const ANDROID_KEY: &[&str] = &[
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
