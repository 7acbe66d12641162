//! The demo's router end to end in process (`tower::ServiceExt::oneshot`), on
//! a fresh SQLite file: the request hygiene and the outage answers of issue 14.

use super::*;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

/// A demo app on a fresh SQLite file (removed on drop).
struct TestSite {
    app: Shared,
    _db: store::tests::TempDb,
}

impl TestSite {
    async fn new() -> Self {
        let t = store::tests::TempDb::sqlite().await;
        t.db.init_setting(PASSKEY_SIGN_IN, true).await.unwrap();
        let rp = RelyingParty::builder("localhost", "test")
            .origin("http://localhost:8080")
            .build()
            .unwrap();
        let app = Arc::new(App {
            secure_cookies: false,
            instance: "test".into(),
            passkeys: Passkeys::new(rp, t.store.clone()),
            db: t.db.clone(),
        });
        TestSite { app, _db: t }
    }

    async fn call(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Value) {
        let res = router(self.app.clone()).oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (parts.status, parts.headers, json)
    }

    /// A password account signed in: its session cookie (`name=value`).
    async fn signed_up(&self, name: &str) -> String {
        let (status, headers, body) = self
            .call(post_json(
                "/api/signup/password",
                json!({ "username": name, "password": "correct horse battery" }),
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        session_cookie(&headers)
    }
}

fn session_cookie(headers: &HeaderMap) -> String {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(app::COOKIE_NAME))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned()
}

/// A POST as the page's script sends it (same origin, JSON).
fn post_json(path: &str, body: Value) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn with_cookie(mut req: Request<Body>, cookie: &str) -> Request<Body> {
    req.headers_mut().insert("cookie", cookie.parse().unwrap());
    req
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn content_type_prefix_match_is_refused() {
    let site = TestSite::new().await;
    for bad in [
        "application/jsonx",
        "application/json-patch+json",
        "text/plain",
    ] {
        let req = Request::post("/api/signup/password")
            .header("content-type", bad)
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(
                json!({ "username": "mallory", "password": "correct horse battery" }).to_string(),
            ))
            .unwrap();
        let (status, _, _) = site.call(req).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{bad}");
    }
    let req = Request::post("/api/signup/password")
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(
            json!({ "username": "mallory", "password": "correct horse battery" }).to_string(),
        ))
        .unwrap();
    assert_eq!(site.call(req).await.0, StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_no_store_and_nosniff() {
    let site = TestSite::new().await;
    let cookie = site.signed_up("alice").await;
    let requests = [
        get("/"),
        get("/app.js"),
        get("/style.css"),
        with_cookie(get("/api/state"), &cookie),
        get("/no-such-page"),
        post_json(
            "/api/signin/password",
            json!({ "username": "x", "password": "y" }),
        ),
    ];
    for req in requests {
        let path = req.uri().to_string();
        let (_, h, _) = site.call(req).await;
        assert_eq!(h.get("cache-control").unwrap(), "no-store", "{path}");
        assert_eq!(
            h.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert!(
            h.get("content-security-policy")
                .is_some_and(|v| v.to_str().unwrap().contains("frame-ancestors 'none'")),
            "{path}"
        );
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer", "{path}");
    }
}

#[tokio::test]
async fn signout_from_another_site_is_refused() {
    let site = TestSite::new().await;
    let cookie = site.signed_up("alice").await;
    let cross_site = [
        // A cross-site form post (browser with fetch metadata).
        Request::post("/api/signout")
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::empty())
            .unwrap(),
        // A sibling subdomain.
        Request::post("/api/signout")
            .header("sec-fetch-site", "same-site")
            .body(Body::empty())
            .unwrap(),
        // An older browser: no fetch metadata, another Origin.
        Request::post("/api/signout")
            .header("origin", "https://evil.example")
            .header("host", "localhost:8080")
            .body(Body::empty())
            .unwrap(),
        // Neither metadata nor a JSON body.
        Request::post("/api/signout")
            .header("content-type", "text/plain")
            .body(Body::empty())
            .unwrap(),
    ];
    for req in cross_site {
        let (status, h, _) = site.call(with_cookie(req, &cookie)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(h.get("set-cookie").is_none());
    }
    // Still signed in.
    let (_, _, state) = site.call(with_cookie(get("/api/state"), &cookie)).await;
    assert_eq!(state["session"]["stage"], "signed_in", "{state}");
    // What the page's script sends (app.js: same-origin fetch, JSON `{}`).
    let (status, _, _) = site
        .call(with_cookie(post_json("/api/signout", json!({})), &cookie))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, state) = site.call(with_cookie(get("/api/state"), &cookie)).await;
    assert_eq!(state["session"], Value::Null);
}

#[tokio::test]
async fn admin_is_not_every_signed_in_user() {
    let site = TestSite::new().await;
    let cookie = site.signed_up("carol").await;
    let (_, _, state) = site.call(with_cookie(get("/api/state"), &cookie)).await;
    assert_eq!(state["session"]["admin"], false, "{state}");
    let flip = || {
        with_cookie(
            post_json("/api/admin/passkey-sign-in", json!({ "enabled": false })),
            &cookie,
        )
    };
    assert_eq!(site.call(flip()).await.0, StatusCode::FORBIDDEN);
    assert!(site.app.db.setting(PASSKEY_SIGN_IN).await.unwrap());

    // Granted to the existing account, by name, checked per request.
    let handle = site
        .app
        .db
        .grant_admin(site.app.passkeys.store(), "carol")
        .await
        .unwrap();
    let (_, _, state) = site.call(with_cookie(get("/api/state"), &cookie)).await;
    assert_eq!(state["session"]["admin"], true, "{state}");
    assert_eq!(site.call(flip()).await.0, StatusCode::OK);
    assert!(!site.app.db.setting(PASSKEY_SIGN_IN).await.unwrap());

    // The right belongs to the account, not to the name: deleted and signed
    // up again under the same name, "carol" is no admin.
    site.app
        .passkeys
        .store()
        .delete_user(&handle)
        .await
        .unwrap();
    let cookie = site.signed_up("carol").await;
    let (_, _, state) = site.call(with_cookie(get("/api/state"), &cookie)).await;
    assert_eq!(state["session"]["admin"], false, "{state}");
    // And granting to a name nobody holds fails.
    let e = site
        .app
        .db
        .grant_admin(site.app.passkeys.store(), "nobody")
        .await
        .unwrap_err();
    assert!(e.contains("no account named"), "{e}");
}

#[tokio::test]
async fn database_outage_is_503_with_retry_after() {
    let site = TestSite::new().await;
    let cookie = site.signed_up("alice").await;
    // The demo's own tables (settings, sessions) and the store alike.
    site.app.passkeys.store().pool().close().await;
    let requests = [
        get("/api/state"),
        with_cookie(get("/api/state"), &cookie),
        post_json(
            "/api/signin/password",
            json!({ "username": "alice", "password": "x" }),
        ),
        with_cookie(post_json("/api/signout", json!({})), &cookie),
    ];
    for req in requests {
        let path = req.uri().to_string();
        let (status, h, body) = site.call(req).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert_eq!(h.get("retry-after").unwrap(), "5", "{path}");
        assert!(
            body["error"].as_str().unwrap().contains("try again"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn signup_names_with_bidi_or_zero_width_characters_are_refused() {
    let site = TestSite::new().await;
    for (username, display_name) in [
        ("ali\u{202E}ce", "Alice"),
        ("ali\u{200B}ce", "Alice"),
        ("alice", "Alice \u{202E}Example"),
        ("alice", "Ali\u{200B}ce"),
    ] {
        for path in ["/api/signup/password", "/api/signup/passkey/start"] {
            let (status, _, body) = site
                .call(post_json(
                    path,
                    json!({
                        "username": username,
                        "display_name": display_name,
                        "password": "correct horse battery",
                    }),
                ))
                .await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{path} {username:?} {display_name:?}: {body}"
            );
        }
    }
    // Names are stored in their one normalised spelling, and sign-in by name
    // finds them in any case.
    site.signed_up("Bob").await;
    let (status, _, body) = site
        .call(post_json(
            "/api/signin/password",
            json!({ "username": "BOB", "password": "correct horse battery" }),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) = site
        .call(post_json(
            "/api/signup/password",
            json!({ "username": "bob", "password": "correct horse battery" }),
        ))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}
