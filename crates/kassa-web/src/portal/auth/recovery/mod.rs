//! Everything reached from an email or between password and session: accepting an
//! invitation, resetting a forgotten password, signing in with an emailed link, and the
//! second step of a two-factor sign-in.
//!
//! Emailed links are opened with GET, which only shows a page; the token is used up by the
//! POST of that page. Mail scanners that fetch every link therefore cannot spend it.

mod challenge;

use super::{challenge_cookie, complete_sign_in, merchant_of, start_challenge, tell_owner_locked, SignedIn};
use crate::mail::compose;
use crate::password::{self, random_token};
use crate::shell::i18n::Lang;
use crate::shell::session::safe_next;
use crate::shell::session::{client_ip, cookie, csrf_cookie, set_cookie, token_hash, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, two_factor, AppState, WebError};
use askama::Template;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::{header, request::Parts, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
pub(crate) use challenge::{challenge, challenge_form};
use kassa_core::account::{Email, NewPassword, SignInState, UserStatus};
use kassa_core::team::{EMAIL_LINK_INTERVAL_MS, MAGIC_LINK_VALID_MS, PASSWORD_RESET_VALID_MS};
use kassa_db::{AuditEvent, InvitationLink, TokenPurpose, UserRow};
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
        })
    }
}

impl Visitor {
    /// This visitor, having proved who they are as `user`, about to get a session in `store`.
    fn signed_in<'a>(&'a self, user: &'a UserRow, store: &'a kassa_db::MembershipRow, method: &'a str) -> SignedIn<'a> {
        SignedIn {
            user,
            store_id: &store.store_id,
            merchant_id: store.merchant_id,
            ip: &self.ip,
            user_agent: &self.user_agent,
            previous: self.session.clone(),
            method,
        }
    }

    fn page(&self, title_key: &str, here: &str) -> Page {
        Page::visitor(self.lang, &self.csrf, title_key, here)
    }

