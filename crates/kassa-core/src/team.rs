//! Rules for managing a merchant's team and its account security: how long emailed links
//! live, who may grant what, and who must use two-factor authentication.

use crate::access::Role;
use crate::account::UserStatus;

/// An invitation link works for seven days.
pub const INVITATION_VALID_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// A password-reset link works for one hour.
pub const PASSWORD_RESET_VALID_MS: i64 = 60 * 60 * 1000;
/// A sign-in link works for fifteen minutes.
pub const MAGIC_LINK_VALID_MS: i64 = 15 * 60 * 1000;
/// Between a right password and the second factor, at most five minutes.
pub const SIGN_IN_CHALLENGE_MS: i64 = 5 * 60 * 1000;
/// At most one password-reset or sign-in link per account this often, so the forms cannot
/// be used to flood someone's inbox.
pub const EMAIL_LINK_INTERVAL_MS: i64 = 60 * 1000;
/// Recovery codes issued when two-factor is set up.
pub const RECOVERY_CODES: usize = 10;

impl Role {
    /// Super Admins and Admins manage the merchant: the roles the two-factor policy covers
    /// and of which a merchant must always keep one.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SuperAdmin | Role::Admin)
    }
}

/// Whether a user without two-factor must set it up before using the portal: they are an
/// admin in a store whose merchant requires it (PCI DSS 8.4). `memberships` holds each
/// store's role and whether its merchant has the policy on.
pub fn must_enrol_two_factor(has_two_factor: bool, memberships: impl IntoIterator<Item = (Role, bool)>) -> bool {
    !has_two_factor
        && memberships
            .into_iter()
            .any(|(role, required)| required && role.is_admin())
}

/// How a merchant sees a user it shares with other merchants: the account's own state
/// (invited until a password is chosen) combined with this merchant's membership
/// (`invited` until this merchant's invitation is accepted, or deactivated here). Another
/// merchant's decisions never show.
pub fn standing_at_merchant(account: UserStatus, membership_accepted: bool, deactivated_here: bool) -> UserStatus {
    if deactivated_here || account == UserStatus::Deactivated {
        UserStatus::Deactivated
    } else if account == UserStatus::Invited || !membership_accepted {
        UserStatus::Invited
    } else {
        UserStatus::Active
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccessChangeRefusal {
    #[error("only a Super Admin may grant, change or remove Super Admin access")]
    SuperAdminOnly,
}

/// Whether an actor may change a user's roles from `before` to `after`. Super Admin is the
/// top role: only someone who may assign it can grant it or touch a user who holds it.
pub fn may_change_access(
    actor_may_assign_super_admin: bool,
    before: &[Role],
    after: &[Role],
) -> Result<(), AccessChangeRefusal> {
    let touches_super_admin = before.iter().chain(after).any(|r| *r == Role::SuperAdmin);
    if touches_super_admin && !actor_may_assign_super_admin && before != after {
        return Err(AccessChangeRefusal::SuperAdminOnly);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_of_merchants_with_the_policy_must_enrol() {
        assert!(must_enrol_two_factor(false, [(Role::Admin, true)]));
        assert!(must_enrol_two_factor(
            false,
            [(Role::User, true), (Role::SuperAdmin, true)]
        ));
        assert!(!must_enrol_two_factor(true, [(Role::Admin, true)]));
        assert!(!must_enrol_two_factor(false, [(Role::Admin, false)]));
        assert!(!must_enrol_two_factor(false, [(Role::User, true)]));
    }

    #[test]
    fn a_merchant_sees_its_own_standing_only() {
        use UserStatus::*;
        assert_eq!(standing_at_merchant(Active, true, false), Active);
        assert_eq!(standing_at_merchant(Active, true, true), Deactivated);
        assert_eq!(
            standing_at_merchant(Active, false, false),
            Invited,
            "not accepted here yet"
        );
        assert_eq!(standing_at_merchant(Invited, true, false), Invited, "no password yet");
        assert_eq!(standing_at_merchant(Invited, false, true), Deactivated);
        assert_eq!(
            standing_at_merchant(Deactivated, true, false),
            Deactivated,
            "account-wide"
        );
    }

    #[test]
    fn only_super_admins_touch_super_admins() {
        use Role::*;
        assert!(may_change_access(false, &[User], &[Admin]).is_ok());
        assert_eq!(
            may_change_access(false, &[User], &[SuperAdmin]),
            Err(AccessChangeRefusal::SuperAdminOnly)
        );
        assert_eq!(
            may_change_access(false, &[SuperAdmin], &[Admin]),
            Err(AccessChangeRefusal::SuperAdminOnly)
        );
        assert!(may_change_access(true, &[SuperAdmin], &[Admin]).is_ok());
        assert!(may_change_access(true, &[User], &[SuperAdmin]).is_ok());
    }
}
