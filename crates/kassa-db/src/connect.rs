use crate::group_commit::{SqliteUnit, Writer};
use crate::{DbError, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
    /// PostgreSQL only: run in this schema (created if missing). Tests use it to get a fresh
    /// database per test without the cost of CREATE DATABASE.
    pub pg_schema: Option<String>,
}

impl DbConfig {
    pub fn new(url: impl Into<String>) -> Self {
        DbConfig {
            url: url.into(),
            max_connections: 8,
            pg_schema: None,
        }
    }
}

/// SQLite allows one writer at a time. Writes go through a pool of exactly one connection,
/// so they queue fairly in the pool instead of spinning in SQLite's busy handler; reads use
/// the other pool and run in parallel (WAL). Write units ([`Db::begin`]) take that
/// connection through `writer`, which commits several of them together (group_commit.rs).
#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
        writer: std::sync::Arc<Writer>,
    },
    Postgres(PgPool),
}

/// Starts a write transaction on a pool of either backend: on SQLite with the write lock
/// taken at once (`BEGIN IMMEDIATE`), so a transaction that reads and then writes never
/// fails on the upgrade.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = Sqlite;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<Transaction<'static, Sqlite>, sqlx::Error>> + Send {
        begin_immediate(self)
    }
}

/// `BEGIN IMMEDIATE` on the SQLite writer. If the caller of an earlier `BEGIN` was
/// cancelled (a client went away, a task was aborted) between sqlx running the `BEGIN` and
/// handing out its transaction, the connection stays inside a transaction nobody owns, and
/// every later `BEGIN` is refused ("attempted to call begin_with at non-zero transaction
/// depth"). That connection is closed (SQLite rolls the orphan back) and the pool opens a
/// fresh one, instead of the writer being stuck until a restart.
async fn begin_immediate(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    let _queued = write_queued();
    match pool.begin_with("BEGIN IMMEDIATE").await {
        Err(sqlx::Error::InvalidSavePointStatement) => {
            tracing::warn!("the SQLite writer was left inside an abandoned transaction; reconnecting");
            pool.acquire().await?.close().await?;
            pool.begin_with("BEGIN IMMEDIATE").await
        }
        other => other,
    }
}

impl BeginWrite for PgPool {
    type Db = Postgres;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<Transaction<'static, Postgres>, sqlx::Error>> + Send {
        self.begin()
    }
}

/// A write transaction on either backend; run statements in it with `on_tx!`. On SQLite it
/// is one unit of a group commit: its own savepoint inside the writer's open transaction.
pub enum Tx {
    Sqlite(SqliteUnit),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs trusted SQL text (no parameters) in the transaction, e.g. from tests; returns
    /// the rows affected. Never pass it anything a user typed.
    pub async fn execute_trusted(&mut self, sql: &str) -> Result<u64> {
        Ok(crate::on_tx!(self, c => sqlx::raw_sql(sql).execute(c).await.map(|r| r.rows_affected()))?)
    }
}

/// How long a request waits for a PostgreSQL connection. While the server is down, sqlx
/// retries connecting until this runs out, so it bounds how long a request hangs before it
/// is answered 503 (issue 17: within 5 s), and it is well above the wait for a connection
/// under load (capture_throughput: p99 in milliseconds).
pub const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Each SQLite connection's page cache, in KiB.
pub(crate) const SQLITE_CACHE_KIB: i64 = 32 * 1024;

/// How much of the SQLite file the CSV export's own connection maps: SQLite's usual build
/// limit (2 GiB); pages beyond it are read through the page cache as usual.
pub(crate) const SQLITE_MMAP_BYTES: i64 = 2_147_418_112;

/// A handle on the database; cheap to clone (it is a connection pool).
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    url: String,
    /// Trigram counts that steer order search (search_keys.rs); shared by clones.
    pub(crate) samples: std::sync::Arc<crate::search_keys::Samples>,
    /// API keys read for calls (api_keys.rs); shared by clones.
    pub(crate) keys: std::sync::Arc<crate::api_keys::KeyCache>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Db({})", self.url)
    }
}

