//! Orders, captures, refunds and the order timeline. Money-changing writes happen inside a
//! [`Tx`] after [`Tx::lock_order`], so concurrent requests on one order apply one at a time.

use crate::deferred::write_later;
use crate::order_text::search_text;
use crate::{on_pool, on_tx, Db, DbError, Result, Tx};
use kassa_core::order::Status;
use kassa_core::timeline::{ActorKind, EventKind};

/// The `status` column as stored (NULL while the order is a checkout), read into a
/// [`Status`] at this boundary.
pub struct StoredStatus(Option<String>);

impl<DB: sqlx::Database> sqlx::Type<DB> for StoredStatus
where
    String: sqlx::Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <String as sqlx::Type<DB>>::type_info()
    }
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as sqlx::Type<DB>>::compatible(ty)
    }
}

impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for StoredStatus
where
    Option<String>: sqlx::Decode<'r, DB>,
{
    fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> std::result::Result<Self, sqlx::error::BoxDynError> {
        Ok(StoredStatus(<Option<String> as sqlx::Decode<'r, DB>>::decode(value)?))
    }
}

impl TryFrom<StoredStatus> for Option<Status> {
    type Error = String;
    fn try_from(s: StoredStatus) -> std::result::Result<Self, String> {
        s.0.map(|code| code.parse()).transpose()
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub order_id: String,
    pub store_id: String,
    pub short_reference: String,
    pub checkout_status: String,
    /// None while the order is a checkout; set once it is an Order Management order.
    #[sqlx(try_from = "StoredStatus")]
    pub status: Option<Status>,
    pub fraud_status: Option<String>,
    pub purchase_country: String,
    pub purchase_currency: String,
    pub locale: String,
    pub order_amount: i64,
    pub order_tax_amount: i64,
    pub original_order_amount: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub released: bool,
    pub merchant_reference1: Option<String>,
    pub merchant_reference2: Option<String>,
    pub customer_name: String,
    pub customer_email: String,
    pub payment_method: Option<String>,
    pub acknowledged: bool,
    pub body: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub last_modified_at: i64,
    pub checkout_expires_at: i64,
    pub expires_at: Option<i64>,
}

const ORDER_COLUMNS: &str = "order_id, store_id, short_reference, checkout_status, status, fraud_status, purchase_country, \
    purchase_currency, locale, order_amount, order_tax_amount, original_order_amount, captured_amount, refunded_amount, \
    released, merchant_reference1, merchant_reference2, customer_name, customer_email, payment_method, acknowledged, body, \
    created_at, completed_at, last_modified_at, checkout_expires_at, expires_at";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaptureRow {
    pub capture_id: String,
    pub order_id: String,
    pub seq: i64,
    pub captured_amount: i64,
    pub refunded_amount: i64,
    pub body: String,
    pub captured_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefundRow {
    pub refund_id: String,
    pub order_id: String,
    pub refunded_amount: i64,
    pub body: String,
    pub refunded_at: i64,
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderEvent {
    pub order_id: String,
    pub at: i64,
    #[sqlx(try_from = "String")]
    pub actor_kind: ActorKind,
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub action: EventKind,
    pub amount: Option<i64>,
    pub details: Option<String>,
}

impl Db {
    pub async fn order(&self, store_id: &str, order_id: &str) -> Result<Option<OrderRow>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = $1 AND store_id = $2");
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, OrderRow>(&sql).bind(order_id).bind(store_id).fetch_optional(p).await)?,
        )
    }

    /// An order by id alone, for the hosted checkout page (the id is its capability).
    pub async fn order_by_id(&self, order_id: &str) -> Result<Option<OrderRow>> {
        let sql = format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, OrderRow>(&sql).bind(order_id).fetch_optional(p).await)?)
    }

    pub async fn captures_of(&self, order_id: &str) -> Result<Vec<CaptureRow>> {
        let sql = "SELECT capture_id, order_id, seq, captured_amount, refunded_amount, body, captured_at FROM captures WHERE order_id = $1 ORDER BY seq";
        Ok(on_pool!(self, p => sqlx::query_as::<_, CaptureRow>(sql).bind(order_id).fetch_all(p).await)?)
    }

    pub async fn refunds_of(&self, order_id: &str) -> Result<Vec<RefundRow>> {
        let sql = "SELECT refund_id, order_id, refunded_amount, body, refunded_at FROM refunds WHERE order_id = $1 ORDER BY refunded_at, refund_id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, RefundRow>(sql).bind(order_id).fetch_all(p).await)?)
    }

    pub async fn events_of(&self, order_id: &str) -> Result<Vec<OrderEvent>> {
        let sql = "SELECT order_id, at, actor_kind, actor, action, amount, details FROM order_events WHERE order_id = $1 ORDER BY id";
        Ok(on_pool!(self, p => sqlx::query_as::<_, OrderEvent>(sql).bind(order_id).fetch_all(p).await)?)
    }

    /// Orders whose authorization has run out by `now` but are not marked yet.
    pub async fn orders_due_to_expire(&self, now: i64, limit: i64) -> Result<Vec<(String, String)>> {
        let sql = "SELECT store_id, order_id FROM orders WHERE status IN ('AUTHORIZED', 'PART_CAPTURED') \
                   AND released = $3 AND expires_at <= $1 ORDER BY expires_at LIMIT $2";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, (String, String)>(sql).bind(now).bind(limit).bind(false).fetch_all(p).await)?,
        )
    }

    /// Money captured over a store's orders, and the number of captures behind it; the two
    /// views of the same money must agree.
    pub async fn capture_totals(&self, store_id: &str) -> Result<(i64, i64, i64)> {
        let sql = "SELECT CAST(COALESCE((SELECT SUM(captured_amount) FROM orders WHERE store_id = $1), 0) AS BIGINT), \
                   CAST(COALESCE(SUM(c.captured_amount), 0) AS BIGINT), COUNT(c.capture_id) \
                   FROM captures c JOIN orders o ON o.order_id = c.order_id WHERE o.store_id = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (i64, i64, i64)>(sql).bind(store_id).fetch_one(p).await)?)
    }

    /// Moves an order's whole history `by_ms` into the past (demo data that spans months):
    /// its times, captures, refunds, timeline and open ledger entries.
    pub async fn shift_order_history(&self, order_id: &str, by_ms: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let statements = [
            "UPDATE orders SET created_at = created_at - $2, last_modified_at = last_modified_at - $2,              checkout_expires_at = checkout_expires_at - $2, completed_at = completed_at - $2, expires_at = expires_at - $2              WHERE order_id = $1",
            "UPDATE captures SET captured_at = captured_at - $2 WHERE order_id = $1",
            "UPDATE refunds SET refunded_at = refunded_at - $2 WHERE order_id = $1",
            "UPDATE order_events SET at = at - $2 WHERE order_id = $1",
            // The order's money moves with it (only open entries may; a paid-out one is fixed).
            "UPDATE ledger_entries SET sale_date = sale_date - $2, capture_date = capture_date - $2, \
             created_at = created_at - $2 WHERE order_id = $1 AND payout_id IS NULL",
        ];
        for sql in statements {
            on_tx!(&mut tx, c => sqlx::query(sql).bind(order_id).bind(by_ms).execute(c).await.map(|r| r.rows_affected()))?;
        }
        tx.commit().await
    }

    /// Counts orders per status in a store (for the demo seed and tests).
    pub async fn order_status_counts(&self, store_id: &str) -> Result<Vec<(String, i64)>> {
        let sql = "SELECT COALESCE(status, checkout_status) AS s, COUNT(*) FROM orders WHERE store_id = $1 GROUP BY COALESCE(status, checkout_status) ORDER BY 1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, (String, i64)>(sql).bind(store_id).fetch_all(p).await)?)
    }
}

