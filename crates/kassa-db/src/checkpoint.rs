//! SQLite's WAL checkpoints, mostly off the writer.
//!
//! By default the connection that commits runs the checkpoint once the WAL holds 1,000
//! pages: it copies them into the database file and syncs both files, while every write
//! waits for it. Kassa's one writer connection did that about twice a second under load,
//! which is where captures' slowest answers came from, and the writes that fill the WAL
//! fastest (recording API calls) paid for it most.
//!
//! Here a connection of its own copies the new pages every [`INTERVAL`] with a passive
//! checkpoint, which never blocks the writer. The writer still checkpoints itself, rarely
//! ([`WRITER_PAGES`]): that finds almost everything copied already, and it is what lets
//! SQLite start the WAL over, so the file stays bounded however busy the writer is.

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::sync::Weak;
use std::time::Duration;

/// How often the background checkpoint runs.
const INTERVAL: Duration = Duration::from_millis(100);

/// WAL pages after which the writer checkpoints itself (SQLite's default is 1,000).
pub(crate) const WRITER_PAGES: u32 = 4_000;

/// Runs passive checkpoints of the database of `options` until `alive` is gone (the
/// database handle was dropped).
pub(crate) fn start<T: Send + Sync + 'static>(options: SqliteConnectOptions, alive: Weak<T>) {
    tokio::spawn(async move {
        let mut conn = None;
        let mut failing = false;
        loop {
            tokio::time::sleep(INTERVAL).await;
            if alive.strong_count() == 0 {
                if let Some(c) = conn.take() {
                    let _ = sqlx::SqliteConnection::close(c).await;
                }
                return;
            }
            if conn.is_none() {
                conn = options.connect().await.ok();
            }
            let Some(c) = conn.as_mut() else {
                continue;
            };
            // A checkpoint that cannot run now (the disk is full, another process is
            // checkpointing) is tried again at the next turn; the writer's own checkpoint
            // still bounds the WAL meanwhile.
            match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut *c).await {
                Ok(_) => failing = false,
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "background WAL checkpoint failed; retrying");
                    }
                    failing = true;
                    if e.as_database_error().is_none() {
                        conn = None;
                    }
                }
            }
        }
    });
}
