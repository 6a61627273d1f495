//! What may be read of disputes: a store's members whose role handles disputes and its API
//! keys read their store's; provider staff read all.

use crate::files::FileStore;
use crate::operators::require_ops;
use crate::{Actor, ActorKind, AppError, AppResult, Missing};
use kassa_core::access::{allows, Onboarding, Permission};
use kassa_core::dispute::{Reason, Stage};
use kassa_core::ops_access::OpsPermission;
use kassa_db::{Db, DisputeAttachmentRow, DisputeListRow, DisputeMessageRow, DisputeQuery, DisputeRow, OrderRow};

/// The stores the actor reads disputes of; None: every store (provider staff).
fn stores(actor: &Actor) -> AppResult<Option<Vec<String>>> {
    match actor.kind {
        ActorKind::Operator => {
            require_ops(actor, OpsPermission::ViewMerchants)?;
            Ok(None)
        }
        ActorKind::PortalUser => match actor.role {
            Some(r) if allows(r, Onboarding::Direct, Permission::Disputes) => {
                Ok(Some(vec![actor.store_id.clone().ok_or(AppError::Forbidden)?]))
            }
            _ => Err(AppError::Forbidden),
        },
        ActorKind::ApiKey | ActorKind::System => Ok(Some(vec![actor.store_id.clone().ok_or(AppError::Forbidden)?])),
        ActorKind::Shopper => Err(AppError::Forbidden),
    }
}

/// Filters of a disputes list.
#[derive(Debug, Clone, Default)]
pub struct DisputeFilter {
    pub stages: Vec<Stage>,
    pub reason: Option<Reason>,
    pub deadline_before: Option<i64>,
    pub search: Option<String>,
    pub order_id: Option<String>,
    /// Provider staff only: one merchant's disputes.
    pub merchant_id: Option<i64>,
}

/// A page of disputes, most urgent first, and how many match.
pub async fn disputes(
    db: &Db,
    actor: &Actor,
    filter: &DisputeFilter,
    offset: i64,
    limit: i64,
) -> AppResult<(Vec<DisputeListRow>, i64)> {
    let scope = stores(actor)?;
    let q = DisputeQuery {
        everywhere: scope.is_none(),
        store_ids: scope.unwrap_or_default(),
        stages: filter.stages.clone(),
        reason: filter.reason,
        deadline_before: filter.deadline_before,
        search: filter.search.clone(),
        order_id: filter.order_id.clone(),
        merchant_id: filter.merchant_id,
    };
    Ok(db.disputes_page(&q, offset, limit).await?)
}

/// How many of the actor's store's disputes are in each stage (the portal's tabs).
pub async fn stage_counts(db: &Db, actor: &Actor) -> AppResult<Vec<(Stage, i64)>> {
    match stores(actor)? {
        Some(ids) => Ok(db.dispute_stage_counts(&ids).await?),
        None => Err(AppError::Forbidden),
    }
}

/// A dispute with its order and everything said in it.
#[derive(Debug, Clone)]
pub struct DisputeView {
    pub dispute: DisputeRow,
    pub order: OrderRow,
    pub messages: Vec<DisputeMessageRow>,
    pub attachments: Vec<DisputeAttachmentRow>,
}

pub async fn dispute(db: &Db, actor: &Actor, id: &str) -> AppResult<DisputeView> {
    let scope = stores(actor)?;
    let dispute = db
        .dispute(scope.as_deref(), id)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("dispute")))?;
    let order = db
        .order(&dispute.store_id, &dispute.order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(Missing::Order(dispute.order_id.clone())))?;
    Ok(DisputeView {
        messages: db.dispute_messages(id).await?,
        attachments: db.dispute_attachments(id).await?,
        dispute,
        order,
    })
}

/// An attachment's record and bytes, for those who may see its dispute.
pub async fn attachment(
    db: &Db,
    files: &dyn FileStore,
    actor: &Actor,
    dispute_id: &str,
    attachment_id: &str,
) -> AppResult<(DisputeAttachmentRow, Vec<u8>)> {
    let view = dispute(db, actor, dispute_id).await?;
    let found = view
        .attachments
        .into_iter()
        .find(|a| a.id == attachment_id)
        .ok_or(AppError::NotFound(Missing::Other("attachment")))?;
    let bytes = files
        .get(&found.object_key)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((found, bytes))
}
