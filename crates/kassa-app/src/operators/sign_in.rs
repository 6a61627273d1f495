//! An operator signs in: the password under the same lockout as the portal's (reserved in
//! the database before the hash is checked, one answer for unknown, deactivated and locked
//! accounts), then the TOTP code, or the set-up of one when the provider requires it and
//! the operator has none. A session exists from the password on, but until its stage is
//! `signed_in` it opens nothing but the next step.

use super::manage::two_factor_required;
use super::session::OperatorSession;
use crate::auth::password::{self, random_token, token_hash};
use crate::auth::two_factor;
use crate::auth::{LockedMail, Visitor};
use crate::{now_ms, AppResult};
use kassa_core::account::{Email, LOCKOUT_MS};
use kassa_core::audit::AuditAction;
use kassa_db::{AuditEvent, Db, OperatorRow, OperatorStage};

/// A session that has started, at the stage the password reached.
#[derive(Debug, Clone)]
pub struct StartedSession {
    /// The cookie token.
    pub token: String,
    pub stage: OperatorStage,
    pub language: String,
}

pub enum OpsSignInOutcome {
    /// Wrong email or password, a deactivated or a locked operator: one answer for all.
    /// `locked` is set when this attempt locked the account: its owner is told by email.
    Refused {
        locked: Option<LockedMail>,
    },
    Started(StartedSession),
}

/// The provider's timezone, for the lock email's "until".
const PROVIDER_TZ: &str = "Europe/Stockholm";

fn locked_mail(operator: &OperatorRow, now: i64) -> LockedMail {
    LockedMail {
        to: operator.email.clone(),
        language: operator.language.clone(),
        timezone: PROVIDER_TZ.to_owned(),
        until: now + LOCKOUT_MS,
    }
}

/// A refused try, with why: `wrong` (a password or code was checked and was wrong), `locked`
/// (nothing was checked), `unknown` (no such active operator).
fn failed<'a>(operator: Option<&'a OperatorRow>, email: &'a str, ip: &'a str, reason: &str) -> AuditEvent<'a> {
    AuditEvent {
        after: Some(serde_json::json!({ "reason": reason }).to_string()),
        ..audit(AuditAction::OperatorSignInFailed, operator, email, ip)
    }
}

fn audit<'a>(action: AuditAction, operator: Option<&'a OperatorRow>, email: &'a str, ip: &'a str) -> AuditEvent<'a> {
    AuditEvent {
        actor_operator_id: operator.map(|o| o.id),
        actor: email,
        subject: email,
        ip,
        ..AuditEvent::of(action)
    }
}

/// The password step.
pub async fn sign_in(db: &Db, email: &str, password: &str, visitor: &Visitor) -> AppResult<OpsSignInOutcome> {
    let now = now_ms();
    let email = Email::parse(email).ok();
    let operator = match &email {
        Some(e) => db.operator_by_email(e.as_str()).await?.filter(OperatorRow::active),
        None => None,
    };
    let attempt = match &operator {
        Some(o) => db.reserve_operator_sign_in_attempt(o.id, now).await?,
        None => None,
    };
    let stored = match (&operator, attempt) {
        (Some(o), Some(_)) => o.password_hash.as_deref(),
        _ => None,
    };
    let password_ok = password::verify(password, stored).await?;
    let locked_now = attempt.is_some_and(|a| a.locked_the_account());
    let shown = email.as_ref().map_or("unknown", |e| e.as_str());
    let proceeds = password_ok && !(locked_now && operator.as_ref().is_some_and(|o| o.totp_secret.is_some()));
    let Some(operator) = operator.clone().filter(|_| proceeds) else {
        let reason = match (&operator, attempt) {
            (None, _) => "unknown",
            (Some(_), None) => "locked",
            (Some(_), Some(_)) => "wrong",
        };
        db.record_audit(&failed(operator.as_ref(), shown, &visitor.ip, reason), now)
            .await?;
        let locked = match operator.filter(|_| locked_now) {
            Some(o) => {
                db.record_audit(&audit(AuditAction::OperatorLocked, Some(&o), shown, &visitor.ip), now)
                    .await?;
                Some(locked_mail(&o, now))
            }
            None => None,
        };
        return Ok(OpsSignInOutcome::Refused { locked });
    };
    let stage = if operator.totp_secret.is_some() {
        OperatorStage::SecondFactor
    } else if two_factor_required(db).await? {
        OperatorStage::Enrol
    } else {
        OperatorStage::SignedIn
    };
    if let Some(previous) = &visitor.previous_session {
        db.delete_operator_session(previous).await?;
    }
    let token = random_token();
    db.create_operator_session(
        &token_hash(&token),
        operator.id,
        &random_token(),
        stage,
        &visitor.ip,
        &visitor.user_agent,
        now,
    )
    .await?;
    if stage == OperatorStage::SignedIn {
        completed(db, &operator, "password", &visitor.ip).await?;
    }
    Ok(OpsSignInOutcome::Started(StartedSession {
        token,
        stage,
        language: operator.language,
    }))
}

