//! Developer Logs keep 30 days. The older calls are deleted in small batches, and after each
//! batch the purge rests [`REST`] times as long as the batch took, so deleting a busy day (a
//! million calls) takes at most a tenth of the database writer's time however busy it is:
//! the API's own writes go on between batches and wait for one short batch at most. With a
//! 5 ms pause after 2,000-call batches, the purge held SQLite's writer four fifths of the
//! time, and captures at half the maximum rate waited 4.8 s at p99 while it ran.

use crate::AppResult;
use kassa_db::Db;
use std::time::{Duration, Instant};

/// How long calls are kept.
pub const KEEP_MS: i64 = 30 * 24 * 3600 * 1000;
/// Calls deleted per statement: a few milliseconds of the writer's time.
pub const PURGE_BATCH: i64 = 500;
/// How many times a batch's own time the purge rests after it.
const REST: u32 = 9;
/// The shortest rest between batches.
const MIN_REST: Duration = Duration::from_millis(5);

/// Deletes the calls recorded more than 30 days before `now`; how many.
pub async fn purge_old_calls(db: &Db, now: i64) -> AppResult<u64> {
    let before = now - KEEP_MS;
    let mut deleted = 0;
    loop {
        // Measured with the wait for the writer: a busy writer makes the purge rest longer.
        let started = Instant::now();
        let n = db.purge_api_calls_batch(before, PURGE_BATCH).await?;
        deleted += n;
        if (n as i64) < PURGE_BATCH {
            return Ok(deleted);
        }
        tokio::time::sleep(MIN_REST.max(started.elapsed() * REST)).await;
    }
}
