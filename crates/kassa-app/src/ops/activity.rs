//! What the back office reads of a merchant's business: the orders of its stores (its API
//! keys are read through `crate::api_keys`). Read-only, for any operator who may view
//! merchants; a store or order of another merchant does not exist here.

use super::require;
use crate::orders::OrderRecord;
use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::ops_access::OpsPermission;
use kassa_db::{Cursor, Db, OrderEvent, StoreOrderRow};

/// The merchant's stores' ids, or "not found" for an unknown merchant.
async fn stores_of(db: &Db, merchant_id: i64) -> AppResult<Vec<String>> {
    if db.merchant(merchant_id).await?.is_none() {
        return Err(AppError::NotFound(Missing::Other("merchant")));
    }
    Ok(db
        .stores_of_merchant(merchant_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

/// One page of the merchant's orders, and where the next (older) one starts.
#[derive(Debug, Clone)]
pub struct MerchantOrders {
    pub rows: Vec<StoreOrderRow>,
    pub older: Option<Cursor>,
}

/// The newest orders of all the merchant's stores, `limit` (1–200) at a time, older than
/// `before`.
pub async fn merchant_orders(
    db: &Db,
    actor: &Actor,
    merchant_id: i64,
    before: Option<&Cursor>,
    limit: i64,
) -> AppResult<MerchantOrders> {
    require(actor, OpsPermission::ViewMerchants)?;
    let stores = stores_of(db, merchant_id).await?;
    let limit = limit.clamp(1, 200);
    let mut rows = db.recent_orders_of_stores(&stores, before, limit + 1).await?;
    let older = if rows.len() as i64 > limit {
        rows.truncate(limit as usize);
        rows.last().map(|r| Cursor {
            value: r.created_at,
            order_id: r.order_id.clone(),
        })
    } else {
        None
    };
    Ok(MerchantOrders { rows, older })
}

/// One order of the merchant with its captures, refunds and timeline.
#[derive(Debug, Clone)]
pub struct MerchantOrderView {
    pub record: OrderRecord,
    /// Oldest first.
    pub events: Vec<OrderEvent>,
}

/// An Order Management order of one of the merchant's stores; any other is "not found".
pub async fn merchant_order(db: &Db, actor: &Actor, merchant_id: i64, order_id: &str) -> AppResult<MerchantOrderView> {
    require(actor, OpsPermission::ViewMerchants)?;
    let stores = stores_of(db, merchant_id).await?;
    let row = db
        .order_by_id(order_id)
        .await?
        .filter(|r| r.status.is_some() && stores.contains(&r.store_id))
        .ok_or_else(|| AppError::NotFound(Missing::Order(order_id.to_owned())))?;
    Ok(MerchantOrderView {
        record: OrderRecord {
            captures: db.captures_of(order_id).await?,
            refunds: db.refunds_of(order_id).await?,
            row,
        },
        events: db.events_of(order_id).await?,
    })
}
