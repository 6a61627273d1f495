//! Account security: TOTP two-factor secrets, recovery codes, password resets.

use crate::audit::AuditEvent;
use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, Db, Result};

macro_rules! insert_recovery_codes {
    ($tx:expr, $user_id:expr, $hashes:expr, $now:expr) => {
        for hash in $hashes {
            sqlx::query("INSERT INTO recovery_codes (code_hash, user_id, created_at) VALUES ($1, $2, $3)")
                .bind(hash)
                .bind($user_id)
                .bind($now)
                .execute($tx)
                .await?;
        }
    };
}

impl Db {
    /// Keeps a secret being set up (shown to the user, not yet confirmed), or clears it.
    pub async fn set_totp_pending(&self, user_id: i64, secret: Option<&str>, now: i64) -> Result<()> {
        let sql = "UPDATE users SET totp_pending_secret = $2, updated_at = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(secret).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn totp_pending(&self, user_id: i64) -> Result<Option<String>> {
        let sql = "SELECT totp_pending_secret FROM users WHERE id = $1";
        Ok(
            on_pool!(self, p => sqlx::query_scalar::<_, Option<String>>(sql).bind(user_id).fetch_optional(p).await)?
                .flatten(),
        )
    }

    /// Turns two-factor on with the pending secret `secret` (confirmed by a code) and stores
    /// the recovery codes' hashes. False if the pending secret changed meanwhile.
    pub async fn enable_two_factor(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_code_hashes: &[String],
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let enable = "UPDATE users SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
                      two_factor_enabled_at = $3, totp_last_step = $4, updated_at = $3 \
                      WHERE id = $1 AND totp_pending_secret = $2";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query(enable).bind(user_id).bind(secret).bind(now).bind(step).execute(&mut *tx).await?.rows_affected();
            if done != 1 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            insert_recovery_codes!(&mut *tx, user_id, recovery_code_hashes, now);
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(true)
        }
        .await)?)
    }

    /// Turns two-factor off: the secret, any set-up in progress and the recovery codes go,
    /// with the audit event, in one transaction. `end_sessions` also signs every session of
    /// the user out (the provider resetting a lost second factor). False, with nothing
    /// changed or recorded, when it was off already: of any number of concurrent calls,
    /// exactly one does it.
    pub async fn disable_two_factor(
        &self,
        user_id: i64,
        end_sessions: bool,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<bool> {
        let disable = "UPDATE users SET totp_secret = NULL, totp_pending_secret = NULL, two_factor_enabled_at = NULL, \
                       updated_at = $2 WHERE id = $1 AND totp_secret IS NOT NULL";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query(disable).bind(user_id).bind(now).execute(&mut *tx).await?.rows_affected();
            if done != 1 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            if end_sessions {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(true)
        }
        .await)?)
    }

    /// New recovery codes; the old ones stop working.
    pub async fn replace_recovery_codes(
        &self,
        user_id: i64,
        code_hashes: &[String],
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<()> {
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            insert_recovery_codes!(&mut *tx, user_id, code_hashes, now);
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// Uses a recovery code up; false if it is not one of the user's unused codes.
    pub async fn use_recovery_code(&self, user_id: i64, code_hash: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(code_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    pub async fn unused_recovery_codes(&self, user_id: i64) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(user_id).fetch_one(p).await)?)
    }

    /// Accepts a TOTP code's time step once: false if this or a later step was already used,
    /// so an observed code cannot be replayed.
    pub async fn accept_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let sql = "UPDATE users SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2";
        let done = on_writer!(self, p => sqlx::query(sql).bind(user_id).bind(step).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// A password reset by email: the new password, the lockout lifted, every session ended
    /// and every other reset link retired, with its audit event, in one transaction.
    pub async fn reset_password(
        &self,
        user_id: i64,
        password_hash: &str,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<()> {
        let set = "UPDATE users SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1";
        let retire =
            "UPDATE user_tokens SET used_at = $2 WHERE user_id = $1 AND purpose = 'password_reset' AND used_at IS NULL";
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(set).bind(user_id).bind(password_hash).bind(now).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query(retire).bind(user_id).bind(now).execute(&mut *tx).await?;
            crate::audit::insert_audit!(&mut *tx, audit, now);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }
}
