//! The four conformance endpoints, their cookie sessions, and the mapping of
//! every failure to `{"status": "failed", "errorMessage": ...}`.
//!
//! Each options call files its ceremony state in the caller's session (a
//! cookie); the matching result call takes it back, once. A result presented
//! in another session, or twice, finds no state and fails, whatever challenge
//! it carries; the library then checks the challenge against that state.

use crate::api::{self, Ceremony, CreationOptionsRequest, GetOptionsRequest};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use relypass::danger::{AuthenticationState, Challenge, RegistrationState};
use relypass::json::b64url;
use relypass::{
    AuthenticationResponse, Error, MemoryStore, RegistrationResponse, RelyingParty, User,
    UserHandle,
};
use relypass::{CredentialStore, InsertConditions};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "fido-session";
/// Idle lifetime of a session, seconds.
const SESSION_LIFETIME: u64 = 600;
/// Most sessions kept at once.
const MAX_SESSIONS: usize = 10_000;

/// One client's pending ceremonies.
struct Session {
    registration: Option<RegistrationState>,
    authentication: Option<AuthenticationState>,
    expires_at: u64,
}

/// The server: relying party, credential store and sessions.
pub struct App {
    rp: RelyingParty,
    store: MemoryStore,
    sessions: Mutex<HashMap<String, Session>>,
    /// A fixed clock (tests replaying fixtures signed in the past); `None` reads the OS clock.
    fixed_now: Option<u64>,
    /// The challenge the next options call issues instead of a random one (tests
    /// replaying fixtures whose clientDataJSON carries a fixed challenge).
    next_challenge: Mutex<Option<Vec<u8>>>,
}

/// A failure: HTTP status and the message for `errorMessage`.
pub struct Failure(StatusCode, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let status = match e {
            Error::Storage(_) | Error::Random => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        };
        Failure(status, e.to_string())
    }
}

fn bad(message: impl Into<String>) -> Failure {
    Failure(StatusCode::BAD_REQUEST, message.into())
}

impl App {
    /// A server for `rp` with an empty in-memory store.
    pub fn new(rp: RelyingParty) -> Self {
        App {
            rp,
            store: MemoryStore::new(),
            sessions: Mutex::new(HashMap::new()),
            fixed_now: None,
            next_challenge: Mutex::new(None),
        }
    }

    /// Runs the server's clock at `now` (Unix seconds).
    #[cfg(test)]
    pub fn with_fixed_time(mut self, now: u64) -> Self {
        self.fixed_now = Some(now);
        self
    }

    /// Makes the next options call issue `challenge`.
    #[cfg(test)]
    pub fn set_next_challenge(&self, challenge: Vec<u8>) {
        if let Ok(mut c) = self.next_challenge.lock() {
            *c = Some(challenge);
        }
    }

    fn now(&self) -> u64 {
        self.fixed_now.unwrap_or_else(relypass::danger::unix_now)
    }

    fn challenge(&self) -> Result<Challenge, Failure> {
        let fixed = self.next_challenge.lock().ok().and_then(|mut c| c.take());
        match fixed {
            Some(bytes) => Ok(Challenge::from_bytes(bytes)),
            None => Ok(Challenge::random()?),
        }
    }

