//! The HTTP API behind the page: sign-up, sign-in, second factor, passkey
//! management, passkey-only accounts and the admin switch.
//!
//! Every handler returns `Result<_, ApiError>`: a failure a user can cause is a
//! short sentence with a status, never a panic or an internal detail.

use crate::errors::ApiError;
use crate::store::{DemoDb, Session, Stage};
use crate::{manage, password};
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use relypass::extensions::RegistrationExtensions;
use relypass::json::{UserVerificationRequirement, b64url_decode};
use relypass::{
    AuthenticationOptions, CeremonyId, CredentialStore, Error, Passkeys, RegistrationOptions,
    RemovalGuard, User, UserHandle,
};
use relypass_sqlx::SqlxStore;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;

/// Name of the session cookie.
pub const COOKIE_NAME: &str = "relypass_demo_session";
/// The settings key of the admin switch.
pub const PASSKEY_SIGN_IN: &str = "passkey_sign_in";

/// Everything a handler needs.
pub struct App {
    /// relypass on relypass-sqlx: accounts, passkeys, ceremonies, the
    /// passkey-only flag.
    pub passkeys: Passkeys<SqlxStore>,
    /// The demo's own tables (passwords, sessions, settings), same database.
    pub db: DemoDb,
    pub secure_cookies: bool,
    /// Shown in the page footer, so two instances can be told apart.
    pub instance: String,
}

pub type Shared = Arc<App>;
type ApiResult = Result<Response, ApiError>;

/// An account as the pages see it: relypass's user and passkey-only flag (the
/// store's) plus the demo's password.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    /// A PHC string (`$argon2id$…`), or `None` for passkey accounts.
    pub password_hash: Option<String>,
    /// Sign-in only with a passkey and user verification.
    pub passkey_only: bool,
}

impl App {
    fn store(&self) -> &SqlxStore {
        self.passkeys.store()
    }

    /// The account with this handle, if any.
    async fn account(&self, handle: &UserHandle) -> Result<Option<Account>, ApiError> {
        match self.store().user_by_handle(handle).await? {
            Some(user) => Ok(Some(self.account_of(user).await?)),
            None => Ok(None),
        }
    }

    /// The account with this name, if any.
    async fn account_by_name(&self, name: &str) -> Result<Option<Account>, ApiError> {
        match self.store().user_by_name(name).await? {
            Some(user) => Ok(Some(self.account_of(user).await?)),
            None => Ok(None),
        }
    }

    async fn account_of(&self, user: User) -> Result<Account, ApiError> {
        let passkey_only = self
            .store()
            .account_policy(&user.handle)
            .await?
            .passkey_only;
        let password_hash = self.db.password_hash(&user.handle).await?;
        Ok(Account {
            user,
            password_hash,
            passkey_only,
        })
    }

    async fn passkey_sign_in(&self) -> Result<bool, ApiError> {
        Ok(self.db.setting(PASSKEY_SIGN_IN).await?)
    }

    async fn require_passkey_sign_in(&self) -> Result<(), ApiError> {
        if self.passkey_sign_in().await? {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "Passkey sign-in is turned off on this site.",
            ))
        }
    }

    /// Whether the user may flip the admin switch: only accounts granted it
    /// (`relypass-demo grant-admin NAME`), by user handle, read per request.
    async fn is_admin(&self, user: &User) -> Result<bool, ApiError> {
        Ok(self.db.is_admin(&user.handle).await?)
    }

    fn session_cookie(&self, token: &str) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    fn clear_cookie(&self) -> HeaderValue {
        HeaderValue::from_static(
            "relypass_demo_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0",
        )
    }

    /// The session named by the request's cookie: token and row.
    async fn session(&self, headers: &HeaderMap) -> Result<Option<(String, Session)>, ApiError> {
        let Some(token) = cookie(headers, COOKIE_NAME) else {
            return Ok(None);
        };
        Ok(self
            .db
            .session(&token)
            .await?
            .map(|session| (token, session)))
    }

    /// The signed-in user (past any second factor), or 401.
    async fn signed_in(&self, headers: &HeaderMap) -> Result<Account, ApiError> {
        match self.session(headers).await? {
            Some((_, s)) if s.stage == Stage::SignedIn => self
                .account(&s.user_handle)
                .await?
                .ok_or_else(ApiError::not_signed_in),
            _ => Err(ApiError::not_signed_in()),
        }
    }

    /// Replaces any current session with a new one (a new token at every
    /// privilege change) and returns the response carrying its cookie.
    async fn start_session(
        &self,
        headers: &HeaderMap,
        user: &UserHandle,
        stage: Stage,
        body: Value,
    ) -> ApiResult {
        if let Some(old) = cookie(headers, COOKIE_NAME) {
            self.db.delete_session(&old).await?;
        }
        let token = self.db.create_session(user, stage).await?;
        let mut res = Json(body).into_response();
        res.headers_mut()
            .insert(SET_COOKIE, self.session_cookie(&token));
        Ok(res)
    }
}

