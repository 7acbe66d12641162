//! Passkey sign-in: by username, discoverable, autofill, second factor.

use super::*;

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
    let username = sign_in_name(req.username.as_deref().unwrap_or(""));
    if username.is_empty() {
        let (options, ceremony) = app
            .passkeys
            .start_authentication(None, &AuthenticationOptions::default())
            .await?;
        return ceremony_started(&app, &options, &ceremony);
    }
    // relypass makes both paths do the same store round trips, but a known
    // name still costs a little more (its credential rows are read and
    // decoded; an unknown name's fakes are derived): through this demo on
    // SQLite, +35 µs at the median over 1,000 pairs (`loadtest enumeration`),
    // measurable by a patient attacker. Every start by name is therefore
    // answered no sooner than NAMED_START_FLOOR after it arrived, which is
    // above what either path takes on a healthy server.
    let started = tokio::time::Instant::now();
    let result = app
        .passkeys
        .start_authentication_for_name(&username, &AuthenticationOptions::default())
        .await;
    tokio::time::sleep_until(started + NAMED_START_FLOOR).await;
    let (options, ceremony) = result?;
    ceremony_started(&app, &options, &ceremony)
}

/// The least time a sign-in start by name takes (see `signin_start`).
pub const NAMED_START_FLOOR: std::time::Duration = std::time::Duration::from_millis(20);

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
        .account(verified.user_handle())
        .await?
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
        .user_by_handle(&s.user_handle)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    app.start_session(
        &headers,
        &s.user_handle,
        Stage::SignedIn,
        json!({ "message": format!("Signed in as {name} with a password and a passkey.") }),
    )
    .await
}

/// `POST /api/signout`. Refused from another site (relypass-axum's
/// `require_same_origin`: `Sec-Fetch-Site`, else `Origin` against `Host`,
/// else only a JSON body), so no other page can sign a visitor out. The
/// page's script sends a same-origin `fetch` with a JSON body.
pub async fn signout(State(app): State<Shared>, headers: HeaderMap) -> ApiResult {
    relypass_axum::hygiene::require_same_origin(&headers)
        .map_err(|_| ApiError::forbidden("Cross-site requests are not accepted."))?;
    if let Some(token) = cookie(&headers, COOKIE_NAME) {
        app.db.delete_session(&token).await?;
    }
    let mut res = Json(json!({ "message": "Signed out." })).into_response();
    res.headers_mut().insert(SET_COOKIE, app.clear_cookie());
    Ok(res)
}
