//! The provider's finance staff's view of bank account changes: every pending change and
//! the recently asked ones across merchants, and blocking a pending one (nothing changes,
//! its links stop working, and whoever asked is told by email).

use crate::operators::require_ops;
use crate::{now_ms, Actor, AppError, AppResult, Missing};
use kassa_core::audit::AuditAction;
use kassa_core::bank_account::masked_iban;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{BankChangeListRow, BankChangeRow, Db};
use serde_json::json;

/// How far back decided changes are listed.
pub const REVIEW_DAYS: i64 = 30;
const REVIEW_LIMIT: i64 = 200;

/// Pending changes first, then the last [`REVIEW_DAYS`] days' others, newest first.
pub async fn bank_changes_for_review(db: &Db, actor: &Actor) -> AppResult<Vec<BankChangeListRow>> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    let since = now_ms() - REVIEW_DAYS * 24 * 3600 * 1000;
    Ok(db.bank_changes_for_review(since, REVIEW_LIMIT).await?)
}

/// Who to tell that their change was blocked.
#[derive(Debug, Clone)]
pub struct BlockedMail {
    pub to: String,
    pub language: String,
    pub store_id: String,
    pub masked_iban: String,
}

/// Blocks a pending change. `Conflict` when it was decided meanwhile (confirmed, replaced,
/// blocked).
pub async fn block_bank_change(db: &Db, actor: &Actor, id: i64) -> AppResult<(BankChangeRow, BlockedMail)> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    let change = db
        .bank_change(id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("bank account change")))?;
    let operator_id = actor.operator_id.ok_or(AppError::Forbidden)?;
    let at_merchant = actor.clone().at_merchant(change.merchant_id);
    let after = json!({
        "change": change.id,
        "iban": masked_iban(&change.iban),
        "bic": change.bic,
        "account_holder": change.account_holder,
    });
    let audit = kassa_db::AuditEvent {
        subject: &change.store_id,
        after: Some(after.to_string()),
        ..at_merchant.audit_event(AuditAction::BankChangeBlocked)
    };
    let blocked = db
        .block_bank_change(id, operator_id, &audit, now_ms())
        .await?
        .ok_or_else(|| AppError::Conflict("the change is no longer pending".into()))?;
    let requester = db
        .user_by_id(blocked.requested_by)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("user")))?;
    let mail = BlockedMail {
        to: requester.email,
        language: requester.language,
        store_id: blocked.store_id.clone(),
        masked_iban: masked_iban(&blocked.iban),
    };
    Ok((blocked, mail))
}
