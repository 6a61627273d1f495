//! `Klarna-Idempotency-Key`: the first request with a key claims it; its response is saved
//! (inside the same transaction as its effect, when it has one) and replayed to retries for
//! 24 hours.

use crate::deferred::write_later;
use crate::{on_pool, on_writer, Db, Result, Tx};

/// How long a key and its response are kept.
pub const IDEMPOTENCY_TTL_MS: i64 = 24 * 3600 * 1000;
/// A claim still `running` after this long belongs to a process that died mid-request; its
/// effect, had it committed, would have completed the claim in the same transaction.
pub const ABANDONED_AFTER_MS: i64 = 5 * 60 * 1000;

/// A response saved for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedResponse {
    pub status: i64,
    /// JSON object of header name → value.
    pub headers: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request owns the key: run it.
    Fresh,
    /// The key was used before for this request: send the saved response.
    Replay(SavedResponse),
    /// The key was used with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    state: String,
    response_status: Option<i64>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: i64,
}

impl Db {
    pub async fn claim_idempotency_key(
        &self,
        store_id: &str,
        key: &str,
        request_hash: &str,
        now: i64,
    ) -> Result<Claim> {
        let insert = "INSERT INTO idempotency_keys (store_id, idempotency_key, request_hash, state, created_at) \
                      VALUES ($1, $2, $3, 'running', $4) ON CONFLICT (store_id, idempotency_key) DO NOTHING";
        let inserted = on_writer!(self, p => sqlx::query(insert).bind(store_id).bind(key).bind(request_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        if inserted == 1 {
            return Ok(Claim::Fresh);
        }
        let select = "SELECT request_hash, state, response_status, response_headers, response_body, created_at \
                      FROM idempotency_keys WHERE store_id = $1 AND idempotency_key = $2";
        let Some(row) =
            on_pool!(self, p => sqlx::query_as::<_, KeyRow>(select).bind(store_id).bind(key).fetch_optional(p).await)?
        else {
            // Purged between the two statements: try once more.
            return Box::pin(self.claim_idempotency_key(store_id, key, request_hash, now)).await;
        };
        let expired = row.created_at <= now - IDEMPOTENCY_TTL_MS;
        let abandoned = row.state == "running" && row.created_at <= now - ABANDONED_AFTER_MS;
        if expired || abandoned {
            // Take the stale key over, but only if nobody else just did (same created_at).
            let retake = "UPDATE idempotency_keys SET request_hash = $3, state = 'running', response_status = NULL, \
                          response_headers = NULL, response_body = NULL, created_at = $4 \
                          WHERE store_id = $1 AND idempotency_key = $2 AND created_at = $5";
            let taken = on_writer!(self, p => sqlx::query(retake)
                .bind(store_id).bind(key).bind(request_hash).bind(now).bind(row.created_at)
                .execute(p).await.map(|r| r.rows_affected()))?;
            return Ok(if taken == 1 { Claim::Fresh } else { Claim::InProgress });
        }
        if row.request_hash != request_hash {
            return Ok(Claim::Mismatch);
        }
        match (
            row.state.as_str(),
            row.response_status,
            row.response_headers,
            row.response_body,
        ) {
            ("done", Some(status), Some(headers), Some(body)) => {
                Ok(Claim::Replay(SavedResponse { status, headers, body }))
            }
            _ => Ok(Claim::InProgress),
        }
    }

    /// Saves the response of a request that had no transaction of its own (reads, refusals).
    pub async fn complete_idempotency_key(&self, store_id: &str, key: &str, response: &SavedResponse) -> Result<()> {
        on_writer!(self, p => sqlx::query(COMPLETE)
            .bind(store_id).bind(key).bind(response.status).bind(&response.headers).bind(&response.body)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives a key up after a failure that had no effect (a 5xx), so a retry can run.
    pub async fn release_idempotency_key(&self, store_id: &str, key: &str) -> Result<()> {
        let sql = "DELETE FROM idempotency_keys WHERE store_id = $1 AND idempotency_key = $2 AND state = 'running'";
        on_writer!(self, p => sqlx::query(sql).bind(store_id).bind(key).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives up the claim made at `claimed_at` (the `now` given to
    /// [`Db::claim_idempotency_key`]) and no later one: a release retried after an outage
    /// never removes the claim of a retry that ran since.
    pub async fn release_idempotency_claim(&self, store_id: &str, key: &str, claimed_at: i64) -> Result<()> {
        let sql = "DELETE FROM idempotency_keys \
                   WHERE store_id = $1 AND idempotency_key = $2 AND state = 'running' AND created_at = $3";
        on_writer!(self, p => sqlx::query(sql).bind(store_id).bind(key).bind(claimed_at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn purge_idempotency_keys(&self, now: i64) -> Result<u64> {
        let sql = "DELETE FROM idempotency_keys WHERE created_at <= $1";
        let done = on_writer!(self, p => sqlx::query(sql).bind(now - IDEMPOTENCY_TTL_MS).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}

const COMPLETE: &str =
    "UPDATE idempotency_keys SET state = 'done', response_status = $3, response_headers = $4, response_body = $5 \
                        WHERE store_id = $1 AND idempotency_key = $2";

impl Tx {
    /// Saves the response in the transaction that makes the effect, so the two commit
    /// together or not at all.
    pub async fn complete_idempotency_key(
        &mut self,
        store_id: &str,
        key: &str,
        response: &SavedResponse,
    ) -> Result<()> {
        write_later!(
            self,
            COMPLETE,
            [store_id, key, response.status, &response.headers, &response.body]
        )?;
        Ok(())
    }
}
