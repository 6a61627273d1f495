//! Per-store limits the order operations apply: how far an authorization may be raised.

use crate::{on_pool, on_tx, on_writer, Db, Result, Tx};

impl Tx {
    /// The store's `max_authorization_increase_percent`, read in the order's transaction so
    /// the decision and the change it allows see the same setting. None for an unknown store.
    pub async fn authorization_increase_limit(&mut self, store_id: &str) -> Result<Option<i64>> {
        let sql = "SELECT max_authorization_increase_percent FROM stores WHERE id = $1";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql).bind(store_id).fetch_optional(c).await)?)
    }
}

impl Db {
    pub async fn authorization_increase_limit(&self, store_id: &str) -> Result<Option<i64>> {
        let sql = "SELECT max_authorization_increase_percent FROM stores WHERE id = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(store_id).fetch_optional(p).await)?)
    }

    /// Sets how many percent above the amount first authorized a store's orders may rise.
    pub async fn set_authorization_increase_limit(&self, store_id: &str, percent: i64) -> Result<()> {
        let sql = "UPDATE stores SET max_authorization_increase_percent = $1 WHERE id = $2";
        on_writer!(self, p => sqlx::query(sql).bind(percent).bind(store_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
