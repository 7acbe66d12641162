//! Site settings.

use super::*;

impl DemoDb {
    /// Writes the default of a boolean setting unless it already has a value.
    pub async fn init_setting(&self, key: &str, value: bool) -> relypass::Result<()> {
        sqlx::query(
            "INSERT INTO demo_settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(key)
        .bind(if value { "on" } else { "off" })
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }

    /// A boolean setting (`false` when unset).
    pub async fn setting(&self, key: &str) -> relypass::Result<bool> {
        let v: Option<String> =
            sqlx::query_scalar("SELECT value FROM demo_settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(v.as_deref() == Some("on"))
    }

    /// Sets a boolean setting.
    pub async fn set_setting(&self, key: &str, value: bool) -> relypass::Result<()> {
        sqlx::query(
            "INSERT INTO demo_settings (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(if value { "on" } else { "off" })
        .execute(&self.pool)
        .await
        .map_err(storage)?;
        Ok(())
    }
}
