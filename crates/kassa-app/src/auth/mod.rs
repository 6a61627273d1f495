//! Accounts: signing in (password, emailed link, second factor) under the lockout,
//! sessions, password changes and resets, and two-factor authentication.
//!
//! Secrets — password hashes, TOTP secrets — are loaded only inside these use cases; what
//! they hand out about a person is an [`Account`], which has neither. Mail is the caller's
//! to send: a use case that should send one returns what it needs ([`LinkMail`],
//! [`LockedMail`]).

mod account;
mod links;
pub mod password;
mod personal;
mod session;
mod sign_in;
pub mod two_factor;
mod two_factor_setup;

pub use account::{
    change_password, field, set_preference, switch_store, update_profile, ChangePassword, Preference, Profile,
};
pub use links::{
    magic_link, magic_link_sign_in, password_reset_link, request_magic_link, request_password_reset, reset_password,
    LinkMail, LinkSignIn,
};
pub use personal::{
    cancel_email_change, confirm_email_change, email_change_cancel_link, email_change_link, email_field, is_iana_zone,
    my_sessions, pending_email_change, request_email_change, sign_out_other_sessions, sign_out_session,
    EmailChangeMails, EmailChangeOutcome, EmailChangeRequest, Recipient, SessionInfo, EMAIL_CHANGE_VALID_MS,
};
pub use session::{end_session, session, sign_out, start_session, Session, SESSION_TOUCH_EVERY_MS};
pub use sign_in::{
    challenge_pending, complete_sign_in, second_factor, sign_in, signed_in_after_invitation, start_challenge,
    ChallengeOutcome, Credentials, LockedMail, NewSession, SignInFailure, SignInOutcome, SignedIn, Visitor,
};
pub use two_factor_setup::{
    confirm_two_factor, disable_two_factor, replace_recovery_codes, start_two_factor_setup, two_factor_state,
    TwoFactorState,
};

use crate::{AppError, AppResult};
use kassa_core::account::MembershipStatus;
use kassa_db::{Db, MembershipRow, UserRow};

/// Why an account action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthRefusal {
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("the code is wrong")]
    WrongCode,
    #[error("the merchant requires two-factor authentication of this member")]
    TwoFactorRequired,
    #[error("this needs two-factor authentication, which is off")]
    TwoFactorOff,
    #[error("too many wrong passwords or codes: the account is locked for a while")]
    Locked,
}

/// A person's account as the portal shows it to them: no password hash, no TOTP secret.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub phone: String,
    pub language: String,
    pub theme: String,
    pub timezone: String,
    pub last_sign_in_at: Option<i64>,
    /// Two-factor authentication is on.
    pub two_factor: bool,
}

impl From<&UserRow> for Account {
    fn from(u: &UserRow) -> Account {
        Account {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            phone: u.phone.clone(),
            language: u.language.clone(),
            theme: u.theme.clone(),
            timezone: u.timezone.clone(),
            last_sign_in_at: u.last_sign_in_at,
            two_factor: u.totp_secret.is_some(),
        }
    }
}

/// The merchant a user belongs to (their first usable store's, else the first that
/// accepted them), so that refused sign-ins show in that merchant's audit log — never in
/// one whose invitation is still pending, which must learn nothing about the account yet.
pub async fn merchant_of(db: &Db, user_id: i64, now: i64) -> AppResult<Option<i64>> {
    let stores = db.memberships_of(user_id).await?;
    let accepted = || stores.iter().find(|m| m.status == MembershipStatus::Active);
    Ok(stores
        .iter()
        .find(|m| m.usable(now))
        .or_else(accepted)
        .map(|m| m.merchant_id))
}

/// Whether the merchant of one of these stores requires two-factor of the member (they
/// are an admin there).
pub fn two_factor_required(stores: &[MembershipRow]) -> bool {
    stores.iter().any(|s| s.require_two_factor && s.role.is_admin())
}

/// The portal user behind an actor; anyone else may not use the account use cases.
pub(crate) fn user_id(actor: &crate::Actor) -> AppResult<i64> {
    actor
        .user_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .ok_or(AppError::Forbidden)
}

/// The signed-in user behind an actor, with secrets, for the account use cases only.
pub(crate) async fn user_of(db: &Db, actor: &crate::Actor) -> AppResult<UserRow> {
    let id = user_id(actor)?;
    db.user_by_id(id)
        .await?
        .ok_or(AppError::NotFound(crate::Missing::Other("user")))
}

/// The merchant an actor acts for.
pub(crate) fn merchant_id(actor: &crate::Actor) -> Option<i64> {
    actor.merchant_id.as_deref().and_then(|id| id.parse().ok())
}
