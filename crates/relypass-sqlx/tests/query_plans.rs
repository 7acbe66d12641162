//! Every statement the store runs finds its rows through an index: no
//! operation reads the whole user or credential table, so none costs more as
//! the database grows (issue 16: "every trait operation in time independent
//! of the number of users and credentials").
//!
//! How: a workload calls every store operation, the statements sqlx executes
//! are caught from its `sqlx::query` log events, and each is planned again by
//! the database it ran on:
//! - SQLite: `EXPLAIN QUERY PLAN`, which names a full pass over a table
//!   `SCAN <table>` and an index lookup `SEARCH <table> USING …`;
//! - PostgreSQL: the statement is prepared and its *generic* plan (the one
//!   that holds for any parameter values) explained with sequential scans
//!   disabled, so a plan that still reads `Seq Scan on <table>` has no index
//!   to use. (On tables this small the planner would otherwise pick a
//!   sequential scan whatever the indexes.)
//!
//! One test in this file: the log subscriber is process-wide.

mod common;

use common::soft::{SoftAuthenticator, register, sign_in, user};
use common::{ORIGIN, random_name, stores};
use relypass::danger::unix_now;
use relypass::{CredentialStore, RegistrationOptions};
use relypass_sqlx::{Backend, SqlxStore};
use std::collections::BTreeSet;
use std::sync::Mutex;

/// The SQL texts sqlx reported executing since the last `take`.
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Statements that read a whole table on purpose, each bounded by something
/// other than the number of users and credentials.
const ALLOWED_SCANS: &[(&str, &str)] = &[
    (
        // `outstanding_ceremonies`, a monitoring count: as many rows as
        // unfinished ceremonies, which the ceremony cap bounds.
        "SELECT COUNT(*) FROM relypass_ceremony_states",
        "bounded by the ceremony cap",
    ),
    (
        // The cap's recount when the local tally cannot be trusted: at most
        // `LIMIT` (the cap) rows are read.
        "SELECT COUNT(*) FROM (SELECT 1 FROM relypass_ceremony_states LIMIT $1) AS held",
        "reads at most the cap's number of rows",
    ),
];

/// The tables whose size grows with the users and credentials.
const GROWING: [&str; 2] = ["relypass_users", "relypass_credentials"];

#[tokio::test]
async fn every_statement_finds_its_rows_through_an_index() {
    tracing::subscriber::set_global_default(Catcher).expect("the only subscriber");
    for db in stores().await {
        SEEN.lock().unwrap().clear();
        workload(&db).await;
        let statements = std::mem::take(&mut *SEEN.lock().unwrap());
        let backend = db.store.backend();
        // The workload reaches every kind of statement the store has.
        for kind in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
            assert!(
                statements.iter().any(|s| s.starts_with(kind)),
                "{backend:?}: no {kind} seen"
            );
        }
        let mut planned = 0;
        for sql in &statements {
            let Some(table) = relypass_table(sql) else {
                continue;
            };
            let plan = match backend {
                Backend::Sqlite => sqlite_plan(&db.store, sql).await,
                _ => postgres_plan(&db.store, sql).await,
            };
            planned += 1;
            let full = full_scans(backend, &plan);
            let allowed = ALLOWED_SCANS.iter().any(|(s, _)| same_sql(s, sql));
            if allowed {
                assert!(
                    full.iter().all(|t| !GROWING.contains(&t.as_str())),
                    "{backend:?}: {sql}\n{plan}"
                );
            } else {
                assert!(
                    full.is_empty(),
                    "{backend:?}: a full scan of {full:?} (statement on {table}):\n{sql}\n{plan}"
                );
            }
        }
        assert!(
            planned >= 20,
            "{backend:?}: only {planned} statements planned"
        );
        // The check sees a full scan where there is one: credentials by a
        // column no index covers.
        let unindexed = "SELECT id FROM relypass_credentials WHERE name = $1";
        let plan = match backend {
            Backend::Sqlite => sqlite_plan(&db.store, unindexed).await,
            _ => postgres_plan(&db.store, unindexed).await,
        };
        assert_eq!(
            full_scans(backend, &plan),
            ["relypass_credentials"],
            "{backend:?}: {plan}"
        );
    }
}

