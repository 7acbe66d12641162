//! The per-user registration limit.

use super::*;

// ---- registration limit --------------------------------------------------------

#[tokio::test]
async fn registration_limit_refuses_at_start() {
    let pk = passkeys().with_registration_limit(2);
    let alice = user("alice");
    let mut a = SoftAuthenticator::new(ORIGIN);
    let mut b = SoftAuthenticator::new(ORIGIN);
    let first = register(&pk, &alice, &mut a).await;
    register(&pk, &alice, &mut b).await;

    let err = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RegistrationLimit { limit: 2 }));

    // Disabled credentials still count ...
    pk.disable_credential(&alice.handle, first.id())
        .await
        .unwrap();
    assert!(matches!(
        pk.start_registration(&alice, &RegistrationOptions::default())
            .await,
        Err(Error::RegistrationLimit { .. })
    ));
    // ... revoked ones do not.
    pk.revoke_credential(&alice.handle, first.id())
        .await
        .unwrap();
    let mut c = SoftAuthenticator::new(ORIGIN);
    register(&pk, &alice, &mut c).await;
}

#[tokio::test]
async fn registration_limit_is_rechecked_at_finish() {
    let pk = passkeys().with_registration_limit(1);
    let alice = user("alice");
    let (o1, c1) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let (o2, c2) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let r1 = SoftAuthenticator::new(ORIGIN).create(&o1).unwrap();
    let r2 = SoftAuthenticator::new(ORIGIN).create(&o2).unwrap();
    pk.finish_registration(&c1, &r1).await.unwrap();
    assert!(matches!(
        pk.finish_registration(&c2, &r2).await,
        Err(Error::RegistrationLimit { limit: 1 })
    ));
}
