//! Embedded migrations, applied in order by [`SqlxStore::migrate`].

use crate::{Backend, SqlxStore, db};
use sqlx::{AssertSqlSafe, Row};

/// (version, SQLite text, PostgreSQL text). Append only: a released
/// migration never changes.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    include_str!("../migrations/sqlite/0001_initial.sql"),
    include_str!("../migrations/postgres/0001_initial.sql"),
)];

/// A migration file's statements: comments dropped, split on `;` (the files
/// hold no `;` inside literals).
fn statements(text: &str) -> impl Iterator<Item = String> + '_ {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    code.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

impl SqlxStore {
    /// Creates the tables, or brings them up to this version's schema. Safe to
    /// call from several servers starting at once (they serialise on a lock)
    /// and on every start (applied versions are recorded in `relypass_schema`).
    pub async fn migrate(&self) -> relypass::Result<()> {
        let mut tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)?;
        if self.backend == Backend::Postgres {
            // Two servers starting at once must not both migrate.
            sqlx::query("SELECT pg_advisory_xact_lock(7355609)")
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        sqlx::query("CREATE TABLE IF NOT EXISTS relypass_schema (version BIGINT PRIMARY KEY)")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let row = sqlx::query("SELECT MAX(version) AS v FROM relypass_schema")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        let current: i64 = row.try_get::<Option<i64>, _>("v").map_err(db)?.unwrap_or(0);
        for (version, sqlite, postgres) in MIGRATIONS {
            if *version <= current {
                continue;
            }
            let text = match self.backend {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
            };
            for stmt in statements(text) {
                // The embedded migration files only: no input reaches the DDL.
                sqlx::query(AssertSqlSafe(stmt))
                    .execute(&mut *tx)
                    .await
                    .map_err(db)?;
            }
            sqlx::query("INSERT INTO relypass_schema (version) VALUES ($1)")
                .bind(*version)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_split_into_statements() {
        for (_, a, b) in super::MIGRATIONS {
            for text in [a, b] {
                let s: Vec<_> = super::statements(text).collect();
                assert_eq!(s.len(), 5, "{s:?}");
                assert!(s.iter().all(|s| s.starts_with("CREATE")));
            }
        }
    }
}
