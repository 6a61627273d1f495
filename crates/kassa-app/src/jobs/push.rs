//! The merchant's push notification: `POST merchant_urls.push` (empty body) until the order
//! is acknowledged or captured, or Kustom's schedule runs out.

use super::MINUTE;
use crate::now_ms;
use crate::orders::expand_merchant_url;
use kassa_db::{Db, DbError, JobRow};
use std::future::Future;
use std::pin::Pin;

const HOUR: i64 = 60 * MINUTE;
/// Retries after the first push, counted from completion: 5, 15, 30 and 60 minutes, then
/// every 4 hours, for 48 hours (Kustom's schedule).
const PUSH_RETRIES: &[i64] = &[5 * MINUTE, 15 * MINUTE, 30 * MINUTE, 60 * MINUTE];
const PUSH_EVERY_AFTER: i64 = 4 * HOUR;
const PUSH_FOR: i64 = 48 * HOUR;

/// The next push time after `now` for an order completed at `completed`, if any is left.
pub fn next_push(completed: i64, now: i64) -> Option<i64> {
    let fixed = PUSH_RETRIES.iter().map(|d| completed + d).find(|t| *t > now);
    let next = fixed.unwrap_or_else(|| {
        let last_fixed = completed + PUSH_RETRIES[PUSH_RETRIES.len() - 1];
        let steps = (now - last_fixed) / PUSH_EVERY_AFTER + 1;
        last_fixed + steps * PUSH_EVERY_AFTER
    });
    (next <= completed + PUSH_FOR).then_some(next)
}

/// How one notification went: the HTTP status (0 when none came) and what failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOutcome {
    pub status: i64,
    pub error: Option<String>,
}

/// Sends a push notification over HTTP (and records the call). The web crate implements
/// it with its HTTP client and its API-call log; this crate decides when and whether.
pub trait Notifier: Send + Sync {
    fn notify<'a>(
        &'a self,
        store_id: &'a str,
        order_id: &'a str,
        url: &'a str,
    ) -> Pin<Box<dyn Future<Output = PushOutcome> + Send + 'a>>;
}

/// Runs one push job: notifies the merchant, then schedules the next try or ends the job.
pub async fn push(db: &Db, notifier: &dyn Notifier, public_url: &str, job: &JobRow) -> Result<(), DbError> {
    let (order_id, store_id) = (&job.job_key, &job.payload);
    let Some(order) = db.order(store_id, order_id).await? else {
        return db.finish_job(job.id, now_ms()).await;
    };
    if order.acknowledged || order.captured_amount > 0 {
        return db.finish_job(job.id, now_ms()).await;
    }
    let body: serde_json::Value = serde_json::from_str(&order.body).unwrap_or_default();
    let Some(url) = body.pointer("/merchant_urls/push").and_then(|v| v.as_str()) else {
        return db.finish_job(job.id, now_ms()).await;
    };
    let url = expand_merchant_url(url, order_id, public_url);
    let outcome = notifier.notify(store_id, order_id, &url).await;
    let completed = order.completed_at.unwrap_or(job.created_at);
    match next_push(completed, now_ms()) {
        Some(at) => db.reschedule_job(job.id, at, outcome.error.as_deref()).await,
        None => db.finish_job(job.id, now_ms()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_schedule_follows_kustom() {
        let c = 0;
        assert_eq!(next_push(c, c), Some(5 * MINUTE));
        assert_eq!(next_push(c, 5 * MINUTE), Some(15 * MINUTE));
        assert_eq!(next_push(c, 15 * MINUTE), Some(30 * MINUTE));
        assert_eq!(next_push(c, 30 * MINUTE), Some(60 * MINUTE));
        assert_eq!(next_push(c, 60 * MINUTE), Some(5 * HOUR));
        assert_eq!(next_push(c, 5 * HOUR), Some(9 * HOUR));
        assert_eq!(next_push(c, 45 * HOUR), None, "the 49th hour is past 48");
        let mut t = c;
        let mut pushes = 1;
        while let Some(n) = next_push(c, t) {
            t = n;
            pushes += 1;
        }
        assert_eq!(
            pushes,
            1 + 4 + 11,
            "first push, four quick retries, then every 4 h until 48 h"
        );
    }
}
