//! Managing operators (ops_admin), the provider's two-factor policy, and the operator audit
//! log. The command line creates the first operator through the same use case, as Kassa
//! itself.

use super::require_ops;
use crate::auth::password::{self, random_password};
use crate::{now_ms, Actor, ActorKind, AppError, AppResult, FieldError};
use kassa_core::account::{Email, NewPassword};
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::{OperatorRole, OpsPermission};
use kassa_db::{AuditRow, Db, DbError, NewOperator, OperatorAuditFilter, OperatorRow, OPERATOR_TWO_FACTOR};

/// Whether operators must use a second factor: on unless the provider turned it off (the
/// demo does, and says so on the sign-in page).
pub async fn two_factor_required(db: &Db) -> AppResult<bool> {
    Ok(db.provider_setting(OPERATOR_TWO_FACTOR).await?.as_deref() != Some("off"))
}

/// Turns the policy on or off (the command line and the demo seed, as Kassa itself).
pub async fn set_two_factor_policy(db: &Db, required: bool) -> AppResult<()> {
    let value = if required { "required" } else { "off" };
    Ok(db.set_provider_setting(OPERATOR_TWO_FACTOR, value).await?)
}

/// Kassa itself (the command line) or an ops_admin.
fn may_manage(actor: &Actor) -> AppResult<()> {
    if actor.kind == ActorKind::System {
        return Ok(());
    }
    require_ops(actor, OpsPermission::ManageOperators)
}

pub struct NewOperatorInput<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: OperatorRole,
    /// `None`: a random one is made and returned, to be handed over once.
    pub password: Option<&'a str>,
    pub language: &'a str,
}

#[derive(Debug, Clone)]
pub struct CreatedOperator {
    pub id: i64,
    pub email: String,
    /// The password made up for the new operator, when none was given.
    pub generated_password: Option<String>,
}

pub async fn create_operator(db: &Db, actor: &Actor, input: &NewOperatorInput<'_>) -> AppResult<CreatedOperator> {
    may_manage(actor)?;
    let mut problems = Vec::new();
    let email = Email::parse(input.email).map_err(|e| problems.push(FieldError::new("email", e.to_string())));
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(FieldError::new("name", "a name of 1 to 100 characters is required"));
    }
    let generated = input.password.is_none().then(|| random_password(20));
    let chosen = input.password.or(generated.as_deref()).unwrap_or_default();
    let new_password =
        NewPassword::parse(chosen).map_err(|e| problems.push(FieldError::new("password", e.to_string())));
    let (Ok(email), Ok(new_password), true) = (email, new_password, problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let hash = password::hash(&new_password).await?;
    let now = now_ms();
    let id = db
        .create_operator(
            &NewOperator {
                email: email.as_str(),
                name,
                role: input.role,
                password_hash: Some(&hash),
                language: input.language,
            },
            now,
        )
        .await
        .map_err(|e| match e {
            DbError::Conflict(_) => AppError::invalid("email", "an operator with this email exists"),
            other => AppError::Storage(other),
        })?;
    let after = serde_json::json!({ "email": email.as_str(), "name": name, "role": input.role.code() });
    let event = kassa_db::AuditEvent {
        subject: email.as_str(),
        after: Some(after.to_string()),
        ..actor.audit_event(AuditAction::OperatorCreated)
    };
    db.record_audit(&event, now).await?;
    Ok(CreatedOperator {
        id,
        email: email.as_str().to_owned(),
        generated_password: generated,
    })
}

/// Every operator, for the ops_admin's list.
pub async fn operators(db: &Db, actor: &Actor) -> AppResult<Vec<OperatorRow>> {
    require_ops(actor, OpsPermission::ManageOperators)?;
    Ok(db.operators().await?)
}

fn access_json(role: OperatorRole, active: bool) -> String {
    serde_json::json!({ "role": role.code(), "status": if active { "active" } else { "deactivated" } }).to_string()
}

/// Changes an operator's role or standing. The last active ops_admin cannot be demoted or
/// deactivated (checked in the database's one statement, so it holds under concurrency).
pub async fn set_operator_access(db: &Db, actor: &Actor, id: i64, role: OperatorRole, active: bool) -> AppResult<()> {
    require_ops(actor, OpsPermission::ManageOperators)?;
    let Some(before) = db.operator(id).await? else {
        return Err(AppError::NotFound(crate::Missing::Other("operator")));
    };
    let now = now_ms();
    if !db.set_operator_access(id, role, active, now).await? {
        return Err(AppError::Conflict(
            "the last active ops_admin must stay an active ops_admin".into(),
        ));
    }
    let event = kassa_db::AuditEvent {
        subject: &before.email,
        before: Some(access_json(before.role, before.active())),
        after: Some(access_json(role, active)),
        ..actor.audit_event(AuditAction::OperatorUpdated)
    };
    Ok(db.record_audit(&event, now).await?)
}

/// Removes an operator's second factor (lost phone): their sessions end, and they set a new
/// one up at their next sign-in while the policy requires it.
pub async fn reset_operator_two_factor(db: &Db, actor: &Actor, id: i64) -> AppResult<()> {
    require_ops(actor, OpsPermission::ManageOperators)?;
    let Some(before) = db.operator(id).await? else {
        return Err(AppError::NotFound(crate::Missing::Other("operator")));
    };
    let now = now_ms();
    db.reset_operator_totp(id, now).await?;
    let event = kassa_db::AuditEvent {
        subject: &before.email,
        before: Some(serde_json::json!({ "two_factor": before.totp_secret.is_some() }).to_string()),
        after: Some(serde_json::json!({ "two_factor": false }).to_string()),
        ..actor.audit_event(AuditAction::OperatorUpdated)
    };
    Ok(db.record_audit(&event, now).await?)
}

/// One page of the operator audit log.
pub async fn operator_audit(
    db: &Db,
    actor: &Actor,
    filter: &OperatorAuditFilter,
    limit: i64,
) -> AppResult<Vec<AuditRow>> {
    require_ops(actor, OpsPermission::ViewOperatorAudit)?;
    Ok(db.operator_audit_page(filter, limit).await?)
}

/// The operator's own language and theme.
pub async fn set_operator_preferences(db: &Db, operator_id: i64, language: &str, theme: &str) -> AppResult<()> {
    Ok(db
        .set_operator_preferences(operator_id, language, theme, now_ms())
        .await?)
}

/// What this operator did lately, for their overview page.
pub async fn my_recent_actions(db: &Db, actor: &Actor, limit: i64) -> AppResult<Vec<AuditRow>> {
    require_ops(actor, OpsPermission::SignedIn)?;
    let filter = OperatorAuditFilter {
        operator_id: actor.operator_id,
        ..OperatorAuditFilter::default()
    };
    Ok(db.operator_audit_page(&filter, limit).await?)
}
