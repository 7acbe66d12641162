//! The endpoints: sign-up / add a passkey, sign-in, sign-out, the session, and
//! the signed-in user's credential list.

use crate::error::{Error, RETRY_AFTER_SECONDS};
use crate::hygiene::{StrictJson, cookie, no_store_nosniff, require_same_origin, set_cookie};
use crate::session::{Sessions, clear_cookie};
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header::{RETRY_AFTER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use relypass::json::{AuthenticationResponseJson, RegistrationResponseJson, b64url_decode};
use relypass::{
    AuthenticationOptions, CeremonyId, CeremonyKind, CredentialStore, CredentialSummary, Passkeys,
    RegistrationOptions, User, UserHandle,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The ceremony cookies' lifetime. The ceremony state expires on its own
/// schedule in the store (the RP's timeouts); the cookie only has to outlive it.
const CEREMONY_COOKIE_SECONDS: u64 = 15 * 60;

/// The passkey endpoints as an axum [`Router`], for any
/// [`CredentialStore`] `S` and [`Sessions`] backend `B`.
///
/// All routes live under a prefix (default `/passkeys`); bodies are JSON
/// ([`StrictJson`](crate::StrictJson)):
///
/// | route | body | answer |
/// | --- | --- | --- |
/// | `POST /register/start` | `{"username", "displayName"?}` to sign up; `{}` when signed in adds a passkey | `CreationOptionsJson` |
/// | `POST /register/finish` | the browser's `credential.toJSON()` | the new passkey's [`CredentialSummary`]; signs the user in |
/// | `POST /signin/start` | `{"username"?}` (none: discoverable / autofill) | `RequestOptionsJson` |
/// | `POST /signin/finish` | the browser's `credential.toJSON()` | `{"user": …}`; signs the user in |
/// | `POST /signout` | none or `{}` | `{"signedOut": true}` |
/// | `GET /session` | | `{"user": {"id", "name", "displayName"}}`, or 401 |
/// | `GET /credentials` | | the user's [`CredentialSummary`] list |
/// | `PATCH /credentials/{id}` | `{"name": "…" or null}` | the renamed [`CredentialSummary`] |
/// | `DELETE /credentials/{id}` | | `{"deleted": true}` |
/// | `POST /credentials/{id}/revoke` | `{}` | the revoked [`CredentialSummary`] |
/// | `GET /health` | | `{"status": "ok"}`, or 503 `{"status": "unavailable"}` with `Retry-After` |
///
/// `health` asks the store ([`CredentialStore::health`]) and is meant for a
/// load balancer's readiness probe: while the database is unreachable it
/// answers 503 at once, and the store's error goes to the log only.
///
/// `start` sets the ceremony's [`CeremonyId`] in an `HttpOnly`,
/// `SameSite=Strict` cookie scoped to the prefix; `finish` reads and deletes
/// it, so a response is only accepted in the browser session that started its
/// ceremony. Every state-changing route refuses cross-site requests, every
/// answer is `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`,
/// and bodies are capped (see [`body_limit`](Self::body_limit)).
pub struct PasskeyRoutes<S, B> {
    app: App<S, B>,
    body_limit: usize,
}

struct App<S, B> {
    passkeys: Arc<Passkeys<S>>,
    sessions: B,
    prefix: String,
    secure: bool,
    registration: RegistrationOptions,
    authentication: AuthenticationOptions,
}

type Shared<S, B> = Arc<App<S, B>>;

impl<S: CredentialStore + 'static, B: Sessions> PasskeyRoutes<S, B> {
    /// The routes over `passkeys`, recording sign-ins with `sessions`
    /// ([`CookieSessions`](crate::CookieSessions), or the host's own).
    /// Defaults: prefix `/passkeys`, `Secure` cookies, the relying party's
    /// default ceremony options, bodies up to
    /// [`relypass::limits::MAX_RESPONSE_JSON`].
    pub fn new(passkeys: Arc<Passkeys<S>>, sessions: B) -> Self {
        PasskeyRoutes {
            app: App {
                passkeys,
                sessions,
                prefix: "/passkeys".into(),
                secure: true,
                registration: RegistrationOptions::default(),
                authentication: AuthenticationOptions::default(),
            },
            body_limit: relypass::limits::MAX_RESPONSE_JSON,
        }
    }

    /// Where the routes live: `""` for the root, else a path starting with `/`
    /// and not ending with one (e.g. `/api/passkeys`). The ceremony cookies
    /// are scoped to it.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.app.prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// Whether the ceremony cookies are `Secure` (default: yes). Turn off only
    /// for `http://localhost` development; [`CookieSessions::secure`](crate::CookieSessions::secure)
    /// is the session cookie's switch.
    #[must_use]
    pub fn secure_cookies(mut self, secure: bool) -> Self {
        self.app.secure = secure;
        self
    }

    /// The largest request body accepted (413 above it).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Options for every registration (sign-up and added passkeys).
    #[must_use]
    pub fn registration_options(mut self, options: RegistrationOptions) -> Self {
        self.app.registration = options;
        self
    }

    /// Options for every sign-in.
    #[must_use]
    pub fn authentication_options(mut self, options: AuthenticationOptions) -> Self {
        self.app.authentication = options;
        self
    }

    /// The routes, ready to [`merge`](Router::merge) into the host's router
    /// (whatever its state type).
    pub fn router<St: Clone + Send + Sync + 'static>(self) -> Router<St> {
        let p = self.app.prefix.clone();
        Router::new()
            .route(&format!("{p}/register/start"), post(register_start))
            .route(&format!("{p}/register/finish"), post(register_finish))
            .route(&format!("{p}/signin/start"), post(signin_start))
            .route(&format!("{p}/signin/finish"), post(signin_finish))
            .route(&format!("{p}/signout"), post(signout))
            .route(&format!("{p}/session"), get(session))
            .route(&format!("{p}/health"), get(health))
            .route(&format!("{p}/credentials"), get(list_credentials))
            .route(
                &format!("{p}/credentials/{{id}}"),
                patch(rename_credential).delete(delete_credential),
            )
            .route(
                &format!("{p}/credentials/{{id}}/revoke"),
                post(revoke_credential),
            )
            .layer(DefaultBodyLimit::max(self.body_limit))
            .layer(axum::middleware::map_response(no_store_nosniff))
            .with_state(Arc::new(self.app))
    }
}

