//! Settings the server keeps in the database (generated secrets the demo stores, …): one value
//! per key.

use super::{Store, StoreError, with_pool};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        const SQL: &str = "SELECT value FROM settings WHERE key = $1";
        let value =
            with_pool!(self, pool => sqlx::query_scalar::<_, String>(SQL).bind(key).fetch_optional(pool).await?);
        Ok(value)
    }

    /// Stores `value` under `key` unless one is there already; returns the value that stands.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, StoreError> {
        const SQL: &str = "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING";
        with_pool!(self, pool => {
            sqlx::query(SQL).bind(key).bind(value).execute(pool).await?;
        });
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_owned()))
    }
}
