//! Recorded merchant API calls (Developer Logs), written in batches off the request path.

use crate::deferred::Arg;
use crate::{on_pool, on_tx, Db, KeyUsage, Result, Tx};
use std::fmt::Write;

/// Built with `..Default::default()` so that new columns do not break every caller.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ApiCall {
    pub store_id: String,
    pub api_key: String,
    pub at: i64,
    /// `incoming` (merchant → Kassa) or `outgoing` (Kassa → merchant, e.g. push).
    pub direction: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub duration_us: i64,
    pub correlation_id: String,
    pub order_id: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
    /// `api`, `push` or `webhook`.
    pub kind: String,
    /// JSON object of header name -> value, redacted.
    pub request_headers: Option<String>,
    pub response_headers: Option<String>,
    /// The caller's User-Agent: not a column of `api_calls`; the call writer counts calls per
    /// key and platform from it (`api_key_platforms`).
    #[sqlx(skip)]
    pub user_agent: Option<String>,
}

impl Db {
    /// Inserts a batch of calls and adds their counts per key and platform, in one
    /// transaction: on SQLite one unit of the writer's group commit, so recording shares the
    /// captures' commits instead of taking the writer for commits of its own.
    pub async fn record_api_calls(&self, calls: &[ApiCall], usage: &[KeyUsage]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.insert_api_calls(calls).await?;
        tx.add_key_usage(usage).await?;
        tx.commit().await
    }

    /// Inserts many calls in one statement, in a transaction of their own.
    pub async fn insert_api_calls(&self, calls: &[ApiCall]) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.insert_api_calls(calls).await?;
        tx.commit().await
    }

    /// The newest calls of a store, optionally for one order.
    pub async fn api_calls(&self, store_id: &str, order_id: Option<&str>, limit: i64) -> Result<Vec<ApiCall>> {
        let sql = "SELECT store_id, api_key, at, direction, method, path, status, duration_us, correlation_id, order_id, \
                   request_body, response_body, kind, request_headers, response_headers FROM api_calls WHERE store_id = $1 AND (CAST($2 AS TEXT) IS NULL OR order_id = $2) \
                   ORDER BY id DESC LIMIT $3";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, ApiCall>(sql).bind(store_id).bind(order_id).bind(limit).fetch_all(p).await)?,
        )
    }
}

/// The columns an insert of calls writes, in the order of [`call_args`].
const INSERT_COLUMNS: &str =
    "INSERT INTO api_calls (store_id, api_key, at, direction, method, path, status, duration_us, \
    correlation_id, order_id, request_body, response_body, kind, request_headers, response_headers) ";
const CALL_COLUMNS: usize = 15;

fn kind_of(c: &ApiCall) -> &str {
    if c.kind.is_empty() {
        "api"
    } else {
        c.kind.as_str()
    }
}

/// One call's values for SQLite's deferred insert.
fn call_args(c: &ApiCall) -> [Arg; CALL_COLUMNS] {
    [
        Arg::from(&c.store_id),
        Arg::from(&c.api_key),
        Arg::from(c.at),
        Arg::from(&c.direction),
        Arg::from(&c.method),
        Arg::from(&c.path),
        Arg::from(c.status),
        Arg::from(c.duration_us),
        Arg::from(&c.correlation_id),
        Arg::from(&c.order_id),
        Arg::from(&c.request_body),
        Arg::from(&c.response_body),
        Arg::from(kind_of(c)),
        Arg::from(&c.request_headers),
        Arg::from(&c.response_headers),
    ]
}

impl Tx {
    /// Inserts many calls in one statement. On SQLite the insert waits for the unit's
    /// commit (nothing reads its answer), so recording a batch is one trip to the writer.
    pub async fn insert_api_calls(&mut self, calls: &[ApiCall]) -> Result<()> {
        if calls.is_empty() {
            return Ok(());
        }
        if let Tx::Sqlite(t) = self {
            let mut sql = String::from(INSERT_COLUMNS);
            sql.push_str("VALUES ");
            let mut args = Vec::with_capacity(calls.len() * CALL_COLUMNS);
            for (i, c) in calls.iter().enumerate() {
                sql.push_str(if i == 0 { "(" } else { ", (" });
                for j in 1..=CALL_COLUMNS {
                    let sep = if j == 1 { "" } else { ", " };
                    let _ = write!(sql, "{sep}${}", i * CALL_COLUMNS + j);
                }
                sql.push(')');
                args.extend(call_args(c));
            }
            t.defer_varying(&sql, args);
            return Ok(());
        }
        on_tx!(self, c => {
            let mut q = sqlx::QueryBuilder::new(INSERT_COLUMNS);
            q.push_values(calls, |mut b, c| {
                b.push_bind(&c.store_id)
                    .push_bind(&c.api_key)
                    .push_bind(c.at)
                    .push_bind(&c.direction)
                    .push_bind(&c.method)
                    .push_bind(&c.path)
                    .push_bind(c.status)
                    .push_bind(c.duration_us)
                    .push_bind(&c.correlation_id)
                    .push_bind(&c.order_id)
                    .push_bind(&c.request_body)
                    .push_bind(&c.response_body)
                    .push_bind(kind_of(c))
                    .push_bind(&c.request_headers)
                    .push_bind(&c.response_headers);
            });
            // Not kept prepared: the text differs with the batch's size, and would push the
            // statements of the hot paths out of the connection's cache.
            q.build().persistent(false).execute(c).await.map(|r| r.rows_affected())
        })?;
        Ok(())
    }
}
