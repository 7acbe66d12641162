//! Sessions.

use super::*;
use sqlx::Row;

impl DemoDb {
    /// Opens a session and returns the cookie token. Only the token's SHA-256
    /// is stored, so a leaked database does not leak live sessions.
    pub async fn create_session(
        &self,
        user: &UserHandle,
        stage: Stage,
    ) -> relypass::Result<String> {
        let mut token = [0u8; 32];
        getrandom::fill(&mut token).map_err(|_| Error::Random)?;
        let token = relypass::json::b64url(&token);
        let now = unix_now();
        sqlx::query("DELETE FROM demo_sessions WHERE expires_at < $1")
            .bind(to_i64(now)?)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        sqlx::query(
            "INSERT INTO demo_sessions (token_hash, user_handle, stage, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(Sha256::digest(token.as_bytes()).to_vec())
        .bind(user.as_bytes())
        .bind(stage.as_str())
        .bind(to_i64(now + SESSION_SECONDS)?)
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(token)
    }

    /// The live session for a cookie token, if any.
    pub async fn session(&self, token: &str) -> relypass::Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT user_handle, stage FROM demo_sessions WHERE token_hash = $1 AND expires_at >= $2",
        )
        .bind(Sha256::digest(token.as_bytes()).to_vec())
        .bind(to_i64(unix_now())?)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        let Some(row) = row else { return Ok(None) };
        let handle: Vec<u8> = row.try_get("user_handle").map_err(storage)?;
        let stage: String = row.try_get("stage").map_err(storage)?;
        Ok(Some(Session {
            user_handle: UserHandle::new(handle)?,
            stage: if stage == Stage::SignedIn.as_str() {
                Stage::SignedIn
            } else {
                Stage::SecondFactor
            },
        }))
    }

    /// Ends a session.
    pub async fn delete_session(&self, token: &str) -> relypass::Result<()> {
        sqlx::query("DELETE FROM demo_sessions WHERE token_hash = $1")
            .bind(Sha256::digest(token.as_bytes()).to_vec())
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(())
    }
}
