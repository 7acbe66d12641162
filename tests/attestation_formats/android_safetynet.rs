//! android-safetynet (§8.5).

use super::*;

// ---------------------------------------------------------------------------
// android-safetynet (§8.5)
// ---------------------------------------------------------------------------

pub(super) const SAFETYNET: &str = "android-safetynet/chrome-android-2021.json";

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
