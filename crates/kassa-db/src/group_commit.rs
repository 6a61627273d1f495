//! Group commit on SQLite's one writer connection.
//!
//! Every write unit ([`crate::Db::begin`]) still runs alone on the writer, in the order the
//! units asked for it (a fair, first-come mutex), so per-order write order, the order lock
//! and every invariant are as before. What changes is the commit: the writer keeps one
//! transaction (`BEGIN IMMEDIATE`) open over several units, each in a `SAVEPOINT` of its own.
//!
//! - A unit that fails or is dropped rolls back to its savepoint: its writes go, the others'
//!   stay, and the batch goes on.
//! - A unit that commits releases its savepoint and then waits: when nobody else is queued
//!   for the writer, or the batch holds [`MAX_UNITS`] units, or it is [`MAX_AGE`] old, the
//!   batch commits at once; otherwise the next unit runs inside the same transaction, and
//!   the released unit's task queues for the writer again, behind the units already
//!   waiting, and commits whatever the batch holds when its turn comes (unless a later unit
//!   committed it first).
//! - Every caller is answered only after the `COMMIT` of its batch has returned. If the
//!   commit fails, or the process dies first, no unit of the batch was acknowledged and none
//!   is kept (SQLite rolls the open transaction back), so a crash loses only unanswered units.
//! - Within a unit, its `SAVEPOINT` and the writes whose answer nobody reads wait and go
//!   with the unit's next statement or its release, in one trip to the connection's worker
//!   ([`crate::deferred`]).
//!
//! Whenever the writer is let go, the state is one of: no open transaction, or an open one
//! holding released units whose tasks are coming back to commit it. So the database's write lock is never
//! left held with nobody coming to commit it.

use crate::deferred::{Arg, Deferred};
use crate::{DbError, Result};
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqliteConnection, SqlitePool};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{watch, Mutex, OwnedMutexGuard};

/// Units per transaction at most.
pub(crate) const MAX_UNITS: usize = 32;
/// The oldest a batch gets before the next unit to finish commits it, so the first caller of
/// a batch waits a bounded time for its answer.
pub(crate) const MAX_AGE: Duration = Duration::from_millis(4);
/// How long a unit waits for the writer before it gives up (the old pool's acquire timeout).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);
const SAVEPOINT: &str = "SAVEPOINT kassa_unit";
const RELEASE: &str = "RELEASE SAVEPOINT kassa_unit";
const ROLLBACK_TO: &str = "ROLLBACK TO SAVEPOINT kassa_unit";

/// The outcome of a batch's commit, shared by its units: committed, or why not and whether
/// that is an outage (a full disk), which its units then answer as such.
type Outcome = Option<std::result::Result<(), (String, Option<crate::Outage>)>>;

struct Batch {
    /// Tells batches apart (a unit's task that comes back to commit its batch checks that
    /// it is still the open one).
    id: u64,
    /// Units released into the transaction, waiting for its commit.
    units: usize,
    started: Instant,
    done: watch::Sender<Outcome>,
}

pub(crate) struct State {
    /// The writer connection while a batch is open (back in the pool between batches, so
    /// the writes that do not go through units can take their turn).
    conn: Option<PoolConnection<Sqlite>>,
    batch: Option<Batch>,
    /// A unit's savepoint may be open (set before `SAVEPOINT` runs, cleared once it is
    /// released or rolled back).
    unit_open: bool,
    /// Batches opened so far.
    batches: u64,
    /// Transactions committed, and units in them (for the benchmark and tests).
    commits: u64,
    committed_units: u64,
}

/// The SQLite writer's group-commit queue; one per database handle (shared by clones).
pub(crate) struct Writer {
    pool: SqlitePool,
    state: Arc<Mutex<State>>,
    /// Units waiting to start (counted while they wait for the writer).
    waiting: AtomicUsize,
    /// Units per transaction at most ([`MAX_UNITS`]; 1 commits every unit alone).
    max_units: AtomicUsize,
}