/// Every store operation, through the service where a host would call it.
async fn workload(db: &common::Db) {
    let store = &db.store;
    // With a registration limit: its count of the user's live credentials runs too.
    let pk = db.passkeys().with_registration_limit(5);
    let u = user(&random_name("plan"));
    let mut phone = SoftAuthenticator::new(ORIGIN);
    let rec = register(&pk, &u, &mut phone).await;
    let mut key = SoftAuthenticator::new(ORIGIN);
    let second = register(&pk, &u, &mut key).await;
    sign_in(&pk, Some(&u.handle), &mut phone).await.unwrap();
    sign_in(&pk, None, &mut key).await.unwrap();
    pk.rename_credential(&u.handle, rec.id(), Some("Phone"))
        .await
        .unwrap();
    pk.disable_credential(&u.handle, second.id()).await.unwrap();
    pk.enable_credential(&u.handle, second.id()).await.unwrap();
    pk.revoke_credential(&u.handle, second.id()).await.unwrap();
    pk.delete_credential(&u.handle, second.id()).await.unwrap();
    pk.list_credentials(&u.handle).await.unwrap();
    // A registration with the limit and the exclusion list read from the store.
    let (_, _pending) = pk
        .start_registration(&u, &RegistrationOptions::default())
        .await
        .unwrap();
    store.user_by_name(&u.name).await.unwrap();
    store.user_by_handle(&u.handle).await.unwrap();
    store.credential_by_id(rec.id()).await.unwrap();
    store.credentials_for_user(&u.handle).await.unwrap();
    store.account_policy(&u.handle).await.unwrap();
    store.set_passkey_only(&u.handle, true).await.unwrap();
    store.set_passkey_only(&u.handle, false).await.unwrap();
    let password_user = user(&random_name("pw"));
    store.insert_user(&password_user).await.unwrap();
    store
        .put_ceremony_state(b"plan-key", vec![1], unix_now() + 60)
        .await
        .unwrap();
    store.take_ceremony_state(b"plan-key").await.unwrap();
    store.purge_expired_ceremonies().await.unwrap();
    store.outstanding_ceremonies().await.unwrap();
    store.delete_user(&password_user.handle).await.unwrap();
    store.delete_user(&u.handle).await.unwrap();
}

/// The first relypass table a statement names, if any (migrations,
/// transactions and health checks name none and are not planned).
fn relypass_table(sql: &str) -> Option<&'static str> {
    [
        "relypass_users",
        "relypass_credentials",
        "relypass_ceremony_states",
    ]
    .into_iter()
    .find(|t| sql.contains(t))
    .filter(|_| !sql.contains("relypass_schema") && !sql.starts_with("CREATE"))
}

/// Whitespace-insensitive equality of two SQL texts.
fn same_sql(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

/// The tables the plan reads in full.
fn full_scans(backend: Backend, plan: &str) -> Vec<String> {
    let marker = match backend {
        Backend::Sqlite => "SCAN ",
        _ => "Seq Scan on ",
    };
    plan.lines()
        .filter_map(|line| line.split_once(marker))
        .filter_map(|(_, rest)| rest.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// The `EXPLAIN QUERY PLAN` details, one per line. Unbound parameters are
/// NULL, which does not change the plan SQLite picks.
async fn sqlite_plan(store: &SqlxStore, sql: &str) -> String {
    use sqlx::Row;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
        .fetch_all(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.iter()
        .map(|r| r.try_get::<String, _>("detail").unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The generic plan of `sql` on PostgreSQL with sequential scans disabled
/// (see the module comment), one connection for the whole exchange.
async fn postgres_plan(store: &SqlxStore, sql: &str) -> String {
    use sqlx::Row;
    let sql = sql.trim_end_matches(';');
    let params = (1..=20).filter(|n| sql.contains(&format!("${n}"))).count();
    let args = vec!["NULL"; params].join(", ");
    let mut conn = store.pool().acquire().await.unwrap();
    // Plain-text exchanges (no bind parameters of their own): `$n` here are
    // the prepared statement's, which PostgreSQL types from their use.
    for setup in [
        "SET plan_cache_mode = force_generic_plan".to_owned(),
        "SET enable_seqscan = off".to_owned(),
        format!("PREPARE relypass_plan AS {sql}"),
    ] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(setup))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    let explain = if params == 0 {
        "EXPLAIN EXECUTE relypass_plan".to_owned()
    } else {
        format!("EXPLAIN EXECUTE relypass_plan({args})")
    };
    let rows = sqlx::raw_sql(sqlx::AssertSqlSafe(explain))
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    for reset in [
        "DEALLOCATE relypass_plan",
        "RESET plan_cache_mode",
        "RESET enable_seqscan",
    ] {
        sqlx::raw_sql(reset).execute(&mut *conn).await.unwrap();
    }
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// A `tracing` subscriber that keeps the SQL of sqlx's statement events
/// (target `sqlx::query`: the statement's text in `summary`, or, when that is
/// shortened, in full in `db.statement`) and ignores everything else.
struct Catcher;

impl tracing::Subscriber for Catcher {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target() == "sqlx::query"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        #[derive(Default)]
        struct Fields {
            summary: String,
            statement: String,
        }
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                match field.name() {
                    "summary" => self.summary = value.to_owned(),
                    "db.statement" => self.statement = value.to_owned(),
                    _ => {}
                }
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                // Strings recorded through `Debug` come quoted and escaped.
                if matches!(field.name(), "summary" | "db.statement") {
                    let text = format!("{value:?}");
                    let text = serde_json::from_str::<String>(&text).unwrap_or(text);
                    self.record_str(field, &text);
                }
            }
        }
        let mut f = Fields::default();
        event.record(&mut f);
        let sql = if f.statement.trim().is_empty() {
            f.summary
        } else {
            f.statement
        };
        let sql = sql.trim();
        if !sql.is_empty() {
            SEEN.lock().unwrap().insert(sql.to_owned());
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}
