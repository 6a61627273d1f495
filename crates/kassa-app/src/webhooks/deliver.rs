//! Delivering webhooks: lease the due deliveries, render the body once, sign it, post it
//! (the web crate's [`WebhookSender`]), and store how it went — delivered, tried again
//! after a backoff, or given up after 3 days. An endpoint that has failed for 3 days
//! without a success is disabled, in the transaction of that failure, which queues the
//! notification to the store's administrators.

use super::endpoints::audit;
use crate::{Actor, AppError};
use kassa_core::audit::AuditAction;
use kassa_core::webhook::{retry_at, should_disable, signature_header, signing_secrets};
use kassa_db::{Db, DbError, WebhookAttempt, WebhookDeliveryRow, WebhookEndpointRow};
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The job kind the email about a disabled endpoint had before notifications (such jobs still
/// run); its key is `<endpoint id>:<disabled at>`.
pub const WEBHOOK_DISABLED: &str = "webhook_disabled";
/// A delivery not finished within its lease (10 s to send, the rest to render and store)
/// is taken up again by any process.
const LEASE_MS: i64 = 60 * 1000;
/// Deliveries leased per round.
const BATCH: i64 = 20;

/// One signed request to send.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub endpoint: &'a WebhookEndpointRow,
    pub delivery: &'a WebhookDeliveryRow,
    /// The JSON body, byte for byte as signed.
    pub body: &'a str,
    /// The `Kassa-Signature` header value.
    pub signature: &'a str,
}

/// How an attempt went: the HTTP status (none when no answer came), what failed (also set
/// for an answer that is not a success the sender explains, e.g. a redirect not
/// followed), the first 4 KB of the answer, and how long it took.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub status: Option<i64>,
    pub error: Option<String>,
    pub response: Option<String>,
    pub duration_ms: i64,
}

impl AttemptOutcome {
    /// Delivered: a 2xx answer.
    pub fn delivered(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What delivering needs from the web crate: the API's rendering of the event's object,
/// the HTTP client (which refuses private addresses at connect time and records each
/// attempt in the Developer Logs).
pub trait WebhookSender: Send + Sync {
    /// The event's object as its API renders it (`None` when it no longer exists).
    fn render<'a>(&'a self, delivery: &'a WebhookDeliveryRow) -> Boxed<'a, Option<Value>>;
    fn send<'a>(&'a self, attempt: Attempt<'a>) -> Boxed<'a, AttemptOutcome>;
}

/// Sends the deliveries due at `now` (injectable for tests), side by side: a claimed batch
/// never holds two of one endpoint and order, so order is kept. Returns how many ran.
pub async fn run_deliveries(db: &Db, sender: &Arc<dyn WebhookSender>, now: i64) -> Result<usize, DbError> {
    let claimed = db.claim_webhook_deliveries(now, LEASE_MS, BATCH).await?;
    let n = claimed.len();
    let mut running = tokio::task::JoinSet::new();
    for d in claimed {
        let (db, sender) = (db.clone(), sender.clone());
        running.spawn(async move { deliver(&db, sender.as_ref(), &d, now).await });
    }
    while let Some(result) = running.join_next().await {
        if let Ok(Err(e)) = result {
            tracing::warn!(error = %e, "a webhook delivery failed to save; it runs again when its lease ends");
        }
    }
    Ok(n)
}

/// The body of a delivery: stored, or rendered now and stored (the first rendering wins).
async fn body_of(db: &Db, sender: &dyn WebhookSender, d: &WebhookDeliveryRow) -> Result<String, DbError> {
    if let Some(p) = &d.payload {
        return Ok(p.clone());
    }
    let data = sender.render(d).await.unwrap_or(Value::Null);
    let body = json!({
        "id": d.event_id,
        "type": d.kind,
        "created_at": crate::orders::iso_time(d.event_created_at),
        "store_id": d.store_id,
        "data": data,
    })
    .to_string();
    db.set_webhook_payload(&d.event_id, &body).await
}

async fn deliver(db: &Db, sender: &dyn WebhookSender, d: &WebhookDeliveryRow, now: i64) -> Result<(), DbError> {
    let Some(endpoint) = db.webhook_endpoint(None, &d.endpoint_id).await? else {
        return Ok(()); // deleted meanwhile, with its deliveries
    };
    if endpoint.disabled_at.is_some() {
        let mut tx = db.begin().await?;
        tx.fail_pending_webhook_deliveries(&endpoint.id, "the endpoint was disabled")
            .await?;
        return tx.commit().await;
    }
    let body = body_of(db, sender, d).await?;
    let secrets = signing_secrets(
        &endpoint.secret,
        endpoint.previous_secret.as_deref(),
        endpoint.previous_until,
        now,
    );
    let signature = signature_header(now.div_euclid(1000), body.as_bytes(), &secrets);
    let outcome = sender
        .send(Attempt {
            endpoint: &endpoint,
            delivery: d,
            body: &body,
            signature: &signature,
        })
        .await;
    let delivered = outcome.delivered();
    let first = d.first_attempt_at.unwrap_or(now);
    let (state, next) = if delivered {
        ("delivered", now)
    } else {
        match retry_at(first, d.attempts, now) {
            Some(at) => ("pending", at),
            None => ("failed", now),
        }
    };
    let error = match (&outcome.error, outcome.status) {
        (Some(e), _) => Some(e.clone()),
        (None, Some(s)) if !delivered => Some(format!("HTTP {s}")),
        (None, None) if !delivered => Some("no answer".to_owned()),
        _ => None,
    };
    let mut tx = db.begin().await?;
    let failing_since = tx
        .record_webhook_attempt(&WebhookAttempt {
            delivery_id: d.id,
            endpoint_id: &endpoint.id,
            started_at: now,
            status: outcome.status,
            error: error.as_deref(),
            response: outcome.response.as_deref(),
            duration_ms: outcome.duration_ms,
            state,
            next_attempt_at: next,
        })
        .await?;
    if !delivered && failing_since.is_some_and(|since| should_disable(since, now)) {
        if let Err(e) = disable_failing(db, &mut tx, endpoint, now).await {
            tracing::warn!(error = %e, "disabling a failing webhook endpoint failed");
            return Err(match e {
                AppError::Storage(e) => e,
                other => DbError::Conflict(other.to_string()),
            });
        }
    }
    tx.commit().await
}

/// Disables an endpoint that has failed for 3 days, gives up its pending deliveries and
/// queues the notification to its administrators, in the transaction of the failure.
async fn disable_failing(db: &Db, tx: &mut kassa_db::Tx, mut e: WebhookEndpointRow, now: i64) -> Result<(), AppError> {
    let before = None;
    e.disabled_at = Some(now);
    e.disabled_reason = Some("failing for 3 days".into());
    e.updated_at = now;
    tx.update_webhook_endpoint(&e).await?;
    tx.fail_pending_webhook_deliveries(&e.id, "the endpoint was disabled after failing for 3 days")
        .await?;
    let kassa = Actor::system().in_store(e.store_id.clone());
    audit(db, tx, &kassa, AuditAction::WebhookEndpointDisabled, &e, before, now).await?;
    // The notification goes out at once (queued by the wall clock, whatever `now` the
    // failure was decided for: the retry tests inject a later one); `now` keys it.
    let event = crate::notifications::webhook_disabled(&e.store_id, &e.id, &e.url, &format!("{}:{now}", e.id));
    crate::notifications::queue(tx, &event).await?;
    tracing::warn!(
        endpoint = e.id,
        store = e.store_id,
        "webhook endpoint disabled after failing for 3 days"
    );
    Ok(())
}
