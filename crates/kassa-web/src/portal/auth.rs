//! Sign-in and sign-out.

use super::safe_next;
use crate::i18n::Lang;
use crate::password::{self, random_token};
use crate::session::{
    self, client_ip, cookie, csrf_cookie, session_cookie, set_cookie, Member, SessionEnded, LANG_COOKIE,
};
use crate::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kassa_core::account::{Email, SignInRefusal, SignInState, UserStatus, SESSION_ABSOLUTE_MS};
use kassa_db::AuditEvent;
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
        None
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

    let refusal = user.as_ref().and_then(|u| {
        SignInState {
            status: u.status.parse().unwrap_or(UserStatus::Deactivated),
            locked_until_ms: u.locked_until,
            access_expires_ms: u.access_expires_at,
        }
        .refusal(now)
    });
    // A locked account is refused before its password is even checked, so guessing on
    // cannot confirm a password. Other refusals are only told to someone who knows it.
    let password_ok = if refusal == Some(SignInRefusal::Locked) {
        false
    } else {
        password::verify(&form.password, user.as_ref().and_then(|u| u.password_hash.as_deref())).await?
    };
    let memberships = match (&user, password_ok, refusal) {
        (Some(u), true, None) => db.memberships_of(u.id).await?,
        _ => Vec::new(),
    };

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
        let merchant_id = None;
        let user_id = user.as_ref().map(|u| u.id);
        let message = match (refusal, password_ok) {
            (Some(SignInRefusal::Locked), _) => {
                db.record_audit(&audit("sign_in_refused_locked", user_id, merchant_id), now)
                    .await?;
                "sign-in-error-locked"
            }
            (Some(SignInRefusal::AccessExpired), true) => {
                db.record_audit(&audit("sign_in_refused_expired", user_id, merchant_id), now)
                    .await?;
                "sign-in-error-expired"
            }
            (Some(SignInRefusal::NotActive), true) => {
                db.record_audit(&audit("sign_in_refused_inactive", user_id, merchant_id), now)
                    .await?;
                "sign-in-error-inactive"
            }
            (None, true) => {
                db.record_audit(&audit("sign_in_refused_no_store", user_id, merchant_id), now)
                    .await?;
                "sign-in-error-no-store"
            }
            _ => {
                let mut action = "sign_in_failed";
                if let Some(id) = user_id {
                    let (_, locked_until) = db.record_failed_sign_in(id, now).await?;
                    if locked_until.is_some_and(|t| t > now) {
                        action = "account_locked";
                    }
                }
                db.record_audit(&audit(action, user_id, merchant_id), now).await?;
                if action == "account_locked" {
                    "sign-in-error-locked"
                } else {
                    "sign-in-error-credentials"
                }
            }
        };
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

    // A fresh session id at every sign-in: a session fixed before sign-in is worthless.
    if let Some(old) = previous {
        db.delete_session(&old).await?;
    }
    db.record_sign_in(user.id, now).await?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = session::start(db, user.id, &first.store_id, &ip, user_agent).await?;
    db.record_audit(&audit("sign_in", Some(user.id), Some(first.merchant_id)), now)
        .await?;

    let config = &state.config;
    let mut res = Redirect::to(safe_next(form.next.as_deref())).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(config, session_cookie(config), &token, Some(SESSION_ABSOLUTE_MS / 1000)),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(config, LANG_COOKIE, &user.language, Some(365 * 24 * 3600)),
    );
    Ok(res)
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
