//! Every multi-step rule raced on the database itself (SQLite always,
//! PostgreSQL with `RELYPASS_TEST_POSTGRES`), with real records from the
//! software authenticator driven through `Passkeys`.

mod common;

use common::soft::{SoftAuthenticator, register, user};
use common::{ORIGIN, random_name, stores};
use relypass::danger::unix_now;
use relypass::{
    AccountPolicy, AuthenticationOptions, CredentialState, CredentialStore, Error, Passkeys,
    RegistrationOptions, RemovalGuard, User,
};
use std::sync::Arc;

async fn join_all<T: Send + 'static>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Runs every future on its own task, all at once, and collects their
/// results in order.
async fn race<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    join_all(futures.into_iter().map(tokio::spawn).collect()).await
}

/// Exactly one of the racing calls succeeded.
fn one_winner<T: std::fmt::Debug>(results: &[relypass::Result<T>]) {
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn take_once_under_concurrency() {
    for db in stores().await {
        let store = Arc::new(db.store.clone());
        for round in 0..20u8 {
            let key = [round; 32];
            store
                .put_ceremony_state(&key, vec![round], unix_now() + 60)
                .await
                .unwrap();
            let tasks = (0..6)
                .map(|_| {
                    let store = Arc::clone(&store);
                    tokio::spawn(async move { store.take_ceremony_state(&key).await.unwrap() })
                })
                .collect();
            let got: Vec<_> = join_all(tasks).await.into_iter().flatten().collect();
            assert_eq!(got, vec![vec![round]], "{:?}", db.store.backend());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counter_compare_and_set_one_of_two_sign_ins_wins() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys());
        let alice = user(&random_name("alice"));
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let rec = register(&pk, &alice, &mut auth).await;
        for counter in 1..=10u32 {
            let mut responses = Vec::new();
            for _ in 0..2 {
                let (opts, ceremony) = pk
                    .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
                    .await
                    .unwrap();
                responses.push((ceremony, auth.get_with_counter(&opts, counter).unwrap()));
            }
            let results = race(
                responses
                    .into_iter()
                    .map(|(ceremony, r)| {
                        let pk = Arc::clone(&pk);
                        async move { pk.finish_authentication(&ceremony, &r).await }
                    })
                    .collect(),
            )
            .await;
            one_winner(&results);
            assert!(
                results
                    .iter()
                    .any(|r| matches!(r, Err(Error::Counter { .. }))),
                "{results:?}"
            );
            let now = db.store.credential_by_id(rec.id()).await.unwrap().unwrap();
            assert_eq!(now.sign_count(), counter);
        }
    }
}

/// Limit 10, 9 held, 6 finishes at once: exactly one lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_limit_holds_for_parallel_finishes() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys().with_registration_limit(10));
        let alice = user(&random_name("alice"));
        for _ in 0..9 {
            register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
        }
        let mut responses = Vec::new();
        for _ in 0..6 {
            let (opts, ceremony) = pk
                .start_registration(&alice, &RegistrationOptions::default())
                .await
                .unwrap();
            responses.push((
                ceremony,
                SoftAuthenticator::new(ORIGIN).create(&opts).unwrap(),
            ));
        }
        let results = race(
            responses
                .into_iter()
                .map(|(ceremony, r)| {
                    let pk = Arc::clone(&pk);
                    async move { pk.finish_registration(&ceremony, &r).await }
                })
                .collect(),
        )
        .await;
        one_winner(&results);
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || matches!(r, Err(Error::RegistrationLimit { limit: 10 })))
        );
        let held = db.store.credentials_for_user(&alice.handle).await.unwrap();
        assert_eq!(held.len(), 10, "{:?}", db.store.backend());
    }
}

/// A rename and a revoke at the same instant, 500 times: the revocation is
/// never lost (a rename writes the name only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_revocation_rename_racing_revoke_500_trials() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys());
        let alice = user(&random_name("alice"));
        let rec = register(&pk, &alice, &mut SoftAuthenticator::new(ORIGIN)).await;
        let mut lost = 0;
        for trial in 0..500 {
            // Back to active through the store (the library never revives a
            // revoked credential; the race needs a fresh start each time).
            db.store
                .set_credential_state(
                    rec.id(),
                    CredentialState::Revoked,
                    CredentialState::Active,
                    1,
                    RemovalGuard::Unguarded,
                )
                .await
                .unwrap();
            let name = format!("key {trial}");
            let rename = {
                let (pk, h, id, name) = (
                    Arc::clone(&pk),
                    alice.handle.clone(),
                    rec.id().to_vec(),
                    name.clone(),
                );
                tokio::spawn(async move { pk.rename_credential(&h, &id, Some(&name)).await })
            };
            pk.revoke_credential(&alice.handle, rec.id()).await.unwrap();
            rename.await.unwrap().unwrap();
            let now = db.store.credential_by_id(rec.id()).await.unwrap().unwrap();
            if now.state() != CredentialState::Revoked {
                lost += 1;
            }
            assert_eq!(now.name(), Some(name.as_str()));
        }
        assert_eq!(lost, 0, "{:?}", db.store.backend());
    }
}