    /// Renders `template`, setting the CSRF cookie if the visitor had none.
    fn show(&self, state: &AppState, template: &impl Template, status: StatusCode) -> Response {
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

    fn invalid_link(&self, state: &AppState) -> Response {
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
struct LinkStatusTemplate {
    page: Page,
    text: String,
    continue_action: Option<String>,
    continue_label: String,
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

/// The language a user reads email in.
fn lang_of(user: &UserRow) -> Lang {
    Lang::from_code(&user.language).unwrap_or(Lang::En)
}

/// Whether the account may sign in now, ignoring a lock (a reset lifts it).
fn may_sign_in(user: &UserRow, now: i64, ignore_lock: bool) -> bool {
    SignInState {
        status: user.status.parse().unwrap_or(UserStatus::Deactivated),
        locked_until_ms: if ignore_lock { None } else { user.locked_until },
        access_expires_ms: user.access_expires_at,
    }
    .refusal(now)
    .is_none()
}

async fn audit_user(
    state: &AppState,
    user: &UserRow,
    action: &str,
    ip: &str,
    after: Option<String>,
) -> Result<(), WebError> {
    let event = AuditEvent {
        merchant_id: merchant_of(state, user.id).await?,
        actor_user_id: Some(user.id),
        actor: &user.email,
        action,
        subject: &user.email,
        ip,
        before: None,
        after,
    };
    Ok(state.db.record_audit(&event, now_ms()).await?)
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
    let now = now_ms();
    if let Some(user) = account_for(&state, &form.email).await? {
        if may_sign_in(&user, now, true) && !recently_sent(&state, &user, TokenPurpose::PasswordReset, now).await? {
            let token = random_token();
            state
                .db
                .replace_token(
                    user.id,
                    TokenPurpose::PasswordReset,
                    &token_hash(&token),
                    now + PASSWORD_RESET_VALID_MS,
                    now,
                )
                .await?;
            let lang = lang_of(&user);
            let link = state.config.link(&format!("/portal/password-reset/{token}"));
            let mail = compose(
                lang,
                &user.email,
                lang.t("mail-reset-subject"),
                vec![
                    (lang.t("mail-reset-body"), Some(link)),
                    (lang.t("mail-reset-expiry"), None),
                    (lang.t("mail-ignore"), None),
                ],
            );
            state.mailer.send(mail).await?;
            audit_user(&state, &user, "password_reset_requested", &v.ip, None).await?;
        }
    }
    Ok(email_form_page(&state, &v, EmailFormKind::Reset, true))
}

/// Whether this kind of link went to the user within the last minute.
async fn recently_sent(state: &AppState, user: &UserRow, purpose: TokenPurpose, now: i64) -> Result<bool, WebError> {
    Ok(state
        .db
        .token_issued_since(user.id, purpose, now - EMAIL_LINK_INTERVAL_MS)
        .await?)
}

async fn account_for(state: &AppState, raw_email: &str) -> Result<Option<UserRow>, WebError> {
    match Email::parse(raw_email) {
        Ok(email) => Ok(state.db.user_by_email(email.as_str()).await?),
        Err(_) => Ok(None),
    }
}

fn set_password_page(
    state: &AppState,
    v: &Visitor,
    user: &UserRow,
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
            email: user.email.clone(),
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

async fn user_of_token(state: &AppState, token: &str, purpose: TokenPurpose) -> Result<Option<UserRow>, WebError> {
    let now = now_ms();
    match state.db.token_user(&token_hash(token), purpose, now).await? {
        Some(id) => Ok(state.db.user_by_id(id).await?),
        None => Ok(None),
    }
}

pub(crate) async fn reset_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match user_of_token(&state, &token, TokenPurpose::PasswordReset).await? {
        Some(user) => Ok(set_password_page(&state, &v, &user, false, &token, "", None)),
        None => Ok(v.invalid_link(&state)),
    }
}

pub(crate) async fn reset(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
    Form(form): Form<NewPasswordForm>,
) -> Result<Response, WebError> {
    let Some(user) = user_of_token(&state, &token, TokenPurpose::PasswordReset).await? else {
        return Ok(v.invalid_link(&state));
    };
    let password = match checked_password(&form) {
        Ok(p) => p,
        Err(key) => return Ok(set_password_page(&state, &v, &user, false, &token, "", Some(key))),
    };
    let hash = password::hash(&password).await?;
    let now = now_ms();
    // Used up only now, so a mistyped confirmation does not cost the link.
    if state
        .db
        .consume_token(&token_hash(&token), TokenPurpose::PasswordReset, now)
        .await?
        != Some(user.id)
    {
        return Ok(v.invalid_link(&state));
    }
    let event = AuditEvent {
        merchant_id: merchant_of(&state, user.id).await?,
        actor_user_id: Some(user.id),
        actor: &user.email,
        action: "password_reset",
        subject: &user.email,
        ip: &v.ip,
        ..Default::default()
    };
    state.db.reset_password(user.id, &hash, &event, now).await?;
    Ok(Redirect::to("/portal/sign-in?notice=password_reset").into_response())
}

// ---- Invitations ---------------------------------------------------------------------

/// An invitation link that can still be used, with its account. A new account (invited,
/// no password yet) sets a name and password; an existing one only accepts.
async fn invitation_of(state: &AppState, token: &str) -> Result<Option<(InvitationLink, UserRow)>, WebError> {
    let Some(link) = state.db.invitation_link(&token_hash(token), now_ms()).await? else {
        return Ok(None);
    };
    let user = state.db.user_by_id(link.user_id).await?;
    Ok(user
        .filter(|u| u.status != UserStatus::Deactivated.code())
        .map(|u| (link, u)))
}

fn is_new_account(user: &UserRow) -> bool {
    user.status == UserStatus::Invited.code()
}

/// The page of an existing account's invitation: which merchant, and a button to accept.
async fn accept_page(
    state: &AppState,
    v: &Visitor,
    link: &InvitationLink,
    user: &UserRow,
    token: &str,
) -> Result<Response, WebError> {
    let merchant = match link.merchant_id {
        Some(id) => state.db.merchant(id).await?.map(|m| m.legal_name),
        None => None,
    };
    let page = v.page("invitation-existing-title", "/portal/sign-in");
    let text = page.t_args(
        "invitation-existing-text",
        &[
            ("merchant", merchant.unwrap_or_default()),
            ("email", user.email.clone()),
        ],
    );
    Ok(v.show(
        state,
        &LinkStatusTemplate {
            text,
            continue_action: Some(format!("/portal/invitation/{token}")),
            continue_label: page.t("invitation-existing-accept"),
            page,
        },
        StatusCode::OK,
    ))
}

/// The invitation page speaks the language the invitation was written in, unless this
/// browser has chosen one with the language button.
fn invitation_lang(headers: &axum::http::HeaderMap, user: &UserRow) -> Lang {
    crate::shell::session::cookie(headers, crate::shell::session::LANG_COOKIE)
        .and_then(Lang::from_code)
        .unwrap_or_else(|| lang_of(user))
}

pub(crate) async fn invitation_page(
    State(state): State<AppState>,
    mut v: Visitor,
    headers: axum::http::HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match invitation_of(&state, &token).await? {
        Some((link, user)) => {
            v.lang = invitation_lang(&headers, &user);
            if is_new_account(&user) {
                Ok(set_password_page(&state, &v, &user, true, &token, "", None))
            } else {
                accept_page(&state, &v, &link, &user, &token).await
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
    let Some((_, user)) = invitation_of(&state, &token).await? else {
        return Ok(v.invalid_link(&state));
    };
    v.lang = invitation_lang(&headers, &user);
    let new_account = is_new_account(&user);
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    let hash = if new_account {
        if name.is_empty() || name.chars().count() > 100 {
            return Ok(set_password_page(
                &state,
                &v,
                &user,
                true,
                &token,
                &name,
                Some("account-error-name"),
            ));
        }
        let password = match checked_password(&form) {
            Ok(p) => p,
            Err(key) => return Ok(set_password_page(&state, &v, &user, true, &token, &name, Some(key))),
        };
        Some(password::hash(&password).await?)
    } else {
        None
    };
    let now = now_ms();
    let account = hash.as_deref().map(|h| (name.as_str(), h));
    let Some(link) = state.db.accept_invitation(&token_hash(&token), account, now).await? else {
        return Ok(v.invalid_link(&state));
    };
    if link.user_id != user.id {
        return Ok(v.invalid_link(&state));
    }
    let after = if new_account {
        serde_json::json!({ "name": name, "status": "active" })
    } else {
        serde_json::json!({ "status": "active" })
    };
    // In the audit log of the merchant whose invitation this was.
    let merchant_id = match link.merchant_id {
        Some(id) => Some(id),
        None => merchant_of(&state, user.id).await?,
    };
    let event = AuditEvent {
        merchant_id,
        actor_user_id: Some(user.id),
        actor: &user.email,
        action: "invitation_accepted",
        subject: &user.email,
        ip: &v.ip,
        before: None,
        after: Some(after.to_string()),
    };
    state.db.record_audit(&event, now).await?;
    if !new_account {
        // An existing account proved only the emailed link here, not its password or second
        // factor: it signs in as usual and finds the new merchant there.
        let target = format!(
            "/portal/sign-in?notice=invitation_accepted&next={}",
            crate::shell::session::urlencode("/portal")
        );
        return Ok(Redirect::to(&target).into_response());
    }
    // They have just proved the emailed link and chosen a password: sign them in rather
    // than asking for that password again at once.
    // The store they land in is one of the merchant that invited them.
    let mut stores = state.db.usable_memberships(user.id, now).await?;
    stores.sort_by_key(|m| Some(m.merchant_id) != link.merchant_id);
    let Some(user) = state.db.user_by_id(user.id).await? else {
        return Ok(v.invalid_link(&state));
    };
    match stores.first().filter(|_| may_sign_in(&user, now, false)) {
        Some(first) => {
            let signed_in = v.signed_in(&user, first, "invitation");
            complete_sign_in(&state, signed_in, "/portal?notice=activated").await
        }
        None => {
            let target = format!(
                "/portal/sign-in?notice=activated&next={}",
                crate::shell::session::urlencode("/portal")
            );
            Ok(Redirect::to(&target).into_response())
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
    let now = now_ms();
    if let Some(user) = account_for(&state, &form.email).await? {
        let has_store = !state.db.usable_memberships(user.id, now).await?.is_empty();
        if has_store
            && may_sign_in(&user, now, false)
            && !recently_sent(&state, &user, TokenPurpose::MagicLink, now).await?
        {
            let token = random_token();
            state
                .db
                .replace_token(
                    user.id,
                    TokenPurpose::MagicLink,
                    &token_hash(&token),
                    now + MAGIC_LINK_VALID_MS,
                    now,
                )
                .await?;
            let lang = lang_of(&user);
            let link = state.config.link(&format!("/portal/sign-in/link/{token}"));
            let mail = compose(
                lang,
                &user.email,
                lang.t("mail-magic-link-subject"),
                vec![
                    (lang.t("mail-magic-link-body"), Some(link)),
                    (lang.t("mail-magic-link-expiry"), None),
                    (lang.t("mail-ignore"), None),
                ],
            );
            state.mailer.send(mail).await?;
            audit_user(&state, &user, "magic_link_requested", &v.ip, None).await?;
        }
    }
    Ok(email_form_page(&state, &v, EmailFormKind::MagicLink, true))
}

pub(crate) async fn magic_link_page(
    State(state): State<AppState>,
    v: Visitor,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some(user) = user_of_token(&state, &token, TokenPurpose::MagicLink).await? else {
        return Ok(v.invalid_link(&state));
    };
    let page = v.page("magic-link-title", "/portal/sign-in");
    let text = page.t_args("magic-link-continue-text", &[("email", user.email.clone())]);
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
    let now = now_ms();
    let Some(user_id) = state
        .db
        .consume_token(&token_hash(&token), TokenPurpose::MagicLink, now)
        .await?
    else {
        return Ok(v.invalid_link(&state));
    };
    let Some(user) = state.db.user_by_id(user_id).await? else {
        return Ok(v.invalid_link(&state));
    };
    let stores = state.db.usable_memberships(user.id, now).await?;
    let Some(first) = stores.first().filter(|_| may_sign_in(&user, now, false)) else {
        audit_user(&state, &user, "sign_in_refused_inactive", &v.ip, None).await?;
        return Ok(v.invalid_link(&state));
    };
    if user.totp_secret.is_some() {
        return start_challenge(&state, user.id, "/portal").await;
    }
    let signed_in = v.signed_in(&user, first, "magic_link");
    complete_sign_in(&state, signed_in, "/portal").await
}