impl<S, B> App<S, B> {
    fn cookie_path(&self) -> &str {
        if self.prefix.is_empty() {
            "/"
        } else {
            &self.prefix
        }
    }

    fn ceremony_cookie(kind: CeremonyKind) -> &'static str {
        match kind {
            CeremonyKind::Registration => "relypass-registration",
            CeremonyKind::Authentication => "relypass-signin",
        }
    }

    /// The options for the browser, with the ceremony's handle in its cookie.
    fn ceremony_started(
        &self,
        options: &impl Serialize,
        ceremony: &CeremonyId,
    ) -> Result<Response, Error> {
        let mut res = Json(options).into_response();
        let c = set_cookie(
            Self::ceremony_cookie(ceremony.kind()),
            &ceremony.to_string(),
            self.cookie_path(),
            "Strict",
            CEREMONY_COOKIE_SECONDS,
            self.secure,
        )?;
        res.headers_mut().append(SET_COOKIE, c);
        Ok(res)
    }

    /// This browser's ceremony of `kind`. A cookie that does not parse is
    /// treated as absent: either way there is nothing to finish.
    fn ceremony(&self, headers: &HeaderMap, kind: CeremonyKind) -> Result<CeremonyId, Error> {
        cookie(headers, Self::ceremony_cookie(kind))
            .and_then(|v| v.parse::<CeremonyId>().ok())
            .filter(|id| id.kind() == kind)
            .ok_or(Error::NoCeremony)
    }

    fn clear_ceremony(&self, kind: CeremonyKind) -> Result<HeaderValue, Error> {
        clear_cookie(Self::ceremony_cookie(kind), self.cookie_path(), self.secure)
    }
}

