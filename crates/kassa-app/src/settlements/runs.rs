//! The provider's finance staff's reads: payout runs across every merchant, one payout with
//! its transactions, and a store's corrections. All need `ManageFinance`, as the back
//! office's finance pages do.

use crate::operators::require_ops;
use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::ops_access::OpsPermission;
use kassa_db::{Db, LedgerEntryRow, PayoutRunFilter, PayoutRunRow};

/// Payouts of every merchant newest first, after the keyset `(payout_date, id)`.
pub async fn payout_runs(
    db: &Db,
    actor: &Actor,
    filter: &PayoutRunFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> AppResult<Vec<PayoutRunRow>> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    Ok(db.payout_runs_after(filter, after, limit).await?)
}

/// One payout of any store by its payment reference.
pub async fn payout_run(db: &Db, actor: &Actor, reference: &str) -> AppResult<PayoutRunRow> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    db.payout_run(reference)
        .await?
        .ok_or(AppError::NotFound(Missing::Other("payout")))
}

/// A page of one payout's transactions, oldest first, after entry id `after`.
pub async fn payout_run_entries(
    db: &Db,
    actor: &Actor,
    payout_id: i64,
    after: i64,
    limit: i64,
) -> AppResult<Vec<LedgerEntryRow>> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    Ok(db.payout_entries_after(payout_id, after, limit).await?)
}

/// A store's most recent corrections, newest first.
pub async fn store_corrections(db: &Db, actor: &Actor, store_id: &str, limit: i64) -> AppResult<Vec<LedgerEntryRow>> {
    require_ops(actor, OpsPermission::ManageFinance)?;
    Ok(db.store_corrections(store_id, limit).await?)
}
