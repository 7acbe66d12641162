//! The HTTP API behind the page: sign-up, sign-in, second factor, passkey
//! management, passkey-only accounts and the admin switch.
//!
//! Every handler returns `Result<_, ApiError>`: a failure a user can cause is a
//! short sentence with a status, never a panic or an internal detail.

use crate::errors::ApiError;
use crate::store_sql::{AppUser, Session, SqlStore, Stage};
use crate::{manage, password};
use axum::extract::{FromRequest, Request, State};
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use relypass::extensions::RegistrationExtensions;
use relypass::json::{UserVerificationRequirement, b64url_decode};
use relypass::{
    AuthenticationOptions, CeremonyId, CredentialStore, Error, Passkeys, RegistrationOptions, User,
    UserHandle,
};
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
    pub passkeys: Passkeys<SqlStore>,
    /// Users allowed to flip the admin switch; empty = every signed-in user.
    pub admins: Vec<String>,
    pub secure_cookies: bool,
    /// Shown in the page footer, so two instances can be told apart.
    pub instance: String,
}

pub type Shared = Arc<App>;
type ApiResult = Result<Response, ApiError>;

impl App {
    fn store(&self) -> &SqlStore {
        self.passkeys.store()
    }

    async fn passkey_sign_in(&self) -> Result<bool, ApiError> {
        Ok(self.store().setting(PASSKEY_SIGN_IN).await?)
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

    fn is_admin(&self, user: &User) -> bool {
        self.admins.is_empty() || self.admins.contains(&user.name)
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
            .store()
            .session(&token)
            .await?
            .map(|session| (token, session)))
    }

    /// The signed-in user (past any second factor), or 401.
    async fn signed_in(&self, headers: &HeaderMap) -> Result<AppUser, ApiError> {
        match self.session(headers).await? {
            Some((_, s)) if s.stage == Stage::SignedIn => self
                .store()
                .app_user(&s.user_handle)
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
            self.store().delete_session(&old).await?;
        }
        let token = self.store().create_session(user, stage).await?;
        let mut res = Json(body).into_response();
        res.headers_mut()
            .insert(SET_COOKIE, self.session_cookie(&token));
        Ok(res)
    }
}

/// A JSON request body. Requiring `Content-Type: application/json` makes every
/// cross-site POST a CORS preflight that this server never approves, which
/// (with `SameSite=Lax` cookies) is the demo's CSRF protection.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
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

/// A user name: trimmed, 1 to 64 characters, no control characters.
fn clean_username(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(ApiError::bad_request("Please enter a username."));
    }
    if s.chars().count() > 64 || s.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "Usernames are 1 to 64 characters, without control characters.",
        ));
    }
    Ok(s.to_owned())
}

