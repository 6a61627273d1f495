//! Signing in: the password step under the lockout, the second-factor step, and starting
//! the session once someone has proved who they are.

use super::password::{self, random_token, token_hash};
use super::session::start_session;
use super::{merchant_of, two_factor};
use crate::{now_ms, AppResult};
use kassa_core::account::{Email, MembershipStatus, SignInRefusal, SignInState, LOCKOUT_MS};
use kassa_core::audit::AuditAction;
use kassa_core::team::SIGN_IN_CHALLENGE_MS;
use kassa_db::{AuditEvent, Db, MembershipRow, TokenPurpose, UserRow};

/// Where a sign-in comes from.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub ip: String,
    pub user_agent: String,
    /// The hash of the session this browser already has, if any: ended when a new one starts.
    pub previous_session: Option<String>,
    /// The IANA timezone the browser offers; taken if the user never chose one.
    pub timezone: Option<String>,
}

/// A sign-in form as entered.
pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
}

/// Why a sign-in was refused, as the page words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFailure {
    /// Wrong email or password, or a locked account: one answer, so neither shows.
    Credentials,
    AccessExpired,
    Inactive,
    NoStore,
}

/// The owner of an account that has just been locked, to be told by email.
#[derive(Debug, Clone)]
pub struct LockedMail {
    pub to: String,
    pub language: String,
    pub timezone: String,
    /// When the lock ends.
    pub until: i64,
}

/// A started session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie token.
    pub token: String,
    /// The account's language, for the language cookie.
    pub language: String,
}

pub enum SignInOutcome {
    Refused {
        failure: SignInFailure,
        /// Set when this attempt locked the account.
        locked: Option<LockedMail>,
    },
    /// Right password, two-factor on: the code step, with its one-time challenge token.
    SecondFactor {
        challenge: String,
    },
    SignedIn(NewSession),
}

fn locked_mail(user: &UserRow, now: i64) -> LockedMail {
    LockedMail {
        to: user.email.clone(),
        language: user.language.clone(),
        timezone: user.timezone.clone(),
        until: now + LOCKOUT_MS,
    }
}

/// Why an account that may sign in still gets no store: each merchant deactivated it, or
/// its access ended. `None` when a store is usable — or none was ever granted or accepted,
/// which the caller answers as "no store".
fn store_refusal(stores: &[MembershipRow], now: i64) -> Option<SignInRefusal> {
    if stores.iter().any(|m| m.usable(now)) {
        None
    } else if stores
        .iter()
        .any(|m| m.status == MembershipStatus::Active && m.deactivated_at.is_none())
    {
        Some(SignInRefusal::AccessExpired)
    } else if stores.iter().any(|m| m.deactivated_at.is_some()) {
        Some(SignInRefusal::NotActive)
    } else {
        None
    }
}

