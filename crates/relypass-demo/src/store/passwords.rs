//! Password accounts: the hash beside relypass-sqlx's account row.

use super::*;

impl DemoDb {
    /// Creates a password account: the account row through the store (which
    /// owns names: `false` if the name is taken), then its password hash. If
    /// the hash cannot be written the account is removed again, so no
    /// account without a way in is left behind.
    pub async fn create_password_account(
        &self,
        store: &SqlxStore,
        user: &User,
        password_hash: &str,
    ) -> relypass::Result<bool> {
        match store.insert_user(user).await {
            Ok(()) => {}
            Err(Error::UsernameTaken) => return Ok(false),
            Err(e) => return Err(e),
        }
        let written =
            sqlx::query("INSERT INTO demo_passwords (user_handle, password_hash) VALUES ($1, $2)")
                .bind(user.handle.as_bytes())
                .bind(password_hash)
                .execute(&self.pool)
                .await;
        if let Err(e) = written {
            let _ = store.delete_user(&user.handle).await;
            return Err(storage(e));
        }
        Ok(true)
    }

    /// The account's password hash (a PHC string), `None` for an account
    /// without a password.
    pub async fn password_hash(&self, handle: &UserHandle) -> relypass::Result<Option<String>> {
        sqlx::query_scalar("SELECT password_hash FROM demo_passwords WHERE user_handle = $1")
            .bind(handle.as_bytes())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)
    }

    /// Removes the account's password (it went passkey-only).
    pub async fn drop_password(&self, handle: &UserHandle) -> relypass::Result<()> {
        sqlx::query("DELETE FROM demo_passwords WHERE user_handle = $1")
            .bind(handle.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}
