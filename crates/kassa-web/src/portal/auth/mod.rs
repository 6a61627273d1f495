//! Sign-in and sign-out.

mod section;
pub(crate) use section::section;

pub(super) mod recovery;

use crate::mail::account_locked_mail;
use crate::password::{self, random_token};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::safe_next;
use crate::shell::session::{
    self, client_ip, cookie, csrf_cookie, session_cookie, set_cookie, Member, SessionEnded, LANG_COOKIE,
};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kassa_core::account::{Email, SignInRefusal, SignInState, UserStatus, LOCKOUT_MS, SESSION_ABSOLUTE_MS};
use kassa_core::team::SIGN_IN_CHALLENGE_MS;
use kassa_db::{AuditEvent, MembershipRow, TokenPurpose, UserRow};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInTemplate {
    page: Page,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct SignInQuery {
    next: Option<String>,
    signed_out: Option<String>,
    /// Why the visitor was sent here: `activated`, `password_reset` or `challenge_expired`.
    notice: Option<String>,
}

pub(crate) async fn sign_in_page(
    State(state): State<AppState>,
    Query(q): Query<SignInQuery>,
    req: Request,
) -> Response {
    if req.extensions().get::<Member>().is_some() {
        return Redirect::to(safe_next(q.next.as_deref())).into_response();
    }
    let notice = if req.extensions().get::<SessionEnded>().is_some() {
        Some("sign-in-session-ended")
    } else if q.signed_out.is_some() {
        Some("sign-in-signed-out")
    } else {
        match q.notice.as_deref() {
            Some("activated") => Some("sign-in-notice-activated"),
            Some("password_reset") => Some("sign-in-notice-password-reset"),
            Some("challenge_expired") => Some("sign-in-notice-challenge-expired"),
            Some("invitation_accepted") => Some("sign-in-notice-invitation-accepted"),
            _ => None,
        }
    };
    let existing = cookie(req.headers(), csrf_cookie(&state.config)).map(str::to_owned);
    let csrf = existing.clone().unwrap_or_else(random_token);
    let lang = Lang::for_request(req.headers());
    let next = safe_next(q.next.as_deref()).to_owned();
    let page = Page::visitor(lang, &csrf, "sign-in-title", "/portal/sign-in").with_notice(notice);
    let mut res = render(&SignInTemplate {
        page,
        email: String::new(),
        next,
        error: None,
    });
    if existing.is_none() {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state.config, csrf_cookie(&state.config), &csrf, None),
        );
    }
    if notice == Some("sign-in-session-ended") {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state.config, session_cookie(&state.config), "", Some(0)),
        );
    }
    res
}

