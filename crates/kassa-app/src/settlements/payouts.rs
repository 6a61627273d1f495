//! Closing open balances into payouts: on each store's schedule (the worker), now (an
//! operator, or the playground test helper), and corrections an operator posts.

use crate::operators::require_ops;
use crate::ops::reason;
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::audit::AuditAction;
use kassa_core::bank_account::held;
use kassa_core::identity::IdentityError;
use kassa_core::ops_access::OpsPermission;
use kassa_core::settlement::{from_ms, latest_cutoff, next_cutoff, to_ms, DetailedType, TxType};
use kassa_core::store_settings::{Environment, PayoutSchedule};
use kassa_db::{Db, NewEntry, PayoutClose, PayoutRow};
use serde_json::json;

/// A fresh payment reference: 10 characters a bank statement carries unchanged
/// (uppercase letters and digits, without the easily confused 0/O and 1/I).
fn payment_reference() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let bytes = uuid::Uuid::new_v4();
    bytes.as_bytes()[..10]
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

fn references(n: usize) -> Vec<String> {
    (0..n).map(|_| payment_reference()).collect()
}

/// Currencies a store can hold at once: a close takes one reference per currency.
const MAX_CURRENCIES: usize = 8;

/// Closes every store whose schedule has passed a cut-off it has not closed yet, and that
/// has open entries from before it. Safe to run in several processes at once: a scheduled
/// payout is unique per store, currency and cut-off, and closes queue on the store's lock.
/// Returns the payouts made.
pub async fn run_scheduled_payouts(db: &Db, now: i64) -> AppResult<Vec<PayoutRow>> {
    let mut made = Vec::new();
    for (store_id, schedule, day) in db.payout_schedules().await? {
        let Ok(schedule) = PayoutSchedule::from_stored(&schedule, day) else {
            tracing::warn!(store_id, "store has no valid payout schedule; skipped");
            continue;
        };
        let cutoff = to_ms(latest_cutoff(schedule, from_ms(now)));
        if db
            .last_scheduled_period(&store_id)
            .await?
            .is_some_and(|last| last >= cutoff)
        {
            continue;
        }
        if !db.has_open_entries(&store_id, cutoff).await? {
            continue;
        }
        // After a bank account change the store waits; the first run after the hold closes
        // the periods missed meanwhile, and the payout is dated no earlier than the hold's end.
        let hold = db.payout_hold_until(&store_id).await?;
        if held(hold, now) {
            continue;
        }
        let close = PayoutClose {
            store_id: &store_id,
            cutoff,
            kind: "scheduled",
            period_end: cutoff,
            payout_date: hold.map_or(cutoff, |h| h.max(cutoff)),
            references: references(MAX_CURRENCIES),
            created_by: "kassa",
            now,
            job: Some(&paid_job),
        };
        made.extend(db.close_payout(close).await?);
    }
    Ok(made)
}

/// The notification job of a payout just made, queued by the close in the payout's own
/// transaction: a crash after the commit cannot lose it.
fn paid_job(p: &PayoutRow) -> (String, String, String) {
    let event = crate::notifications::Event::new(
        kassa_core::notification::Kind::PayoutPaid,
        &p.store_id,
        &p.payment_reference,
    )
    .with(json!({
        "amount": p.settlement_amount,
        "currency": p.currency,
        "payout_date": p.payout_date,
    }));
    crate::notifications::job(&event)
}

