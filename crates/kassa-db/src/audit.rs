use kassa_core::audit::AuditAction;

use crate::{on_pool, on_writer, Db, Result};

/// Who did what to what, from where, with the state before and after (JSON text).
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    pub merchant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// The operator, when provider staff acted (the operator audit log).
    pub actor_operator_id: Option<i64>,
    /// A readable actor: the user's email, `system`, or `cli`.
    pub actor: &'a str,
    pub action: AuditAction,
    pub subject: &'a str,
    pub ip: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> AuditEvent<'a> {
    /// An event of `action` by no one in particular, to nothing, from nowhere: the base the
    /// callers fill in (`AuditEvent { actor, subject, ..AuditEvent::of(action) }`).
    pub fn of(action: AuditAction) -> Self {
        AuditEvent {
            merchant_id: None,
            actor_user_id: None,
            actor_operator_id: None,
            actor: "",
            action,
            subject: "",
            ip: "",
            before: None,
            after: None,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub merchant_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    pub actor_operator_id: Option<i64>,
    pub actor: String,
    #[sqlx(try_from = "String")]
    pub action: AuditAction,
    pub subject: String,
    pub ip: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

impl Db {
    pub async fn record_audit(&self, e: &AuditEvent<'_>, now: i64) -> Result<()> {
        let sql = "INSERT INTO audit_events (at, merchant_id, actor_user_id, actor, action, subject, ip, before_json, after_json, actor_operator_id) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        on_writer!(self, p => sqlx::query(sql)
            .bind(now)
            .bind(e.merchant_id)
            .bind(e.actor_user_id)
            .bind(e.actor)
            .bind(e.action.code())
            .bind(e.subject)
            .bind(e.ip)
            .bind(e.before.as_deref())
            .bind(e.after.as_deref())
            .bind(e.actor_operator_id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The newest events first, optionally only those of one action.
    pub async fn audit_events(&self, action: Option<AuditAction>, limit: i64) -> Result<Vec<AuditRow>> {
        let action = action.map(AuditAction::code);
        let sql = "SELECT id, at, merchant_id, actor_user_id, actor_operator_id, actor, action, subject, ip, before_json, after_json \
                   FROM audit_events WHERE (CAST($1 AS TEXT) IS NULL OR action = $1) ORDER BY id DESC LIMIT $2";
        Ok(on_writer!(self, p => sqlx::query_as::<_, AuditRow>(sql).bind(action).bind(limit).fetch_all(p).await)?)
    }
}

/// Inserts an audit event inside a transaction (`$tx` is an executor), so a change and its
/// record commit together.
macro_rules! insert_audit {
    ($tx:expr, $e:expr, $now:expr) => {
        sqlx::query(
            "INSERT INTO audit_events (at, merchant_id, actor_user_id, actor, action, subject, ip, before_json, after_json, actor_operator_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind($now)
        .bind($e.merchant_id)
        .bind($e.actor_user_id)
        .bind($e.actor)
        .bind($e.action.code())
        .bind($e.subject)
        .bind($e.ip)
        .bind($e.before.as_deref())
        .bind($e.after.as_deref())
        .bind($e.actor_operator_id)
        .execute($tx)
        .await?
    };
}
pub(crate) use insert_audit;

/// Runs `query`, an UPDATE guarded by the state it expects (`... AND status = 'pending'`,
/// a version), on the writer; when it changed exactly one row, writes `event` in the same
/// transaction, else rolls back. Whether the row changed: of concurrent changes of one
/// row, one wins and only it is audited.
macro_rules! audited_update {
    ($db:expr, $query:expr, $event:expr, $now:expr) => {
        on_writer!($db, p => async {
            let mut tx = p.begin_write().await?;
            if $query.execute(&mut *tx).await?.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok::<_, sqlx::Error>(false);
            }
            insert_audit!(&mut *tx, $event, $now);
            tx.commit().await?;
            Ok(true)
        }
        .await)
    };
}
pub(crate) use audited_update;

/// Which of a merchant's audit events to show.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub action: Option<AuditAction>,
    /// Events this email did or that were done to it.
    pub person: Option<&'a str>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Keyset pagination: only events older than this id.
    pub before_id: Option<i64>,
}

impl Db {
    /// One page of a merchant's audit log, newest first. Pages by id (keyset), so a page
    /// costs the same however far back it is and new events do not shift pages.
    pub async fn audit_page(&self, merchant_id: i64, f: &AuditFilter<'_>, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = "SELECT id, at, merchant_id, actor_user_id, actor_operator_id, actor, action, subject, ip, before_json, after_json \
                   FROM audit_events WHERE merchant_id = $1 \
                   AND (CAST($2 AS TEXT) IS NULL OR action = $2) \
                   AND (CAST($3 AS TEXT) IS NULL OR actor = $3 OR subject = $3) \
                   AND (CAST($4 AS BIGINT) IS NULL OR at >= $4) \
                   AND (CAST($5 AS BIGINT) IS NULL OR at < $5) \
                   AND (CAST($6 AS BIGINT) IS NULL OR id < $6) \
                   ORDER BY id DESC LIMIT $7";
        Ok(on_pool!(self, p => sqlx::query_as::<_, AuditRow>(sql)
            .bind(merchant_id)
            .bind(f.action.map(AuditAction::code))
            .bind(f.person)
            .bind(f.from_ms)
            .bind(f.until_ms)
            .bind(f.before_id)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}

/// Which operator actions the operator audit log shows.
#[derive(Debug, Clone, Default)]
pub struct OperatorAuditFilter {
    pub operator_id: Option<i64>,
    pub merchant_id: Option<i64>,
    pub action: Option<AuditAction>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Keyset pagination: only events older than this id.
    pub before_id: Option<i64>,
}

impl Db {
    /// One page of what operators did, newest first, across all merchants.
    pub async fn operator_audit_page(&self, f: &OperatorAuditFilter, limit: i64) -> Result<Vec<AuditRow>> {
        let sql = "SELECT id, at, merchant_id, actor_user_id, actor_operator_id, actor, action, subject, ip, before_json, after_json \
                   FROM audit_events WHERE actor_operator_id IS NOT NULL \
                   AND (CAST($1 AS BIGINT) IS NULL OR actor_operator_id = $1) \
                   AND (CAST($2 AS BIGINT) IS NULL OR merchant_id = $2) \
                   AND (CAST($3 AS TEXT) IS NULL OR action = $3) \
                   AND (CAST($4 AS BIGINT) IS NULL OR at >= $4) \
                   AND (CAST($5 AS BIGINT) IS NULL OR at < $5) \
                   AND (CAST($6 AS BIGINT) IS NULL OR id < $6) \
                   ORDER BY id DESC LIMIT $7";
        Ok(on_pool!(self, p => sqlx::query_as::<_, AuditRow>(sql)
            .bind(f.operator_id)
            .bind(f.merchant_id)
            .bind(f.action.map(AuditAction::code))
            .bind(f.from_ms)
            .bind(f.until_ms)
            .bind(f.before_id)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}

impl crate::Tx {
    /// Records an audit event in this transaction, so it commits with the change.
    pub async fn record_audit(&mut self, e: &AuditEvent<'_>, now: i64) -> Result<()> {
        crate::on_tx!(self, c => {
            insert_audit!(c, e, now);
            Ok::<(), sqlx::Error>(())
        })?;
        Ok(())
    }
}
