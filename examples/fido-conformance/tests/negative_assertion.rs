//! The assertion half of the negative tests: each member of
//! ServerAuthenticatorAssertionResponse missing or invalid, each §7.2 check
//! (challenge, origin, type, rpIdHash, flags, counter, user handle), and the
//! session rules of `/assertion/result`.

use super::negative::{Edit, keep, other_challenge};
use super::soft::{Alg, SoftAuthenticator, Tamper, UP, UV};
use super::*;

/// Assertion cases, against a registered ES256 credential.
fn assertion_cases() -> Vec<(&'static str, &'static str, Tamper, Edit, &'static str)> {
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
            "unknown credential",
            "preferred",
            t(),
            |v| {
                v["id"] = "AAAA".into();
                v["rawId"] = "AAAA".into();
            },
            "unknown credential",
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
            |v| v["response"]["clientDataJSON"] = b64url(b"[1,2]").into(),
            "malformed",
        ),
        (
            "clientData type webauthn.create",
            "preferred",
            Tamper {
                client_data_type: Some("webauthn.create".into()),
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
            "authenticatorData missing",
            "preferred",
            t(),
            |v| {
                v["response"]
                    .as_object_mut()
                    .unwrap()
                    .remove("authenticatorData");
            },
            "authenticatorData is missing",
        ),
        (
            "authenticatorData not base64url",
            "preferred",
            t(),
            |v| v["response"]["authenticatorData"] = "@@@".into(),
            "malformed",
        ),
        (
            "authenticatorData truncated",
            "preferred",
            t(),
            |v| v["response"]["authenticatorData"] = b64url(&[0u8; 20]).into(),
            "authenticatorData: shorter",
        ),
        (
            "signature missing",
            "preferred",
            t(),
            |v| {
                v["response"].as_object_mut().unwrap().remove("signature");
            },
            "signature is missing",
        ),
        (
            "signature not base64url",
            "preferred",
            t(),
            |v| v["response"]["signature"] = "@@@".into(),
            "malformed",
        ),
        (
            "signature corrupted",
            "preferred",
            Tamper {
                corrupt_signature: true,
                ..t()
            },
            keep,
            "signature",
        ),
        (
            "userHandle of another user",
            "preferred",
            Tamper {
                user_handle: Some(Some(vec![9u8; 16])),
                ..t()
            },
            keep,
            "does not belong",
        ),
        (
            "userHandle not a string",
            "preferred",
            t(),
            |v| v["response"]["userHandle"] = 5.into(),
            "userHandle is not a string",
        ),
        (
            "userHandle not base64url",
            "preferred",
            t(),
            |v| v["response"]["userHandle"] = "@@@".into(),
            "malformed",
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
                flags: Some(UV),
                ..t()
            },
            keep,
            "user not present",
        ),
        (
            "flags: UV clear, required",
            "required",
            Tamper {
                flags: Some(UP),
                ..t()
            },
            keep,
            "user verification required",
        ),
        (
            "counter not advanced",
            "preferred",
            Tamper {
                sign_count: Some(0),
                ..t()
            },
            keep,
            "counter",
        ),
    ]
}

pub async fn run_all() -> usize {
    let mut n = 0;
    for (name, uv, tamper, edit, why) in assertion_cases() {
        let mut c = live_server();
        let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 11);
        let options = c
            .attestation_options(&creation_request("signer@example.com", "preferred"))
            .await;
        c.expect_ok(
            "/attestation/result",
            &to_server_credential(&a.register(&options, &Tamper::default())),
        )
        .await;
        // One good sign-in first, so the stored counter is not zero.
        let options = c
            .assertion_options(&get_request("signer@example.com", "preferred"))
            .await;
        c.expect_ok(
            "/assertion/result",
            &to_server_credential(&a.authenticate(&options, &Tamper::default())),
        )
        .await;
        let options = c
            .assertion_options(&get_request("signer@example.com", uv))
            .await;
        let mut cred = to_server_credential(&a.authenticate(&options, &tamper));
        edit(&mut cred);
        c.expect_failed(
            &format!("assertion: {name}"),
            "/assertion/result",
            cred.to_string(),
            why,
        )
        .await;
        n += 1;
    }
    n + assertion_sessions().await
}

async fn assertion_sessions() -> usize {
    let mut c = live_server();
    let mut a = SoftAuthenticator::new(Alg::Es256, ORIGIN, 12);
    let options = c
        .attestation_options(&creation_request("s2@example.com", "preferred"))
        .await;
    c.expect_ok(
        "/attestation/result",
        &to_server_credential(&a.register(&options, &Tamper::default())),
    )
    .await;
    let options = c
        .assertion_options(&get_request("s2@example.com", "preferred"))
        .await;
    let cred = to_server_credential(&a.authenticate(&options, &Tamper::default()));
    let mut stranger = c.other_session();
    stranger
        .expect_failed(
            "assertion without a session",
            "/assertion/result",
            cred.to_string(),
            "no authentication in progress",
        )
        .await;
    stranger
        .assertion_options(&get_request("s2@example.com", "preferred"))
        .await;
    stranger
        .expect_failed(
            "assertion in another session",
            "/assertion/result",
            cred.to_string(),
            "challenge mismatch",
        )
        .await;
    c.expect_ok("/assertion/result", &cred).await;
    c.expect_failed(
        "replayed assertion",
        "/assertion/result",
        cred.to_string(),
        "no authentication in progress",
    )
    .await;
    // The replay under fresh options carries the old challenge.
    c.assertion_options(&get_request("s2@example.com", "preferred"))
        .await;
    c.expect_failed(
        "replayed assertion, new options",
        "/assertion/result",
        cred.to_string(),
        "challenge mismatch",
    )
    .await;
    5
}
