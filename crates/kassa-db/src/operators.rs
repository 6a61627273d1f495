//! The back office's own realm: operators (provider staff), their sessions, and the
//! provider-wide policies. Nothing here touches merchant users or their sessions.

use crate::connect::BeginWrite;
use crate::{on_pool, on_writer, Db, DbError, Result};
use kassa_core::ops_access::OperatorRole;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OperatorRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub role: OperatorRole,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_pending_secret: Option<String>,
    pub language: String,
    pub theme: String,
    /// `active` or `deactivated`.
    pub status: String,
    pub locked_until: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
}

impl OperatorRow {
    pub fn active(&self) -> bool {
        self.status == "active"
    }
}

const OPERATOR_COLUMNS: &str =
    "id, email, name, role, password_hash, totp_secret, totp_pending_secret, language, theme, \
                                status, locked_until, last_sign_in_at, created_at";

#[derive(Debug, Clone)]
pub struct NewOperator<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: OperatorRole,
    pub password_hash: Option<&'a str>,
    pub language: &'a str,
}

/// Where an operator session stands: a password alone opens no page but the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorStage {
    /// Right password; the TOTP code is due.
    SecondFactor,
    /// Right password; the provider requires two-factor and the operator must set it up.
    Enrol,
    SignedIn,
}

impl OperatorStage {
    pub fn code(self) -> &'static str {
        match self {
            OperatorStage::SecondFactor => "second_factor",
            OperatorStage::Enrol => "enrol",
            OperatorStage::SignedIn => "signed_in",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown operator session stage {0:?}")]
pub struct UnknownStage(String);

impl TryFrom<String> for OperatorStage {
    type Error = UnknownStage;
    fn try_from(s: String) -> std::result::Result<Self, UnknownStage> {
        match s.as_str() {
            "second_factor" => Ok(OperatorStage::SecondFactor),
            "enrol" => Ok(OperatorStage::Enrol),
            "signed_in" => Ok(OperatorStage::SignedIn),
            _ => Err(UnknownStage(s)),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OperatorSessionRow {
    pub token_hash: String,
    pub operator_id: i64,
    pub csrf_token: String,
    #[sqlx(try_from = "String")]
    pub stage: OperatorStage,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// The provider's policy name for operator two-factor (`required`, the default, or `off`).
pub const OPERATOR_TWO_FACTOR: &str = "operator_two_factor";

impl Db {
    pub async fn create_operator(&self, o: &NewOperator<'_>, now: i64) -> Result<i64> {
        let sql = "INSERT INTO operators (email, name, role, password_hash, language, created_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id";
        on_writer!(self, p => sqlx::query_scalar::<_, i64>(sql)
            .bind(o.email)
            .bind(o.name)
            .bind(o.role.code())
            .bind(o.password_hash)
            .bind(o.language)
            .bind(now)
            .fetch_one(p)
            .await)
        .map_err(|e| DbError::from_insert(e, format!("operator {}", o.email)))
    }

    pub async fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE email = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, OperatorRow>(&sql).bind(email).fetch_optional(p).await)?)
    }

    pub async fn operator(&self, id: i64) -> Result<Option<OperatorRow>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = $1");
        Ok(on_pool!(self, p => sqlx::query_as::<_, OperatorRow>(&sql).bind(id).fetch_optional(p).await)?)
    }

    /// Every operator, by name.
    pub async fn operators(&self) -> Result<Vec<OperatorRow>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY name, id");
        Ok(on_pool!(self, p => sqlx::query_as::<_, OperatorRow>(&sql).fetch_all(p).await)?)
    }

    /// Changes an operator's role and standing, unless that would leave no active ops_admin.
    /// Changes are serialised on one lock row (the row lock on PostgreSQL, the write lock on
    /// SQLite), so two admins demoting each other at once cannot both succeed. `false` when
    /// refused or there is no such operator; a deactivated operator's sessions end with it.
    pub async fn set_operator_access(&self, id: i64, role: OperatorRole, active: bool, now: i64) -> Result<bool> {
        let status = if active { "active" } else { "deactivated" };
        let lock = "INSERT INTO provider_settings (name, value) VALUES ('operator_changes', '') \
                    ON CONFLICT (name) DO UPDATE SET value = provider_settings.value";
        let update = "UPDATE operators SET role = $2, status = $3, updated_at = $4 WHERE id = $1";
        let admins = "SELECT COUNT(*) FROM operators WHERE role = 'ops_admin' AND status = 'active'";
        let end_sessions = "DELETE FROM operator_sessions WHERE operator_id = $1";
        Ok(on_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(lock).execute(&mut *tx).await?;
            let changed = sqlx::query(update).bind(id).bind(role.code()).bind(status).bind(now).execute(&mut *tx).await?.rows_affected();
            let left: i64 = sqlx::query_scalar(admins).fetch_one(&mut *tx).await?;
            if changed != 1 || left == 0 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            if !active {
                sqlx::query(end_sessions).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(true)
        }.await)?)
    }

