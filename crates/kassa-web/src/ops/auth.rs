//! Operator sign-in (password, then the TOTP code or its first set-up), sign-out, and the
//! header's language and theme choices in the back office.

use super::shell::{ops_session_cookie, Operator, OpsAccess, OpsRoute, OpsSection, OpsSession};
use crate::mail::operator_locked_mail;
use crate::shell::extract::{Form, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::{client_ip, cookie, csrf_cookie, safe_next_under, set_cookie, urlencode, LANG_COOKIE};
use crate::shell::views::{render, Page};
use crate::two_factor::{grouped, otpauth_uri, qr_svg};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::password::random_token;
use kassa_app::auth::{LockedMail, Visitor};
use kassa_app::operators::{self as ops, CodeOutcome, OpsSignInOutcome};
use kassa_core::account::SESSION_ABSOLUTE_MS;
use kassa_core::ops_access::OpsPermission;
use kassa_db::OperatorStage;
use serde::Deserialize;

const HOME: &str = "/ops";

pub(super) fn section() -> OpsSection {
    use OpsAccess::Public;
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get("/ops/sign-in", Public, sign_in_page),
            OpsRoute::post("/ops/sign-in", Public, sign_in),
            // The steps between password and session: each checks its session's stage.
            OpsRoute::get("/ops/sign-in/code", Public, code_page),
            OpsRoute::post("/ops/sign-in/code", Public, code),
            OpsRoute::get("/ops/sign-in/enrol", Public, enrol_page),
            OpsRoute::post("/ops/sign-in/enrol", Public, enrol),
            OpsRoute::post("/ops/sign-out", Public, sign_out),
            OpsRoute::post("/ops/language", Public, language),
            OpsRoute::post("/ops/theme", OpsAccess::Operator(OpsPermission::SignedIn), theme),
        ],
    }
}

#[derive(Template)]
#[template(path = "ops/sign_in.html")]
struct SignInTemplate {
    page: Page,
    email: String,
    next: String,
    error: Option<String>,
    two_factor_required: bool,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

fn next_of(next: Option<&str>) -> String {
    safe_next_under(next, HOME).to_owned()
}

/// The visitor's CSRF token: the cookie's, or a new one (then `true`: set the cookie).
fn visitor_csrf(state: &AppState, headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, csrf_cookie(&state.config)) {
        Some(c) => (c.to_owned(), false),
        None => (random_token(), true),
    }
}

async fn sign_in_form(
    state: &AppState,
    headers: &HeaderMap,
    next: String,
    email: String,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let (csrf, new) = visitor_csrf(state, headers);
    let lang = Lang::for_request(headers);
    let page = Page::visitor(lang, &csrf, "ops-sign-in-title", "/ops/sign-in").in_ops();
    let mut res = render(&SignInTemplate {
        error: error.map(|e| page.t(e)),
        page,
        email,
        next,
        two_factor_required: ops::two_factor_required(&state.db).await?,
    });
    if new {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state.config, csrf_cookie(&state.config), &csrf, None),
        );
    }
    Ok(res)
}

async fn sign_in_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
    req: Request,
) -> Result<Response, WebError> {
    let next = next_of(q.next.as_deref());
    if req.extensions().get::<Operator>().is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let mut res = sign_in_form(&state, req.headers(), next, String::new(), None).await?;
    if q.signed_out.is_some() {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state.config, ops_session_cookie(&state.config), "", Some(0)),
        );
    }
    Ok(res)
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
}

