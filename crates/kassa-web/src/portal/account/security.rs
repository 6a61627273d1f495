//! Account security: setting up, using and turning off TOTP two-factor authentication, and
//! the merchant's two-factor policy as it applies to the member.

use crate::password;
use crate::shell::i18n::format_time;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, two_factor, AppState, WebError};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kassa_core::access::Role;
use kassa_db::AuditEvent;
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

/// Whether the member's merchant(s) require two-factor of them (they are an admin there).
fn required_for(member: &Member) -> bool {
    member
        .stores
        .iter()
        .any(|s| s.require_two_factor && s.role.parse::<Role>().is_ok_and(|r| r.is_admin()))
}

async fn security_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    error: Option<&str>,
    recovery_codes: Vec<String>,
) -> Result<Response, WebError> {
    let page = Page::member(member, None, "security-title", "/portal/account/security").with_notice(notice);
    let user = state.db.user_by_id(member.user.id).await?.ok_or(WebError::NotFound)?;
    let enabled = user.totp_secret.is_some();
    let setup = if enabled {
        None
    } else {
        state.db.totp_pending(user.id).await?.map(|secret| {
            let uri = two_factor::otpauth_uri(&secret, &user.email);
            Setup {
                secret_grouped: two_factor::grouped(&secret),
                qr_svg: two_factor::qr_svg(&uri, &page.t("security-setup-qr-label")),
                uri,
                secret,
            }
        })
    };
    let left = if enabled {
        state.db.unused_recovery_codes(user.id).await?
    } else {
        0
    };
    let must_enrol = !enabled && required_for(member);
    let mut res = render(&SecurityTemplate {
        must_enrol,
        error: error.map(|k| page.t(k)),
        enabled,
        enabled_since: user
            .two_factor_enabled_at
            .map(|t| format_time(t, &user.timezone))
            .unwrap_or_default(),
        codes_left_text: page.t_args("security-codes-left", &[("count", left.to_string())]),
        may_disable: !required_for(member),
        setup,
        recovery_codes_text: recovery_codes.join("\n"),
        recovery_codes,
        policy_on: member.stores.iter().any(|s| s.require_two_factor),
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
    if member.user.totp_secret.is_some() {
        return Ok(Redirect::to("/portal/account/security").into_response());
    }
    let secret = two_factor::new_secret();
    state
        .db
        .set_totp_pending(member.user.id, Some(&secret), now_ms())
        .await?;
    Ok(Redirect::to("/portal/account/security").into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

fn audit_event<'a>(member: &'a Member, action: &'a str, after: Option<String>) -> AuditEvent<'a> {
    AuditEvent {
        merchant_id: Some(member.store.merchant_id),
        actor_user_id: Some(member.user.id),
        actor: &member.user.email,
        action,
        subject: &member.user.email,
        ip: &member.ip,
        before: None,
        after,
    }
}

fn hashes(codes: &[String]) -> Vec<String> {
    codes.iter().map(|c| two_factor::recovery_code_hash(c)).collect()
}

/// A code from the app proves it holds the secret: two-factor goes on, and the recovery
/// codes are shown this once.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<CodeForm>,
) -> Result<Response, WebError> {
    let now = now_ms();
    let Some(secret) = state.db.totp_pending(member.user.id).await? else {
        return Ok(Redirect::to("/portal/account/security").into_response());
    };
    let Some(step) = two_factor::verify(&secret, &form.code, now) else {
        return security_page(&state, &member, None, Some("two-factor-error-code"), Vec::new()).await;
    };
    let codes = two_factor::new_recovery_codes();
    let event = audit_event(
        &member,
        "two_factor_enabled",
        Some(serde_json::json!({ "two_factor": true }).to_string()),
    );
    if !state
        .db
        .enable_two_factor(member.user.id, &secret, step, &hashes(&codes), &event, now)
        .await?
    {
        return Ok(Redirect::to("/portal/account/security").into_response());
    }
    let mut member = member;
    member.user.totp_secret = Some(secret);
    member.must_enrol_two_factor = false;
    security_page(&state, &member, Some("security-notice-enabled"), None, codes).await
}

#[derive(Deserialize)]
pub(crate) struct PasswordConfirmForm {
    current_password: String,
}

pub(crate) async fn new_recovery_codes(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PasswordConfirmForm>,
) -> Result<Response, WebError> {
    if member.user.totp_secret.is_none() {
        return Ok(Redirect::to("/portal/account/security").into_response());
    }
    if !password::verify(&form.current_password, member.user.password_hash.as_deref()).await? {
        return security_page(
            &state,
            &member,
            None,
            Some("account-error-current-password"),
            Vec::new(),
        )
        .await;
    }
    let codes = two_factor::new_recovery_codes();
    let event = audit_event(&member, "recovery_codes_replaced", None);
    state
        .db
        .replace_recovery_codes(member.user.id, &hashes(&codes), &event, now_ms())
        .await?;
    security_page(&state, &member, Some("security-notice-new-codes"), None, codes).await
}

/// Turning two-factor off needs the password, and is refused where the merchant's policy
/// requires it of this member.
pub(crate) async fn disable(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<PasswordConfirmForm>,
) -> Result<Response, WebError> {
    if required_for(&member) {
        return security_page(&state, &member, None, Some("security-disable-not-allowed"), Vec::new()).await;
    }
    if !password::verify(&form.current_password, member.user.password_hash.as_deref()).await? {
        return security_page(
            &state,
            &member,
            None,
            Some("account-error-current-password"),
            Vec::new(),
        )
        .await;
    }
    let event = audit_event(
        &member,
        "two_factor_disabled",
        Some(serde_json::json!({ "two_factor": false }).to_string()),
    );
    state.db.disable_two_factor(member.user.id, &event, now_ms()).await?;
    Ok(Redirect::to("/portal/account/security?done=disabled").into_response())
}
