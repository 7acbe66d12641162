//! An in-process browser for the Router: a cookie jar, same-origin headers by
//! default, and the test kit's software authenticator for real responses.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::routing::get;
use axum::{Extension, Router};
use relypass::{CreationOptionsJson, MemoryStore, Passkeys, RelyingParty, RequestOptionsJson};
use relypass_axum::{CookieSessions, PasskeyRoutes, SessionSecret, SignedIn};
use relypass_testkit::soft_authenticator::{Alg, SoftAuthenticator, Tamper};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tower::ServiceExt;

pub const ORIGIN: &str = "https://example.com";
pub const SECRET: [u8; 32] = [7; 32];

pub fn passkeys() -> Arc<Passkeys<MemoryStore>> {
    passkeys_with(|p| p)
}

pub fn passkeys_with(
    f: impl FnOnce(Passkeys<MemoryStore>) -> Passkeys<MemoryStore>,
) -> Arc<Passkeys<MemoryStore>> {
    let rp = RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .build()
        .unwrap();
    Arc::new(f(Passkeys::new(rp, MemoryStore::new())))
}

/// The routes plus one host page that requires a session (`GET /me`).
pub fn app_with(passkeys: Arc<Passkeys<MemoryStore>>, secret: &[u8]) -> Router {
    let sessions = CookieSessions::new(SessionSecret::new(secret).unwrap());
    Router::new()
        .route("/me", get(|u: SignedIn| async move { u.user.to_string() }))
        .merge(PasskeyRoutes::new(passkeys, sessions.clone()).router())
        .layer(Extension(sessions))
}

pub fn app() -> Router {
    app_with(passkeys(), &SECRET)
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

/// One browser: its cookies, and the authenticator it holds.
pub struct Browser {
    pub cookies: BTreeMap<String, String>,
    pub authenticator: SoftAuthenticator,
}

pub const SESSION: &str = "__Host-relypass-session";

impl Browser {
    pub fn new(seed: u8) -> Self {
        Browser {
            cookies: BTreeMap::new(),
            authenticator: SoftAuthenticator::new(Alg::Es256, ORIGIN, seed),
        }
    }

    /// A same-origin fetch with a JSON body (if any).
    pub async fn send(
        &mut self,
        app: &Router,
        method: Method,
        uri: &str,
        body: Option<&str>,
    ) -> Answer {
        let mut extra = vec![("sec-fetch-site", "same-origin")];
        if body.is_some() {
            extra.push(("content-type", "application/json"));
        }
        self.send_with(app, method, uri, body, &extra).await
    }

    /// A request with exactly the given headers (plus Host and the cookies).
    pub async fn send_with(
        &mut self,
        app: &Router,
        method: Method,
        uri: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "example.com");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        let req = req
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&mut self, app: &Router, uri: &str, body: &str) -> Answer {
        self.send(app, Method::POST, uri, Some(body)).await
    }

    pub async fn get(&mut self, app: &Router, uri: &str) -> Answer {
        self.send(app, Method::GET, uri, None).await
    }

    /// Starts a registration and returns the authenticator's response.
    pub async fn registration_response(&mut self, app: &Router, start: &str, t: &Tamper) -> String {
        let a = self.post(app, "/passkeys/register/start", start).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let options: CreationOptionsJson = serde_json::from_value(a.body).unwrap();
        self.authenticator.register(&options, t)
    }

    /// Signs up as `name`, signed in afterwards.
    pub async fn sign_up(&mut self, app: &Router, name: &str) {
        let start = serde_json::json!({ "username": name }).to_string();
        let response = self
            .registration_response(app, &start, &Tamper::default())
            .await;
        let a = self.post(app, "/passkeys/register/finish", &response).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    }

    /// Starts a sign-in and returns the authenticator's response.
    pub async fn signin_response(&mut self, app: &Router, start: &str, t: &Tamper) -> String {
        let a = self.post(app, "/passkeys/signin/start", start).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        let options: RequestOptionsJson = serde_json::from_value(a.body).unwrap();
        self.authenticator.authenticate(&options, t)
    }

    pub async fn signed_in(&mut self, app: &Router) -> bool {
        self.get(app, "/me").await.status == StatusCode::OK
    }
}
