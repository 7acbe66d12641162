//! The Router driven in-process: full flows, session binding of ceremonies,
//! sessions, cross-site refusal and request hygiene.

mod common;

use axum::http::{Method, StatusCode};
use common::*;
use relypass_testkit::soft_authenticator::Tamper;

fn assert_hygiene(a: &Answer) {
    assert_eq!(a.headers["cache-control"], "no-store");
    assert_eq!(a.headers["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn sign_up_sign_out_sign_in() {
    let app = app();
    let mut b = Browser::new(1);
    assert!(!b.signed_in(&app).await);

    // Sign-up: the ceremony handle travels in a path-scoped, strict cookie.
    let a = b
        .post(
            &app,
            "/passkeys/register/start",
            r#"{"username":"alice","displayName":"Alice"}"#,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_hygiene(&a);
    let set = a.headers["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("relypass-registration=reg."), "{set}");
    for attr in ["Path=/passkeys", "HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(set.contains(attr), "{set}");
    }
    let options = serde_json::from_value(a.body).unwrap();
    let response = b.authenticator.register(&options, &Tamper::default());
    let a = b.post(&app, "/passkeys/register/finish", &response).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_hygiene(&a);
    assert_eq!(a.body["state"], "active");
    assert!(!b.cookies.contains_key("relypass-registration"), "spent");
    assert!(b.cookies.contains_key(SESSION), "signed in");
    assert!(b.signed_in(&app).await);
    let me = b.get(&app, "/passkeys/session").await;
    assert_eq!(me.body["user"]["name"], "alice");
    assert_eq!(me.body["user"]["displayName"], "Alice");
    assert_hygiene(&me);

    // Sign-out deletes the session cookie.
    let a = b.post(&app, "/passkeys/signout", "{}").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(!b.cookies.contains_key(SESSION));
    assert!(!b.signed_in(&app).await);
    assert_eq!(
        b.get(&app, "/passkeys/session").await.status,
        StatusCode::UNAUTHORIZED
    );

    // Discoverable sign-in, then by name.
    let response = b.signin_response(&app, "{}", &Tamper::default()).await;
    let a = b.post(&app, "/passkeys/signin/finish", &response).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["user"]["name"], "alice");
    assert!(!b.cookies.contains_key("relypass-signin"), "spent");
    assert!(b.cookies.contains_key(SESSION), "signed in again");
    assert!(b.signed_in(&app).await);
    b.post(&app, "/passkeys/signout", "{}").await;
    let response = b
        .signin_response(&app, r#"{"username":"alice"}"#, &Tamper::default())
        .await;
    let a = b.post(&app, "/passkeys/signin/finish", &response).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(b.signed_in(&app).await);
}

#[tokio::test]
async fn credential_management_for_the_signed_in_user() {
    let app = app();
    let mut b = Browser::new(2);
    b.sign_up(&app, "bob").await;
    // A second passkey, added while signed in.
    b.authenticator = relypass_testkit::soft_authenticator::SoftAuthenticator::new(
        relypass_testkit::soft_authenticator::Alg::Ed25519,
        ORIGIN,
        3,
    );
    let response = b
        .registration_response(&app, "{}", &Tamper::default())
        .await;
    let a = b.post(&app, "/passkeys/register/finish", &response).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let list = b.get(&app, "/passkeys/credentials").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.body.as_array().unwrap().len(), 2);
    let id = list.body[1]["id"].as_str().unwrap().to_owned();

    let a = b
        .send(
            &app,
            Method::PATCH,
            &format!("/passkeys/credentials/{id}"),
            Some(r#"{"name":"Laptop"}"#),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["name"], "Laptop");
    let a = b
        .post(&app, &format!("/passkeys/credentials/{id}/revoke"), "{}")
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["state"], "revoked");
    let a = b
        .send(
            &app,
            Method::DELETE,
            &format!("/passkeys/credentials/{id}"),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(
        b.get(&app, "/passkeys/credentials")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Another user cannot touch it, and says nothing about whether it exists.
    let mut eve = Browser::new(4);
    eve.sign_up(&app, "eve").await;
    let theirs = list.body[0]["id"].as_str().unwrap();
    let a = eve
        .send(
            &app,
            Method::DELETE,
            &format!("/passkeys/credentials/{theirs}"),
            None,
        )
        .await;
    assert!(a.status.is_client_error(), "{}", a.status);
    assert_eq!(
        b.get(&app, "/passkeys/credentials")
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // Signed out: no list.
    let mut anon = Browser::new(5);
    assert_eq!(
        anon.get(&app, "/passkeys/credentials").await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn replayed_response_is_refused_without_and_with_another_ceremony_cookie() {
    let app = app();
    let mut victim = Browser::new(6);
    victim.sign_up(&app, "carol").await;
    victim.post(&app, "/passkeys/signout", "{}").await;
    let response = victim.signin_response(&app, "{}", &Tamper::default()).await;
    let a = victim
        .post(&app, "/passkeys/signin/finish", &response)
        .await;
    assert_eq!(a.status, StatusCode::OK);
    victim.post(&app, "/passkeys/signout", "{}").await;

    // The same response again in the same browser: its ceremony cookie is spent.
    let a = victim
        .post(&app, "/passkeys/signin/finish", &response)
        .await;
    assert_eq!(a.status, StatusCode::GONE, "{}", a.body);
    assert!(!victim.signed_in(&app).await);

    // In another browser without a ceremony.
    let mut attacker = Browser::new(7);
    let a = attacker
        .post(&app, "/passkeys/signin/finish", &response)
        .await;
    assert_eq!(a.status, StatusCode::GONE, "{}", a.body);

    // In another browser holding its own, live ceremony: refused, and
    // nothing says which check failed.
    let _ = attacker
        .signin_response(&app, "{}", &Tamper::default())
        .await;
    assert!(attacker.cookies.contains_key("relypass-signin"));
    let a = attacker
        .post(&app, "/passkeys/signin/finish", &response)
        .await;
    assert_eq!(a.status, StatusCode::GONE, "{}", a.body);
    assert!(!attacker.signed_in(&app).await);
    // A fresh response captured in flight, replayed into the attacker's session.
    let fresh = victim.signin_response(&app, "{}", &Tamper::default()).await;
    let _ = attacker
        .signin_response(&app, "{}", &Tamper::default())
        .await;
    let a = attacker.post(&app, "/passkeys/signin/finish", &fresh).await;
    assert_eq!(a.status, StatusCode::GONE, "{}", a.body);
    assert!(!attacker.signed_in(&app).await);

    // Registration responses are bound the same way.
    let mut mallory = Browser::new(8);
    let reg = mallory
        .registration_response(&app, r#"{"username":"mallory"}"#, &Tamper::default())
        .await;
    let mut other = Browser::new(9);
    let a = other.post(&app, "/passkeys/register/finish", &reg).await;
    assert_eq!(a.status, StatusCode::GONE, "{}", a.body);
    assert!(!other.signed_in(&app).await);
}

#[tokio::test]
async fn cross_site_sign_out_is_refused() {
    let app = app();
    let mut b = Browser::new(10);
    b.sign_up(&app, "dave").await;
    let form = "application/x-www-form-urlencoded";
    let attempts: [&[(&str, &str)]; 5] = [
        // A cross-site form in a modern browser.
        &[
            ("sec-fetch-site", "cross-site"),
            ("content-type", form),
            ("origin", "https://evil.example"),
        ],
        // A sibling subdomain, even with a JSON body.
        &[
            ("sec-fetch-site", "same-site"),
            ("content-type", "application/json"),
        ],
        // An old browser: no fetch metadata, a foreign Origin.
        &[("content-type", form), ("origin", "https://evil.example")],
        // No metadata, no Origin, no JSON: could be anyone's form.
        &[("content-type", form)],
        &[],
    ];
    for headers in attempts {
        let a = b
            .send_with(&app, Method::POST, "/passkeys/signout", Some(""), headers)
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert!(b.signed_in(&app).await, "{headers:?}");
    }
    // GET is not sign-out.
    let a = b.get(&app, "/passkeys/signout").await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(b.signed_in(&app).await);
    // Same-origin by Origin alone (no fetch metadata) is fine.
    let a = b
        .send_with(
            &app,
            Method::POST,
            "/passkeys/signout",
            None,
            &[("origin", ORIGIN)],
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(!b.signed_in(&app).await);
}

#[tokio::test]
async fn content_type_is_matched_exactly_and_bodies_are_capped() {
    let app = app();
    let mut b = Browser::new(11);
    let same = ("sec-fetch-site", "same-origin");
    for (ct, want) in [
        ("application/json", StatusCode::OK),
        ("application/json; charset=utf-8", StatusCode::OK),
        ("application/jsonx", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("application/json-seq", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "application/x-www-form-urlencoded",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let a = b
            .send_with(
                &app,
                Method::POST,
                "/passkeys/signin/start",
                Some("{}"),
                &[same, ("content-type", ct)],
            )
            .await;
        assert_eq!(a.status, want, "{ct}");
        assert_hygiene(&a);
    }
    let a = b
        .send_with(
            &app,
            Method::POST,
            "/passkeys/signin/start",
            Some("{}"),
            &[same],
        )
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        a.body["error"],
        "Requests must be sent as application/json."
    );
    let big = format!(
        r#"{{"username":"{}"}}"#,
        "x".repeat(relypass::limits::MAX_RESPONSE_JSON)
    );
    let a = b.post(&app, "/passkeys/signin/start", &big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_hygiene(&a);
    let a = b.post(&app, "/passkeys/signin/start", "{not json").await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tampered_or_foreign_session_cookies_are_refused() {
    let passkeys = passkeys();
    let app = app_with(passkeys.clone(), &SECRET);
    let mut b = Browser::new(12);
    b.sign_up(&app, "erin").await;
    let good = b.cookies[SESSION].clone();
    let (payload, tag) = good.rsplit_once('.').unwrap();
    let (user, expires) = payload.split_once('.').unwrap();
    let other_user = relypass::UserHandle::random().unwrap().to_string();
    let later = expires.parse::<u64>().unwrap() + 3600;
    let flipped = format!(
        "{}{}",
        if tag.starts_with('A') { "B" } else { "A" },
        &tag[1..]
    );
    for bad in [
        format!("{other_user}.{expires}.{tag}"),
        format!("{user}.{later}.{tag}"),
        format!("{payload}.{flipped}"),
        format!("{user}.{expires}"),
        "garbage".to_owned(),
    ] {
        b.cookies.insert(SESSION.into(), bad.clone());
        assert!(!b.signed_in(&app).await, "{bad}");
        assert_eq!(
            b.get(&app, "/passkeys/credentials").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // A server with another secret refuses the genuine cookie; one sharing
    // the secret and the store accepts it.
    b.cookies.insert(SESSION.into(), good);
    assert!(!b.signed_in(&app_with(passkeys.clone(), &[8; 32])).await);
    assert!(b.signed_in(&app_with(passkeys, &SECRET)).await);
}

/// Issue 14 item 9: names with bidi overrides or zero-width characters were
/// accepted at sign-up (spoofable names); names are now normalized, so
/// "ALICE" signs in to "alice" and look-alike names are refused.
#[tokio::test]
async fn spoofable_user_names_are_refused_at_sign_up() {
    let app = app();
    let mut b = Browser::new(7);
    for bad in ["ali\u{200B}ce", "\u{202E}ecila", "ali ce", ""] {
        let body = serde_json::json!({ "username": bad }).to_string();
        let a = b.post(&app, "/passkeys/register/start", &body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", a.body);
    }
    let body = serde_json::json!({ "username": "Bob", "displayName": "Bob\u{202E}" }).to_string();
    let a = b.post(&app, "/passkeys/register/start", &body).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.body);
    // Fullwidth and upper case map to one spelling.
    let body = serde_json::json!({ "username": "ＢＯＢ" }).to_string();
    let a = b.post(&app, "/passkeys/register/start", &body).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.body["user"]["name"], "bob");
}