/// The password step.
///
/// The lockout is counted before any password is checked (see `kassa_db::sign_in`): a
/// locked account, like an unknown email, costs the same dummy hash and gets the same
/// answer, so neither the time nor the page tells whether an account exists or is locked.
pub async fn sign_in(db: &Db, form: &Credentials<'_>, visitor: &Visitor) -> AppResult<SignInOutcome> {
    let now = now_ms();
    let email = Email::parse(form.email).ok();
    let user = match &email {
        Some(e) => db.user_by_email(e.as_str()).await?,
        None => None,
    };
    let attempt = match &user {
        Some(u) => db.reserve_sign_in_attempt(u.id, now).await?,
        None => None,
    };
    let stored_hash = match (&user, attempt) {
        (Some(u), Some(_)) => u.password_hash.as_deref(),
        _ => None,
    };
    let password_ok = password::verify(form.password, stored_hash).await?;
    let refusal = user.as_ref().and_then(|u| {
        SignInState {
            status: u.status,
            locked_until_ms: None,
            access_expires_ms: u.access_expires_at,
        }
        .refusal(now)
    });
    // The attempt that used the last try goes on only to a sign-in without a second step;
    // with two-factor on, the code could no longer be tried anyway.
    let locked_now = attempt.is_some_and(|a| a.locked_the_account());
    let proceeds = password_ok && !(locked_now && user.as_ref().is_some_and(|u| u.totp_secret.is_some()));
    let memberships = match (&user, proceeds, refusal) {
        (Some(u), true, None) => db.memberships_of(u.id).await?,
        _ => Vec::new(),
    };
    let refusal = refusal.or_else(|| store_refusal(&memberships, now));
    let memberships: Vec<_> = memberships.into_iter().filter(|m| m.usable(now)).collect();

    let address = email.as_ref().map(|e| e.as_str());
    let audit = |action: AuditAction, user_id: Option<i64>, merchant_id: Option<i64>| AuditEvent {
        merchant_id,
        actor_user_id: user_id,
        actor: address.unwrap_or("unknown"),
        subject: address.unwrap_or(""),
        ip: &visitor.ip,
        ..AuditEvent::of(action)
    };

    let (Some(user), Some(first)) = (&user, memberships.first()) else {
        let user_id = user.as_ref().map(|u| u.id);
        let merchant_id = match user_id {
            Some(id) => merchant_of(db, id, now).await?,
            None => None,
        };
        use SignInFailure as F;
        let (action, failure) = match (user.is_some() && attempt.is_none(), proceeds, refusal) {
            (true, _, _) => (AuditAction::SignInRefusedLocked, F::Credentials),
            (_, true, Some(SignInRefusal::AccessExpired)) => (AuditAction::SignInRefusedExpired, F::AccessExpired),
            (_, true, Some(_)) => (AuditAction::SignInRefusedInactive, F::Inactive),
            (_, true, None) => (AuditAction::SignInRefusedNoStore, F::NoStore),
            // The right password on the attempt that locked a two-factor account.
            _ if password_ok => (AuditAction::SignInRefusedLocked, F::Credentials),
            _ => (AuditAction::SignInFailed, F::Credentials),
        };
        db.record_audit(&audit(action, user_id, merchant_id), now).await?;
        let locked = match (user, locked_now) {
            (Some(u), true) => {
                db.record_audit(&audit(AuditAction::AccountLocked, user_id, merchant_id), now)
                    .await?;
                Some(locked_mail(&u, now))
            }
            _ => None,
        };
        return Ok(SignInOutcome::Refused { failure, locked });
    };

    if user.totp_secret.is_some() {
        let challenge = start_challenge(db, user.id).await?;
        return Ok(SignInOutcome::SecondFactor { challenge });
    }
    let signed_in = SignedIn {
        user_id: user.id,
        email: &user.email,
        language: &user.language,
        store_id: &first.store_id,
        merchant_id: first.merchant_id,
        method: "password",
    };
    Ok(SignInOutcome::SignedIn(
        complete_sign_in(db, &signed_in, visitor).await?,
    ))
}

/// A user who has proved who they are, about to get a session.
pub struct SignedIn<'a> {
    pub user_id: i64,
    pub email: &'a str,
    pub language: &'a str,
    pub store_id: &'a str,
    pub merchant_id: i64,
    /// How they proved it, for the audit log: password, password+totp, magic_link, …
    pub method: &'a str,
}

