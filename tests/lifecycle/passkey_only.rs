//! Passkey-only accounts.

use super::*;

// ---- passkey-only accounts ---------------------------------------------------

#[tokio::test]
async fn passkey_only_account_refuses_uv_less_assertion() {
    let pk = passkeys(); // RP default UV: preferred
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut auth).await;
    assert!(pk.may_drop_password(&alice.handle).await.unwrap());
    pk.store()
        .set_account_policy(&alice.handle, AccountPolicy::passkey_only())
        .unwrap();

    // Named sign-in: the options require UV whatever the RP default.
    let (opts, ceremony) = pk
        .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
        .await
        .unwrap();
    assert_eq!(
        opts.user_verification,
        Some(UserVerificationRequirement::Required)
    );
    auth.uv = false;
    let resp = auth.get(&opts).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UserNotVerified)
    ));

    // Discoverable sign-in does not know the user at start; finish still refuses.
    let (opts, ceremony) = pk
        .start_authentication(None, &AuthenticationOptions::default())
        .await
        .unwrap();
    assert_eq!(
        opts.user_verification,
        Some(UserVerificationRequirement::Preferred)
    );
    let resp = auth.get(&opts).unwrap();
    assert!(matches!(
        pk.finish_authentication(&ceremony, &resp).await,
        Err(Error::UserNotVerified)
    ));

    // With UV it passes.
    auth.uv = true;
    let v = sign_in(&pk, None, &mut auth).await.unwrap();
    assert!(v.user_verified());

    // Another account (password still set) may sign in without UV.
    let bob = user("bob");
    let mut key = SoftAuthenticator::new(ORIGIN);
    register(&pk, &bob, &mut key).await;
    key.uv = false;
    sign_in(&pk, Some(&bob.handle), &mut key).await.unwrap();
}

#[tokio::test]
async fn may_drop_password_needs_an_active_uv_credential() {
    let pk = passkeys();
    let alice = user("alice");
    let mut key = SoftAuthenticator::new(ORIGIN);
    key.uv = false;
    register(&pk, &alice, &mut key).await;
    assert!(!pk.may_drop_password(&alice.handle).await.unwrap());

    let mut phone = SoftAuthenticator::synced(ORIGIN);
    let rec = register(&pk, &alice, &mut phone).await;
    assert!(rec.user_verified());
    assert!(pk.may_drop_password(&alice.handle).await.unwrap());

    pk.disable_credential(&alice.handle, rec.id())
        .await
        .unwrap();
    let all = pk
        .store()
        .credentials_for_user(&alice.handle)
        .await
        .unwrap();
    assert!(!may_drop_password(&all));
}
