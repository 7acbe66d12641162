//! One negative test per member of ServerAuthenticatorAttestationResponse and
//! ServerAuthenticatorAssertionResponse (missing or invalid), per check
//! (challenge, origin, type, rpIdHash, flags, counter, algorithm, certificate,
//! metadata status) and per session rule. Each must answer `status: "failed"`
//! with a non-200 status and an errorMessage naming the failed check.

use super::common_cases::*;
use super::positive::{Metadata, fixture};
use super::soft::{AT, Alg, SoftAuthenticator, Tamper, UP, UV};
use super::*;

/// Registration cases: the shared ones, then the attestation-specific ones.
fn registration_cases() -> Vec<Case> {
    let t = Tamper::default;
    let mut cases = shared_cases(Ceremony {
        other_type: "webauthn.get",
        not_json: b"hello",
        extra_flags: AT,
    });
    cases.extend([
        edited("id empty", with("id", ""), "id is empty"),
        edited("id not a string", with("id", 5), "id is not a string"),
        edited(
            "id not base64url",
            with("id", "!!!"),
            "credential id mismatch",
        ),
        edited(
            "id and rawId not the authenticator's",
            foreign_id,
            "credential id mismatch",
        ),
        edited(
            "response not an object",
            with("response", "x"),
            "response is not a JSON object",
        ),
        edited(
            "attestationObject missing",
            without_response("attestationObject"),
            "attestationObject is missing",
        ),
        edited(
            "attestationObject not base64url",
            with_response("attestationObject", "@@@"),
            "malformed",
        ),
        edited(
            "attestationObject not CBOR",
            with_response("attestationObject", b64url(b"\xff\x00\x01")),
            "attestation",
        ),
        tampered(
            "unknown attestation format",
            Tamper {
                fmt: Some("x-unknown".into()),
                ..t()
            },
            "unsupported attestation format",
        ),
        tampered(
            "none with a statement",
            Tamper {
                att_stmt: Some(vec![(Cbor::Text("x".into()), Cbor::Integer(1.into()))]),
                ..t()
            },
            "none",
        ),
        tampered(
            "flags: AT clear",
            Tamper {
                flags: Some(UP | UV),
                ..t()
            },
            "attested credential data",
        ),
    ]);
    cases
}

async fn registrations() -> usize {
    let mut n = 0;
    for case in registration_cases() {
        let mut c = live_server();
        let options = c
            .attestation_options(&creation_request("neg@example.com", case.uv))
            .await;
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 7);
        let cred = to_server_credential(&a.register(&options, &case.tamper));
        case.expect_refused(&mut c, "registration", "/attestation/result", cred)
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
    const RESULT: &str = "/attestation/result";
    let req = creation_request("session@example.com", "preferred");
    let mut c = live_server();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 9);
    // A result with no options in any session.
    let options = c.attestation_options(&req).await;
    let cred = to_server_credential(&a.register(&options, &Tamper::default()));
    let mut stranger = c.other_session();
    stranger
        .expect_refused(
            "result without a session",
            RESULT,
            &cred,
            "no registration in progress",
        )
        .await;
    // Another session with its own options cannot finish this one's ceremony.
    stranger.attestation_options(&req).await;
    // Refused in that session; the owner finishes once; a replay is refused.
    stranger_then_replay(
        &mut c,
        &mut stranger,
        RESULT,
        &cred,
        "result",
        "no registration in progress",
    )
    .await;
    // The same credential id again, under fresh options.
    let options = c.attestation_options(&req).await;
    let again = to_server_credential(&a.register(&options, &Tamper::default()));
    c.expect_refused("duplicate credential", RESULT, &again, "already registered")
        .await;
    // Four refusals: no session, another session, a replay, and the last one above.
    4
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
