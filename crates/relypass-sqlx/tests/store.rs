//! The store's contract outside races: sign-up without orphans, ceremony
//! expiry and cap, the passkey-only flag, migrations, availability errors.

mod common;

use common::soft::{SoftAuthenticator, register, sign_in, user};
use common::{ORIGIN, random_name, stores, stores_with};
use relypass::danger::unix_now;
use relypass::{
    AccountPolicy, CredentialState, CredentialStore, Error, ErrorKind, RegistrationOptions,
};
use relypass_sqlx::{SqlxStore, SqlxStoreOptions};
use std::time::Duration;

/// An abandoned sign-up leaves no account and keeps no name; the account is
/// created with its first credential; a taken name fails fast.
#[tokio::test]
async fn orphan_free_sign_up() {
    for db in stores().await {
        let pk = db.passkeys();
        let name = random_name("carol");
        let first = user(&name);
        let (_opts, _abandoned) = pk
            .start_registration(&first, &RegistrationOptions::default())
            .await
            .unwrap();
        assert!(db.store.user_by_name(&name).await.unwrap().is_none());
        assert!(
            db.store
                .user_by_handle(&first.handle)
                .await
                .unwrap()
                .is_none()
        );

        let second = user(&name);
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let rec = register(&pk, &second, &mut auth).await;
        assert_eq!(
            db.store.user_by_name(&name).await.unwrap(),
            Some(second.clone())
        );
        assert_eq!(
            db.store.credentials_for_user(&second.handle).await.unwrap(),
            vec![rec.clone()]
        );
        sign_in(&pk, Some(&second.handle), &mut auth).await.unwrap();
        assert!(matches!(
            pk.start_registration(&user(&name), &RegistrationOptions::default())
                .await,
            Err(Error::UsernameTaken)
        ));
        // Password accounts (no passkey) are created by `insert_user`.
        assert!(matches!(
            db.store.insert_user(&user(&name)).await,
            Err(Error::UsernameTaken)
        ));
        let pw = user(&random_name("pw"));
        db.store.insert_user(&pw).await.unwrap();
        // Deleting the account frees the name and drops its credentials.
        assert!(db.store.delete_user(&second.handle).await.unwrap());
        assert!(db.store.credential_by_id(rec.id()).await.unwrap().is_none());
        db.store.insert_user(&user(&name)).await.unwrap();
    }
}

