//! One-time tokens sent by email (invitations, password resets, magic links) and the short
//! challenge between password and second factor. Only a SHA-256 of each token is stored, and
//! using one is a single atomic UPDATE, so a token works once even when two requests race.

use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, Db, Result};

/// Inserts a token row inside a transaction (`$tx` is an executor).
macro_rules! insert_token {
    ($tx:expr, $hash:expr, $user_id:expr, $purpose:expr, $now:expr, $expires:expr) => {
        sqlx::query(
            "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind($hash)
        .bind($user_id)
        .bind($purpose)
        .bind($now)
        .bind($expires)
        .execute($tx)
        .await?
    };
}

/// What a token is for; stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    Invitation,
    PasswordReset,
    MagicLink,
    SignInChallenge,
}

impl TokenPurpose {
    pub fn code(self) -> &'static str {
        match self {
            TokenPurpose::Invitation => "invitation",
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::MagicLink => "magic_link",
            TokenPurpose::SignInChallenge => "sign_in_challenge",
        }
    }
}

impl Db {
    /// Stores a new token, first retiring every unused token of the same purpose for that
    /// user: only the newest link works.
    pub async fn replace_token(
        &self,
        user_id: i64,
        purpose: TokenPurpose,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let retire = "UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(retire).bind(user_id).bind(purpose.code()).bind(now).execute(&mut *tx).await?;
            insert_token!(&mut *tx, token_hash, user_id, purpose.code(), now, expires_at);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// The user a token belongs to, if it is unused and unexpired. Does not use it up.
    pub async fn token_user(&self, token_hash: &str, purpose: TokenPurpose, now: i64) -> Result<Option<i64>> {
        let sql = "SELECT user_id FROM user_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(token_hash)
            .bind(purpose.code())
            .bind(now)
            .fetch_optional(p)
            .await)?)
    }

    /// Uses a token up and returns its user; `None` if it was unknown, used or expired.
    pub async fn consume_token(&self, token_hash: &str, purpose: TokenPurpose, now: i64) -> Result<Option<i64>> {
        let sql = "UPDATE user_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING user_id";
        Ok(on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(token_hash)
            .bind(purpose.code())
            .bind(now)
            .fetch_optional(p)
            .await)?)
    }

    /// Retires every unused token of a purpose for a user (e.g. all reset links after a reset).
    pub async fn retire_tokens(&self, user_id: i64, purpose: TokenPurpose, now: i64) -> Result<()> {
        let sql = "UPDATE user_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(purpose.code()).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether a token of this purpose was issued to the user at or after `since`, so that
    /// emailed links can be rate-limited per account.
    pub async fn token_issued_since(&self, user_id: i64, purpose: TokenPurpose, since: i64) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM user_tokens WHERE user_id = $1 AND purpose = $2 AND created_at >= $3";
        let n = on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(user_id)
            .bind(purpose.code())
            .bind(since)
            .fetch_one(p)
            .await)?;
        Ok(n > 0)
    }
}
