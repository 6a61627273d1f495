//! A merchant's users in the back office: who has which role in which store, their standing,
//! last sign-in and two-factor (never a password or secret). Operators who manage merchants
//! invite the first Super Admin (to every store, the same invitation email as the portal's),
//! send invitations again, and deactivate or reactivate users — all through the team use
//! cases, which keep the last-admin rule and audit each change with the operator's id.
//!
//! They also reset the two-factor of a user who lost both their authenticator and their
//! recovery codes: a confirmation page (the operator must have checked the person's identity
//! out of band, and gives a reason for the merchant's audit trail), then the reset, which
//! signs the user out everywhere and emails them in their language.

use super::audit::PROVIDER_TZ;
use super::form::FieldErrors;
use super::merchant_page::merchant_page;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::mail::{self, Inviter};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::ops::MerchantInvitation;
use kassa_app::team::{self, field, TeamMember, TeamRefusal};
use kassa_app::AppError;
use kassa_core::access::Role;
use kassa_core::account::UserStatus;
use kassa_core::ops_access::OpsPermission;
use serde::Deserialize;

pub(super) fn section() -> OpsSection {
    let view = OpsAccess::Operator(OpsPermission::ViewMerchants);
    let manage = OpsAccess::Operator(OpsPermission::ManageMerchants);
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get("/ops/merchants/{merchant}/users", view, list),
            OpsRoute::post("/ops/merchants/{merchant}/users/invite", manage, invite),
            OpsRoute::post("/ops/merchants/{merchant}/users/{user}/resend", manage, resend),
            OpsRoute::post("/ops/merchants/{merchant}/users/{user}/deactivate", manage, deactivate),
            OpsRoute::post("/ops/merchants/{merchant}/users/{user}/reactivate", manage, reactivate),
            OpsRoute::get(
                "/ops/merchants/{merchant}/users/{user}/reset-two-factor",
                manage,
                reset_two_factor_page,
            ),
            OpsRoute::post(
                "/ops/merchants/{merchant}/users/{user}/reset-two-factor",
                manage,
                reset_two_factor,
            ),
        ],
    }
}

/// A store and the user's role there.
struct StoreRole {
    store_id: String,
    role: String,
}

struct UserLine {
    id: i64,
    name: String,
    email: String,
    access: Vec<StoreRole>,
    status_label: String,
    status_badge: &'static str,
    invited: bool,
    deactivated: bool,
    two_factor: bool,
    last_sign_in: String,
}

struct LanguageChoice {
    code: &'static str,
    name: String,
}

#[derive(Template)]
#[template(path = "ops/merchant_users.html")]
struct UsersTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    users: Vec<UserLine>,
    /// The operator may invite, resend, deactivate and reactivate.
    manage: bool,
    /// Nobody is an active Super Admin: the invitation form comes first.
    no_super_admin: bool,
    languages: Vec<LanguageChoice>,
    /// Why the invitation form was refused.
    form_error: Option<String>,
    /// Why a change to one user was refused.
    action_error: Option<String>,
    /// The invitation form's field the error is about (`email`, `language`).
    error_field: &'static str,
    form_email: String,
    form_language: String,
}

/// How a user's standing reads: an external user past their date shows as expired.
fn status_of(page: &Page, m: &TeamMember, now: i64) -> (String, &'static str) {
    let expired = m.user.access_expires_at.is_some_and(|t| t <= now);
    match m.user.status {
        UserStatus::Active if expired => (page.t("user-status-expired"), "badge-danger"),
        UserStatus::Active => (page.t("user-status-active"), "badge-success"),
        UserStatus::Invited => (page.t("user-status-invited"), "badge-info"),
        UserStatus::Deactivated => (page.t("user-status-deactivated"), "badge-danger"),
    }
}

/// Someone who can administer the merchant's Super Admin access today.
fn active_super_admin(m: &TeamMember, now: i64) -> bool {
    m.user.status == UserStatus::Active
        && m.user.access_expires_at.is_none_or(|t| t > now)
        && m.access.iter().any(|a| a.role == Role::SuperAdmin)
}

/// What the invitation form shows again after a refusal.
#[derive(Deserialize, Default)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    language: String,
}

/// A refusal to show on the page, with the field it is about ("" for none).
struct Problem {
    key: &'static str,
    field: &'static str,
}

