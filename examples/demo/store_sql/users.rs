//! Users (the demo's part of the schema).

use super::*;

impl SqlStore {
    pub(super) fn app_user_from_row(row: &AnyRow) -> relypass::Result<AppUser> {
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
}
