use crate::{on_pool, on_writer, Db, Result};

/// A signed-in browser. The cookie holds a random token; only its hash is stored, so a copy
/// of the database does not let anyone sign in.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub store_id: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// One of a user's sessions as their session list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserSessionRow {
    pub token_hash: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub store_id: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

impl Db {
    pub async fn create_session(&self, s: &NewSession<'_>, now: i64) -> Result<()> {
        let sql = "INSERT INTO sessions (token_hash, user_id, csrf_token, store_id, ip, user_agent, created_at, last_seen_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
        on_writer!(self, p => sqlx::query(sql)
            .bind(s.token_hash)
            .bind(s.user_id)
            .bind(s.csrf_token)
            .bind(s.store_id)
            .bind(s.ip)
            .bind(s.user_agent)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        let sql = "SELECT token_hash, user_id, csrf_token, store_id, created_at, last_seen_at FROM sessions WHERE token_hash = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, SessionRow>(sql).bind(token_hash).fetch_optional(p).await)?)
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<()> {
        let sql = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2";
        on_writer!(self, p => sqlx::query(sql).bind(token_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_session_store(&self, token_hash: &str, store_id: &str) -> Result<()> {
        let sql = "UPDATE sessions SET store_id = $2 WHERE token_hash = $1";
        on_writer!(self, p => sqlx::query(sql).bind(token_hash).bind(store_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_writer!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every session of a user, most recently used first (dead ones included: the caller
    /// knows the lifetimes).
    pub async fn sessions_of_user(&self, user_id: i64) -> Result<Vec<UserSessionRow>> {
        let sql = "SELECT token_hash, ip, user_agent, created_at, last_seen_at FROM sessions \
                   WHERE user_id = $1 ORDER BY last_seen_at DESC, created_at DESC";
        Ok(on_pool!(self, p => sqlx::query_as::<_, UserSessionRow>(sql).bind(user_id).fetch_all(p).await)?)
    }

    /// Ends one session of a user; false if the user has no such session.
    pub async fn delete_session_of_user(&self, user_id: i64, token_hash: &str) -> Result<bool> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Ends every session of a user but `keep`; returns how many ended.
    pub async fn delete_other_sessions(&self, user_id: i64, keep: &str) -> Result<u64> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(keep).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    /// Ends every session of a user (deactivation, password change, access expiry).
    pub async fn delete_sessions_of_user(&self, user_id: i64) -> Result<u64> {
        let done = on_writer!(self, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }

    /// Removes sessions that can no longer be used (idle or past their absolute lifetime).
    pub async fn purge_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64> {
        let sql = "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2";
        let done = on_writer!(self, p => sqlx::query(sql).bind(idle_before).bind(created_before).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done)
    }
}
