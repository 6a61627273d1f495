//! Account security: setting up, using and turning off TOTP two-factor authentication, and
//! the merchant's two-factor policy as it applies to the member.

use crate::shell::extract::{Form, Query};
use crate::shell::i18n::format_time;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{two_factor, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::{self as accounts, AuthRefusal};
use kassa_app::AppError;
use serde::Deserialize;

/// The setup step: the secret, its URI and QR code.
struct Setup {
    secret: String,
    secret_grouped: String,
    uri: String,
    qr_svg: String,
}

#[derive(Template)]
#[template(path = "security.html")]
struct SecurityTemplate {
    page: Page,
    tabs: Vec<crate::shell::views::NavItem>,
    must_enrol: bool,
    error: Option<String>,
    enabled: bool,
    enabled_since: String,
    codes_left_text: String,
    may_disable: bool,
    setup: Option<Setup>,
    recovery_codes: Vec<String>,
    recovery_codes_text: String,
    policy_on: bool,
}

async fn security_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    error: Option<&str>,
    recovery_codes: Vec<String>,
) -> Result<Response, WebError> {
    let page = Page::member(member, None, "security-title", "/portal/account/security").with_notice(notice);
    let two_factor = accounts::two_factor_state(&state.db, &member.actor()).await?;
    let setup = two_factor.pending_secret.map(|secret| {
        let uri = two_factor::otpauth_uri(&secret, &two_factor.email);
        Setup {
            secret_grouped: two_factor::grouped(&secret),
            qr_svg: two_factor::qr_svg(&uri, &page.t("security-setup-qr-label")),
            uri,
            secret,
        }
    });
    let left = two_factor.recovery_codes_left;
    let mut res = render(&SecurityTemplate {
        must_enrol: !two_factor.enabled && two_factor.required,
        error: error.map(|k| page.t(k)),
        enabled: two_factor.enabled,
        enabled_since: two_factor
            .enabled_at
            .map(|t| format_time(t, &two_factor.timezone))
            .unwrap_or_default(),
        codes_left_text: page.t_args("security-codes-left", &[("count", left.to_string())]),
        may_disable: !two_factor.required,
        setup,
        recovery_codes_text: recovery_codes.join("\n"),
        recovery_codes,
        policy_on: two_factor.policy_on,
        tabs: super::account_tabs(member, &page, super::TWO_FACTOR_SETUP),
        page,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
pub(crate) struct SecurityQuery {
    done: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<SecurityQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("disabled") => Some("security-notice-disabled"),
        _ => None,
    };
    security_page(&state, &member, notice, None, Vec::new()).await
}

/// Starts (or restarts) setup with a new secret, kept as pending until a code confirms it.
pub(crate) async fn setup(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    accounts::start_two_factor_setup(&state.db, &member.actor()).await?;
    Ok(Redirect::to("/portal/account/security").into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

/// A code from the app proves it holds the secret: two-factor goes on, and the recovery
/// codes are shown this once.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let codes = match accounts::confirm_two_factor(&state.db, &member.actor(), &form.code).await {
        Ok(Some(codes)) => codes,
        Ok(None) => return Ok(Redirect::to("/portal/account/security").into_response()),
        Err(AppError::Auth(AuthRefusal::WrongCode)) => {
            return security_page(&state, &member, None, Some("two-factor-error-code"), Vec::new()).await
        }
        Err(e) => return Err(e.into()),
    };
    let mut member = member;
    member.user.two_factor = true;
    member.must_enrol_two_factor = false;
    security_page(&state, &member, Some("security-notice-enabled"), None, codes).await
}

#[derive(Deserialize)]
pub(crate) struct PasswordConfirmForm {
    current_password: String,
}

/// The page for a refused password-confirmed action, or the error to pass on.
async fn refused(state: &AppState, member: &Member, e: AppError) -> Result<Response, WebError> {
    let key = match e {
        AppError::Auth(AuthRefusal::WrongPassword) => "account-error-current-password",
        AppError::Auth(AuthRefusal::TwoFactorRequired) => "security-disable-not-allowed",
        e => return Err(e.into()),
    };
    security_page(state, member, None, Some(key), Vec::new()).await
}

pub(crate) async fn new_recovery_codes(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PasswordConfirmForm>,
) -> Result<Response, WebError> {
    match accounts::replace_recovery_codes(&state.db, &member.actor(), &form.current_password).await {
        Ok(Some(codes)) => security_page(&state, &member, Some("security-notice-new-codes"), None, codes).await,
        Ok(None) => Ok(Redirect::to("/portal/account/security").into_response()),
        Err(e) => refused(&state, &member, e).await,
    }
}

/// Turning two-factor off needs the password, and is refused where the merchant's policy
/// requires it of this member.
pub(crate) async fn disable(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PasswordConfirmForm>,
) -> Result<Response, WebError> {
    match accounts::disable_two_factor(&state.db, &member.actor(), &form.current_password).await {
        Ok(()) => Ok(Redirect::to("/portal/account/security?done=disabled").into_response()),
        Err(e) => refused(&state, &member, e).await,
    }
}