#[tokio::test]
async fn expiry_purge_and_ceremony_cap() {
    for db in stores_with(|| SqlxStoreOptions::new().ceremony_limit(3)).await {
        let s = &db.store;
        assert_eq!(s.ceremony_limit(), 3);
        let later = unix_now() + 300;
        // Long expired (past the grace minute): purged by the next put.
        s.put_ceremony_state(b"old-1", vec![1], 10).await.unwrap();
        s.put_ceremony_state(b"old-2", vec![1], 10).await.unwrap();
        s.put_ceremony_state(b"a", vec![1], later).await.unwrap();
        s.put_ceremony_state(b"b", vec![1], later).await.unwrap();
        assert_eq!(s.outstanding_ceremonies().await.unwrap(), 2);
        assert!(s.take_ceremony_state(b"old-1").await.unwrap().is_none());
        s.put_ceremony_state(b"c", vec![1], later).await.unwrap();
        assert!(matches!(
            s.put_ceremony_state(b"d", vec![1], later).await,
            Err(Error::TooManyCeremonies { limit: 3 })
        ));
        // Through the service: a start is refused the same way (503).
        let refused = db
            .passkeys()
            .start_authentication(None, &Default::default())
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Unavailable);
        // A finish frees room.
        assert_eq!(s.take_ceremony_state(b"a").await.unwrap(), Some(vec![1]));
        s.put_ceremony_state(b"d", vec![2], later).await.unwrap();
        assert_eq!(s.outstanding_ceremonies().await.unwrap(), 3);
        // Just expired states stay for the grace minute, then go.
        s.take_ceremony_state(b"d").await.unwrap();
        s.put_ceremony_state(b"recent", vec![1], unix_now() - 1)
            .await
            .unwrap();
        assert_eq!(s.purge_expired_ceremonies().await.unwrap(), 0);
        s.take_ceremony_state(b"b").await.unwrap();
        s.put_ceremony_state(b"stale", vec![1], unix_now() - 120)
            .await
            .unwrap();
        assert_eq!(s.purge_expired_ceremonies().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn passkey_only_flag_needs_a_way_in_and_guards_removal() {
    for db in stores().await {
        let pk = db.passkeys();
        let u = user(&random_name("erin"));
        let mut key = SoftAuthenticator::new(ORIGIN);
        key.uv = false;
        let no_uv = register(&pk, &u, &mut key).await;
        assert!(matches!(
            db.store.set_passkey_only(&u.handle, true).await,
            Err(Error::LastWayIn)
        ));
        let phone = register(&pk, &u, &mut SoftAuthenticator::new(ORIGIN)).await;
        db.store.set_passkey_only(&u.handle, true).await.unwrap();
        assert_eq!(
            db.store.account_policy(&u.handle).await.unwrap(),
            AccountPolicy::passkey_only()
        );
        assert!(matches!(
            pk.disable_credential(&u.handle, phone.id()).await,
            Err(Error::LastWayIn)
        ));
        assert!(matches!(
            pk.delete_credential(&u.handle, phone.id()).await,
            Err(Error::LastWayIn)
        ));
        // The UV-less key is no way in: it can go.
        pk.revoke_credential(&u.handle, no_uv.id()).await.unwrap();
        pk.delete_credential(&u.handle, no_uv.id()).await.unwrap();
        let stored = db
            .store
            .credential_by_id(phone.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state(), CredentialState::Active);
        // With the password back, the passkey may go.
        db.store.set_passkey_only(&u.handle, false).await.unwrap();
        pk.delete_credential(&u.handle, phone.id()).await.unwrap();
        assert!(
            db.store
                .set_passkey_only(&user("nobody").handle, true)
                .await
                .is_err()
        );
    }
}

/// Management changes survive a read back, and a counter update is
/// compare-and-set at the store.
#[tokio::test]
async fn management_round_trip() {
    for db in stores().await {
        let pk = db.passkeys();
        let u = user(&random_name("frank"));
        let mut auth = SoftAuthenticator::new(ORIGIN);
        let rec = register(&pk, &u, &mut auth).await;
        pk.rename_credential(&u.handle, rec.id(), Some(" Laptop "))
            .await
            .unwrap();
        let disabled = pk.disable_credential(&u.handle, rec.id()).await.unwrap();
        let stored = db.store.credential_by_id(rec.id()).await.unwrap().unwrap();
        assert_eq!(stored, disabled);
        assert_eq!(stored.name(), Some("Laptop"));
        pk.enable_credential(&u.handle, rec.id()).await.unwrap();
        let v = sign_in(&pk, Some(&u.handle), &mut auth).await.unwrap();
        let stored = db.store.credential_by_id(rec.id()).await.unwrap().unwrap();
        assert_eq!(stored.sign_count(), v.sign_count());
        assert!(stored.last_used_at().is_some());
        assert!(
            !db.store
                .update_after_authentication(v.update())
                .await
                .unwrap(),
            "a replayed update must not apply twice"
        );
        assert_eq!(pk.list_credentials(&u.handle).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn migrate_is_idempotent_and_health_answers() {
    let all = stores().await;
    let postgres = std::env::var("RELYPASS_TEST_POSTGRES").is_ok();
    assert_eq!(all.len(), 1 + usize::from(postgres));
    for db in all {
        db.store.migrate().await.unwrap();
        db.store.migrate().await.unwrap();
        db.store.health().await.unwrap();
    }
}

/// A closed pool or an unreachable server is `StoreUnavailable` (HTTP 503),
/// not a generic storage error.
#[tokio::test]
async fn unavailable_database_is_store_unavailable() {
    for db in stores().await {
        let store = db.store.clone();
        store.close().await;
        let e = store.health().await.unwrap_err();
        assert!(matches!(e, Error::StoreUnavailable(_)), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Unavailable);
    }
    // Nothing listens on port 1.
    let e = SqlxStore::options()
        .acquire_timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_millis(500))
        .connect("postgres://postgres@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::StoreUnavailable(_)), "{e:?}");
    assert!(matches!(
        SqlxStore::connect("mysql://x").await,
        Err(Error::Config(_))
    ));
}

/// A host keeps its own tables beside the store's, through the store's pool:
/// same transaction rules, rows that follow the account (`ON DELETE CASCADE`
/// on `relypass_users`), and nothing the store does is disturbed by them.
#[tokio::test]
async fn host_tables_share_the_pool() {
    for db in stores().await {
        let pool = db.store.pool();
        let blob = match db.store.backend() {
            relypass_sqlx::Backend::Sqlite => "BLOB",
            _ => "BYTEA",
        };
        let ddl = format!(
            "CREATE TABLE host_notes (user_handle {blob} PRIMARY KEY
                 REFERENCES relypass_users (handle) ON DELETE CASCADE, note TEXT NOT NULL)"
        );
        sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(pool)
            .await
            .unwrap();
        let u = user(&random_name("host"));
        db.store.insert_user(&u).await.unwrap();
        sqlx::query("INSERT INTO host_notes (user_handle, note) VALUES ($1, $2)")
            .bind(u.handle.as_bytes())
            .bind("hello")
            .execute(pool)
            .await
            .unwrap();
        let count = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM host_notes")
                .fetch_one(db.store.pool())
                .await
                .unwrap()
        };
        assert_eq!(count().await, 1);
        // The foreign key holds: no note for an account that does not exist.
        let stranger = user(&random_name("nobody"));
        assert!(
            sqlx::query("INSERT INTO host_notes (user_handle, note) VALUES ($1, $2)")
                .bind(stranger.handle.as_bytes())
                .bind("x")
                .execute(pool)
                .await
                .is_err()
        );
        assert!(db.store.delete_user(&u.handle).await.unwrap());
        assert_eq!(count().await, 0);
        db.store.health().await.unwrap();
    }
}
