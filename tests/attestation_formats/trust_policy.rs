//! none, self attestation and the trust policy.

use super::*;

// ---------------------------------------------------------------------------
// none, self attestation and the trust policy (§7.1 steps 23–24)
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
