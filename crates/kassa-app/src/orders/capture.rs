//! Captures: taking authorized money (by amount or by lines), and what is done to a capture
//! afterwards (shipping info, due-date extension, send-out).

use super::line::{core_lines, lines_in, stored_lines, OrderLine};
use super::lock::{lock, Locked, Pending};
use super::new_id;
use super::queries::capture_of;
use super::validate::{check_partial_lines, check_shipping_info, check_text};
use crate::jobs::PUSH;
use crate::settlements::postings::{capture_seq_and_terms, post_capture};
use crate::{now_ms, Actor, AppError, AppResult, FieldError, Missing};
use kassa_core::access::Permission;
use kassa_core::lines::{exceeds_quantities, BadValue, Line};
use kassa_core::order::Refusal;
use kassa_core::timeline::EventKind;
use kassa_db::{CaptureRow, Db};
use serde_json::{json, Value};

/// How much a capture or refund takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    Exactly(i64),
    /// Everything there is: the rest of the authorization, or all that is refundable, as
    /// the order is under the lock.
    All,
}

/// The parts of an order's stored body a capture copies.
#[derive(Default, serde::Deserialize)]
struct Addresses {
    billing_address: Option<Value>,
    shipping_address: Option<Value>,
}

/// Capture money from an order.
#[derive(Debug, Clone)]
pub struct Capture {
    pub order_id: String,
    pub amount: Amount,
    pub description: Option<String>,
    pub reference: Option<String>,
    /// The lines captured (none: by amount only). They must add up to the amount.
    pub lines: Vec<OrderLine>,
    pub shipping_info: Vec<Value>,
    /// Days until the goods ship (Kustom's `shipping_delay`).
    pub shipping_delay: Option<i64>,
}

impl Capture {
    /// A capture of `amount` with nothing else said.
    pub fn of(order_id: impl Into<String>, amount: Amount) -> Capture {
        Capture {
            order_id: order_id.into(),
            amount,
            description: None,
            reference: None,
            lines: Vec::new(),
            shipping_info: Vec::new(),
            shipping_delay: None,
        }
    }
}

/// Captures on an order; returns the new capture (in its open transaction).
pub async fn capture(db: &Db, actor: &Actor, cmd: Capture) -> AppResult<Pending<CaptureRow>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    let cap = capture_locked(&mut locked, actor, cmd).await?;
    Ok(locked.pending(cap))
}

/// The capture itself, on an order already locked (the demo seed settles an order in one
/// transaction).
pub(crate) async fn capture_locked(locked: &mut Locked, actor: &Actor, cmd: Capture) -> AppResult<CaptureRow> {
    let now = now_ms();
    let current = locked.state()?;
    let amount = match cmd.amount {
        Amount::Exactly(amount) => amount,
        Amount::All => current.remaining_authorized(),
    };
    let mut problems = check_partial_lines(&cmd.lines, amount, "captured_amount");
    check_text(cmd.description.as_deref(), "description", 255, &mut problems);
    check_text(cmd.reference.as_deref(), "reference", 255, &mut problems);
    check_shipping_info(&cmd.shipping_info, &mut problems);
    if cmd.shipping_delay.is_some_and(|d| d < 0) {
        problems.push(BadValue::new("shipping_delay", "must not be negative"));
    }
    AppError::check(problems)?;
    let next = current.capture(amount, now)?;
    // A capture copies the order's addresses; only a capture by lines reads the whole body.
    let addresses: Addresses = serde_json::from_str(&locked.row.body).unwrap_or_default();
    if !cmd.lines.is_empty() {
        let body = locked.body();
        // Only a capture by lines needs the earlier captures' lines.
        let captures = locked.tx.captures_of(&locked.row.order_id).await?;
        let ordered = core_lines(&lines_in(&body));
        let earlier: Vec<Vec<Line>> = captures.iter().map(|c| core_lines(&stored_lines(&c.body))).collect();
        let earlier: Vec<&[Line]> = earlier.iter().map(Vec::as_slice).collect();
        if let Some(name) = exceeds_quantities(&ordered, &earlier, &core_lines(&cmd.lines)) {
            return Err(Refusal::CaptureNotAllowed(format!(
                "Capture not allowed: more of {name:?} than ordered and not yet captured."
            ))
            .into());
        }
    }
    let (seq, terms) = capture_seq_and_terms(locked).await?;
    let capture_id = new_id();
    let reference = cmd.reference.clone();
    let capture_body = json!({
        "capture_id": capture_id,
        "klarna_reference": format!("{}-{seq}", locked.row.short_reference),
        "description": cmd.description,
        "reference": cmd.reference,
        "order_lines": cmd.lines.into_iter().map(OrderLine::normalized).collect::<Vec<_>>(),
        "shipping_info": cmd.shipping_info,
        "billing_address": addresses.billing_address,
        "shipping_address": addresses.shipping_address,
    });
    let cap = CaptureRow {
        capture_id,
        order_id: locked.row.order_id.clone(),
        seq,
        captured_amount: amount,
        refunded_amount: 0,
        body: capture_body.to_string(),
        captured_at: now,
    };
    locked.tx.insert_capture(&cap).await?;
    post_capture(locked, actor, &cap, reference.as_deref(), terms).await?;
    // A capture counts as acknowledgement: push notifications stop. An order acknowledged
    // or captured before had its push jobs finished then (and a push job that runs later
    // finds it so and ends), so only the first of these finishes them.
    if !locked.row.acknowledged && locked.row.captured_amount == 0 {
        locked.tx.finish_jobs(PUSH, &locked.row.order_id, now).await?;
    }
    locked.apply(&next, now);
    locked.save_money().await?;
    locked
        .event(
            actor,
            EventKind::Captured,
            Some(amount),
            Some(json!({"capture_id": cap.capture_id})),
        )
        .await?;
    Ok(cap)
}

