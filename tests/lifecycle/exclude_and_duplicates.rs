//! excludeCredentials and duplicate credential ids.

use super::*;

// ---- excludeCredentials and duplicates -------------------------------------

#[tokio::test]
async fn registering_twice_is_refused_client_side_and_server_side() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;

    // Client side: the second ceremony lists the credential in excludeCredentials,
    // and a well-behaved authenticator refuses to create another.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert_eq!(ids(&opts.exclude_credentials), vec![rec.id().to_vec()]);
    assert_eq!(
        opts.exclude_credentials[0].transports,
        vec![AuthenticatorTransport::Internal]
    );
    assert_eq!(auth.create(&opts), Err(ClientError::Excluded));

    // Server side: a client that ignores excludeCredentials and sends the same
    // credential id gets the dedicated error (§7.1 step 26).
    let key = auth.credentials[0].key.clone();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), key, false)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));

    // Also when the id is registered to someone else.
    let bob = user("bob");
    let (opts, ceremony) = pk
        .start_registration(&bob, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), random_key(), false)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    assert_eq!(
        pk.store()
            .credentials_for_user(&alice.handle)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn revoked_credentials_authenticator_can_enroll_again() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let revoked = pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();
    assert_eq!(revoked.state(), CredentialState::Revoked);

    // The revoked id is no longer in excludeCredentials, so the authenticator
    // enrols again, minting a new credential id.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert!(opts.exclude_credentials.is_empty());
    let resp = auth.create(&opts).unwrap();
    let again = pk.finish_registration(&ceremony, &resp).await.unwrap();
    assert_ne!(again.id(), rec.id());
    assert_eq!(again.state(), CredentialState::Active);

    // The revoked credential itself still cannot sign in.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    let resp = auth.get_forced(&opts, rec.id());
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::CredentialNotActive)
    ));
}

#[tokio::test]
async fn revoked_id_coming_back_replaces_only_with_a_new_key() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let old_key = auth.credentials[0].key.clone();
    pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();

    // The same id with the same (revoked) key: refused, revocation is permanent.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), old_key, true)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    assert_eq!(
        stored(&pk, rec.id()).await.state(),
        CredentialState::Revoked
    );

    // The same id with a new key is a new credential: it replaces the dead record.
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), random_key(), true)
        .unwrap();
    let replaced = pk.finish_registration(&ceremony, &resp).await.unwrap();
    assert_eq!(replaced.id(), rec.id());
    assert_ne!(replaced.public_key(), rec.public_key());
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.state(), CredentialState::Active);
    assert_eq!(now.public_key(), replaced.public_key());
    sign_in(&pk, Some(&alice.handle), &mut auth).await.unwrap();
}

/// Audit defect 3: the replace-a-dead-record path compared COSE_Key bytes, so
/// the revoked key re-encoded (CBOR members reordered) replaced the revoked
/// record as `Active`, and the revoked private key signed in again.
#[tokio::test]
async fn revoked_key_reencoded_cannot_replace_the_revoked_record() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let old_key = auth.credentials[0].key.clone();
    pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();

    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    auth.reorder_cose_key = true;
    let resp = auth
        .create_with(&opts, rec.id().to_vec(), old_key, true)
        .unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::CredentialAlreadyRegistered)
    ));
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.state(), CredentialState::Revoked);
    assert_eq!(now.public_key(), rec.public_key());
    // The revoked private key still cannot sign in.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    let resp = auth.get_forced(&opts, rec.id());
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::CredentialNotActive)
    ));
}

#[tokio::test]
async fn disabled_credential_cannot_sign_in_but_is_still_excluded() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    let d = pk
        .disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    assert_eq!(d.state(), CredentialState::Disabled);
    assert!(d.state_changed_at() >= rec.state_changed_at());

    // Cannot sign in (discoverable flow: the record is found, then refused).
    let err = sign_in(&pk, None, &mut auth).await.unwrap_err();
    assert!(matches!(err, Error::CredentialNotActive), "{err:?}");
    // Not offered in a named sign-in.
    let (opts, _ceremony) = pk
        .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
        .await
        .unwrap();
    assert!(opts.allow_credentials.is_empty());

    // Still excluded from registration: the authenticator holds it.
    let (opts, _ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    assert_eq!(ids(&opts.exclude_credentials), vec![rec.id().to_vec()]);
    assert_eq!(auth.create(&opts), Err(ClientError::Excluded));

    // Re-enabled, it signs in again.
    pk.enable_credential(&alice.handle, rec.id()).await.unwrap();
    sign_in(&pk, None, &mut auth).await.unwrap();
}