async fn users_page(
    state: &AppState,
    operator: &Operator,
    merchant_id: i64,
    notice: Option<&str>,
    problem: Option<Problem>,
    form: Option<&InviteForm>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/users");
    let (merchant, page) = merchant_page(state, operator, merchant_id, "ops-tab-users", &here).await?;
    let page = page.with_notice(notice);
    let actor = operator.actor().at_merchant(merchant_id);
    let roster = team::roster(&state.db, &actor).await?;
    let now = now_ms();
    let no_super_admin = !roster.members.iter().any(|m| active_super_admin(m, now));
    let users = roster
        .members
        .iter()
        .map(|m| {
            let (status_label, status_badge) = status_of(&page, m, now);
            UserLine {
                id: m.user.id,
                name: m.user.name.clone(),
                email: m.user.email.clone(),
                access: m
                    .access
                    .iter()
                    .map(|a| StoreRole {
                        store_id: a.store_id.clone(),
                        role: page.t(&format!("role-{}", a.role.code().replace('_', "-"))),
                    })
                    .collect(),
                status_label,
                status_badge,
                invited: m.user.status == UserStatus::Invited,
                deactivated: m.user.status == UserStatus::Deactivated,
                two_factor: m.user.two_factor,
                last_sign_in: m
                    .user
                    .last_sign_in_at
                    .map(|t| format_time(t, PROVIDER_TZ))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let languages = Lang::ALL
        .into_iter()
        .map(|l| LanguageChoice {
            code: l.code(),
            name: l.native_name().to_owned(),
        })
        .collect();
    let failed = problem.is_some();
    let message = problem.as_ref().map(|p| page.t(p.key));
    let (form_error, action_error) = if form.is_some() {
        (message, None)
    } else {
        (None, message)
    };
    let mut res = render(&UsersTemplate {
        form_error,
        action_error,
        error_field: problem.as_ref().map_or("", |p| p.field),
        form_email: form.map(|f| f.email.clone()).unwrap_or_default(),
        form_language: form
            .map(|f| f.language.clone())
            .unwrap_or_else(|| operator.lang.code().to_owned()),
        manage: operator.allows(OpsPermission::ManageMerchants),
        page,
        merchant,
        tab: "users",
        users,
        no_super_admin,
        languages,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize, Default)]
struct NoticeQuery {
    done: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let notice = q.done.as_deref().and_then(|d| match d {
        "invited" => Some("ops-users-done-invited"),
        "resent" => Some("ops-users-done-resent"),
        "deactivated" => Some("ops-users-done-deactivated"),
        "reactivated" => Some("ops-users-done-reactivated"),
        "two_factor_reset" => Some("ops-users-done-two-factor-reset"),
        "two_factor_none" => Some("ops-users-two-factor-none"),
        _ => None,
    });
    users_page(&state, &operator, merchant_id, notice, None, None).await
}

fn done(merchant_id: i64, what: &str) -> Response {
    Redirect::to(&format!("/ops/merchants/{merchant_id}/users?done={what}")).into_response()
}

/// A team refusal in the back office's words (the merchant is "the merchant", not "your
/// company").
fn refusal(r: TeamRefusal) -> Problem {
    let key = match r {
        TeamRefusal::LastAdmin => "ops-users-error-last-admin",
        TeamRefusal::AlreadyMember => "ops-users-error-exists",
        TeamRefusal::NotInvited => "users-error-not-invited",
        TeamRefusal::SuperAdminOnly => "users-error-super-admin",
        TeamRefusal::NotYourself => "users-error-self",
        TeamRefusal::NoStoreLeft => "users-error-no-store",
    };
    let field = if r == TeamRefusal::AlreadyMember { "email" } else { "" };
    Problem { key, field }
}

async fn invite(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
    Form(form): Form<InviteForm>,
) -> Result<Response, WebError> {
    let language = Lang::from_code(&form.language).map(|l| l.code().to_owned());
    let actor = operator.actor();
    let problem = match kassa_app::ops::invite_super_admin(&state.db, &actor, merchant_id, &form.email, language).await
    {
        Ok(sent) => {
            send(&state, &sent).await?;
            return Ok(done(merchant_id, "invited"));
        }
        Err(AppError::Team(r)) => refusal(r),
        Err(AppError::Invalid(errors)) => match errors.first().map(|e| e.field.as_str()) {
            Some(field::EMAIL) => Problem {
                key: "users-error-email",
                field: "email",
            },
            Some(field::LANGUAGE) => Problem {
                key: "users-error-language",
                field: "language",
            },
            Some(field::STORES) => Problem {
                key: "ops-users-error-no-stores",
                field: "",
            },
            _ => Problem {
                key: "error-bad-request-text",
                field: "",
            },
        },
        Err(e) => return Err(e.into()),
    };
    users_page(&state, &operator, merchant_id, None, Some(problem), Some(&form)).await
}

/// The invitation email, from "Kassa support" (merchants never see an operator's name), with
/// its expiry in the provider's timezone.
async fn send(state: &AppState, sent: &MerchantInvitation) -> Result<(), WebError> {
    mail::send_invitation(
        state,
        &sent.mail,
        Inviter::KassaSupport,
        &sent.merchant_name,
        PROVIDER_TZ,
    )
    .await
}

/// Answers a change to one user: back to the list with what was done, or with why not.
async fn answer(
    state: &AppState,
    operator: &Operator,
    merchant_id: i64,
    result: Result<(), AppError>,
    what: &str,
) -> Result<Response, WebError> {
    match result {
        Ok(()) => Ok(done(merchant_id, what)),
        Err(AppError::Team(r)) => users_page(state, operator, merchant_id, None, Some(refusal(r)), None).await,
        Err(e) => Err(e.into()),
    }
}

async fn resend(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, user_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let result =
        match kassa_app::ops::resend_merchant_invitation(&state.db, &operator.actor(), merchant_id, user_id).await {
            Ok(sent) => {
                send(&state, &sent).await?;
                Ok(())
            }
            Err(e) => Err(e),
        };
    answer(&state, &operator, merchant_id, result, "resent").await
}

async fn deactivate(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, user_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let actor = operator.actor().at_merchant(merchant_id);
    let result = team::deactivate(&state.db, &actor, user_id).await;
    answer(&state, &operator, merchant_id, result, "deactivated").await
}

async fn reactivate(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, user_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let actor = operator.actor().at_merchant(merchant_id);
    let result = team::reactivate(&state.db, &actor, user_id).await;
    answer(&state, &operator, merchant_id, result, "reactivated").await
}

#[derive(Template)]
#[template(path = "ops/merchant_user_two_factor.html")]
struct ResetTwoFactorTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    user_id: i64,
    user_name: String,
    user_email: String,
    /// The user has two-factor at this merchant: there is something to reset.
    two_factor: bool,
    reason: String,
    reason_max: usize,
    errors: FieldErrors,
}

/// The confirmation page of a two-factor reset, with the reason typed so far and why it was
/// refused.
async fn reset_page(
    state: &AppState,
    operator: &Operator,
    merchant_id: i64,
    user_id: i64,
    reason: String,
    errors: FieldErrors,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/users/{user_id}/reset-two-factor");
    let user = kassa_app::ops::two_factor_reset_target(&state.db, &operator.actor(), merchant_id, user_id).await?;
    let (merchant, page) = merchant_page(state, operator, merchant_id, "ops-users-reset-title", &here).await?;
    let failed = !errors.is_empty();
    let mut res = render(&ResetTwoFactorTemplate {
        page,
        merchant,
        tab: "users",
        user_id: user.id,
        user_name: user.name,
        user_email: user.email,
        two_factor: user.two_factor,
        reason,
        reason_max: kassa_app::ops::RESET_REASON_MAX,
        errors,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn reset_two_factor_page(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, user_id)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    reset_page(
        &state,
        &operator,
        merchant_id,
        user_id,
        String::new(),
        FieldErrors::default(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct ResetForm {
    #[serde(default)]
    reason: String,
}

async fn reset_two_factor(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, user_id)): Path<(i64, i64)>,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    let actor = operator.actor();
    match kassa_app::ops::reset_member_two_factor(&state.db, &actor, merchant_id, user_id, &form.reason).await {
        Ok(Some(sent)) => {
            let lang = Lang::from_code(&sent.language).unwrap_or(Lang::En);
            let link = state.config.link("/portal/sign-in");
            state
                .mailer
                .send(mail::two_factor_reset_mail(lang, &sent.to, link))
                .await?;
            Ok(done(merchant_id, "two_factor_reset"))
        }
        Ok(None) => Ok(done(merchant_id, "two_factor_none")),
        Err(e) => match FieldErrors::of(operator.lang, &e) {
            Some(mut errors) => {
                if errors.has("reason") && form.reason.trim().is_empty() {
                    errors.insert("reason", operator.lang.t("ops-users-reset-error-reason"));
                }
                reset_page(&state, &operator, merchant_id, user_id, form.reason, errors).await
            }
            None => Err(e.into()),
        },
    }
}
