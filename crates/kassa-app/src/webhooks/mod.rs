//! Signed webhooks (beyond Kustom): a store's endpoints, the events its changes raise, and
//! their delivery.
//!
//! - **Raising**: a change writes its event into the outbox in its own transaction
//!   ([`raise`]): one `webhook_events` row and one delivery per enabled endpoint of the store
//!   subscribed to the type. Order events come from the order's timeline
//!   (`orders::Locked::event`), disputes and payouts raise theirs where they change.
//! - **The body**: `{"id", "type", "created_at", "store_id", "data"}`, where `data` is the
//!   object as its API renders it (the Order Management order, the dispute, the payout).
//!   Rendering is the web crate's (wire types stay out of this crate), so the outbox keeps
//!   the object's id and the body is rendered at the first delivery attempt — `data` is the
//!   object as it is then, usually within a second of the event — and stored: every
//!   endpoint and every retry sends the same bytes.
//! - **Delivery** ([`run_deliveries`]): deliveries are leased from the database like jobs,
//!   in order per endpoint and order, signed (`kassa_core::webhook`), posted by the web
//!   crate's [`WebhookSender`] with a 10 s timeout, retried with exponential backoff for 3
//!   days; an endpoint failing for 3 days is disabled and its administrators are emailed.

mod deliver;
mod endpoints;

pub use deliver::{run_deliveries, Attempt, AttemptOutcome, WebhookSender, WEBHOOK_DISABLED};
pub use endpoints::{
    create_endpoint, delete_endpoint, deliveries, endpoint, endpoints, resend, rotate_secret, send_test, set_enabled,
    update_endpoint, Created, EndpointInput, UrlPolicy,
};

use kassa_core::webhook::EventType;
use kassa_db::{DbError, NewWebhookEvent, Tx};

/// A new event id: `evt_` and 32 hex digits.
pub(crate) fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// Writes an event of `kind` about `object_id` (of `order_id`, when about an order) into the
/// outbox in `tx`, with a delivery to each subscribed, enabled endpoint of the store.
pub(crate) async fn raise(
    tx: &mut Tx,
    store_id: &str,
    kind: EventType,
    order_id: Option<&str>,
    object_id: &str,
    now: i64,
) -> Result<(), DbError> {
    let id = new_event_id();
    let event = NewWebhookEvent {
        id: &id,
        store_id,
        kind: kind.code(),
        order_id,
        object_id,
        payload: None,
    };
    tx.enqueue_webhook(&event, now).await?;
    Ok(())
}
