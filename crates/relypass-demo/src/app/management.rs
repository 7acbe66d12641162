//! The signed-in user's passkey list and the admin switch.

use super::*;

#[derive(Deserialize)]
pub struct PasskeyAction {
    id: String,
    name: Option<String>,
}

pub(super) fn credential_id(id: &str) -> Result<Vec<u8>, ApiError> {
    b64url_decode(id).ok_or_else(unknown_passkey)
}

pub(super) fn unknown_passkey() -> ApiError {
    ApiError::bad_request("Unknown passkey.")
}

/// Errors of the management operations: a passkey of another account is
/// reported exactly like one that does not exist (relypass tells the two
/// apart, as `CredentialNotOwned` and `UnknownCredential`; a user poking at
/// ids learns nothing either way).
pub(super) fn management_error(e: Error) -> ApiError {
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
    // The check above gives the precise message; the store decides again in
    // the same atomic step as the delete, because two sessions removing an
    // account's last two passkeys at once both pass a read-then-delete check
    // (issue 14: `loadtest races` locked 20 of 20 accounts out). An account
    // without a password is not passkey-only in relypass's store (the demo
    // keeps passwords itself), so it needs `KeepLastActive`; a passkey-only
    // or password account gets relypass's default rule.
    let guard = if u.password_hash.is_none() {
        RemovalGuard::KeepLastActive
    } else {
        RemovalGuard::KeepLastWayIn
    };
    app.passkeys
        .delete_credential_guarded(&u.user.handle, &id, guard)
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
    // registered with user verification remains. relypass-sqlx checks it
    // with the account locked, so a passkey removed meanwhile cannot slip
    // through (Error::LastWayIn).
    let refused = || {
        ApiError::conflict(
            "To go passkey-only, first add a passkey that checks your PIN, fingerprint \
             or face (registered with user verification).",
        )
    };
    match app
        .store()
        .set_passkey_only(&u.user.handle, req.enabled)
        .await
    {
        Ok(()) => {}
        Err(Error::LastWayIn) => return Err(refused()),
        Err(e) => return Err(e.into()),
    }
    if req.enabled {
        // The flag is set first: from then on the password no longer signs
        // in (signin_password checks the flag), whether or not this succeeds.
        app.db.drop_password(&u.user.handle).await?;
    }
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
    if !app.is_admin(&u.user).await? {
        return Err(ApiError::forbidden("Only administrators can change this."));
    }
    app.db.set_setting(PASSKEY_SIGN_IN, req.enabled).await?;
    ok(json!({ "message": if req.enabled {
        "Passkey sign-in is on for everyone."
    } else {
        "Passkey sign-in is off: the sign-in page no longer offers it."
    }}))
}
