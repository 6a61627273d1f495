//! The steps of a dispute. Each locks the dispute's order first (so disputes, refunds and
//! their ledger postings on one order happen one at a time), lets kassa-core decide, and
//! writes the dispute, its message, its ledger postings and the order's timeline event in
//! one transaction.

use super::notices::{queue, NoticeEvent};
use crate::operators::require_ops;
use crate::orders::{self, lock, refund_locked, Locked};
use crate::settlements::postings::entry;
use crate::webhooks::raise;
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, FieldError, Missing};
use kassa_core::access::Permission;
use kassa_core::audit::AuditAction;
use kassa_core::dispute::{Dispute, Reason, Stage};
use kassa_core::ops_access::OpsPermission;
use kassa_core::order::Status;
use kassa_core::timeline::EventKind;
use kassa_core::webhook::EventType;
use kassa_db::{Db, DisputeAttachmentRow, DisputeMessageRow, DisputeRow, NewEntry};
use serde_json::json;

/// A dispute opened on a captured order: by the provider (`risk`), or by the playground
/// test helper.
#[derive(Debug, Clone)]
pub struct OpenDispute {
    pub order_id: String,
    pub reason: Reason,
    /// The disputed amount; everything captured and not refunded when absent.
    pub amount: Option<i64>,
    /// What the shopper says.
    pub claim: String,
    /// An inquiry asks for information only; no response is required yet.
    pub inquiry: bool,
}

/// Who may change disputes of a store: provider staff with the disputes permission, the
/// store's members whose role handles disputes, and the store's API keys.
fn actor_in_store(actor: &Actor, store_id: &str) -> AppResult<Actor> {
    match actor.kind {
        ActorKind::Operator => {
            require_ops(actor, OpsPermission::ManageDisputes)?;
            Ok(actor.clone().in_store(store_id))
        }
        ActorKind::PortalUser | ActorKind::ApiKey | ActorKind::System => {
            if actor.store_id.as_deref() == Some(store_id) {
                Ok(actor.clone())
            } else {
                Err(AppError::NotFound(Missing::Other("dispute")))
            }
        }
        ActorKind::Shopper => Err(AppError::Forbidden),
    }
}

/// An operator acting on a store's dispute, at the store's merchant: the audit log lists
/// the step under that merchant. Anyone else is returned as is.
async fn at_merchant_of(db: &Db, actor: Actor, store_id: &str) -> AppResult<Actor> {
    if actor.kind != ActorKind::Operator {
        return Ok(actor);
    }
    match db.store(store_id).await? {
        Some(store) => Ok(actor.at_merchant(store.merchant_id)),
        None => Ok(actor),
    }
}

/// Records an operator's step in the audit log, in the step's own transaction: the step
/// and its record commit together. Merchants' and API keys' steps are on the order's
/// timeline instead.
async fn audit(
    locked: &mut Locked,
    actor: &Actor,
    action: AuditAction,
    row: &DisputeRow,
    after: serde_json::Value,
    now: i64,
) -> AppResult<()> {
    if actor.kind != ActorKind::Operator {
        return Ok(());
    }
    let event = kassa_db::AuditEvent {
        subject: &row.id,
        after: Some(after.to_string()),
        ..actor.audit_event(action)
    };
    Ok(locked.tx.record_audit(&event, now).await?)
}

fn core(row: &DisputeRow) -> Dispute {
    Dispute {
        reason: row.reason,
        stage: row.stage,
        outcome: row.outcome(),
        amount: row.amount,
        deadline: row.deadline_at,
    }
}

/// A fresh dispute id: `dsp_` and 24 hex digits.
fn new_dispute_id() -> String {
    format!("dsp_{}", &uuid::Uuid::new_v4().simple().to_string()[..24])
}

fn message(dispute_id: &str, kind: &str, actor: &Actor, body: &str, now: i64) -> DisputeMessageRow {
    DisputeMessageRow {
        id: 0,
        dispute_id: dispute_id.to_owned(),
        kind: kind.to_owned(),
        author_kind: actor.kind.code().to_owned(),
        author: actor.name.clone(),
        body: body.to_owned(),
        requested_fields: String::new(),
        deadline_at: None,
        created_at: now,
    }
}

