//! Personal details beyond the profile form: the email change (the form on the account page,
//! the links in its mails) and the member's sessions page.
//!
//! As with every emailed link, opening one with GET only shows a page; the POST of that
//! page uses the token, so mail scanners that fetch links cannot spend it.

use super::{account_page, account_tabs, Errors};
use crate::mail::compose;
use crate::portal::auth::recovery::{LinkStatusTemplate, Visitor};
use crate::shell::extract::{Form, Path};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, NavItem, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::{self as accounts, email_field, AuthRefusal, EmailChangeMails, EmailChangeOutcome};
use kassa_app::AppError;
use kassa_core::device::Device;
use serde::Deserialize;

pub(crate) const SESSIONS: &str = "/portal/account/sessions";

// ---- Email change ----------------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct EmailChangeForm {
    new_email: String,
    current_password: String,
}

/// Asks for an email change. The answer is the same whether or not the new address is free;
/// what differs is only who gets which mail.
pub(crate) async fn request_change(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<EmailChangeForm>,
) -> Result<Response, WebError> {
    let request = accounts::EmailChangeRequest {
        new_email: &form.new_email,
        current_password: &form.current_password,
    };
    let key = match accounts::request_email_change(&state.db, &member.actor(), &request).await {
        Ok(mails) => {
            send_change_mails(&state, &member.user.name, &mails).await?;
            return Ok(Redirect::to("/portal/account?saved=email").into_response());
        }
        Err(AppError::Auth(AuthRefusal::WrongPassword)) => "account-error-current-password",
        Err(AppError::Invalid(errors)) if errors.iter().any(|e| e.field == email_field::TOO_MANY) => {
            "account-error-email-too-many"
        }
        Err(AppError::Invalid(_)) => "account-error-email",
        Err(e) => return Err(e.into()),
    };
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let errors = Errors {
        email: Some(lang.t(key)),
        new_email: form.new_email.trim().to_owned(),
        ..Errors::default()
    };
    account_page(&state, &member, None, errors).await
}

async fn send_change_mails(state: &AppState, name: &str, mails: &EmailChangeMails) -> Result<(), WebError> {
    if let Some((to, token)) = &mails.confirm {
        let lang = Lang::from_code(&to.language).unwrap_or(Lang::En);
        let link = state.config.link(&format!("/portal/account/email/confirm/{token}"));
        let expires = format_time(mails.expires_at, &to.timezone);
        let mail = compose(
            lang,
            &to.to,
            lang.t("mail-email-change-subject"),
            vec![
                (
                    lang.t_args("mail-email-change-body", &[("name", name.to_owned())]),
                    Some(link),
                ),
                (lang.t_args("mail-email-change-expiry", &[("expires", expires)]), None),
                (lang.t("mail-ignore"), None),
            ],
        );
        state.mailer.send(mail).await?;
    }
    if let Some(owner) = &mails.address_in_use {
        let lang = Lang::from_code(&owner.language).unwrap_or(Lang::En);
        let mail = compose(
            lang,
            &owner.to,
            lang.t("mail-email-in-use-subject"),
            vec![(
                lang.t_args("mail-email-in-use-body", &[("email", owner.to.clone())]),
                None,
            )],
        );
        state.mailer.send(mail).await?;
    }
    let (old, cancel) = &mails.notice;
    let lang = Lang::from_code(&old.language).unwrap_or(Lang::En);
    let args = [
        ("old", old.to.clone()),
        ("new", mails.new_email.clone()),
        ("expires", format_time(mails.expires_at, &old.timezone)),
    ];
    let mail = compose(
        lang,
        &old.to,
        lang.t("mail-email-change-notice-subject"),
        vec![
            (lang.t_args("mail-email-change-notice-body", &args), None),
            (
                lang.t("mail-email-change-notice-cancel"),
                Some(state.config.link(&format!("/portal/account/email/cancel/{cancel}"))),
            ),
            (
                lang.t("mail-email-change-notice-reset"),
                Some(state.config.link("/portal/password-reset")),
            ),
        ],
    );
    state.mailer.send(mail).await
}

fn link_page(state: &AppState, v: &Visitor, title: &str, text: String, action: Option<(String, &str)>) -> Response {
    let page = v.page(title, "/portal/sign-in");
    let (continue_action, continue_label) = match action {
        Some((path, label)) => (Some(path), page.t(label)),
        None => (None, String::new()),
    };
    v.show(
        state,
        &LinkStatusTemplate {
            text,
            continue_action,
            continue_label,
            page,
        },
        StatusCode::OK,
    )
}

