//! What the team pages show: the merchant's users as this merchant sees them, one member's
//! access, the invitation form's choices and the audit log.

use super::admin::Admin;
use crate::{AppError, AppResult};
use kassa_core::access::Role;
use kassa_core::account::{MembershipStatus, UserStatus};
use kassa_core::team::standing_at_merchant;
use kassa_db::{AuditFilter, AuditRow, Db, MerchantStoreRow, TeamMembershipRow, UserRow};

/// A user as one merchant sees them (see `seen_here`). No password hash, no TOTP secret.
#[derive(Debug, Clone)]
pub struct TeamUser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    /// Their standing at this merchant.
    pub status: UserStatus,
    /// The earlier of the account's and this merchant's end of access.
    pub access_expires_at: Option<i64>,
    pub last_sign_in_at: Option<i64>,
    /// Member of this merchant since.
    pub created_at: i64,
    pub two_factor: bool,
}

/// A user and their roles in the merchant's stores.
#[derive(Debug, Clone)]
pub struct TeamMember {
    pub user: TeamUser,
    pub access: Vec<TeamMembershipRow>,
}

/// A shared user as one merchant sees them: the status and end date of their access at
/// this merchant (memberships of one merchant share them), "member since" the first store
/// access here, and — until they accept this merchant's invitation — nothing of an account
/// they may have elsewhere (name, phone, sign-ins, two-factor).
fn seen_here(user: UserRow, here: Option<&TeamMembershipRow>) -> TeamUser {
    let account = user.status;
    let accepted = here.is_some_and(|m| m.status == MembershipStatus::Active);
    let deactivated = here.is_some_and(|m| m.deactivated_at.is_some());
    let ends_here = here.and_then(|m| m.access_expires_at);
    let access_expires_at = match (user.access_expires_at, ends_here) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    TeamUser {
        id: user.id,
        status: standing_at_merchant(account, accepted, deactivated),
        access_expires_at,
        created_at: here.map_or(user.created_at, |m| m.created_at),
        name: if accepted { user.name } else { String::new() },
        phone: if accepted { user.phone } else { String::new() },
        last_sign_in_at: user.last_sign_in_at.filter(|_| accepted),
        two_factor: accepted && user.totp_secret.is_some(),
        email: user.email,
    }
}

/// The merchant's team, by name.
pub struct Roster {
    pub members: Vec<TeamMember>,
    /// The merchant requires two-factor of its admins.
    pub require_two_factor: bool,
}

pub async fn roster(db: &Db, actor: &crate::Actor) -> AppResult<Roster> {
    let admin = Admin::viewer(db, actor, crate::now_ms()).await?;
    let users = db.users_of_merchant(admin.merchant_id).await?;
    let memberships = db.team_memberships(admin.merchant_id).await?;
    let members = users
        .into_iter()
        .map(|u| {
            let access: Vec<TeamMembershipRow> = memberships.iter().filter(|m| m.user_id == u.id).cloned().collect();
            TeamMember {
                user: seen_here(u, access.last()),
                access,
            }
        })
        .collect();
    let require_two_factor = db
        .merchant(admin.merchant_id)
        .await?
        .is_some_and(|m| m.require_two_factor);
    Ok(Roster {
        members,
        require_two_factor,
    })
}

/// The user as the admin's merchant sees them, with their access here.
pub(crate) async fn target(db: &Db, admin: &Admin, id: i64) -> AppResult<TeamMember> {
    let user = db
        .user_of_merchant(admin.merchant_id, id)
        .await?
        .ok_or(AppError::NotFound(crate::Missing::Other("user")))?;
    let access: Vec<TeamMembershipRow> = db
        .team_memberships(admin.merchant_id)
        .await?
        .into_iter()
        .filter(|m| m.user_id == id)
        .collect();
    Ok(TeamMember {
        user: seen_here(user, access.first()),
        access,
    })
}

pub(crate) fn roles(rows: &[TeamMembershipRow]) -> Vec<Role> {
    rows.iter().map(|m| m.role).collect()
}

/// One store of the merchant on a member's page: their role there, if any.
pub struct StoreAccess {
    pub store: MerchantStoreRow,
    pub role: Option<Role>,
    /// The admin may manage users in this store.
    pub editable: bool,
}

/// One member's page.
pub struct MemberDetail {
    pub member: TeamMember,
    pub stores: Vec<StoreAccess>,
    /// False when the user holds Super Admin and the admin may not touch that.
    pub may_edit: bool,
    pub is_self: bool,
    /// When the newest invitation link expires, while the user is invited here.
    pub invitation_expires_at: Option<i64>,
    /// The newest audit events by or about them.
    pub recent_events: Vec<AuditRow>,
}

/// One user of the merchant as its team sees them, for anyone who may view the team; users
/// of other merchants are "not found".
pub async fn team_member(db: &Db, actor: &crate::Actor, id: i64) -> AppResult<TeamMember> {
    let admin = Admin::viewer(db, actor, crate::now_ms()).await?;
    target(db, &admin, id).await
}

pub async fn member(db: &Db, actor: &crate::Actor, id: i64) -> AppResult<MemberDetail> {
    let admin = Admin::viewer(db, actor, crate::now_ms()).await?;
    let member = target(db, &admin, id).await?;
    let stores = db
        .stores_of_merchant(admin.merchant_id)
        .await?
        .into_iter()
        .map(|store| StoreAccess {
            role: member.access.iter().find(|m| m.store_id == store.id).map(|m| m.role),
            editable: admin.manageable.contains(&store.id),
            store,
        })
        .collect();
    let invitation_expires_at = if member.user.status == UserStatus::Invited {
        db.invitation_expiry(id, admin.merchant_id).await?
    } else {
        None
    };
    let filter = AuditFilter {
        person: Some(&member.user.email),
        ..Default::default()
    };
    let recent_events = db.audit_page(admin.merchant_id, &filter, 10).await?;
    Ok(MemberDetail {
        may_edit: admin.may_change(&roles(&member.access), &[]),
        is_self: admin.user_id == Some(id),
        stores,
        invitation_expires_at,
        recent_events,
        member,
    })
}

/// What the invitation form offers the admin.
pub struct InviteForm {
    /// The stores they may invite people to.
    pub stores: Vec<MerchantStoreRow>,
    /// The roles they may grant.
    pub roles: Vec<Role>,
}

pub async fn invite_form(db: &Db, actor: &crate::Actor) -> AppResult<InviteForm> {
    let admin = Admin::of(db, actor, crate::now_ms()).await?;
    let stores = db
        .stores_of_merchant(admin.merchant_id)
        .await?
        .into_iter()
        .filter(|s| admin.manageable.contains(&s.id))
        .collect();
    let roles = Role::ALL
        .into_iter()
        .filter(|r| *r != Role::SuperAdmin || admin.may_assign_super_admin)
        .collect();
    Ok(InviteForm { stores, roles })
}

/// One page of the merchant's audit log, and the people it can be narrowed to.
pub struct AuditLog {
    pub events: Vec<AuditRow>,
    pub people: Vec<String>,
}

pub async fn audit_log(db: &Db, actor: &crate::Actor, filter: &AuditFilter<'_>, limit: i64) -> AppResult<AuditLog> {
    let admin = Admin::viewer(db, actor, crate::now_ms()).await?;
    let events = db.audit_page(admin.merchant_id, filter, limit).await?;
    let people = db
        .users_of_merchant(admin.merchant_id)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    Ok(AuditLog { events, people })
}