#[derive(Deserialize)]
pub(crate) struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let ip = client_ip(req.extensions());
    let previous = req.extensions().get::<Member>().map(|m| m.token_hash.clone());
    let Form(form) = Form::<SignInForm>::from_request(req, &state)
        .await
        .map_err(|e| WebError::BadRequest(e.body_text()))?;
    let lang = Lang::for_request(&headers);
    let now = now_ms();
    let db = &state.db;
    let email = Email::parse(&form.email).ok();
    let user = match &email {
        Some(e) => db.user_by_email(e.as_str()).await?,
        None => None,
    };

    // The lockout is counted before any password is checked (see kassa_db::sign_in): a
    // locked account, like an unknown email, costs the same dummy hash and gets the same
    // answer, so neither the time nor the page tells whether an account exists or is locked.
    let attempt = match &user {
        Some(u) => db.reserve_sign_in_attempt(u.id, now).await?,
        None => None,
    };
    let stored_hash = match (&user, attempt) {
        (Some(u), Some(_)) => u.password_hash.as_deref(),
        _ => None,
    };
    let password_ok = password::verify(&form.password, stored_hash).await?;
    let refusal = user.as_ref().and_then(|u| {
        SignInState {
            status: u.status.parse().unwrap_or(UserStatus::Deactivated),
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

    let audit = |action: &'static str, user_id: Option<i64>, merchant_id: Option<i64>| AuditEvent {
        merchant_id,
        actor_user_id: user_id,
        actor: email.as_ref().map(|e| e.as_str()).unwrap_or("unknown"),
        action,
        subject: email.as_ref().map(|e| e.as_str()).unwrap_or(""),
        ip: &ip,
        ..Default::default()
    };

    let (Some(user), Some(first)) = (&user, memberships.first()) else {
        let user_id = user.as_ref().map(|u| u.id);
        let merchant_id = match user_id {
            Some(id) => merchant_of(&state, id).await?,
            None => None,
        };
        let (action, message) = match (user.is_some() && attempt.is_none(), proceeds, refusal) {
            (true, _, _) => ("sign_in_refused_locked", "sign-in-error-credentials"),
            (_, true, Some(SignInRefusal::AccessExpired)) => ("sign_in_refused_expired", "sign-in-error-expired"),
            (_, true, Some(_)) => ("sign_in_refused_inactive", "sign-in-error-inactive"),
            (_, true, None) => ("sign_in_refused_no_store", "sign-in-error-no-store"),
            // The right password on the attempt that locked a two-factor account.
            _ if password_ok => ("sign_in_refused_locked", "sign-in-error-credentials"),
            _ => ("sign_in_failed", "sign-in-error-credentials"),
        };
        db.record_audit(&audit(action, user_id, merchant_id), now).await?;
        if let (Some(u), true) = (user, locked_now) {
            db.record_audit(&audit("account_locked", user_id, merchant_id), now)
                .await?;
            tell_owner_locked(&state, &u, now).await?;
        }
        let csrf = cookie(&headers, csrf_cookie(&state.config)).unwrap_or_default();
        let page = Page::visitor(lang, csrf, "sign-in-title", "/portal/sign-in");
        let mut res = render(&SignInTemplate {
            error: Some(page.t(message)),
            page,
            email: form.email.trim().to_owned(),
            next: safe_next(form.next.as_deref()).to_owned(),
        });
        *res.status_mut() = StatusCode::UNAUTHORIZED;
        return Ok(res);
    };

    let next = safe_next(form.next.as_deref()).to_owned();
    if user.totp_secret.is_some() {
        return start_challenge(&state, user.id, &next).await;
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let signed_in = SignedIn {
        user,
        store_id: &first.store_id,
        merchant_id: first.merchant_id,
        ip: &ip,
        user_agent,
        previous,
        method: "password",
    };
    complete_sign_in(&state, signed_in, &next).await
}

/// A user who has proved who they are, about to get a session.
pub(crate) struct SignedIn<'a> {
    pub user: &'a UserRow,
    pub store_id: &'a str,
    pub merchant_id: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    /// The session this browser had before, ended now.
    pub previous: Option<String>,
    /// How they proved it, for the audit log: password, password+totp, magic_link, …
    pub method: &'a str,
}

/// Starts the session: a fresh session id at every sign-in, so a session fixed before
/// sign-in is worthless; the failure count starts over; the sign-in is audited.
pub(crate) async fn complete_sign_in(state: &AppState, s: SignedIn<'_>, next: &str) -> Result<Response, WebError> {
    let db = &state.db;
    let now = now_ms();
    if let Some(old) = s.previous {
        db.delete_session(&old).await?;
    }
    db.record_sign_in(s.user.id, now).await?;
    let token = session::start(db, s.user.id, s.store_id, s.ip, s.user_agent).await?;
    db.record_audit(
        &AuditEvent {
            merchant_id: Some(s.merchant_id),
            actor_user_id: Some(s.user.id),
            actor: &s.user.email,
            action: "sign_in",
            subject: &s.user.email,
            ip: s.ip,
            after: Some(serde_json::json!({ "method": s.method }).to_string()),
            ..Default::default()
        },
        now,
    )
    .await?;
    let config = &state.config;
    let mut res = Redirect::to(safe_next(Some(next))).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(config, session_cookie(config), &token, Some(SESSION_ABSOLUTE_MS / 1000)),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(config, LANG_COOKIE, &s.user.language, Some(365 * 24 * 3600)),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(config, challenge_cookie(config), "", Some(0)),
    );
    Ok(res)
}