/// A finish's answer, success or not, with its ceremony cookie deleted: the
/// state was taken from the store by the attempt, so the cookie is spent.
fn finished<S, B>(
    app: &App<S, B>,
    kind: CeremonyKind,
    result: Result<Response, Error>,
) -> Response {
    let mut res = result.unwrap_or_else(IntoResponse::into_response);
    match app.clear_ceremony(kind) {
        Ok(c) => {
            res.headers_mut().append(SET_COOKIE, c);
            res
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterStart {
    username: Option<String>,
    display_name: Option<String>,
}

async fn register_start<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
    StrictJson(req): StrictJson<RegisterStart>,
) -> Result<Response, Error> {
    let store = app.passkeys.store();
    let user = match app.sessions.current_user(&parts).await? {
        // Signed in: another passkey for this account (a name in the body is
        // ignored; accounts are not renamed here).
        Some(handle) => store
            .user_by_handle(&handle)
            .await?
            .ok_or(Error::NotSignedIn)?,
        None => {
            // One stored spelling per name, and no name that can pass for
            // another (relypass refuses controls, zero-width and bidi
            // characters; maps width and case; NFC).
            let name = relypass::normalize_user_name(req.username.as_deref().unwrap_or_default())?;
            // Sign-up necessarily tells whether a name is free; the store
            // decides again atomically when the account is created.
            if store.user_by_name(&name).await?.is_some() {
                return Err(relypass::Error::UsernameTaken.into());
            }
            let display_name = match req.display_name.as_deref().map(str::trim) {
                Some(d) if !d.is_empty() => relypass::normalize_display_name(d)?,
                _ => name.clone(),
            };
            User {
                handle: UserHandle::random()?,
                name,
                display_name,
            }
        }
    };
    let (options, ceremony) = app
        .passkeys
        .start_registration(&user, &app.registration)
        .await?;
    app.ceremony_started(&options, &ceremony)
}

async fn register_finish<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
    StrictJson(response): StrictJson<RegistrationResponseJson>,
) -> Response {
    let result = async {
        let ceremony = app.ceremony(&parts.headers, CeremonyKind::Registration)?;
        let record = app
            .passkeys
            .finish_registration(&ceremony, response)
            .await?;
        // The ceremony was started in this browser (its cookie says so) for
        // this user: a new account, or this user's added passkey.
        let mut res = Json(CredentialSummary::new(
            &record,
            app.passkeys.authenticator_names(),
        ))
        .into_response();
        if app.sessions.current_user(&parts).await?.as_ref() != Some(record.user_handle()) {
            app.sessions
                .sign_in(&parts, record.user_handle(), res.headers_mut())
                .await?;
        }
        Ok(res)
    }
    .await;
    finished(&app, CeremonyKind::Registration, result)
}

#[derive(Deserialize)]
struct SignInStart {
    username: Option<String>,
}

async fn signin_start<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    StrictJson(req): StrictJson<SignInStart>,
) -> Result<Response, Error> {
    let typed = req.username.as_deref().map(str::trim).unwrap_or_default();
    // The same spelling as at sign-up ("Alice" finds "alice"). A name that
    // cannot be normalized has no account: look up the raw text, which
    // finds nothing and goes down the same path as any unknown name.
    let normalized = relypass::normalize_user_name(typed);
    let name = normalized.as_deref().unwrap_or(typed);
    let (options, ceremony) = if name.is_empty() {
        app.passkeys
            .start_authentication(None, &app.authentication)
            .await?
    } else {
        // The options look the same whether or not the account exists
        // (relypass's enumeration defence).
        app.passkeys
            .start_authentication_for_name(name, &app.authentication)
            .await?
    };
    app.ceremony_started(&options, &ceremony)
}

/// The signed-in user as the page shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserView {
    id: String,
    name: String,
    display_name: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.handle.to_string(),
            name: u.name,
            display_name: u.display_name,
        }
    }
}