/// A display name: trimmed, without control characters, at most 64
/// characters; the username when nothing is left.
fn display_name(raw: Option<&str>, username: &str) -> String {
    let cleaned: String = raw
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    match cleaned.trim() {
        "" => username.to_owned(),
        s => s.to_owned(),
    }
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

fn serialize(v: &impl serde::Serialize) -> ApiResult {
    serde_json::to_value(v)
        .map(|v| Json(v).into_response())
        .map_err(|_| ApiError::internal())
}

// ---- page state --------------------------------------------------------------

/// `GET /api/state`: what the page shows.
pub async fn state(State(app): State<Shared>, headers: HeaderMap) -> ApiResult {
    let rp = app.passkeys.relying_party();
    let mut body = json!({
        "rp_id": rp.rp_id(),
        "rp_name": rp.rp_name(),
        "instance": app.instance,
        "passkey_sign_in": app.passkey_sign_in().await?,
        "session": null,
    });
    if let Some((_, s)) = app.session(&headers).await?
        && let Some(u) = app.store().app_user(&s.user_handle).await?
    {
        body["session"] = match s.stage {
            Stage::SecondFactor => json!({ "stage": "second_factor", "username": u.user.name }),
            Stage::SignedIn => {
                // The library's management view: no key material, authenticator
                // names from the AAGUID, pending (unfinished) registrations left out.
                let passkeys = app.passkeys.list_credentials(&u.user.handle).await?;
                json!({
                    "stage": "signed_in",
                    "user": {
                        "name": u.user.name,
                        "display_name": u.user.display_name,
                        "passkey_only": u.passkey_only,
                        "has_password": u.password_hash.is_some(),
                    },
                    "admin": app.is_admin(&u.user),
                    "can_be_passkey_only": app.passkeys.may_drop_password(&u.user.handle).await?,
                    "passkeys": passkeys,
                })
            }
        };
    }
    ok(body)
}

// ---- registration --------------------------------------------------------------

#[derive(Deserialize)]
pub struct SignUpStart {
    username: String,
    display_name: Option<String>,
}

/// `POST /api/signup/passkey/start`: a new account whose first passkey is
/// registered now. The user row stays "not activated" until that passkey is
/// verified, so an abandoned sign-up does not keep the name.
pub async fn signup_passkey_start(
    State(app): State<Shared>,
    JsonBody(req): JsonBody<SignUpStart>,
) -> ApiResult {
    app.require_passkey_sign_in().await?;
    let name = clean_username(&req.username)?;
    let store = app.store();
    if store
        .app_user_by_name(&name)
        .await?
        .is_some_and(|u| u.activated)
    {
        return Err(ApiError::conflict("That username is taken."));
    }
    store.delete_unactivated_user(&name).await?;
    let user = User {
        handle: UserHandle::random()?,
        display_name: display_name(req.display_name.as_deref(), &name),
        name,
    };
    if !store.create_user(&user, None, false).await? {
        return Err(ApiError::conflict("That username is taken."));
    }
    let (options, ceremony) = app
        .passkeys
        .start_registration(&user, &registration_options(false))
        .await?;
    ceremony_started(&app, &options, &ceremony)
}

/// `POST /api/passkeys/start`: another passkey for the signed-in user.
pub async fn add_passkey_start(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(_): JsonBody<Value>,
) -> ApiResult {
    let u = app.signed_in(&headers).await?;
    let (options, ceremony) = app
        .passkeys
        .start_registration(&u.user, &registration_options(u.passkey_only))
        .await?;
    ceremony_started(&app, &options, &ceremony)
}

#[derive(Deserialize)]
pub struct RegisterFinish {
    credential: Value,
    name: Option<String>,
}

/// `POST /api/register/finish`: verifies the new credential (both for sign-up
/// and for "add a passkey"), names it, and signs a new account in.
pub async fn register_finish(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RegisterFinish>,
) -> ApiResult {
    let response = serde_json::to_string(&req.credential)
        .map_err(|_| ApiError::bad_request("The request could not be read."))?;
    let ceremony = ceremony_of(&headers, relypass::CeremonyKind::Registration)?;
    let record = app
        .passkeys
        .finish_registration(&ceremony, &response)
        .await?;
    let store = app.store();
    let owner = store.app_user(record.user_handle()).await?;
    // Whose credential is this? The ceremony state named the user at `start`.
    let new_account = match &owner {
        None => {
            // The sign-up was restarted meanwhile (a newer attempt replaced it).
            store.delete_credential(record.id()).await?;
            return Err(ApiError::bad_request(
                "This sign-up expired. Please start again.",
            ));
        }
        Some(u) if !u.activated => store.activate_user(&u.user.handle).await?,
        Some(_) => false,
    };
    let session = app.session(&headers).await?;
    let signed_in_as_owner = session
        .as_ref()
        .is_some_and(|(_, s)| s.stage == Stage::SignedIn && &s.user_handle == record.user_handle());
    if !new_account && !signed_in_as_owner {
        store.delete_credential(record.id()).await?;
        return Err(ApiError::forbidden(
            "Please sign in to add a passkey to this account.",
        ));
    }
    // Name it: the user's choice, else the authenticator's name (from its
    // AAGUID), else "Passkey".
    let chosen = req.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
    let authenticator = app.passkeys.authenticator_names().get(&record.aaguid());
    let candidates: Vec<&str> = chosen
        .into_iter()
        .chain(authenticator)
        .chain(["Passkey"])
        .collect();
    let (named, used) =
        name_new_passkey(&app, record.user_handle(), record.id(), &candidates).await?;
    let note = if chosen.is_some() && used > 0 {
        " (the name you typed was not accepted; rename it below)"
    } else {
        ""
    };
    let name = named.name().unwrap_or_default();
    if new_account {
        let username = owner.map(|u| u.user.name).unwrap_or_default();
        app.start_session(
            &headers,
            record.user_handle(),
            Stage::SignedIn,
            json!({ "message": format!("Welcome, {username}! Your account and passkey “{name}” are ready{note}.") }),
        )
        .await
    } else {
        ok(json!({ "message": format!("Passkey “{name}” added{note}.") }))
    }
}

/// Names a just-registered passkey with the first of `names` relypass accepts
/// (`rename_credential` refuses over-long names and control characters). The
/// passkey exists by now, so a refused name falls back to the next one rather
/// than failing the registration. Returns the record and which name was used.
async fn name_new_passkey(
    app: &App,
    owner: &UserHandle,
    id: &[u8],
    names: &[&str],
) -> Result<(relypass::CredentialRecord, usize), ApiError> {
    for (i, name) in names.iter().enumerate() {
        match app.passkeys.rename_credential(owner, id, Some(name)).await {
            Ok(record) => return Ok((record, i)),
            Err(Error::Malformed { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Ok((app.passkeys.owned_credential(owner, id).await?, names.len()))
}

// ---- password accounts ---------------------------------------------------------

#[derive(Deserialize)]
pub struct PasswordForm {
    username: String,
    password: String,
    display_name: Option<String>,
}

/// `POST /api/signup/password`.
pub async fn signup_password(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasswordForm>,
) -> ApiResult {
    let name = clean_username(&req.username)?;
    let len = req.password.chars().count();
    if !(8..=1024).contains(&len) {
        return Err(ApiError::bad_request(
            "Passwords need at least 8 characters.",
        ));
    }
    let store = app.store();
    if store
        .app_user_by_name(&name)
        .await?
        .is_some_and(|u| u.activated)
    {
        return Err(ApiError::conflict("That username is taken."));
    }
    store.delete_unactivated_user(&name).await?;
    let hash = password::hash(req.password)
        .await
        .ok_or_else(ApiError::internal)?;
    let user = User {
        handle: UserHandle::random()?,
        display_name: display_name(req.display_name.as_deref(), &name),
        name,
    };
    if !store.create_user(&user, Some(&hash), true).await? {
        return Err(ApiError::conflict("That username is taken."));
    }
    app.start_session(
        &headers,
        &user.handle,
        Stage::SignedIn,
        json!({ "message": format!("Welcome, {}! You can add a passkey as a second factor.", user.name) }),
    )
    .await
}

/// `POST /api/signin/password`: password first; an account with passkeys then
/// needs one of them as the second factor.
pub async fn signin_password(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasswordForm>,
) -> ApiResult {
    let user = app
        .store()
        .app_user_by_name(req.username.trim())
        .await?
        .filter(|u| u.activated);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let good = password::verify(req.password, stored).await;
    let Some(user) = user.filter(|_| good) else {
        return Err(ApiError::unauthorized("Wrong username or password."));
    };
    let active = app
        .passkeys
        .credentials_in_state(&user.user.handle, relypass::CredentialState::Active)
        .await?;
    let (stage, body) = if active.is_empty() {
        (
            Stage::SignedIn,
            json!({ "message": format!("Signed in as {} with a password.", user.user.name) }),
        )
    } else {
        (
            Stage::SecondFactor,
            json!({ "second_factor": true, "message": "Password accepted. Now confirm with your passkey." }),
        )
    };
    app.start_session(&headers, &user.user.handle, stage, body)
        .await
}

// ---- passkey sign-in -----------------------------------------------------------

#[derive(Deserialize)]
pub struct SignInStart {
    username: Option<String>,
}

/// `POST /api/signin/start`: by username (allowCredentials = that user's
/// passkeys) or, with no username, discoverable / autofill.
///
/// By username, the answer never tells whether the account exists or has
/// passkeys: relypass's `start_authentication_for_name` gives an unknown name
/// (or an account without passkeys) options shaped like a real account's, with
/// fake credential ids derived from the enumeration secret, and finishing
/// those fails exactly like presenting a passkey of another account. The UV
/// requirement is the same for every name; a passkey-only account's UV is
/// enforced when the sign-in finishes (`CredentialStore::account_policy`).
pub async fn signin_start(
    State(app): State<Shared>,
    JsonBody(req): JsonBody<SignInStart>,
) -> ApiResult {
    app.require_passkey_sign_in().await?;
    let username = req.username.as_deref().map(str::trim).unwrap_or("");
    if username.is_empty() {
        let (options, ceremony) = app
            .passkeys
            .start_authentication(None, &AuthenticationOptions::default())
            .await?;
        return ceremony_started(&app, &options, &ceremony);
    }
    let (options, ceremony) = app
        .passkeys
        .start_authentication_for_name(username, &AuthenticationOptions::default())
        .await?;
    ceremony_started(&app, &options, &ceremony)
}

#[derive(Deserialize)]
pub struct CeremonyFinish {
    credential: Value,
    /// How the page got the credential (`username`, `discoverable`,
    /// `autofill`), only echoed in the message.
    via: Option<String>,
}

/// `POST /api/signin/finish`.
pub async fn signin_finish(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CeremonyFinish>,
) -> ApiResult {
    app.require_passkey_sign_in().await?;
    let response = serde_json::to_string(&req.credential)
        .map_err(|_| ApiError::bad_request("The request could not be read."))?;
    // relypass refuses a UV-less assertion for a passkey-only account in every
    // flow (the store's `account_policy` says which accounts are).
    let ceremony = ceremony_of(&headers, relypass::CeremonyKind::Authentication)?;
    let verified = app
        .passkeys
        .finish_authentication(&ceremony, &response)
        .await?;
    let user = app
        .store()
        .app_user(verified.user_handle())
        .await?
        .filter(|u| u.activated)
        .ok_or_else(|| ApiError::unauthorized("This account no longer exists."))?;
    let via = match req.via.as_deref() {
        Some("autofill") => " (autofill)",
        Some("discoverable") => " (no username)",
        _ => "",
    };
    app.start_session(
        &headers,
        &user.user.handle,
        Stage::SignedIn,
        json!({ "message": format!("Signed in as {} with a passkey{via}.", user.user.name) }),
    )
    .await
}

/// `POST /api/2fa/start`: the passkey step after a correct password.
pub async fn second_factor_start(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(_): JsonBody<Value>,
) -> ApiResult {
    let Some((_, s)) = app.session(&headers).await? else {
        return Err(ApiError::not_signed_in());
    };
    if s.stage != Stage::SecondFactor {
        return Err(ApiError::bad_request("No second step is pending."));
    }
    let (options, ceremony) = app
        .passkeys
        .start_authentication(Some(&s.user_handle), &AuthenticationOptions::default())
        .await?;
    ceremony_started(&app, &options, &ceremony)
}

/// `POST /api/2fa/finish`.
pub async fn second_factor_finish(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CeremonyFinish>,
) -> ApiResult {
    let Some((_, s)) = app.session(&headers).await? else {
        return Err(ApiError::not_signed_in());
    };
    if s.stage != Stage::SecondFactor {
        return Err(ApiError::bad_request("No second step is pending."));
    }
    let response = serde_json::to_string(&req.credential)
        .map_err(|_| ApiError::bad_request("The request could not be read."))?;
    let ceremony = ceremony_of(&headers, relypass::CeremonyKind::Authentication)?;
    let verified = app
        .passkeys
        .finish_authentication(&ceremony, &response)
        .await?;
    if *verified.user_handle() != s.user_handle {
        return Err(relypass::Error::CredentialNotOwned.into());
    }
    let name = app
        .store()
        .app_user(&s.user_handle)
        .await?
        .map(|u| u.user.name)
        .unwrap_or_default();
    app.start_session(
        &headers,
        &s.user_handle,
        Stage::SignedIn,
        json!({ "message": format!("Signed in as {name} with a password and a passkey.") }),
    )
    .await
}

/// `POST /api/signout`.
pub async fn signout(State(app): State<Shared>, headers: HeaderMap) -> ApiResult {
    if let Some(token) = cookie(&headers, COOKIE_NAME) {
        app.store().delete_session(&token).await?;
    }
    let mut res = Json(json!({ "message": "Signed out." })).into_response();
    res.headers_mut().insert(SET_COOKIE, app.clear_cookie());
    Ok(res)
}

// ---- passkey management --------------------------------------------------------

#[derive(Deserialize)]
pub struct PasskeyAction {
    id: String,
    name: Option<String>,
}

fn credential_id(id: &str) -> Result<Vec<u8>, ApiError> {
    b64url_decode(id).ok_or_else(unknown_passkey)
}

fn unknown_passkey() -> ApiError {
    ApiError::bad_request("Unknown passkey.")
}

/// Errors of the management operations: a passkey of another account is
/// reported exactly like one that does not exist (relypass tells the two
/// apart, as `CredentialNotOwned` and `UnknownCredential`; a user poking at
/// ids learns nothing either way).
fn management_error(e: Error) -> ApiError {
    match e {
        Error::CredentialNotOwned | Error::UnknownCredential => unknown_passkey(),
        e => e.into(),
    }
}

/// `POST /api/passkeys/rename`.
pub async fn rename_passkey(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasskeyAction>,
) -> ApiResult {
    let u = app.signed_in(&headers).await?;
    let id = credential_id(&req.id)?;
    // relypass trims the name, refuses over-long names and control characters
    // (Error::Malformed, field CredentialName), and clears it when blank.
    let record = app
        .passkeys
        .rename_credential(&u.user.handle, &id, req.name.as_deref())
        .await
        .map_err(management_error)?;
    ok(json!({ "message": match record.name() {
        Some(name) => format!("Passkey renamed to “{name}”."),
        None => "Passkey name cleared.".to_owned(),
    }}))
}

/// `POST /api/passkeys/remove`.
pub async fn remove_passkey(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<PasskeyAction>,
) -> ApiResult {
    let u = app.signed_in(&headers).await?;
    let id = credential_id(&req.id)?;
    let c = app
        .passkeys
        .owned_credential(&u.user.handle, &id)
        .await
        .map_err(management_error)?;
    let all = app.store().credentials_for_user(&u.user.handle).await?;
    match manage::check_removal(&all, &id, u.password_hash.is_some(), u.passkey_only) {
        Ok(()) => {}
        Err(manage::Refusal::LastSignInMethod) => {
            return Err(ApiError::conflict(
                "This is your only passkey and your account has no password: \
                 add another passkey before removing it.",
            ));
        }
        Err(manage::Refusal::LastVerifyingPasskey) => {
            return Err(ApiError::conflict(
                "A passkey-only account needs a passkey with user verification (PIN or \
                 biometrics): add another one or turn passkey-only off first.",
            ));
        }
    }
    app.passkeys
        .delete_credential(&u.user.handle, &id)
        .await
        .map_err(management_error)?;
    let name = c.name().unwrap_or("Passkey");
    // The page hands this to PublicKeyCredential.signalAllAcceptedCredentials()
    // (where the browser has it), so the user's passkey provider can drop the
    // removed passkey too instead of offering it at the next sign-in.
    let signal = app
        .passkeys
        .signal_all_accepted_credentials(&u.user.handle)
        .await?;
    ok(json!({
        "message": format!("Passkey “{name}” removed."),
        "signal_all_accepted_credentials": signal,
    }))
}

#[derive(Deserialize)]
pub struct Toggle {
    enabled: bool,
}

/// `POST /api/account/passkey-only`.
pub async fn set_passkey_only(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<Toggle>,
) -> ApiResult {
    let u = app.signed_in(&headers).await?;
    // relypass's rule: the password may go only while an active passkey
    // registered with user verification remains.
    if req.enabled && !app.passkeys.may_drop_password(&u.user.handle).await? {
        return Err(ApiError::conflict(
            "To go passkey-only, first add a passkey that checks your PIN, fingerprint \
             or face (registered with user verification).",
        ));
    }
    app.store()
        .set_passkey_only(&u.user.handle, req.enabled)
        .await?;
    ok(json!({ "message": if req.enabled {
        "Your account is now passkey-only: your password was removed, and sign-in needs a passkey with user verification."
    } else {
        "Passkey-only is off."
    }}))
}

/// `POST /api/admin/passkey-sign-in`: the app-wide switch.
pub async fn set_passkey_sign_in(
    State(app): State<Shared>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<Toggle>,
) -> ApiResult {
    let u = app.signed_in(&headers).await?;
    if !app.is_admin(&u.user) {
        return Err(ApiError::forbidden("Only administrators can change this."));
    }
    app.store()
        .set_setting(PASSKEY_SIGN_IN, req.enabled)
        .await?;
    ok(json!({ "message": if req.enabled {
        "Passkey sign-in is on for everyone."
    } else {
        "Passkey sign-in is off: the sign-in page no longer offers it."
    }}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; relypass_demo_session=tok; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE_NAME).as_deref(), Some("tok"));
        assert_eq!(cookie(&h, "c"), None);
        h.insert(COOKIE, HeaderValue::from_static("relypass_demo_session="));
        assert_eq!(cookie(&h, COOKIE_NAME), None);
    }

    #[test]
    fn usernames_are_checked() {
        assert_eq!(clean_username("  bob ").unwrap(), "bob");
        assert!(clean_username("   ").is_err());
        assert!(clean_username("a\u{0}b").is_err());
        assert!(clean_username(&"x".repeat(65)).is_err());
    }
}
