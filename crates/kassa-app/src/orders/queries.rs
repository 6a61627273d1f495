//! What the merchant API and the portal read about orders: one order of the actor's store
//! (never another store's: those do not exist for the actor), its captures, refunds and
//! timeline, and the portal's list, search and CSV export.

use super::capture::{check_invoice, DUE_DATE_OPTIONS};
use super::lock::store_of;
use crate::{Actor, AppError, AppResult, Missing};
use kassa_core::access::Permission;
use kassa_db::{CaptureRow, Cursor, Db, OrderEvent, OrderFilter, OrderListRow, OrderPages, OrderRow, RefundRow};

/// An Order Management order (a completed checkout) of the actor's store.
pub async fn om_order(db: &Db, actor: &Actor, order_id: &str) -> AppResult<OrderRow> {
    let store = store_of(actor, Permission::ViewOrders)?;
    db.order(store, order_id)
        .await?
        .filter(|r| r.status.is_some())
        .ok_or_else(|| AppError::NotFound(Missing::Order(order_id.to_owned())))
}

/// A checkout order of the actor's store, in any state.
pub async fn checkout_order(db: &Db, actor: &Actor, order_id: &str) -> AppResult<OrderRow> {
    let store = store_of(actor, Permission::ViewOrders)?;
    db.order(store, order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(Missing::Checkout(order_id.to_owned())))
}

/// An order with its captures and refunds, as one record.
#[derive(Debug, Clone)]
pub struct OrderRecord {
    pub row: OrderRow,
    pub captures: Vec<CaptureRow>,
    pub refunds: Vec<RefundRow>,
}

/// An Order Management order of the actor's store with its captures and refunds.
pub async fn order_record(db: &Db, actor: &Actor, order_id: &str) -> AppResult<OrderRecord> {
    let row = om_order(db, actor, order_id).await?;
    Ok(OrderRecord {
        captures: db.captures_of(order_id).await?,
        refunds: db.refunds_of(order_id).await?,
        row,
    })
}

/// The captures of an order, oldest first.
pub async fn captures(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Vec<CaptureRow>> {
    om_order(db, actor, order_id).await?;
    Ok(db.captures_of(order_id).await?)
}

/// The refunds of an order, oldest first.
pub async fn refunds(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Vec<RefundRow>> {
    om_order(db, actor, order_id).await?;
    Ok(db.refunds_of(order_id).await?)
}

/// The timeline of an order, oldest first.
pub async fn events(db: &Db, actor: &Actor, order_id: &str) -> AppResult<Vec<OrderEvent>> {
    om_order(db, actor, order_id).await?;
    Ok(db.events_of(order_id).await?)
}

/// One capture of an order.
pub async fn capture_of(db: &Db, actor: &Actor, order_id: &str, capture_id: &str) -> AppResult<CaptureRow> {
    captures(db, actor, order_id)
        .await?
        .into_iter()
        .find(|c| c.capture_id == capture_id)
        .ok_or_else(|| {
            AppError::NotFound(Missing::Capture {
                order_id: order_id.to_owned(),
                capture_id: capture_id.to_owned(),
            })
        })
}

/// One refund of an order.
pub async fn refund_of(db: &Db, actor: &Actor, order_id: &str, refund_id: &str) -> AppResult<RefundRow> {
    refunds(db, actor, order_id)
        .await?
        .into_iter()
        .find(|r| r.refund_id == refund_id)
        .ok_or_else(|| {
            AppError::NotFound(Missing::Refund {
                order_id: order_id.to_owned(),
                refund_id: refund_id.to_owned(),
            })
        })
}

/// The due-date extensions on offer for a capture: its order's currency, and
/// `(number_of_days, fee)` pairs. Only invoices have due dates: other purchases are offered
/// none (Kustom's spec knows no refusal here; the extension itself is refused).
pub async fn due_date_options(
    db: &Db,
    actor: &Actor,
    order_id: &str,
    capture_id: &str,
) -> AppResult<(String, Vec<(i64, i64)>)> {
    capture_of(db, actor, order_id, capture_id).await?;
    let row = om_order(db, actor, order_id).await?;
    let options = if check_invoice(&row).is_ok() {
        DUE_DATE_OPTIONS.to_vec()
    } else {
        Vec::new()
    };
    Ok((row.purchase_currency, options))
}

/// The filter, kept to the actor's store.
fn in_store(actor: &Actor, filter: &OrderFilter) -> AppResult<OrderFilter> {
    let store = store_of(actor, Permission::ViewOrders)?;
    Ok(OrderFilter {
        store_id: store.to_owned(),
        ..filter.clone()
    })
}

/// One page of the order list: up to `limit` orders after `cursor`.
pub async fn search_orders(
    db: &Db,
    actor: &Actor,
    filter: &OrderFilter,
    cursor: Option<&Cursor>,
    limit: i64,
) -> AppResult<Vec<OrderListRow>> {
    let filter = in_store(actor, filter)?;
    Ok(db.search_page(&filter, cursor, limit).await?)
}

/// Every order the filter finds, page by page (the CSV export: constant memory).
pub async fn export_orders(db: &Db, actor: &Actor, filter: &OrderFilter, page: i64) -> AppResult<OrderPages> {
    let filter = in_store(actor, filter)?;
    let plan = db.plan_search(&filter).await?;
    Ok(db.export_orders(&filter, plan, page))
}

/// A checkout order by its id alone, for the shopper on the hosted checkout page: the id is
/// the capability (the shopper has no store until the order names it).
pub async fn hosted_checkout(db: &Db, order_id: &str) -> AppResult<OrderRow> {
    db.order_by_id(order_id)
        .await?
        .ok_or_else(|| AppError::NotFound(Missing::Checkout(order_id.to_owned())))
}