    pub async fn set_operator_password(&self, id: i64, hash: &str, now: i64) -> Result<()> {
        let sql = "UPDATE operators SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL, updated_at = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_operator_preferences(&self, id: i64, language: &str, theme: &str, now: i64) -> Result<()> {
        let sql = "UPDATE operators SET language = $2, theme = $3, updated_at = $4 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(language).bind(theme).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A completed sign-in: the failure count starts over.
    pub async fn record_operator_sign_in(&self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE operators SET failed_sign_ins = 0, locked_until = NULL, last_sign_in_at = $2, updated_at = $2 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Keeps a secret being set up until the operator proves it with a code.
    pub async fn set_operator_pending_totp(&self, id: i64, secret: Option<&str>, now: i64) -> Result<()> {
        let sql = "UPDATE operators SET totp_pending_secret = $2, updated_at = $3 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(secret).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Makes the pending secret the operator's second factor, accepting `step` as used.
    pub async fn enable_operator_totp(&self, id: i64, step: i64, now: i64) -> Result<bool> {
        let sql = "UPDATE operators SET totp_secret = totp_pending_secret, totp_pending_secret = NULL, \
                   totp_last_step = $2, updated_at = $3 WHERE id = $1 AND totp_pending_secret IS NOT NULL";
        let n = on_writer!(self, p => sqlx::query(sql).bind(id).bind(step).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Removes an operator's second factor (an ops_admin helping one who lost their phone).
    pub async fn reset_operator_totp(&self, id: i64, now: i64) -> Result<()> {
        let sql = "UPDATE operators SET totp_secret = NULL, totp_pending_secret = NULL, updated_at = $2 WHERE id = $1";
        on_writer!(self, p => sqlx::query(sql).bind(id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        self.delete_operator_sessions(id).await?;
        Ok(())
    }

    /// Accepts TOTP time step `step` once: a code seen before (or an older one) is refused.
    pub async fn accept_operator_totp_step(&self, id: i64, step: i64) -> Result<bool> {
        let sql = "UPDATE operators SET totp_last_step = $2 WHERE id = $1 AND totp_last_step < $2";
        let n =
            on_writer!(self, p => sqlx::query(sql).bind(id).bind(step).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_operator_session(
        &self,
        token_hash: &str,
        operator_id: i64,
        csrf: &str,
        stage: OperatorStage,
        ip: &str,
        user_agent: &str,
        now: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, stage, ip, user_agent, created_at, last_seen_at) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
        on_writer!(self, p => sqlx::query(sql)
            .bind(token_hash)
            .bind(operator_id)
            .bind(csrf)
            .bind(stage.code())
            .bind(ip)
            .bind(user_agent)
            .bind(now)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn operator_session(&self, token_hash: &str) -> Result<Option<OperatorSessionRow>> {
        let sql = "SELECT token_hash, operator_id, csrf_token, stage, created_at, last_seen_at FROM operator_sessions WHERE token_hash = $1";
        Ok(on_pool!(self, p => sqlx::query_as::<_, OperatorSessionRow>(sql).bind(token_hash).fetch_optional(p).await)?)
    }

    pub async fn touch_operator_session(&self, token_hash: &str, now: i64) -> Result<()> {
        let sql = "UPDATE operator_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2";
        on_writer!(self, p => sqlx::query(sql).bind(token_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Moves a session from `from` to `to`; `false` if it was not at `from` (a second tab
    /// finished first, or it ended).
    pub async fn advance_operator_session(
        &self,
        token_hash: &str,
        from: OperatorStage,
        to: OperatorStage,
    ) -> Result<bool> {
        let sql = "UPDATE operator_sessions SET stage = $3 WHERE token_hash = $1 AND stage = $2";
        let n = on_writer!(self, p => sqlx::query(sql)
            .bind(token_hash)
            .bind(from.code())
            .bind(to.code())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn delete_operator_session(&self, token_hash: &str) -> Result<()> {
        let sql = "DELETE FROM operator_sessions WHERE token_hash = $1";
        on_writer!(self, p => sqlx::query(sql).bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_operator_sessions(&self, operator_id: i64) -> Result<u64> {
        let sql = "DELETE FROM operator_sessions WHERE operator_id = $1";
        Ok(on_writer!(self, p => sqlx::query(sql).bind(operator_id).execute(p).await.map(|r| r.rows_affected()))?)
    }

    pub async fn purge_operator_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64> {
        let sql = "DELETE FROM operator_sessions WHERE last_seen_at < $1 OR created_at < $2";
        Ok(
            on_writer!(self, p => sqlx::query(sql).bind(idle_before).bind(created_before).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }

    /// A provider-wide setting, `None` when never set.
    pub async fn provider_setting(&self, name: &str) -> Result<Option<String>> {
        let sql = "SELECT value FROM provider_settings WHERE name = $1";
        Ok(on_pool!(self, p => sqlx::query_scalar::<_, String>(sql).bind(name).fetch_optional(p).await)?)
    }

    pub async fn set_provider_setting(&self, name: &str, value: &str) -> Result<()> {
        let sql = "INSERT INTO provider_settings (name, value) VALUES ($1, $2) \
                   ON CONFLICT (name) DO UPDATE SET value = excluded.value";
        on_writer!(self, p => sqlx::query(sql).bind(name).bind(value).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
