//! relypass's `CredentialStore` over the crate's tables: every rule in one
//! statement or one transaction serialised on the account.

use crate::cap::Admit;
use crate::rows::{credential_columns, credential_from_row, state_name, user_from_row};
use crate::{Backend, EXPIRED_GRACE_SECONDS, SqlxStore, db, to_i64};
use relypass::danger::unix_now;
use relypass::{
    AccountPolicy, CredentialRecord, CredentialState, CredentialStore, CredentialUpdate, Error,
    InsertConditions, RemovalGuard, User, UserHandle, VerifiedRegistration, may_drop_password,
};
use sqlx::{Any, Transaction};

type Tx = Transaction<'static, Any>;

impl SqlxStore {
    /// A transaction for a multi-step rule. SQLite takes its (single) write
    /// lock first, so the transaction never has to upgrade a read lock, which
    /// SQLite refuses under contention; PostgreSQL locks rows as it goes (see
    /// [`lock_user`](Self::lock_user)).
    async fn write_tx(&self) -> relypass::Result<Tx> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)
    }

    /// Locks the user's row for the rest of `tx` and reads its policy; `None`
    /// if there is no such user. Every transaction that checks a rule about
    /// the user's credentials takes this lock first, so such transactions run
    /// one after another per account (on SQLite `BEGIN IMMEDIATE` already
    /// serialises all of them).
    async fn lock_user(
        &self,
        tx: &mut Tx,
        handle: &UserHandle,
    ) -> relypass::Result<Option<AccountPolicy>> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT passkey_only FROM relypass_users WHERE handle = $1",
            Backend::Postgres => {
                "SELECT passkey_only FROM relypass_users WHERE handle = $1 FOR UPDATE"
            }
        };
        let flag: Option<i64> = sqlx::query_scalar(sql)
            .bind(handle.as_bytes())
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
        Ok(flag.map(policy))
    }

    async fn user_credentials_in(
        tx: &mut Tx,
        handle: &UserHandle,
    ) -> relypass::Result<Vec<CredentialRecord>> {
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM relypass_credentials WHERE user_handle = $1"
        );
        let rows = sqlx::query(sql)
            .bind(handle.as_bytes())
            .fetch_all(&mut **tx)
            .await
            .map_err(db)?;
        rows.iter().map(credential_from_row).collect()
    }

    /// A transaction in which `guard` allows moving credential `id` to `to`
    /// (`None`: deleting it), with the account locked; `None` if the
    /// credential does not exist or is no longer in state `from`.
    async fn guarded(
        &self,
        id: &[u8],
        from: Option<CredentialState>,
        to: Option<CredentialState>,
        guard: RemovalGuard,
    ) -> relypass::Result<Option<Tx>> {
        let mut tx = self.write_tx().await?;
        // The owner of an id never changes (a replaced record keeps its
        // user), so it may be read before the owner's lock is taken.
        let owner: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT user_handle FROM relypass_credentials WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let Some(owner) = owner else {
            return Ok(None);
        };
        let owner = UserHandle::new(owner)?;
        let policy = self.lock_user(&mut tx, &owner).await?.unwrap_or_default();
        let all = Self::user_credentials_in(&mut tx, &owner).await?;
        let Some(target) = all.iter().find(|c| c.id() == id) else {
            return Ok(None);
        };
        if from.is_some_and(|from| target.state() != from) {
            return Ok(None);
        }
        if guard.refuses(policy, target, to, &all) {
            return Err(Error::LastWayIn);
        }
        Ok(Some(tx))
    }

    /// Turns an account's passkey-only flag on or off (see
    /// [`CredentialStore::account_policy`]). Turning it on requires an active
    /// credential registered with user verification
    /// ([`may_drop_password`]), checked with the account locked:
    /// [`Error::LastWayIn`] otherwise. An unknown user is
    /// [`Error::Storage`].
    pub async fn set_passkey_only(&self, handle: &UserHandle, on: bool) -> relypass::Result<()> {
        let mut tx = self.write_tx().await?;
        if self.lock_user(&mut tx, handle).await?.is_none() {
            return Err(Error::Storage("unknown user".into()));
        }
        if on && !may_drop_password(&Self::user_credentials_in(&mut tx, handle).await?) {
            return Err(Error::LastWayIn);
        }
        sqlx::query("UPDATE relypass_users SET passkey_only = $1 WHERE handle = $2")
            .bind(i64::from(on))
            .bind(handle.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    /// Deletes an account and all its credentials; returns whether it existed.
    pub async fn delete_user(&self, handle: &UserHandle) -> relypass::Result<bool> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM relypass_credentials WHERE user_handle = $1")
            .bind(handle.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let done = sqlx::query("DELETE FROM relypass_users WHERE handle = $1")
            .bind(handle.as_bytes())
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    /// Drops ceremony states that expired over a minute ago (through the index
    /// on their expiry); returns how many. `put_ceremony_state` does this too;
    /// call it from a timer if starts are rare.
    pub async fn purge_expired_ceremonies(&self) -> relypass::Result<u64> {
        let cutoff = to_i64(unix_now().saturating_sub(EXPIRED_GRACE_SECONDS))?;
        let done = sqlx::query("DELETE FROM relypass_ceremony_states WHERE expires_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        // Frees the places at once; rows another process had inserted since
        // the last count are subtracted too, which offsets their missing
        // insert (the bound documented at `ceremony_limit` holds).
        self.cap.removed(done.rows_affected());
        Ok(done.rows_affected())
    }

    /// How many ceremony states are held (including expired ones not yet
    /// purged).
    pub async fn outstanding_ceremonies(&self) -> relypass::Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM relypass_ceremony_states")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        crate::to_u64(n)
    }
}

fn policy(passkey_only: i64) -> AccountPolicy {
    if passkey_only != 0 {
        AccountPolicy::passkey_only()
    } else {
        AccountPolicy::new()
    }
}

impl CredentialStore for SqlxStore {
    async fn user_by_handle(&self, handle: &UserHandle) -> relypass::Result<Option<User>> {
        let row =
            sqlx::query("SELECT handle, name, display_name FROM relypass_users WHERE handle = $1")
                .bind(handle.as_bytes())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_name(&self, name: &str) -> relypass::Result<Option<User>> {
        let row =
            sqlx::query("SELECT handle, name, display_name FROM relypass_users WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn insert_user(&self, user: &User) -> relypass::Result<()> {
        let done = sqlx::query(
            "INSERT INTO relypass_users (handle, name, display_name, passkey_only, created_at)
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
        )
        .bind(user.handle.as_bytes())
        .bind(user.name.as_str())
        .bind(user.display_name.as_str())
        .bind(to_i64(unix_now())?)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(Error::UsernameTaken)
        }
    }

    async fn credentials_for_user(
        &self,
        handle: &UserHandle,
    ) -> relypass::Result<Vec<CredentialRecord>> {
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM relypass_credentials WHERE user_handle = $1 ORDER BY created_at, id"
        );
        let rows = sqlx::query(sql)
            .bind(handle.as_bytes())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(credential_from_row).collect()
    }

    async fn credential_by_id(&self, id: &[u8]) -> relypass::Result<Option<CredentialRecord>> {
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM relypass_credentials WHERE id = $1"
        );
        let row = sqlx::query(sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(credential_from_row).transpose()
    }

    async fn insert_credential(
        &self,
        registration: &VerifiedRegistration,
        conditions: &InsertConditions<'_>,
    ) -> relypass::Result<()> {
        let c = registration.record();
        let json = serde_json::to_string(c).map_err(|e| Error::Storage(e.to_string()))?;
        let mut tx = self.write_tx().await?;
        if let Some(user) = conditions.creating_user {
            if user.handle != *c.user_handle() {
                return Err(Error::Storage(
                    "creating_user is not the credential's user".into(),
                ));
            }
            // A new account lands with its first credential or not at all. A
            // conflict on the handle means the account exists (fine); on the
            // name, another account holds it. PostgreSQL waits here for a
            // racing sign-up's transaction, then sees its row.
            sqlx::query(
                "INSERT INTO relypass_users (handle, name, display_name, passkey_only, created_at)
                 VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING",
            )
            .bind(user.handle.as_bytes())
            .bind(user.name.as_str())
            .bind(user.display_name.as_str())
            .bind(to_i64(unix_now())?)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        if self.lock_user(&mut tx, c.user_handle()).await?.is_none() {
            return Err(match conditions.creating_user {
                Some(_) => Error::UsernameTaken,
                None => Error::Storage(
                    "unknown user: insert it first, or pass InsertConditions::creating_user".into(),
                ),
            });
        }
        // The duplicate id: refused unless it is the dead record `conditions`
        // names, removed here only if it is still what the caller compared.
        let sql = concat!(
            "SELECT ",
            credential_columns!(),
            " FROM relypass_credentials WHERE id = $1"
        );
        let existing = sqlx::query(sql)
            .bind(c.id())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if let Some(row) = existing {
            let existing = credential_from_row(&row)?;
            if !conditions.may_replace(&existing, c) {
                return Err(Error::CredentialAlreadyRegistered);
            }
            sqlx::query("DELETE FROM relypass_credentials WHERE id = $1 AND state = $2")
                .bind(c.id())
                .bind(state_name(existing.state())?)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        if let Some(limit) = conditions.registration_limit {
            let live: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM relypass_credentials
                 WHERE user_handle = $1 AND state IN ($2, $3)",
            )
            .bind(c.user_handle().as_bytes())
            .bind(state_name(CredentialState::Active)?)
            .bind(state_name(CredentialState::Disabled)?)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            if usize::try_from(live).map_or(true, |n| n >= limit) {
                return Err(Error::RegistrationLimit { limit });
            }
        }
        let done = sqlx::query(
            "INSERT INTO relypass_credentials (id, user_handle, record, user_verified, name, state,
                 state_changed_at, sign_count, backup_state, last_used_at, possibly_cloned, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
        )
        .bind(c.id())
        .bind(c.user_handle().as_bytes())
        .bind(json)
        .bind(i64::from(c.user_verified()))
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
        .map_err(db)?;
        if done.rows_affected() == 0 {
            // Another user's registration took the id meanwhile.
            return Err(Error::CredentialAlreadyRegistered);
        }
        tx.commit().await.map_err(db)
    }

    async fn update_after_authentication(&self, u: &CredentialUpdate) -> relypass::Result<bool> {
        // Compare-and-set: applies only if no other sign-in moved the counter
        // since this one was verified.
        let done = sqlx::query(
            "UPDATE relypass_credentials SET sign_count = $1, backup_state = $2, last_used_at = $3,
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
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_credential_name(&self, id: &[u8], name: Option<&str>) -> relypass::Result<bool> {
        // The name column only: nothing read earlier is written back.
        let done = sqlx::query("UPDATE relypass_credentials SET name = $1 WHERE id = $2")
            .bind(name.map(str::to_owned))
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_credential_state(
        &self,
        id: &[u8],
        from: CredentialState,
        to: CredentialState,
        changed_at: u64,
        guard: RemovalGuard,
    ) -> relypass::Result<bool> {
        // Compare-and-set on the state column: a change decided on a stale
        // read matches no row.
        let sql = "UPDATE relypass_credentials SET state = $1, state_changed_at = $2
                   WHERE id = $3 AND state = $4";
        let query = sqlx::query(sql)
            .bind(state_name(to)?)
            .bind(to_i64(changed_at)?)
            .bind(id)
            .bind(state_name(from)?);
        if guard == RemovalGuard::Unguarded {
            let done = query.execute(&self.pool).await.map_err(db)?;
            return Ok(done.rows_affected() == 1);
        }
        let Some(mut tx) = self.guarded(id, Some(from), Some(to), guard).await? else {
            return Ok(false);
        };
        let done = query.execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_credential(&self, id: &[u8], guard: RemovalGuard) -> relypass::Result<bool> {
        let query = sqlx::query("DELETE FROM relypass_credentials WHERE id = $1").bind(id);
        if guard == RemovalGuard::Unguarded {
            let done = query.execute(&self.pool).await.map_err(db)?;
            return Ok(done.rows_affected() == 1);
        }
        let Some(mut tx) = self.guarded(id, None, None, guard).await? else {
            return Ok(false);
        };
        let done = query.execute(&mut *tx).await.map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_ceremony_state(
        &self,
        key: &[u8],
        state: Vec<u8>,
        expires_at: u64,
    ) -> relypass::Result<()> {
        self.purge_expired_ceremonies().await?;
        // The cap, from the store's estimate (see `cap.rs`): one start per
        // recount interval counts the table, the others cost the same
        // however full it is.
        let admitted = match self.cap.admit() {
            Admit::Count(ticket) => {
                // Counted through the primary key and never past the limit,
                // so a count costs at most `limit` index entries.
                let held: Result<i64, _> = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM relypass_ceremony_states LIMIT $1) AS held",
                )
                .bind(self.cap.count_limit())
                .fetch_one(&self.pool)
                .await;
                match held.map_err(db).and_then(crate::to_u64) {
                    Ok(n) => self.cap.counted(ticket, Some(n)),
                    Err(e) => {
                        self.cap.counted(ticket, None);
                        return Err(e);
                    }
                }
            }
            decided => decided,
        };
        if admitted != Admit::Reserved {
            return Err(Error::TooManyCeremonies {
                limit: self.ceremony_limit,
            });
        }
        let inserted = sqlx::query(
            "INSERT INTO relypass_ceremony_states (key, state, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(state)
        .bind(to_i64(expires_at)?)
        .execute(&self.pool)
        .await;
        if let Err(e) = inserted {
            // The place reserved above was not used.
            self.cap.release();
            return Err(db(e));
        }
        Ok(())
    }

    async fn take_ceremony_state(&self, key: &[u8]) -> relypass::Result<Option<Vec<u8>>> {
        // Take-once across every process sharing the database: deleted and
        // returned in one statement, so of two concurrent calls at most one
        // gets the row.
        let taken: Option<Vec<u8>> = sqlx::query_scalar(
            "DELETE FROM relypass_ceremony_states WHERE key = $1 RETURNING state",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        if taken.is_some() {
            // A finish frees its place at once, not at the next count.
            self.cap.removed(1);
        }
        Ok(taken)
    }

    async fn health(&self) -> relypass::Result<()> {
        SqlxStore::health(self).await
    }

    async fn account_policy(&self, handle: &UserHandle) -> relypass::Result<AccountPolicy> {
        // An unknown handle (the name-first flow's stand-in for an unknown
        // name) gets the default policy.
        let flag: Option<i64> =
            sqlx::query_scalar("SELECT passkey_only FROM relypass_users WHERE handle = $1")
                .bind(handle.as_bytes())
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        Ok(policy(flag.unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use crate::SqlxStoreOptions;
    use relypass::danger::unix_now;
    use relypass::{CredentialStore, Error};
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    /// A fresh SQLite file with `limit` and the recount `interval`; the path
    /// to remove afterwards.
    async fn store(limit: usize, interval: Duration) -> (crate::SqlxStore, std::path::PathBuf) {
        let mut r = [0u8; 8];
        getrandom::fill(&mut r).unwrap();
        let name: String = r.iter().map(|b| format!("{b:02x}")).collect();
        let file = std::env::temp_dir().join(format!("relypass-sqlx-cap-{name}.db"));
        let s = SqlxStoreOptions::new()
            .ceremony_limit(limit)
            .ceremony_recount_interval(interval)
            .connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        s.migrate().await.unwrap();
        (s, file)
    }

    fn remove(file: &std::path::Path) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }

    /// Issue 14: starts at the cap must not count the table each time (a
    /// count costs up to `limit` index entries). Counted, not timed: the
    /// interval is an hour, so one count serves the whole burst; with a zero
    /// interval (the old behaviour: count on every start) each start counts.
    #[tokio::test]
    async fn starts_at_the_cap_do_not_count_the_table() {
        let later = unix_now() + 300;
        for (interval, counts) in [(Duration::from_secs(3600), 1), (Duration::ZERO, 55)] {
            let (s, file) = store(5, interval).await;
            for i in 0..5u8 {
                s.put_ceremony_state(&[i], vec![1], later).await.unwrap();
            }
            for i in 5..55u8 {
                assert!(matches!(
                    s.put_ceremony_state(&[i], vec![1], later).await,
                    Err(Error::TooManyCeremonies { limit: 5 })
                ));
            }
            assert_eq!(s.cap.counts.load(Ordering::Relaxed), counts, "{interval:?}");
            // Take-once still frees a place at once, without a count; the
            // table stays at the cap.
            assert_eq!(s.take_ceremony_state(&[0]).await.unwrap(), Some(vec![1]));
            assert!(s.take_ceremony_state(&[0]).await.unwrap().is_none());
            s.put_ceremony_state(b"again", vec![2], later)
                .await
                .unwrap();
            assert!(matches!(
                s.put_ceremony_state(b"more", vec![2], later).await,
                Err(Error::TooManyCeremonies { limit: 5 })
            ));
            assert_eq!(s.outstanding_ceremonies().await.unwrap(), 5);
            if !interval.is_zero() {
                assert_eq!(s.cap.counts.load(Ordering::Relaxed), 1);
            }
            s.close().await;
            remove(&file);
        }
    }

    /// Purged states free their places at once; a clone shares the estimate.
    #[tokio::test]
    async fn purge_frees_places_and_clones_share_the_cap() {
        let (s, file) = store(3, Duration::from_secs(3600)).await;
        let later = unix_now() + 300;
        s.put_ceremony_state(b"old-1", vec![1], 10).await.unwrap();
        s.put_ceremony_state(b"old-2", vec![1], 10).await.unwrap();
        s.put_ceremony_state(b"old-3", vec![1], 10).await.unwrap();
        // Purged by this start (long expired): room for three again.
        let c = s.clone();
        c.put_ceremony_state(b"a", vec![1], later).await.unwrap();
        s.put_ceremony_state(b"b", vec![1], later).await.unwrap();
        c.put_ceremony_state(b"c", vec![1], later).await.unwrap();
        assert!(matches!(
            s.put_ceremony_state(b"d", vec![1], later).await,
            Err(Error::TooManyCeremonies { limit: 3 })
        ));
        assert_eq!(s.outstanding_ceremonies().await.unwrap(), 3);
        assert_eq!(s.cap.counts.load(Ordering::Relaxed), 1);
        s.close().await;
        remove(&file);
    }
}
