//! Administrators: accounts, by user handle, granted the admin switch.
//!
//! A right belongs to the account, never to its name: a name can be taken
//! again after its account is deleted, and the new holder must not inherit
//! it. Rows go with the account (`ON DELETE CASCADE`), and the check is made
//! per request, so `relypass-demo grant-admin NAME` (run beside a live
//! server, or several sharing the database) takes effect without a restart.

use super::*;

impl DemoDb {
    /// Makes the existing account `name` an administrator and returns its
    /// handle. The name is normalised as at sign-up; an error is a sentence
    /// for the operator.
    pub async fn grant_admin(&self, store: &SqlxStore, name: &str) -> Result<UserHandle, String> {
        let user = self.admin_account(store, name).await?;
        sqlx::query("INSERT INTO demo_admins (user_handle) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(user.handle.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(|e| format!("cannot grant admin rights: {e}"))?;
        Ok(user.handle)
    }

    /// Takes the admin rights from the existing account `name`; `Ok(false)`
    /// when it had none.
    pub async fn revoke_admin(&self, store: &SqlxStore, name: &str) -> Result<bool, String> {
        let user = self.admin_account(store, name).await?;
        let done = sqlx::query("DELETE FROM demo_admins WHERE user_handle = $1")
            .bind(user.handle.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(|e| format!("cannot revoke admin rights: {e}"))?;
        Ok(done.rows_affected() > 0)
    }

    async fn admin_account(&self, store: &SqlxStore, name: &str) -> Result<User, String> {
        let normalized = relypass::normalize_user_name(name)
            .map_err(|e| format!("{name:?} is not a valid username: {e}"))?;
        store
            .user_by_name(&normalized)
            .await
            .map_err(|e| format!("cannot read the accounts: {e}"))?
            .ok_or_else(|| {
                format!(
                    "there is no account named {normalized:?}: sign it up first, then grant \
                     it admin rights"
                )
            })
    }

    /// Whether the account with this handle is an administrator.
    pub async fn is_admin(&self, user: &UserHandle) -> relypass::Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM demo_admins WHERE user_handle = $1")
            .bind(user.as_bytes())
            .fetch_one(&self.pool)
            .await
            .map_err(storage)?;
        Ok(n > 0)
    }
}