impl Writer {
    /// The writer over the one-connection `pool`.
    pub(crate) fn start(pool: SqlitePool) -> Arc<Writer> {
        Arc::new(Writer {
            pool,
            state: Arc::new(Mutex::new(State {
                conn: None,
                batch: None,
                unit_open: false,
                batches: 0,
                commits: 0,
                committed_units: 0,
            })),
            waiting: AtomicUsize::new(0),
            max_units: AtomicUsize::new(MAX_UNITS),
        })
    }

    /// Starts a write unit: waits its turn for the writer, opens the batch's transaction if
    /// none is open, and a savepoint for the unit. If the caller goes away half-way, the
    /// unit's drop puts the writer right.
    pub(crate) async fn begin(self: &Arc<Self>) -> Result<SqliteUnit> {
        let guard = {
            let _counted = Counted::new(&self.waiting);
            tokio::time::timeout(ACQUIRE_TIMEOUT, self.state.clone().lock_owned())
                .await
                .map_err(|_| DbError::Sqlx(sqlx::Error::PoolTimedOut))?
        };
        let mut unit = SqliteUnit {
            guard: Some(guard),
            writer: self.clone(),
            deferred: Deferred::default(),
        };
        let state = unit.guard.as_mut().expect("just taken");
        if state.unit_open {
            // An earlier unit's clean-up never ran (its task ended with its runtime): nothing
            // of that transaction is kept, and none of its units was answered yet.
            tracing::warn!("a write unit was left unfinished; its transaction is rolled back");
            discard(state);
        }
        if state.batch.is_none() {
            self.open_batch(state).await?;
        }
        // The savepoint goes with the unit's first trip (crate::deferred). Marked open from
        // here: whenever that trip runs, a unit dropped after it is undone.
        state.unit_open = true;
        unit.deferred.push(SAVEPOINT, Vec::new());
        Ok(unit)
    }

