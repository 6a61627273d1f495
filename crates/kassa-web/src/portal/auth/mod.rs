//! Sign-in and sign-out.

mod section;
pub(crate) use section::section;

pub(super) mod recovery;

use crate::mail::account_locked_mail;
use crate::shell::extract::{Form, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::safe_next;
use crate::shell::session::{
    self, client_ip, cookie, csrf_cookie, session_cookie, set_cookie, Member, SessionEnded, LANG_COOKIE,
};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::password::random_token;
use kassa_app::auth::{self as accounts, Credentials, LockedMail, NewSession, SignInFailure, SignInOutcome, Visitor};
use kassa_core::account::SESSION_ABSOLUTE_MS;
use kassa_core::team::SIGN_IN_CHALLENGE_MS;
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
            Some("email_changed") => Some("sign-in-notice-email-changed"),
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

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

pub(crate) async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let visitor = Visitor {
        ip: client_ip(req.extensions()),
        user_agent: user_agent(&headers),
        previous_session: req.extensions().get::<Member>().map(|m| m.token_hash.clone()),
        timezone: session::offered_timezone(&headers),
    };
    let Form(form) = Form::<SignInForm>::from_request(req, &state).await?;
    let next = safe_next(form.next.as_deref()).to_owned();
    let credentials = Credentials {
        email: &form.email,
        password: &form.password,
    };
    let (failure, locked) = match accounts::sign_in(&state.db, &credentials, &visitor).await? {
        SignInOutcome::SignedIn(session) => return Ok(signed_in(&state, &session, &next)),
        SignInOutcome::SecondFactor { challenge } => return Ok(challenge_started(&state, &challenge, &next)),
        SignInOutcome::Refused { failure, locked } => (failure, locked),
    };
    state.metrics.sign_in_failed(crate::metrics::Surface::Portal);
    if let Some(locked) = locked {
        state.metrics.locked_out(crate::metrics::Surface::Portal);
        tell_owner_locked(&state, &locked).await?;
    }
    let message = match failure {
        SignInFailure::Credentials => "sign-in-error-credentials",
        SignInFailure::AccessExpired => "sign-in-error-expired",
        SignInFailure::Inactive => "sign-in-error-inactive",
        SignInFailure::NoStore => "sign-in-error-no-store",
    };
    let lang = Lang::for_request(&headers);
    let csrf = cookie(&headers, csrf_cookie(&state.config)).unwrap_or_default();
    let page = Page::visitor(lang, csrf, "sign-in-title", "/portal/sign-in");
    let mut res = render(&SignInTemplate {
        error: Some(page.t(message)),
        page,
        email: form.email.trim().to_owned(),
        next,
    });
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    Ok(res)
}

/// The answer to a completed sign-in: the session and language cookies, the code step's
/// cookie cleared, and on to `next`.
pub(crate) fn signed_in(state: &AppState, session: &NewSession, next: &str) -> Response {
    let config = &state.config;
    let mut res = Redirect::to(safe_next(Some(next))).into_response();
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        set_cookie(
            config,
            session_cookie(config),
            &session.token,
            Some(SESSION_ABSOLUTE_MS / 1000),
        ),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(config, LANG_COOKIE, &session.language, Some(365 * 24 * 3600)),
    );
    h.append(
        header::SET_COOKIE,
        set_cookie(config, challenge_cookie(config), "", Some(0)),
    );
    res
}

pub(crate) fn challenge_cookie(config: &crate::WebConfig) -> &'static str {
    if config.secure() {
        "__Host-kassa_2fa"
    } else {
        "kassa_2fa"
    }
}

/// Right password (or sign-in link), two-factor on: the browser keeps the challenge token
/// for five minutes in a cookie and is asked for the code.
pub(crate) fn challenge_started(state: &AppState, challenge: &str, next: &str) -> Response {
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
            challenge,
            Some(SIGN_IN_CHALLENGE_MS / 1000),
        ),
    );
    res
}

/// An attempt has locked an account: the owner learns it by email, since the sign-in page
/// answers a locked account like an unknown one.
pub(crate) async fn tell_owner_locked(state: &AppState, locked: &LockedMail) -> Result<(), WebError> {
    let lang = Lang::from_code(&locked.language).unwrap_or(Lang::En);
    let until = format_time(locked.until, &locked.timezone);
    let reset = state.config.link("/portal/password-reset");
    state
        .mailer
        .send(account_locked_mail(lang, &locked.to, until, reset))
        .await
}

pub(crate) async fn sign_out(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    accounts::sign_out(&state.db, &member.actor(), &member.token_hash).await?;
    let config = &state.config;
    let mut res = Redirect::to("/portal/sign-in?signed_out=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(config, session_cookie(config), "", Some(0)),
    );
    Ok(res)
}

use axum::extract::FromRequest;
