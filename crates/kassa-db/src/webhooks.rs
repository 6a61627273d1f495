//! Webhook endpoints, the event outbox and deliveries. An event is written in the
//! transaction of the change that raised it, with one delivery per enabled endpoint of the
//! store subscribed to its type; deliveries are leased like jobs (several processes share
//! them, a dead process only delays one), and a delivery waits while an earlier one of the
//! same endpoint and order is still pending.

use crate::deferred::write_later;
use crate::{on_pool, on_tx, on_writer, Db, Result, Tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookEndpointRow {
    pub id: String,
    pub store_id: String,
    pub url: String,
    pub description: String,
    /// `,a,b,` (see `kassa_core::webhook::stored_events`).
    pub events: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_until: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A delivery with its event's store and body.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookDeliveryRow {
    pub id: i64,
    pub endpoint_id: String,
    pub event_id: String,
    pub kind: String,
    pub order_id: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub first_attempt_at: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub last_response: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub created_at: i64,
    pub store_id: String,
    pub object_id: String,
    pub payload: Option<String>,
    pub event_created_at: i64,
}

/// An event raised by a change, before it is written.
#[derive(Debug, Clone)]
pub struct NewWebhookEvent<'a> {
    pub id: &'a str,
    pub store_id: &'a str,
    /// The event type's code.
    pub kind: &'a str,
    pub order_id: Option<&'a str>,
    pub object_id: &'a str,
    /// Set for events whose body is known at once (the test event).
    pub payload: Option<&'a str>,
}

/// How one attempt went, as stored on the delivery.
#[derive(Debug, Clone)]
pub struct WebhookAttempt<'a> {
    pub delivery_id: i64,
    pub endpoint_id: &'a str,
    pub started_at: i64,
    pub status: Option<i64>,
    pub error: Option<&'a str>,
    pub response: Option<&'a str>,
    pub duration_ms: i64,
    /// `delivered`, `failed` (given up) or `pending` (tried again at `next_attempt_at`).
    pub state: &'a str,
    pub next_attempt_at: i64,
}

const ENDPOINT_COLUMNS: &str = "id, store_id, url, description, events, secret, previous_secret, previous_until, \
    disabled_at, disabled_reason, failing_since, created_by, created_at, updated_at";

const DELIVERY_SELECT: &str =
    "SELECT d.id, d.endpoint_id, d.event_id, d.type AS kind, d.order_id, d.state, d.attempts, \
    d.next_attempt_at, d.first_attempt_at, d.last_attempt_at, d.last_status, d.last_error, d.last_response, \
    d.last_duration_ms, d.created_at, e.store_id, e.object_id, e.payload, e.created_at AS event_created_at \
    FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

/// [`Tx::enqueue_webhook`] on a connection of a raw sqlx transaction (the payout close
/// runs its own), for an event about no order: its id is `evt_<type>_<object id>`.
macro_rules! enqueue_raw {
    ($conn:expr, $store:expr, $kind:expr, $object:expr, $now:expr) => {{
        let pattern = format!("%,{},%", $kind);
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE store_id = $1 AND disabled_at IS NULL AND events LIKE $2",
        )
        .bind($store)
        .bind(&pattern)
        .fetch_one(&mut *$conn)
        .await?;
        if n > 0 {
            let id = format!("evt_{}_{}", $kind.replace('.', "_"), $object);
            sqlx::query(
                "INSERT INTO webhook_events (id, store_id, type, order_id, object_id, payload, created_at) \
                 VALUES ($1, $2, $3, NULL, $4, NULL, $5)",
            )
            .bind(&id)
            .bind($store)
            .bind($kind)
            .bind($object)
            .bind($now)
            .execute(&mut *$conn)
            .await?;
            sqlx::query(
                "INSERT INTO webhook_deliveries (endpoint_id, event_id, type, order_id, state, next_attempt_at, created_at) \
                 SELECT id, $1, $2, '', 'pending', $3, $3 FROM webhook_endpoints \
                 WHERE store_id = $4 AND disabled_at IS NULL AND events LIKE $5",
            )
            .bind(&id)
            .bind($kind)
            .bind($now)
            .bind($store)
            .bind(&pattern)
            .execute(&mut *$conn)
            .await?;
        }
    }};
}
pub(crate) use enqueue_raw;

