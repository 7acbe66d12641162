//! # relypass-sqlx
//!
//! A [`CredentialStore`](relypass::CredentialStore) for
//! [relypass](https://docs.rs/relypass) on PostgreSQL (any number of servers
//! sharing one database) and SQLite (one process, an embedded file), built on
//! sqlx.
//!
//! ```no_run
//! # async fn run() -> relypass::Result<()> {
//! use relypass_sqlx::SqlxStore;
//! let store = SqlxStore::connect("sqlite://passkeys.db").await?;
//! store.migrate().await?;
//! # let rp: relypass::RelyingParty = unimplemented!();
//! let passkeys = relypass::Passkeys::new(rp, store);
//! # Ok(()) }
//! ```
//!
//! Every rule of the store contract holds inside the database, so it holds
//! across threads and servers:
//!
//! * **take-once ceremony states**: `DELETE … RETURNING` hands a state to at
//!   most one caller;
//! * **compare-and-set** sign-in updates (`… WHERE sign_count = $previous`) and
//!   lifecycle changes (`… WHERE state = $from`);
//! * **one transaction per registration** for the duplicate id, the
//!   replacement of a dead record, the registration limit and the creation of
//!   a new account with its first credential;
//! * **never remove the last way in** of a passkey-only account, decided in
//!   the transaction that removes;
//! * a **cap on unfinished ceremonies** ([`Error::TooManyCeremonies`]),
//!   checked against a per-store estimate recounted once a second (so a start
//!   costs the same however full the table is; see
//!   [`SqlxStoreOptions::ceremony_limit`] for the bound across servers), with
//!   expired states purged through an index on their expiry.
//!
//! Transactions that check a rule serialise on the account: PostgreSQL locks
//! the user's row (`SELECT … FOR UPDATE`); SQLite takes its write lock first
//! (`BEGIN IMMEDIATE`), in WAL mode with `synchronous=NORMAL` and a busy
//! timeout.
//!
//! When the database cannot be reached, or no pooled connection frees up
//! within the acquire timeout (1.5 s unless set), operations fail with
//! [`Error::StoreUnavailable`] so hosts can answer 503 at once; the pool
//! reconnects by itself when the database is back.
//!
//! The tables are the crate's own (`relypass_users`, `relypass_credentials`,
//! `relypass_ceremony_states`, `relypass_schema`), created and upgraded by
//! [`SqlxStore::migrate`].
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

mod cap;
mod connect;
mod credential_store;
mod rows;
mod schema;

pub use connect::{Backend, SqlxStoreOptions};

use cap::CeremonyCap;
use relypass::Error;
use sqlx::AnyPool;
use std::sync::Arc;

/// The store: a connection pool, the backend it talks to and its limits.
/// Clones share the pool.
#[derive(Clone, Debug)]
pub struct SqlxStore {
    pool: AnyPool,
    backend: Backend,
    ceremony_limit: usize,
    /// The cap's estimate, shared by clones (they share the pool, hence the
    /// table).
    cap: Arc<CeremonyCap>,
}

/// States stay this long past their expiry before the purge drops them, so a
/// `finish` arriving a little late reports "expired" rather than "unknown".
const EXPIRED_GRACE_SECONDS: u64 = 60;

impl SqlxStore {
    /// Connects with the default [`SqlxStoreOptions`] (`sqlite://FILE`, created
    /// if missing, or `postgres://…`). Call [`migrate`](Self::migrate) before
    /// first use.
    pub async fn connect(url: &str) -> relypass::Result<Self> {
        SqlxStoreOptions::new().connect(url).await
    }

    /// Options for [`SqlxStoreOptions::connect`].
    pub fn options() -> SqlxStoreOptions {
        SqlxStoreOptions::new()
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The cap on unfinished ceremony states.
    pub fn ceremony_limit(&self) -> usize {
        self.ceremony_limit
    }

    /// Whether the database answers: a connection from the pool and a trivial
    /// query. [`Error::StoreUnavailable`] when it does not (for a readiness
    /// probe).
    pub async fn health(&self) -> relypass::Result<()> {
        let one: i64 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        if one == 1 {
            Ok(())
        } else {
            Err(Error::StoreUnavailable(
                "health check answered wrongly".into(),
            ))
        }
    }

    /// The connection pool, for the host's own tables in the same database
    /// (passwords, sessions, settings): one pool means one set of
    /// connection settings (on SQLite: WAL, the busy timeout, foreign keys)
    /// and, on SQLite, one writer queue instead of two pools contending for
    /// the file's lock. Host tables may reference `relypass_users (handle)`
    /// (`ON DELETE CASCADE` follows [`delete_user`](Self::delete_user)).
    ///
    /// Write to the `relypass_` tables only through the store: its rules (the
    /// last way in, take-once ceremonies, compare-and-set updates) hold only
    /// for writes it makes. The pool is sqlx's type, so this ties the host to
    /// the sqlx version this crate uses (0.9).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool: waits for checked-out connections to come back.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps a database error: anything that says "not reachable now" (pool
/// timeout or closed, I/O, TLS, a lost connection, SQLite busy past its
/// timeout, PostgreSQL connection or shutdown codes) becomes
/// [`Error::StoreUnavailable`]; the rest is [`Error::Storage`].
///
/// The store's own rule, public for a host's tables in the same database
/// (through [`SqlxStore::pool`]): their outages then answer like the store's
/// (503 rather than 500).
///
/// ```
/// let e = relypass_sqlx::map_sqlx_error(sqlx::Error::PoolTimedOut);
/// assert!(matches!(e, relypass::Error::StoreUnavailable(_)));
/// ```
pub fn map_sqlx_error(e: sqlx::Error) -> Error {
    db(e)
}

pub(crate) fn db(e: sqlx::Error) -> Error {
    let unavailable = match &e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            if c.len() == 5 {
                // A PostgreSQL SQLSTATE: class 08 (connection exception),
                // 57P0x (shutdown, crash, cannot connect now), 53300 (too
                // many connections).
                c.starts_with("08") || c.starts_with("57P0") || c == "53300"
            } else {
                // An SQLite (extended) result code: BUSY or LOCKED, i.e. the
                // busy timeout ran out.
                c.parse::<i64>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
            }
        }),
        _ => false,
    };
    if unavailable {
        Error::StoreUnavailable(e.to_string())
    } else {
        Error::Storage(e.to_string())
    }
}

pub(crate) fn to_i64(v: u64) -> relypass::Result<i64> {
    i64::try_from(v).map_err(|_| Error::Storage("number out of range".into()))
}

pub(crate) fn to_u64(v: i64) -> relypass::Result<u64> {
    u64::try_from(v).map_err(|_| Error::Storage("negative number in database".into()))
}
