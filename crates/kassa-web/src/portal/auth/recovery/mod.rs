//! Everything reached from an email or between password and session: accepting an
//! invitation, resetting a forgotten password, signing in with an emailed link, and the
//! second step of a two-factor sign-in.
//!
//! Emailed links are opened with GET, which only shows a page; the token is used up by the
//! POST of that page. Mail scanners that fetch every link therefore cannot spend it.

mod challenge;

use super::{challenge_cookie, challenge_started, signed_in, tell_owner_locked};
use crate::mail::compose;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::Lang;
use crate::shell::session::safe_next;
use crate::shell::session::{client_ip, cookie, csrf_cookie, set_cookie, Member};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
pub(crate) use challenge::{challenge, challenge_form};
use kassa_app::auth::password::random_token;
use kassa_app::auth::{self as accounts, LinkMail, LinkSignIn};
use kassa_app::team::{self, Acceptance, PendingInvitation};
use kassa_core::account::NewPassword;
use serde::Deserialize;

/// Who is looking at a public page: their language, the CSRF token the page's form must
/// carry (the session's when signed in, else the pre-session cookie), and where from.
pub(crate) struct Visitor {
    pub lang: Lang,
    pub csrf: String,
    new_csrf: bool,
    pub ip: String,
    pub user_agent: String,
    /// The session this browser already has, if any (ended when a new one starts).
    pub session: Option<String>,
    challenge: Option<String>,
    /// The browser's timezone (see `offered_timezone`).
    timezone: Option<String>,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let member = parts.extensions.get::<Member>();
        let lang = member
            .and_then(|m| Lang::from_code(&m.user.language))
            .unwrap_or_else(|| Lang::for_request(&parts.headers));
        let existing = cookie(&parts.headers, csrf_cookie(&state.config)).map(str::to_owned);
        let (csrf, new_csrf) = match (member, existing) {
            (Some(m), _) => (m.csrf.clone(), false),
            (None, Some(c)) => (c, false),
            (None, None) => (random_token(), true),
        };
        Ok(Visitor {
            lang,
            csrf,
            new_csrf,
            ip: client_ip(&parts.extensions),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned(),
            session: member.map(|m| m.token_hash.clone()),
            challenge: cookie(&parts.headers, challenge_cookie(&state.config)).map(str::to_owned),
            timezone: crate::shell::session::offered_timezone(&parts.headers),
        })
    }
}

impl Visitor {
    /// This visitor as a use case sees it.
    fn for_sign_in(&self) -> accounts::Visitor {
        accounts::Visitor {
            ip: self.ip.clone(),
            user_agent: self.user_agent.clone(),
            previous_session: self.session.clone(),
            timezone: self.timezone.clone(),
        }
    }

    pub(crate) fn page(&self, title_key: &str, here: &str) -> Page {
        Page::visitor(self.lang, &self.csrf, title_key, here)
    }

    /// Renders `template`, setting the CSRF cookie if the visitor had none.
    pub(crate) fn show(&self, state: &AppState, template: &impl Template, status: StatusCode) -> Response {
        let mut res = render(template);
        if res.status() == StatusCode::OK {
            *res.status_mut() = status;
        }
        if self.new_csrf {
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(&state.config, csrf_cookie(&state.config), &self.csrf, None),
            );
        }
        res
    }

    fn link_status(&self, state: &AppState, title: &str, text: &str, status: StatusCode) -> Response {
        let page = self.page(title, "/portal/sign-in");
        self.show(
            state,
            &LinkStatusTemplate {
                text: page.t(text),
                continue_action: None,
                continue_label: String::new(),
                page,
            },
            status,
        )
    }

    pub(crate) fn invalid_link(&self, state: &AppState) -> Response {
        self.link_status(state, "link-invalid-title", "link-invalid-text", StatusCode::GONE)
    }
}

#[derive(Template)]
#[template(path = "email_form.html")]
struct EmailFormTemplate {
    page: Page,
    intro: String,
    action: &'static str,
    submit: String,
    error: Option<String>,
    sent: bool,
    sent_text: String,
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordTemplate {
    page: Page,
    intro: String,
    action: String,
    email: String,
    ask_name: bool,
    name: String,
    submit: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "link_status.html")]
pub(crate) struct LinkStatusTemplate {
    pub(crate) page: Page,
    pub(crate) text: String,
    pub(crate) continue_action: Option<String>,
    pub(crate) continue_label: String,
}

