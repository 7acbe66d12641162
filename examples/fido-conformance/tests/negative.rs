//! One negative test per member of ServerAuthenticatorAttestationResponse and
//! ServerAuthenticatorAssertionResponse (missing or invalid), per check
//! (challenge, origin, type, rpIdHash, flags, counter, algorithm, certificate,
//! metadata status) and per session rule. Each must answer `status: "failed"`
//! with a non-200 status and an errorMessage naming the failed check.

use super::positive::{Metadata, fixture};
use super::soft::{AT, Alg, SoftAuthenticator, Tamper, UP, UV};
use super::*;

pub type Edit = fn(&mut Value);

pub fn keep(_: &mut Value) {}

pub fn other_challenge() -> String {
    b64url(&[7u8; 32])
}

/// Registration cases: (name, userVerification, tamper, edit, expected error).
fn registration_cases() -> Vec<(&'static str, &'static str, Tamper, Edit, &'static str)> {
    let t = Tamper::default;
    vec![
        (
            "id missing",
            "preferred",
            t(),
            |v| {
                v.as_object_mut().unwrap().remove("id");
            },
            "id is missing",
        ),
        (
            "id empty",
            "preferred",
            t(),
            |v| v["id"] = "".into(),
            "id is empty",
        ),
        (
            "id not a string",
            "preferred",
            t(),
            |v| v["id"] = 5.into(),
            "id is not a string",
        ),
        (
            "id not base64url",
            "preferred",
            t(),
            |v| v["id"] = "!!!".into(),
            "credential id mismatch",
        ),
        (
            "id differs from rawId",
            "preferred",
            t(),
            |v| v["id"] = "AAAA".into(),
            "credential id mismatch",
        ),
        (
            "rawId missing",
            "preferred",
            t(),
            |v| {
                v.as_object_mut().unwrap().remove("rawId");
            },
            "rawId is missing",
        ),
        (
            "rawId not base64url",
            "preferred",
            t(),
            |v| v["rawId"] = "!!!".into(),
            "malformed",
        ),
        (
            "id and rawId not the authenticator's",
            "preferred",
            t(),
            |v| {
                v["id"] = "AAAA".into();
                v["rawId"] = "AAAA".into();
            },
            "credential id mismatch",
        ),
        (
            "type missing",
            "preferred",
            t(),
            |v| {
                v.as_object_mut().unwrap().remove("type");
            },
            "type is missing",
        ),
        (
            "type not public-key",
            "preferred",
            t(),
            |v| v["type"] = "private-key".into(),
            "credential type",
        ),
        (
            "response missing",
            "preferred",
            t(),
            |v| {
                v.as_object_mut().unwrap().remove("response");
            },
            "response is missing",
        ),
        (
            "response not an object",
            "preferred",
            t(),
            |v| v["response"] = "x".into(),
            "response is not a JSON object",
        ),
        (
            "clientDataJSON missing",
            "preferred",
            t(),
            |v| {
                v["response"]
                    .as_object_mut()
                    .unwrap()
                    .remove("clientDataJSON");
            },
            "clientDataJSON is missing",
        ),
        (
            "clientDataJSON not base64url",
            "preferred",
            t(),
            |v| v["response"]["clientDataJSON"] = "@@@".into(),
            "malformed",
        ),
        (
            "clientDataJSON not JSON",
            "preferred",
            t(),
            |v| v["response"]["clientDataJSON"] = b64url(b"hello").into(),
            "malformed",
        ),
        (
            "clientData type webauthn.get",
            "preferred",
            Tamper {
                client_data_type: Some("webauthn.get".into()),
                ..t()
            },
            keep,
            "client data type",
        ),
        (
            "wrong challenge",
            "preferred",
            Tamper {
                challenge: Some(other_challenge()),
                ..t()
            },
            keep,
            "challenge mismatch",
        ),
        (
            "wrong origin",
            "preferred",
            Tamper {
                origin: Some("https://evil.example".into()),
                ..t()
            },
            keep,
            "origin",
        ),
        (
            "attestationObject missing",
            "preferred",
            t(),
            |v| {
                v["response"]
                    .as_object_mut()
                    .unwrap()
                    .remove("attestationObject");
            },
            "attestationObject is missing",
        ),
        (
            "attestationObject not base64url",
            "preferred",
            t(),
            |v| v["response"]["attestationObject"] = "@@@".into(),
            "malformed",
        ),
        (
            "attestationObject not CBOR",
            "preferred",
            t(),
            |v| v["response"]["attestationObject"] = b64url(b"\xff\x00\x01").into(),
            "attestation",
        ),
        (
            "unknown attestation format",
            "preferred",
            Tamper {
                fmt: Some("x-unknown".into()),
                ..t()
            },
            keep,
            "unsupported attestation format",
        ),
        (
            "none with a statement",
            "preferred",
            Tamper {
                att_stmt: Some(vec![(Cbor::Text("x".into()), Cbor::Integer(1.into()))]),
                ..t()
            },
            keep,
            "none",
        ),
        (
            "wrong rpIdHash",
            "preferred",
            Tamper {
                rp_id: Some("evil.example".into()),
                ..t()
            },
            keep,
            "rpIdHash",
        ),
        (
            "flags: UP clear",
            "preferred",
            Tamper {
                flags: Some(UV | AT),
                ..t()
            },
            keep,
            "user not present",
        ),
        (
            "flags: UV clear, required",
            "required",
            Tamper {
                flags: Some(UP | AT),
                ..t()
            },
            keep,
            "user verification required",
        ),
        (
            "flags: AT clear",
            "preferred",
            Tamper {
                flags: Some(UP | UV),
                ..t()
            },
            keep,
            "attested credential data",
        ),
    ]
}

