//! Opening the pool: backend detection, timeouts, SQLite pragmas.

use crate::cap::CeremonyCap;
use crate::{SqlxStore, db};
use relypass::Error;
use sqlx::any::AnyPoolOptions;
use sqlx::{AssertSqlSafe, Executor};
use std::sync::Arc;
use std::time::Duration;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite: one process, an embedded file.
    Sqlite,
    /// PostgreSQL: any number of servers sharing one database.
    Postgres,
}

/// How to connect: pool size, timeouts, the ceremony cap. Defaults:
/// 1.5 s acquire timeout, 5 s SQLite busy timeout, 8 connections (4 on SQLite,
/// which has one writer anyway), 100 000 unfinished ceremonies.
#[derive(Debug, Clone)]
pub struct SqlxStoreOptions {
    max_connections: Option<u32>,
    acquire_timeout: Duration,
    connect_timeout: Duration,
    busy_timeout: Duration,
    ceremony_limit: usize,
    ceremony_recount_interval: Duration,
}

impl Default for SqlxStoreOptions {
    fn default() -> Self {
        SqlxStoreOptions {
            max_connections: None,
            acquire_timeout: Self::DEFAULT_ACQUIRE_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            busy_timeout: Duration::from_secs(5),
            ceremony_limit: Self::DEFAULT_CEREMONY_LIMIT,
            ceremony_recount_interval: Self::DEFAULT_CEREMONY_RECOUNT_INTERVAL,
        }
    }
}

impl SqlxStoreOptions {
    /// The default cap on unfinished ceremony states (100 000: at most a few
    /// hundred bytes each on disk).
    pub const DEFAULT_CEREMONY_LIMIT: usize = 100_000;

    /// The default [`ceremony_recount_interval`](Self::ceremony_recount_interval): 1 s.
    pub const DEFAULT_CEREMONY_RECOUNT_INTERVAL: Duration = Duration::from_secs(1);

    /// The default [`acquire_timeout`](Self::acquire_timeout): 1.5 s, so a
    /// request that fails over an unavailable database still answers well
    /// within 2 s (the wait is only part of a request's time).
    pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

    /// The default [`connect_timeout`](Self::connect_timeout): 30 s.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pool size.
    #[must_use]
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = Some(n.max(1));
        self
    }

    /// How long an operation waits for a pooled connection (or a new one)
    /// before failing with [`Error::StoreUnavailable`] (default 1.5 s). Keep
    /// it short: a host should answer 503 quickly rather than queue requests
    /// behind a database that is down, and the answer comes this long plus
    /// the rest of the request's work after the request arrived.
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// How long [`connect`](Self::connect) keeps trying to open its first
    /// connection when the database cannot be reached (default 30 s), each
    /// attempt bounded by the [acquire timeout](Self::acquire_timeout).
    ///
    /// Why apart from the acquire timeout: that one is short so requests fail
    /// fast while a database is down; a server starting beside its database
    /// (or on a machine busy enough that the first SQLite open takes longer
    /// than 1.5 s, which happened in this repository's load tests) should wait
    /// for it rather than exit. A wrong URL or a refused login fails at once.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// SQLite only: how long a statement waits for another connection's write
    /// lock before failing with [`Error::StoreUnavailable`].
    #[must_use]
    pub fn sqlite_busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// The cap on unfinished ceremony states (default 100 000); a start at
    /// the cap fails with [`Error::TooManyCeremonies`] (see
    /// [`CredentialStore::put_ceremony_state`](relypass::CredentialStore::put_ceremony_state)).
    ///
    /// A start does not count the table: the store counts it at most once per
    /// [recount interval](Self::ceremony_recount_interval) and in between
    /// adds the states it inserted and subtracts those it took or purged.
    /// Within one process (SQLite, or one server on PostgreSQL) the cap is
    /// exact. Processes sharing a database see each other's inserts only at
    /// their next count, so the table may pass the cap by at most what the
    /// *other* processes insert within one interval (say 3 servers starting
    /// 500 ceremonies a second each, 1 s interval: by at most the other two
    /// servers' 1 000); lower the cap by that much if the bound must be hard.
    #[must_use]
    pub fn ceremony_limit(mut self, limit: usize) -> Self {
        self.ceremony_limit = limit;
        self
    }

    /// How often the store counts the ceremony table for the cap (default
    /// 1 s; see [`ceremony_limit`](Self::ceremony_limit)). A count costs up
    /// to one index entry per state held, paid by one start per interval;
    /// between counts a start costs the same however full the table is, and
    /// starts at the cap are refused without a query. Shorter tightens the
    /// bound across processes; [`Duration::ZERO`] counts on every start (the
    /// exact cost scales with the table again).
    #[must_use]
    pub fn ceremony_recount_interval(mut self, interval: Duration) -> Self {
        self.ceremony_recount_interval = interval;
        self
    }

    /// Opens the pool (`sqlite://FILE`, created if missing, or
    /// `postgres://…`). An unreachable database is
    /// [`Error::StoreUnavailable`]; an unsupported URL (or a backend whose
    /// feature is off) is [`Error::Config`].
    pub async fn connect(self, url: &str) -> relypass::Result<SqlxStore> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if url.starts_with("sqlite:") {
            if !cfg!(feature = "sqlite") {
                return Err(Error::Config(
                    "relypass-sqlx was built without the `sqlite` feature".into(),
                ));
            }
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
            if !cfg!(feature = "postgres") {
                return Err(Error::Config(
                    "relypass-sqlx was built without the `postgres` feature".into(),
                ));
            }
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(Error::Config(
                "database URL: expected sqlite://FILE or postgres://…".into(),
            ));
        };
        let busy_ms = self.busy_timeout.as_millis();
        let options = AnyPoolOptions::new()
            .max_connections(self.max_connections.unwrap_or(match backend {
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            }))
            .acquire_timeout(self.acquire_timeout)
            // A connection that died while idle (database restarted) is
            // noticed and replaced on its next use: recovery without restart.
            .test_before_acquire(true)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers do not block the writer; NORMAL sync is
                        // durable across process crashes (WAL's usual setting).
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        let busy = format!("PRAGMA busy_timeout = {busy_ms}");
                        // Built from a number only.
                        conn.execute(AssertSqlSafe(busy)).await?;
                    }
                    Ok(())
                })
            });
        let deadline = std::time::Instant::now() + self.connect_timeout;
        let pool = loop {
            match options.clone().connect(&url).await {
                Ok(pool) => break pool,
                Err(sqlx::Error::Configuration(e)) => {
                    return Err(Error::Config(format!("database URL: {e}")));
                }
                Err(e) => {
                    let e = db(e);
                    // Only "cannot reach it (yet)" is worth another attempt.
                    if !matches!(e, Error::StoreUnavailable(_))
                        || std::time::Instant::now() >= deadline
                    {
                        return Err(e);
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        };
        Ok(SqlxStore {
            pool,
            backend,
            ceremony_limit: self.ceremony_limit,
            cap: Arc::new(CeremonyCap::new(
                self.ceremony_limit,
                self.ceremony_recount_interval,
            )),
        })
    }
}