/// Shipping information added to one capture.
#[derive(Debug, Clone)]
pub struct CaptureShippingInfo {
    pub order_id: String,
    pub capture_id: String,
    pub shipping_info: Vec<Value>,
}

pub async fn add_capture_shipping_info(db: &Db, actor: &Actor, cmd: CaptureShippingInfo) -> AppResult<Pending<()>> {
    let mut problems = Vec::new();
    check_shipping_info(&cmd.shipping_info, &mut problems);
    AppError::check(problems)?;
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    let mut captures = locked.tx.captures_of(&cmd.order_id).await?;
    let Some(cap) = captures.iter_mut().find(|c| c.capture_id == cmd.capture_id) else {
        return Err(AppError::NotFound(Missing::Capture {
            order_id: cmd.order_id,
            capture_id: cmd.capture_id,
        }));
    };
    let mut body: Value = serde_json::from_str(&cap.body).unwrap_or(json!({}));
    let mut list = body
        .get("shipping_info")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.extend(cmd.shipping_info);
    body["shipping_info"] = Value::Array(list);
    cap.body = body.to_string();
    locked.tx.update_capture(cap).await?;
    locked
        .event(
            actor,
            EventKind::CaptureShippingInfoAdded,
            None,
            Some(json!({"capture_id": cmd.capture_id})),
        )
        .await?;
    Ok(locked.pending(()))
}

/// Invoice due-date extensions on offer, and their fees (simulated price list).
pub const DUE_DATE_OPTIONS: &[(i64, i64)] = &[(7, 0), (14, 1_900), (28, 2_900)];

/// Only invoices have due dates.
pub(super) fn check_invoice(row: &kassa_db::OrderRow) -> Result<(), Refusal> {
    if row.payment_method.as_deref() == Some("INVOICE") {
        Ok(())
    } else {
        Err(Refusal::NotAllowed(
            "Due dates can only be extended for invoice purchases.".into(),
        ))
    }
}

/// Extends the due date of a captured invoice by one of [`DUE_DATE_OPTIONS`].
#[derive(Debug, Clone)]
pub struct ExtendDueDate {
    pub order_id: String,
    pub capture_id: String,
    pub number_of_days: i64,
}

pub async fn extend_due_date(db: &Db, actor: &Actor, cmd: ExtendDueDate) -> AppResult<Pending<()>> {
    capture_of(db, actor, &cmd.order_id, &cmd.capture_id).await?;
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    check_invoice(&locked.row)?;
    let Some((_, fee)) = DUE_DATE_OPTIONS.iter().find(|(d, _)| *d == cmd.number_of_days) else {
        return Err(AppError::Invalid(vec![FieldError::new(
            "",
            format!(
                "number_of_days must be one of {:?}",
                DUE_DATE_OPTIONS.iter().map(|o| o.0).collect::<Vec<_>>()
            ),
        )]));
    };
    locked
        .event(
            actor,
            EventKind::DueDateExtended,
            Some(*fee),
            Some(json!({"capture_id": cmd.capture_id, "number_of_days": cmd.number_of_days})),
        )
        .await?;
    Ok(locked.pending(()))
}

/// Asks for the capture's invoice to be sent out again (recorded on the timeline).
pub async fn trigger_send_out(db: &Db, actor: &Actor, order_id: &str, capture_id: &str) -> AppResult<Pending<()>> {
    capture_of(db, actor, order_id, capture_id).await?;
    let mut locked = lock(db, actor, Permission::ManageOrders, order_id).await?;
    locked
        .event(
            actor,
            EventKind::SendOutTriggered,
            None,
            Some(json!({"capture_id": capture_id})),
        )
        .await?;
    Ok(locked.pending(()))
}