async fn registrations() -> usize {
    let mut n = 0;
    for (name, uv, tamper, edit, why) in registration_cases() {
        let mut c = live_server();
        let options = c
            .attestation_options(&creation_request("neg@example.com", uv))
            .await;
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 7);
        let mut cred = to_server_credential(&a.register(&options, &tamper));
        edit(&mut cred);
        c.expect_failed(
            &format!("registration: {name}"),
            "/attestation/result",
            cred.to_string(),
            why,
        )
        .await;
        n += 1;
    }
    // Algorithm: a packed self statement claiming RS256 for an ES256 key, and
    // one whose signature covers other data.
    for (name, alg, data) in [
        ("algorithm mismatch", -257, false),
        ("statement signature", -7, true),
    ] {
        let mut c = live_server();
        let options = c
            .attestation_options(&creation_request("neg@example.com", "preferred"))
            .await;
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 8);
        let mut cred = to_server_credential(&a.register(&options, &Tamper::default()));
        let key = &a.key;
        reattest(&mut cred, |ad, cdj| {
            let cdj = if data { b"other".as_slice() } else { cdj };
            ("packed", packed_self(key, alg, ad, cdj))
        });
        c.expect_failed(
            &format!("registration: {name}"),
            "/attestation/result",
            cred.to_string(),
            "packed",
        )
        .await;
        n += 1;
    }
    // Certificate: the chain does not reach the root the metadata lists.
    let (status, v) = fixture(
        "test-vectors/attestation/packed-valid.json",
        Metadata::WrongRoot,
    )
    .await;
    assert_ne!(status, axum::http::StatusCode::OK, "{v}");
    assert!(
        v["errorMessage"].as_str().unwrap().contains("not trusted"),
        "{v}"
    );
    n += 1;
    // Metadata: the BLOB leaves out the root of the revoked TPM authenticator...
    let tpm = "test-vectors/conformance/vectors/tpm/w3c-tpm-es256.json";
    let (status, v) = fixture(tpm, Metadata::Blob).await;
    assert_ne!(status, axum::http::StatusCode::OK, "{v}");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .contains("no trust anchor"),
        "{v}"
    );
    n += 1;
    // ...and refuses it by its status report even when a statement lists the root.
    let (status, v) = fixture(tpm, Metadata::StatementAndBlob).await;
    assert_ne!(status, axum::http::StatusCode::OK, "{v}");
    assert!(
        v["errorMessage"].as_str().unwrap().contains("REVOKED"),
        "{v}"
    );
    n += 1;
    n + registration_sessions().await
}