/// Closes each scheduled period of a store whose cut-off falls in `(from, until]`, oldest
/// first, as the worker would have at each cut-off (the payout dated and made then): a
/// store with a seeded history (the demo's months of orders) gets the payouts it would have
/// had. A period closed already is skipped, so this may run again after an interruption.
pub async fn close_past_periods(db: &Db, store_id: &str, from: i64, until: i64) -> AppResult<Vec<PayoutRow>> {
    let detail = db
        .store_detail(store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    let schedule = PayoutSchedule::from_stored(&detail.store.payout_schedule, detail.store.payout_day)
        .map_err(|_| AppError::invalid("payout_schedule", crate::ops::reason::PAYOUT_SCHEDULE))?;
    let mut made = Vec::new();
    let mut at = from;
    loop {
        let cutoff = to_ms(next_cutoff(schedule, from_ms(at)));
        if cutoff > until {
            return Ok(made);
        }
        let close = PayoutClose {
            store_id,
            cutoff,
            kind: "scheduled",
            period_end: cutoff,
            payout_date: cutoff,
            references: references(MAX_CURRENCIES),
            created_by: "kassa",
            now: cutoff,
            // A past period: its payout was announced then, not now.
            job: None,
        };
        made.extend(db.close_payout(close).await?);
        at = cutoff;
    }
}

/// Closes a store's whole open balance into a payout now. Provider finance staff may do
/// it for any store; an API key only for its own playground store (the test helper).
/// Refused when nothing is open.
pub async fn payout_now(db: &Db, actor: &Actor, store_id: &str) -> AppResult<Vec<PayoutRow>> {
    let store = db
        .store(store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    match actor.kind {
        ActorKind::Operator => require_ops(actor, OpsPermission::ManageFinance)?,
        ActorKind::ApiKey if actor.store_id.as_deref() == Some(store_id) => {
            if store.environment != Environment::Playground.code() {
                return Err(AppError::Forbidden);
            }
        }
        _ => return Err(AppError::Forbidden),
    }
    let now = now_ms();
    if let Some(until) = db.payout_hold_until(store_id).await?.filter(|h| held(Some(*h), now)) {
        return Err(AppError::PayoutHeld(until));
    }
    let close = PayoutClose {
        store_id,
        // Everything posted up to this millisecond.
        cutoff: now + 1,
        kind: "manual",
        period_end: now,
        payout_date: now,
        references: references(MAX_CURRENCIES),
        created_by: &actor.name,
        now,
        job: Some(&paid_job),
    };
    let made = db.close_payout(close).await?;
    if made.is_empty() {
        return Err(AppError::Conflict("the store has no open balance to pay out".into()));
    }
    if actor.kind == ActorKind::Operator {
        let actor = actor.clone().at_merchant(store.merchant_id);
        let after = json!({
            "store_id": store_id,
            "payouts": made.iter().map(|p| json!({
                "payment_reference": p.payment_reference,
                "currency": p.currency,
                "settlement_amount": p.settlement_amount,
            })).collect::<Vec<_>>(),
        });
        let audit = kassa_db::AuditEvent {
            subject: store_id,
            after: Some(after.to_string()),
            ..actor.audit_event(AuditAction::PayoutRun)
        };
        db.record_audit(&audit, now).await?;
    }
    Ok(made)
}

/// The longest reason a correction may carry (it is printed on settlement reports).
pub const MAX_COMMENT: usize = 255;

/// A correction an operator posts to a store's ledger: a signed amount (positive pays the
/// merchant), a reason, and optionally the order it concerns.
#[derive(Debug, Clone)]
pub struct Correction {
    pub store_id: String,
    pub amount: i64,
    pub comment: String,
    pub order_id: Option<String>,
}

pub async fn post_correction(db: &Db, actor: &Actor, cmd: &Correction) -> AppResult<()> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    let store = db
        .store(&cmd.store_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("store")))?;
    // Field errors carry reason codes (`crate::ops::reason`), which the back office words.
    let mut problems = Vec::new();
    if cmd.amount == 0 {
        problems.push(crate::FieldError::new("amount", reason::AMOUNT_ZERO));
    }
    let comment = cmd.comment.trim();
    if comment.is_empty() {
        problems.push(crate::FieldError::new("comment", IdentityError::Required.code()));
    } else if comment.chars().count() > MAX_COMMENT {
        problems.push(crate::FieldError::new("comment", reason::TOO_LONG));
    }
    let order = match cmd.order_id.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(id) => match db.order(&cmd.store_id, id).await? {
            Some(o) if o.status.is_some() => Some(o),
            _ => {
                problems.push(crate::FieldError::new("order_id", reason::UNKNOWN_ORDER));
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let now = now_ms();
    let entry = NewEntry {
        store_id: cmd.store_id.clone(),
        currency: order
            .as_ref()
            .map_or(store.currency.clone(), |o| o.purchase_currency.clone()),
        kind: TxType::Correction,
        detail: DetailedType::Correction,
        amount: cmd.amount,
        vat_rate: None,
        vat_amount: None,
        order_id: order.as_ref().map(|o| o.order_id.clone()),
        short_order_id: order.as_ref().map(|o| o.short_reference.clone()),
        capture_id: None,
        refund_id: None,
        merchant_reference1: order.as_ref().and_then(|o| o.merchant_reference1.clone()),
        merchant_reference2: order.as_ref().and_then(|o| o.merchant_reference2.clone()),
        merchant_capture_reference: None,
        merchant_refund_reference: None,
        purchase_country: order
            .as_ref()
            .map_or(store.country.clone(), |o| o.purchase_country.clone()),
        shipping_country: None,
        payment_method: order.as_ref().and_then(|o| o.payment_method.clone()),
        sale_date: order.as_ref().map_or(now, |o| o.completed_at.unwrap_or(o.created_at)),
        capture_date: now,
        comment: Some(comment.to_owned()),
        reversal_reference: None,
        releases_entry_id: None,
        created_by: actor.name.clone(),
        created_at: now,
    };
    let actor = actor.clone().at_merchant(store.merchant_id);
    let after = json!({
        "store_id": cmd.store_id,
        "amount": cmd.amount,
        "currency": entry.currency,
        "comment": comment,
        "order_id": entry.order_id,
    });
    let audit = kassa_db::AuditEvent {
        subject: &cmd.store_id,
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::LedgerCorrectionPosted)
    };
    let mut tx = db.begin().await?;
    tx.insert_ledger_entries(std::slice::from_ref(&entry)).await?;
    tx.record_audit(&audit, now).await?;
    tx.commit().await?;
    Ok(())
}