/// The URL with any password replaced, safe for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl Db {
    /// Opens (and for SQLite creates) the database. Call [`Db::migrate`] before use.
    pub async fn connect(config: &DbConfig) -> Result<Db> {
        let url = redact_url(&config.url);
        let classify = |err: sqlx::Error| classify_open_error(&url, err);
        let pool = if config.url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(&config.url)
                .map_err(classify)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // NORMAL is durable across application crashes in WAL mode; only an OS crash
                // may lose the last transactions, never corrupt the file.
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                // Index updates on random keys (order ids, emails) need more than the default.
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"));
            let write = SqlitePoolOptions::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(
                    options
                        .clone()
                        .pragma("wal_autocheckpoint", crate::checkpoint::WRITER_PAGES.to_string()),
                )
                .await
                .map_err(classify)?;
            // The pools do not map the file (mmap_size): with it, captures ran 15–25 % slower
            // (remapping as the file grows), while the order list met its targets without.
            let read = SqlitePoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .connect_with(options.clone())
                .await
                .map_err(classify)?;
            let writer = Writer::start(write.clone());
            if options.get_filename().as_os_str() != ":memory:" {
                crate::checkpoint::start(options, std::sync::Arc::downgrade(&writer));
            }
            Pool::Sqlite { read, write, writer }
        } else if config.url.starts_with("postgres:") || config.url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(&config.url).map_err(classify)?;
            if let Some(schema) = &config.pg_schema {
                options = options.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .acquire_timeout(PG_ACQUIRE_TIMEOUT)
                .connect_with(options)
                .await
                .map_err(classify)?;
            if let Some(schema) = &config.pg_schema {
                sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS \"{}\"", schema.replace('"', "")))
                    .execute(&pool)
                    .await
                    .map_err(classify)?;
            }
            Pool::Postgres(pool)
        } else {
            return Err(DbError::UnsupportedUrl(url));
        };
        Ok(Db {
            pool,
            url,
            samples: Default::default(),
            keys: Default::default(),
        })
    }

    /// Brings the schema up to date. Safe to run from several processes at once.
    pub async fn migrate(&self) -> Result<()> {
        let result = match &self.pool {
            Pool::Sqlite { write, .. } => sqlite_migrator().run(write).await,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await,
        };
        result.map_err(|err| match err {
            sqlx::migrate::MigrateError::Execute(e) => classify_open_error(&self.url, e),
            other => DbError::Migrate {
                url: self.url.clone(),
                reason: other.to_string(),
            },
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite { .. } => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// SQLite: the write units one transaction holds at most (default 32); 1 commits each
    /// unit alone, as before group commit (the capture benchmark compares the two).
    pub fn set_group_commit_units(&self, units: usize) {
        if let Pool::Sqlite { writer, .. } = &self.pool {
            writer.set_max_units(units);
        }
    }

    /// SQLite: the transactions the writer has committed and the write units in them, since
    /// the handle was opened (PostgreSQL: none; each unit commits alone).
    pub async fn group_commit_stats(&self) -> (u64, u64) {
        match &self.pool {
            Pool::Sqlite { writer, .. } => writer.stats().await,
            Pool::Postgres(_) => (0, 0),
        }
    }

    /// The URL, password redacted.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<()> {
        crate::on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))?;
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite { read, write, writer } => {
                // Units already released into a batch are committed, not lost.
                writer.flush_now().await;
                read.close().await;
                write.close().await;
            }
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Starts a write transaction. On SQLite it is a unit of the writer's group commit: it
    /// runs alone on the writer (which holds the write lock, `BEGIN IMMEDIATE`, so a unit
    /// that reads then writes never deadlocks on upgrade), in its own savepoint, and its
    /// commit returns once the transaction holding it has committed.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite { writer, .. } => {
                let _queued = write_queued();
                Tx::Sqlite(writer.begin().await?)
            }
            Pool::Postgres(p) => {
                let _queued = write_queued();
                Tx::Postgres(p.begin().await?)
            }
        })
    }

    /// How the connection pools are used now, for metrics.
    pub fn pool_stats(&self) -> PoolStats {
        let of = |pool_size: u32, idle: usize| PoolUse {
            open: pool_size,
            idle: idle as u32,
        };
        match &self.pool {
            Pool::Sqlite { read, write, .. } => PoolStats {
                read: of(read.size(), read.num_idle()),
                write: Some(of(write.size(), write.num_idle())),
                write_queue: WRITE_QUEUE.load(Ordering::Relaxed).max(0) as u64,
            },
            Pool::Postgres(p) => PoolStats {
                read: of(p.size(), p.num_idle()),
                write: None,
                write_queue: WRITE_QUEUE.load(Ordering::Relaxed).max(0) as u64,
            },
        }
    }

    /// Whether this process's connection to the database is encrypted (TLS): `None` for
    /// SQLite, which has no connection.
    pub async fn connection_encrypted(&self) -> Result<Option<bool>> {
        match &self.pool {
            Pool::Sqlite { .. } => Ok(None),
            Pool::Postgres(p) => {
                let ssl: Option<bool> = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
                    .fetch_optional(p)
                    .await?;
                Ok(Some(ssl.unwrap_or(false)))
            }
        }
    }
}