impl Tx {
    /// Writes an event and its deliveries to every enabled endpoint of the store subscribed
    /// to its type; nothing when there is none. Both statements check the endpoints
    /// themselves, so nothing is read first and they can wait for the unit's next trip to
    /// SQLite (every order change raises an event; most stores have no endpoint).
    pub async fn enqueue_webhook(&mut self, ev: &NewWebhookEvent<'_>, now: i64) -> Result<()> {
        let pattern = format!("%,{},%", ev.kind);
        if let Tx::Postgres(t) = self {
            // Here each statement is a round trip anyway: one that finds no endpoint is
            // the only one.
            let count =
                "SELECT COUNT(*) FROM webhook_endpoints WHERE store_id = $1 AND disabled_at IS NULL AND events LIKE $2";
            let n: i64 = sqlx::query_scalar(count)
                .bind(ev.store_id)
                .bind(&pattern)
                .fetch_one(&mut **t)
                .await?;
            if n == 0 {
                return Ok(());
            }
        }
        let event = "INSERT INTO webhook_events (id, store_id, type, order_id, object_id, payload, created_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM webhook_endpoints \
                     WHERE store_id = $2 AND disabled_at IS NULL AND events LIKE $8)";
        write_later!(
            self,
            event,
            [
                ev.id,
                ev.store_id,
                ev.kind,
                ev.order_id,
                ev.object_id,
                ev.payload,
                now,
                &pattern
            ]
        )?;
        let fan_out = "INSERT INTO webhook_deliveries (endpoint_id, event_id, type, order_id, state, next_attempt_at, created_at) \
                       SELECT id, $1, $2, $3, 'pending', $4, $4 FROM webhook_endpoints \
                       WHERE store_id = $5 AND disabled_at IS NULL AND events LIKE $6";
        write_later!(
            self,
            fan_out,
            [ev.id, ev.kind, ev.order_id.unwrap_or(""), now, ev.store_id, &pattern]
        )?;
        Ok(())
    }

