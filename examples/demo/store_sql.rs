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
    InsertConditions, User, UserHandle, VerifiedRegistration,
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

    // ---- users (the demo's part) -------------------------------------------

    fn app_user_from_row(row: &AnyRow) -> relypass::Result<AppUser> {
        let handle: Vec<u8> = row.try_get("handle").map_err(storage)?;
        Ok(AppUser {
            user: User {
                handle: UserHandle::new(handle)?,
                name: row.try_get("name").map_err(storage)?,
                display_name: row.try_get("display_name").map_err(storage)?,
            },
            password_hash: row.try_get("password_hash").map_err(storage)?,
            passkey_only: row.try_get::<i64, _>("passkey_only").map_err(storage)? != 0,
            activated: row.try_get::<i64, _>("activated").map_err(storage)? != 0,
        })
    }

    /// A user with the demo's fields, by handle.
    pub async fn app_user(&self, handle: &UserHandle) -> relypass::Result<Option<AppUser>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE handle = $1");
        let row = sqlx::query(sql)
            .bind(handle.as_bytes())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref().map(Self::app_user_from_row).transpose()
    }

    /// A user with the demo's fields, by name.
    pub async fn app_user_by_name(&self, name: &str) -> relypass::Result<Option<AppUser>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE name = $1");
        let row = sqlx::query(sql)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref().map(Self::app_user_from_row).transpose()
    }

    /// Creates a user; returns `false` if the name (or handle) is taken.
    pub async fn create_user(
        &self,
        user: &User,
        password_hash: Option<&str>,
        activated: bool,
    ) -> relypass::Result<bool> {
        let done = sqlx::query(
            "INSERT INTO users (handle, name, display_name, password_hash, passkey_only, activated, created_at)
             VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(user.handle.as_bytes())
        .bind(user.name.as_str())
        .bind(user.display_name.as_str())
        .bind(password_hash.map(str::to_owned))
        .bind(i64::from(activated))
        .bind(to_i64(unix_now())?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes an abandoned passkey sign-up (a user never activated) so the name
    /// can be signed up again. Credentials of such a user cannot exist: the
    /// first one activates it.
    pub async fn delete_unactivated_user(&self, name: &str) -> relypass::Result<()> {
        sqlx::query("DELETE FROM users WHERE name = $1 AND activated = 0")
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// Marks a passkey sign-up as finished; returns `false` if it already was
    /// (or the user is gone), so of two racing finishes only one activates.
    pub async fn activate_user(&self, handle: &UserHandle) -> relypass::Result<bool> {
        let done =
            sqlx::query("UPDATE users SET activated = 1 WHERE handle = $1 AND activated = 0")
                .bind(handle.as_bytes())
                .execute(&self.pool)
                .await
                .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    /// Turns passkey-only on (dropping the password: it can no longer be used)
    /// or off.
    pub async fn set_passkey_only(&self, handle: &UserHandle, on: bool) -> relypass::Result<()> {
        let sql = if on {
            "UPDATE users SET passkey_only = 1, password_hash = NULL WHERE handle = $1"
        } else {
            "UPDATE users SET passkey_only = 0 WHERE handle = $1"
        };
        sqlx::query(sql)
            .bind(handle.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    // ---- sessions ----------------------------------------------------------

    /// Opens a session and returns the cookie token. Only the token's SHA-256
    /// is stored, so a leaked database does not leak live sessions.
    pub async fn create_session(
        &self,
        user: &UserHandle,
        stage: Stage,
    ) -> relypass::Result<String> {
        let mut token = [0u8; 32];
        getrandom::fill(&mut token).map_err(|_| Error::Random)?;
        let token = relypass::json::b64url(&token);
        let now = unix_now();
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(to_i64(now)?)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_handle, stage, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(Sha256::digest(token.as_bytes()).to_vec())
        .bind(user.as_bytes())
        .bind(stage.as_str())
        .bind(to_i64(now + SESSION_SECONDS)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(token)
    }

    /// The live session for a cookie token, if any.
    pub async fn session(&self, token: &str) -> relypass::Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_handle, stage FROM sessions WHERE token_hash = $1 AND expires_at >= $2",
        )
        .bind(Sha256::digest(token.as_bytes()).to_vec())
        .bind(to_i64(unix_now())?)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        let Some(row) = row else { return Ok(None) };
        let handle: Vec<u8> = row.try_get("user_handle").map_err(storage)?;
        let stage: String = row.try_get("stage").map_err(storage)?;
        Ok(Some(Session {
            user_handle: UserHandle::new(handle)?,
            stage: if stage == Stage::SignedIn.as_str() {
                Stage::SignedIn
            } else {
                Stage::SecondFactor
            },
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token: &str) -> relypass::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(Sha256::digest(token.as_bytes()).to_vec())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    // ---- settings ----------------------------------------------------------

    /// Writes the default of a boolean setting unless it already has a value.
    pub async fn init_setting(&self, key: &str, value: bool) -> relypass::Result<()> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(key)
            .bind(if value { "on" } else { "off" })
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }

    /// A boolean setting (`false` when unset).
    pub async fn setting(&self, key: &str) -> relypass::Result<bool> {
        let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        Ok(v.as_deref() == Some("on"))
    }

    /// Sets a boolean setting.
    pub async fn set_setting(&self, key: &str, value: bool) -> relypass::Result<()> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(if value { "on" } else { "off" })
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    // ---- credentials -------------------------------------------------------

    /// A transaction that will write rows of `user`'s credentials, serialised
    /// against every other such transaction for the same user, so a rule read
    /// inside it (the registration limit) still holds at commit.
    async fn write_transaction(
        &self,
        user: &UserHandle,
    ) -> relypass::Result<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            // SQLite has one writer: take its lock before the first read, so
            // the transaction never has to upgrade a read lock (which SQLite
            // refuses under contention with "database is locked").
            Backend::Sqlite => self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(storage),
            Backend::Postgres => {
                let mut tx = self.pool.begin().await.map_err(storage)?;
                // A transaction-scoped advisory lock per user; a hash collision
                // only serialises two users' registrations, never mixes them.
                let digest =
                    Sha256::digest([b"relypass-user:".as_slice(), user.as_bytes()].concat());
                let mut key = [0u8; 8];
                key.copy_from_slice(&digest[..8]);
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(i64::from_be_bytes(key))
                    .execute(&mut *tx)
                    .await
                    .map_err(storage)?;
                Ok(tx)
            }
        }
    }

    fn credential_from_row(row: &AnyRow) -> relypass::Result<CredentialRecord> {
        let json: String = row.try_get("record").map_err(storage)?;
        let mut c: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| Error::Storage(format!("stored credential: {e}")))?;
        // The columns are authoritative for everything that changes after
        // registration: they overwrite the registration-time JSON, and the record
        // comes back through serde (relypass records have no other constructor).
        let name: Option<String> = row.try_get("name").map_err(storage)?;
        let state = parse_state(&row.try_get::<String, _>("state").map_err(storage)?);
        let state_changed_at = to_u64(row.try_get("state_changed_at").map_err(storage)?)?;
        let sign_count = u32::try_from(row.try_get::<i64, _>("sign_count").map_err(storage)?)
            .map_err(|_| Error::Storage("sign_count out of range".into()))?;
        let backup_state = row.try_get::<i64, _>("backup_state").map_err(storage)? != 0;
        let last_used_at = row
            .try_get::<Option<i64>, _>("last_used_at")
            .map_err(storage)?
            .map(to_u64)
            .transpose()?;
        let possibly_cloned = row.try_get::<i64, _>("possibly_cloned").map_err(storage)? != 0;
        let serde_json::Value::Object(members) = &mut c else {
            return Err(Error::Storage(
                "stored credential: not a JSON object".into(),
            ));
        };
        for (k, v) in [
            ("name", serde_json::json!(name)),
            ("state", serde_json::json!(state)),
            ("state_changed_at", serde_json::json!(state_changed_at)),
            ("sign_count", serde_json::json!(sign_count)),
            ("backup_state", serde_json::json!(backup_state)),
            ("last_used_at", serde_json::json!(last_used_at)),
            ("possibly_cloned", serde_json::json!(possibly_cloned)),
        ] {
            members.insert(k.to_owned(), v);
        }
        serde_json::from_value(c).map_err(|e| Error::Storage(format!("stored credential: {e}")))
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

impl CredentialStore for SqlStore {
    async fn user_by_handle(&self, handle: &UserHandle) -> relypass::Result<Option<User>> {
        Ok(self.app_user(handle).await?.map(|u| u.user))
    }

    async fn user_by_name(&self, name: &str) -> relypass::Result<Option<User>> {
        Ok(self.app_user_by_name(name).await?.map(|u| u.user))
    }

    async fn insert_user(&self, user: &User) -> relypass::Result<()> {
        if self.create_user(user, None, true).await? {
            Ok(())
        } else {
            Err(Error::Storage("user already exists".into()))
        }
    }

    async fn credentials_for_user(
        &self,
        handle: &UserHandle,
    ) -> relypass::Result<Vec<CredentialRecord>> {
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE user_handle = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(sql)
            .bind(handle.as_bytes())
            .fetch_all(&self.pool)
            .await
            .map_err(storage)?;
        rows.iter().map(Self::credential_from_row).collect()
    }

    async fn credential_by_id(&self, id: &[u8]) -> relypass::Result<Option<CredentialRecord>> {
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE id = $1"
        );
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        row.as_ref().map(Self::credential_from_row).transpose()
    }

    async fn insert_credential(
        &self,
        registration: &VerifiedRegistration,
        conditions: &InsertConditions<'_>,
    ) -> relypass::Result<()> {
        let c = registration.record();
        let json = serde_json::to_string(c).map_err(|e| Error::Storage(e.to_string()))?;
        let mut tx = self.write_transaction(c.user_handle()).await?;
        // The duplicate id: refused unless it is the dead record `conditions`
        // names, which is removed here, in the same transaction, only if it is
        // still exactly what the caller compared against.
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM credentials WHERE id = $1"
        );
        let existing = sqlx::query(sql)
            .bind(c.id())
            .fetch_optional(&mut *tx)
            .await
            .map_err(storage)?;
        if let Some(row) = existing {
            let existing = Self::credential_from_row(&row)?;
            if !conditions.may_replace(&existing, c) {
                return Err(Error::CredentialAlreadyRegistered);
            }
            sqlx::query("DELETE FROM credentials WHERE id = $1 AND state = $2")
                .bind(c.id())
                .bind(state_name(existing.state())?)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
        }
        if let Some(limit) = conditions.registration_limit {
            let live: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM credentials WHERE user_handle = $1 AND state IN ($2, $3)",
            )
            .bind(c.user_handle().as_bytes())
            .bind(state_name(CredentialState::Active)?)
            .bind(state_name(CredentialState::Disabled)?)
            .fetch_one(&mut *tx)
            .await
            .map_err(storage)?;
            if usize::try_from(live).map_or(true, |n| n >= limit) {
                return Err(Error::RegistrationLimit { limit });
            }
        }
        let done = sqlx::query(
            "INSERT INTO credentials (id, user_handle, record, name, state, state_changed_at,
                 sign_count, backup_state, last_used_at, possibly_cloned, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        )
        .bind(c.id())
        .bind(c.user_handle().as_bytes())
        .bind(json)
        .bind(c.name())
        .bind(state_name(c.state())?)
        .bind(to_i64(c.state_changed_at())?)
        .bind(i64::from(c.sign_count()))
        .bind(i64::from(c.backup_state()))
        .bind(c.last_used_at().map(to_i64).transpose()?)
        .bind(i64::from(c.possibly_cloned()))
        .bind(to_i64(c.created_at())?)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        if done.rows_affected() == 0 {
            return Err(Error::CredentialAlreadyRegistered);
        }
        tx.commit().await.map_err(storage)
    }

    async fn update_after_authentication(&self, u: &CredentialUpdate) -> relypass::Result<bool> {
        // Compare-and-set: applies only if no other sign-in moved the counter
        // since this one was verified.
        let done = sqlx::query(
            "UPDATE credentials SET sign_count = $1, backup_state = $2, last_used_at = $3,
                 possibly_cloned = CASE WHEN $4 = 1 THEN 1 ELSE possibly_cloned END
             WHERE id = $5 AND sign_count = $6",
        )
        .bind(i64::from(u.sign_count()))
        .bind(i64::from(u.backup_state()))
        .bind(to_i64(u.last_used_at())?)
        .bind(i64::from(u.possibly_cloned()))
        .bind(u.credential_id())
        .bind(i64::from(u.previous_sign_count()))
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_credential_name(&self, id: &[u8], name: Option<&str>) -> relypass::Result<bool> {
        let done = sqlx::query("UPDATE credentials SET name = $1 WHERE id = $2")
            .bind(name.map(str::to_owned))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
    ) -> relypass::Result<bool> {
        // Compare-and-set on the state column: a state change decided on a
        // stale read matches no row.
        let done = sqlx::query(
            "UPDATE credentials SET state = $1, state_changed_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(state_name(to)?)
        .bind(to_i64(changed_at)?)
        .bind(id)
        .bind(state_name(from)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_credential(&self, id: &[u8]) -> relypass::Result<bool> {
        let done = sqlx::query("DELETE FROM credentials WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(done.rows_affected() > 0)
    }

    async fn put_ceremony_state(
        &self,
        key: &[u8],
        state: Vec<u8>,
        expires_at: u64,
    ) -> relypass::Result<()> {
        // Sweep states that expired over a minute ago (a state a little past its
        // expiry is kept, so `finish` reports "expired" rather than "unknown").
        sqlx::query("DELETE FROM ceremony_states WHERE expires_at < $1")
            .bind(to_i64(unix_now().saturating_sub(60))?)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO ceremony_states (key, state, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(state)
        .bind(to_i64(expires_at)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    async fn account_policy(&self, handle: &UserHandle) -> relypass::Result<AccountPolicy> {
        // The demo's own per-user flag. An unknown handle (the name-first flow's
        // stand-in for an unknown username) gets the default policy.
        let passkey_only: Option<i64> =
            sqlx::query_scalar("SELECT passkey_only FROM users WHERE handle = $1")
                .bind(handle.as_bytes())
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(if passkey_only.unwrap_or(0) != 0 {
            AccountPolicy::passkey_only()
        } else {
            AccountPolicy::new()
        })
    }

    async fn take_ceremony_state(&self, key: &[u8]) -> relypass::Result<Option<Vec<u8>>> {
        // Take-once across every process sharing the database: the row is
        // deleted and returned in one statement, so of two concurrent calls at
        // most one gets it.
        sqlx::query_scalar("DELETE FROM ceremony_states WHERE key = $1 RETURNING state")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)
    }
}

#[cfg(test)]
mod tests {
    /// Store tests insert records without running a ceremony (the hidden
    /// test hook; hosts only ever insert what `Passkeys` verified).
    fn verified(c: &CredentialRecord) -> relypass::VerifiedRegistration {
        relypass::internal::store_testing::registration(c.clone())
    }
    use super::*;
    use relypass::Passkeys;
    use relypass::json::Base64Url;
    use std::sync::Arc;

    /// A fresh SQLite file, removed when the guard drops.
    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> Self {
            let mut r = [0u8; 8];
            getrandom::fill(&mut r).unwrap();
            TempDb(std::env::temp_dir().join(format!(
                "relypass-demo-test-{}.db",
                relypass::json::b64url(&r)
            )))
        }
        fn url(&self) -> String {
            format!("sqlite://{}", self.0.display())
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn record(id: &[u8], user: &UserHandle) -> CredentialRecord {
        // A record as a finished registration would produce it (built through
        // serde, so this test keeps compiling when the record gains fields).
        serde_json::from_value(serde_json::json!({
            "id": relypass::json::b64url(id),
            "user_handle": relypass::json::b64url(user.as_bytes()),
            "public_key": "pQECAyYgASFYIA",
            "algorithm": -7,
            "sign_count": 5,
            "backup_eligible": true,
            "backup_state": false,
            "user_verified": true,
            "transports": ["internal"],
            "aaguid": "00000000-0000-0000-0000-000000000000",
            "attestation_format": "none",
            "attestation_type": "none",
            "discoverable": true,
            "created_at": 1000,
            "last_used_at": null,
            "name": null,
            "state": "active",
            "state_changed_at": 1000,
            "possibly_cloned": false
        }))
        .expect("record JSON")
    }

    async fn store_with_user() -> (SqlStore, User, TempDb) {
        let db = TempDb::new();
        let store = SqlStore::connect(&db.url()).await.unwrap();
        let user = User {
            handle: UserHandle::random().unwrap(),
            name: "alice".into(),
            display_name: "Alice".into(),
        };
        store.insert_user(&user).await.unwrap();
        (store, user, db)
    }

    #[tokio::test]
    async fn credentials_round_trip_and_duplicates_are_refused() {
        let (store, user, _db) = store_with_user().await;
        assert!(store.insert_user(&user).await.is_err());
        let mut c = record(b"cred-1", &user.handle);
        let none = InsertConditions::new();
        store.insert_credential(&verified(&c), &none).await.unwrap();
        assert!(matches!(
            store.insert_credential(&verified(&c), &none).await,
            Err(Error::CredentialAlreadyRegistered)
        ));
        assert_eq!(
            store.credential_by_id(b"cred-1").await.unwrap(),
            Some(c.clone())
        );
        assert!(
            store
                .set_credential_name(c.id(), Some("Laptop"))
                .await
                .unwrap()
        );
        let (active, disabled) = (CredentialState::Active, CredentialState::Disabled);
        assert!(
            store
                .set_credential_state(c.id(), active, disabled, 4242)
                .await
                .unwrap()
        );
        c = relypass_testkit::records::with(&c, "name", serde_json::json!("Laptop"));
        c = relypass_testkit::records::with(&c, "state", serde_json::json!(disabled));
        c = relypass_testkit::records::with(&c, "state_changed_at", serde_json::json!(4242));
        let all = store.credentials_for_user(&user.handle).await.unwrap();
        assert_eq!(all, vec![c.clone()]);
        // Compare-and-set: a change decided on a stale state applies nothing.
        assert!(
            !store
                .set_credential_state(c.id(), active, CredentialState::Revoked, 1)
                .await
                .unwrap()
        );
        assert_eq!(
            store.credential_by_id(c.id()).await.unwrap(),
            Some(c.clone())
        );
        assert!(!store.set_credential_name(b"nope", Some("x")).await.unwrap());
        assert!(
            !store
                .set_credential_state(b"nope", active, disabled, 1)
                .await
                .unwrap()
        );
        assert!(store.delete_credential(b"cred-1").await.unwrap());
        assert!(!store.delete_credential(b"cred-1").await.unwrap());
    }

    #[tokio::test]
    async fn counter_update_is_compare_and_set() {
        let (store, user, _db) = store_with_user().await;
        store
            .insert_credential(
                &verified(&record(b"c", &user.handle)),
                &InsertConditions::new(),
            )
            .await
            .unwrap();
        let update = |prev, next| {
            relypass::internal::store_testing::update(b"c", prev, next, true, 2000, false)
        };
        assert!(
            store
                .update_after_authentication(&update(5, 6))
                .await
                .unwrap()
        );
        // A second sign-in verified against the old counter loses.
        assert!(
            !store
                .update_after_authentication(&update(5, 7))
                .await
                .unwrap()
        );
        let c = store.credential_by_id(b"c").await.unwrap().unwrap();
        assert_eq!(
            (c.sign_count(), c.backup_state(), c.last_used_at()),
            (6, true, Some(2000))
        );
    }

    #[tokio::test]
    async fn ceremony_state_is_taken_once_even_under_concurrency() {
        let (store, _, _db) = store_with_user().await;
        store
            .put_ceremony_state(b"challenge", b"state".to_vec(), unix_now() + 60)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            store.take_ceremony_state(b"challenge"),
            store.take_ceremony_state(b"challenge")
        );
        let got: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
        assert_eq!(got, vec![b"state".to_vec()]);
    }

    #[tokio::test]
    async fn sessions_settings_and_passkey_only() {
        let (store, user, _db) = store_with_user().await;
        let token = store
            .create_session(&user.handle, Stage::SecondFactor)
            .await
            .unwrap();
        let s = store.session(&token).await.unwrap().unwrap();
        assert_eq!(
            (s.user_handle, s.stage),
            (user.handle.clone(), Stage::SecondFactor)
        );
        assert!(store.session("forged").await.unwrap().is_none());
        store.delete_session(&token).await.unwrap();
        assert!(store.session(&token).await.unwrap().is_none());

        store.init_setting("k", true).await.unwrap();
        store.init_setting("k", false).await.unwrap();
        assert!(store.setting("k").await.unwrap());
        store.set_setting("k", false).await.unwrap();
        assert!(!store.setting("k").await.unwrap());

        assert_eq!(
            store.account_policy(&user.handle).await.unwrap(),
            AccountPolicy::new()
        );
        store.set_passkey_only(&user.handle, true).await.unwrap();
        let u = store.app_user(&user.handle).await.unwrap().unwrap();
        assert!(u.passkey_only && u.password_hash.is_none());
        assert_eq!(
            store.account_policy(&user.handle).await.unwrap(),
            AccountPolicy::passkey_only()
        );
        let nobody = UserHandle::new(vec![9; 32]).unwrap();
        assert_eq!(
            store.account_policy(&nobody).await.unwrap(),
            AccountPolicy::new()
        );
    }

    fn rp() -> relypass::RelyingParty {
        relypass::RelyingParty::builder("localhost", "test")
            .origins(["http://localhost:8080"])
            .build()
            .unwrap()
    }

    /// The library's management operations, through this store: every change
    /// they make survives a read back from SQL.
    #[tokio::test]
    async fn management_operations_persist() {
        let (store, user, _db) = store_with_user().await;
        store
            .insert_credential(
                &verified(&record(b"c", &user.handle)),
                &InsertConditions::new(),
            )
            .await
            .unwrap();
        let passkeys = Passkeys::new(rp(), store.clone());
        passkeys
            .rename_credential(&user.handle, b"c", Some("  Work key "))
            .await
            .unwrap();
        let disabled = passkeys
            .disable_credential(&user.handle, b"c")
            .await
            .unwrap();
        assert!(disabled.state_changed_at() > 1000);
        let stored = store.credential_by_id(b"c").await.unwrap().unwrap();
        assert_eq!(stored.name(), Some("Work key"));
        assert_eq!(stored.state(), CredentialState::Disabled);
        assert_eq!(stored.state_changed_at(), disabled.state_changed_at());
        passkeys
            .revoke_credential(&user.handle, b"c")
            .await
            .unwrap();
        assert!(matches!(
            passkeys.enable_credential(&user.handle, b"c").await,
            Err(Error::InvalidStateTransition { .. })
        ));
        let list = passkeys.list_credentials(&user.handle).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].state, CredentialState::Revoked);
        // Someone else's passkey cannot be touched.
        let other = UserHandle::new(vec![7; 16]).unwrap();
        assert!(matches!(
            passkeys.delete_credential(&other, b"c").await,
            Err(Error::CredentialNotOwned)
        ));
        passkeys
            .delete_credential(&user.handle, b"c")
            .await
            .unwrap();
        assert!(store.credential_by_id(b"c").await.unwrap().is_none());
    }

    async fn options_for_name(p: &Passkeys<SqlStore>, name: &str) -> serde_json::Value {
        let (options, _ceremony) = p
            .start_authentication_for_name(name, &relypass::AuthenticationOptions::default())
            .await
            .unwrap();
        serde_json::to_value(options).unwrap()
    }

    /// The passkey-only flag reaches relypass (UV required for that account),
    /// the registration limit counts stored passkeys, and an unknown username
    /// gets fake options that are the same on every server sharing the secret.
    #[tokio::test]
    async fn policies_reach_the_library() {
        let (store, user, _db) = store_with_user().await;
        for id in [&b"c1"[..], b"c2"] {
            store
                .insert_credential(
                    &verified(&record(id, &user.handle)),
                    &InsertConditions::new(),
                )
                .await
                .unwrap();
        }
        let server = |secret: u8| {
            Passkeys::new(rp(), store.clone())
                .with_registration_limit(2)
                .with_enumeration_secret([secret; 32])
        };
        let (one, two) = (server(1), server(1));
        let ids = |v: &serde_json::Value| v["allowCredentials"].clone();
        let real = options_for_name(&one, "alice").await;
        assert_eq!(real["allowCredentials"].as_array().unwrap().len(), 2);
        let fake = options_for_name(&one, "nobody").await;
        assert!(!fake["allowCredentials"].as_array().unwrap().is_empty());
        assert_eq!(ids(&fake), ids(&options_for_name(&two, "nobody").await));
        assert_ne!(
            ids(&fake),
            ids(&options_for_name(&server(2), "nobody").await)
        );
        assert_eq!(real["userVerification"], fake["userVerification"]);

        // Passkey-only (the demo's flag) makes relypass require UV.
        let h = user.handle.clone();
        let uv = |v: serde_json::Value| v["userVerification"].clone();
        let before = uv(serde_json::to_value(
            one.start_authentication(Some(&h), &Default::default())
                .await
                .unwrap()
                .0,
        )
        .unwrap());
        assert_ne!(before, "required");
        store.set_passkey_only(&h, true).await.unwrap();
        let after = uv(serde_json::to_value(
            one.start_authentication(Some(&h), &Default::default())
                .await
                .unwrap()
                .0,
        )
        .unwrap());
        assert_eq!(after, "required");

        assert!(matches!(
            one.start_registration(&user, &Default::default()).await,
            Err(Error::RegistrationLimit { limit: 2 })
        ));
    }

    /// The stores the race tests run on: a fresh SQLite file, and PostgreSQL
    /// when `RELYPASS_TEST_POSTGRES` names a database (`.ci/run` starts one).
    async fn race_stores() -> Vec<(SqlStore, Option<TempDb>)> {
        let db = TempDb::new();
        let mut stores = vec![(SqlStore::connect(&db.url()).await.unwrap(), Some(db))];
        if let Ok(url) = std::env::var("RELYPASS_TEST_POSTGRES") {
            stores.push((SqlStore::connect(&url).await.unwrap(), None));
        }
        stores
    }

    async fn fresh_user(store: &SqlStore) -> User {
        let handle = UserHandle::random().unwrap();
        let user = User {
            name: relypass::json::b64url(handle.as_bytes()),
            display_name: "Racer".into(),
            handle,
        };
        store.insert_user(&user).await.unwrap();
        user
    }

    fn random_id() -> Vec<u8> {
        let mut id = vec![0u8; 16];
        getrandom::fill(&mut id).unwrap();
        id
    }

    /// Audit defect 8 on SQL: limit 3 with 2 held, six inserts at once: exactly
    /// one lands.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registration_limit_holds_for_parallel_inserts() {
        for (store, _db) in race_stores().await {
            let user = fresh_user(&store).await;
            let none = InsertConditions::new();
            for _ in 0..2 {
                store
                    .insert_credential(&verified(&record(&random_id(), &user.handle)), &none)
                    .await
                    .unwrap();
            }
            let store = Arc::new(store);
            let tasks: Vec<_> = (0..6)
                .map(|_| {
                    let (store, c) = (Arc::clone(&store), record(&random_id(), &user.handle));
                    tokio::spawn(async move {
                        let limited = InsertConditions::new().with_registration_limit(Some(3));
                        store.insert_credential(&verified(&c), &limited).await
                    })
                })
                .collect();
            let mut landed = 0;
            for t in tasks {
                match t.await.unwrap() {
                    Ok(()) => landed += 1,
                    Err(e) => assert!(matches!(e, Error::RegistrationLimit { limit: 3 }), "{e:?}"),
                }
            }
            assert_eq!(landed, 1, "{:?}", store.backend());
            let held = store.credentials_for_user(&user.handle).await.unwrap();
            assert_eq!(held.len(), 3);
        }
    }

    /// Audit defect 2 on SQL: rename and revoke at the same instant, many
    /// times: the revocation always survives, and so does the name.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lost_revocation_rename_racing_revoke_on_sql() {
        for (store, _db) in race_stores().await {
            let user = fresh_user(&store).await;
            let passkeys = Arc::new(Passkeys::new(rp(), store.clone()));
            for _ in 0..50 {
                let id = random_id();
                store
                    .insert_credential(
                        &verified(&record(&id, &user.handle)),
                        &InsertConditions::new(),
                    )
                    .await
                    .unwrap();
                let (p1, h1, id1) = (Arc::clone(&passkeys), user.handle.clone(), id.clone());
                let rename =
                    tokio::spawn(
                        async move { p1.rename_credential(&h1, &id1, Some("racer")).await },
                    );
                passkeys.revoke_credential(&user.handle, &id).await.unwrap();
                rename.await.unwrap().unwrap();
                let now = store.credential_by_id(&id).await.unwrap().unwrap();
                assert_eq!(
                    now.state(),
                    CredentialState::Revoked,
                    "{:?}",
                    store.backend()
                );
                assert_eq!(now.name(), Some("racer"));
            }
        }
    }

    /// A dead record is replaced only if it is still the one the caller
    /// compared (same key bytes, still dead, same user), in one transaction.
    #[tokio::test]
    async fn replacing_a_dead_record_is_compare_and_set() {
        for (store, _db) in race_stores().await {
            let user = fresh_user(&store).await;
            let id = random_id();
            let old = record(&id, &user.handle);
            store
                .insert_credential(&verified(&old), &InsertConditions::new())
                .await
                .unwrap();
            let mut new = old.clone();
            new = relypass_testkit::records::with(
                &new,
                "public_key",
                serde_json::json!(Base64Url::from(b"another key".to_vec())),
            );
            let replacing = InsertConditions::new().replacing(Some(old.public_key()));
            // Still active: not replaceable.
            assert!(matches!(
                store.insert_credential(&verified(&new), &replacing).await,
                Err(Error::CredentialAlreadyRegistered)
            ));
            let (active, revoked) = (CredentialState::Active, CredentialState::Revoked);
            assert!(
                store
                    .set_credential_state(&id, active, revoked, 5)
                    .await
                    .unwrap()
            );
            // Dead, but the caller compared other key bytes: not replaced.
            let stale = InsertConditions::new().replacing(Some(b"stale".as_slice()));
            assert!(matches!(
                store.insert_credential(&verified(&new), &stale).await,
                Err(Error::CredentialAlreadyRegistered)
            ));
            // Another user's dead record is never replaced.
            let mut theirs = new.clone();
            theirs = relypass_testkit::records::with(
                &theirs,
                "user_handle",
                serde_json::json!(UserHandle::random().unwrap()),
            );
            assert!(matches!(
                store
                    .insert_credential(&verified(&theirs), &replacing)
                    .await,
                Err(Error::CredentialAlreadyRegistered)
            ));
            store
                .insert_credential(&verified(&new), &replacing)
                .await
                .unwrap();
            let now = store.credential_by_id(&id).await.unwrap().unwrap();
            assert_eq!((now.state(), now.public_key()), (active, new.public_key()));
        }
    }

    #[test]
    fn database_passwords_are_not_printed() {
        assert_eq!(
            redact("postgres://me:secret@db:5432/x"),
            "postgres://me:***@db:5432/x"
        );
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }
}
