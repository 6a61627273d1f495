//! The newest orders across several stores (one merchant's, for the back office), by keyset.
//!
//! Each store's page is read through its own `(store_id, created_at, order_id)` index and the
//! pages are merged here: a merchant has a handful of stores, and one statement over all of
//! them would have to sort every order of the merchant for each page.

use crate::{on_pool, Cursor, Db, Result};
use kassa_core::order::Status;

/// One order of a store, as a list across stores shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoreOrderRow {
    pub store_id: String,
    pub order_id: String,
    pub short_reference: String,
    pub merchant_reference1: Option<String>,
    pub purchase_currency: String,
    pub order_amount: i64,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub created_at: i64,
}

impl Db {
    /// Up to `limit` Order Management orders of `store_ids`, newest first (ties by order id,
    /// descending), older than `before` (the last row of the previous page).
    pub async fn recent_orders_of_stores(
        &self,
        store_ids: &[String],
        before: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<StoreOrderRow>> {
        let sql = "SELECT store_id, order_id, short_reference, merchant_reference1, purchase_currency, order_amount, \
                   status, created_at FROM orders \
                   WHERE store_id = $1 AND status IS NOT NULL \
                   AND (CAST($2 AS BIGINT) IS NULL OR created_at < $2 OR (created_at = $2 AND order_id < $3)) \
                   ORDER BY created_at DESC, order_id DESC LIMIT $4";
        let (at, id) = match before {
            Some(c) => (Some(c.value), c.order_id.as_str()),
            None => (None, ""),
        };
        let mut rows = Vec::new();
        for store in store_ids {
            let page = on_pool!(self, p => sqlx::query_as::<_, StoreOrderRow>(sql)
                .bind(store).bind(at).bind(id).bind(limit).fetch_all(p).await)?;
            rows.extend(page);
        }
        rows.sort_by(|a, b| (b.created_at, &b.order_id).cmp(&(a.created_at, &a.order_id)));
        rows.truncate(limit.max(0) as usize);
        Ok(rows)
    }
}
