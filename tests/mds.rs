//! FIDO Metadata Service BLOBs (`attestation::mds`): verification of the BLOB
//! made by test-vectors/mds/gen_mds.py, lookups, and the trust policy hook
//! applied to real conformance vectors whose AAGUIDs the BLOB lists.

use relypass_testkit::attestation as registration;
use relypass_testkit::fixtures as blocks;

use blocks::{DEFAULT_NOW, b64_decode, fixture, read_anchor_pem};
use registration::*;
use relypass::Aaguid;
use relypass::attestation::mds::{AuthenticatorStatus, MdsError, MetadataBlob, key_identifier};
use relypass::attestation::{AnchorScope, AttestationType, TrustAnchor, TrustMode, TrustPolicy};
use relypass::internal::attestation::jws::JwsError;
use relypass::internal::cert_path::CertPathError;
use std::path::Path;
use std::sync::Arc;

fn mds_file(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors/mds")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}

fn jwt(name: &str) -> String {
    String::from_utf8(mds_file(name)).unwrap()
}

fn root() -> Vec<TrustAnchor> {
    vec![TrustAnchor::from_der(&mds_file("root.der")).unwrap()]
}

/// Inside the signer's validity (2024-01-01 .. 2030-01-01) and before nextUpdate.
const NOW: u64 = DEFAULT_NOW as u64; // 2026-06-01

fn blob() -> MetadataBlob {
    MetadataBlob::verify(&jwt("blob.jwt"), &root(), NOW).unwrap()
}

fn aaguid(s: &str) -> Aaguid {
    Aaguid::parse(s).unwrap()
}

const PACKED: &str = "876ca4f5-2071-c3e9-b255-09ef2cdf7ed6";
const TPM_REVOKED: &str = "4b92a377-fc5f-6107-c4c8-5c190adbfd99";
const U2F_UV_BYPASS: &str = "afb3c2ef-c054-df42-5013-d5c88e79c3c1";
const APPLE_LATER_REVOKED: &str = "748210a2-0076-616a-733b-2114336fc384";
const ES384_UPDATED: &str = "e950dcda-3bda-e1d0-87cd-a380a897848b";

/// 2100-01-01T00:00:00Z.
const Y2100: u64 = 4_102_444_800;

// ---------------------------------------------------------------------------
// Verifying the BLOB
// ---------------------------------------------------------------------------

#[test]
fn valid_blob_parses() {
    let b = blob();
    assert_eq!(b.no(), 42);
    assert_eq!(b.next_update(), "2026-07-01");
    assert!(b.legal_header().unwrap().contains("not FIDO Alliance data"));
    assert_eq!(b.entries().len(), 6);
    let e = b.entry(aaguid(PACKED)).unwrap();
    assert_eq!(e.aaguid, Some(aaguid(PACKED)));
    assert_eq!(
        e.description(),
        Some("W3C test authenticator (packed ES256)")
    );
    assert_eq!(
        b.description(aaguid(PACKED)),
        Some("W3C test authenticator (packed ES256)")
    );
    let st = e.metadata_statement.as_ref().unwrap();
    assert_eq!(st.attestation_types, vec!["basic_full".to_string()]);
    assert_eq!(st.protocol_family.as_deref(), Some("fido2"));
    assert_eq!(st.authenticator_version, Some(1));
    assert_eq!(st.raw["schema"], 3);
    // attestationRootCertificates is standard base64 DER: the W3C test CA.
    let w3c = TrustAnchor::from_pem(&read_anchor_pem(
        "trust-anchors/w3c-test-vectors-attestation-ca.pem",
    ))
    .unwrap()
    .remove(0);
    assert_eq!(st.attestation_root_certificates, vec![w3c.der().to_vec()]);
    assert_eq!(e.status_reports.len(), 1);
    assert_eq!(
        e.status_reports[0].status,
        AuthenticatorStatus::FidoCertifiedL1
    );
    assert_eq!(
        e.status_reports[0].effective_date.as_deref(),
        Some("2024-01-01")
    );
    assert_eq!(e.time_of_last_status_change.as_deref(), Some("2024-01-01"));
    assert!(b.entry(Aaguid([7; 16])).is_none());
    assert!(b.description(Aaguid::ZERO).is_none());
    // Debug output stays short for a BLOB of any size.
    assert_eq!(
        format!("{b:?}"),
        "MetadataBlob { no: 42, next_update: \"2026-07-01\", entries: 6 }"
    );
}

#[test]
fn staleness_follows_next_update() {
    let b = blob();
    // 2026-07-01T23:59:59Z is still the nextUpdate day; the next day is stale.
    assert!(!b.is_stale(1_782_950_399));
    assert!(b.is_stale(1_782_950_400));
    // A stale BLOB still verifies: fetching a new one is the host's job.
    MetadataBlob::verify(&jwt("blob.jwt"), &root(), 1_790_000_000).unwrap();
}

#[test]
fn trailing_newline_is_accepted() {
    let text = format!("{}\n", jwt("blob.jwt"));
    assert_eq!(MetadataBlob::verify(&text, &root(), NOW).unwrap().no(), 42);
}

#[test]
fn bad_signature_is_refused() {
    let text = jwt("blob.jwt");
    // Change one character of the signature.
    let mut bytes = text.into_bytes();
    let n = bytes.len();
    bytes[n - 5] = if bytes[n - 5] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    assert!(matches!(
        MetadataBlob::verify(&tampered, &root(), NOW),
        Err(MdsError::Jws(JwsError::Signature(_)))
    ));
    // Change the payload (an entry's status) and keep the signature.
    let text = jwt("blob.jwt");
    let parts: Vec<&str> = text.split('.').collect();
    let payload = String::from_utf8(b64_decode(parts[1])).unwrap();
    let forged = payload.replace("\"REVOKED\"", "\"FIDO_CERTIFIED\"");
    assert_ne!(payload, forged);
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        relypass::json::b64url(forged.as_bytes()),
        parts[2]
    );
    assert!(matches!(
        MetadataBlob::verify(&forged, &root(), NOW),
        Err(MdsError::Jws(JwsError::Signature(_)))
    ));
    // Not a JWS at all.
    assert!(matches!(
        MetadataBlob::verify("<html>503</html>", &root(), NOW),
        Err(MdsError::Jws(JwsError::Format))
    ));
}

