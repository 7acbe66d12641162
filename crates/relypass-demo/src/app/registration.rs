//! Passkey registration: sign-up with a passkey, adding one.

use super::*;

#[derive(Deserialize)]
pub struct SignUpStart {
    username: String,
    display_name: Option<String>,
}

/// `POST /api/signup/passkey/start`: a new account whose first passkey is
/// registered now. Nothing is written yet: relypass creates the account with
/// its first passkey when the registration finishes, in one transaction, so
/// an abandoned sign-up keeps no name, and of two sign-ups racing for a name
/// one gets the account and the other "That username is taken".
pub async fn signup_passkey_start(
    State(app): State<Shared>,
    JsonBody(req): JsonBody<SignUpStart>,
) -> ApiResult {
    app.require_passkey_sign_in().await?;
    let name = clean_username(&req.username)?;
    let user = User {
        handle: UserHandle::random()?,
        display_name: display_name(req.display_name.as_deref(), &name)?,
        name,
    };
    // A taken name is refused here (Error::UsernameTaken, 409).
    let (options, ceremony) = app
        .passkeys
        .start_registration(&user, &registration_options(false))
        .await?;
    let mut res = ceremony_started(&app, &options, &ceremony)?;
    let handle = relypass::json::b64url(user.handle.as_bytes());
    set_api_cookie(&app, &mut res, SIGNUP_COOKIE, Some(&handle))?;
    Ok(res)
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
    // Whose credential is this? The ceremony state named the user at `start`;
    // a sign-up's account was created by relypass with this credential.
    let Some(owner) = store.user_by_handle(record.user_handle()).await? else {
        // Deleted between the finish and here.
        return Err(ApiError::bad_request(
            "This sign-up expired. Please start again.",
        ));
    };
    let new_account = cookie(&headers, SIGNUP_COOKIE)
        .is_some_and(|h| h == relypass::json::b64url(record.user_handle().as_bytes()));
    let session = app.session(&headers).await?;
    let signed_in_as_owner = session
        .as_ref()
        .is_some_and(|(_, s)| s.stage == Stage::SignedIn && &s.user_handle == record.user_handle());
    if !new_account && !signed_in_as_owner {
        store
            .delete_credential(record.id(), relypass::RemovalGuard::Unguarded)
            .await?;
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
        let username = owner.name;
        let mut res = app
            .start_session(
                &headers,
                record.user_handle(),
                Stage::SignedIn,
                json!({ "message": format!("Welcome, {username}! Your account and passkey “{name}” are ready{note}.") }),
            )
            .await?;
        set_api_cookie(&app, &mut res, SIGNUP_COOKIE, None)?;
        Ok(res)
    } else {
        ok(json!({ "message": format!("Passkey “{name}” added{note}.") }))
    }
}

/// Names a just-registered passkey with the first of `names` relypass accepts
/// (`rename_credential` refuses over-long names and control characters). The
/// passkey exists by now, so a refused name falls back to the next one rather
/// than failing the registration. Returns the record and which name was used.
pub(super) async fn name_new_passkey(
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