fn visitor(req: &Request) -> Visitor {
    Visitor {
        ip: client_ip(req.extensions()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        previous_session: req.extensions().get::<OpsSession>().map(|s| s.0.token_hash.clone()),
        // Operators keep the back office's own settings.
        timezone: None,
    }
}

async fn sign_in(State(state): State<AppState>, req: Request) -> Result<Response, WebError> {
    let visitor = visitor(&req);
    let headers = req.headers().clone();
    let Form(form) = Form::<SignInForm>::from_request(req, &state).await?;
    let next = next_of(form.next.as_deref());
    match ops::sign_in(&state.db, &form.email, &form.password, &visitor).await? {
        OpsSignInOutcome::Refused { locked } => {
            state.metrics.sign_in_failed(crate::metrics::Surface::BackOffice);
            if let Some(locked) = locked {
                state.metrics.locked_out(crate::metrics::Surface::BackOffice);
                tell_owner_locked(&state, &locked).await?;
            }
            let email = form.email.trim().to_owned();
            let mut res = sign_in_form(&state, &headers, next, email, Some("sign-in-error-credentials")).await?;
            *res.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(res)
        }
        OpsSignInOutcome::Started(started) => {
            let target = match started.stage {
                OperatorStage::SignedIn => next,
                OperatorStage::SecondFactor => format!("/ops/sign-in/code?next={}", urlencode(&next)),
                OperatorStage::Enrol => format!("/ops/sign-in/enrol?next={}", urlencode(&next)),
            };
            let config = &state.config;
            let mut res = Redirect::to(&target).into_response();
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                set_cookie(
                    config,
                    ops_session_cookie(config),
                    &started.token,
                    Some(SESSION_ABSOLUTE_MS / 1000),
                ),
            );
            h.append(
                header::SET_COOKIE,
                set_cookie(config, LANG_COOKIE, &started.language, Some(365 * 24 * 3600)),
            );
            Ok(res)
        }
    }
}

struct Enrolment {
    qr: String,
    grouped: String,
}

#[derive(Template)]
#[template(path = "ops/code.html")]
struct CodeTemplate {
    page: Page,
    action: &'static str,
    next: String,
    error: Option<String>,
    enrol: Option<Enrolment>,
}

/// The session at `stage`, or where to send the visitor instead: home when signed in
/// already, else back to the start.
fn at_stage(req: &Request, stage: OperatorStage) -> Result<OpsSession, Redirect> {
    match req.extensions().get::<OpsSession>() {
        Some(s) if s.0.stage == stage => Ok(s.clone()),
        Some(s) if s.0.stage == OperatorStage::SignedIn => Err(Redirect::to(HOME)),
        _ => Err(Redirect::to("/ops/sign-in")),
    }
}

