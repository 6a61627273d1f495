//! Account settings and the header's preferences: language, theme, current store.

mod personal;
mod section;
pub(crate) use section::{account_tabs, section, TWO_FACTOR_SETUP};

mod company;
mod payouts;
pub(super) mod security;
mod timezones;

use crate::shell::extract::{Form, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::safe_next;
use crate::shell::session::{session_cookie, set_cookie, Member, LANG_COOKIE};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::{self as accounts, AuthRefusal, ChangePassword, Preference, Profile};
use kassa_app::AppError;
use kassa_core::account::{Theme, SESSION_ABSOLUTE_MS};
use serde::Deserialize;

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Anyone may pick a language; a member keeps it on their account, so it follows them to
/// other browsers and into emails.
pub(crate) async fn set_language(State(state): State<AppState>, req: Request) -> Result<Response, WebError> {
    let member = req.extensions().get::<Member>().cloned();
    let Form(form) = Form::<LanguageForm>::from_request(req, &state).await?;
    let lang =
        Lang::from_code(&form.lang).ok_or_else(|| WebError::BadRequest(format!("unknown language {:?}", form.lang)))?;
    if let Some(m) = &member {
        accounts::set_preference(&state.db, &m.actor(), Preference::Language(lang.code())).await?;
    }
    let next = match form.next.as_deref() {
        Some("/portal/sign-in") => "/portal/sign-in",
        other => safe_next(other),
    };
    let mut res = Redirect::to(next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state.config, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600)),
    );
    Ok(res)
}

#[derive(Deserialize)]
pub(crate) struct ThemeForm {
    theme: String,
    next: Option<String>,
}

pub(crate) async fn set_theme(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<ThemeForm>,
) -> Result<Response, WebError> {
    let theme: Theme = form
        .theme
        .parse()
        .map_err(|e: kassa_core::account::AccountError| WebError::BadRequest(e.to_string()))?;
    accounts::set_preference(&state.db, &member.actor(), Preference::Theme(theme)).await?;
    Ok(Redirect::to(safe_next(form.next.as_deref())).into_response())
}

#[derive(Deserialize)]
pub(crate) struct StoreForm {
    store: String,
    /// Where to go in the new store (a portal address; else the portal's Home).
    next: Option<String>,
}

/// Switches the current store. A store the user has no access to is "not found", whether
/// or not it exists, so Store IDs of other merchants cannot be probed.
pub(crate) async fn switch_store(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<StoreForm>,
) -> Result<Response, WebError> {
    accounts::switch_store(&state.db, &member.actor(), &member.token_hash, &form.store).await?;
    Ok(Redirect::to(safe_next(form.next.as_deref())).into_response())
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountTemplate {
    page: Page,
    tabs: Vec<crate::shell::views::NavItem>,
    name: String,
    email: String,
    phone: String,
    timezones: Vec<timezones::ZoneGroup>,
    theme: String,
    last_sign_in: String,
    profile_error: Option<String>,
    password_error: Option<String>,
    email_error: Option<String>,
    /// The new address as entered, shown again after an error.
    new_email: String,
    /// A change waiting for confirmation, in words: the new address and until when its
    /// link works.
    pending_email: Option<String>,
    two_factor_on: bool,
}

/// What went wrong in which of the account page's forms.
#[derive(Default)]
pub(crate) struct Errors {
    pub(crate) profile: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) new_email: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct AccountQuery {
    saved: Option<String>,
}

pub(crate) async fn account_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    errors: Errors,
) -> Result<Response, WebError> {
    let page = Page::member(member, None, "account-title", "/portal/account").with_notice(notice);
    let last_sign_in = member
        .user
        .last_sign_in_at
        .map(|t| format_time(t, &member.user.timezone))
        .unwrap_or_default();
    let failed = errors.profile.is_some() || errors.password.is_some() || errors.email.is_some();
    let pending_email = accounts::pending_email_change(&state.db, &member.actor())
        .await?
        .map(|c| {
            let expires = format_time(c.expires_at, &member.user.timezone);
            page.t_args("account-email-pending", &[("email", c.new_email), ("expires", expires)])
        });
    let timezones = timezones::zone_groups(page.lang, &member.user.timezone);
    let mut res = render(&AccountTemplate {
        tabs: account_tabs(member, &page, "/portal/account"),
        page,
        name: member.user.name.clone(),
        email: member.user.email.clone(),
        phone: member.user.phone.clone(),
        timezones,
        theme: member.user.theme.clone(),
        last_sign_in,
        profile_error: errors.profile,
        password_error: errors.password,
        email_error: errors.email,
        new_email: errors.new_email,
        pending_email,
        two_factor_on: member.user.two_factor,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<AccountQuery>,
) -> Result<Response, WebError> {
    let notice = match q.saved.as_deref() {
        Some("profile") => Some("account-saved-profile"),
        Some("password") => Some("account-saved-password"),
        Some("email") => Some("account-saved-email"),
        Some("email_changed") => Some("account-saved-email-changed"),
        _ => None,
    };
    account_page(&state, &member, notice, Errors::default()).await
}

#[derive(Deserialize)]
pub(crate) struct ProfileForm {
    name: String,
    phone: String,
    timezone: String,
}

pub(crate) async fn update_profile(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<ProfileForm>,
) -> Result<Response, WebError> {
    let profile = Profile {
        name: &form.name,
        phone: &form.phone,
        timezone: &form.timezone,
    };
    match accounts::update_profile(&state.db, &member.actor(), &profile).await {
        Ok(()) => Ok(Redirect::to("/portal/account?saved=profile").into_response()),
        Err(AppError::Invalid(errors)) => {
            use kassa_app::auth::field;
            let key = match errors.first().map(|e| e.field.as_str()) {
                Some(field::NAME) => "account-error-name",
                Some(field::PHONE) => "account-error-phone-e164",
                _ => "account-error-timezone",
            };
            let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
            let errors = Errors {
                profile: Some(lang.t(key)),
                ..Errors::default()
            };
            account_page(&state, &member, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// Changing the password ends every other session of the user and gives this browser a new
/// session id.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, WebError> {
    let member = req.extensions().get::<Member>().cloned().ok_or(WebError::Forbidden)?;
    let Form(form) = Form::<PasswordForm>::from_request(req, &state).await?;
    let change = ChangePassword {
        current: &form.current_password,
        new: &form.new_password,
        confirm: &form.confirm_password,
        store_id: &member.store.store_id,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    };
    let key = match accounts::change_password(&state.db, &member.actor(), &change).await {
        Ok(token) => {
            let mut res = Redirect::to("/portal/account?saved=password").into_response();
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    &state.config,
                    session_cookie(&state.config),
                    &token,
                    Some(SESSION_ABSOLUTE_MS / 1000),
                ),
            );
            return Ok(res);
        }
        Err(AppError::Auth(AuthRefusal::WrongPassword)) => "account-error-current-password",
        Err(AppError::Invalid(errors)) if errors.iter().any(|e| e.field == kassa_app::auth::field::NEW_PASSWORD) => {
            "account-error-password-policy"
        }
        Err(AppError::Invalid(_)) => "account-error-password-mismatch",
        Err(e) => return Err(e.into()),
    };
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let errors = Errors {
        password: Some(lang.t(key)),
        ..Errors::default()
    };
    account_page(&state, &member, None, errors).await
}

use axum::extract::FromRequest;
