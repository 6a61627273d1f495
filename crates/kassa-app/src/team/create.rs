//! Creating an active user directly, with a password: the `kassa user create` command.

use crate::auth::password;
use crate::{now_ms, Actor, AppError, AppResult};
use kassa_core::access::Role;
use kassa_core::account::{Email, NewPassword, StoreId, UserStatus};
use kassa_core::audit::AuditAction;
use kassa_db::{AuditEvent, Db, NewUser};

/// A user to create, active at once, with one role in some stores.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub stores: Vec<StoreId>,
    /// A language code Kassa speaks (checked by the caller, who knows the languages).
    pub language: String,
    pub password: NewPassword,
}

/// Creates the user. Only Kassa itself (the command line, run by the operator) may: in the
/// portal people are invited.
pub async fn create_user(db: &Db, actor: &Actor, cmd: &NewMember) -> AppResult<i64> {
    if actor.kind != crate::ActorKind::System {
        return Err(AppError::Forbidden);
    }
    let mut merchant_id = None;
    for store in &cmd.stores {
        let row = db
            .store(store.as_str())
            .await?
            .ok_or(AppError::NotFound(crate::Missing::Other("store")))?;
        merchant_id = Some(row.merchant_id);
    }
    let hash = password::hash(&cmd.password).await?;
    let now = now_ms();
    let user = NewUser {
        email: cmd.email.as_str(),
        name: cmd.name.trim(),
        password_hash: Some(&hash),
        language: &cmd.language,
        status: UserStatus::Active.code(),
        access_expires_at: None,
    };
    let id = db.create_user(&user, now).await?;
    for store in &cmd.stores {
        db.set_membership(id, store.as_str(), cmd.role.code(), now).await?;
    }
    let stores: Vec<&str> = cmd.stores.iter().map(StoreId::as_str).collect();
    let after = serde_json::json!({"email": cmd.email.as_str(), "role": cmd.role.code(), "stores": stores}).to_string();
    let event = AuditEvent {
        merchant_id,
        actor: "cli",
        subject: cmd.email.as_str(),
        after: Some(after),
        ..AuditEvent::of(AuditAction::UserCreated)
    };
    db.record_audit(&event, now).await?;
    Ok(id)
}
