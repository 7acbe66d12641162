//! A SQL implementation of relypass's [`CredentialStore`], for SQLite (one
//! process, embedded file) and PostgreSQL (any number of processes sharing one
//! database). This is the file a real application copies and adapts.
//!
//! Design points worth keeping when you adapt it:
//!
//! * **Credentials**: the registration-time data (public key, algorithm, AAGUID,
//!   flags at registration, transports, ...) is one JSON document per row,
//!   written by `serde` from [`CredentialRecord`]; everything that changes later
//!   (counter, backup state, last use, name, lifecycle state) lives in its own
//!   column and wins over the JSON when a row is read. Sign-in updates touch only
//!   columns, with compare-and-set on the counter:
//!   `UPDATE … WHERE id = $ AND sign_count = $previous`.
//! * **Ceremony state is take-once**: `DELETE … RETURNING` hands the row to at
//!   most one caller, so a challenge issued by one server can be finished once —
//!   and only once — through any server sharing the database.
//! * **Duplicate credential ids** are refused by the primary key
//!   (`INSERT … ON CONFLICT DO NOTHING`, then "0 rows" means "already there"), so
//!   two racing registrations cannot both succeed.
//! * One SQL text serves both databases: `$1` placeholders, `BIGINT` numbers
//!   (booleans as 0/1), and `BLOB`/`BYTEA` chosen per backend in the schema only.
//!
//! * **Management writes** touch one column each and never write back a
//!   value read earlier: a rename sets `name` only; a state change is a
//!   compare-and-set `UPDATE … SET state = $to WHERE id = $ AND state = $from`,
//!   so a revocation that lands between a read and a write is never undone.
//! * **New credentials** are inserted in one transaction with the rules that
//!   must hold when they land (the duplicate id, the replacement of a dead
//!   record, the per-user registration limit): on PostgreSQL a per-user
//!   advisory lock serialises registrations of one user; on SQLite the
//!   transaction starts with `BEGIN IMMEDIATE`, taking the write lock first.
//! * **Account policy**: `account_policy` reads the user's passkey-only flag, so
//!   relypass itself requires user verification for those accounts, in every
//!   sign-in flow.
//!
//! Besides the trait, the demo keeps its own tables here: the application part
//! of users (password hash, passkey-only flag), sessions and app-wide settings.

use relypass::danger::unix_now;
use relypass::{
    AccountPolicy, CredentialRecord, CredentialState, CredentialStore, CredentialUpdate, Error,
    InsertConditions, RemovalGuard, User, UserHandle, VerifiedRegistration,
};
use sha2::{Digest, Sha256};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Acquire, AnyPool, AssertSqlSafe, Row};

// Column lists shared by several queries (macros, so the SQL stays one
// `&'static str` literal: sqlx 0.9 only takes dynamic SQL behind an explicit
// `AssertSqlSafe`).
macro_rules! user_columns {
    () => {
        "handle, name, display_name, password_hash, passkey_only, activated"
    };
}
macro_rules! credential_columns {
    () => {
        "record, name, state, state_changed_at, sign_count, backup_state, last_used_at, possibly_cloned"
    };
}

/// Which SQL database the URL named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store: a connection pool plus the backend it talks to.
#[derive(Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// A user row: relypass's [`User`] plus the demo's account fields.
#[derive(Debug, Clone)]
pub struct AppUser {
    pub user: User,
    /// A PHC string (`$argon2id$…`), or `None` for passkey accounts.
    pub password_hash: Option<String>,
    /// Sign-in only with a passkey and user verification.
    pub passkey_only: bool,
    /// Sign-up finished (a passkey sign-up is not activated until its first
    /// passkey is verified).
    pub activated: bool,
}

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

fn storage(e: sqlx::Error) -> Error {
    Error::Storage(e.to_string())
}

fn to_i64(v: u64) -> relypass::Result<i64> {
    i64::try_from(v).map_err(|_| Error::Storage("number out of range".into()))
}

fn to_u64(v: i64) -> relypass::Result<u64> {
    u64::try_from(v).map_err(|_| Error::Storage("negative number in database".into()))
}

/// A lifecycle state as stored: its serde name (`active`, `disabled`, ...), so
/// states a newer relypass adds are stored without code changes here.
fn state_name(s: CredentialState) -> relypass::Result<String> {
    match serde_json::to_value(s) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(Error::Storage("credential state has no name".into())),
    }
}

/// A stored state name back; an unknown name reads as `disabled` (never usable).
fn parse_state(s: &str) -> CredentialState {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .unwrap_or(CredentialState::Disabled)
}

impl SqlStore {
    /// Connects (creating an SQLite file if needed) and creates the tables.
    pub async fn connect(url: &str) -> Result<Self, String> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            // `mode=rwc` creates the file on first run.
            let url = if url.contains("mode=") {
                url.to_owned()
            } else if url.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(format!(
                "DATABASE_URL {url:?}: expected sqlite://FILE or postgres://…"
            ));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .connect(&url)
            .await
            .map_err(|e| format!("cannot open database {}: {e}", redact(&url)))?;
        let store = SqlStore { pool, backend };
        store
            .migrate()
            .await
            .map_err(|e| format!("cannot create tables: {e}"))?;
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), sqlx::Error> {
        let blob = match self.backend {
            Backend::Sqlite => "BLOB",
            Backend::Postgres => "BYTEA",
        };
        let schema = [
            format!(
                "CREATE TABLE IF NOT EXISTS users (
                    handle {blob} PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    password_hash TEXT,
                    passkey_only BIGINT NOT NULL DEFAULT 0,
                    activated BIGINT NOT NULL DEFAULT 1,
                    created_at BIGINT NOT NULL)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS credentials (
                    id {blob} PRIMARY KEY,
                    user_handle {blob} NOT NULL,
                    record TEXT NOT NULL,
                    name TEXT,
                    state TEXT NOT NULL,
                    state_changed_at BIGINT NOT NULL,
                    sign_count BIGINT NOT NULL,
                    backup_state BIGINT NOT NULL,
                    last_used_at BIGINT,
                    possibly_cloned BIGINT NOT NULL,
                    created_at BIGINT NOT NULL)"
            ),
            "CREATE INDEX IF NOT EXISTS credentials_by_user ON credentials (user_handle)".into(),
            format!(
                "CREATE TABLE IF NOT EXISTS ceremony_states (
                    key {blob} PRIMARY KEY,
                    state {blob} NOT NULL,
                    expires_at BIGINT NOT NULL)"
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS sessions (
                    token_hash {blob} PRIMARY KEY,
                    user_handle {blob} NOT NULL,
                    stage TEXT NOT NULL,
                    expires_at BIGINT NOT NULL)"
            ),
            "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                .into(),
        ];
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        if self.backend == Backend::Postgres {
            // Two servers starting at once must not both create the tables:
            // a transaction-scoped advisory lock serialises the migration.
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
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

mod credential_store;
mod credentials;
mod sessions;
mod settings;
mod users;

#[cfg(test)]
mod tests;
