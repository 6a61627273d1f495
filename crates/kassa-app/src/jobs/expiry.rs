//! Expiry of authorizations that ran out: AUTHORIZED becomes EXPIRED; a partly captured
//! order keeps its captures and loses the rest of its authorization.

use crate::{now_ms, orders, Actor};
use kassa_db::Db;

/// Marks up to 200 run-out authorizations; failures are logged and retried next time.
pub async fn expire_authorizations(db: &Db) {
    let now = now_ms();
    let due = match db.orders_due_to_expire(now, 200).await {
        Ok(due) => due,
        Err(e) => return tracing::warn!(error = %e, "looking for expired authorizations failed"),
    };
    for (store_id, order_id) in due {
        let kassa = Actor::system().in_store(store_id);
        if let Err(e) = orders::expire(db, &kassa, &order_id, now).await {
            tracing::warn!(order_id, error = %e, "expiring an authorization failed");
        }
    }
}
