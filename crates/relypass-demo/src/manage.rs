//! The one passkey-management rule the demo adds on top of relypass.
//!
//! Listing, renaming and removing passkeys are relypass's own operations
//! (`Passkeys::list_credentials`, `rename_credential`, `delete_credential`,
//! which also check that the passkey belongs to the signed-in user). What the
//! library cannot know is how else an account signs in, so the application
//! decides whether a removal would lock the user out: that is [`check_removal`].

use relypass::{CredentialRecord, may_drop_password};

/// Why a passkey may not be removed.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// It is the account's only way to sign in (no password, no other active
    /// passkey).
    LastSignInMethod,
    /// The account is passkey-only and no other active passkey registered with
    /// user verification would be left: without one it could not sign in.
    LastVerifyingPasskey,
}

/// Whether the passkey `id` may be removed from an account holding
/// `credentials`: never the last way in, and a passkey-only account keeps what
/// [`may_drop_password`] asks of it (an active passkey with user verification).
pub fn check_removal(
    credentials: &[CredentialRecord],
    id: &[u8],
    has_password: bool,
    passkey_only: bool,
) -> Result<(), Refusal> {
    let rest: Vec<&CredentialRecord> = credentials.iter().filter(|c| c.id() != id).collect();
    if !has_password && !rest.iter().any(|c| c.state().can_authenticate()) {
        return Err(Refusal::LastSignInMethod);
    }
    if passkey_only && !may_drop_password(rest) {
        return Err(Refusal::LastVerifyingPasskey);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use relypass::CredentialState;

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
        // A disabled passkey is no way in.
        let mut disabled = uv.clone();
        disabled = relypass_testkit::records::with(
            &disabled,
            "state",
            serde_json::json!(CredentialState::Disabled),
        );
        assert_eq!(
            check_removal(&[disabled, no_uv], b"b", false, false),
            Err(Refusal::LastSignInMethod)
        );
    }
}
