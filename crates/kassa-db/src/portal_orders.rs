//! The aggregates Home reads instead of scanning orders, per-user settings, and seeding a
//! large store. (The order list's search is in `order_search`.)

use crate::deferred::write_later;
use crate::{on_pool, on_tx, Db, Result, Tx};

/// The writer's page cache while seeding a large store: 1 GiB, about a million orders' indexes.
const BULK_CACHE_KIB: i64 = 1 << 20;

impl Db {
    /// Uncaptured authorizations of a store: (currency, amount, count), from the aggregate.
    pub async fn uncaptured(&self, store_id: &str) -> Result<Vec<(String, i64, i64)>> {
        let sql = "SELECT currency, CAST(SUM(uncaptured_amount) AS BIGINT), CAST(SUM(uncaptured_count) AS BIGINT) FROM store_totals \
                   WHERE store_id = $1 GROUP BY currency HAVING SUM(uncaptured_count) > 0 ORDER BY currency";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (String, i64, i64)>(sql).bind(store_id).fetch_all(p).await)?)
    }

    /// Authorized orders whose authorization ends between `now` and `until`: (count, amount).
    pub async fn expiring(&self, store_id: &str, now: i64, until: i64) -> Result<(i64, i64)> {
        let sql = "SELECT COUNT(*), CAST(COALESCE(SUM(order_amount - captured_amount), 0) AS BIGINT) FROM orders \
                   WHERE store_id = $1 AND status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE \
                   AND expires_at >= $2 AND expires_at < $3";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, (i64, i64)>(sql).bind(store_id).bind(now).bind(until).fetch_one(p).await)?,
        )
    }

    /// Completed sales per UTC day from `from_day` on: (day, currency, amount, count).
    pub async fn daily_sales(&self, store_id: &str, from_day: i64) -> Result<Vec<(i64, String, i64, i64)>> {
        let sql =
            "SELECT day, currency, amount, order_count FROM daily_sales WHERE store_id = $1 AND day >= $2 ORDER BY day";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, (i64, String, i64, i64)>(sql).bind(store_id).bind(from_day).fetch_all(p).await)?,
        )
    }

    /// Recounts a store's daily sales from its orders (after demo data is moved in time).
    pub async fn rebuild_daily_sales(&self, store_id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM daily_sales WHERE store_id = $1").bind(store_id).execute(c).await.map(|r| r.rows_affected()))?;
        let sql = "INSERT INTO daily_sales (store_id, currency, day, amount, order_count) \
                   SELECT store_id, purchase_currency, completed_at / 86400000, SUM(original_order_amount), COUNT(*) \
                   FROM orders WHERE store_id = $1 AND completed_at IS NOT NULL \
                   GROUP BY store_id, purchase_currency, completed_at / 86400000";
        on_tx!(&mut tx, c => sqlx::query(sql).bind(store_id).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }

    pub async fn user_setting(&self, user_id: i64, name: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM user_settings WHERE user_id = $1 AND name = $2";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(user_id).bind(name).fetch_optional(p).await)?)
    }

    pub async fn set_user_setting(&self, user_id: i64, name: &str, value: &str) -> Result<()> {
        let sql = "INSERT INTO user_settings (user_id, name, value) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id, name) DO UPDATE SET value = excluded.value";
        crate::on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(name).bind(value).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    /// Adds to a store's uncaptured total (in one of its shards).
    pub async fn add_uncaptured(
        &mut self,
        store_id: &str,
        currency: &str,
        amount: i64,
        count: i64,
        shard: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO store_totals (store_id, currency, shard, uncaptured_amount, uncaptured_count) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (store_id, currency, shard) DO UPDATE SET \
                   uncaptured_amount = store_totals.uncaptured_amount + excluded.uncaptured_amount, \
                   uncaptured_count = store_totals.uncaptured_count + excluded.uncaptured_count";
        write_later!(self, sql, [store_id, currency, shard, amount, count])?;
        Ok(())
    }

    /// Counts a completed sale on its UTC day.
    pub async fn add_daily_sale(&mut self, store_id: &str, currency: &str, day: i64, amount: i64) -> Result<()> {
        let sql = "INSERT INTO daily_sales (store_id, currency, day, amount, order_count) VALUES ($1, $2, $3, $4, 1) \
                   ON CONFLICT (store_id, currency, day) DO UPDATE SET amount = daily_sales.amount + excluded.amount, \
                   order_count = daily_sales.order_count + 1";
        on_tx!(self, c => sqlx::query(sql).bind(store_id).bind(currency).bind(day).bind(amount).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

impl Db {
    /// Inserts many finished orders at once (with their captures, refunds, timeline events
    /// and the ledger entries of those captures and refunds), for seeding large stores.
    /// Multi-row statements in transactions of a few thousand rows: one round trip per 100
    /// orders instead of a dozen per order.
    pub async fn bulk_insert_orders(
        &self,
        orders: &[crate::OrderRow],
        captures: &[crate::CaptureRow],
        refunds: &[crate::RefundRow],
        events: &[crate::OrderEvent],
        ledger: &[crate::NewEntry],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in orders.chunks(100) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO orders (order_id, store_id, short_reference, checkout_status, status, fraud_status, purchase_country, \
                     purchase_currency, locale, order_amount, order_tax_amount, original_order_amount, captured_amount, refunded_amount, \
                     released, merchant_reference1, merchant_reference2, customer_name, customer_email, payment_method, acknowledged, body, \
                     created_at, completed_at, last_modified_at, checkout_expires_at, expires_at, customer_search, search_text) ",
                );
                q.push_values(chunk, |mut b, o| {
                    b.push_bind(&o.order_id).push_bind(&o.store_id).push_bind(&o.short_reference).push_bind(&o.checkout_status)
                        .push_bind(o.status.map(kassa_core::order::Status::code)).push_bind(&o.fraud_status).push_bind(&o.purchase_country).push_bind(&o.purchase_currency)
                        .push_bind(&o.locale).push_bind(o.order_amount).push_bind(o.order_tax_amount).push_bind(o.original_order_amount)
                        .push_bind(o.captured_amount).push_bind(o.refunded_amount).push_bind(o.released).push_bind(&o.merchant_reference1)
                        .push_bind(&o.merchant_reference2).push_bind(&o.customer_name).push_bind(&o.customer_email).push_bind(&o.payment_method)
                        .push_bind(o.acknowledged).push_bind(&o.body).push_bind(o.created_at).push_bind(o.completed_at)
                        .push_bind(o.last_modified_at).push_bind(o.checkout_expires_at).push_bind(o.expires_at)
                        .push_bind(o.customer_name.to_lowercase()).push_bind(crate::order_text::search_text(o));
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        for chunk in captures.chunks(500) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO captures (capture_id, order_id, seq, captured_amount, refunded_amount, body, captured_at) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(&r.capture_id).push_bind(&r.order_id).push_bind(r.seq).push_bind(r.captured_amount)
                        .push_bind(r.refunded_amount).push_bind(&r.body).push_bind(r.captured_at);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        for chunk in refunds.chunks(500) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO refunds (refund_id, order_id, refunded_amount, body, refunded_at) ");
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(&r.refund_id).push_bind(&r.order_id).push_bind(r.refunded_amount).push_bind(&r.body).push_bind(r.refunded_at);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        for chunk in events.chunks(500) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO order_events (order_id, at, actor_kind, actor, action, amount, details) ");
                q.push_values(chunk, |mut b, e| {
                    b.push_bind(&e.order_id).push_bind(e.at).push_bind(e.actor_kind.code()).push_bind(&e.actor).push_bind(e.action.code())
                        .push_bind(e.amount).push_bind(&e.details);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.insert_ledger_entries_bulk(ledger).await?;
        tx.commit().await
    }

    /// Gives SQLite's single writer a page cache large enough for a bulk load (`on`), or the
    /// usual one back. Loading a million orders updates a dozen indexes on random keys (order
    /// ids, emails, amounts); with the usual cache every insert evicts pages it needs again.
    pub async fn bulk_load_cache(&self, on: bool) -> Result<()> {
        if let crate::connect::Pool::Sqlite { write, .. } = &self.pool {
            let kib = if on {
                BULK_CACHE_KIB
            } else {
                crate::connect::SQLITE_CACHE_KIB
            };
            sqlx::query(&format!("PRAGMA cache_size = -{kib}"))
                .execute(write)
                .await?;
            if !on {
                sqlx::query("PRAGMA shrink_memory").execute(write).await?;
                // SQLite hands the gigabyte back to malloc, which would keep it for good.
                #[cfg(all(target_os = "linux", target_env = "gnu"))]
                // SAFETY: malloc_trim only releases free heap pages; it touches no live memory.
                unsafe {
                    libc::malloc_trim(0);
                }
            }
        }
        Ok(())
    }

    /// Does at once for PostgreSQL what autovacuum would do a while after a bulk load:
    /// fresh statistics (else the planner believes the store still has its old handful of
    /// orders and sorts whole stores) and the visibility map (else every index-only count,
    /// such as the search planner's, reads the table too). SQLite needs neither.
    pub async fn vacuum_orders(&self) -> Result<()> {
        if let crate::connect::Pool::Postgres(p) = &self.pool {
            sqlx::query("VACUUM (ANALYZE) orders").execute(p).await?;
        }
        Ok(())
    }

    /// Recounts a store's uncaptured totals from its orders (after a bulk seed).
    pub async fn rebuild_store_totals(&self, store_id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM store_totals WHERE store_id = $1").bind(store_id).execute(c).await.map(|r| r.rows_affected()))?;
        let sql = "INSERT INTO store_totals (store_id, currency, shard, uncaptured_amount, uncaptured_count) \
                   SELECT store_id, purchase_currency, 0, SUM(order_amount - captured_amount), COUNT(*) FROM orders \
                   WHERE store_id = $1 AND status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE \
                   GROUP BY store_id, purchase_currency";
        on_tx!(&mut tx, c => sqlx::query(sql).bind(store_id).execute(c).await.map(|r| r.rows_affected()))?;
        tx.commit().await
    }
}
