//! The actor of a team use case, checked: a portal member who may manage users here.

use crate::{Actor, AppError, AppResult};
use kassa_core::access::{allows, Permission, Role};
use kassa_core::audit::AuditAction;
use kassa_core::team::may_change_access;
use kassa_db::{AuditEvent, Db, MembershipRow};

/// A member managing their merchant's team, as the use cases need them.
pub(crate) struct Admin {
    pub user_id: i64,
    pub email: String,
    pub merchant_id: i64,
    pub ip: String,
    /// Stores of the merchant where they may manage users.
    pub manageable: Vec<String>,
    /// Whether they may grant or touch Super Admin access (from their current store's role).
    pub may_assign_super_admin: bool,
}

fn role_allows(m: &MembershipRow, permission: Permission) -> bool {
    allows(m.role, m.onboarding, permission)
}

impl Admin {
    /// Checks that `actor` is a portal member who may manage users in their current store,
    /// from their memberships as they stand at `now`.
    pub(crate) async fn of(db: &Db, actor: &Actor, now: i64) -> AppResult<Admin> {
        let user_id: i64 = actor
            .user_id
            .as_deref()
            .and_then(|id| id.parse().ok())
            .ok_or(AppError::Forbidden)?;
        let store_id = actor.store_id.as_deref().ok_or(AppError::Forbidden)?;
        let stores = db.usable_memberships(user_id, now).await?;
        let current = stores
            .iter()
            .find(|m| m.store_id == store_id)
            .ok_or(AppError::Forbidden)?;
        if !role_allows(current, Permission::ManageUsers) {
            return Err(AppError::Forbidden);
        }
        let merchant_id = current.merchant_id;
        Ok(Admin {
            user_id,
            email: actor.name.clone(),
            ip: actor.address.clone().unwrap_or_default(),
            may_assign_super_admin: role_allows(current, Permission::AssignSuperAdmin),
            manageable: stores
                .iter()
                .filter(|m| m.merchant_id == merchant_id && role_allows(m, Permission::ManageUsers))
                .map(|m| m.store_id.clone())
                .collect(),
            merchant_id,
        })
    }

    /// Whether they may change someone's roles from `before` to `after`.
    pub(crate) fn may_change(&self, before: &[Role], after: &[Role]) -> bool {
        may_change_access(self.may_assign_super_admin, before, after).is_ok()
    }

    /// An audit event of this merchant, done by this member to `subject`.
    pub(crate) fn event<'a>(
        &'a self,
        action: AuditAction,
        subject: &'a str,
        before: Option<String>,
        after: Option<String>,
    ) -> AuditEvent<'a> {
        AuditEvent {
            merchant_id: Some(self.merchant_id),
            actor_operator_id: None,
            actor_user_id: Some(self.user_id),
            actor: &self.email,
            action,
            subject,
            ip: &self.ip,
            before,
            after,
        }
    }
}