    /// Writes an event and one delivery of it to `endpoint_id` (a test event, whatever the
    /// endpoint subscribes to).
    pub async fn enqueue_webhook_to(&mut self, ev: &NewWebhookEvent<'_>, endpoint_id: &str, now: i64) -> Result<()> {
        self.insert_webhook_event(ev, now).await?;
        let sql = "INSERT INTO webhook_deliveries (endpoint_id, event_id, type, order_id, state, next_attempt_at, created_at) \
                   VALUES ($1, $2, $3, $4, 'pending', $5, $5)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(endpoint_id)
            .bind(ev.id)
            .bind(ev.kind)
            .bind(ev.order_id.unwrap_or(""))
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    async fn insert_webhook_event(&mut self, ev: &NewWebhookEvent<'_>, now: i64) -> Result<()> {
        let sql = "INSERT INTO webhook_events (id, store_id, type, order_id, object_id, payload, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(ev.id)
            .bind(ev.store_id)
            .bind(ev.kind)
            .bind(ev.order_id)
            .bind(ev.object_id)
            .bind(ev.payload)
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn insert_webhook_endpoint(&mut self, e: &WebhookEndpointRow) -> Result<()> {
        let sql = format!("INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)");
        on_tx!(self, c => sqlx::query(&sql)
            .bind(&e.id)
            .bind(&e.store_id)
            .bind(&e.url)
            .bind(&e.description)
            .bind(&e.events)
            .bind(&e.secret)
            .bind(&e.previous_secret)
            .bind(e.previous_until)
            .bind(e.disabled_at)
            .bind(&e.disabled_reason)
            .bind(e.failing_since)
            .bind(&e.created_by)
            .bind(e.created_at)
            .bind(e.updated_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The endpoint, locked for change (PostgreSQL; SQLite's writer is exclusive already).
    pub async fn lock_webhook_endpoint(&mut self, store_id: &str, id: &str) -> Result<Option<WebhookEndpointRow>> {
        let lock = if matches!(self.backend(), crate::Backend::Postgres) {
            " FOR UPDATE"
        } else {
            ""
        };
        let sql = format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE store_id = $1 AND id = $2{lock}");
        Ok(
            on_tx!(self, c => sqlx::query_as::<_, WebhookEndpointRow>(&sql).bind(store_id).bind(id).fetch_optional(c).await)?,
        )
    }

    pub async fn count_webhook_endpoints(&mut self, store_id: &str) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM webhook_endpoints WHERE store_id = $1";
        Ok(on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql).bind(store_id).fetch_one(c).await)?)
    }

    /// Writes every changeable field of the endpoint back.
    pub async fn update_webhook_endpoint(&mut self, e: &WebhookEndpointRow) -> Result<()> {
        let sql =
            "UPDATE webhook_endpoints SET url = $3, description = $4, events = $5, secret = $6, previous_secret = $7, \
                   previous_until = $8, disabled_at = $9, disabled_reason = $10, failing_since = $11, updated_at = $12 \
                   WHERE store_id = $1 AND id = $2";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&e.store_id)
            .bind(&e.id)
            .bind(&e.url)
            .bind(&e.description)
            .bind(&e.events)
            .bind(&e.secret)
            .bind(&e.previous_secret)
            .bind(e.previous_until)
            .bind(e.disabled_at)
            .bind(&e.disabled_reason)
            .bind(e.failing_since)
            .bind(e.updated_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes the endpoint and its deliveries (the events stay for other endpoints).
    pub async fn delete_webhook_endpoint(&mut self, store_id: &str, id: &str) -> Result<bool> {
        let deliveries = "DELETE FROM webhook_deliveries WHERE endpoint_id IN \
                          (SELECT id FROM webhook_endpoints WHERE store_id = $1 AND id = $2)";
        on_tx!(self, c => sqlx::query(deliveries).bind(store_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        let sql = "DELETE FROM webhook_endpoints WHERE store_id = $1 AND id = $2";
        let n =
            on_tx!(self, c => sqlx::query(sql).bind(store_id).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Gives up the pending deliveries of an endpoint (it was disabled).
    pub async fn fail_pending_webhook_deliveries(&mut self, endpoint_id: &str, reason: &str) -> Result<u64> {
        let sql = "UPDATE webhook_deliveries SET state = 'failed', locked_until = NULL, last_error = $2 \
                   WHERE endpoint_id = $1 AND state = 'pending'";
        Ok(
            on_tx!(self, c => sqlx::query(sql).bind(endpoint_id).bind(reason).execute(c).await.map(|r| r.rows_affected()))?,
        )
    }

    /// Stores how an attempt went; a success clears the endpoint's failing streak, a failure
    /// starts it. Returns the endpoint's `failing_since` after the attempt.
    pub async fn record_webhook_attempt(&mut self, a: &WebhookAttempt<'_>) -> Result<Option<i64>> {
        let sql = "UPDATE webhook_deliveries SET state = $2, next_attempt_at = $3, locked_until = NULL, \
                   first_attempt_at = COALESCE(first_attempt_at, $4), last_attempt_at = $4, last_status = $5, \
                   last_error = $6, last_response = $7, last_duration_ms = $8 WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql)
            .bind(a.delivery_id)
            .bind(a.state)
            .bind(a.next_attempt_at)
            .bind(a.started_at)
            .bind(a.status)
            .bind(a.error)
            .bind(a.response)
            .bind(a.duration_ms)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        let streak = if a.state == "delivered" {
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 RETURNING failing_since"
        } else {
            "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 RETURNING failing_since"
        };
        let row: Option<(Option<i64>,)> = on_tx!(self, c => sqlx::query_as(streak)
            .bind(a.endpoint_id)
            .bind(a.started_at)
            .fetch_optional(c)
            .await)?;
        Ok(row.and_then(|r| r.0))
    }

    /// Sends a delivery again from now on (same event, same body), whatever became of it.
    pub async fn resend_webhook_delivery(&mut self, endpoint_id: &str, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $3, locked_until = NULL, \
                   first_attempt_at = NULL WHERE endpoint_id = $1 AND id = $2";
        let n = on_tx!(self, c => sqlx::query(sql).bind(endpoint_id).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }
}

impl Db {
    /// A store's endpoints, oldest first; every store's with `None` (the CLI).
    pub async fn webhook_endpoints(&self, store_id: Option<&str>) -> Result<Vec<WebhookEndpointRow>> {
        let sql = format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE (CAST($1 AS TEXT) IS NULL OR store_id = $1) \
             ORDER BY store_id, created_at, id"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, WebhookEndpointRow>(&sql).bind(store_id).fetch_all(p).await)?)
    }

    /// One endpoint, of `store_id` when given.
    pub async fn webhook_endpoint(&self, store_id: Option<&str>, id: &str) -> Result<Option<WebhookEndpointRow>> {
        let sql = format!(
            "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $2 AND (CAST($1 AS TEXT) IS NULL OR store_id = $1)"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, WebhookEndpointRow>(&sql).bind(store_id).bind(id).fetch_optional(p).await)?,
        )
    }

    /// An endpoint's deliveries, newest first, from before `before_id` when given.
    pub async fn webhook_deliveries(
        &self,
        endpoint_id: &str,
        before_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookDeliveryRow>> {
        let sql = format!(
            "{DELIVERY_SELECT} WHERE d.endpoint_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR d.id < $2) ORDER BY d.id DESC LIMIT $3"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, WebhookDeliveryRow>(&sql).bind(endpoint_id).bind(before_id).bind(limit).fetch_all(p).await)?,
        )
    }

    pub async fn webhook_delivery(&self, id: i64) -> Result<Option<WebhookDeliveryRow>> {
        let sql = format!("{DELIVERY_SELECT} WHERE d.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, WebhookDeliveryRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// The deliveries of an event (tests, the CLI).
    pub async fn webhook_deliveries_of_order(&self, order_id: &str) -> Result<Vec<WebhookDeliveryRow>> {
        let sql = format!("{DELIVERY_SELECT} WHERE d.order_id = $1 ORDER BY d.id");
        Ok(on_pool!(self, p => sqlx::query_as::<_, WebhookDeliveryRow>(&sql).bind(order_id).fetch_all(p).await)?)
    }

    /// Leases up to `limit` due deliveries for `lease_ms`: pending, due, not leased, and with
    /// no earlier pending delivery of the same endpoint and order (those go in order). On
    /// PostgreSQL `SKIP LOCKED` lets several processes claim different ones at once; SQLite's
    /// one writer makes the statement atomic by itself.
    pub async fn claim_webhook_deliveries(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<WebhookDeliveryRow>> {
        let lock = if matches!(self.backend(), crate::Backend::Postgres) {
            " FOR UPDATE OF d SKIP LOCKED"
        } else {
            ""
        };
        let pick = format!(
            "SELECT d.id FROM webhook_deliveries d WHERE d.state = 'pending' AND d.next_attempt_at <= $1 \
             AND (d.locked_until IS NULL OR d.locked_until < $1) \
             AND (d.order_id = '' OR NOT EXISTS (SELECT 1 FROM webhook_deliveries b WHERE b.endpoint_id = d.endpoint_id \
                  AND b.order_id = d.order_id AND b.state = 'pending' AND b.id < d.id)) \
             ORDER BY d.next_attempt_at, d.id LIMIT $3{lock}"
        );
        let sql = format!(
            "UPDATE webhook_deliveries SET locked_until = $2, attempts = attempts + 1 WHERE id IN ({pick}) RETURNING id"
        );
        let ids: Vec<i64> = on_writer!(self, p => sqlx::query_scalar(&sql).bind(now).bind(now + lease_ms).bind(limit).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(d) = self.webhook_delivery(id).await? {
                out.push(d);
            }
        }
        out.sort_by_key(|d| d.id);
        Ok(out)
    }

    /// Stores an event's body if none is stored yet; returns the stored one (the first
    /// rendering wins, so every endpoint and every retry sends the same bytes).
    pub async fn set_webhook_payload(&self, event_id: &str, payload: &str) -> Result<String> {
        let sql = "UPDATE webhook_events SET payload = $2 WHERE id = $1 AND payload IS NULL";
        on_writer!(self, p => sqlx::query(sql).bind(event_id).bind(payload).execute(p).await.map(|r| r.rows_affected()))?;
        let read = "SELECT payload FROM webhook_events WHERE id = $1";
        let stored: Option<Option<String>> =
            on_writer!(self, p => sqlx::query_scalar(read).bind(event_id).fetch_optional(p).await)?;
        Ok(stored.flatten().unwrap_or_else(|| payload.to_owned()))
    }
}
