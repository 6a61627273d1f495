//! Queries of the portal's Orders section and Home: keyset-paginated search, and the
//! aggregates Home reads instead of scanning orders.

use crate::{on_pool, on_tx, Db, Result, Tx};

/// One row of the order list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderListRow {
    pub order_id: String,
    pub short_reference: String,
    pub created_at: i64,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub customer_name: String,
    pub customer_email: String,
    pub purchase_currency: String,
    pub order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub payment_method: Option<String>,
    pub status: String,
    pub expires_at: Option<i64>,
}

const LIST_COLUMNS: &str = "order_id, short_reference, created_at, merchant_reference1, merchant_reference2, customer_name, \
    customer_email, purchase_currency, order_amount, captured_amount, refunded_amount, payment_method, status, expires_at";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    LargestFirst,
    SmallestFirst,
}

/// What the list shows: every filter is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub store_id: String,
    /// Order id, short reference, merchant reference, customer email or name prefix.
    pub query: Option<String>,
    pub statuses: Vec<String>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub amount_min: Option<i64>,
    pub amount_max: Option<i64>,
    pub payment_method: Option<String>,
    /// Orders still authorized whose authorization ends before this time.
    pub expires_before: Option<i64>,
    pub sort: SortOrder,
}

/// Where the next page starts: the sort value and order id of the last row shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub value: i64,
    pub order_id: String,
}

impl Cursor {
    pub fn of(row: &OrderListRow, sort: SortOrder) -> Cursor {
        let value = match sort {
            SortOrder::NewestFirst | SortOrder::OldestFirst => row.created_at,
            SortOrder::LargestFirst | SortOrder::SmallestFirst => row.order_amount,
        };
        Cursor {
            value,
            order_id: row.order_id.clone(),
        }
    }
}

/// Builds the search as SQL text shared by both backends, with its bind values.
enum Bind {
    Text(String),
    Int(i64),
}

fn search_sql(f: &OrderFilter, after: Option<&Cursor>, limit: i64) -> (String, Vec<Bind>) {
    let mut binds = vec![Bind::Text(f.store_id.clone())];
    let push = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    let mut conds = vec!["store_id = $1".to_owned(), "status IS NOT NULL".to_owned()];
    if !f.statuses.is_empty() {
        let list: Vec<String> = f
            .statuses
            .iter()
            .map(|s| push(Bind::Text(s.clone()), &mut binds))
            .collect();
        conds.push(format!("status IN ({})", list.join(", ")));
    }
    if let Some(v) = f.created_from {
        conds.push(format!("created_at >= {}", push(Bind::Int(v), &mut binds)));
    }
    if let Some(v) = f.created_to {
        conds.push(format!("created_at < {}", push(Bind::Int(v), &mut binds)));
    }
    if let Some(v) = f.amount_min {
        conds.push(format!("order_amount >= {}", push(Bind::Int(v), &mut binds)));
    }
    if let Some(v) = f.amount_max {
        conds.push(format!("order_amount <= {}", push(Bind::Int(v), &mut binds)));
    }
    if let Some(m) = &f.payment_method {
        conds.push(format!("payment_method = {}", push(Bind::Text(m.clone()), &mut binds)));
    }
    if let Some(v) = f.expires_before {
        conds.push("status IN ('AUTHORIZED', 'PART_CAPTURED') AND released = FALSE".to_owned());
        conds.push(format!("expires_at < {}", push(Bind::Int(v), &mut binds)));
    }
    let (column, descending) = match f.sort {
        SortOrder::NewestFirst => ("created_at", true),
        SortOrder::OldestFirst => ("created_at", false),
        SortOrder::LargestFirst => ("order_amount", true),
        SortOrder::SmallestFirst => ("order_amount", false),
    };
    if let Some(c) = after {
        let v = push(Bind::Int(c.value), &mut binds);
        // A row-value comparison: both databases walk the (column, order_id) index from the
        // cursor on, where the equivalent OR form makes PostgreSQL rescan from the start.
        let id = push(Bind::Text(c.order_id.clone()), &mut binds);
        let op = if descending { "<" } else { ">" };
        conds.push(format!("({column}, order_id) {op} ({v}, {id})"));
    }
    let dir = if descending { "DESC" } else { "ASC" };
    let lim = push(Bind::Int(limit), &mut binds);
    let order_by = format!("ORDER BY {column} {dir}, order_id {dir} LIMIT {lim}");
    let filter = conds.join(" AND ");
    let sql = match f.query.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        None => format!("SELECT {LIST_COLUMNS} FROM orders WHERE {filter} {order_by}"),
        Some(q) => {
            // A search term is matched against each indexed column separately: a union of
            // index lookups rather than one OR, which planners tend to answer with a scan.
            // The filters and the page start apply to the union, so each lookup stays on
            // its own index (with them inside, planners walk the date index instead).
            let exact = push(Bind::Text(q.to_owned()), &mut binds);
            let upper = push(Bind::Text(q.to_uppercase()), &mut binds);
            let lower = q.to_lowercase();
            let low = push(Bind::Text(lower.clone()), &mut binds);
            let high = push(Bind::Text(format!("{lower}\u{10FFFF}")), &mut binds);
            let branches = [
                format!("order_id = {exact}"),
                format!("short_reference = {upper}"),
                format!("merchant_reference1 = {exact}"),
                format!("merchant_reference2 = {exact}"),
                format!("customer_email = {low}"),
                format!("customer_search >= {low} AND customer_search < {high}"),
            ];
            let union: Vec<String> = branches
                .iter()
                .map(|cond| format!("SELECT * FROM orders WHERE store_id = $1 AND {cond}"))
                .collect();
            format!(
                "SELECT {LIST_COLUMNS} FROM ({}) AS o WHERE {filter} {order_by}",
                union.join(" UNION ")
            )
        }
    };
    (sql, binds)
}

