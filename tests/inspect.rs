//! `examples/inspect`: its report logic, run on conformance vectors.

#[path = "../examples/inspect/report.rs"]
mod report;

use relypass_testkit::fixtures as blocks;

use relypass_testkit::conformance_case;

use blocks::conformance_dir;

fn case_text(rel: &str) -> String {
    let p = conformance_dir().join("vectors").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"))
}

#[track_caller]
fn assert_has(out: &str, needles: &[&str]) {
    for n in needles {
        assert!(out.contains(n), "missing {n:?} in:\n{out}");
    }
}

#[test]
fn registration_report() {
    let out = report::inspect(&case_text("packed/w3c-packed-es256.json")).unwrap();
    assert_has(
        &out,
        &[
            "conformance case: packed/w3c-packed-es256",
            "kind: registration",
            "type: webauthn.create",
            "challenge: wRhKX934BF4T3Ef1S2H1pla2ZrWQGPFthw6SVumVIBI (32 bytes)",
            "origin: https://example.org",
            "crossOrigin: false",
            "topOrigin: (absent)",
            "extraData (other member)",
            "rpIdHash: bfabc37432958b063360d3ad6461c9c4735ae7f8edd46592a5e0f01452b2e4b5 (= SHA-256(\"example.org\")",
            "flags: 0x4d (UP UV BE AT)",
            "signCount: 0",
            "AAGUID: 876ca4f5-2071-c3e9-b255-09ef2cdf7ed6",
            "credentialId: yab1s0YtAoc_6gxWhiI0-Z8IFygITlEbt3YCAaiQVKU (32 bytes)",
            "alg: ES256 (-7)",
            "kty: EC2 (2)",
            "crv: P-256 (1)",
            "fmt: packed",
            "sig: 71 bytes: 3045",
            "x5c: 1 certificate",
            "subject: CN=WebAuthn test vectors, O=W3C, OU=Authenticator Attestation, C=AA",
            "issuer: CN=WebAuthn test vectors, O=W3C, OU=Authenticator Attestation CA, C=AA",
            "notBefore: Mon, 01 Jan 2024 00:00:00 +0000",
            "notAfter: Thu, 01 Jan 3024 00:00:00 +0000",
            "clientExtensionResults",
        ],
    );
    // The response JSON alone gives the same report, without the case name.
    let case: serde_json::Value =
        serde_json::from_str(&case_text("packed/w3c-packed-es256.json")).unwrap();
    let alone = report::inspect(&case["response"].to_string()).unwrap();
    assert_eq!(
        out.strip_prefix("conformance case: packed/w3c-packed-es256\n"),
        Some(alone.as_str())
    );
}

#[test]
fn format_specific_members() {
    let tpm = report::inspect(&case_text("tpm/windows-hello-surface-pro-4-rs256.json")).unwrap();
    assert_has(
        &tpm,
        &[
            "alg: RS1 (-65535)",
            "kty: RSA (3)",
            "pubArea (310 bytes, TPMT_PUBLIC)",
            "certInfo (161 bytes, TPMS_ATTEST)",
            "magic: 0xff544347",
            "subject: (empty)",
            "subjectAltName",
        ],
    );
    let android = report::inspect(&case_text("android-key/pixel-8a-2025.json")).unwrap();
    assert_has(
        &android,
        &[
            "android key description",
            "attestationChallenge: 5652e2dc45549a96f96afa225502f87fadc08a60bc021392c0be8c5062fd5f5e",
            "clientDataHash: 5652e2dc45549a96f96afa225502f87fadc08a60bc021392c0be8c5062fd5f5e",
            "teeEnforced: purpose Some([2]), origin Some(0)",
        ],
    );
    let sn = report::inspect(&case_text("android-safetynet/chrome-android-2021.json")).unwrap();
    assert_has(
        &sn,
        &[
            "response (8284 bytes, JWS)",
            "header.alg: RS256",
            "subject: CN=attest.android.com",
            "payload.ctsProfileMatch: true",
            "payload.timestampMs: 1630703240057",
            "androidPackageName (other member)",
        ],
    );
}

#[test]
fn authentication_report() {
    let out = report::inspect(&case_text("authentication/largeblob-localhost.json")).unwrap();
    assert_has(
        &out,
        &[
            "kind: authentication",
            "type: webauthn.get",
            "flags: 0x05 (UP UV)",
            "signCount: 13",
            "signature: 72 bytes: 3046",
            "userHandle: (absent)",
            "largeBlob: {\"blob\":\"SGVsbG8sIFdvcmxkIQ\"}",
        ],
    );
}

#[test]
fn every_conformance_case_decodes() {
    let root = conformance_dir().join("vectors");
    let (mut n, mut unbuilt) = (0, 0);
    for dir in std::fs::read_dir(&root).unwrap() {
        for f in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let p = f.unwrap().path();
            let text = std::fs::read_to_string(&p).unwrap();
            n += 1;
            // A key this build cannot parse (Ed448 / ML-DSA with their
            // features off) cannot be decoded; the feature build checks it.
            let case: serde_json::Value = serde_json::from_str(&text).unwrap();
            if conformance_case::unbuilt_algorithm(&case).is_some() {
                unbuilt += 1;
                continue;
            }
            report::inspect(&text).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        }
    }
    assert_eq!(n, 82);
    let expected_unbuilt = if cfg!(all(feature = "ed448", feature = "ml-dsa")) {
        0
    } else {
        6
    };
    assert!(unbuilt <= expected_unbuilt, "{unbuilt} cases skipped");
}

#[test]
fn malformed_input_is_an_error() {
    assert!(
        report::inspect("not json")
            .unwrap_err()
            .contains("not JSON")
    );
    assert!(report::inspect("{}").unwrap_err().contains("neither"));
    let bad_cdj = r#"{"id":"AA","rawId":"AA","type":"public-key",
        "response":{"clientDataJSON":"e30","attestationObject":"oA"}}"#;
    assert!(
        report::inspect(bad_cdj)
            .unwrap_err()
            .contains("clientDataJSON")
    );
    // Valid client data, truncated attestation object.
    let case: serde_json::Value =
        serde_json::from_str(&case_text("packed/w3c-packed-es256.json")).unwrap();
    let mut resp = case["response"].clone();
    let att = resp["response"]["attestationObject"].as_str().unwrap();
    resp["response"]["attestationObject"] = att[..att.len() - 8].into();
    assert!(
        report::inspect(&resp.to_string())
            .unwrap_err()
            .contains("attestationObject")
    );
    resp["response"]["attestationObject"] = "%%".into();
    assert!(
        report::inspect(&resp.to_string())
            .unwrap_err()
            .contains("not base64url")
    );
}