/// Posts what moving the dispute from `before` to `after` costs or gives back.
async fn post(
    locked: &mut Locked,
    actor: &Actor,
    row: &DisputeRow,
    before: Option<&Dispute>,
    after: &Dispute,
    now: i64,
) -> AppResult<()> {
    let fee = locked.tx.dispute_fee(&row.store_id).await?;
    let entries: Vec<NewEntry> = Dispute::postings(before, after, fee)
        .into_iter()
        .map(|p| NewEntry {
            capture_id: Some(String::new()),
            reversal_reference: Some(format!("krn:kassa:eu1:dispute:{}:{}", row.reason.code(), row.id)),
            currency: row.currency.clone(),
            ..entry(locked, actor, p, now)
        })
        .collect();
    Ok(locked.tx.insert_ledger_entries(&entries).await?)
}

/// Opens a dispute; returns it. The disputed amount is held from the store's next payout.
pub async fn open_dispute(db: &Db, actor: &Actor, cmd: &OpenDispute) -> AppResult<DisputeRow> {
    let store = match actor.kind {
        ActorKind::Operator => db
            .store_of_order(&cmd.order_id)
            .await?
            .ok_or_else(|| AppError::NotFound(Missing::Order(cmd.order_id.clone())))?,
        _ => actor.store_id.clone().ok_or(AppError::Forbidden)?,
    };
    let actor = at_merchant_of(db, actor_in_store(actor, &store)?, &store).await?;
    match actor.kind {
        // Merchants answer disputes; they do not open them.
        ActorKind::PortalUser => return Err(AppError::Forbidden),
        // The playground test helper plays the provider, in playground stores only.
        ActorKind::ApiKey => {
            let environment = db.store(&store).await?.map(|s| s.environment);
            if environment.as_deref() != Some(kassa_core::store_settings::Environment::Playground.code()) {
                return Err(AppError::Forbidden);
            }
        }
        _ => {}
    }
    let claim = cmd.claim.trim();
    if claim.chars().count() > 5_000 {
        return Err(AppError::invalid("claim", "at most 5000 characters"));
    }
    let mut locked = lock(db, &actor, Permission::ViewOrders, &cmd.order_id).await?;
    if !matches!(
        locked.row.status,
        Some(Status::PartCaptured | Status::Captured | Status::Closed)
    ) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "order_id",
            "only a captured order can be disputed",
        )]));
    }
    if locked.tx.open_dispute_of_order(&cmd.order_id).await?.is_some() {
        return Err(AppError::Conflict("the order has an open dispute already".into()));
    }
    let disputable = locked.row.captured_amount - locked.row.refunded_amount;
    let now = now_ms();
    let d = Dispute::open(
        cmd.reason,
        cmd.amount.unwrap_or(disputable),
        disputable,
        cmd.inquiry,
        now,
    )?;
    let row = DisputeRow {
        id: new_dispute_id(),
        store_id: store.clone(),
        order_id: cmd.order_id.clone(),
        reason: d.reason,
        stage: d.stage,
        outcome: None,
        amount: d.amount,
        currency: locked.row.purchase_currency.clone(),
        deadline_at: d.deadline,
        reminded_at: None,
        opened_by: actor.name.clone(),
        opened_at: now,
        updated_at: now,
        closed_at: None,
    };
    locked.tx.insert_dispute(&row).await?;
    let claim_text = if claim.is_empty() { cmd.reason.code() } else { claim };
    locked
        .tx
        .insert_dispute_message(&message(&row.id, "claim", &actor, claim_text, now))
        .await?;
    if d.stage == Stage::ResponseRequired {
        let request = DisputeMessageRow {
            deadline_at: d.deadline,
            ..message(&row.id, "request", &actor, "", now)
        };
        locked.tx.insert_dispute_message(&request).await?;
    }
    post(&mut locked, &actor, &row, None, &d, now).await?;
    queue(&mut locked.tx, &row, NoticeEvent::Opened).await?;
    let (store, order) = (&row.store_id, &row.order_id);
    raise(
        &mut locked.tx,
        store,
        EventType::DisputeOpened,
        Some(order),
        &row.id,
        now,
    )
    .await?;
    locked
        .event(
            &actor,
            EventKind::DisputeOpened,
            Some(d.amount),
            Some(json!({"dispute_id": row.id, "reason": d.reason.code()})),
        )
        .await?;
    let after = json!({
        "order_id": row.order_id,
        "reason": row.reason.code(),
        "amount": row.amount,
        "currency": row.currency,
        "stage": row.stage.code(),
    });
    audit(&mut locked, &actor, AuditAction::DisputeOpened, &row, after, now).await?;
    locked.tx.commit().await?;
    Ok(row)
}