pub(crate) fn challenge_cookie(config: &crate::WebConfig) -> &'static str {
    if config.secure() {
        "__Host-kassa_2fa"
    } else {
        "kassa_2fa"
    }
}

/// Right password (or sign-in link), two-factor on: remember that for five minutes in a
/// cookie-held one-time token and ask for the code.
pub(crate) async fn start_challenge(state: &AppState, user_id: i64, next: &str) -> Result<Response, WebError> {
    let token = random_token();
    let now = now_ms();
    state
        .db
        .replace_token(
            user_id,
            TokenPurpose::SignInChallenge,
            &session::token_hash(&token),
            now + SIGN_IN_CHALLENGE_MS,
            now,
        )
        .await?;
    let target = format!(
        "/portal/sign-in/two-factor?next={}",
        session::urlencode(safe_next(Some(next)))
    );
    let mut res = Redirect::to(&target).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            &state.config,
            challenge_cookie(&state.config),
            &token,
            Some(SIGN_IN_CHALLENGE_MS / 1000),
        ),
    );
    Ok(res)
}

/// The attempt that used the last try has locked `user`'s account (from `now`): the owner
/// learns it by email, since the sign-in page answers a locked account like an unknown one.
pub(crate) async fn tell_owner_locked(state: &AppState, user: &UserRow, now: i64) -> Result<(), WebError> {
    let lang = Lang::from_code(&user.language).unwrap_or(Lang::En);
    let until = format_time(now + LOCKOUT_MS, &user.timezone);
    let reset = state.config.link("/portal/password-reset");
    state
        .mailer
        .send(account_locked_mail(lang, &user.email, until, reset))
        .await
}

/// Why an account that may sign in still gets no store: each merchant deactivated it, or
/// its access ended. `None` when a store is usable — or none was ever granted or accepted,
/// which the caller answers as "no store".
fn store_refusal(stores: &[MembershipRow], now: i64) -> Option<SignInRefusal> {
    if stores.iter().any(|m| m.usable(now)) {
        None
    } else if stores
        .iter()
        .any(|m| m.status == "active" && m.deactivated_at.is_none())
    {
        Some(SignInRefusal::AccessExpired)
    } else if stores.iter().any(|m| m.deactivated_at.is_some()) {
        Some(SignInRefusal::NotActive)
    } else {
        None
    }
}

/// The merchant a user belongs to (their first usable store's, else the first that
/// accepted them), so that refused sign-ins show in that merchant's audit log — never in
/// one whose invitation is still pending, which must learn nothing about the account yet.
pub(crate) async fn merchant_of(state: &AppState, user_id: i64) -> Result<Option<i64>, WebError> {
    let stores = state.db.memberships_of(user_id).await?;
    let now = now_ms();
    let accepted = || stores.iter().find(|m| m.status == "active");
    Ok(stores
        .iter()
        .find(|m| m.usable(now))
        .or_else(accepted)
        .map(|m| m.merchant_id))
}

pub(crate) async fn sign_out(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    state.db.delete_session(&member.token_hash).await?;
    state
        .db
        .record_audit(
            &AuditEvent {
                merchant_id: Some(member.store.merchant_id),
                actor_user_id: Some(member.user.id),
                actor: &member.user.email,
                action: "sign_out",
                subject: &member.user.email,
                ip: &member.ip,
                ..Default::default()
            },
            now_ms(),
        )
        .await?;
    let config = &state.config;
    let mut res = Redirect::to("/portal/sign-in?signed_out=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(config, session_cookie(config), "", Some(0)),
    );
    Ok(res)
}

use axum::extract::FromRequest;