async fn code_form(
    state: &AppState,
    session: &OpsSession,
    stage: OperatorStage,
    next: String,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let o = &session.0.operator;
    let lang = Lang::from_code(&o.language).unwrap_or(Lang::En);
    let (title, action, enrol) = match stage {
        OperatorStage::Enrol => {
            let secret = ops::enrolment_secret(&state.db, &session.0).await?;
            let uri = otpauth_uri(&secret, &o.email);
            let enrol = Enrolment {
                qr: qr_svg(&uri, &lang.t("ops-enrol-qr-label")),
                grouped: grouped(&secret),
            };
            ("ops-enrol-title", "/ops/sign-in/enrol", Some(enrol))
        }
        _ => ("two-factor-challenge-title", "/ops/sign-in/code", None),
    };
    let page = Page::visitor(lang, &session.0.csrf, title, action).in_ops();
    let mut res = render(&CodeTemplate {
        error: error.map(|e| page.t(e)),
        page,
        action,
        next,
        enrol,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNAUTHORIZED;
    }
    Ok(res)
}

async fn code_page(state: State<AppState>, q: Query<NextQuery>, req: Request) -> Result<Response, WebError> {
    step_page(state, q, req, OperatorStage::SecondFactor).await
}

async fn enrol_page(state: State<AppState>, q: Query<NextQuery>, req: Request) -> Result<Response, WebError> {
    step_page(state, q, req, OperatorStage::Enrol).await
}

/// The page of a sign-in step, for a session at that step.
async fn step_page(
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
    req: Request,
    stage: OperatorStage,
) -> Result<Response, WebError> {
    match at_stage(&req, stage) {
        Ok(s) => code_form(&state, &s, stage, next_of(q.next.as_deref()), None).await,
        Err(redirect) => Ok(redirect.into_response()),
    }
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn code(state: State<AppState>, req: Request) -> Result<Response, WebError> {
    step(state, req, OperatorStage::SecondFactor).await
}

async fn enrol(state: State<AppState>, req: Request) -> Result<Response, WebError> {
    step(state, req, OperatorStage::Enrol).await
}

/// A code sent at a sign-in step: the code of the operator's app, or the first one of the
/// app being set up.
async fn step(State(state): State<AppState>, req: Request, stage: OperatorStage) -> Result<Response, WebError> {
    let session = match at_stage(&req, stage) {
        Ok(s) => s,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let ip = client_ip(req.extensions());
    let Form(form) = Form::<CodeForm>::from_request(req, &state).await?;
    let next = next_of(form.next.as_deref());
    let code = form.code.trim();
    let signed_in = match stage {
        OperatorStage::Enrol => ops::confirm_enrolment(&state.db, &session.0, code, &ip).await?,
        _ => match ops::second_factor(&state.db, &session.0, code, &ip).await? {
            CodeOutcome::SignedIn => true,
            CodeOutcome::WrongCode => {
                state.metrics.sign_in_failed(crate::metrics::Surface::BackOffice);
                false
            }
            CodeOutcome::Locked(locked) => {
                state.metrics.sign_in_failed(crate::metrics::Surface::BackOffice);
                if let Some(locked) = locked {
                    state.metrics.locked_out(crate::metrics::Surface::BackOffice);
                    tell_owner_locked(&state, &locked).await?;
                }
                return Ok(Redirect::to("/ops/sign-in").into_response());
            }
        },
    };
    if signed_in {
        return Ok(Redirect::to(&next).into_response());
    }
    code_form(&state, &session, stage, next, Some("two-factor-error-code")).await
}

/// An attempt has locked an operator: they learn it by email, since the sign-in page answers
/// a locked account like an unknown one.
async fn tell_owner_locked(state: &AppState, locked: &LockedMail) -> Result<(), WebError> {
    let lang = Lang::from_code(&locked.language).unwrap_or(Lang::En);
    let until = format_time(locked.until, &locked.timezone);
    let mail = operator_locked_mail(lang, &locked.to, until, state.config.link("/ops/sign-in"));
    state.mailer.send(mail).await
}

/// Ends the operator session at whatever stage it is.
async fn sign_out(State(state): State<AppState>, req: Request) -> Result<Response, WebError> {
    if let Some(OpsSession(session)) = req.extensions().get::<OpsSession>() {
        ops::end_operator_session(&state.db, session, &client_ip(req.extensions())).await?;
    }
    let mut res = Redirect::to("/ops/sign-in?signed_out=1").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state.config, ops_session_cookie(&state.config), "", Some(0)),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct ChoiceForm {
    lang: Option<String>,
    theme: Option<String>,
    next: Option<String>,
}

/// The language of the back office: kept on the operator when signed in, in a cookie always.
async fn language(State(state): State<AppState>, req: Request) -> Result<Response, WebError> {
    let operator = req.extensions().get::<Operator>().cloned();
    let Form(form) = Form::<ChoiceForm>::from_request(req, &state).await?;
    let lang = form
        .lang
        .as_deref()
        .and_then(Lang::from_code)
        .ok_or_else(|| WebError::BadRequest("unknown language".into()))?;
    if let Some(o) = &operator {
        ops::set_operator_preferences(&state.db, o.id, lang.code(), &o.theme).await?;
    }
    let mut res = Redirect::to(safe_next_under(form.next.as_deref(), HOME)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state.config, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)),
    );
    Ok(res)
}

async fn theme(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<ChoiceForm>,
) -> Result<Response, WebError> {
    let theme = match form.theme.as_deref() {
        Some(t @ ("system" | "light" | "dark")) => t,
        _ => return Err(WebError::BadRequest("unknown theme".into())),
    };
    ops::set_operator_preferences(&state.db, operator.id, operator.lang.code(), theme).await?;
    Ok(Redirect::to(safe_next_under(form.next.as_deref(), HOME)).into_response())
}