    /// `BEGIN IMMEDIATE` on the writer connection. A connection left inside a transaction
    /// nobody owns (a cancelled caller of the pool's own transactions) is closed, and the
    /// pool opens a fresh one.
    async fn open_batch(&self, state: &mut State) -> Result<()> {
        for attempt in 0..2 {
            if state.conn.is_none() {
                state.conn = Some(self.pool.acquire().await?);
            }
            let conn = state.conn.as_mut().expect("acquired above");
            match sqlx::query("BEGIN IMMEDIATE").execute(&mut **conn).await {
                Ok(_) => {
                    let (done, _) = watch::channel(None);
                    state.batches += 1;
                    state.batch = Some(Batch {
                        id: state.batches,
                        units: 0,
                        started: Instant::now(),
                        done,
                    });
                    return Ok(());
                }
                Err(e) => {
                    discard(state);
                    if attempt == 1 || !e.to_string().contains("within a transaction") {
                        return Err(e.into());
                    }
                    tracing::warn!("the SQLite writer was left inside an abandoned transaction; reconnecting");
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// Leaves the writer in a state fit to be let go: commits the batch if it holds no unit,
    /// if nobody is waiting, if it is full or old enough, or if `force`. Otherwise the batch
    /// stays open for the units queued, and returns its id: each released unit's task then
    /// queues for the writer again and commits the batch if it is still open by its turn.
    async fn settle(&self, state: &mut State, force: bool) -> Option<u64> {
        let batch = state.batch.as_ref()?;
        let commit_now = force
            || batch.units == 0
            || batch.units >= self.max_units.load(Ordering::Relaxed)
            || batch.started.elapsed() >= MAX_AGE
            || self.waiting.load(Ordering::Acquire) == 0;
        if !commit_now {
            return Some(batch.id);
        }
        let batch = state.batch.take().expect("checked above");
        let conn = state.conn.as_mut().expect("an open batch holds the connection");
        let result = sqlx::query("COMMIT").execute(&mut **conn).await;
        match result {
            Ok(_) => {
                state.commits += 1;
                state.committed_units += batch.units as u64;
                // Back to the pool, so the writes that do not go through units get a turn.
                state.conn = None;
                let _ = batch.done.send_replace(Some(Ok(())));
            }
            Err(e) => {
                tracing::error!(error = %e, units = batch.units, "a group commit failed; its units are not kept");
                discard(state);
                let _ = batch
                    .done
                    .send_replace(Some(Err((e.to_string(), crate::error::sqlx_outage(&e)))));
            }
        }
        None
    }

    /// Sets the units a transaction holds at most (1: each unit commits alone, as without
    /// group commit; the benchmark compares the two).
    pub(crate) fn set_max_units(&self, units: usize) {
        self.max_units.store(units.max(1), Ordering::Relaxed);
    }

    /// Transactions committed and the units in them, since the start.
    pub(crate) async fn stats(&self) -> (u64, u64) {
        let state = self.state.lock().await;
        (state.commits, state.committed_units)
    }

    /// Commits whatever batch is open (for shutdown).
    pub(crate) async fn flush_now(&self) {
        let mut state = self.state.lock().await;
        self.settle(&mut state, true).await;
    }
}

/// Closes the writer connection without committing (SQLite rolls its transaction back) and
/// fails the open batch, if any.
fn discard(state: &mut State) {
    state.unit_open = false;
    if let Some(mut conn) = state.conn.take() {
        conn.close_on_drop();
    }
    if let Some(batch) = state.batch.take() {
        let _ = batch.done.send_replace(Some(Err((
            "the writer connection was closed before the commit".into(),
            None,
        ))));
    }
}

/// Counts a unit among those waiting for the writer while it exists.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(n: &'a AtomicUsize) -> Self {
        n.fetch_add(1, Ordering::AcqRel);
        Counted(n)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// One write unit on SQLite: the writer connection, inside the unit's savepoint, held
/// until [`SqliteUnit::commit`] or drop (which rolls the unit back alone).
pub struct SqliteUnit {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<Writer>,
    /// Writes kept for the unit's next statement or its commit ([`crate::deferred`]).
    deferred: Deferred,
}

impl Deref for SqliteUnit {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        let state = self.guard.as_ref().expect("a live unit holds the writer");
        state.conn.as_ref().expect("an open batch holds the connection")
    }
}

impl DerefMut for SqliteUnit {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        let state = self.guard.as_mut().expect("a live unit holds the writer");
        state.conn.as_mut().expect("an open batch holds the connection")
    }
}

impl SqliteUnit {
    /// Keeps the unit's writes and returns once the transaction holding them has committed.
    /// The batch's commit runs on a task of its own, so a caller that goes away meanwhile
    /// cannot leave the batch half done.
    pub async fn commit(mut self) -> Result<()> {
        // The waiting writes and the release in one trip. If one of the writes fails, the
        // statements after it (the release) do not run: the savepoint is still open and the
        // drop rolls the unit back alone.
        let prepared = self.deferred.keeps_prepared();
        let (sql, args) = self.deferred.take(RELEASE);
        sqlx::query_with(&sql, args)
            .persistent(prepared)
            .execute(&mut *self)
            .await?;
        let state = self.guard.as_mut().expect("a live unit holds the writer");
        state.unit_open = false;
        state.batch.as_mut().expect("a unit runs in an open batch").units += 1;
        let guard = self.guard.take().expect("a live unit holds the writer");
        let mut done = guard
            .batch
            .as_ref()
            .expect("a unit runs in an open batch")
            .done
            .subscribe();
        tokio::spawn(settle_released(self.writer.clone(), guard));
        let outcome = match done.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone(),
            Err(_) => Some(Err(("the batch was abandoned before its commit".into(), None))),
        };
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err((reason, outage))) => Err(DbError::NotCommitted { reason, outage }),
            None => unreachable!("waited for an outcome"),
        }
    }

    /// Keeps a write for the unit's next trip to the writer ([`crate::deferred`]).
    pub(crate) fn defer(&mut self, sql: &str, args: Vec<Arg>) {
        self.deferred.push(sql, args);
    }

    /// [`SqliteUnit::defer`] of a write whose text varies from call to call.
    pub(crate) fn defer_varying(&mut self, sql: &str, args: Vec<Arg>) {
        self.deferred.push_varying(sql, args);
    }

    /// The connection, once the writes kept so far have run: every statement of the unit
    /// goes through here, so none runs before a write the unit made earlier.
    pub(crate) async fn flushed(&mut self) -> sqlx::Result<&mut SqliteConnection> {
        if !self.deferred.is_empty() {
            let prepared = self.deferred.keeps_prepared();
            let (sql, args) = self.deferred.take("");
            sqlx::query_with(&sql, args)
                .persistent(prepared)
                .execute(&mut **self)
                .await?;
        }
        Ok(&mut **self)
    }

    /// `sql` (a statement the unit needs the answer of) with the waiting writes in front
    /// when they take no parameters (the unit's `SAVEPOINT`), so that they go in its trip;
    /// otherwise they are sent first ([`SqliteUnit::flushed`]). Run the result on the unit.
    pub(crate) async fn with_waiting(&mut self, sql: &str) -> sqlx::Result<String> {
        if let Some(mut text) = self.deferred.take_without_args() {
            text.push_str(sql);
            return Ok(text);
        }
        self.flushed().await?;
        Ok(sql.to_owned())
    }

    /// Rolls the unit back alone and lets the writer go.
    pub async fn rollback(mut self) -> Result<()> {
        let guard = self.guard.take().expect("a live unit holds the writer");
        let _ = tokio::spawn(roll_back(self.writer.clone(), guard)).await;
        Ok(())
    }
}

