//! Developer Logs keep 30 days. The older calls are deleted in small batches with a rest
//! after each, so that deleting a busy day (a million calls) never holds up the API's own
//! writes for long.
//!
//! SQLite has one writer, and every batch holds it: there the purge deletes 500 calls at a
//! time and rests nine times as long as the batch took (the wait for the writer included),
//! so it takes at most a tenth of the writer's time however busy it is. With 2,000 calls and
//! a 5 ms rest it held the writer four fifths of the time, and captures at half the maximum
//! rate waited 4.8 s at p99 while a day was deleted (46 ms now, 183 s for the day).
//! PostgreSQL's writers run side by side, so the purge only shares the CPU and the disk:
//! 2,000 calls a batch and a 5 ms rest delete the day in 12 s with the captures' p99 at
//! 15 ms (7 ms without); resting as on SQLite took 295 s for no better p99.

use crate::AppResult;
use kassa_db::{Backend, Db};
use std::time::{Duration, Instant};

/// How long calls are kept.
pub const KEEP_MS: i64 = 30 * 24 * 3600 * 1000;
/// The shortest rest between batches.
const MIN_REST: Duration = Duration::from_millis(5);

/// How the purge paces itself on a backend.
struct Pace {
    /// Calls deleted per statement.
    batch: i64,
    /// The rest after a batch, as a multiple of the batch's own time (never below
    /// [`MIN_REST`]).
    rest_per_batch_time: u32,
}

fn pace(backend: Backend) -> Pace {
    match backend {
        Backend::Sqlite => Pace {
            batch: 500,
            rest_per_batch_time: 9,
        },
        Backend::Postgres => Pace {
            batch: 2_000,
            rest_per_batch_time: 0,
        },
    }
}

/// Calls deleted per statement on `backend`.
pub fn purge_batch(backend: Backend) -> i64 {
    pace(backend).batch
}

/// Deletes the calls recorded more than 30 days before `now`; how many.
pub async fn purge_old_calls(db: &Db, now: i64) -> AppResult<u64> {
    let before = now - KEEP_MS;
    let pace = pace(db.backend());
    let mut deleted = 0;
    loop {
        let started = Instant::now();
        let n = db.purge_api_calls_batch(before, pace.batch).await?;
        deleted += n;
        if (n as i64) < pace.batch {
            return Ok(deleted);
        }
        let rest = (started.elapsed() * pace.rest_per_batch_time).max(MIN_REST);
        tokio::time::sleep(rest).await;
    }
}
