//! The actor of a team use case, checked: a portal member who may manage users here, or an
//! operator of the back office acting on one merchant (`Actor::at_merchant`).

use crate::operators::require_ops;
use crate::{Actor, ActorKind, AppError, AppResult};
use kassa_core::access::{allows, Permission, Role};
use kassa_core::audit::AuditAction;
use kassa_core::ops_access::OpsPermission;
use kassa_core::team::may_change_access;
use kassa_db::{AuditEvent, Db, MembershipRow};

/// A member managing their merchant's team, as the use cases need them.
pub(crate) struct Admin {
    /// The member; `None` for an operator.
    pub user_id: Option<i64>,
    /// The operator, when provider staff act.
    pub operator_id: Option<i64>,
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
        if actor.kind == ActorKind::Operator {
            return Admin::operator(db, actor, OpsPermission::ManageMerchants).await;
        }
        Admin::member(db, actor, now).await
    }

    /// Like [`Admin::of`], for pages that only show the team: an operator who may view
    /// merchants (support, risk, finance) sees it without being able to change it.
    pub(crate) async fn viewer(db: &Db, actor: &Actor, now: i64) -> AppResult<Admin> {
        if actor.kind == ActorKind::Operator {
            return Admin::operator(db, actor, OpsPermission::ViewMerchants).await;
        }
        Admin::member(db, actor, now).await
    }

    /// An operator with `permission` acting on the merchant the actor names: every store of
    /// that merchant, Super Admin included (the provider invites a merchant's first one).
    async fn operator(db: &Db, actor: &Actor, permission: OpsPermission) -> AppResult<Admin> {
        require_ops(actor, permission)?;
        let merchant_id: i64 = actor
            .merchant_id
            .as_deref()
            .and_then(|m| m.parse().ok())
            .ok_or(AppError::Forbidden)?;
        let stores = db.stores_of_merchant(merchant_id).await?;
        if stores.is_empty() && db.merchant(merchant_id).await?.is_none() {
            return Err(AppError::NotFound(crate::Missing::Other("merchant")));
        }
        Ok(Admin {
            user_id: None,
            operator_id: actor.operator_id,
            email: actor.name.clone(),
            ip: actor.address.clone().unwrap_or_default(),
            manageable: stores.into_iter().map(|s| s.id).collect(),
            may_assign_super_admin: true,
            merchant_id,
        })
    }

    async fn member(db: &Db, actor: &Actor, now: i64) -> AppResult<Admin> {
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
            user_id: Some(user_id),
            operator_id: None,
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
            actor_user_id: self.user_id,
            actor_operator_id: self.operator_id,
            actor: &self.email,
            action,
            subject,
            ip: &self.ip,
            before,
            after,
        }
    }
}
