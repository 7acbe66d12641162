//! `GET /api/state`: what the page shows.

use super::*;

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
        && let Some(u) = app.account(&s.user_handle).await?
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
                    "admin": app.is_admin(&u.user).await?,
                    "can_be_passkey_only": app.passkeys.may_drop_password(&u.user.handle).await?,
                    "passkeys": passkeys,
                })
            }
        };
    }
    ok(body)
}