#[test]
fn wrong_root_is_refused() {
    // Same name as the real root, another key.
    let other = vec![TrustAnchor::from_der(&mds_file("other_root.der")).unwrap()];
    assert!(matches!(
        MetadataBlob::verify(&jwt("blob.jwt"), &other, NOW),
        Err(MdsError::Chain(CertPathError::BadSignature { .. }))
    ));
    // An unrelated root.
    let unrelated = vec![TrustAnchor::from_der(&fixture("ec_root.der")).unwrap()];
    assert_eq!(
        MetadataBlob::verify(&jwt("blob.jwt"), &unrelated, NOW).unwrap_err(),
        MdsError::Chain(CertPathError::UntrustedRoot)
    );
    assert_eq!(
        MetadataBlob::verify(&jwt("blob.jwt"), &[], NOW).unwrap_err(),
        MdsError::NoRoots
    );
    // Among several roots, the right one is found.
    let mut both = other;
    both.extend(root());
    MetadataBlob::verify(&jwt("blob.jwt"), &both, NOW).unwrap();
}

#[test]
fn expired_or_not_yet_valid_signer_is_refused() {
    // The signer is valid 2024-01-01 .. 2030-01-01.
    assert_eq!(
        MetadataBlob::verify(&jwt("blob.jwt"), &root(), 1_893_456_001).unwrap_err(),
        MdsError::Chain(CertPathError::Expired { index: 0 })
    );
    assert_eq!(
        MetadataBlob::verify(&jwt("blob.jwt"), &root(), 1_700_000_000).unwrap_err(),
        MdsError::Chain(CertPathError::NotYetValid { index: 0 })
    );
}

