//! Management: rename, disable, revoke, delete.

use super::*;

// ---- management ------------------------------------------------------------------

#[tokio::test]
async fn management_operations_check_ownership_and_lifecycle() {
    let pk = passkeys();
    let alice = user("alice");
    let bob = user("bob");
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    auth.aaguid = Aaguid::parse("fbfc3007-154e-4ecc-8c0b-6e020557d7bd")
        .unwrap()
        .0;
    let rec = register(&pk, &alice, &mut auth).await;
    let bobs = register(&pk, &bob, &mut SoftAuthenticator::new(ORIGIN)).await;

    // List for a management page, with the authenticator's name.
    let list = pk.list_credentials(&alice.handle).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].authenticator_name.as_deref(),
        Some("iCloud Keychain")
    );
    assert_eq!(list[0].state, CredentialState::Active);
    assert!(list[0].backed_up);
    let row = serde_json::to_value(&list[0]).unwrap();
    assert!(row.get("authenticatorName").is_some() && row.get("lastUsedAt").is_some());

    // Rename (trimmed), refuse bad names, clear.
    let r = pk
        .rename_credential(&alice.handle, rec.id(), Some("  My phone "))
        .await
        .unwrap();
    assert_eq!(r.name(), Some("My phone"));
    assert_eq!(stored(&pk, rec.id()).await.name(), Some("My phone"));
    assert!(matches!(
        pk.rename_credential(&alice.handle, rec.id(), Some("a\u{7}b"))
            .await,
        Err(Error::Malformed { .. })
    ));
    assert!(matches!(
        pk.rename_credential(&alice.handle, rec.id(), Some(&"x".repeat(65)))
            .await,
        Err(Error::Malformed { .. })
    ));

    // Every operation refuses someone else's credential, and unknown ids.
    assert!(matches!(
        pk.rename_credential(&alice.handle, bobs.id(), Some("mine"))
            .await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.enable_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.revoke_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.delete_credential(&alice.handle, bobs.id()).await,
        Err(Error::CredentialNotOwned)
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, b"nope").await,
        Err(Error::UnknownCredential)
    ));
    assert_eq!(
        stored(&pk, bobs.id()).await.state(),
        CredentialState::Active
    );

    // Disable → enable → revoke; revocation is permanent.
    let d = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(d.state(), CredentialState::Disabled);
    let again = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(
        again.state_changed_at(),
        d.state_changed_at(),
        "no-op keeps the stamp"
    );
    let e = pk.enable_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(e.state(), CredentialState::Active);
    let v = pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(v.state(), CredentialState::Revoked);
    assert_eq!(
        stored(&pk, rec.id()).await.state(),
        CredentialState::Revoked
    );
    assert!(matches!(
        pk.enable_credential(&alice.handle, rec.id()).await,
        Err(Error::InvalidStateTransition {
            from: CredentialState::Revoked,
            to: CredentialState::Active
        })
    ));
    assert!(matches!(
        pk.disable_credential(&alice.handle, rec.id()).await,
        Err(Error::InvalidStateTransition { .. })
    ));
    assert_eq!(
        pk.credentials_in_state(&alice.handle, CredentialState::Revoked)
            .await
            .unwrap()
            .len(),
        1
    );

    // Delete.
    pk.delete_credential(&alice.handle, rec.id()).await.unwrap();
    assert!(
        pk.store()
            .credential_by_id(rec.id())
            .await
            .unwrap()
            .is_none()
    );
    assert!(pk.list_credentials(&alice.handle).await.unwrap().is_empty());
    assert!(matches!(
        pk.delete_credential(&alice.handle, rec.id()).await,
        Err(Error::UnknownCredential)
    ));
}

#[tokio::test]
async fn host_loaded_authenticator_names() {
    let mut names = AuthenticatorNames::empty();
    names
        .load_json(r#"{"01020304-0506-0708-090a-0b0c0d0e0f10": {"name": "Test Key"}}"#)
        .unwrap();
    let pk = passkeys().with_authenticator_names(names);
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.aaguid = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    register(&pk, &alice, &mut auth).await;
    let mut other = SoftAuthenticator::new(ORIGIN); // zero AAGUID: no name
    register(&pk, &alice, &mut other).await;
    let names: Vec<_> = pk
        .list_credentials(&alice.handle)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.authenticator_name)
        .collect();
    assert!(names.contains(&Some("Test Key".to_string())));
    assert!(names.contains(&None));
}