/// A dispute locked with its order, for one step.
struct LockedDispute {
    locked: Locked,
    row: DisputeRow,
    actor: Actor,
}

async fn lock_dispute(db: &Db, actor: &Actor, dispute_id: &str) -> AppResult<LockedDispute> {
    let found = db
        .dispute(None, dispute_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("dispute")))?;
    let actor = at_merchant_of(db, actor_in_store(actor, &found.store_id)?, &found.store_id).await?;
    if actor.kind == ActorKind::PortalUser
        && !actor.role.is_some_and(|r| {
            kassa_core::access::allows(r, kassa_core::access::Onboarding::Direct, Permission::Disputes)
        })
    {
        return Err(AppError::Forbidden);
    }
    let mut locked = lock(db, &actor, Permission::ViewOrders, &found.order_id).await?;
    let row = locked
        .tx
        .dispute_in_tx(&found.store_id, dispute_id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("dispute")))?;
    Ok(LockedDispute { locked, row, actor })
}

impl LockedDispute {
    /// Writes the dispute in its next state with the message that moved it, posts its
    /// money, and records a closing on the order's timeline. Returns the message id.
    async fn save(&mut self, next: Dispute, msg: DisputeMessageRow, now: i64) -> AppResult<i64> {
        let before = core(&self.row);
        post(&mut self.locked, &self.actor, &self.row, Some(&before), &next, now).await?;
        self.row.stage = next.stage;
        self.row.outcome = next.outcome.map(|o| o.code().to_owned());
        if next.deadline != self.row.deadline_at {
            self.row.reminded_at = None;
        }
        self.row.deadline_at = next.deadline;
        self.row.updated_at = now;
        if next.stage == Stage::Closed {
            self.row.closed_at = Some(now);
            queue(&mut self.locked.tx, &self.row, NoticeEvent::Closed).await?;
            self.locked
                .event(
                    &self.actor,
                    EventKind::DisputeClosed,
                    Some(self.row.amount),
                    Some(json!({"dispute_id": self.row.id, "outcome": self.row.outcome})),
                )
                .await?;
        }
        self.locked.tx.update_dispute(&self.row).await?;
        let kind = if next.stage == Stage::Closed {
            EventType::DisputeClosed
        } else {
            EventType::DisputeUpdated
        };
        let (store, order) = (&self.row.store_id, &self.row.order_id);
        raise(&mut self.locked.tx, store, kind, Some(order), &self.row.id, now).await?;
        Ok(self.locked.tx.insert_dispute_message(&msg).await?)
    }

    /// Records the operator's step (see [`audit`]) with the dispute as it is after it.
    async fn audit(&mut self, action: AuditAction, extra: serde_json::Value, now: i64) -> AppResult<()> {
        let mut after = json!({
            "order_id": self.row.order_id,
            "stage": self.row.stage.code(),
            "outcome": self.row.outcome,
        });
        if let (Some(map), serde_json::Value::Object(more)) = (after.as_object_mut(), extra) {
            map.extend(more);
        }
        audit(&mut self.locked, &self.actor, action, &self.row, after, now).await
    }

    async fn commit(self) -> AppResult<DisputeRow> {
        self.locked.tx.commit().await?;
        Ok(self.row)
    }

    /// One step: the next state, its message, written and committed.
    async fn step(mut self, next: Dispute, msg: DisputeMessageRow, now: i64) -> AppResult<DisputeRow> {
        self.save(next, msg, now).await?;
        self.commit().await
    }
}

/// A file sent with a response, already stored; see [`super::respond`].
#[derive(Debug, Clone)]
pub struct StoredAttachment {
    pub id: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub object_key: String,
}

/// The merchant answers (text and stored files), before the deadline.
pub(crate) async fn respond_with(
    db: &Db,
    actor: &Actor,
    dispute_id: &str,
    text: &str,
    files: &[StoredAttachment],
) -> AppResult<DisputeRow> {
    if actor.kind == ActorKind::Operator {
        return Err(AppError::Forbidden);
    }
    let text = text.trim();
    if text.is_empty() && files.is_empty() {
        return Err(AppError::invalid("text", "write a response or attach a file"));
    }
    if text.chars().count() > 10_000 {
        return Err(AppError::invalid("text", "at most 10000 characters"));
    }
    let now = now_ms();
    let mut d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).respond(now)?;
    let msg = message(&d.row.id, "response", &d.actor, text, now);
    let message_id = d.save(next, msg, now).await?;
    for f in files {
        let a = DisputeAttachmentRow {
            id: f.id.clone(),
            dispute_id: d.row.id.clone(),
            message_id,
            filename: f.filename.clone(),
            content_type: f.content_type.clone(),
            size_bytes: f.size_bytes,
            object_key: f.object_key.clone(),
            created_at: now,
        };
        d.locked.tx.insert_dispute_attachment(&a).await?;
    }
    d.commit().await
}

