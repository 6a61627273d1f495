//! Personal details beyond the profile form: changing the email address (confirmed from the
//! new address, the old one told and able to cancel), the browser's timezone at first
//! sign-in, and the member's own sessions, each of which they can end.

use super::account::own_event;
use super::password::{self, random_token, token_hash};
use super::{merchant_of, user_id, user_of, AuthRefusal};
use crate::{now_ms, Actor, AppError, AppResult, FieldError};
use kassa_core::account::{session_alive, Email};
use kassa_core::audit::AuditAction;
use kassa_db::{AuditEvent, Db, EmailChangeApplied, EmailChangeRow, NewEmailChange, UserRow};

/// How long the link to the new address works.
pub const EMAIL_CHANGE_VALID_MS: i64 = 24 * 60 * 60 * 1000;
/// At most this many change requests per user an hour, so nobody's mailbox is flooded.
pub const EMAIL_CHANGES_PER_HOUR: i64 = 5;

/// Field names of an email change in errors.
pub mod email_field {
    pub const NEW_EMAIL: &str = "new_email";
    /// Too many requests within the hour.
    pub const TOO_MANY: &str = "too_many";
}

/// An email change as entered.
pub struct EmailChangeRequest<'a> {
    pub new_email: &'a str,
    pub current_password: &'a str,
}

/// Someone to write to, in their language and timezone.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub to: String,
    pub language: String,
    pub timezone: String,
}

/// The mails a change request sends. The page says the same whatever they are.
#[derive(Debug, Clone)]
pub struct EmailChangeMails {
    /// To the new address: the link (token) that applies the change, and when it expires.
    /// `None` when another account has that address.
    pub confirm: Option<(Recipient, String)>,
    /// To the owner of another account with the new address: someone tried to use it.
    pub address_in_use: Option<Recipient>,
    /// To the current address: a change to `new_email` was asked for; the token cancels it.
    pub notice: (Recipient, String),
    pub new_email: String,
    pub expires_at: i64,
}

fn recipient(user: &UserRow) -> Recipient {
    Recipient {
        to: user.email.clone(),
        language: user.language.clone(),
        timezone: user.timezone.clone(),
    }
}

/// Checks the current password and the new address, then stores the change (retiring an
/// earlier pending one) and says what to mail. An address that belongs to another account
/// gets no link, only a note to its owner, and the answer looks the same.
pub async fn request_email_change(db: &Db, actor: &Actor, req: &EmailChangeRequest<'_>) -> AppResult<EmailChangeMails> {
    let user = user_of(db, actor).await?;
    let new = Email::parse(req.new_email)
        .map_err(|_| AppError::Invalid(vec![FieldError::new(email_field::NEW_EMAIL, "not an email address")]))?;
    if new.as_str() == user.email {
        return Err(AppError::Invalid(vec![FieldError::new(
            email_field::NEW_EMAIL,
            "already your address",
        )]));
    }
    if !password::verify(req.current_password, user.password_hash.as_deref()).await? {
        return Err(AuthRefusal::WrongPassword.into());
    }
    let now = now_ms();
    if db.email_changes_since(user.id, now - 60 * 60 * 1000).await? >= EMAIL_CHANGES_PER_HOUR {
        return Err(AppError::Invalid(vec![FieldError::new(
            email_field::TOO_MANY,
            "too many requests, try again later",
        )]));
    }
    let other = db.user_by_email(new.as_str()).await?;
    let token = random_token();
    let cancel = random_token();
    let expires_at = now + EMAIL_CHANGE_VALID_MS;
    let change = NewEmailChange {
        token_hash: &token_hash(&token),
        cancel_hash: &token_hash(&cancel),
        user_id: user.id,
        old_email: &user.email,
        new_email: new.as_str(),
        expires_at,
        // An address in use is recorded (it counts towards the limit) but cannot be applied.
        taken: other.is_some(),
    };
    let event = own_event(
        actor,
        user.id,
        AuditAction::EmailChangeRequested,
        Some(serde_json::json!({ "email": user.email }).to_string()),
        Some(serde_json::json!({ "email": new.as_str() }).to_string()),
    );
    db.create_email_change(&change, &event, now).await?;
    let confirm = match &other {
        None => Some((
            Recipient {
                to: new.as_str().to_owned(),
                ..recipient(&user)
            },
            token,
        )),
        Some(_) => None,
    };
    Ok(EmailChangeMails {
        confirm,
        address_in_use: other.as_ref().map(recipient),
        notice: (recipient(&user), cancel),
        new_email: new.as_str().to_owned(),
        expires_at,
    })
}

/// The pending change a confirmation link stands for, if it still works.
pub async fn email_change_link(db: &Db, token: &str) -> AppResult<Option<EmailChangeRow>> {
    Ok(db.pending_email_change(&token_hash(token), now_ms()).await?)
}

/// The pending change a cancel link stands for, if it still works.
pub async fn email_change_cancel_link(db: &Db, cancel: &str) -> AppResult<Option<EmailChangeRow>> {
    Ok(db.pending_email_change_by_cancel(&token_hash(cancel), now_ms()).await?)
}

/// The signed-in member's pending change, to show on their account page.
pub async fn pending_email_change(db: &Db, actor: &Actor) -> AppResult<Option<EmailChangeRow>> {
    Ok(db.pending_email_change_of(user_id(actor)?, now_ms()).await?)
}

/// What opening a confirmation link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChangeOutcome {
    /// The address is `new_email` now; every other session has ended.
    Applied {
        user_id: i64,
        new_email: String,
    },
    Invalid,
    /// Another account took the address meanwhile.
    Taken,
}

