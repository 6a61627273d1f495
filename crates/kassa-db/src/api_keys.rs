//! Merchant API credentials. Only a keyed hash of each secret is stored.

use crate::{on_pool, on_tx, on_writer, Db, DbError, Result};
use kassa_core::store_settings::MerchantStatus;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a key read for a call is used for later calls before it is read again. A key
/// revoked or disabled, or a merchant suspended, in another process is refused by every
/// process within this time; in the process (the `Db` handle) that made the change, at once.
pub const KEY_CACHE_TTL: Duration = Duration::from_millis(500);
/// Entries held at most; past it the cache starts over.
const KEY_CACHE_MAX: usize = 10_000;

/// Keys read for API calls, by username or by keyed hash, shared by a handle's clones.
#[derive(Default)]
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<String, (Instant, u64, ApiKeyRow)>>,
    /// Bumped by every change to a key's or its merchant's standing made through this
    /// handle; an entry read under an older generation is not used.
    generation: AtomicU64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: i64,
    pub store_id: String,
    pub username: String,
    pub secret_hash: String,
    pub prefix: String,
    pub name: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Set by the job that disables keys unused for 60 days; cleared when enabled again.
    pub disabled_at: Option<i64>,
    /// When the key was last enabled again after being disabled.
    pub enabled_at: Option<i64>,
    /// `live` or `playground`, from the store.
    pub environment: String,
    /// The standing of the store's merchant: a suspended merchant's keys are refused.
    #[sqlx(try_from = "String")]
    pub merchant_status: MerchantStatus,
    pub merchant_id: i64,
}

const COLUMNS: &str = "k.id, k.store_id, k.username, k.secret_hash, k.prefix, k.name, k.created_by, k.created_at, \
                       k.last_used_at, k.revoked_at, k.disabled_at, k.enabled_at, s.environment, \
                       m.status AS merchant_status, s.merchant_id";

/// The keys with their store and its merchant.
const FROM: &str = "api_keys k JOIN stores s ON s.id = k.store_id JOIN merchants m ON m.id = s.merchant_id";

#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    pub store_id: &'a str,
    pub username: &'a str,
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    pub name: &'a str,
    pub created_by: &'a str,
}

