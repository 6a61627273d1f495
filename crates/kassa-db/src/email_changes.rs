//! Email changes: a request stores SHA-256s of two emailed tokens, one that applies the
//! change (sent to the new address) and one that cancels it (sent to the old). Applying is one
//! transaction: the token used up, the address changed — the unique index on `users.email`
//! decides between two accounts that want the same address — the user's other sessions and
//! emailed links ended, and the audit event written.

use crate::audit::insert_audit;
use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, AuditEvent, Db, Result};

/// A new email change request.
#[derive(Debug, Clone)]
pub struct NewEmailChange<'a> {
    pub token_hash: &'a str,
    pub cancel_hash: &'a str,
    pub user_id: i64,
    pub old_email: &'a str,
    pub new_email: &'a str,
    pub expires_at: i64,
    /// Another account has the new address: the request is recorded (it counts towards the
    /// user's limit) already used up, and a pending one stays.
    pub taken: bool,
}

/// A pending email change (unused, unexpired).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailChangeRow {
    pub user_id: i64,
    pub old_email: String,
    pub new_email: String,
    pub created_at: i64,
    pub expires_at: i64,
}

/// What opening a confirmation link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChangeApplied {
    Applied,
    /// Unknown, used, cancelled, replaced or expired — or the account's address changed since.
    Invalid,
    /// Another account has the address now; the link is used up.
    Taken,
}

impl Db {
    /// Stores a request, retiring the user's earlier pending one (only the newest link
    /// works), with its audit event.
    pub async fn create_email_change(&self, c: &NewEmailChange<'_>, audit: &AuditEvent<'_>, now: i64) -> Result<()> {
        let retire =
            "UPDATE email_changes SET used_at = $2, outcome = 'replaced' WHERE user_id = $1 AND used_at IS NULL";
        let insert = "INSERT INTO email_changes (token_hash, cancel_hash, user_id, old_email, new_email, created_at, expires_at, used_at, outcome) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        let (used_at, outcome) = if c.taken {
            (Some(now), Some("taken"))
        } else {
            (None, None)
        };
        on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            if !c.taken {
                sqlx::query(retire).bind(c.user_id).bind(now).execute(&mut *tx).await?;
            }
            sqlx::query(insert)
                .bind(c.token_hash)
                .bind(c.cancel_hash)
                .bind(c.user_id)
                .bind(c.old_email)
                .bind(c.new_email)
                .bind(now)
                .bind(c.expires_at)
                .bind(used_at)
                .bind(outcome)
                .execute(&mut *tx)
                .await?;
            insert_audit!(&mut *tx, audit, now);
            tx.commit().await
        }
        .await)?;
        Ok(())
    }

    /// The pending change of a confirmation token.
    pub async fn pending_email_change(&self, token_hash: &str, now: i64) -> Result<Option<EmailChangeRow>> {
        let sql = "SELECT user_id, old_email, new_email, created_at, expires_at FROM email_changes \
                   WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, EmailChangeRow>(sql).bind(token_hash).bind(now).fetch_optional(p).await)?,
        )
    }

    /// The pending change of a cancel token.
    pub async fn pending_email_change_by_cancel(&self, cancel_hash: &str, now: i64) -> Result<Option<EmailChangeRow>> {
        let sql = "SELECT user_id, old_email, new_email, created_at, expires_at FROM email_changes \
                   WHERE cancel_hash = $1 AND used_at IS NULL AND expires_at > $2";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, EmailChangeRow>(sql).bind(cancel_hash).bind(now).fetch_optional(p).await)?,
        )
    }

    /// The user's newest pending change, if any.
    pub async fn pending_email_change_of(&self, user_id: i64, now: i64) -> Result<Option<EmailChangeRow>> {
        let sql = "SELECT user_id, old_email, new_email, created_at, expires_at FROM email_changes \
                   WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 ORDER BY created_at DESC LIMIT 1";
        Ok(
            on_pool!(self, p => sqlx::query_as::<_, EmailChangeRow>(sql).bind(user_id).bind(now).fetch_optional(p).await)?,
        )
    }

    /// How many changes the user requested at or after `since` (for the rate limit).
    pub async fn email_changes_since(&self, user_id: i64, since: i64) -> Result<i64> {
        let sql = "SELECT COUNT(*) FROM email_changes WHERE user_id = $1 AND created_at >= $2";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, i64>(sql).bind(user_id).bind(since).fetch_one(p).await)?)
    }

    /// Applies the change of a confirmation token, at most once. Every session of the user
    /// but `keep_session` ends and their unused reset and sign-in links stop working.
    pub async fn apply_email_change(
        &self,
        token_hash: &str,
        keep_session: Option<&str>,
        audit: &AuditEvent<'_>,
        now: i64,
    ) -> Result<EmailChangeApplied> {
        let consume = "UPDATE email_changes SET used_at = $2, outcome = 'applied' \
                       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 \
                       RETURNING user_id, old_email, new_email";
        let change = "UPDATE users SET email = $3, updated_at = $4 WHERE id = $1 AND email = $2";
        let sessions = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
        let links = "UPDATE user_tokens SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL \
                     AND purpose IN ('password_reset', 'magic_link')";
        let give_up = "UPDATE email_changes SET used_at = $2, outcome = $3 WHERE token_hash = $1 AND used_at IS NULL";
        let keep = keep_session.unwrap_or("");
        let outcome = on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let Some((user_id, old, new)) = sqlx::query_as::<_, (i64, String, String)>(consume)
                .bind(token_hash)
                .bind(now)
                .fetch_optional(&mut *tx)
                .await?
            else {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(EmailChangeApplied::Invalid);
            };
            let changed = sqlx::query(change).bind(user_id).bind(&old).bind(&new).bind(now).execute(&mut *tx).await;
            let failed = match changed {
                Ok(r) if r.rows_affected() == 1 => None,
                Ok(_) => Some(("replaced", EmailChangeApplied::Invalid)),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Some(("taken", EmailChangeApplied::Taken)),
                Err(e) => return Err(e),
            };
            if let Some((code, answer)) = failed {
                tx.rollback().await?;
                sqlx::query(give_up).bind(token_hash).bind(now).bind(code).execute(p).await?;
                return Ok(answer);
            }
            sqlx::query(sessions).bind(user_id).bind(keep).execute(&mut *tx).await?;
            sqlx::query(links).bind(user_id).bind(now).execute(&mut *tx).await?;
            insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(EmailChangeApplied::Applied)
        }
        .await)?;
        Ok(outcome)
    }

    /// Cancels the pending change of a cancel token; true if there was one.
    pub async fn cancel_email_change(&self, cancel_hash: &str, audit: &AuditEvent<'_>, now: i64) -> Result<bool> {
        let sql = "UPDATE email_changes SET used_at = $2, outcome = 'cancelled' \
                   WHERE cancel_hash = $1 AND used_at IS NULL AND expires_at > $2";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query(sql).bind(cancel_hash).bind(now).execute(&mut *tx).await?.rows_affected();
            if done != 1 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            insert_audit!(&mut *tx, audit, now);
            tx.commit().await?;
            Ok(true)
        }
        .await)?)
    }
}
