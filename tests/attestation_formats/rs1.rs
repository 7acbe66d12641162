//! RS1 (SHA-1) outside TPM statements.

use super::*;

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
