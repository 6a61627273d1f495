//! Changes of an order's life cycle that add no rows: acknowledge, cancel, extend, release,
//! and expiry (Kassa's job).

use super::capture::{capture_locked, Capture};
use super::lock::{lock, Locked, Pending};
use super::refund::{refund_locked, Refund};
use super::{iso_time, DAY_MS};
use crate::jobs::PUSH;
use crate::{now_ms, Actor, AppResult};
use kassa_core::access::Permission;
use kassa_core::order::Order;
use kassa_core::timeline::EventKind;
use kassa_db::Db;
use serde_json::json;

/// The merchant has the order: push notifications stop.
pub async fn acknowledge(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    acknowledge_locked(&mut locked, actor).await?;
    Ok(locked.pending(()))
}

async fn acknowledge_locked(locked: &mut Locked, actor: &Actor) -> AppResult<()> {
    if locked.row.acknowledged {
        return Ok(());
    }
    locked.row.acknowledged = true;
    locked.save().await?;
    locked.tx.finish_jobs(PUSH, &locked.row.order_id, now_ms()).await?;
    locked.event(actor, EventKind::Acknowledged, None, None).await
}

/// Writes a state change kassa-core decided, with its timeline event.
async fn transition(locked: &mut Locked, actor: &Actor, action: EventKind, next: Order) -> AppResult<()> {
    let before = locked.state()?;
    locked.apply(&next, now_ms());
    locked.save().await?;
    let amount = match action {
        EventKind::Released => Some(before.remaining_authorized()),
        _ => None,
    };
    let details = (before.expires_at != next.expires_at).then(|| json!({"expires_at": iso_time(next.expires_at)}));
    locked.event(actor, action, amount, details).await
}

/// Cancels an order with nothing captured.
pub async fn cancel(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    cancel_locked(&mut locked, actor).await?;
    Ok(locked.pending(()))
}

async fn cancel_locked(locked: &mut Locked, actor: &Actor) -> AppResult<()> {
    let next = locked.state()?.cancel()?;
    transition(locked, actor, EventKind::Cancelled, next).await
}

/// Extends the authorization by the store's reservation time (at most 180 days in all).
pub async fn extend_authorization(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    let days = db
        .store(&locked.row.store_id)
        .await?
        .map(|s| s.reservation_days)
        .unwrap_or(28);
    let next = locked.state()?.extend_authorization(now_ms(), days * DAY_MS)?;
    transition(&mut locked, actor, EventKind::AuthorizationExtended, next).await?;
    Ok(locked.pending(()))
}

/// Gives up the part of the authorization that was not captured.
pub async fn release_remaining(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Pending<()>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    let next = locked.state()?.release_remaining()?;
    transition(&mut locked, actor, EventKind::Released, next).await?;
    Ok(locked.pending(()))
}

/// Marks the authorization of an order as run out, if it has by `now` (another process may
/// have done it, or the order was extended meanwhile). Commits.
pub async fn expire(db: &Db, actor: &Actor, order_id: &str, now: i64) -> AppResult<()> {
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    if let Some(next) = locked.state()?.expire(now) {
        transition(&mut locked, actor, EventKind::Expired, next).await?;
    }
    locked.tx.commit().await?;
    Ok(())
}

/// An order's whole after-purchase story at once: acknowledged, then optionally captured,
/// refunded or cancelled (the demo seed's orders, which must be all done or not at all).
#[derive(Debug, Clone)]
pub struct Settle {
    pub order_id: String,
    pub capture: Option<Capture>,
    pub refund: Option<Refund>,
    pub cancel: bool,
}

/// Settles an order in one transaction, and commits.
pub async fn settle(db: &Db, actor: &Actor, cmd: Settle) -> AppResult<()> {
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    acknowledge_locked(&mut locked, actor).await?;
    if let Some(capture) = cmd.capture {
        capture_locked(&mut locked, actor, capture).await?;
    }
    if let Some(refund) = cmd.refund {
        refund_locked(&mut locked, actor, refund).await?;
    }
    if cmd.cancel {
        cancel_locked(&mut locked, actor).await?;
    }
    locked.tx.commit().await?;
    Ok(())
}
