//! The daily digest of authorizations that expire within 3 days: one job per UTC day (its
//! key is the date, so several processes queue it once), which queues one notification
//! event per store with such authorizations (keyed by store and date, so each person is
//! told once a day however often the digest runs).

use super::{queue, Event};
use crate::now_ms;
use kassa_core::notification::Kind;
use kassa_db::{Db, DbError, JobRow};

/// The job kind of the daily digest; its key is the UTC date.
pub const DIGEST: &str = "notify_digest";
/// The hour (UTC) from which the worker queues the day's digest.
pub const DIGEST_HOUR: i8 = 6;
const DAY_MS: i64 = 24 * 3600 * 1000;

fn utc_date(at: i64) -> String {
    jiff::Timestamp::from_millisecond(at)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Queues the digest of `now`'s UTC day unless it was queued already.
pub async fn queue_daily_digest(db: &Db, now: i64) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    tx.schedule_job(DIGEST, &utc_date(now), "", now, now).await?;
    tx.commit().await
}

/// Whether the worker should queue today's digest at `now` (from [`DIGEST_HOUR`] UTC on).
pub fn digest_due(now: i64) -> bool {
    jiff::Timestamp::from_millisecond(now)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).hour() >= DIGEST_HOUR)
        .unwrap_or(false)
}

/// Runs the day's digest job: one event per store with authorizations expiring within
/// 3 days of now.
pub async fn run_digest(db: &Db, job: &JobRow) -> Result<(), DbError> {
    let now = now_ms();
    let date = job.job_key.clone();
    for store_id in db.all_store_ids().await? {
        let (count, amount) = db.expiring(&store_id, now, now + 3 * DAY_MS).await?;
        if count == 0 {
            continue;
        }
        let Some(store) = db.store(&store_id).await? else {
            continue;
        };
        let event = Event::new(Kind::AuthorizationsExpiring, &store_id, &date).with(serde_json::json!({
            "count": count,
            "amount": amount,
            "currency": store.currency,
        }));
        let mut tx = db.begin().await?;
        queue(&mut tx, &event).await?;
        tx.commit().await?;
    }
    db.finish_job(job.id, now_ms()).await
}
