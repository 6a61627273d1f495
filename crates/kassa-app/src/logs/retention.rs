//! Developer Logs keep 30 days. The older calls are deleted in small batches with a pause
//! between them, so that deleting a busy day (a million calls) never holds the database's
//! writer for long: the API's own writes go on between batches.

use crate::AppResult;
use kassa_db::Db;
use std::time::Duration;

/// How long calls are kept.
pub const KEEP_MS: i64 = 30 * 24 * 3600 * 1000;
/// Calls deleted per statement.
pub const PURGE_BATCH: i64 = 2_000;
/// The pause between batches.
const PAUSE: Duration = Duration::from_millis(5);

/// Deletes the calls recorded more than 30 days before `now`; how many.
pub async fn purge_old_calls(db: &Db, now: i64) -> AppResult<u64> {
    let before = now - KEEP_MS;
    let mut deleted = 0;
    loop {
        let n = db.purge_api_calls_batch(before, PURGE_BATCH).await?;
        deleted += n;
        if (n as i64) < PURGE_BATCH {
            return Ok(deleted);
        }
        tokio::time::sleep(PAUSE).await;
    }
}
