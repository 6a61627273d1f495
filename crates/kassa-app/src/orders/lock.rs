//! An order locked for change: every order use case locks the order in a transaction of
//! its own, checks the actor may act on it, lets kassa-core decide, and writes the change
//! and its timeline event before anything is committed.

use crate::{now_ms, Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::order::{Order, Status};
use kassa_core::timeline::EventKind;
use kassa_db::{Db, OrderEvent, OrderRow, Tx};
use serde_json::{Map, Value};

/// An order locked for change in an open transaction.
pub struct Locked {
    pub tx: Tx,
    pub row: OrderRow,
    /// The uncaptured amount when locked, to keep the store's total in step on save.
    uncaptured_before: i64,
}

/// What an order adds to its store's uncaptured total.
fn uncaptured(row: &OrderRow) -> i64 {
    match row.status {
        Some(Status::Authorized | Status::PartCaptured) if !row.released => row.order_amount - row.captured_amount,
        _ => 0,
    }
}

/// The store the actor acts in; it may change orders there only. API keys, shoppers and
/// Kassa itself act in the store they were given; a portal member also needs a role that
/// manages orders (the route guard checks it too, this keeps the rule with the use case).
pub(crate) fn store_of(actor: &Actor, permission: Permission) -> AppResult<&str> {
    let store = actor.store_id.as_deref().ok_or(AppError::Forbidden)?;
    match (actor.kind, actor.role) {
        (ActorKind::PortalUser, Some(role)) if allows(role, Onboarding::Direct, permission) => Ok(store),
        (ActorKind::PortalUser, _) => Err(AppError::Forbidden),
        _ => Ok(store),
    }
}

impl Locked {
    pub(crate) fn new(tx: Tx, row: OrderRow) -> Locked {
        Locked {
            uncaptured_before: uncaptured(&row),
            tx,
            row,
        }
    }

    /// The order's money and life-cycle facts, for kassa-core to decide on.
    pub fn state(&self) -> AppResult<Order> {
        core_state(&self.row)
    }

    pub(crate) fn apply(&mut self, o: &Order, now: i64) {
        self.row.status = Some(o.status);
        self.row.order_amount = o.order_amount;
        self.row.captured_amount = o.captured_amount;
        self.row.refunded_amount = o.refunded_amount;
        self.row.released = o.released;
        self.row.expires_at = Some(o.expires_at);
        self.row.last_modified_at = now;
    }

    /// The stored JSON body of the order.
    pub fn body(&self) -> Map<String, Value> {
        serde_json::from_str(&self.row.body).unwrap_or_default()
    }

    pub(crate) fn set_body(&mut self, body: &Map<String, Value>) {
        self.row.body = Value::Object(body.clone()).to_string();
    }

    /// Writes the order's timeline event in the same transaction.
    pub(crate) async fn event(
        &mut self,
        actor: &Actor,
        action: EventKind,
        amount: Option<i64>,
        details: Option<Value>,
    ) -> AppResult<()> {
        let event = OrderEvent {
            order_id: self.row.order_id.clone(),
            at: now_ms(),
            actor_kind: actor.kind,
            actor: actor.name.clone(),
            action,
            amount,
            details: details.map(|d| d.to_string()),
        };
        self.tx.insert_event(&event).await?;
        // The webhook of the change, in the same transaction (the outbox).
        if let Some(kind) = kassa_core::webhook::order_event(action) {
            let (store, order) = (&self.row.store_id, &self.row.order_id);
            crate::webhooks::raise(&mut self.tx, store, kind, Some(order), order, event.at).await?;
        }
        Ok(())
    }

    /// Writes the order back, and its change to the store's uncaptured total.
    pub(crate) async fn save(&mut self) -> AppResult<()> {
        self.tx.update_order(&self.row).await?;
        self.save_uncaptured().await
    }

    /// Like [`Locked::save`], for a change of the money and life-cycle columns alone (what
    /// [`Locked::apply`] sets): the order's text, references and body are not written again.
    pub(crate) async fn save_money(&mut self) -> AppResult<()> {
        self.tx.update_order_money(&self.row).await?;
        self.save_uncaptured().await
    }

    async fn save_uncaptured(&mut self) -> AppResult<()> {
        let after = uncaptured(&self.row);
        let before = std::mem::replace(&mut self.uncaptured_before, after);
        if after != before {
            let count = (after > 0) as i64 - (before > 0) as i64;
            let shard = (now_ms() % 16 + self.row.order_id.len() as i64) % 16;
            self.tx
                .add_uncaptured(
                    &self.row.store_id,
                    &self.row.purchase_currency,
                    after - before,
                    count,
                    shard,
                )
                .await?;
        }
        Ok(())
    }

    /// Hands the open transaction to the caller with `value`.
    pub(crate) fn pending<T>(self, value: T) -> Pending<T> {
        Pending { tx: self.tx, value }
    }
}

/// The money and life-cycle facts of an Order Management order.
pub fn core_state(row: &OrderRow) -> AppResult<Order> {
    let status = row
        .status
        .ok_or_else(|| AppError::NotFound(Missing::Order(row.order_id.clone())))?;
    Ok(Order {
        status,
        order_amount: row.order_amount,
        captured_amount: row.captured_amount,
        refunded_amount: row.refunded_amount,
        released: row.released,
        created_at: row.completed_at.unwrap_or(row.created_at),
        expires_at: row.expires_at.unwrap_or(row.created_at),
    })
}

/// Locks an Order Management order (a completed checkout) of the actor's store.
pub(crate) async fn lock(db: &Db, actor: &Actor, permission: Permission, order_id: &str) -> AppResult<Locked> {
    let store = store_of(actor, permission)?;
    let mut tx = db.begin().await?;
    match tx.lock_order(store, order_id).await? {
        Some(row) if row.status.is_some() => Ok(Locked::new(tx, row)),
        _ => Err(AppError::NotFound(Missing::Order(order_id.to_owned()))),
    }
}

/// Locks a checkout order of the actor's store in any state.
pub(crate) async fn lock_checkout(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Locked> {
    let store = store_of(actor, Permission::ManageOrders)?;
    let mut tx = db.begin().await?;
    match tx.lock_order(store, order_id).await? {
        Some(row) => Ok(Locked::new(tx, row)),
        None => Err(AppError::NotFound(Missing::Checkout(order_id.to_owned()))),
    }
}

/// A change written in its still open transaction, with what the use case returns.
///
/// The merchant API saves its idempotent response in the same transaction as the change
/// (a retry with the same key then finds either both or neither), so the order use cases
/// the API calls do not commit: they hand back the transaction, the caller adds what it
/// must and calls [`Pending::commit`] (or commits `tx` itself). Dropping it rolls back.
#[must_use = "the change is only kept once committed"]
pub struct Pending<T> {
    pub tx: Tx,
    pub value: T,
}

impl<T> Pending<T> {
    /// The same change with another result (e.g. none, where the caller needs only `tx`).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Pending<U> {
        Pending {
            tx: self.tx,
            value: f(self.value),
        }
    }

    /// Commits the change and returns the use case's result.
    pub async fn commit(self) -> AppResult<T> {
        self.tx.commit().await?;
        Ok(self.value)
    }
}