/// The link to the new address: which address, and a button that confirms it.
pub(crate) async fn confirm_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(change) = accounts::email_change_link(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    let text = v.lang.t_args("email-confirm-text", &[("email", change.new_email)]);
    let action = (format!("/portal/account/email/confirm/{token}"), "email-confirm-submit");
    Ok(link_page(&state, &v, "email-confirm-title", text, Some(action)))
}

/// Applies the change. This browser's session stays if it is the same person's; every
/// other session of theirs ends.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    v: Visitor,
    member: Option<axum::Extension<Member>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let keep = member.as_ref().map(|m| m.token_hash.as_str());
    match accounts::confirm_email_change(&state.db, &token, keep, &v.ip).await? {
        EmailChangeOutcome::Applied { user_id, .. } => {
            let to = match &member {
                Some(m) if m.user.id == user_id => "/portal/account?saved=email_changed",
                _ => "/portal/sign-in?notice=email_changed",
            };
            Ok(Redirect::to(to).into_response())
        }
        EmailChangeOutcome::Invalid => Ok(v.invalid_link(&state)),
        EmailChangeOutcome::Taken => {
            let mut res = link_page(&state, &v, "email-taken-title", v.lang.t("email-taken-text"), None);
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
    }
}

/// The link to the old address: a button that cancels the pending change.
pub(crate) async fn cancel_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(change) = accounts::email_change_cancel_link(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    let args = [("old", change.old_email), ("new", change.new_email)];
    let text = v.lang.t_args("email-cancel-text", &args);
    let action = (format!("/portal/account/email/cancel/{token}"), "email-cancel-submit");
    Ok(link_page(&state, &v, "email-cancel-title", text, Some(action)))
}

pub(crate) async fn cancel(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(change) = accounts::email_change_cancel_link(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    if !accounts::cancel_email_change(&state.db, &token, &v.ip).await? {
        return Ok(v.invalid_link(&state));
    }
    let text = v.lang.t_args("email-cancelled-text", &[("old", change.old_email)]);
    Ok(link_page(&state, &v, "email-cancel-title", text, None))
}

// ---- Sessions ----------------------------------------------------------------------------

/// One session as the page shows it.
struct SessionLine {
    id: String,
    device: String,
    ip: String,
    started: String,
    last_seen: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "account_sessions.html")]
struct SessionsTemplate {
    page: Page,
    tabs: Vec<NavItem>,
    sessions: Vec<SessionLine>,
    others: usize,
}

/// A `User-Agent` in words: "Firefox on Windows".
fn device_words(lang: Lang, user_agent: &str) -> String {
    let d = Device::from_user_agent(user_agent);
    let browser = d
        .browser
        .map(str::to_owned)
        .unwrap_or_else(|| lang.t("sessions-unknown-browser"));
    let os = d.os.map(str::to_owned).unwrap_or_else(|| lang.t("sessions-unknown-os"));
    lang.t_args("sessions-device", &[("browser", browser), ("os", os)])
}

pub(crate) async fn sessions(
    State(state): State<AppState>,
    member: Member,
    axum::extract::Query(q): axum::extract::Query<SessionsQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("one") => Some("sessions-signed-out-one"),
        Some("others") => Some("sessions-signed-out-others"),
        _ => None,
    };
    let page = Page::member(&member, None, "sessions-title", SESSIONS).with_notice(notice);
    let tz = &member.user.timezone;
    let sessions: Vec<SessionLine> = accounts::my_sessions(&state.db, &member.actor(), &member.token_hash)
        .await?
        .into_iter()
        .map(|s| SessionLine {
            device: device_words(page.lang, &s.user_agent),
            id: s.id,
            ip: s.ip,
            started: format_time(s.created_at, tz),
            last_seen: format_time(s.last_seen_at, tz),
            current: s.current,
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.current).count();
    Ok(render(&SessionsTemplate {
        tabs: account_tabs(&member, &page, SESSIONS),
        page,
        sessions,
        others,
    }))
}

#[derive(Deserialize, Default)]
pub(crate) struct SessionsQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct SignOutForm {
    #[serde(default)]
    session: String,
}

/// Ends one of the member's sessions at once: its next request goes to sign-in.
pub(crate) async fn sign_out_one(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<SignOutForm>,
) -> Result<Response, WebError> {
    accounts::sign_out_session(&state.db, &member.actor(), &form.session).await?;
    Ok(Redirect::to(&format!("{SESSIONS}?done=one")).into_response())
}

pub(crate) async fn sign_out_others(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    accounts::sign_out_other_sessions(&state.db, &member.actor(), &member.token_hash).await?;
    Ok(Redirect::to(&format!("{SESSIONS}?done=others")).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_named_in_the_members_language() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert_eq!(device_words(Lang::En, firefox), "Firefox on Linux");
        assert!(!device_words(Lang::Sv, "").contains("Unknown"));
    }
}
