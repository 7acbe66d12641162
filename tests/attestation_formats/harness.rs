//! The harness itself: re-encoding a real attestation object changes nothing.

use super::*;

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
    // An RP that does not verify attestation treats it as none (§7.1 steps 21–24
    // are skipped under TrustMode::None).
    let r = Reg::vector("packed/w3c-packed-es256.json").with_bytes("sig", flip_last);
    let v = expect_ok(r.run(r.policy(TrustMode::None)), AttestationType::None);
    assert_eq!(v.attestation().fmt, "packed");
    expect_attestation(r.run(r.policy(TrustMode::Any)), "packed", "signature");
}
