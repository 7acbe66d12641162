//! The demo's own tables, beside relypass-sqlx's in the same database.
//!
//! Everything relypass's `CredentialStore` covers (accounts, credentials,
//! ceremony states, the passkey-only flag) is [`SqlxStore`]'s, in its
//! `relypass_` tables, with its rules (the last way in, take-once
//! ceremonies, atomic sign-up) held inside the database. The demo adds only
//! what a website has besides passkeys, in `demo_` tables:
//!
//! * `demo_passwords`: the Argon2id hash of a password account;
//! * `demo_sessions`: signed-in (or half signed-in) browsers;
//! * `demo_settings`: the admin switch;
//! * `demo_admins`: the accounts (by user handle) allowed to flip it.
//!
//! They go through relypass-sqlx's own pool ([`SqlxStore::pool`]) rather than
//! a second pool on the same URL: on SQLite one pool is one queue for the
//! file's single writer (two pools would fight over its lock), and the
//! connection settings (WAL, busy timeout, foreign keys) are the store's.
//! Rows of the demo's tables reference `relypass_users` with `ON DELETE
//! CASCADE`, so they follow the account.

use relypass::danger::unix_now;
use relypass::{CredentialStore, Error, User, UserHandle};
use relypass_sqlx::{Backend, SqlxStore};
use sha2::{Digest, Sha256};
use sqlx::{AnyPool, AssertSqlSafe};

/// How far a session has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Password checked, the passkey (second factor) still to come.
    SecondFactor,
    /// Signed in.
    SignedIn,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second_factor",
            Stage::SignedIn => "signed_in",
        }
    }
}

/// A session row.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_handle: UserHandle,
    pub stage: Stage,
}

/// Sessions last 12 hours.
const SESSION_SECONDS: u64 = 12 * 3600;

/// The demo's tables: the store's pool, used for the `demo_` tables only.
#[derive(Clone, Debug)]
pub struct DemoDb {
    pool: AnyPool,
}

/// relypass-sqlx's own classification: an unreachable or swamped database
/// is `StoreUnavailable` (503 with `Retry-After`), like the store's errors.
fn storage(e: sqlx::Error) -> Error {
    relypass_sqlx::map_sqlx_error(e)
}

fn to_i64(v: u64) -> relypass::Result<i64> {
    i64::try_from(v).map_err(|_| Error::Storage("number out of range".into()))
}

/// Opens the database: relypass-sqlx's store with its migrations, then the
/// demo's tables. Errors are sentences for the operator (the URL's password
/// hidden).
pub async fn open(url: &str) -> Result<(SqlxStore, DemoDb), String> {
    let store = SqlxStore::connect(url)
        .await
        .map_err(|e| format!("cannot open database {}: {e}", redact(url)))?;
    store
        .migrate()
        .await
        .map_err(|e| format!("cannot create relypass's tables: {e}"))?;
    let db = DemoDb::new(&store);
    db.migrate(store.backend())
        .await
        .map_err(|e| format!("cannot create the demo's tables: {e}"))?;
    Ok((store, db))
}

impl DemoDb {
    /// The demo's tables in `store`'s database (call [`open`] to create them).
    pub fn new(store: &SqlxStore) -> Self {
        DemoDb {
            pool: store.pool().clone(),
        }
    }

    /// Creates the demo's tables if missing. Run after the store's own
    /// migration: the tables reference `relypass_users`.
    async fn migrate(&self, backend: Backend) -> Result<(), sqlx::Error> {
        let blob = match backend {
            Backend::Sqlite => "BLOB",
            _ => "BYTEA",
        };
        let account = "REFERENCES relypass_users (handle) ON DELETE CASCADE";
        let schema = [
            format!(
                "CREATE TABLE IF NOT EXISTS demo_passwords (
                    user_handle {blob} PRIMARY KEY {account},
                    password_hash TEXT NOT NULL)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS demo_sessions (
                    token_hash {blob} PRIMARY KEY,
                    user_handle {blob} NOT NULL {account},
                    stage TEXT NOT NULL,
                    expires_at BIGINT NOT NULL)"
            ),
            "CREATE TABLE IF NOT EXISTS demo_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                .into(),
            format!(
                "CREATE TABLE IF NOT EXISTS demo_admins (user_handle {blob} PRIMARY KEY {account})"
            ),
        ];
        let mut tx = self.pool.begin().await?;
        if backend == Backend::Postgres {
            // Two servers starting at once must not both create the tables
            // (concurrent CREATE TABLE IF NOT EXISTS can still collide in
            // PostgreSQL's catalog): a transaction-scoped lock serialises them.
            sqlx::query("SELECT pg_advisory_xact_lock(7355608)")
                .execute(&mut *tx)
                .await?;
        }
        for stmt in &schema {
            // Built from the constants above only: no input reaches the DDL.
            sqlx::query(AssertSqlSafe(stmt.as_str()))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    }
}

/// Hides a password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = url.get(s + 3..at).unwrap_or("");
            match (creds.split_once(':'), url.get(..s + 3), url.get(at..)) {
                (Some((user, _)), Some(scheme), Some(host)) => format!("{scheme}{user}:***{host}"),
                _ => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

mod admins;
mod passwords;
mod sessions;
mod settings;

#[cfg(test)]
pub(crate) mod tests;
