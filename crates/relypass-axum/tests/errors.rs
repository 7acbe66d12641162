//! Error → HTTP: one test per `ErrorKind` status, through the Router where a
//! request can cause it, else through `IntoResponse` directly.

mod common;

use axum::response::IntoResponse;
use common::*;
use relypass::ErrorKind;
use relypass_axum::{Error, kind_message};
use relypass_testkit::soft_authenticator::Tamper;

/// Status, body `{"error": <the kind's sentence>}`, and no detail.
fn assert_answer(a: &Answer, kind: ErrorKind, leaks: &[&str]) {
    assert_eq!(a.status.as_u16(), kind.http_status(), "{}", a.body);
    assert_eq!(a.body, serde_json::json!({ "error": kind_message(kind) }));
    for leak in leaks {
        assert!(
            !a.body.to_string().to_lowercase().contains(leak),
            "{leak}: {}",
            a.body
        );
    }
    assert_eq!(a.headers["cache-control"], "no-store");
}

async fn direct(e: relypass::Error) -> Answer {
    let res = Error::from(e).into_response();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let mut a = Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap(),
    };
    // `IntoResponse` alone does not add the routes' hygiene headers.
    a.headers
        .insert("cache-control", "no-store".parse().unwrap());
    a
}

#[tokio::test]
async fn bad_request_is_400() {
    let app = app();
    let mut b = Browser::new(20);
    let t = Tamper {
        credential_type: Some("password".into()),
        ..Tamper::default()
    };
    let response = b
        .registration_response(&app, r#"{"username":"x"}"#, &t)
        .await;
    let a = b.post(&app, "/passkeys/register/finish", &response).await;
    assert_answer(&a, ErrorKind::BadRequest, &["type", "public-key"]);
}

#[tokio::test]
async fn verification_failed_is_401_and_names_no_check() {
    let app = app();
    let mut b = Browser::new(21);
    b.sign_up(&app, "frank").await;
    b.post(&app, "/passkeys/signout", "{}").await;
    for t in [
        Tamper {
            corrupt_signature: true,
            ..Tamper::default()
        },
        Tamper {
            origin: Some("https://evil.example".into()),
            ..Tamper::default()
        },
    ] {
        let response = b.signin_response(&app, "{}", &t).await;
        let a = b.post(&app, "/passkeys/signin/finish", &response).await;
        assert_answer(
            &a,
            ErrorKind::VerificationFailed,
            &["signature", "origin", "evil"],
        );
        assert!(!b.signed_in(&app).await);
    }
    // An unknown credential is told exactly the same.
    let mut stranger = Browser::new(22);
    stranger.authenticator.user_handle = vec![1; 16];
    let response = stranger
        .signin_response(&app, "{}", &Tamper::default())
        .await;
    let a = stranger
        .post(&app, "/passkeys/signin/finish", &response)
        .await;
    assert_answer(
        &a,
        ErrorKind::VerificationFailed,
        &["unknown", "credential"],
    );
}

#[tokio::test]
async fn forbidden_is_403() {
    let app = app_with(passkeys_with(|p| p.with_registration_limit(1)), &SECRET);
    let mut b = Browser::new(23);
    b.sign_up(&app, "grace").await;
    let a = b.post(&app, "/passkeys/register/start", "{}").await;
    assert_answer(&a, ErrorKind::Forbidden, &["limit", "1"]);
}

#[tokio::test]
async fn conflict_is_409() {
    let app = app();
    let mut b = Browser::new(24);
    b.sign_up(&app, "heidi").await;
    let mut other = Browser::new(25);
    let a = other
        .post(&app, "/passkeys/register/start", r#"{"username":"heidi"}"#)
        .await;
    assert_answer(&a, ErrorKind::Conflict, &["heidi"]);
}

#[tokio::test]
async fn expired_is_410() {
    let app = app();
    let mut b = Browser::new(26);
    // A finish with no ceremony in this browser.
    let response = {
        let mut other = Browser::new(26);
        other
            .registration_response(&app, r#"{"username":"ivan"}"#, &Tamper::default())
            .await
    };
    let a = b.post(&app, "/passkeys/register/finish", &response).await;
    assert_answer(&a, ErrorKind::Expired, &[]);
    // relypass's own expired kinds get the same answer.
    for e in [
        relypass::Error::StateUsed,
        relypass::Error::CeremonyMismatch,
    ] {
        assert_answer(&direct(e).await, ErrorKind::Expired, &[]);
    }
}

#[tokio::test]
async fn unavailable_is_503_with_retry_after() {
    for e in [
        relypass::Error::StoreUnavailable("pool timed out at db-3:5432".into()),
        relypass::Error::TooManyCeremonies { limit: 1000 },
    ] {
        let a = direct(e).await;
        assert_answer(&a, ErrorKind::Unavailable, &["db-3", "pool", "1000"]);
        let retry: u32 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry > 0);
    }
}

#[tokio::test]
async fn internal_is_500_without_detail() {
    let a = direct(relypass::Error::Storage(
        "password=hunter2 at db:5432".into(),
    ))
    .await;
    assert_answer(&a, ErrorKind::Internal, &["hunter2", "db:5432", "storage"]);
    assert!(!a.headers.contains_key("retry-after"));
}

#[test]
fn every_kind_has_its_own_sentence() {
    let kinds = [
        ErrorKind::BadRequest,
        ErrorKind::VerificationFailed,
        ErrorKind::Conflict,
        ErrorKind::Expired,
        ErrorKind::Forbidden,
        ErrorKind::Unavailable,
        ErrorKind::Internal,
    ];
    let mut seen = std::collections::BTreeSet::new();
    for k in kinds {
        assert!(seen.insert(kind_message(k)), "{k:?}");
        assert!(kind_message(k).ends_with('.'));
    }
}
