use thiserror::Error;

/// What can go wrong in storage, phrased for the operator who has to fix it.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("cannot reach the database at {url}: {reason}. Is it running, and is the URL right?")]
    Unreachable { url: String, reason: String },
    #[error("the database at {url} is read-only: {reason}. Check the permissions of the data directory.")]
    ReadOnly { url: String, reason: String },
    #[error("the disk holding the database at {url} is full: {reason}")]
    DiskFull { url: String, reason: String },
    #[error("cannot migrate the database at {url}: {reason}")]
    Migrate { url: String, reason: String },
    #[error("unsupported database URL {0}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("{0} already exists")]
    Conflict(String),
    /// A write unit whose batch did not commit (SQLite group commit): nothing of it was kept.
    /// `outage` when the commit failed for one (a full disk).
    #[error("the write was not committed: {reason}")]
    NotCommitted { reason: String, outage: Option<Outage> },
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// A failure that passes by itself or once an operator acts, not a fault in the request:
/// callers answer 503 ("try again in a moment") instead of 500, and nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// The database does not answer: stopped, restarting, unreachable, or every pooled
    /// connection stayed busy for the pool's acquire timeout.
    Unreachable,
    /// The disk holding the database is full: reads work, writes are refused.
    DiskFull,
}

impl DbError {
    /// Whether this error is an [`Outage`] rather than a bug or a refused statement.
    pub fn outage(&self) -> Option<Outage> {
        match self {
            DbError::Unreachable { .. } => Some(Outage::Unreachable),
            DbError::DiskFull { .. } => Some(Outage::DiskFull),
            DbError::NotCommitted { outage, .. } => *outage,
            DbError::Sqlx(e) => sqlx_outage(e),
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => sqlite_code_outage(e.extended_code),
            _ => None,
        }
    }
}

/// [`DbError::outage`] of a driver error.
pub fn sqlx_outage(e: &sqlx::Error) -> Option<Outage> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(Outage::Unreachable),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                return sqlite_code_outage(code.parse().ok()?);
            }
            match code.as_ref() {
                // disk_full
                "53100" => Some(Outage::DiskFull),
                // too_many_connections, admin_shutdown, crash_shutdown, cannot_connect_now,
                // and the connection_exception class.
                "53300" | "57P01" | "57P02" | "57P03" => Some(Outage::Unreachable),
                c if c.starts_with("08") => Some(Outage::Unreachable),
                _ => None,
            }
        }
        _ => None,
    }
}

/// SQLite result codes (extended or primary): FULL is a full disk; BUSY after the busy
/// timeout, IOERR and CANTOPEN are storage that does not answer.
fn sqlite_code_outage(code: i32) -> Option<Outage> {
    match code & 0xff {
        13 => Some(Outage::DiskFull),
        5 | 10 | 14 => Some(Outage::Unreachable),
        _ => None,
    }
}

impl DbError {
    /// Whether the error is a unique-constraint violation (someone else got there first).
    pub(crate) fn from_insert(err: sqlx::Error, what: impl Into<String>) -> DbError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => DbError::Conflict(what.into()),
            _ => DbError::Sqlx(err),
        }
    }
}