/// Settles the batch a released unit is in. If the batch stays open for the units queued,
/// comes back for the writer in turn and commits it then, unless a later unit has already.
async fn settle_released(writer: Arc<Writer>, mut guard: OwnedMutexGuard<State>) {
    let Some(open) = writer.settle(&mut guard, false).await else {
        return;
    };
    drop(guard);
    let mut guard = writer.state.clone().lock_owned().await;
    if guard.batch.as_ref().is_some_and(|b| b.id == open) {
        writer.settle(&mut guard, true).await;
    }
}

/// Undoes an unfinished unit (whatever of it ran) and settles the writer; a batch left open
/// holds released units, whose tasks come back to commit it.
async fn roll_back(writer: Arc<Writer>, mut guard: OwnedMutexGuard<State>) {
    if guard.batch.is_none() {
        // Gone while BEGIN ran: whatever the connection holds is nobody's.
        discard(&mut guard);
        return;
    }
    if guard.unit_open {
        let conn = guard.conn.as_mut().expect("an open batch holds the connection");
        let undone = match sqlx::query(ROLLBACK_TO).execute(&mut **conn).await {
            Ok(_) => sqlx::query(RELEASE).execute(&mut **conn).await.map(|_| ()),
            // The savepoint never opened (the caller went away before SAVEPOINT ran).
            Err(e) if e.to_string().contains("no such savepoint") => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            tracing::error!(error = %e, "rolling a write unit back failed; its batch is not kept");
            discard(&mut guard);
            return;
        }
        guard.unit_open = false;
    }
    writer.settle(&mut guard, false).await;
}

impl Drop for SqliteUnit {
    fn drop(&mut self) {
        let Some(mut guard) = self.guard.take() else {
            return;
        };
        // Dropped without commit (an error, or the caller went away): roll the unit back on
        // a task that keeps the writer until it is done.
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(roll_back(self.writer.clone(), guard));
            }
            Err(_) => discard(&mut guard),
        }
    }
}