impl Tx {
    pub async fn insert_order(&mut self, o: &OrderRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO orders ({ORDER_COLUMNS}, customer_search, search_text) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
             $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)"
        );
        on_tx!(self, c => sqlx::query(&sql)
            .bind(&o.order_id)
            .bind(&o.store_id)
            .bind(&o.short_reference)
            .bind(&o.checkout_status)
            .bind(o.status.map(Status::code))
            .bind(&o.fraud_status)
            .bind(&o.purchase_country)
            .bind(&o.purchase_currency)
            .bind(&o.locale)
            .bind(o.order_amount)
            .bind(o.order_tax_amount)
            .bind(o.original_order_amount)
            .bind(o.captured_amount)
            .bind(o.refunded_amount)
            .bind(o.released)
            .bind(&o.merchant_reference1)
            .bind(&o.merchant_reference2)
            .bind(&o.customer_name)
            .bind(&o.customer_email)
            .bind(&o.payment_method)
            .bind(o.acknowledged)
            .bind(&o.body)
            .bind(o.created_at)
            .bind(o.completed_at)
            .bind(o.last_modified_at)
            .bind(o.checkout_expires_at)
            .bind(o.expires_at)
            .bind(o.customer_name.to_lowercase())
            .bind(search_text(o))
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(|e| DbError::from_insert(e, format!("order {}", o.order_id)))
    }

    /// Reads the order and holds it until commit: PostgreSQL locks the row; SQLite already
    /// holds the database's write lock (`BEGIN IMMEDIATE`).
    pub async fn lock_order(&mut self, store_id: &str, order_id: &str) -> Result<Option<OrderRow>> {
        Ok(match self {
            Tx::Sqlite(t) => {
                // Usually a unit's first statement: its savepoint goes in the same trip.
                let sql = t
                    .with_waiting(&format!(
                        "SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = $1 AND store_id = $2"
                    ))
                    .await?;
                sqlx::query_as::<_, OrderRow>(&sql)
                    .bind(order_id)
                    .bind(store_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
            Tx::Postgres(t) => {
                let sql =
                    format!("SELECT {ORDER_COLUMNS} FROM orders WHERE order_id = $1 AND store_id = $2 FOR UPDATE");
                sqlx::query_as::<_, OrderRow>(&sql)
                    .bind(order_id)
                    .bind(store_id)
                    .fetch_optional(&mut **t)
                    .await?
            }
        })
    }

    /// Writes back every mutable column of a locked order.
    pub async fn update_order(&mut self, o: &OrderRow) -> Result<()> {
        let sql = "UPDATE orders SET checkout_status = $2, status = $3, fraud_status = $4, order_amount = $5, \
                   order_tax_amount = $6, captured_amount = $7, refunded_amount = $8, released = $9, \
                   merchant_reference1 = $10, merchant_reference2 = $11, customer_name = $12, customer_email = $13, \
                   payment_method = $14, acknowledged = $15, body = $16, completed_at = $17, last_modified_at = $18, \
                   checkout_expires_at = $19, expires_at = $20, purchase_country = $21, purchase_currency = $22, locale = $23, \
                   customer_search = $24, search_text = $25 WHERE order_id = $1";
        write_later!(
            self,
            sql,
            [
                &o.order_id,
                &o.checkout_status,
                o.status.map(Status::code),
                &o.fraud_status,
                o.order_amount,
                o.order_tax_amount,
                o.captured_amount,
                o.refunded_amount,
                o.released,
                &o.merchant_reference1,
                &o.merchant_reference2,
                &o.customer_name,
                &o.customer_email,
                &o.payment_method,
                o.acknowledged,
                &o.body,
                o.completed_at,
                o.last_modified_at,
                o.checkout_expires_at,
                o.expires_at,
                &o.purchase_country,
                &o.purchase_currency,
                &o.locale,
                o.customer_name.to_lowercase(),
                search_text(o)
            ]
        )?;
        Ok(())
    }

    /// Writes back only the money and life-cycle columns of a locked order (what a capture
    /// changes): the text, references and body stay, and so do their indexes.
    pub async fn update_order_money(&mut self, o: &OrderRow) -> Result<()> {
        let sql = "UPDATE orders SET status = $2, order_amount = $3, captured_amount = $4, refunded_amount = $5, \
                   released = $6, expires_at = $7, last_modified_at = $8 WHERE order_id = $1";
        write_later!(
            self,
            sql,
            [
                &o.order_id,
                o.status.map(Status::code),
                o.order_amount,
                o.captured_amount,
                o.refunded_amount,
                o.released,
                o.expires_at,
                o.last_modified_at
            ]
        )?;
        Ok(())
    }

    pub async fn captures_of(&mut self, order_id: &str) -> Result<Vec<CaptureRow>> {
        let sql = "SELECT capture_id, order_id, seq, captured_amount, refunded_amount, body, captured_at FROM captures WHERE order_id = $1 ORDER BY seq";
        Ok(on_tx!(self, c => sqlx::query_as::<_, CaptureRow>(sql).bind(order_id).fetch_all(c).await)?)
    }

    /// The sequence number the next capture of the order gets (1 for the first).
    pub async fn next_capture_seq(&mut self, order_id: &str) -> Result<i64> {
        let sql = "SELECT COALESCE(MAX(seq), 0) + 1 FROM captures WHERE order_id = $1";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql).bind(order_id).fetch_one(c).await)?)
    }

    pub async fn insert_capture(&mut self, cap: &CaptureRow) -> Result<()> {
        let sql =
            "INSERT INTO captures (capture_id, order_id, seq, captured_amount, refunded_amount, body, captured_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        write_later!(
            self,
            sql,
            [
                &cap.capture_id,
                &cap.order_id,
                cap.seq,
                cap.captured_amount,
                cap.refunded_amount,
                &cap.body,
                cap.captured_at
            ]
        )?;
        Ok(())
    }

    pub async fn update_capture(&mut self, cap: &CaptureRow) -> Result<()> {
        let sql = "UPDATE captures SET refunded_amount = $2, body = $3 WHERE capture_id = $1";
        write_later!(self, sql, [&cap.capture_id, cap.refunded_amount, &cap.body])?;
        Ok(())
    }

    pub async fn refunds_of(&mut self, order_id: &str) -> Result<Vec<RefundRow>> {
        let sql = "SELECT refund_id, order_id, refunded_amount, body, refunded_at FROM refunds WHERE order_id = $1 ORDER BY refunded_at, refund_id";
        Ok(on_tx!(self, c => sqlx::query_as::<_, RefundRow>(sql).bind(order_id).fetch_all(c).await)?)
    }

    pub async fn insert_refund(&mut self, r: &RefundRow) -> Result<()> {
        let sql =
            "INSERT INTO refunds (refund_id, order_id, refunded_amount, body, refunded_at) VALUES ($1, $2, $3, $4, $5)";
        write_later!(
            self,
            sql,
            [&r.refund_id, &r.order_id, r.refunded_amount, &r.body, r.refunded_at]
        )?;
        Ok(())
    }

    pub async fn insert_event(&mut self, e: &OrderEvent) -> Result<()> {
        let sql = "INSERT INTO order_events (order_id, at, actor_kind, actor, action, amount, details) VALUES ($1, $2, $3, $4, $5, $6, $7)";
        write_later!(
            self,
            sql,
            [
                &e.order_id,
                e.at,
                e.actor_kind.code(),
                &e.actor,
                e.action.code(),
                e.amount,
                &e.details
            ]
        )?;
        Ok(())
    }
}