/// A JSON request body. Requiring `Content-Type: application/json` makes every
/// cross-site POST a CORS preflight that this server never approves, which
/// (with `SameSite=Lax` cookies) is the demo's CSRF protection. The type is
/// matched exactly, by relypass-axum's rule (`application/jsonx` is not JSON).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !relypass_axum::hygiene::is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Requests must be sent as JSON.",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|_| {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "The request is too large.")
        })?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| ApiError::bad_request("The request could not be read."))
    }
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

fn ok(body: Value) -> ApiResult {
    Ok(Json(body).into_response())
}

/// A user name at sign-up: trimmed, then relypass's one stored spelling
/// (`normalize_user_name`: width-mapped, lower-cased, NFC), refusing spaces,
/// controls and invisible or direction-changing characters (zero-width
/// space, right-to-left override), so no name can pass for another.
fn clean_username(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::bad_request("Please enter a username."));
    }
    relypass::normalize_user_name(s).map_err(|_| {
        ApiError::bad_request(
            "Usernames are letters, digits and ASCII punctuation, without spaces or              invisible characters.",
        )
    })
}

/// A name typed at sign-in: normalised as at sign-up, so "Alice" finds
/// "alice". One that could never have signed up is looked up as typed and
/// simply not found (the answer is the same as for any unknown name).
fn sign_in_name(raw: &str) -> String {
    let s = raw.trim();
    relypass::normalize_user_name(s).unwrap_or_else(|_| s.to_owned())
}

/// A display name: relypass's `normalize_display_name` (NFC, no controls,
/// invisible or direction-changing characters); the username when blank.
fn display_name(raw: Option<&str>, username: &str) -> Result<String, ApiError> {
    let raw = raw.unwrap_or("").trim();
    if raw.is_empty() {
        return Ok(username.to_owned());
    }
    relypass::normalize_display_name(raw).map_err(|_| {
        ApiError::bad_request(
            "Display names may not contain control, invisible or direction-changing characters.",
        )
    })
}

fn registration_options(passkey_only: bool) -> RegistrationOptions {
    RegistrationOptions {
        // A passkey-only account only takes passkeys that verify the user.
        user_verification: passkey_only.then_some(UserVerificationRequirement::Required),
        // credProps tells whether the new credential is discoverable (a passkey).
        extensions: Some(RegistrationExtensions::new().cred_props().build()),
        ..Default::default()
    }
}

/// The cookie carrying the handle of this browser's ceremony in flight, one per
/// kind. relypass's `finish_*` takes the handle and refuses a response made for
/// any other ceremony, so a response cannot be replayed into another browser.
fn ceremony_cookie_name(id: &CeremonyId) -> &'static str {
    match id.kind() {
        relypass::CeremonyKind::Registration => "relypass_demo_registration",
        relypass::CeremonyKind::Authentication => "relypass_demo_signin",
    }
}

/// The options for the browser, with the ceremony handle set as a cookie.
fn ceremony_started(app: &App, options: &impl serde::Serialize, id: &CeremonyId) -> ApiResult {
    let mut res = serialize(options)?;
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let cookie = format!(
        "{}={id}; Path=/api; HttpOnly; SameSite=Strict; Max-Age=600{secure}",
        ceremony_cookie_name(id)
    );
    res.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?,
    );
    Ok(res)
}

/// This browser's ceremony of `kind`, from its cookie.
fn ceremony_of(headers: &HeaderMap, kind: relypass::CeremonyKind) -> Result<CeremonyId, ApiError> {
    let name = match kind {
        relypass::CeremonyKind::Registration => "relypass_demo_registration",
        relypass::CeremonyKind::Authentication => "relypass_demo_signin",
    };
    cookie(headers, name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| ApiError::bad_request("This request expired. Please start again."))
}

/// The cookie naming the account a passkey sign-up in this browser creates
/// (its new, random user handle). relypass creates the account together with
/// its first passkey when the registration finishes, so at that point the
/// server needs to know whether the ceremony was a sign-up (sign the new
/// account in) or "add a passkey" (only for the signed-in owner): a sign-up
/// is the one whose handle this browser was given at its start.
pub const SIGNUP_COOKIE: &str = "relypass_demo_signup";

/// Adds a cookie for the API paths (like the ceremony cookies); `value: None`
/// clears it.
fn set_api_cookie(
    app: &App,
    res: &mut Response,
    name: &str,
    value: Option<&str>,
) -> Result<(), ApiError> {
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let (value, age) = value.map_or(("", 0), |v| (v, 600));
    let cookie =
        format!("{name}={value}; Path=/api; HttpOnly; SameSite=Strict; Max-Age={age}{secure}");
    res.headers_mut().append(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ApiError::internal())?,
    );
    Ok(())
}

fn serialize(v: &impl serde::Serialize) -> ApiResult {
    serde_json::to_value(v)
        .map(|v| Json(v).into_response())
        .map_err(|_| ApiError::internal())
}

mod management;
mod page_state;
mod passwords;
mod registration;
mod signin;
#[cfg(test)]
mod tests;

pub use management::*;
pub use page_state::*;
pub use passwords::*;
pub use registration::*;
pub use signin::*;