/// A sign-in has completed: the failure count starts over, and the audit log says how.
async fn completed(db: &Db, operator: &OperatorRow, method: &str, ip: &str) -> AppResult<()> {
    let now = now_ms();
    db.record_operator_sign_in(operator.id, now).await?;
    let event = AuditEvent {
        after: Some(serde_json::json!({ "method": method }).to_string()),
        ..audit(AuditAction::OperatorSignIn, Some(operator), &operator.email, ip)
    };
    Ok(db.record_audit(&event, now).await?)
}

pub enum CodeOutcome {
    SignedIn,
    WrongCode,
    /// The account is locked (by this try, then its owner is told by email): the session
    /// ended; start over.
    Locked(Option<LockedMail>),
}

/// The code step of a session at `second_factor`. Each try is reserved before the code is
/// checked, like a password.
pub async fn second_factor(db: &Db, session: &OperatorSession, code: &str, ip: &str) -> AppResult<CodeOutcome> {
    let now = now_ms();
    let operator = &session.operator;
    let Some(secret) = operator.totp_secret.as_deref() else {
        return Ok(CodeOutcome::WrongCode);
    };
    let Some(attempt) = db.reserve_operator_sign_in_attempt(operator.id, now).await? else {
        db.record_audit(&failed(Some(operator), &operator.email, ip, "locked"), now)
            .await?;
        db.delete_operator_session(&session.token_hash).await?;
        return Ok(CodeOutcome::Locked(None));
    };
    let accepted = match two_factor::verify(secret, code, now) {
        Some(step) => db.accept_operator_totp_step(operator.id, step).await?,
        None => false,
    };
    if !accepted {
        db.record_audit(&failed(Some(operator), &operator.email, ip, "wrong"), now)
            .await?;
        if attempt.locked_the_account() {
            db.record_audit(
                &audit(AuditAction::OperatorLocked, Some(operator), &operator.email, ip),
                now,
            )
            .await?;
            db.delete_operator_session(&session.token_hash).await?;
            return Ok(CodeOutcome::Locked(Some(locked_mail(operator, now))));
        }
        return Ok(CodeOutcome::WrongCode);
    }
    if !db
        .advance_operator_session(
            &session.token_hash,
            OperatorStage::SecondFactor,
            OperatorStage::SignedIn,
        )
        .await?
    {
        return Ok(CodeOutcome::WrongCode);
    }
    completed(db, operator, "password+totp", ip).await?;
    Ok(CodeOutcome::SignedIn)
}

/// The secret an operator at the `enrol` stage is setting up (made on first ask, kept until
/// confirmed, so a reload shows the same QR code).
pub async fn enrolment_secret(db: &Db, session: &OperatorSession) -> AppResult<String> {
    if let Some(secret) = &session.operator.totp_pending_secret {
        return Ok(secret.clone());
    }
    let secret = two_factor::new_secret();
    db.set_operator_pending_totp(session.operator.id, Some(&secret), now_ms())
        .await?;
    Ok(secret)
}

/// Confirms the set-up with a code from the app: two-factor is on and the session signed in.
/// `false` for a wrong code (counted towards the lockout).
pub async fn confirm_enrolment(db: &Db, session: &OperatorSession, code: &str, ip: &str) -> AppResult<bool> {
    let now = now_ms();
    let operator = &session.operator;
    let Some(secret) = operator.totp_pending_secret.as_deref() else {
        return Ok(false);
    };
    if db.reserve_operator_sign_in_attempt(operator.id, now).await?.is_none() {
        return Ok(false);
    }
    let Some(step) = two_factor::verify(secret, code, now) else {
        db.record_audit(&failed(Some(operator), &operator.email, ip, "wrong"), now)
            .await?;
        return Ok(false);
    };
    if !db.enable_operator_totp(operator.id, step, now).await?
        || !db
            .advance_operator_session(&session.token_hash, OperatorStage::Enrol, OperatorStage::SignedIn)
            .await?
    {
        return Ok(false);
    }
    db.record_audit(
        &audit(
            AuditAction::OperatorTwoFactorEnabled,
            Some(operator),
            &operator.email,
            ip,
        ),
        now,
    )
    .await?;
    completed(db, operator, "password+totp_enrolment", ip).await?;
    Ok(true)
}