#[test]
fn malformed_payloads_are_refused() {
    match MetadataBlob::verify(&jwt("blob_bad_payload.jwt"), &root(), NOW) {
        Err(MdsError::Payload(why)) => assert!(why.contains("nextUpdate"), "{why}"),
        other => panic!("{other:?}"),
    }
    match MetadataBlob::verify(&jwt("blob_duplicate.jwt"), &root(), NOW) {
        Err(MdsError::Payload(why)) => {
            assert!(why.contains("duplicate AAGUID"), "{why}");
            assert!(why.contains(PACKED), "{why}");
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Status reports
// ---------------------------------------------------------------------------

#[test]
fn latest_status_report() {
    let b = blob();
    let status = |a: &str, now: u64| {
        b.entry(aaguid(a))
            .unwrap()
            .latest_status(now)
            .map(|r| r.status.clone())
    };
    assert_eq!(status(TPM_REVOKED, NOW), Some(AuthenticatorStatus::Revoked));
    // Before the revocation's effective date, the earlier report is in effect.
    assert_eq!(
        status(TPM_REVOKED, 1_710_000_000),
        Some(AuthenticatorStatus::FidoCertified)
    );
    // No report in effect yet.
    assert_eq!(status(TPM_REVOKED, 1_600_000_000), None);
    // Reports out of date order: the latest by effectiveDate wins.
    assert_eq!(
        status(U2F_UV_BYPASS, NOW),
        Some(AuthenticatorStatus::UserVerificationBypass)
    );
    // A future revocation is not in effect yet, then is.
    assert_eq!(
        status(APPLE_LATER_REVOKED, NOW),
        Some(AuthenticatorStatus::FidoCertified)
    );
    assert_eq!(
        status(APPLE_LATER_REVOKED, Y2100),
        Some(AuthenticatorStatus::Revoked)
    );
    // A compromise superseded by a later report.
    assert_eq!(
        status(ES384_UPDATED, NOW),
        Some(AuthenticatorStatus::UpdateAvailable)
    );
    assert!(
        b.entry(aaguid(ES384_UPDATED))
            .unwrap()
            .compromised_status(NOW)
            .is_none()
    );
    assert!(
        b.entry(aaguid(TPM_REVOKED))
            .unwrap()
            .compromised_status(NOW)
            .is_some()
    );
}

#[test]
fn u2f_entry_by_key_identifier() {
    let b = blob();
    let r = Reg::vector("fido-u2f/yubico-u2f-webauthn-io.json");
    let cert = r.x5c_leaf();
    let kid = key_identifier(&cert).unwrap();
    let e = b.entry_by_key_identifier(&kid).unwrap();
    assert_eq!(e.aaguid, None);
    assert_eq!(
        e.latest_status(NOW).unwrap().status,
        AuthenticatorStatus::AttestationKeyCompromise
    );
    // entry_for: by key identifier when no AAGUID (or a zero one) is
    // attested, never when a non-zero one is.
    assert!(b.entry_for(None, Some(&cert)).is_some());
    assert!(b.entry_for(Some(Aaguid::ZERO), Some(&cert)).is_some());
    assert!(b.entry_for(Some(Aaguid([9; 16])), Some(&cert)).is_none());
    assert!(b.entry_for(None, None).is_none());
    assert!(b.entry_for(Some(aaguid(PACKED)), None).is_some());
}

#[test]
fn trust_anchors_are_scoped_to_aaguids() {
    let b = blob();
    let anchors = b.trust_anchors(NOW);
    // One anchor (the W3C CA) for the three entries not compromised at NOW;
    // the U2F entry has no AAGUID and is left out.
    assert_eq!(anchors.len(), 1, "{anchors:?}");
    let AnchorScope::Aaguids(list) = anchors[0].scope() else {
        panic!("{:?}", anchors[0].scope());
    };
    assert_eq!(
        list,
        &vec![
            aaguid(PACKED),
            aaguid(APPLE_LATER_REVOKED),
            aaguid(ES384_UPDATED)
        ]
    );
    // In 2100 the apple entry's revocation is in effect.
    let anchors = b.trust_anchors(Y2100);
    let AnchorScope::Aaguids(list) = anchors[0].scope() else {
        panic!();
    };
    assert!(!list.contains(&aaguid(APPLE_LATER_REVOKED)));
}

// ---------------------------------------------------------------------------
// The trust policy hook, with real vectors the BLOB lists
// ---------------------------------------------------------------------------

fn with_metadata(mut p: TrustPolicy, require: bool) -> TrustPolicy {
    p.metadata = Some(Arc::new(blob()));
    p.require_metadata = require;
    p
}

#[test]
fn listed_authenticator_is_accepted_and_named() {
    let r = Reg::vector("packed/w3c-packed-es256.json");
    for require in [false, true] {
        let v = expect_ok(
            r.run_at(with_metadata(r.policy(TrustMode::Any), require), NOW),
            AttestationType::Basic,
        );
        assert_eq!(
            blob().description(v.aaguid()),
            Some("W3C test authenticator (packed ES256)")
        );
    }
    // A compromise superseded by a later report does not refuse.
    let r = Reg::vector("packed/w3c-packed-es384.json");
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Any), true), NOW),
        AttestationType::Basic,
    );
}