impl crate::Tx {
    /// Creates a key in this transaction (with its audit event); returns its id.
    pub async fn create_api_key(&mut self, k: &NewApiKey<'_>, now: i64) -> Result<i64> {
        let sql = "INSERT INTO api_keys (store_id, username, secret_hash, prefix, name, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        on_tx!(self, c => sqlx::query_scalar::<_, i64>(sql)
            .bind(k.store_id).bind(k.username).bind(k.secret_hash).bind(k.prefix).bind(k.name).bind(k.created_by).bind(now)
            .fetch_one(c).await)
        .map_err(|e| DbError::from_insert(e, format!("API key {}", k.username)))
    }

    /// Revokes a key for good; whether this call revoked it (false: it already was).
    pub async fn revoke_api_key(&mut self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
        let done = on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Enables a disabled (not revoked) key again; whether this call enabled it.
    pub async fn enable_api_key(&mut self, id: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE api_keys SET disabled_at = NULL, enabled_at = $2 \
                   WHERE id = $1 AND disabled_at IS NOT NULL AND revoked_at IS NULL";
        let done = on_tx!(self, c => sqlx::query(sql).bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Disables a key if it is still active and idle since `cutoff` (a call or a re-enabling
    /// in the meantime keeps it); whether this call disabled it.
    pub async fn disable_idle_api_key(&mut self, id: i64, cutoff: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE api_keys SET disabled_at = $3 WHERE id = $1 AND revoked_at IS NULL AND disabled_at IS NULL \
                   AND created_at < $2 AND (last_used_at IS NULL OR last_used_at < $2) \
                   AND (enabled_at IS NULL OR enabled_at < $2)";
        let done = on_tx!(self, c => sqlx::query(sql).bind(id).bind(cutoff).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}

impl Db {
    pub async fn create_api_key(&self, k: &NewApiKey<'_>, now: i64) -> Result<i64> {
        let sql = "INSERT INTO api_keys (store_id, username, secret_hash, prefix, name, created_by, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(k.store_id).bind(k.username).bind(k.secret_hash).bind(k.prefix).bind(k.name).bind(k.created_by).bind(now)
            .fetch_one(p).await)
        .map_err(|e| DbError::from_insert(e, format!("API key {}", k.username)))
    }

    pub async fn api_key(&self, username: &str) -> Result<Option<ApiKeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE k.username = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(username).fetch_optional(p).await)?)
    }

    /// The key whose secret has this keyed hash (for callers that send the key alone).
    pub async fn api_key_by_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE k.secret_hash = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(secret_hash).fetch_optional(p).await)?)
    }

    /// Keys of one store (or all stores), newest first.
    pub async fn api_keys(&self, store_id: Option<&str>) -> Result<Vec<ApiKeyRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} \
             WHERE (CAST($1 AS TEXT) IS NULL OR k.store_id = $1) ORDER BY k.id DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(store_id).fetch_all(p).await)?)
    }

    /// Keys of every store of one merchant, newest first (the back office's view).
    pub async fn api_keys_of_merchant(&self, merchant_id: i64) -> Result<Vec<ApiKeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE s.merchant_id = $1 ORDER BY k.id DESC");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(merchant_id).fetch_all(p).await)?)
    }

    /// Revokes a key; returns whether a live key was revoked.
    pub async fn revoke_api_key(&self, username: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE api_keys SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL";
        let done = on_writer!(self, p => sqlx::query(sql).bind(username).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        self.forget_api_keys();
        Ok(done == 1)
    }

    /// One key by its id.
    pub async fn api_key_by_id(&self, id: i64) -> Result<Option<ApiKeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE k.id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Active keys with no creation, call or re-enabling since `cutoff`: the ones the 60-day
    /// job disables.
    pub async fn idle_api_keys(&self, cutoff: i64) -> Result<Vec<ApiKeyRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE k.revoked_at IS NULL AND k.disabled_at IS NULL \
             AND k.created_at < $1 AND (k.last_used_at IS NULL OR k.last_used_at < $1) \
             AND (k.enabled_at IS NULL OR k.enabled_at < $1) ORDER BY k.id"
        );
        Ok(on_writer!(self, p => sqlx::query_as::<_, ApiKeyRow>(&sql).bind(cutoff).fetch_all(p).await)?)
    }

    pub async fn touch_api_key(&self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE api_keys SET last_used_at = $2 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        let mut entries = self.keys.entries.lock().expect("key cache lock");
        for (_, _, row) in entries.values_mut().filter(|(_, _, row)| row.id == id) {
            row.last_used_at = Some(now);
        }
        Ok(())
    }

    /// The key an API call names, by username, or by the keyed hash of its secret when the
    /// call sends the secret alone; read at most every [`KEY_CACHE_TTL`] (the caller checks
    /// the secret and the key's standing on every call).
    pub async fn api_key_for_call(&self, username: Option<&str>, secret_hash: &str) -> Result<Option<ApiKeyRow>> {
        let lookup = match username {
            Some(u) => format!("u:{u}"),
            None => format!("h:{secret_hash}"),
        };
        let generation = self.keys.generation.load(Ordering::Acquire);
        if let Some((at, seen, row)) = self.keys.entries.lock().expect("key cache lock").get(&lookup) {
            if *seen == generation && at.elapsed() < KEY_CACHE_TTL {
                return Ok(Some(row.clone()));
            }
        }
        let read_at = Instant::now();
        let row = match username {
            Some(u) => self.api_key(u).await?,
            None => self.api_key_by_hash(secret_hash).await?,
        };
        let mut entries = self.keys.entries.lock().expect("key cache lock");
        match &row {
            // Unknown keys are not kept: a key created in another process works at once.
            None => {
                entries.remove(&lookup);
            }
            Some(row) if self.keys.generation.load(Ordering::Acquire) == generation => {
                if entries.len() >= KEY_CACHE_MAX {
                    entries.clear();
                }
                entries.insert(lookup, (read_at, generation, row.clone()));
            }
            Some(_) => {}
        }
        Ok(row)
    }

    /// Drops every key read for calls, so a change just committed through this handle (a
    /// key revoked, disabled or enabled, a merchant suspended) holds from the next call.
    pub fn forget_api_keys(&self) {
        self.keys.generation.fetch_add(1, Ordering::AcqRel);
        self.keys.entries.lock().expect("key cache lock").clear();
    }
}