/// The merchant accepts the loss: the held amount stays taken and the dispute fee applies.
pub async fn accept_loss(db: &Db, actor: &Actor, dispute_id: &str) -> AppResult<DisputeRow> {
    let now = now_ms();
    let d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).accept_loss()?;
    let msg = message(&d.row.id, "decision", &d.actor, "accepted_loss", now);
    d.step(next, msg, now).await
}

/// The merchant refunds the disputed amount: the order is refunded through the order's own
/// refund rules, the hold is released, and the dispute closes as refunded.
pub async fn refund_dispute(db: &Db, actor: &Actor, dispute_id: &str) -> AppResult<DisputeRow> {
    let now = now_ms();
    let mut d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).refunded()?;
    let refund = orders::Refund {
        order_id: d.row.order_id.clone(),
        amount: orders::Amount::Exactly(d.row.amount),
        description: Some(format!("Dispute {}", d.row.id)),
        reference: None,
        lines: Vec::new(),
    };
    let actor = d.actor.clone();
    refund_locked(&mut d.locked, &actor, refund).await?;
    let msg = message(&d.row.id, "decision", &d.actor, "refunded", now);
    d.step(next, msg, now).await
}

/// The provider asks a further question; a response is due by a new deadline.
pub async fn ask(db: &Db, actor: &Actor, dispute_id: &str, question: &str, fields: &[String]) -> AppResult<DisputeRow> {
    require_ops(actor, OpsPermission::ManageDisputes)?;
    let question = question.trim();
    if question.is_empty() || question.chars().count() > 5_000 {
        return Err(AppError::invalid("question", "1 to 5000 characters"));
    }
    let now = now_ms();
    let mut d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).request(now)?;
    let msg = DisputeMessageRow {
        requested_fields: fields.join(","),
        deadline_at: next.deadline,
        ..message(&d.row.id, "request", &d.actor, question, now)
    };
    d.save(next, msg, now).await?;
    let extra = json!({"requested_fields": fields.join(","), "deadline_at": d.row.deadline_at});
    d.audit(AuditAction::DisputeQuestionAsked, extra, now).await?;
    d.commit().await
}

/// The provider decides: won releases the hold; lost keeps it and charges the fee.
pub async fn decide(db: &Db, actor: &Actor, dispute_id: &str, won: bool, note: &str) -> AppResult<DisputeRow> {
    require_ops(actor, OpsPermission::ManageDisputes)?;
    let now = now_ms();
    let mut d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).decide(won)?;
    let msg = message(&d.row.id, "decision", &d.actor, note.trim(), now);
    d.save(next, msg, now).await?;
    d.audit(AuditAction::DisputeDecided, json!({}), now).await?;
    d.commit().await
}

/// The provider withdraws the claim (the shopper took it back): the hold is released.
pub async fn withdraw(db: &Db, actor: &Actor, dispute_id: &str, note: &str) -> AppResult<DisputeRow> {
    require_ops(actor, OpsPermission::ManageDisputes)?;
    let now = now_ms();
    let mut d = lock_dispute(db, actor, dispute_id).await?;
    let next = core(&d.row).withdraw()?;
    let msg = message(&d.row.id, "decision", &d.actor, note.trim(), now);
    d.save(next, msg, now).await?;
    d.audit(AuditAction::DisputeWithdrawn, json!({}), now).await?;
    d.commit().await
}

/// Closes as lost every dispute whose deadline passed unanswered by `now` (the job; time is
/// injectable for tests). Returns the disputes closed.
pub async fn expire_disputes(db: &Db, now: i64) -> AppResult<Vec<DisputeRow>> {
    let mut closed = Vec::new();
    for (store_id, _, id) in db.disputes_past_deadline(now, 200).await? {
        let kassa = Actor::system().in_store(store_id);
        let d = lock_dispute(db, &kassa, &id).await?;
        let Some(next) = core(&d.row).expire(now) else {
            continue;
        };
        let msg = message(&d.row.id, "decision", &d.actor, "deadline_passed", now);
        closed.push(d.step(next, msg, now).await?);
    }
    Ok(closed)
}