#[test]
fn compromised_authenticators_are_refused() {
    let r = Reg::vector("tpm/w3c-tpm-es256.json");
    let why = expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Trusted), false), NOW),
        "REVOKED",
    );
    assert!(why.contains(TPM_REVOKED), "{why}");
    assert!(why.contains("since 2024-06-01"), "{why}");
    // Without the metadata the same ceremony verifies.
    expect_ok(
        r.run_at(r.policy(TrustMode::Trusted), NOW),
        AttestationType::AttCa,
    );

    // The W3C fido-u2f vector claims an AAGUID the BLOB lists as compromised,
    // but §8.6 does not sign the AAGUID: the claim selects no entry, and the
    // key is found by its attestation key identifier (not listed here).
    let r = Reg::vector("fido-u2f/w3c-fido-u2f-es256.json");
    let v = expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Any), false), NOW),
        AttestationType::Basic,
    );
    assert_eq!(v.aaguid(), aaguid(U2F_UV_BYPASS));
    assert_eq!(v.attestation().attested_aaguid, None);
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Any), true), NOW),
        "with attestation key identifier",
    );
    // A U2F key with a zero AAGUID, found by its attestation key identifier.
    let r = Reg::vector("fido-u2f/yubico-u2f-webauthn-io.json");
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Trusted), false), NOW),
        "ATTESTATION_KEY_COMPROMISE",
    );
    // A revocation takes effect on its date.
    let r = Reg::vector("apple/w3c-apple-es256.json");
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Any), false), NOW),
        AttestationType::AnonCa,
    );
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Any), false), Y2100),
        "REVOKED",
    );
}

#[test]
fn unknown_authenticator_under_required_metadata() {
    // Self attestation with an AAGUID the BLOB does not list.
    let r = Reg::vector("packed/w3c-packed-self-es256.json");
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Any), false), NOW),
        AttestationType::SelfAttestation,
    );
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Any), true), NOW),
        "is not listed in the metadata BLOB",
    );
    // A U2F key (zero AAGUID) whose key identifier is not listed.
    let r = Reg::vector("fido-u2f/yubikey-neo.json");
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Trusted), false), NOW),
        AttestationType::Basic,
    );
    let kid = key_identifier(&r.x5c_leaf()).unwrap();
    let hex: String = kid.iter().map(|b| format!("{b:02x}")).collect();
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Trusted), true), NOW),
        &format!("with attestation key identifier {hex} is not listed"),
    );
}

#[test]
fn metadata_is_not_consulted_without_statement_checks() {
    // TrustMode::None does not verify statements, so the AAGUID is unattested.
    let r = Reg::vector("tpm/w3c-tpm-es256.json");
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::None), true), NOW),
        AttestationType::None,
    );
}

#[test]
fn metadata_anchors_in_a_trusted_policy() {
    let b = blob();
    let policy = TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: b.trust_anchors(NOW),
        metadata: Some(Arc::new(b)),
        require_metadata: true,
        ..TrustPolicy::default()
    };
    let r = Reg::vector("packed/w3c-packed-es256.json");
    let v = expect_ok(r.run_at(policy.clone(), NOW), AttestationType::Basic);
    let w3c = TrustAnchor::from_pem(&read_anchor_pem(
        "trust-anchors/w3c-test-vectors-attestation-ca.pem",
    ))
    .unwrap()
    .remove(0);
    assert_eq!(
        v.attestation().trust_path.last().unwrap(),
        &w3c.der().to_vec()
    );
    // The same root does not vouch for a W3C AAGUID the BLOB does not list.
    let r = Reg::vector("packed/w3c-packed-es512.json");
    expect_not_trusted(r.run_at(policy.clone(), NOW), "no trust anchor configured");
    // Nor for a revoked one (its anchor is left out, and its status refused).
    let r = Reg::vector("tpm/w3c-tpm-es256.json");
    expect_not_trusted(r.run_at(policy, NOW), "no trust anchor configured");
}

