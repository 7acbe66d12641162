//! relypass's `CredentialStore` over the SQL tables: every rule in one
//! transaction.

use super::*;

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
        // A passkey sign-up whose account does not exist yet: created here, in
        // this transaction, so user and first credential land together.
        if let Some(user) = conditions.creating_user {
            let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM users WHERE handle = $1")
                .bind(c.user_handle().as_bytes())
                .fetch_optional(&mut *tx)
                .await
                .map_err(storage)?;
            if exists.is_none() {
                let done = sqlx::query(
                    "INSERT INTO users (handle, name, display_name, password_hash, passkey_only, activated, created_at)
                     VALUES ($1, $2, $3, NULL, 0, 1, $4) ON CONFLICT DO NOTHING",
                )
                .bind(c.user_handle().as_bytes())
                .bind(user.name.as_str())
                .bind(user.display_name.as_str())
                .bind(to_i64(unix_now())?)
                .execute(&mut *tx)
                .await
                .map_err(storage)?;
                if done.rows_affected() == 0 {
                    return Err(Error::UsernameTaken);
                }
            }
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
        guard: RemovalGuard,
    ) -> relypass::Result<bool> {
        let Some(mut tx) = self.guarded_transaction(id, Some(to), guard).await? else {
            return Ok(false);
        };
        // Compare-and-set on the state column: a state change decided on a
        // stale read matches no row.
        let done = sqlx::query(
            "UPDATE credentials SET state = $1, state_changed_at = $2 WHERE id = $3 AND state = $4",
        )
        .bind(state_name(to)?)
        .bind(to_i64(changed_at)?)
        .bind(id)
        .bind(state_name(from)?)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_credential(&self, id: &[u8], guard: RemovalGuard) -> relypass::Result<bool> {
        let Some(mut tx) = self.guarded_transaction(id, None, guard).await? else {
            return Ok(false);
        };
        let done = sqlx::query("DELETE FROM credentials WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
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