    /// Runs `f` on the caller's session, creating one (and a cookie for it) when
    /// the request carries none that is live. Returns `f`'s result and the
    /// `Set-Cookie` value for a new session.
    fn with_session<T>(
        &self,
        headers: &HeaderMap,
        f: impl FnOnce(&mut Session) -> T,
    ) -> Result<(T, Option<String>), Failure> {
        let now = self.now();
        let mut sessions = self.sessions.lock().map_err(|_| {
            Failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                "session table poisoned".into(),
            )
        })?;
        let existing = session_id(headers).filter(|id| {
            sessions
                .get(id.as_str())
                .is_some_and(|s| s.expires_at > now)
        });
        let (id, cookie) = match existing {
            Some(id) => (id, None),
            None => {
                if sessions.len() >= MAX_SESSIONS {
                    sessions.retain(|_, s| s.expires_at > now);
                }
                if sessions.len() >= MAX_SESSIONS {
                    return Err(Failure(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "too many sessions".into(),
                    ));
                }
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).map_err(|_| Failure::from(Error::Random))?;
                let id = b64url(&bytes);
                let cookie = format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax");
                (id, Some(cookie))
            }
        };
        let session = sessions.entry(id).or_insert_with(|| Session {
            registration: None,
            authentication: None,
            expires_at: 0,
        });
        session.expires_at = now.saturating_add(SESSION_LIFETIME);
        Ok((f(session), cookie))
    }

    /// The state `take` removes from the caller's live session, if any.
    fn take_from_session<T>(
        &self,
        headers: &HeaderMap,
        take: impl FnOnce(&mut Session) -> Option<T>,
    ) -> Option<T> {
        let now = self.now();
        let id = session_id(headers)?;
        let mut sessions = self.sessions.lock().ok()?;
        let session = sessions
            .get_mut(id.as_str())
            .filter(|s| s.expires_at > now)?;
        take(session)
    }

    async fn attestation_options(
        &self,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<(Value, Option<String>), Failure> {
        let req: CreationOptionsRequest =
            api::parse_request(body, "ServerPublicKeyCredentialCreationOptionsRequest")
                .map_err(bad)?;
        let options = req.to_options().map_err(bad)?;
        let user = match self.store.user_by_name(&req.username).await? {
            Some(u) => u,
            None => {
                let user = User {
                    handle: UserHandle::random()?,
                    name: req.username.clone(),
                    display_name: req.display_name.clone(),
                };
                self.store.insert_user(&user).await?;
                user
            }
        };
        let existing = self.store.credentials_for_user(&user.handle).await?;
        let (opts, state) = relypass::danger::start_registration_with(
            &self.rp,
            &user,
            &existing,
            &options,
            self.challenge()?,
            self.now(),
        )?;
        let ((), cookie) = self.with_session(headers, |s| s.registration = Some(state))?;
        Ok((to_value(&opts)?, cookie))
    }

    async fn attestation_result(&self, body: &[u8], headers: &HeaderMap) -> Result<Value, Failure> {
        let state = self
            .take_from_session(headers, |s| s.registration.take())
            .ok_or_else(|| bad("no registration in progress in this session: request /attestation/options first"))?;
        let json = api::normalize_credential(body, Ceremony::Registration).map_err(bad)?;
        let response = RegistrationResponse::from_json(&json)?;
        // §7.1 step 26: a credential id already registered is refused.
        if self
            .store
            .credential_by_id(response.credential_id())
            .await?
            .is_some()
        {
            return Err(Error::CredentialAlreadyRegistered.into());
        }
        let verified =
            relypass::danger::finish_registration_at(&self.rp, state, &response, self.now())?;
        self.store
            .insert_credential(&verified, &InsertConditions::new())
            .await?;
        Ok(json!({}))
    }

    async fn assertion_options(
        &self,
        body: &[u8],
        headers: &HeaderMap,
    ) -> Result<(Value, Option<String>), Failure> {
        let req: GetOptionsRequest =
            api::parse_request(body, "ServerPublicKeyCredentialGetOptionsRequest").map_err(bad)?;
        let options = req.to_options().map_err(bad)?;
        let user = self
            .store
            .user_by_name(&req.username)
            .await?
            .ok_or_else(|| bad("username is not registered"))?;
        let creds = self.store.credentials_for_user(&user.handle).await?;
        if !creds.iter().any(|c| c.state().can_authenticate()) {
            return Err(bad("user has no active credentials"));
        }
        let (opts, state) = relypass::danger::start_authentication_with(
            &self.rp,
            Some((&user.handle, &creds)),
            &options,
            self.challenge()?,
            self.now(),
        )?;
        let ((), cookie) = self.with_session(headers, |s| s.authentication = Some(state))?;
        Ok((to_value(&opts)?, cookie))
    }

    async fn assertion_result(&self, body: &[u8], headers: &HeaderMap) -> Result<Value, Failure> {
        let state = self
            .take_from_session(headers, |s| s.authentication.take())
            .ok_or_else(|| bad("no authentication in progress in this session: request /assertion/options first"))?;
        let json = api::normalize_credential(body, Ceremony::Authentication).map_err(bad)?;
        let response = AuthenticationResponse::from_json(&json)?;
        let record = self
            .store
            .credential_by_id(response.credential_id())
            .await?
            .ok_or(Error::UnknownCredential)?;
        let verified = relypass::danger::finish_authentication_at(
            &self.rp,
            state,
            &response,
            &record,
            self.now(),
        )?;
        if !self
            .store
            .update_after_authentication(verified.update())
            .await?
        {
            return Err(Error::Counter {
                stored: record.sign_count(),
                received: verified.sign_count(),
            }
            .into());
        }
        Ok(json!({}))
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, Failure> {
    serde_json::to_value(v).map_err(|e| {
        Failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("encoding options: {e}"),
        )
    })
}

/// The session id from the `Cookie` headers.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `{"status": "ok", "errorMessage": "", ...members}` with status 200.
fn ok(members: Value, cookie: Option<String>) -> Response {
    let mut body = match members {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    body.insert("status".into(), "ok".into());
    body.insert("errorMessage".into(), "".into());
    reply(StatusCode::OK, Value::Object(body), cookie)
}

/// `{"status": "failed", "errorMessage": ...}` with a non-200 status.
fn failed(f: Failure) -> Response {
    reply(f.0, json!({"status": "failed", "errorMessage": f.1}), None)
}

fn reply(status: StatusCode, body: Value, cookie: Option<String>) -> Response {
    let mut r = (status, body.to_string()).into_response();
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(SET_COOKIE, c);
    }
    r
}

async fn read_body(body: Body) -> Result<axum::body::Bytes, Failure> {
    axum::body::to_bytes(body, api::MAX_BODY)
        .await
        .map_err(|_| {
            Failure(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "request body unreadable or larger than {} bytes",
                    api::MAX_BODY
                ),
            )
        })
}

/// The answer to an options call.
fn options_reply(r: Result<(Value, Option<String>), Failure>) -> Response {
    match r {
        Ok((v, cookie)) => ok(v, cookie),
        Err(f) => failed(f),
    }
}

/// The answer to a result call.
fn result_reply(r: Result<Value, Failure>) -> Response {
    options_reply(r.map(|v| (v, None)))
}

async fn attestation_options(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_body(body).await {
        Ok(b) => options_reply(app.attestation_options(&b, &headers).await),
        Err(f) => failed(f),
    }
}

async fn attestation_result(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_body(body).await {
        Ok(b) => result_reply(app.attestation_result(&b, &headers).await),
        Err(f) => failed(f),
    }
}

async fn assertion_options(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match read_body(body).await {
        Ok(b) => options_reply(app.assertion_options(&b, &headers).await),
        Err(f) => failed(f),
    }
}

async fn assertion_result(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    match read_body(body).await {
        Ok(b) => result_reply(app.assertion_result(&b, &headers).await),
        Err(f) => failed(f),
    }
}

/// The conformance API's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/attestation/options", post(attestation_options))
        .route("/attestation/result", post(attestation_result))
        .route("/assertion/options", post(assertion_options))
        .route("/assertion/result", post(assertion_result))
        .fallback(|| async { failed(Failure(StatusCode::NOT_FOUND, "no such endpoint".into())) })
        .with_state(app)
}
