//! Counters, last use and concurrent sign-ins.

use super::*;

// ---- counters, last used, concurrency -------------------------------------------

#[tokio::test]
async fn sign_in_records_last_used_counter_and_backup_state() {
    let pk = passkeys();
    let alice = user("alice");
    let mut auth = SoftAuthenticator::new(ORIGIN);
    auth.backup_eligible = true; // eligible, not yet backed up
    let rec = register(&pk, &alice, &mut auth).await;
    assert_eq!(rec.last_used_at(), None);
    assert!(rec.backup_eligible() && !rec.backup_state());

    auth.backup_state = true; // synced since
    let v = sign_in(&pk, Some(&alice.handle), &mut auth).await.unwrap();
    assert_eq!(v.sign_count(), 1);
    let now = stored(&pk, rec.id()).await;
    assert!(now.last_used_at().is_some_and(|t| t >= rec.created_at()));
    assert_eq!(now.sign_count(), 1);
    assert!(now.backup_state());
    assert!(!now.possibly_cloned());
}

#[tokio::test]
async fn zero_counter_synced_passkeys_never_raise_alarms() {
    let pk = passkeys_with(|b| b.counter_policy(CounterPolicy::Strict));
    let alice = user("alice");
    let mut auth = SoftAuthenticator::synced(ORIGIN);
    let rec = register(&pk, &alice, &mut auth).await;
    for _ in 0..3 {
        let v = sign_in(&pk, None, &mut auth).await.unwrap();
        assert_eq!(v.sign_count(), 0);
        assert!(!v.possibly_cloned());
    }
    let now = stored(&pk, rec.id()).await;
    assert_eq!(now.sign_count(), 0);
    assert!(!now.possibly_cloned());
    assert!(now.backup_eligible() && now.backup_state());
}

#[tokio::test]
async fn counter_regression_strict_refuses_and_warn_flags_the_record() {
    for policy in [CounterPolicy::Strict, CounterPolicy::Warn] {
        let pk = passkeys_with(|b| b.counter_policy(policy));
        let alice = user("alice");
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let rec = register(&pk, &alice, &mut auth).await;
        sign_in(&pk, None, &mut auth).await.unwrap(); // counter 1
        sign_in(&pk, None, &mut auth).await.unwrap(); // counter 2
        // A clone replays an older counter.
        let (opts, ceremony) = pk
            .start_authentication(None, &AuthenticationOptions::default())
            .await
            .unwrap();
        let resp = auth.get_with_counter(&opts, 1).unwrap();
        let out = pk.finish_authentication(&ceremony, &resp).await;
        let now = stored(&pk, rec.id()).await;
        match policy {
            CounterPolicy::Strict => {
                assert!(matches!(
                    out,
                    Err(Error::Counter {
                        stored: 2,
                        received: 1
                    })
                ));
                assert!(!now.possibly_cloned());
            }
            CounterPolicy::Warn => {
                assert!(out.unwrap().possibly_cloned());
                assert!(now.possibly_cloned());
                assert_eq!(now.sign_count(), 2, "the counter never moves backwards");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sign_ins_with_the_same_counter_exactly_one_passes() {
    for _ in 0..8 {
        let pk = Arc::new(passkeys());
        let alice = user("alice");
        let mut auth = SoftAuthenticator::new(ORIGIN);
        register(&pk, &alice, &mut auth).await;
        let mut responses = Vec::new();
        for _ in 0..2 {
            let (opts, ceremony) = pk
                .start_authentication(Some(&alice.handle), &AuthenticationOptions::default())
                .await
                .unwrap();
            responses.push((ceremony, auth.get_with_counter(&opts, 7).unwrap()));
        }
        let tasks: Vec<_> = responses
            .into_iter()
            .map(|(ceremony, r)| {
                let pk = Arc::clone(&pk);
                tokio::spawn(async move { pk.finish_authentication(&ceremony, &r).await })
            })
            .collect();
        let mut passed = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => passed += 1,
                Err(e) => assert!(matches!(e, Error::Counter { received: 7, .. }), "{e:?}"),
            }
        }
        assert_eq!(passed, 1);
    }
}