impl Db {
    /// One page of orders matching `f`, after `after` in the sort order.
    pub async fn search_orders(
        &self,
        f: &OrderFilter,
        after: Option<&Cursor>,
        limit: i64,
    ) -> Result<Vec<OrderListRow>> {
        let (sql, binds) = search_sql(f, after, limit);
        Ok(on_pool!(self, p => {
            let mut q = sqlx::query_as::<_, OrderListRow>(&sql);
            for b in binds {
                q = match b {
                    Bind::Text(t) => q.bind(t),
                    Bind::Int(i) => q.bind(i),
                };
            }
            q.fetch_all(p).await
        })?)
    }

    /// The query plan of a search, for the benchmark's report of which indexes it uses.
    pub async fn explain_search(&self, f: &OrderFilter) -> Result<String> {
        let (sql, binds) = search_sql(f, None, 50);
        let explain = match self.backend() {
            crate::Backend::Sqlite => format!("EXPLAIN QUERY PLAN {sql}"),
            crate::Backend::Postgres => format!("EXPLAIN {sql}"),
        };
        let lines: Vec<String> = match &self.pool {
            crate::connect::Pool::Sqlite { read, .. } => {
                let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
                for b in binds {
                    q = match b {
                        Bind::Text(t) => q.bind(t),
                        Bind::Int(i) => q.bind(i),
                    };
                }
                q.fetch_all(read).await?.into_iter().map(|r| r.3).collect()
            }
            crate::connect::Pool::Postgres(p) => {
                let mut q = sqlx::query_scalar::<_, String>(&explain);
                for b in binds {
                    q = match b {
                        Bind::Text(t) => q.bind(t),
                        Bind::Int(i) => q.bind(i),
                    };
                }
                q.fetch_all(p).await?
            }
        };
        Ok(lines.join("\n"))
    }

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
        on_tx!(self, c => sqlx::query(sql).bind(store_id).bind(currency).bind(shard).bind(amount).bind(count).execute(c).await.map(|r| r.rows_affected()))?;
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
    /// Inserts many finished orders at once (with their captures, refunds and timeline
    /// events), for seeding large stores. Multi-row statements in transactions of a few
    /// thousand rows: one round trip per 100 orders instead of a dozen per order.
    pub async fn bulk_insert_orders(
        &self,
        orders: &[crate::OrderRow],
        captures: &[crate::CaptureRow],
        refunds: &[crate::RefundRow],
        events: &[crate::OrderEvent],
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for chunk in orders.chunks(100) {
            on_tx!(&mut tx, c => {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO orders (order_id, store_id, short_reference, checkout_status, status, fraud_status, purchase_country, \
                     purchase_currency, locale, order_amount, order_tax_amount, original_order_amount, captured_amount, refunded_amount, \
                     released, merchant_reference1, merchant_reference2, customer_name, customer_email, payment_method, acknowledged, body, \
                     created_at, completed_at, last_modified_at, checkout_expires_at, expires_at, customer_search) ",
                );
                q.push_values(chunk, |mut b, o| {
                    b.push_bind(&o.order_id).push_bind(&o.store_id).push_bind(&o.short_reference).push_bind(&o.checkout_status)
                        .push_bind(&o.status).push_bind(&o.fraud_status).push_bind(&o.purchase_country).push_bind(&o.purchase_currency)
                        .push_bind(&o.locale).push_bind(o.order_amount).push_bind(o.order_tax_amount).push_bind(o.original_order_amount)
                        .push_bind(o.captured_amount).push_bind(o.refunded_amount).push_bind(o.released).push_bind(&o.merchant_reference1)
                        .push_bind(&o.merchant_reference2).push_bind(&o.customer_name).push_bind(&o.customer_email).push_bind(&o.payment_method)
                        .push_bind(o.acknowledged).push_bind(&o.body).push_bind(o.created_at).push_bind(o.completed_at)
                        .push_bind(o.last_modified_at).push_bind(o.checkout_expires_at).push_bind(o.expires_at)
                        .push_bind(o.customer_name.to_lowercase());
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
                    b.push_bind(&e.order_id).push_bind(e.at).push_bind(&e.actor_kind).push_bind(&e.actor).push_bind(&e.action)
                        .push_bind(e.amount).push_bind(&e.details);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyset_and_filters_build_one_statement() {
        let f = OrderFilter {
            store_id: "M100001".into(),
            query: Some("ada@example.com".into()),
            statuses: vec!["AUTHORIZED".into(), "PART_CAPTURED".into()],
            amount_min: Some(100),
            ..Default::default()
        };
        let (sql, binds) = search_sql(
            &f,
            Some(&Cursor {
                value: 5,
                order_id: "x".into(),
            }),
            50,
        );
        assert!(sql.contains("UNION") && sql.contains("customer_email = $10"), "{sql}");
        assert!(
            sql.contains("status IN ($2, $3)") && sql.contains("order_amount >= $4"),
            "{sql}"
        );
        assert!(sql.contains("(created_at, order_id) < ($5, $6)"), "{sql}");
        assert!(
            sql.ends_with("ORDER BY created_at DESC, order_id DESC LIMIT $7"),
            "{sql}"
        );
        assert_eq!(binds.len(), 11);
    }
}
