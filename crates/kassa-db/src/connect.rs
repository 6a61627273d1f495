use crate::{DbError, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
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

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone (it is a connection pool).
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: Pool,
    url: String,
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
                .foreign_keys(true);
            let pool = SqlitePoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .connect_with(options)
                .await
                .map_err(classify)?;
            Pool::Sqlite(pool)
        } else if config.url.starts_with("postgres:") || config.url.starts_with("postgresql:") {
            let mut options = PgConnectOptions::from_str(&config.url).map_err(classify)?;
            if let Some(schema) = &config.pg_schema {
                options = options.options([("search_path", schema.as_str())]);
            }
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(10))
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
        Ok(Db { pool, url })
    }

    /// Brings the schema up to date. Safe to run from several processes at once.
    pub async fn migrate(&self) -> Result<()> {
        let result = match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await,
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
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
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
        crate::on_pool!(self, p => p.close().await)
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
