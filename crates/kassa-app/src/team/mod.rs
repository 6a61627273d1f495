//! A merchant's team: inviting people (new or existing accounts), accepting an invitation,
//! changing a member's access (roles per store, end date), deactivating and reactivating,
//! and the pages' views of the team. The rules themselves live in `kassa_core::team`; the
//! last-admin rule is enforced by storage inside the transaction that makes the change.
//!
//! Every use case starts from the [`Actor`](crate::Actor): it must be a portal member who
//! may manage users in their current store, and acts only in stores of that merchant where
//! they may manage users. Users of other merchants are "not found".

mod access;
mod admin;
mod create;
mod invite;
mod view;

pub use access::{change_access, deactivate, reactivate, ChangeAccess};
pub use create::{create_user, NewMember};
pub use invite::{
    accept_invitation, invitation, invite, resend_invitation, Acceptance, InvitationMail, InviteUser, PendingInvitation,
};
pub use view::{
    audit_log, invite_form, member, roster, team_member, AuditLog, InviteForm, MemberDetail, Roster, StoreAccess,
    TeamMember, TeamUser,
};

/// Why a team change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TeamRefusal {
    #[error("the merchant would be left without an active administrator")]
    LastAdmin,
    #[error("only a Super Admin may grant, change or remove Super Admin access")]
    SuperAdminOnly,
    #[error("nobody changes their own status")]
    NotYourself,
    #[error("the user has no pending invitation")]
    NotInvited,
    #[error("the address already has access to this merchant")]
    AlreadyMember,
    #[error("a user keeps access to at least one store")]
    NoStoreLeft,
}

/// The field names of [`InviteUser`] and [`ChangeAccess`] in [`FieldError`](crate::FieldError)s.
pub mod field {
    pub const EMAIL: &str = "email";
    pub const ROLE: &str = "role";
    pub const STORES: &str = "stores";
    pub const KIND: &str = "kind";
    pub const EXPIRES: &str = "expires";
    pub const LANGUAGE: &str = "language";
}
