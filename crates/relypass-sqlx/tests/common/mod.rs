//! The databases every test runs on: a fresh SQLite file always, and a fresh
//! PostgreSQL database when `RELYPASS_TEST_POSTGRES` holds a server URL
//! (`bash .ci/with-postgres.sh cargo test -p relypass-sqlx` starts one).

#![allow(dead_code)]

pub use relypass_testkit::lifecycle as soft;

use relypass::{Passkeys, RelyingParty};
use relypass_sqlx::{SqlxStore, SqlxStoreOptions};

pub const ORIGIN: &str = "https://example.com";

/// UV `preferred` (not the `required` default): the last-way-in tests need
/// UV-less security keys beside passkeys.
pub fn rp() -> RelyingParty {
    RelyingParty::builder("example.com", "Example")
        .origin(ORIGIN)
        .user_verification(relypass::json::UserVerificationRequirement::Preferred)
        .build()
        .unwrap()
}

pub fn random_name(prefix: &str) -> String {
    let r: [u8; 8] = soft::random_bytes();
    format!(
        "{prefix}_{}",
        relypass::json::b64url(&r).to_lowercase().replace('-', "_")
    )
}

/// A store plus what keeps its database alive; the SQLite file is removed on drop.
pub struct Db {
    pub store: SqlxStore,
    file: Option<std::path::PathBuf>,
}

impl Db {
    pub fn passkeys(&self) -> Passkeys<SqlxStore> {
        Passkeys::new(rp(), self.store.clone())
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(f) = &self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

/// One fresh, migrated store per backend available, built with `options`.
pub async fn stores_with(options: impl Fn() -> SqlxStoreOptions) -> Vec<Db> {
    sqlx::any::install_default_drivers();
    let file = std::env::temp_dir().join(format!("{}.db", random_name("relypass-sqlx-test")));
    let store = options()
        .connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let mut out = vec![Db {
        store,
        file: Some(file),
    }];
    if let Ok(url) = std::env::var("RELYPASS_TEST_POSTGRES") {
        let admin = sqlx::AnyPool::connect(&url).await.unwrap();
        let name = random_name("relypass_test");
        // A random lowercase identifier we made: safe to splice.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        admin.close().await;
        let (server, _) = url.rsplit_once('/').unwrap();
        let store = options()
            .connect(&format!("{server}/{name}"))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        out.push(Db { store, file: None });
    }
    out
}

pub async fn stores() -> Vec<Db> {
    stores_with(SqlxStoreOptions::new).await
}
