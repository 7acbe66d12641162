//! Passkey management (rename, remove) and the account rules around it, built
//! only on `CredentialStore` trait methods (`credential_by_id`,
//! `update_credential`, `delete_credential`, `credentials_for_user`).
//!
//! When relypass's `Passkeys` service gains its own management operations,
//! the bodies of `rename` and `remove` become one call each; the rules in
//! `check_removal` stay the application's.

use relypass::{CredentialRecord, CredentialStore, Error, UserHandle};

/// Longest passkey name accepted (in characters).
pub const MAX_NAME: usize = 64;

/// A cleaned-up passkey name: trimmed, without control characters, at most
/// [`MAX_NAME`] characters; `None` if nothing is left.
pub fn clean_name(raw: &str) -> Option<String> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let s = s.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

/// The credential `id` if it belongs to `owner`. Someone else's credential is
/// reported exactly like a missing one.
pub async fn owned<S: CredentialStore>(
    store: &S,
    owner: &UserHandle,
    id: &[u8],
) -> relypass::Result<CredentialRecord> {
    match store.credential_by_id(id).await? {
        Some(c) if c.user_handle == *owner => Ok(c),
        _ => Err(Error::UnknownCredential),
    }
}

/// Renames one of `owner`'s passkeys.
pub async fn rename<S: CredentialStore>(
    store: &S,
    owner: &UserHandle,
    id: &[u8],
    name: String,
) -> relypass::Result<CredentialRecord> {
    let mut c = owned(store, owner, id).await?;
    c.name = Some(name);
    store.update_credential(&c).await?;
    Ok(c)
}

/// Why a passkey may not be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It is the account's only way to sign in.
    LastSignInMethod,
    /// The account is passkey-only and this is its last active passkey
    /// registered with user verification.
    LastVerifyingPasskey,
}

/// Whether `id` may be removed from an account with these `credentials`:
/// never the last way in, and a passkey-only account keeps a passkey with UV.
pub fn check_removal(
    credentials: &[CredentialRecord],
    id: &[u8],
    has_password: bool,
    passkey_only: bool,
) -> Result<(), Refusal> {
    let others = || {
        credentials
            .iter()
            .filter(move |c| c.id() != id && c.state.can_authenticate())
    };
    if !has_password && others().next().is_none() {
        return Err(Refusal::LastSignInMethod);
    }
    if passkey_only && !others().any(|c| c.user_verified) {
        return Err(Refusal::LastVerifyingPasskey);
    }
    Ok(())
}

/// Whether an account with these credentials may become passkey-only: it
/// needs an active passkey registered with user verification.
pub fn can_be_passkey_only(credentials: &[CredentialRecord]) -> bool {
    credentials
        .iter()
        .any(|c| c.state.can_authenticate() && c.user_verified)
}

/// Removes one of `owner`'s passkeys (after [`check_removal`]).
pub async fn remove<S: CredentialStore>(
    store: &S,
    owner: &UserHandle,
    id: &[u8],
) -> relypass::Result<()> {
    owned(store, owner, id).await?;
    if store.delete_credential(id).await? {
        Ok(())
    } else {
        Err(Error::UnknownCredential)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(id: &str, uv: bool) -> CredentialRecord {
        serde_json::from_value(serde_json::json!({
            "id": relypass::json::b64url(id.as_bytes()),
            "user_handle": "AQ",
            "public_key": "AQ",
            "algorithm": -7,
            "sign_count": 0,
            "backup_eligible": false,
            "backup_state": false,
            "user_verified": uv,
            "transports": [],
            "aaguid": "00000000-0000-0000-0000-000000000000",
            "attestation_format": "none",
            "attestation_type": "none",
            "discoverable": null,
            "created_at": 0,
            "last_used_at": null,
            "name": null,
            "state": "active",
            "state_changed_at": 0,
            "possibly_cloned": false
        }))
        .unwrap()
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("  Work key \u{7} "), Some("Work key".into()));
        assert_eq!(clean_name(" \n "), None);
        assert_eq!(clean_name(&"x".repeat(500)).unwrap().len(), MAX_NAME);
    }

    #[test]
    fn removal_keeps_a_way_in() {
        let uv = cred("a", true);
        let no_uv = cred("b", false);
        let both = [uv.clone(), no_uv.clone()];
        assert_eq!(
            check_removal(std::slice::from_ref(&uv), b"a", false, false),
            Err(Refusal::LastSignInMethod)
        );
        assert_eq!(
            check_removal(std::slice::from_ref(&uv), b"a", true, false),
            Ok(())
        );
        assert_eq!(
            check_removal(&both, b"a", false, true),
            Err(Refusal::LastVerifyingPasskey)
        );
        assert_eq!(check_removal(&both, b"b", false, true), Ok(()));
        assert!(can_be_passkey_only(&both));
        assert!(!can_be_passkey_only(&[no_uv]));
    }
}
