//! Emailed links: password reset and sign-in ("magic") links. Requests always get the same
//! answer, so the forms tell nobody which emails have accounts; links are rate-limited per
//! account and work once.

use super::password::{self, random_token, token_hash};
use super::sign_in::{audit_user, complete_sign_in, may_sign_in, signed_in, start_challenge, user_of_token};
use super::{merchant_of, NewSession, Visitor};
use crate::{now_ms, AppResult};
use kassa_core::account::{Email, NewPassword};
use kassa_core::audit::AuditAction;
use kassa_core::team::{EMAIL_LINK_INTERVAL_MS, MAGIC_LINK_VALID_MS, PASSWORD_RESET_VALID_MS};
use kassa_db::{AuditEvent, Db, TokenPurpose, UserRow};

/// A link to email: to whom, in which language, with which token.
#[derive(Debug, Clone)]
pub struct LinkMail {
    pub to: String,
    pub language: String,
    pub token: String,
}

async fn account_for(db: &Db, raw_email: &str) -> AppResult<Option<UserRow>> {
    match Email::parse(raw_email) {
        Ok(email) => Ok(db.user_by_email(email.as_str()).await?),
        Err(_) => Ok(None),
    }
}

/// Whether this kind of link went to the user within the last minute.
async fn recently_sent(db: &Db, user: &UserRow, purpose: TokenPurpose, now: i64) -> AppResult<bool> {
    Ok(db
        .token_issued_since(user.id, purpose, now - EMAIL_LINK_INTERVAL_MS)
        .await?)
}

async fn new_link(
    db: &Db,
    user: &UserRow,
    purpose: TokenPurpose,
    valid_ms: i64,
    action: AuditAction,
    ip: &str,
    now: i64,
) -> AppResult<LinkMail> {
    let token = random_token();
    db.replace_token(user.id, purpose, &token_hash(&token), now + valid_ms, now)
        .await?;
    audit_user(db, user, action, ip, None).await?;
    Ok(LinkMail {
        to: user.email.clone(),
        language: user.language.clone(),
        token,
    })
}

/// A reset link for an account that may sign in (a lock does not matter: the reset lifts
/// it), at most one a minute. `None`: nothing to send, and the page says the same.
pub async fn request_password_reset(db: &Db, email: &str, ip: &str) -> AppResult<Option<LinkMail>> {
    let now = now_ms();
    let Some(user) = account_for(db, email).await? else {
        return Ok(None);
    };
    if !may_sign_in(&user, now, true) || recently_sent(db, &user, TokenPurpose::PasswordReset, now).await? {
        return Ok(None);
    }
    let action = AuditAction::PasswordResetRequested;
    let mail = new_link(
        db,
        &user,
        TokenPurpose::PasswordReset,
        PASSWORD_RESET_VALID_MS,
        action,
        ip,
        now,
    )
    .await?;
    Ok(Some(mail))
}

/// The email of a usable reset link's account.
pub async fn password_reset_link(db: &Db, token: &str) -> AppResult<Option<String>> {
    Ok(user_of_token(db, token, TokenPurpose::PasswordReset)
        .await?
        .map(|u| u.email))
}

/// Sets the new password of a reset link's account: the lock lifted, every session ended,
/// every reset link retired, audited. False when the link is not (or no longer) valid.
pub async fn reset_password(db: &Db, token: &str, new_password: &NewPassword, ip: &str) -> AppResult<bool> {
    let Some(user) = user_of_token(db, token, TokenPurpose::PasswordReset).await? else {
        return Ok(false);
    };
    let hash = password::hash(new_password).await?;
    let now = now_ms();
    // Used up only now, so a mistyped confirmation does not cost the link.
    if db
        .consume_token(&token_hash(token), TokenPurpose::PasswordReset, now)
        .await?
        != Some(user.id)
    {
        return Ok(false);
    }
    let event = AuditEvent {
        merchant_id: merchant_of(db, user.id, now).await?,
        actor_user_id: Some(user.id),
        actor: &user.email,
        subject: &user.email,
        ip,
        ..AuditEvent::of(AuditAction::PasswordReset)
    };
    db.reset_password(user.id, &hash, &event, now).await?;
    Ok(true)
}

/// A sign-in link for an account that may sign in now and has a store, at most one a
/// minute. `None`: nothing to send, and the page says the same.
pub async fn request_magic_link(db: &Db, email: &str, ip: &str) -> AppResult<Option<LinkMail>> {
    let now = now_ms();
    let Some(user) = account_for(db, email).await? else {
        return Ok(None);
    };
    let has_store = !db.usable_memberships(user.id, now).await?.is_empty();
    if !has_store || !may_sign_in(&user, now, false) || recently_sent(db, &user, TokenPurpose::MagicLink, now).await? {
        return Ok(None);
    }
    let action = AuditAction::MagicLinkRequested;
    let mail = new_link(db, &user, TokenPurpose::MagicLink, MAGIC_LINK_VALID_MS, action, ip, now).await?;
    Ok(Some(mail))
}

/// The email of a usable sign-in link's account.
pub async fn magic_link(db: &Db, token: &str) -> AppResult<Option<String>> {
    Ok(user_of_token(db, token, TokenPurpose::MagicLink)
        .await?
        .map(|u| u.email))
}

pub enum LinkSignIn {
    /// Unknown, used or expired — or the account may no longer sign in.
    Invalid,
    /// Two-factor on: the code step, with its challenge token.
    SecondFactor {
        challenge: String,
    },
    SignedIn(NewSession),
}

/// Uses a sign-in link up and signs its account in (or on to the code step).
pub async fn magic_link_sign_in(db: &Db, token: &str, visitor: &Visitor) -> AppResult<LinkSignIn> {
    let now = now_ms();
    let Some(user_id) = db
        .consume_token(&token_hash(token), TokenPurpose::MagicLink, now)
        .await?
    else {
        return Ok(LinkSignIn::Invalid);
    };
    let Some(user) = db.user_by_id(user_id).await? else {
        return Ok(LinkSignIn::Invalid);
    };
    let stores = db.usable_memberships(user.id, now).await?;
    let Some(first) = stores.first().filter(|_| may_sign_in(&user, now, false)) else {
        audit_user(db, &user, AuditAction::SignInRefusedInactive, &visitor.ip, None).await?;
        return Ok(LinkSignIn::Invalid);
    };
    if user.totp_secret.is_some() {
        let challenge = start_challenge(db, user.id).await?;
        return Ok(LinkSignIn::SecondFactor { challenge });
    }
    let session = complete_sign_in(db, &signed_in(&user, first, "magic_link"), visitor).await?;
    Ok(LinkSignIn::SignedIn(session))
}
