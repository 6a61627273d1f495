//! Which platform calls with which API key: a counter row per key and platform, added to once
//! per batch of recorded calls, with the batch (by the API-call writer, off the request path).

use crate::deferred::write_later;
use crate::{on_pool, Db, Result, Tx};

/// Calls of one key from one platform within one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    pub username: String,
    /// A `kassa_core::platform::Platform` code.
    pub platform: String,
    pub calls: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    /// The newest User-Agent of the batch.
    pub last_agent: String,
}

/// One key's calls from one platform, all time.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyPlatformRow {
    pub username: String,
    pub platform: String,
    pub calls: i64,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_agent: String,
}

impl Db {
    /// The platforms that called with the keys of a store, newest first.
    pub async fn key_platforms_of_store(&self, store_id: &str) -> Result<Vec<KeyPlatformRow>> {
        let sql = "SELECT p.username, p.platform, p.calls, p.first_seen, p.last_seen, p.last_agent \
                   FROM api_key_platforms p JOIN api_keys k ON k.username = p.username \
                   WHERE k.store_id = $1 ORDER BY p.last_seen DESC, p.username, p.platform";
        Ok(on_pool!(self, p => sqlx::query_as::<_, KeyPlatformRow>(sql).bind(store_id).fetch_all(p).await)?)
    }

    /// The platforms that called with the keys of every store of a merchant, newest first.
    pub async fn key_platforms_of_merchant(&self, merchant_id: i64) -> Result<Vec<KeyPlatformRow>> {
        let sql = "SELECT p.username, p.platform, p.calls, p.first_seen, p.last_seen, p.last_agent \
                   FROM api_key_platforms p JOIN api_keys k ON k.username = p.username \
                   JOIN stores s ON s.id = k.store_id \
                   WHERE s.merchant_id = $1 ORDER BY p.last_seen DESC, p.username, p.platform";
        Ok(on_pool!(self, p => sqlx::query_as::<_, KeyPlatformRow>(sql).bind(merchant_id).fetch_all(p).await)?)
    }
}

impl Tx {
    /// Adds a batch's counts: one upsert per key and platform.
    pub async fn add_key_usage(&mut self, usage: &[KeyUsage]) -> Result<()> {
        let sql = "INSERT INTO api_key_platforms (username, platform, calls, first_seen, last_seen, last_agent) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (username, platform) DO UPDATE SET \
                   calls = api_key_platforms.calls + excluded.calls, \
                   first_seen = CASE WHEN excluded.first_seen < api_key_platforms.first_seen \
                                THEN excluded.first_seen ELSE api_key_platforms.first_seen END, \
                   last_agent = CASE WHEN excluded.last_seen >= api_key_platforms.last_seen \
                                THEN excluded.last_agent ELSE api_key_platforms.last_agent END, \
                   last_seen = CASE WHEN excluded.last_seen > api_key_platforms.last_seen \
                               THEN excluded.last_seen ELSE api_key_platforms.last_seen END";
        for u in usage {
            write_later!(
                self,
                sql,
                [
                    &u.username,
                    &u.platform,
                    u.calls,
                    u.first_seen,
                    u.last_seen,
                    &u.last_agent
                ]
            )?;
        }
        Ok(())
    }
}