#[derive(Template)]
#[template(path = "two_factor_challenge.html")]
struct ChallengeTemplate {
    page: Page,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct EmailForm {
    email: String,
}

#[derive(Deserialize)]
pub(crate) struct NewPasswordForm {
    name: Option<String>,
    /// Absent when an existing account accepts an invitation.
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// The language of a person's emails and pages.
fn lang_of(code: &str) -> Lang {
    Lang::from_code(code).unwrap_or(Lang::En)
}

/// Composes and sends an emailed link with its texts: subject, body and expiry.
async fn send_link(state: &AppState, mail: &LinkMail, texts: [&str; 3], path: &str) -> Result<(), WebError> {
    let [subject, body, expiry] = texts;
    let lang = lang_of(&mail.language);
    let link = state.config.link(&format!("{path}/{}", mail.token));
    let message = compose(
        lang,
        &mail.to,
        lang.t(subject),
        vec![
            (lang.t(body), Some(link)),
            (lang.t(expiry), None),
            (lang.t("mail-ignore"), None),
        ],
    );
    state.mailer.send(message).await
}

// ---- Password reset ------------------------------------------------------------------

pub(crate) async fn reset_request_page(State(state): State<AppState>, v: Visitor) -> Response {
    email_form_page(&state, &v, EmailFormKind::Reset, false)
}

#[derive(Clone, Copy)]
enum EmailFormKind {
    Reset,
    MagicLink,
}

fn email_form_page(state: &AppState, v: &Visitor, kind: EmailFormKind, sent: bool) -> Response {
    let (title, intro, action, submit) = match kind {
        EmailFormKind::Reset => (
            "password-reset-title",
            "password-reset-intro",
            "/portal/password-reset",
            "password-reset-submit",
        ),
        EmailFormKind::MagicLink => (
            "magic-link-title",
            "magic-link-intro",
            "/portal/sign-in/link",
            "magic-link-submit",
        ),
    };
    let page = v.page(title, action);
    v.show(
        state,
        &EmailFormTemplate {
            intro: page.t(intro),
            action,
            submit: page.t(submit),
            error: None,
            sent,
            sent_text: page.t("email-link-sent"),
            page,
        },
        StatusCode::OK,
    )
}

/// Always answers "if the account exists, we sent a link", so the form tells nobody which
/// emails have accounts.
pub(crate) async fn reset_request(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    if let Some(mail) = accounts::request_password_reset(&state.db, &form.email, &v.ip).await? {
        let texts = ["mail-reset-subject", "mail-reset-body", "mail-reset-expiry"];
        send_link(&state, &mail, texts, "/portal/password-reset").await?;
    }
    Ok(email_form_page(&state, &v, EmailFormKind::Reset, true))
}

fn set_password_page(
    state: &AppState,
    v: &Visitor,
    email: &str,
    invitation: bool,
    token: &str,
    name: &str,
    error: Option<&str>,
) -> Response {
    let (title, intro, action, submit) = if invitation {
        (
            "invitation-title",
            "invitation-intro",
            format!("/portal/invitation/{token}"),
            "invitation-submit",
        )
    } else {
        (
            "password-reset-title",
            "password-reset-new-intro",
            format!("/portal/password-reset/{token}"),
            "password-reset-new-submit",
        )
    };
    let page = v.page(title, "/portal/sign-in");
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    v.show(
        state,
        &SetPasswordTemplate {
            intro: page.t(intro),
            action,
            email: email.to_owned(),
            ask_name: invitation,
            name: name.to_owned(),
            submit: page.t(submit),
            error: error.map(|k| page.t(k)),
            page,
        },
        status,
    )
}

/// The new password of a set-password form, or the message key saying what is wrong.
fn checked_password(form: &NewPasswordForm) -> Result<NewPassword, &'static str> {
    let password = NewPassword::parse(&form.new_password).map_err(|_| "account-error-password-policy")?;
    if form.new_password != form.confirm_password {
        return Err("account-error-password-mismatch");
    }
    Ok(password)
}

pub(crate) async fn reset_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match accounts::password_reset_link(&state.db, &token).await? {
        Some(email) => Ok(set_password_page(&state, &v, &email, false, &token, "", None)),
        None => Ok(v.invalid_link(&state)),
    }
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let Some(email) = accounts::password_reset_link(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    let password = match checked_password(&form) {
        Ok(p) => p,
        Err(key) => return Ok(set_password_page(&state, &v, &email, false, &token, "", Some(key))),
    };
    if !accounts::reset_password(&state.db, &token, &password, &v.ip).await? {
        return Ok(v.invalid_link(&state));
    }
    Ok(Redirect::to("/portal/sign-in?notice=password_reset").into_response())
}

// ---- Invitations ---------------------------------------------------------------------

/// The page of an existing account's invitation: which merchant, and a button to accept.
fn accept_page(state: &AppState, v: &Visitor, invitation: &PendingInvitation, token: &str) -> Response {
    let page = v.page("invitation-existing-title", "/portal/sign-in");
    let text = page.t_args(
        "invitation-existing-text",
        &[
            ("merchant", invitation.merchant_name.clone().unwrap_or_default()),
            ("email", invitation.email.clone()),
        ],
    );
    v.show(
        state,
        &LinkStatusTemplate {
            text,
            continue_action: Some(format!("/portal/invitation/{token}")),
            continue_label: page.t("invitation-existing-accept"),
            page,
        },
        StatusCode::OK,
    )
}

/// The invitation page speaks the language the invitation was written in, unless this
/// browser has chosen one with the language button.
fn invitation_lang(headers: &axum::http::HeaderMap, invitation: &PendingInvitation) -> Lang {
    crate::shell::session::cookie(headers, crate::shell::session::LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_else(|| lang_of(&invitation.language))
}

pub(crate) async fn invitation_page(
    State(state): State<AppState>,
    mut v: Visitor,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match team::invitation(&state.db, &token).await? {
        Some(invitation) => {
            v.lang = invitation_lang(&headers, &invitation);
            if invitation.new_account {
                Ok(set_password_page(&state, &v, &invitation.email, true, &token, "", None))
            } else {
                Ok(accept_page(&state, &v, &invitation, &token))
            }
        }
        None => Ok(v.invalid_link(&state)),
    }
}

pub(crate) async fn accept_invitation(
    State(state): State<AppState>,
    mut v: Visitor,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let Some(invitation) = team::invitation(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    v.lang = invitation_lang(&headers, &invitation);
    let email = &invitation.email;
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    let password = if invitation.new_account {
        if name.is_empty() || name.chars().count() > 100 {
            let error = Some("account-error-name");
            return Ok(set_password_page(&state, &v, email, true, &token, &name, error));
        }
        match checked_password(&form) {
            Ok(p) => Some(p),
            Err(key) => return Ok(set_password_page(&state, &v, email, true, &token, &name, Some(key))),
        }
    } else {
        None
    };
    let account = password.as_ref().map(|p| (name.as_str(), p));
    match team::accept_invitation(&state.db, &token, account, &v.ip).await? {
        Acceptance::InvalidLink => Ok(v.invalid_link(&state)),
        Acceptance::ExistingAccount => {
            let target = format!(
                "/portal/sign-in?notice=invitation_accepted&next={}",
                crate::shell::session::urlencode("/portal")
            );
            Ok(Redirect::to(&target).into_response())
        }
        Acceptance::NewAccount { user_id, merchant_id } => {
            let visitor = v.for_sign_in();
            match accounts::signed_in_after_invitation(&state.db, user_id, merchant_id, &visitor).await? {
                Some(session) => Ok(signed_in(&state, &session, "/portal?notice=activated")),
                None => {
                    let target = format!(
                        "/portal/sign-in?notice=activated&next={}",
                        crate::shell::session::urlencode("/portal")
                    );
                    Ok(Redirect::to(&target).into_response())
                }
            }
        }
    }
}

// ---- Sign-in links -------------------------------------------------------------------

pub(crate) async fn magic_link_request_page(State(state): State<AppState>, v: Visitor) -> Response {
    email_form_page(&state, &v, EmailFormKind::MagicLink, false)
}

pub(crate) async fn magic_link_request(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<EmailForm>,
) -> Result<Response, WebError> {
    if let Some(mail) = accounts::request_magic_link(&state.db, &form.email, &v.ip).await? {
        let texts = [
            "mail-magic-link-subject",
            "mail-magic-link-body",
            "mail-magic-link-expiry",
        ];
        send_link(&state, &mail, texts, "/portal/sign-in/link").await?;
    }
    Ok(email_form_page(&state, &v, EmailFormKind::MagicLink, true))
}

pub(crate) async fn magic_link_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(email) = accounts::magic_link(&state.db, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    let page = v.page("magic-link-title", "/portal/sign-in");
    let text = page.t_args("magic-link-continue-text", &[("email", email)]);
    Ok(v.show(
        &state,
        &LinkStatusTemplate {
            text,
            continue_action: Some(format!("/portal/sign-in/link/{token}")),
            continue_label: page.t("magic-link-continue"),
            page,
        },
        StatusCode::OK,
    ))
}

pub(crate) async fn magic_link_sign_in(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match accounts::magic_link_sign_in(&state.db, &token, &v.for_sign_in()).await? {
        LinkSignIn::Invalid => Ok(v.invalid_link(&state)),
        LinkSignIn::SecondFactor { challenge } => Ok(challenge_started(&state, &challenge, "/portal")),
        LinkSignIn::SignedIn(session) => Ok(signed_in(&state, &session, "/portal")),
    }
}