/// Applies the change of a confirmation link, once: the unique address of `users` decides
/// a race. Every session of the user ends but `keep_session` (the browser that opened the
/// link, when it is the same user's), and so do emailed reset and sign-in links.
pub async fn confirm_email_change(
    db: &Db,
    token: &str,
    keep_session: Option<&str>,
    ip: &str,
) -> AppResult<EmailChangeOutcome> {
    let now = now_ms();
    let hash = token_hash(token);
    let Some(change) = db.pending_email_change(&hash, now).await? else {
        return Ok(EmailChangeOutcome::Invalid);
    };
    let before = serde_json::json!({ "email": change.old_email }).to_string();
    let after = serde_json::json!({ "email": change.new_email }).to_string();
    let event = AuditEvent {
        merchant_id: merchant_of(db, change.user_id, now).await?,
        actor_user_id: Some(change.user_id),
        actor: &change.new_email,
        subject: &change.new_email,
        ip,
        before: Some(before),
        after: Some(after),
        ..AuditEvent::of(AuditAction::EmailChanged)
    };
    Ok(match db.apply_email_change(&hash, keep_session, &event, now).await? {
        EmailChangeApplied::Applied => EmailChangeOutcome::Applied {
            user_id: change.user_id,
            new_email: change.new_email,
        },
        EmailChangeApplied::Invalid => EmailChangeOutcome::Invalid,
        EmailChangeApplied::Taken => EmailChangeOutcome::Taken,
    })
}

/// Cancels the pending change of a cancel link (sent to the old address); false if there is
/// none (applied, cancelled, replaced or expired).
pub async fn cancel_email_change(db: &Db, cancel: &str, ip: &str) -> AppResult<bool> {
    let now = now_ms();
    let hash = token_hash(cancel);
    let Some(change) = db.pending_email_change_by_cancel(&hash, now).await? else {
        return Ok(false);
    };
    let event = AuditEvent {
        merchant_id: merchant_of(db, change.user_id, now).await?,
        actor_user_id: Some(change.user_id),
        actor: &change.old_email,
        subject: &change.old_email,
        ip,
        after: Some(serde_json::json!({ "email": change.new_email }).to_string()),
        ..AuditEvent::of(AuditAction::EmailChangeCancelled)
    };
    Ok(db.cancel_email_change(&hash, &event, now).await?)
}

/// Takes the timezone a browser offers at sign-in for a user who never chose one. An offer
/// that is not an IANA zone name is ignored.
pub(crate) async fn take_offered_timezone(db: &Db, user_id: i64, offered: Option<&str>) -> AppResult<()> {
    let Some(zone) = offered.map(str::trim).filter(|z| is_iana_zone(z)) else {
        return Ok(());
    };
    db.offer_timezone(user_id, zone, now_ms()).await?;
    Ok(())
}

/// An IANA time zone name the time zone database knows ("Europe/Stockholm", "UTC"), not a
/// fixed offset or a POSIX rule.
pub fn is_iana_zone(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
        && jiff::tz::TimeZone::get(name).is_ok()
}

/// One of the member's live sessions.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Names the session in forms; derived from its hash, so it opens nothing.
    pub id: String,
    pub ip: String,
    pub user_agent: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session of the browser asking.
    pub current: bool,
}

fn public_id(token_hash_: &str) -> String {
    token_hash(&format!("kassa-session:{token_hash_}"))[..24].to_owned()
}

/// The member's live sessions, most recently used first.
pub async fn my_sessions(db: &Db, actor: &Actor, current: &str) -> AppResult<Vec<SessionInfo>> {
    let now = now_ms();
    let rows = db.sessions_of_user(user_id(actor)?).await?;
    Ok(rows
        .into_iter()
        .filter(|s| s.token_hash == current || session_alive(s.created_at, s.last_seen_at, now))
        .map(|s| SessionInfo {
            id: public_id(&s.token_hash),
            current: s.token_hash == current,
            ip: s.ip,
            user_agent: s.user_agent,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
        })
        .collect())
}

/// Ends one of the member's sessions at once (the next request of that browser finds no
/// session). Another person's session, or one already gone, is "not found".
pub async fn sign_out_session(db: &Db, actor: &Actor, id: &str) -> AppResult<()> {
    let user = user_id(actor)?;
    let rows = db.sessions_of_user(user).await?;
    let Some(row) = rows.iter().find(|s| public_id(&s.token_hash) == id) else {
        return Err(AppError::NotFound(crate::Missing::Other("session")));
    };
    if !db.delete_session_of_user(user, &row.token_hash).await? {
        return Err(AppError::NotFound(crate::Missing::Other("session")));
    }
    let after = serde_json::json!({ "ip": row.ip, "user_agent": row.user_agent }).to_string();
    let event = own_event(actor, user, AuditAction::SessionSignedOut, None, Some(after));
    Ok(db.record_audit(&event, now_ms()).await?)
}

/// Ends every session of the member but this one; returns how many ended.
pub async fn sign_out_other_sessions(db: &Db, actor: &Actor, current: &str) -> AppResult<u64> {
    let user = user_id(actor)?;
    let ended = db.delete_other_sessions(user, current).await?;
    let after = serde_json::json!({ "sessions": ended }).to_string();
    let event = own_event(actor, user, AuditAction::OtherSessionsSignedOut, None, Some(after));
    db.record_audit(&event, now_ms()).await?;
    Ok(ended)
}
