//! Password accounts (a passkey as second factor).

use super::*;

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
    // Checked before the (slow) hash; the store decides for good below.
    if app.store().user_by_name(&name).await?.is_some() {
        return Err(ApiError::conflict("That username is taken."));
    }
    let hash = password::hash(req.password)
        .await
        .ok_or_else(ApiError::internal)?;
    let user = User {
        handle: UserHandle::random()?,
        display_name: display_name(req.display_name.as_deref(), &name)?,
        name,
    };
    if !app
        .db
        .create_password_account(app.store(), &user, &hash)
        .await?
    {
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
    let user = app.account_by_name(&sign_in_name(&req.username)).await?;
    // A passkey-only account has no password (dropped when it went
    // passkey-only); the flag is checked too, in case dropping it failed.
    let stored = user
        .as_ref()
        .filter(|u| !u.passkey_only)
        .and_then(|u| u.password_hash.clone());
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
