use crate::{on_pool, on_writer, Db, Result};

/// Who did what to what, from where, with the state before and after (JSON text).
#[derive(Debug, Clone, Default)]
pub struct AuditEvent<'a> {
    pub merchant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// A readable actor: the user's email, `system`, or `cli`.
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub ip: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub merchant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub ip: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

impl Db {
    pub async fn record_audit(&self, e: &AuditEvent<'_>, now: i64) -> Result<()> {
        let sql = "INSERT INTO audit_events (at, merchant_id, actor_user_id, actor, action, subject, ip, before_json, after_json) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_writer!(self, p => sqlx::query(sql)
            .bind(now)
            .bind(e.merchant_id)
            .bind(e.actor_user_id)
            .bind(e.actor)
            .bind(e.action)
            .bind(e.subject)
            .bind(e.ip)
            .bind(e.before.as_deref())
            .bind(e.after.as_deref())
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The newest events first, optionally only those of one action.
    pub async fn audit_events(&self, action: Option<&str>, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = "SELECT id, at, merchant_id, actor_user_id, actor, action, subject, ip, before_json, after_json \
                   FROM audit_events WHERE (CAST($1 AS TEXT) IS NULL OR action = $1) ORDER BY id DESC LIMIT $2";
        Ok(on_pool!(self, p => sqlx::query_as::<_, AuditRow>(sql).bind(action).bind(limit).fetch_all(p).await)?)
    }
}