async fn signin_finish<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
    StrictJson(response): StrictJson<AuthenticationResponseJson>,
) -> Response {
    let result = async {
        let ceremony = app.ceremony(&parts.headers, CeremonyKind::Authentication)?;
        let verified = app
            .passkeys
            .finish_authentication(&ceremony, response)
            .await?;
        let user = app
            .passkeys
            .store()
            .user_by_handle(verified.user_handle())
            .await?
            // A credential whose account is gone: as good as unknown.
            .ok_or(relypass::Error::UnknownCredential)?;
        let mut res = Json(serde_json::json!({ "user": UserView::from(user) })).into_response();
        app.sessions
            .sign_in(&parts, verified.user_handle(), res.headers_mut())
            .await?;
        Ok(res)
    }
    .await;
    finished(&app, CeremonyKind::Authentication, result)
}

async fn signout<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
) -> Result<Response, Error> {
    require_same_origin(&parts.headers)?;
    let mut res = Json(serde_json::json!({ "signedOut": true })).into_response();
    app.sessions.sign_out(&parts, res.headers_mut()).await?;
    // A ceremony started while signed in (adding a passkey) must not be
    // finishable by whoever uses this browser next.
    for kind in [CeremonyKind::Registration, CeremonyKind::Authentication] {
        res.headers_mut()
            .append(SET_COOKIE, app.clear_ceremony(kind)?);
    }
    Ok(res)
}

async fn signed_in<S, B: Sessions>(app: &App<S, B>, parts: &Parts) -> Result<UserHandle, Error> {
    app.sessions
        .current_user(parts)
        .await?
        .ok_or(Error::NotSignedIn)
}

async fn session<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
) -> Result<Response, Error> {
    let handle = signed_in(&app, &parts).await?;
    // A session of a deleted account is no session.
    let user = app
        .passkeys
        .store()
        .user_by_handle(&handle)
        .await?
        .ok_or(Error::NotSignedIn)?;
    Ok(Json(serde_json::json!({ "user": UserView::from(user) })).into_response())
}

async fn health<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
) -> Response {
    match app.passkeys.store().health().await {
        Ok(()) => Json(serde_json::json!({ "status": "ok" })).into_response(),
        Err(e) => {
            // Any failure means "do not send traffic here"; which one is for
            // the operator.
            tracing::warn!(error = %e, "relypass-axum health check failed");
            let mut res = (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response();
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
            res
        }
    }
}

async fn list_credentials<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    parts: Parts,
) -> Result<Response, Error> {
    let user = signed_in(&app, &parts).await?;
    Ok(Json(app.passkeys.list_credentials(&user).await?).into_response())
}

fn credential_id(id: &str) -> Result<Vec<u8>, Error> {
    b64url_decode(id)
        .filter(|b| !b.is_empty() && b.len() <= relypass::limits::MAX_CREDENTIAL_ID)
        .ok_or(Error::BadRequest("credential id is not base64url"))
}

#[derive(Deserialize)]
struct Rename {
    name: Option<String>,
}

async fn rename_credential<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    Path(id): Path<String>,
    parts: Parts,
    StrictJson(req): StrictJson<Rename>,
) -> Result<Response, Error> {
    require_same_origin(&parts.headers)?;
    let user = signed_in(&app, &parts).await?;
    let record = app
        .passkeys
        .rename_credential(&user, &credential_id(&id)?, req.name.as_deref())
        .await?;
    Ok(Json(CredentialSummary::new(
        &record,
        app.passkeys.authenticator_names(),
    ))
    .into_response())
}

async fn delete_credential<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Response, Error> {
    require_same_origin(&parts.headers)?;
    let user = signed_in(&app, &parts).await?;
    app.passkeys
        .delete_credential(&user, &credential_id(&id)?)
        .await?;
    Ok(Json(serde_json::json!({ "deleted": true })).into_response())
}

async fn revoke_credential<S: CredentialStore + 'static, B: Sessions>(
    State(app): State<Shared<S, B>>,
    Path(id): Path<String>,
    parts: Parts,
    StrictJson(_): StrictJson<serde::de::IgnoredAny>,
) -> Result<Response, Error> {
    require_same_origin(&parts.headers)?;
    let user = signed_in(&app, &parts).await?;
    let record = app
        .passkeys
        .revoke_credential(&user, &credential_id(&id)?)
        .await?;
    Ok(Json(CredentialSummary::new(
        &record,
        app.passkeys.authenticator_names(),
    ))
    .into_response())
}
