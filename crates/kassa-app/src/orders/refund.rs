//! Refunds: giving captured money back, spread over the captures oldest first.

use super::capture::Amount;
use super::line::{core_lines, stored_lines, OrderLine};
use super::lock::{lock, Locked, Pending};
use super::new_id;
use super::validate::{check_partial_lines, check_text};
use crate::settlements::postings::post_refund;
use crate::{now_ms, Actor, AppError, AppResult};
use kassa_core::access::Permission;
use kassa_core::lines::{exceeds_quantities, Line};
use kassa_core::order::Refusal;
use kassa_core::timeline::EventKind;
use kassa_db::{Db, RefundRow};
use serde_json::json;

/// Refund money of an order.
#[derive(Debug, Clone)]
pub struct Refund {
    pub order_id: String,
    pub amount: Amount,
    pub description: Option<String>,
    pub reference: Option<String>,
    /// The lines refunded (none: by amount only). They must add up to the amount.
    pub lines: Vec<OrderLine>,
}

pub async fn refund(db: &Db, actor: &Actor, cmd: Refund) -> AppResult<Pending<RefundRow>> {
    let mut locked = lock(db, actor, Permission::ManageOrders, &cmd.order_id).await?;
    let r = refund_locked(&mut locked, actor, cmd).await?;
    Ok(locked.pending(r))
}

pub(crate) async fn refund_locked(locked: &mut Locked, actor: &Actor, cmd: Refund) -> AppResult<RefundRow> {
    let now = now_ms();
    let amount = match cmd.amount {
        Amount::Exactly(amount) => amount,
        Amount::All => locked.row.captured_amount - locked.row.refunded_amount,
    };
    let mut problems = check_partial_lines(&cmd.lines, amount, "refunded_amount");
    check_text(cmd.description.as_deref(), "description", 255, &mut problems);
    check_text(cmd.reference.as_deref(), "reference", 255, &mut problems);
    AppError::check(problems)?;
    let next = locked.state()?.refund(amount)?;
    let mut captures = locked.tx.captures_of(&locked.row.order_id).await?;
    if !cmd.lines.is_empty() {
        let captured: Vec<Line> = captures
            .iter()
            .flat_map(|c| core_lines(&stored_lines(&c.body)))
            .collect();
        let refunds = locked.tx.refunds_of(&locked.row.order_id).await?;
        let earlier: Vec<Vec<Line>> = refunds.iter().map(|r| core_lines(&stored_lines(&r.body))).collect();
        let earlier: Vec<&[Line]> = earlier.iter().map(Vec::as_slice).collect();
        if !captured.is_empty() {
            if let Some(name) = exceeds_quantities(&captured, &earlier, &core_lines(&cmd.lines)) {
                return Err(Refusal::RefundNotAllowed(format!(
                    "Refund not allowed: more of {name:?} than captured and not yet refunded."
                ))
                .into());
            }
        }
    }
    let mut left = amount;
    for cap in captures.iter_mut() {
        let room = cap.captured_amount - cap.refunded_amount;
        let take = room.min(left);
        if take > 0 {
            cap.refunded_amount += take;
            left -= take;
            locked.tx.update_capture(cap).await?;
        }
    }
    let refund_id = new_id();
    let reference = cmd.reference.clone();
    let body = json!({
        "refund_id": refund_id,
        "description": cmd.description,
        "reference": cmd.reference,
        "order_lines": cmd.lines.into_iter().map(OrderLine::normalized).collect::<Vec<_>>(),
    });
    let r = RefundRow {
        refund_id,
        order_id: locked.row.order_id.clone(),
        refunded_amount: amount,
        body: body.to_string(),
        refunded_at: now,
    };
    locked.tx.insert_refund(&r).await?;
    post_refund(locked, actor, &r, reference.as_deref()).await?;
    locked.apply(&next, now);
    locked.save().await?;
    locked
        .event(
            actor,
            EventKind::Refunded,
            Some(amount),
            Some(json!({"refund_id": r.refund_id, "description": cmd.description})),
        )
        .await?;
    Ok(r)
}
