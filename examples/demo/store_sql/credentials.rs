//! Reading credential rows back into relypass records.

use super::*;

impl SqlStore {
    /// A transaction that will write rows of `user`'s credentials, serialised
    /// against every other such transaction for the same user, so a rule read
    /// inside it (the registration limit) still holds at commit.
    pub(super) async fn write_transaction(
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

    /// A write transaction on credential `id`'s user in which `guard` allows
    /// moving it to `to` (`None`: deleting it); `None` if the credential does
    /// not exist. The guard reads the user's credentials and flag inside the
    /// transaction, serialised with every other write for that user.
    pub(super) async fn guarded_transaction(
        &self,
        id: &[u8],
        to: Option<CredentialState>,
        guard: RemovalGuard,
    ) -> relypass::Result<Option<sqlx::Transaction<'static, sqlx::Any>>> {
        let Some(target) = self.credential_by_id(id).await? else {
            return Ok(None);
        };
        let mut tx = self.write_transaction(target.user_handle()).await?;
        if guard != RemovalGuard::Unguarded {
            let sql = concat!(
                "SELECT ",
                credential_columns!(),
                " FROM credentials WHERE user_handle = $1"
            );
            let rows = sqlx::query(sql)
                .bind(target.user_handle().as_bytes())
                .fetch_all(&mut *tx)
                .await
                .map_err(storage)?;
            let all = rows
                .iter()
                .map(Self::credential_from_row)
                .collect::<relypass::Result<Vec<_>>>()?;
            let Some(target) = all.iter().find(|c| c.id() == id) else {
                return Ok(None);
            };
            let passkey_only: Option<i64> =
                sqlx::query_scalar("SELECT passkey_only FROM users WHERE handle = $1")
                    .bind(target.user_handle().as_bytes())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(storage)?;
            let policy = if passkey_only.unwrap_or(0) != 0 {
                AccountPolicy::passkey_only()
            } else {
                AccountPolicy::new()
            };
            if guard.refuses(policy, target, to, &all) {
                return Err(Error::LastWayIn);
            }
        }
        Ok(Some(tx))
    }

    pub(super) fn credential_from_row(row: &AnyRow) -> relypass::Result<CredentialRecord> {
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
