//! Recorded merchant API calls (Developer Logs), written in batches off the request path.

use crate::key_usage::{add_key_usage_in, KeyUsage};
use crate::{on_pool, Db, Result, Tx};

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
    /// Inserts calls in one transaction.
    pub async fn insert_api_calls(&self, calls: &[ApiCall]) -> Result<()> {
        self.record_api_calls(calls, &[]).await
    }

    /// Inserts a batch of recorded calls and adds the batch's per-key counters in one
    /// transaction: one commit a batch, and on SQLite one unit of the writer's group commit
    /// (so the batch joins the captures' transaction instead of waiting for it to end).
    pub async fn record_api_calls(&self, calls: &[ApiCall], usage: &[KeyUsage]) -> Result<()> {
        if calls.is_empty() && usage.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        insert_calls_in(&mut tx, calls).await?;
        add_key_usage_in(&mut tx, usage).await?;
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

const INSERT: &str = "INSERT INTO api_calls (store_id, api_key, at, direction, method, path, status, duration_us, \
     correlation_id, order_id, request_body, response_body, kind, request_headers, response_headers) ";

/// The kind as stored: `api` unless set.
fn kind_of(c: &ApiCall) -> &str {
    if c.kind.is_empty() {
        "api"
    } else {
        c.kind.as_str()
    }
}

/// Inserts `calls` in their order (ids follow it). The statement's text is the same for any
/// batch size, so each connection prepares it once: on SQLite one row a statement (in
/// process, a prepared statement run again costs next to nothing), on PostgreSQL the batch
/// as one array a column, unnested. A VALUES list of the batch's size was a new statement for
/// every size, parsed and planned again and again (up to 7,500 parameters).
async fn insert_calls_in(tx: &mut Tx, calls: &[ApiCall]) -> Result<()> {
    if calls.is_empty() {
        return Ok(());
    }
    match tx {
        Tx::Sqlite(t) => {
            let sql = format!("{INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)");
            for c in calls {
                sqlx::query(&sql)
                    .bind(&c.store_id)
                    .bind(&c.api_key)
                    .bind(c.at)
                    .bind(&c.direction)
                    .bind(&c.method)
                    .bind(&c.path)
                    .bind(c.status)
                    .bind(c.duration_us)
                    .bind(&c.correlation_id)
                    .bind(&c.order_id)
                    .bind(&c.request_body)
                    .bind(&c.response_body)
                    .bind(kind_of(c))
                    .bind(&c.request_headers)
                    .bind(&c.response_headers)
                    .execute(&mut **t)
                    .await?;
            }
        }
        Tx::Postgres(t) => {
            let sql = format!(
                "{INSERT} SELECT * FROM UNNEST(CAST($1 AS TEXT[]), CAST($2 AS TEXT[]), CAST($3 AS BIGINT[]), \
                 CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]), CAST($7 AS BIGINT[]), \
                 CAST($8 AS BIGINT[]), CAST($9 AS TEXT[]), CAST($10 AS TEXT[]), CAST($11 AS TEXT[]), \
                 CAST($12 AS TEXT[]), CAST($13 AS TEXT[]), CAST($14 AS TEXT[]), CAST($15 AS TEXT[]))"
            );
            let text = |f: fn(&ApiCall) -> &str| calls.iter().map(f).collect::<Vec<&str>>();
            let opt = |f: fn(&ApiCall) -> Option<&str>| calls.iter().map(f).collect::<Vec<Option<&str>>>();
            let int = |f: fn(&ApiCall) -> i64| calls.iter().map(f).collect::<Vec<i64>>();
            sqlx::query(&sql)
                .bind(text(|c| &c.store_id))
                .bind(text(|c| &c.api_key))
                .bind(int(|c| c.at))
                .bind(text(|c| &c.direction))
                .bind(text(|c| &c.method))
                .bind(text(|c| &c.path))
                .bind(int(|c| c.status))
                .bind(int(|c| c.duration_us))
                .bind(text(|c| &c.correlation_id))
                .bind(opt(|c| c.order_id.as_deref()))
                .bind(opt(|c| c.request_body.as_deref()))
                .bind(opt(|c| c.response_body.as_deref()))
                .bind(text(kind_of))
                .bind(opt(|c| c.request_headers.as_deref()))
                .bind(opt(|c| c.response_headers.as_deref()))
                .execute(&mut **t)
                .await?;
        }
    }
    Ok(())
}
