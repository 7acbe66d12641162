//! The demo tables' tests, on SQLite and, when `RELYPASS_TEST_POSTGRES` holds
//! a server URL (`bash .ci/with-postgres.sh cargo test -p relypass-demo`), on
//! a fresh PostgreSQL database too. The credential store itself is
//! relypass-sqlx's, tested there.

use super::*;

/// A fresh database (SQLite file removed on drop). Also the router tests'
/// (`crate::tests`).
pub(crate) struct TempDb {
    pub(crate) store: SqlxStore,
    pub(crate) db: DemoDb,
    file: Option<std::path::PathBuf>,
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

fn random_name(prefix: &str) -> String {
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).unwrap();
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}_{hex}")
}

impl TempDb {
    /// A fresh SQLite file, opened like the server does.
    pub(crate) async fn sqlite() -> TempDb {
        let file = std::env::temp_dir().join(format!("{}.db", random_name("relypass-demo-test")));
        let (store, db) = open(&format!("sqlite://{}", file.display())).await.unwrap();
        TempDb {
            store,
            db,
            file: Some(file),
        }
    }
}

/// One fresh database per backend available, opened like the server does.
async fn databases() -> Vec<TempDb> {
    let mut out = vec![TempDb::sqlite().await];
    if let Ok(url) = std::env::var("RELYPASS_TEST_POSTGRES") {
        sqlx::any::install_default_drivers();
        let admin = AnyPool::connect(&url).await.unwrap();
        let name = random_name("relypass_demo_test");
        // A random lowercase identifier we made: safe to splice.
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (server, _) = url.rsplit_once('/').unwrap();
        let (store, db) = open(&format!("{server}/{name}")).await.unwrap();
        out.push(TempDb {
            store,
            db,
            file: None,
        });
    }
    out
}

fn user(name: &str) -> User {
    User {
        handle: UserHandle::random().unwrap(),
        name: name.into(),
        display_name: name.to_uppercase(),
    }
}

#[tokio::test]
async fn password_accounts_live_beside_the_store() {
    for t in databases().await {
        let alice = user("alice");
        assert!(
            t.db.create_password_account(&t.store, &alice, "$argon2id$x")
                .await
                .unwrap()
        );
        // The account is relypass-sqlx's: the library sees it by name.
        let found = t.store.user_by_name("alice").await.unwrap().unwrap();
        assert_eq!(found.handle, alice.handle);
        assert_eq!(
            t.db.password_hash(&alice.handle).await.unwrap().as_deref(),
            Some("$argon2id$x")
        );
        // The name is the store's to give: a second account cannot take it,
        // and the failed attempt leaves no password row behind.
        let other = user("alice");
        assert!(
            !t.db
                .create_password_account(&t.store, &other, "$argon2id$y")
                .await
                .unwrap()
        );
        assert_eq!(t.db.password_hash(&other.handle).await.unwrap(), None);
        t.db.drop_password(&alice.handle).await.unwrap();
        assert_eq!(t.db.password_hash(&alice.handle).await.unwrap(), None);
    }
}

#[tokio::test]
async fn sessions_and_settings() {
    for t in databases().await {
        let bob = user("bob");
        t.store.insert_user(&bob).await.unwrap();
        let token =
            t.db.create_session(&bob.handle, Stage::SecondFactor)
                .await
                .unwrap();
        let s = t.db.session(&token).await.unwrap().unwrap();
        assert_eq!(
            (s.user_handle, s.stage),
            (bob.handle.clone(), Stage::SecondFactor)
        );
        assert!(t.db.session("forged").await.unwrap().is_none());
        t.db.delete_session(&token).await.unwrap();
        assert!(t.db.session(&token).await.unwrap().is_none());

        t.db.init_setting("k", true).await.unwrap();
        t.db.init_setting("k", false).await.unwrap();
        assert!(t.db.setting("k").await.unwrap());
        t.db.set_setting("k", false).await.unwrap();
        assert!(!t.db.setting("k").await.unwrap());
        assert!(!t.db.setting("unset").await.unwrap());
    }
}

/// Deleting an account through the store takes its password and sessions
/// with it (the demo's rows reference `relypass_users`).
#[tokio::test]
async fn demo_rows_follow_the_account() {
    for t in databases().await {
        let carol = user("carol");
        assert!(
            t.db.create_password_account(&t.store, &carol, "$argon2id$z")
                .await
                .unwrap()
        );
        let token =
            t.db.create_session(&carol.handle, Stage::SignedIn)
                .await
                .unwrap();
        assert!(t.store.delete_user(&carol.handle).await.unwrap());
        assert_eq!(t.db.password_hash(&carol.handle).await.unwrap(), None);
        assert!(t.db.session(&token).await.unwrap().is_none());
        // And no session can point at an account that does not exist.
        assert!(
            t.db.create_session(&carol.handle, Stage::SignedIn)
                .await
                .is_err()
        );
    }
}

/// Restarting a server (or starting a second one) on an existing database
/// finds its tables and keeps their rows.
#[tokio::test]
async fn reopening_keeps_the_data() {
    let file = std::env::temp_dir().join(format!("{}.db", random_name("relypass-demo-reopen")));
    let url = format!("sqlite://{}", file.display());
    let (store, db) = open(&url).await.unwrap();
    db.set_setting("k", true).await.unwrap();
    store.close().await;
    let (store, db) = open(&url).await.unwrap();
    assert!(db.setting("k").await.unwrap());
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
}

#[test]
fn database_passwords_are_not_printed() {
    assert_eq!(
        redact("postgres://me:secret@db:5432/x"),
        "postgres://me:***@db:5432/x"
    );
    assert_eq!(redact("postgres://me@db/x"), "postgres://me@db/x");
    assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    assert_eq!(redact("@://"), "@://");
}

/// Admin rights go to an existing account's handle and go with it.
#[tokio::test]
async fn admins_are_accounts_not_names() {
    for t in databases().await {
        let e = t.db.grant_admin(&t.store, "carol").await.unwrap_err();
        assert!(e.contains("no account named \"carol\""), "{e}");
        let carol = user("carol");
        t.store.insert_user(&carol).await.unwrap();
        assert!(!t.db.is_admin(&carol.handle).await.unwrap());
        // Typed as at sign-in: normalised to the stored spelling.
        assert_eq!(
            t.db.grant_admin(&t.store, "Carol").await.unwrap(),
            carol.handle
        );
        t.db.grant_admin(&t.store, "carol").await.unwrap();
        assert!(t.db.is_admin(&carol.handle).await.unwrap());
        assert!(t.db.revoke_admin(&t.store, "carol").await.unwrap());
        assert!(!t.db.revoke_admin(&t.store, "carol").await.unwrap());
        assert!(!t.db.is_admin(&carol.handle).await.unwrap());
        t.db.grant_admin(&t.store, "carol").await.unwrap();
        t.store.delete_user(&carol.handle).await.unwrap();
        let again = user("carol");
        t.store.insert_user(&again).await.unwrap();
        assert!(!t.db.is_admin(&again.handle).await.unwrap());
    }
}
