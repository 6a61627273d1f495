//! User management: who has access to the merchant's stores with which role, invitations,
//! access changes, deactivation, and the audit log.
//!
//! The rules — who may see and change whom — are the use cases' in `kassa_app::team`; the
//! handlers here read the form, call one, and render its answer.

mod section;
pub(crate) use section::section;

use crate::shell::i18n::format_time;
// Issue 9 (auth): invitations split out of users.rs.
mod audit_words;
mod invitations;

use crate::shell::extract::{Form, Path, Query};
use crate::shell::session::{urlencode, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
pub(crate) use invitations::{invite, invite_form, resend};
use kassa_app::dates::{day_end, day_start, expiry_date};
use kassa_app::team::{self, ChangeAccess, TeamRefusal, TeamUser};
use kassa_app::AppError;
use kassa_core::access::{Role, Section};
use kassa_core::account::UserStatus;
use kassa_core::audit::AuditAction;
use kassa_db::{AuditFilter, AuditRow};
use serde::Deserialize;

/// Rows per audit log page.
const AUDIT_PAGE: i64 = 50;

pub(super) fn role_label(page: &Page, role: &str) -> String {
    page.t(&format!("role-{}", role.replace('_', "-")))
}

/// An action in words: `audit-action-<code with dashes>` for the actions the filter
/// lists, the stored code for others.
fn action_label(page: &Page, action: AuditAction) -> String {
    if action.listed() {
        page.t(&format!("audit-action-{}", action.code().replace('_', "-")))
    } else {
        action.code().to_owned()
    }
}

/// The actions an admin can filter the audit log by, in the filter's order.
fn listed_actions() -> impl Iterator<Item = AuditAction> {
    AuditAction::ALL.iter().copied().filter(|a| a.listed())
}

struct UserLine {
    id: i64,
    name: String,
    email: String,
    access: Vec<StoreRole>,
    status_label: String,
    status_badge: &'static str,
    external_until: Option<String>,
    two_factor: bool,
    last_sign_in: String,
}

/// How a user's state reads in lists: an external user past their date shows as expired.
fn status_of(page: &Page, user: &TeamUser, now: i64) -> (String, &'static str) {
    let expired = user.access_expires_at.is_some_and(|t| t <= now);
    match user.status {
        UserStatus::Active if expired => (page.t("user-status-expired"), "badge-danger"),
        UserStatus::Active => (page.t("user-status-active"), "badge-success"),
        UserStatus::Invited => (page.t("user-status-invited"), "badge-info"),
        UserStatus::Deactivated => (page.t("user-status-deactivated"), "badge-danger"),
    }
}

/// A store and the role someone has there, for display.
struct StoreRole {
    store_id: String,
    role: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersTemplate {
    page: Page,
    users: Vec<UserLine>,
    policy_on: bool,
}

pub(crate) async fn list(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let page = Page::member(&member, Some(Section::Users), "users-title", "/portal/users");
    let now = now_ms();
    let roster = team::roster(&state.db, &member.actor()).await?;
    let tz = &member.user.timezone;
    let lines = roster
        .members
        .into_iter()
        .map(|m| {
            let u = m.user;
            let (status_label, status_badge) = status_of(&page, &u, now);
            let access = m
                .access
                .into_iter()
                .map(|r| StoreRole {
                    role: role_label(&page, r.role.code()),
                    store_id: r.store_id,
                })
                .collect();
            UserLine {
                id: u.id,
                access,
                status_label,
                status_badge,
                external_until: u.access_expires_at.map(|t| expiry_date(t, tz)),
                two_factor: u.two_factor,
                last_sign_in: u.last_sign_in_at.map(|t| format_time(t, tz)).unwrap_or_default(),
                name: u.name,
                email: u.email,
            }
        })
        .collect();
    Ok(render(&UsersTemplate {
        page,
        users: lines,
        policy_on: roster.require_two_factor,
    }))
}

/// A role the actor may hand out, for pickers.
pub(super) struct RoleChoice {
    pub(super) code: &'static str,
    pub(super) label: String,
}

/// One store row of the access form.
struct AccessRow {
    store_id: String,
    store_name: String,
    role: String,
    editable: bool,
}

struct AuditLine {
    at: String,
    actor: String,
    action: String,
    subject: String,
    ip: String,
    before: String,
    after: String,
}

#[derive(Template)]
#[template(path = "user_detail.html")]
struct DetailTemplate {
    page: Page,
    error: Option<String>,
    user: TeamUser,
    status_label: String,
    status_badge: &'static str,
    external_until: Option<String>,
    created: String,
    last_sign_in: String,
    access: Vec<AccessRow>,
    roles: Vec<RoleChoice>,
    /// False when the user holds Super Admin and the actor may not touch that.
    may_edit: bool,
    is_self: bool,
    invitation_expires: String,
    events: Vec<AuditLine>,
    audit_link: String,
}

fn audit_lines(page: &Page, rows: Vec<AuditRow>, tz: &str) -> Vec<AuditLine> {
    rows.into_iter()
        .map(|r| AuditLine {
            at: format_time(r.at, tz),
            // The provider's staff are "Kassa support" to merchants, never a person's email.
            actor: if r.actor_operator_id.is_some() {
                page.t("audit-actor-kassa-support")
            } else {
                r.actor
            },
            action: action_label(page, r.action),
            subject: r.subject,
            ip: r.ip,
            before: audit_words::change_in_words(page.lang, r.before_json.as_deref().unwrap_or_default()),
            after: audit_words::change_in_words(page.lang, r.after_json.as_deref().unwrap_or_default()),
        })
        .collect()
}

pub(super) async fn detail_page(
    state: &AppState,
    member: &Member,
    id: i64,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let detail = team::member(&state.db, &member.actor(), id).await?;
    let user = detail.member.user;
    let here = format!("/portal/users/{id}");
    let page = Page::member(member, Some(Section::Users), "users-detail-title", &here).with_notice(notice);
    let tz = &member.user.timezone;
    let now = now_ms();
    let access = detail
        .stores
        .into_iter()
        .map(|s| AccessRow {
            role: s.role.map(|r| r.code().to_owned()).unwrap_or_default(),
            editable: s.editable,
            store_id: s.store.id,
            store_name: s.store.name,
        })
        .collect();
    let invitation_expires = detail
        .invitation_expires_at
        .map(|t| {
            if t <= now {
                page.t("users-invitation-expired")
            } else {
                page.t_args("users-invitation-valid-until", &[("time", format_time(t, tz))])
            }
        })
        .unwrap_or_default();
    let (status_label, status_badge) = status_of(&page, &user, now);
    let mut res = render(&DetailTemplate {
        error: error.map(|k| page.t(k)),
        status_label,
        status_badge,
        external_until: user.access_expires_at.map(|t| expiry_date(t, tz)),
        created: format_time(user.created_at, tz),
        last_sign_in: user.last_sign_in_at.map(|t| format_time(t, tz)).unwrap_or_default(),
        access,
        roles: Role::ALL
            .into_iter()
            .map(|r| RoleChoice {
                code: r.code(),
                label: role_label(&page, r.code()),
            })
            .collect(),
        may_edit: detail.may_edit,
        is_self: detail.is_self,
        invitation_expires,
        events: audit_lines(&page, detail.recent_events, tz),
        audit_link: format!("/portal/users/audit?user={}", urlencode(&user.email)),
        user,
        page,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// The message of a refused team change, shown on the user's page.
pub(super) fn refusal_key(refusal: TeamRefusal) -> &'static str {
    match refusal {
        TeamRefusal::LastAdmin => "users-error-last-admin",
        TeamRefusal::SuperAdminOnly => "users-error-super-admin",
        TeamRefusal::NotYourself => "users-error-self",
        TeamRefusal::NotInvited => "users-error-not-invited",
        TeamRefusal::AlreadyMember => "users-error-exists",
        TeamRefusal::NoStoreLeft => "users-error-no-store",
    }
}

/// Answers a team change on user `id`: to their page with `done`, or back to it with why not.
async fn answer(
    state: &AppState,
    member: &Member,
    id: i64,
    outcome: Result<(), AppError>,
    done_key: &str,
) -> Result<Response, WebError> {
    let key = match outcome {
        Ok(()) => return Ok(done(id, done_key)),
        Err(AppError::Team(refusal)) => refusal_key(refusal),
        Err(AppError::Invalid(_)) => "users-error-expiry",
        Err(e) => return Err(e.into()),
    };
    detail_page(state, member, id, None, Some(key)).await
}

#[derive(Deserialize, Default)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

pub(crate) async fn detail(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    let notice = match q.done.as_deref() {
        Some("invited") => Some("users-notice-invited"),
        Some("access") => Some("users-notice-access"),
        Some("deactivated") => Some("users-notice-deactivated"),
        Some("reactivated") => Some("users-notice-reactivated"),
        Some("resent") => Some("users-notice-resent"),
        _ => None,
    };
    detail_page(&state, &member, id, notice, None).await
}

pub(super) fn done(id: i64, what: &str) -> Response {
    Redirect::to(&format!("/portal/users/{id}?done={what}")).into_response()
}

/// Changes roles per store (`role_<StoreID>` fields, empty for no access) and, for
/// external users, the access expiry date.
pub(crate) async fn change_access(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let mut roles = Vec::new();
    for (key, value) in &fields {
        let Some(store) = key.strip_prefix("role_") else {
            continue;
        };
        let role = match value.as_str() {
            "" => None,
            code => match code.parse::<Role>() {
                Ok(role) => Some(role),
                Err(_) => return detail_page(&state, &member, id, None, Some("users-error-role")).await,
            },
        };
        roles.push((store.to_owned(), role));
    }
    let change = ChangeAccess {
        user_id: id,
        roles,
        expires: fields
            .iter()
            .find(|(k, _)| k == "expires")
            .map(|(_, v)| v.trim().to_owned()),
        timezone: member.user.timezone.clone(),
    };
    let outcome = team::change_access(&state.db, &member.actor(), &change).await;
    answer(&state, &member, id, outcome, "access").await
}

pub(crate) async fn deactivate(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let outcome = team::deactivate(&state.db, &member.actor(), id).await;
    answer(&state, &member, id, outcome, "deactivated").await
}

/// Back to active, or to invited for someone who never accepted their invitation.
pub(crate) async fn reactivate(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let outcome = team::reactivate(&state.db, &member.actor(), id).await;
    answer(&state, &member, id, outcome, "reactivated").await
}

// ---- Audit log -----------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub(crate) struct AuditQuery {
    action: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
}

struct ActionChoice {
    code: &'static str,
    label: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditTemplate {
    page: Page,
    actions: Vec<ActionChoice>,
    people: Vec<String>,
    action: String,
    user: String,
    from: String,
    to: String,
    events: Vec<AuditLine>,
    older: Option<String>,
    filtered: bool,
    error: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(crate) async fn audit(
    State(state): State<AppState>,
    member: Member,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let q: AuditQuery =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or("")).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let page = Page::member(&member, Some(Section::Users), "audit-title", "/portal/users/audit");
    let tz = &member.user.timezone;
    let action = non_empty(&q.action).and_then(|a| listed_actions().find(|l| l.code() == a));
    let person = non_empty(&q.user);
    let from = non_empty(&q.from);
    let to = non_empty(&q.to);
    let from_ms = from.map(|d| day_start(d, tz));
    let until_ms = to.map(|d| day_end(d, tz));
    let bad_date = matches!(from_ms, Some(None)) || matches!(until_ms, Some(None));
    let filter = AuditFilter {
        action,
        person,
        from_ms: from_ms.flatten(),
        until_ms: until_ms.flatten(),
        before_id: q.before,
    };
    let log = team::audit_log(&state.db, &member.actor(), &filter, AUDIT_PAGE + 1).await?;
    let mut rows = log.events;
    let older = if rows.len() as i64 > AUDIT_PAGE {
        rows.truncate(AUDIT_PAGE as usize);
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("action", action.map(AuditAction::code)),
            ("user", person),
            ("from", from),
            ("to", to),
        ] {
            if let Some(v) = v {
                params.push((k, v.to_owned()));
            }
        }
        params.push(("before", last.to_string()));
        Some(format!(
            "/portal/users/audit?{}",
            serde_urlencoded::to_string(&params).unwrap_or_default()
        ))
    } else {
        None
    };
    let people = log.people;
    let actions = listed_actions()
        .map(|a| ActionChoice {
            code: a.code(),
            label: action_label(&page, a),
        })
        .collect();
    Ok(render(&AuditTemplate {
        actions,
        people,
        action: action.map(AuditAction::code).unwrap_or_default().to_owned(),
        user: person.unwrap_or_default().to_owned(),
        from: from.unwrap_or_default().to_owned(),
        to: to.unwrap_or_default().to_owned(),
        events: audit_lines(&page, rows, tz),
        older,
        filtered: action.is_some() || person.is_some() || from.is_some() || to.is_some() || q.before.is_some(),
        error: bad_date.then(|| page.t("audit-error-date")),
        page,
    }))
}
