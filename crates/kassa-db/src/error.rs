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
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
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
