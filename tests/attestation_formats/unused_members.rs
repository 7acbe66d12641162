//! Members a verification procedure does not use are ignored.

use super::*;

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
pub(super) const ONE_PER_FORMAT: &[(&str, AttestationType)] = &[
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
