//! Changing a member's access: roles per store, an external user's end date, deactivation
//! and reactivation. Storage refuses, inside the transaction, any change that would leave
//! the merchant without an active administrator.

use super::admin::Admin;
use super::view::{roles, target, TeamMember};
use super::{field, TeamRefusal};
use crate::{dates, now_ms, AppError, AppResult, FieldError};
use kassa_core::access::Role;
use kassa_core::account::{MembershipStatus, UserStatus};
use kassa_core::audit::AuditAction;
use kassa_core::team::standing_at_merchant;
use kassa_db::{AccessRefusal, AccessUpdate, Db};
use std::collections::BTreeMap;

/// An access change as the admin entered it.
#[derive(Debug, Clone)]
pub struct ChangeAccess {
    pub user_id: i64,
    /// Store → new role, or `None` to remove access there, in the form's order.
    pub roles: Vec<(String, Option<Role>)>,
    /// A new last day (YYYY-MM-DD, in `timezone`) for an external user; ignored for others.
    pub expires: Option<String>,
    pub timezone: String,
}

fn access_json(rows: &BTreeMap<String, String>, expires: Option<String>, status: UserStatus) -> String {
    serde_json::json!({ "stores": rows, "access_expires_at": expires, "status": status.code() }).to_string()
}

pub async fn change_access(db: &Db, actor: &crate::Actor, cmd: &ChangeAccess) -> AppResult<()> {
    let now = now_ms();
    let admin = Admin::of(db, actor, now).await?;
    let member = target(db, &admin, cmd.user_id).await?;
    let before: BTreeMap<String, String> = member
        .access
        .iter()
        .map(|m| (m.store_id.clone(), m.role.code().to_owned()))
        .collect();
    let mut after = before.clone();
    for (store, role) in &cmd.roles {
        // Stores where the admin may not manage users are not theirs to name.
        if !admin.manageable.contains(store) {
            return Err(AppError::NotFound(crate::Missing::Other("store")));
        }
        match role {
            Some(role) => after.insert(store.clone(), role.code().to_owned()),
            None => after.remove(store),
        };
    }
    let after_roles: Vec<Role> = after.values().filter_map(|r| r.parse().ok()).collect();
    if !admin.may_change(&roles(&member.access), &after_roles) {
        return Err(TeamRefusal::SuperAdminOnly.into());
    }
    if after.is_empty() {
        return Err(TeamRefusal::NoStoreLeft.into());
    }
    let user = &member.user;
    let new_expiry = match (&cmd.expires, user.access_expires_at) {
        // Only external users carry a date; an internal user's form has no such field.
        (Some(day), Some(_)) => match dates::day_end(day, &cmd.timezone) {
            Some(t) => Some(Some(t)),
            None => return Err(AppError::Invalid(vec![FieldError::new(field::EXPIRES, "not a date")])),
        },
        _ => None,
    };
    let day = |t: Option<i64>| t.map(|t| dates::expiry_date(t, &cmd.timezone));
    let before = access_json(&before, day(user.access_expires_at), user.status);
    let after = access_json(&after, day(new_expiry.unwrap_or(user.access_expires_at)), user.status);
    let update = AccessUpdate {
        memberships: cmd
            .roles
            .iter()
            .map(|(store, role)| (store.as_str(), role.map(Role::code)))
            .collect(),
        deactivate: None,
        access_expires_at: new_expiry,
    };
    apply(
        db,
        &admin,
        user.id,
        &user.email,
        &update,
        AuditAction::UserAccessChanged,
        before,
        after,
        now,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    db: &Db,
    admin: &Admin,
    user_id: i64,
    email: &str,
    update: &AccessUpdate<'_>,
    action: AuditAction,
    before: String,
    after: String,
    now: i64,
) -> AppResult<()> {
    let event = admin.event(action, email, Some(before), Some(after));
    match db
        .change_access(admin.merchant_id, user_id, update, &event, now)
        .await?
    {
        Ok(()) => Ok(()),
        Err(AccessRefusal::LastAdmin) => Err(TeamRefusal::LastAdmin.into()),
    }
}

/// The target, if the admin may change their status: not a Super Admin unless the admin
/// may touch that, and never themselves.
async fn status_target(db: &Db, admin: &Admin, user_id: i64) -> AppResult<TeamMember> {
    let member = target(db, admin, user_id).await?;
    if !admin.may_change(&roles(&member.access), &[]) {
        return Err(TeamRefusal::SuperAdminOnly.into());
    }
    if admin.user_id == Some(user_id) {
        return Err(TeamRefusal::NotYourself.into());
    }
    Ok(member)
}

fn status_json(status: &str) -> String {
    serde_json::json!({ "status": status }).to_string()
}

/// Deactivates the user at this merchant and ends their sessions in its stores. Already
/// deactivated: nothing to do.
pub async fn deactivate(db: &Db, actor: &crate::Actor, user_id: i64) -> AppResult<()> {
    let now = now_ms();
    let admin = Admin::of(db, actor, now).await?;
    let user = status_target(db, &admin, user_id).await?.user;
    if user.status == UserStatus::Deactivated {
        return Ok(());
    }
    let update = AccessUpdate {
        deactivate: Some(true),
        ..Default::default()
    };
    let (before, after) = (status_json(user.status.code()), status_json("deactivated"));
    apply(
        db,
        &admin,
        user.id,
        &user.email,
        &update,
        AuditAction::UserDeactivated,
        before,
        after,
        now,
    )
    .await
}

/// Back to active, or to invited for someone who never accepted their invitation.
pub async fn reactivate(db: &Db, actor: &crate::Actor, user_id: i64) -> AppResult<()> {
    let now = now_ms();
    let admin = Admin::of(db, actor, now).await?;
    let member = status_target(db, &admin, user_id).await?;
    let user = &member.user;
    if user.status != UserStatus::Deactivated {
        return Ok(());
    }
    let account = db
        .user_by_id(user_id)
        .await?
        .ok_or(AppError::NotFound(crate::Missing::Other("user")))?;
    let accepted = member
        .access
        .first()
        .is_some_and(|m| m.status == MembershipStatus::Active);
    let status = standing_at_merchant(account.status, accepted, false);
    let update = AccessUpdate {
        deactivate: Some(false),
        ..Default::default()
    };
    let (before, after) = (status_json(user.status.code()), status_json(status.code()));
    apply(
        db,
        &admin,
        user.id,
        &user.email,
        &update,
        AuditAction::UserReactivated,
        before,
        after,
        now,
    )
    .await
}