/// The SQLite schema's migrations, as this Kassa knows them.
pub(crate) fn sqlite_migrator() -> &'static sqlx::migrate::Migrator {
    static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
    &MIGRATOR
}

/// Connections of one pool: open, and of those idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
}

/// Use of the database pools: the readers (all of PostgreSQL's pool), SQLite's one writer,
/// and the writes waiting for (or running on) the writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub read: PoolUse,
    pub write: Option<PoolUse>,
    pub write_queue: u64,
}

/// Writes of this process waiting for the writer connection or running on it.
static WRITE_QUEUE: AtomicI64 = AtomicI64::new(0);

/// Counts one write in [`PoolStats::write_queue`] until dropped.
pub(crate) struct WriteQueued(());

pub(crate) fn write_queued() -> WriteQueued {
    WRITE_QUEUE.fetch_add(1, Ordering::Relaxed);
    WriteQueued(())
}

impl Drop for WriteQueued {
    fn drop(&mut self) {
        WRITE_QUEUE.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Turns low-level open/connect failures into messages an operator can act on.
fn classify_open_error(url: &str, err: sqlx::Error) -> DbError {
    let url = url.to_owned();
    let text = err.to_string();
    let lower = text.to_lowercase();
    let code = match &err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    };
    if lower.contains("readonly") || lower.contains("read-only") || code.as_deref() == Some("8") {
        return DbError::ReadOnly { url, reason: text };
    }
    if lower.contains("disk is full")
        || lower.contains("no space left")
        || code.as_deref() == Some("13")
        || code.as_deref() == Some("53100")
    {
        return DbError::DiskFull { url, reason: text };
    }
    // sqlx reports a refused server certificate as an I/O error ("invalid peer certificate"),
    // other TLS failures as `Error::Tls`.
    let tls = matches!(err, sqlx::Error::Tls(_))
        || (matches!(err, sqlx::Error::Io(_)) && (lower.contains("certificate") || lower.contains("tls")));
    if tls {
        return DbError::Unreachable {
            url,
            reason: format!(
                "the TLS connection failed: {text}. With sslmode=verify-ca or verify-full the server's certificate \
                 must be signed by the CA in sslrootcert (or a CA the system trusts), and with verify-full \
                 name the host in the URL"
            ),
        };
    }
    match err {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Configuration(_) => {
            DbError::Unreachable { url, reason: text }
        }
        sqlx::Error::Database(_) if url.starts_with("sqlite") && lower.contains("unable to open") => {
            DbError::ReadOnly { url, reason: text }
        }
        sqlx::Error::Database(_) if !url.starts_with("sqlite") => DbError::Unreachable { url, reason: text },
        other => DbError::Sqlx(other),
    }
}

impl Db {
    /// Runs trusted SQL text (no parameters), e.g. from tests or maintenance scripts, and
    /// returns the rows affected. Never pass it anything a user typed.
    pub async fn execute_trusted(&self, sql: &str) -> Result<u64> {
        Ok(crate::on_pool!(self, p => sqlx::raw_sql(sql).execute(p).await.map(|r| r.rows_affected()))?)
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://kassa:s3cret@db:5432/kassa"),
            "postgres://kassa:***@db:5432/kassa"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
        assert_eq!(
            redact_url("sqlite://./kassa-data/kassa.db"),
            "sqlite://./kassa-data/kassa.db"
        );
    }
}
