//! Inviting people to the merchant's stores, sending an invitation again, and accepting one.
//!
//! One email is one account, which may belong to several merchants (as at Kustom). Inviting
//! an address answers the same whether or not it has an account elsewhere: a new account is
//! created as invited, an existing one gets this merchant's access as invited, and either way
//! the person accepts through the emailed link. Granting access to an existing account
//! directly would show its name, sign-ins and two-factor state to an admin who only typed an
//! email — the very "this account exists" answer the form must not give — and would pull
//! someone into a merchant without their consent.

use super::admin::Admin;
use super::view::target;
use super::{field, TeamRefusal};
use crate::auth::password::{self, random_token, token_hash};
use crate::{dates, now_ms, AppError, AppResult, FieldError};
use kassa_core::access::Role;
use kassa_core::account::{Email, NewPassword, UserStatus};
use kassa_core::audit::AuditAction;
use kassa_core::team::INVITATION_VALID_MS;
use kassa_db::{AuditEvent, Db, DbError, Invitation, InvitationLink, Invited, UserRow};

/// An invitation as the admin entered it. The use case checks every field.
#[derive(Debug, Clone)]
pub struct InviteUser {
    pub email: String,
    pub role: String,
    pub stores: Vec<String>,
    /// `internal`, or `external` with an end date.
    pub kind: String,
    /// An external user's last day (YYYY-MM-DD) in `timezone`.
    pub expires: String,
    pub timezone: String,
    /// The language of a new account; `None` when the form named one Kassa does not speak.
    pub language: Option<String>,
}

/// An invitation email to send.
#[derive(Debug, Clone)]
pub struct InvitationMail {
    pub user_id: i64,
    pub to: String,
    /// The invitee's language: an existing account reads mail in its own.
    pub language: String,
    pub token: String,
    pub expires_at: i64,
    /// A new account chooses a password; an existing one only accepts.
    pub new_account: bool,
}

struct Checked {
    email: Email,
    role: Role,
    expires_at: Option<i64>,
    language: String,
}

