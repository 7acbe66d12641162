//! The backup (BE/BS) policy.

use super::*;

// ---- backup policy ---------------------------------------------------------------

#[tokio::test]
async fn backup_policy_is_enforced_at_registration_and_sign_in() {
    // Device-bound only: a synced passkey cannot register.
    let pk = passkeys_with(|b| b.backup_policy(BackupPolicy::RequireDeviceBound));
    let alice = user("alice");
    let (opts, ceremony) = pk
        .start_registration(&alice, &RegistrationOptions::default())
        .await
        .unwrap();
    let resp = SoftAuthenticator::synced(ORIGIN).create(&opts).unwrap();
    assert!(matches!(
        pk.finish_registration(&ceremony, &resp).await,
        Err(Error::BackupNotAllowed {
            backup_eligible: true,
            backup_state: true
        })
    ));
    register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;

    // Refuse backed up: eligible but not backed up registers; once it syncs, its
    // sign-ins are refused.
    let pk = passkeys_with(|b| b.backup_policy(BackupPolicy::RefuseBackedUp));
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.backup_eligible = true;
    register(&pk, &alice, &mut auth).await;
    sign_in(&pk, None, &mut auth).await.unwrap();
    auth.backup_state = true;
    assert!(matches!(
        sign_in(&pk, None, &mut auth).await,
        Err(Error::BackupNotAllowed {
            backup_eligible: true,
            backup_state: true
        })
    ));

    // The default accepts synced credentials.
    let pk = passkeys();
    assert_eq!(
        pk.relying_party().backup_policy(),
        BackupPolicy::AllowSynced
    );
    let mut synced = SoftAuthenticator::synced(ORIGIN);
    register(&pk, &alice, &mut synced).await;
    sign_in(&pk, None, &mut synced).await.unwrap();
}