/// Remembers the device signed in from (browser family, OS, address) and, when the person
/// has signed in before but never from it, queues the new-sign-in notification in the same
/// transaction. The first device of all is not news: it is the one the account was set up on.
async fn note_device(db: &Db, s: &SignedIn<'_>, visitor: &Visitor, now: i64) -> AppResult<()> {
    use kassa_core::notification::{Device, Kind};
    let device = Device::from_user_agent(&visitor.user_agent);
    let key = device.key(&visitor.ip);
    let mut tx = db.begin().await?;
    let (new, first) = tx.note_device(s.user_id, &key, now).await?;
    if new && !first {
        let event = crate::notifications::Event::new(Kind::NewSignIn, s.store_id, &key)
            .keyed(format!("{}:{}:{key}", Kind::NewSignIn.code(), s.user_id))
            .for_user(s.user_id)
            .with(serde_json::json!({
                "browser": device.browser,
                "os": device.os,
                "ip": visitor.ip,
                "at": now,
            }));
        crate::notifications::queue(&mut tx, &event).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Starts the session: a fresh session id at every sign-in, so a session fixed before
/// sign-in is worthless; the failure count starts over; the sign-in is audited.
pub async fn complete_sign_in(db: &Db, s: &SignedIn<'_>, visitor: &Visitor) -> AppResult<NewSession> {
    let now = now_ms();
    if let Some(old) = &visitor.previous_session {
        db.delete_session(old).await?;
    }
    db.record_sign_in(s.user_id, now).await?;
    super::personal::take_offered_timezone(db, s.user_id, visitor.timezone.as_deref()).await?;
    let token = start_session(db, s.user_id, s.store_id, &visitor.ip, &visitor.user_agent).await?;
    note_device(db, s, visitor, now).await?;
    db.record_audit(
        &AuditEvent {
            merchant_id: Some(s.merchant_id),
            actor_user_id: Some(s.user_id),
            actor: s.email,
            subject: s.email,
            ip: &visitor.ip,
            after: Some(serde_json::json!({ "method": s.method }).to_string()),
            ..AuditEvent::of(AuditAction::SignIn)
        },
        now,
    )
    .await?;
    Ok(NewSession {
        token,
        language: s.language.to_owned(),
    })
}

/// Right password (or sign-in link), two-factor on: a one-time token, valid five minutes,
/// that the browser keeps while it asks for the code.
pub async fn start_challenge(db: &Db, user_id: i64) -> AppResult<String> {
    let token = random_token();
    let now = now_ms();
    db.replace_token(
        user_id,
        TokenPurpose::SignInChallenge,
        &token_hash(&token),
        now + SIGN_IN_CHALLENGE_MS,
        now,
    )
    .await?;
    Ok(token)
}

/// Whether the account may sign in now; `ignore_lock` for a password reset, which lifts it.
pub(crate) fn may_sign_in(user: &UserRow, now: i64, ignore_lock: bool) -> bool {
    SignInState {
        status: user.status,
        locked_until_ms: if ignore_lock { None } else { user.locked_until },
        access_expires_ms: user.access_expires_at,
    }
    .refusal(now)
    .is_none()
}

pub(crate) async fn user_of_token(db: &Db, token: &str, purpose: TokenPurpose) -> AppResult<Option<UserRow>> {
    match db.token_user(&token_hash(token), purpose, now_ms()).await? {
        Some(id) => Ok(db.user_by_id(id).await?),
        None => Ok(None),
    }
}

/// An audit event a user caused about themselves, in their merchant's log.
pub(crate) async fn audit_user(
    db: &Db,
    user: &UserRow,
    action: AuditAction,
    ip: &str,
    after: Option<String>,
) -> AppResult<()> {
    let now = now_ms();
    let event = AuditEvent {
        merchant_id: merchant_of(db, user.id, now).await?,
        actor_operator_id: None,
        actor_user_id: Some(user.id),
        actor: &user.email,
        action,
        subject: &user.email,
        ip,
        before: None,
        after,
    };
    Ok(db.record_audit(&event, now).await?)
}

/// Whether a challenge token (from the browser) still stands for a code step.
pub async fn challenge_pending(db: &Db, challenge: Option<&str>) -> AppResult<bool> {
    match challenge {
        Some(token) => Ok(user_of_token(db, token, TokenPurpose::SignInChallenge).await?.is_some()),
        None => Ok(false),
    }
}

pub enum ChallengeOutcome {
    /// No (live) challenge, or the account may no longer sign in: start over.
    Expired,
    /// The code was wrong and this try locked the account: its owner is told, and the
    /// visitor starts over.
    Locked(LockedMail),
    WrongCode,
    SignedIn(NewSession),
}

/// The code step: a TOTP code or a recovery code. Failures count towards the same lockout
/// as wrong passwords, so the six digits cannot be guessed through.
pub async fn second_factor(
    db: &Db,
    challenge: Option<&str>,
    code: &str,
    visitor: &Visitor,
) -> AppResult<ChallengeOutcome> {
    let Some(token) = challenge else {
        return Ok(ChallengeOutcome::Expired);
    };
    let Some(user) = user_of_token(db, token, TokenPurpose::SignInChallenge).await? else {
        return Ok(ChallengeOutcome::Expired);
    };
    let now = now_ms();
    let stores = db.usable_memberships(user.id, now).await?;
    let (Some(secret), Some(first)) = (&user.totp_secret, stores.first()) else {
        return Ok(ChallengeOutcome::Expired);
    };
    if !may_sign_in(&user, now, false) {
        return Ok(ChallengeOutcome::Expired);
    }
    // Reserved before the code is checked, like a password: parallel guesses cannot slip
    // past the limit, and while the account is locked no code is checked at all.
    let Some(attempt) = db.reserve_sign_in_attempt(user.id, now).await? else {
        return Ok(ChallengeOutcome::Expired);
    };
    let method = if two_factor::looks_like_totp(code) {
        match two_factor::verify(secret, code, now) {
            Some(step) if db.accept_totp_step(user.id, step).await? => Some("password+totp"),
            _ => None,
        }
    } else {
        let hash = two_factor::recovery_code_hash(code);
        db.use_recovery_code(user.id, &hash, now)
            .await?
            .then_some("password+recovery_code")
    };
    let Some(method) = method else {
        audit_user(db, &user, AuditAction::TwoFactorFailed, &visitor.ip, None).await?;
        if attempt.locked_the_account() {
            audit_user(db, &user, AuditAction::AccountLocked, &visitor.ip, None).await?;
            return Ok(ChallengeOutcome::Locked(locked_mail(&user, now)));
        }
        return Ok(ChallengeOutcome::WrongCode);
    };
    if db
        .consume_token(&token_hash(token), TokenPurpose::SignInChallenge, now)
        .await?
        != Some(user.id)
    {
        return Ok(ChallengeOutcome::Expired);
    }
    if method == "password+recovery_code" {
        let left = db.unused_recovery_codes(user.id).await?;
        let after = serde_json::json!({ "recovery_codes_left": left }).to_string();
        audit_user(db, &user, AuditAction::RecoveryCodeUsed, &visitor.ip, Some(after)).await?;
    }
    let signed_in = signed_in(&user, first, method);
    Ok(ChallengeOutcome::SignedIn(
        complete_sign_in(db, &signed_in, visitor).await?,
    ))
}

pub(crate) fn signed_in<'a>(user: &'a UserRow, store: &'a MembershipRow, method: &'a str) -> SignedIn<'a> {
    SignedIn {
        user_id: user.id,
        email: &user.email,
        language: &user.language,
        store_id: &store.store_id,
        merchant_id: store.merchant_id,
        method,
    }
}

/// A new account has just proved its invitation link and chosen a password: it is signed
/// in, in a store of the merchant that invited it, rather than asked for that password
/// again at once. `None` when it may not sign in now.
pub async fn signed_in_after_invitation(
    db: &Db,
    user_id: i64,
    merchant_id: Option<i64>,
    visitor: &Visitor,
) -> AppResult<Option<NewSession>> {
    let now = now_ms();
    let mut stores = db.usable_memberships(user_id, now).await?;
    stores.sort_by_key(|m| Some(m.merchant_id) != merchant_id);
    let Some(user) = db.user_by_id(user_id).await? else {
        return Ok(None);
    };
    match stores.first().filter(|_| may_sign_in(&user, now, false)) {
        Some(first) => Ok(Some(
            complete_sign_in(db, &signed_in(&user, first, "invitation"), visitor).await?,
        )),
        None => Ok(None),
    }
}