/// Checks every field. Errors in the email or role come before the Super Admin rule, which
/// needs the role; the other fields' errors after it, in the form's order.
fn check(admin: &Admin, cmd: &InviteUser, now: i64) -> AppResult<Checked> {
    let mut errors = Vec::new();
    let email = Email::parse(&cmd.email).map_err(|e| errors.push(FieldError::new(field::EMAIL, e.to_string())));
    let role = cmd
        .role
        .parse::<Role>()
        .map_err(|e| errors.push(FieldError::new(field::ROLE, e.to_string())));
    let early = errors.len();
    if cmd.stores.is_empty() || !cmd.stores.iter().all(|s| admin.manageable.contains(s)) {
        errors.push(FieldError::new(field::STORES, "pick stores where you manage users"));
    }
    let expires_at = match cmd.kind.as_str() {
        "internal" => None,
        "external" => match dates::day_end(&cmd.expires, &cmd.timezone) {
            Some(t) if t > now => Some(t),
            _ => {
                errors.push(FieldError::new(field::EXPIRES, "an end date in the future is needed"));
                None
            }
        },
        _ => {
            errors.push(FieldError::new(field::KIND, "internal or external"));
            None
        }
    };
    if cmd.language.is_none() {
        errors.push(FieldError::new(field::LANGUAGE, "unknown language"));
    }
    if early > 0 {
        return Err(AppError::Invalid(errors));
    }
    let (Ok(email), Ok(role)) = (email, role) else {
        return Err(AppError::Invalid(errors));
    };
    if !admin.may_change(&[], &[role]) {
        return Err(TeamRefusal::SuperAdminOnly.into());
    }
    match cmd.language.clone() {
        Some(language) if errors.is_empty() => Ok(Checked {
            email,
            role,
            expires_at,
            language,
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Invites the address to the admin's stores with a new link, recording the invitation in
/// the same transaction; returns the email to send.
pub async fn invite(db: &Db, actor: &crate::Actor, cmd: &InviteUser) -> AppResult<InvitationMail> {
    let now = now_ms();
    let admin = Admin::of(db, actor, now).await?;
    let c = check(&admin, cmd, now)?;
    let token = random_token();
    let after = serde_json::json!({
        "email": c.email.as_str(),
        "role": c.role.code(),
        "stores": cmd.stores,
        "access_expires_at": c.expires_at.map(|t| dates::expiry_date(t, &cmd.timezone)),
        "status": "invited",
    })
    .to_string();
    let event = admin.event(AuditAction::UserInvited, c.email.as_str(), None, Some(after));
    let expires_at = now + INVITATION_VALID_MS;
    let invitation = Invitation {
        merchant_id: admin.merchant_id,
        email: c.email.as_str(),
        language: &c.language,
        access_expires_at: c.expires_at,
        stores: &cmd.stores,
        role: c.role,
        token_hash: &token_hash(&token),
        token_expires_at: expires_at,
    };
    let invited = match db.invite(&invitation, &event, now).await {
        // Another merchant created the account a moment ago: it is an existing one now.
        Err(DbError::Conflict(_)) => db.invite(&invitation, &event, now).await?,
        other => other?,
    };
    let (user_id, language, new_account) = match invited {
        Invited::NewAccount { user_id } => (user_id, c.language, true),
        Invited::ExistingAccount { user } => (user.id, user.language, false),
        Invited::AlreadyMember => return Err(TeamRefusal::AlreadyMember.into()),
    };
    Ok(InvitationMail {
        user_id,
        to: c.email.as_str().to_owned(),
        language,
        token,
        expires_at,
        new_account,
    })
}

/// A new invitation link for someone still invited here; the old one stops working.
pub async fn resend_invitation(db: &Db, actor: &crate::Actor, user_id: i64) -> AppResult<InvitationMail> {
    let now = now_ms();
    let admin = Admin::of(db, actor, now).await?;
    let member = target(db, &admin, user_id).await?;
    if member.user.status != UserStatus::Invited {
        return Err(TeamRefusal::NotInvited.into());
    }
    let account = db
        .user_by_id(user_id)
        .await?
        .ok_or(AppError::NotFound(crate::Missing::Other("user")))?;
    let token = random_token();
    let expires_at = now + INVITATION_VALID_MS;
    let event = admin.event(AuditAction::InvitationResent, &member.user.email, None, None);
    db.reissue_invitation(user_id, admin.merchant_id, &token_hash(&token), expires_at, &event, now)
        .await?;
    Ok(InvitationMail {
        user_id,
        new_account: account.status == UserStatus::Invited,
        to: account.email,
        language: account.language,
        token,
        expires_at,
    })
}

/// An invitation link that can still be used, as its page shows it.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    pub email: String,
    pub language: String,
    /// A new account (no password yet) sets a name and password; an existing one accepts.
    pub new_account: bool,
    /// The inviting merchant's name.
    pub merchant_name: Option<String>,
}

async fn pending(db: &Db, token: &str) -> AppResult<Option<(InvitationLink, UserRow)>> {
    let Some(link) = db.invitation_link(&token_hash(token), now_ms()).await? else {
        return Ok(None);
    };
    let user = db.user_by_id(link.user_id).await?;
    Ok(user.filter(|u| u.status != UserStatus::Deactivated).map(|u| (link, u)))
}

/// The invitation behind an emailed link; `None` when it is unknown, used, expired or its
/// account was deactivated.
pub async fn invitation(db: &Db, token: &str) -> AppResult<Option<PendingInvitation>> {
    let Some((link, user)) = pending(db, token).await? else {
        return Ok(None);
    };
    let merchant_name = match link.merchant_id {
        Some(id) => db.merchant(id).await?.map(|m| m.legal_name),
        None => None,
    };
    Ok(Some(PendingInvitation {
        new_account: user.status == UserStatus::Invited,
        email: user.email,
        language: user.language,
        merchant_name,
    }))
}

/// What accepting did.
#[derive(Debug)]
pub enum Acceptance {
    /// The link is not (or no longer) valid.
    InvalidLink,
    /// A new account is active: the caller may sign the person in (see
    /// [`crate::auth::signed_in_after_invitation`]).
    NewAccount { user_id: i64, merchant_id: Option<i64> },
    /// An existing account proved only the emailed link, not its password or second
    /// factor: it signs in as usual and finds the new merchant there.
    ExistingAccount,
}

/// Accepts an invitation: a new account gives its name and password (`account`), an
/// existing one only accepts. The link is used once; the acceptance is audited in the
/// inviting merchant's log.
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    account: Option<(&str, &NewPassword)>,
    ip: &str,
) -> AppResult<Acceptance> {
    let Some((_, user)) = pending(db, token).await? else {
        return Ok(Acceptance::InvalidLink);
    };
    let new_account = user.status == UserStatus::Invited;
    let hash = match (new_account, account) {
        (true, Some((_, password))) => Some(password::hash(password).await?),
        (true, None) => {
            return Err(AppError::Invalid(vec![FieldError::new(
                "password",
                "a new account needs one",
            )]))
        }
        (false, _) => None,
    };
    let name = account.map(|(name, _)| name).unwrap_or_default();
    let now = now_ms();
    let fields = hash.as_deref().map(|h| (name, h));
    let Some(link) = db.accept_invitation(&token_hash(token), fields, now).await? else {
        return Ok(Acceptance::InvalidLink);
    };
    if link.user_id != user.id {
        return Ok(Acceptance::InvalidLink);
    }
    let after = if new_account {
        serde_json::json!({ "name": name, "status": "active" })
    } else {
        serde_json::json!({ "status": "active" })
    };
    // In the audit log of the merchant whose invitation this was.
    let merchant_id = match link.merchant_id {
        Some(id) => Some(id),
        None => crate::auth::merchant_of(db, user.id, now).await?,
    };
    let event = AuditEvent {
        merchant_id,
        actor_operator_id: None,
        actor_user_id: Some(user.id),
        actor: &user.email,
        action: AuditAction::InvitationAccepted,
        subject: &user.email,
        ip,
        before: None,
        after: Some(after.to_string()),
    };
    db.record_audit(&event, now).await?;
    Ok(if new_account {
        Acceptance::NewAccount {
            user_id: user.id,
            merchant_id: link.merchant_id,
        }
    } else {
        Acceptance::ExistingAccount
    })
}