// ---------------------------------------------------------------------------
// Which AAGUID a statement attests (fido-u2f never does, §8.6)
// ---------------------------------------------------------------------------

/// A copy of `r` whose authData AAGUID is `aaguid`.
fn with_aaguid(r: &Reg, aaguid: Aaguid) -> Reg {
    let mut ad = r.auth_data();
    ad[37..53].copy_from_slice(&aaguid.0);
    r.with_auth_data(ad)
}

#[test]
fn u2f_rewritten_aaguid_still_finds_compromised_key() {
    // §8.6 step 5: the U2F signature covers neither authData nor its AAGUID,
    // so the 16 bytes can be rewritten without breaking the statement. The
    // key stays found by its attestation key identifier whatever they say.
    let r = Reg::vector("fido-u2f/yubico-u2f-webauthn-io.json");
    for aaguid in [aaguid(PACKED), Aaguid([0x42; 16])] {
        let forged = with_aaguid(&r, aaguid);
        for mode in [TrustMode::Any, TrustMode::Trusted] {
            for require in [false, true] {
                expect_not_trusted(
                    forged.run_at(with_metadata(forged.policy(mode), require), NOW),
                    "ATTESTATION_KEY_COMPROMISE",
                );
            }
        }
    }
}

#[test]
fn u2f_aaguid_does_not_select_aaguid_scoped_anchors() {
    // The Yubico root scoped to an AAGUID the U2F statement merely claims.
    let r = Reg::vector("fido-u2f/yubikey-neo.json");
    let claimed = Aaguid([0x42; 16]);
    let policy = TrustPolicy {
        mode: TrustMode::Trusted,
        anchors: r
            .anchors()
            .into_iter()
            .map(|a| a.with_scope(AnchorScope::Aaguids(vec![claimed])))
            .collect(),
        ..TrustPolicy::default()
    };
    expect_not_trusted(
        with_aaguid(&r, claimed).run_at(policy, NOW),
        "no trust anchor configured",
    );
}

#[test]
fn none_attestation_claiming_a_listed_aaguid_is_not_listed() {
    // `none` attests nothing: an AAGUID the BLOB lists does not satisfy
    // require_metadata.
    let r = with_aaguid(&Reg::vector("none/w3c-none-es256.json"), aaguid(PACKED));
    expect_ok(
        r.run_at(with_metadata(r.policy(TrustMode::Any), false), NOW),
        AttestationType::None,
    );
    expect_not_trusted(
        r.run_at(with_metadata(r.policy(TrustMode::Any), true), NOW),
        "is not listed in the metadata BLOB",
    );
}

#[test]
fn attested_aaguid_per_format() {
    for (rel, attested) in [
        ("packed/w3c-packed-es256.json", true),
        ("packed/w3c-packed-self-es256.json", false),
        ("fido-u2f/w3c-fido-u2f-es256.json", false),
        ("fido-u2f/yubikey-neo.json", false),
        ("tpm/w3c-tpm-es256.json", true),
        ("android-key/pixel-8a-2025.json", true),
        ("android-safetynet/chrome-android-2021.json", true),
        ("apple/iphone-passkey-2021.json", true),
        ("none/w3c-none-es256.json", false),
    ] {
        let r = Reg::vector(rel);
        let v = r
            .run(r.policy(TrustMode::Any))
            .unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let expected = attested.then(|| v.aaguid());
        assert_eq!(v.attestation().attested_aaguid, expected, "{rel}");
    }
    // Under TrustMode::None nothing is verified, so nothing is attested.
    let r = Reg::vector("packed/w3c-packed-es256.json");
    let v = r.run(r.policy(TrustMode::None)).unwrap();
    assert_eq!(v.attestation().attested_aaguid, None);
}