/// Session binding, replay and duplicate registration.
async fn registration_sessions() -> usize {
    let req = creation_request("session@example.com", "preferred");
    let mut c = live_server();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 9);
    // A result with no options in any session.
    let options = c.attestation_options(&req).await;
    let cred = to_server_credential(&a.register(&options, &Tamper::default()));
    let mut stranger = c.other_session();
    stranger
        .expect_failed(
            "result without a session",
            "/attestation/result",
            cred.to_string(),
            "no registration in progress",
        )
        .await;
    // Another session with its own options cannot finish this one's ceremony.
    stranger.attestation_options(&req).await;
    stranger
        .expect_failed(
            "result in another session",
            "/attestation/result",
            cred.to_string(),
            "challenge mismatch",
        )
        .await;
    // The owner can, once.
    c.expect_ok("/attestation/result", &cred).await;
    c.expect_failed(
        "replayed result",
        "/attestation/result",
        cred.to_string(),
        "no registration in progress",
    )
    .await;
    // The same credential id again, under fresh options.
    let options = c.attestation_options(&req).await;
    let again = to_server_credential(&a.register(&options, &Tamper::default()));
    c.expect_failed(
        "duplicate credential",
        "/attestation/result",
        again.to_string(),
        "already registered",
    )
    .await;
    5
}

/// Malformed requests to the options endpoints, bodies that are not JSON, and
/// unknown paths.
async fn requests() -> usize {
    let mut c = live_server();
    let cases: Vec<(&str, &str, String, &str)> = vec![
        ("options body not JSON", "/attestation/options", "{not json".into(), "invalid ServerPublicKeyCredentialCreationOptionsRequest"),
        ("username missing", "/attestation/options", json!({"displayName": "x"}).to_string(), "username"),
        ("displayName missing", "/attestation/options", json!({"username": "x"}).to_string(), "displayName"),
        ("username empty", "/attestation/options", json!({"username": "", "displayName": "x"}).to_string(), "username is empty"),
        ("attestation unknown", "/attestation/options", json!({"username": "x", "displayName": "x", "attestation": "sometimes"}).to_string(), "attestation"),
        ("userVerification unknown", "/attestation/options", json!({"username": "x", "displayName": "x", "authenticatorSelection": {"userVerification": "maybe"}}).to_string(), "userVerification"),
        ("result body not JSON", "/attestation/result", "[]".into(), "no registration in progress"),
        ("get options body not JSON", "/assertion/options", "nope".into(), "invalid ServerPublicKeyCredentialGetOptionsRequest"),
        ("get options username missing", "/assertion/options", json!({}).to_string(), "username"),
        ("get options unknown user", "/assertion/options", get_request("nobody@example.com", "preferred").to_string(), "not registered"),
        ("unknown endpoint", "/attestation/other", "{}".into(), "no such endpoint"),
    ];
    let n = cases.len();
    for (name, path, body, why) in cases {
        c.expect_failed(name, path, body, why).await;
    }
    // A body over the size limit.
    c.expect_failed(
        "body too large",
        "/attestation/options",
        " ".repeat(crate::api::MAX_BODY + 1),
        "larger than",
    )
    .await;
    // A result body that is not a credential, inside a live session.
    c.attestation_options(&creation_request("body@example.com", "preferred"))
        .await;
    c.expect_failed(
        "result body not an object",
        "/attestation/result",
        "[1]".into(),
        "not a JSON object",
    )
    .await;
    n + 2
}

pub async fn run_all() -> usize {
    registrations().await + super::negative_assertion::run_all().await + requests().await
}