/// A passkey-only account with two UV passkeys.
async fn passkey_only_account(
    pk: &Passkeys<relypass_sqlx::SqlxStore>,
) -> (User, Vec<relypass::CredentialRecord>) {
    let u = user(&random_name("pko"));
    let mut recs = Vec::new();
    for _ in 0..2 {
        recs.push(register(pk, &u, &mut SoftAuthenticator::new(ORIGIN)).await);
    }
    pk.store().set_passkey_only(&u.handle, true).await.unwrap();
    assert_eq!(
        pk.store().account_policy(&u.handle).await.unwrap(),
        AccountPolicy::passkey_only()
    );
    (u, recs)
}

/// 20 passkey-only accounts, each losing both passkeys at once (a delete and
/// a revoke, all accounts in parallel): none is locked out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_way_in_race_20_accounts_no_lock_out() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys());
        let mut accounts = Vec::new();
        for _ in 0..20 {
            accounts.push(passkey_only_account(&pk).await);
        }
        let mut tasks = Vec::new();
        for (u, recs) in &accounts {
            for (i, r) in recs.iter().enumerate() {
                let (pk, h, id) = (Arc::clone(&pk), u.handle.clone(), r.id().to_vec());
                tasks.push(tokio::spawn(async move {
                    if i == 0 {
                        pk.delete_credential(&h, &id).await
                    } else {
                        pk.revoke_credential(&h, &id).await.map(|_| ())
                    }
                }));
            }
        }
        let results = join_all(tasks).await;
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::LastWayIn)))
            .count();
        assert!(
            results
                .iter()
                .all(|r| r.is_ok() || matches!(r, Err(Error::LastWayIn)))
        );
        assert_eq!(refused, 20, "{results:?}");
        let mut locked_out = 0;
        for (u, _) in &accounts {
            let creds = db.store.credentials_for_user(&u.handle).await.unwrap();
            if !relypass::may_drop_password(&creds) {
                locked_out += 1;
            }
        }
        assert_eq!(locked_out, 0, "{:?}", db.store.backend());
    }
}

/// Issue 14's lock-out as the demo met it (`loadtest races`: 20 of 20 rounds
/// locked out): an account with two passkeys and no password that is not
/// passkey-only in the store (a passkey sign-up; the host keeps passwords in
/// its own tables), and two sessions each deleting one passkey at once.
/// `KeepLastWayIn` only protects passkey-only accounts, so the host passes
/// `KeepLastActive`: one delete wins, the other is `LastWayIn`, one passkey
/// remains — 20 accounts, in parallel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_out_two_deletes_of_a_passwordless_accounts_last_two_passkeys() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys());
        let mut accounts = Vec::new();
        for _ in 0..20 {
            let u = user(&random_name("nopw"));
            let mut recs = Vec::new();
            for _ in 0..2 {
                recs.push(register(&pk, &u, &mut SoftAuthenticator::new(ORIGIN)).await);
            }
            assert_eq!(
                pk.store().account_policy(&u.handle).await.unwrap(),
                AccountPolicy::new()
            );
            accounts.push((u, recs));
        }
        let mut tasks = Vec::new();
        for (u, recs) in &accounts {
            for r in recs {
                let (pk, h, id) = (Arc::clone(&pk), u.handle.clone(), r.id().to_vec());
                tasks.push(tokio::spawn(async move {
                    pk.delete_credential_guarded(&h, &id, RemovalGuard::KeepLastActive)
                        .await
                }));
            }
        }
        let results = join_all(tasks).await;
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::LastWayIn)))
            .count();
        assert_eq!(refused, 20, "{results:?}");
        let mut locked_out = 0;
        for (u, _) in &accounts {
            let creds = db.store.credentials_for_user(&u.handle).await.unwrap();
            if !creds.iter().any(|c| c.state().can_authenticate()) {
                locked_out += 1;
            }
        }
        assert_eq!(locked_out, 0, "{:?}", db.store.backend());
    }
}

/// Two sign-ups for one name, started while it was free and finished at
/// once: one account, one `UsernameTaken`, no credential of the loser kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_name_race_makes_one_account() {
    for db in stores().await {
        let pk = Arc::new(db.passkeys());
        for _ in 0..10 {
            let name = random_name("dave");
            let mut pending = Vec::new();
            for _ in 0..2 {
                let u = user(&name);
                let (opts, ceremony) = pk
                    .start_registration(&u, &RegistrationOptions::default())
                    .await
                    .unwrap();
                let resp = SoftAuthenticator::new(ORIGIN).create(&opts).unwrap();
                pending.push((u, ceremony, resp));
            }
            let results = race(
                pending
                    .iter()
                    .map(|(_, ceremony, resp)| {
                        let (pk, ceremony, resp) =
                            (Arc::clone(&pk), ceremony.clone(), resp.clone());
                        async move { pk.finish_registration(&ceremony, &resp).await }
                    })
                    .collect(),
            )
            .await;
            one_winner(&results);
            assert!(
                results
                    .iter()
                    .any(|r| matches!(r, Err(Error::UsernameTaken)))
            );
            let owner = db.store.user_by_name(&name).await.unwrap().unwrap();
            for (u, _, _) in &pending {
                let creds = db.store.credentials_for_user(&u.handle).await.unwrap();
                assert_eq!(creds.len(), usize::from(u.handle == owner.handle));
            }
        }
    }
}
