//! User management: who has access to the merchant's stores with which role, invitations,
//! access changes, deactivation, and the audit log.
//!
//! Every user is looked up within the member's merchant, so users of other merchants are
//! "not found". An actor changes access only in stores where they may manage users, only a
//! Super Admin touches Super Admin access, and the storage layer refuses any change that
//! would leave the merchant without an active administrator.

mod section;
pub(crate) use section::section;

use crate::shell::i18n::format_time;
// Issue 9 (auth): invitations split out of users.rs.
mod audit_words;
mod invitations;

use crate::shell::session::{urlencode, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
pub(crate) use invitations::{invite, invite_form, resend};
use kassa_core::access::{allows, Permission, Role, Section};
use kassa_core::account::UserStatus;
use kassa_core::team::{may_change_access, standing_at_merchant};
use kassa_db::{AccessRefusal, AccessUpdate, AuditEvent, AuditFilter, AuditRow, TeamMembershipRow, UserRow};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Audit actions an admin can filter by, in the order the filter lists them. Each has a
/// label `audit-action-<action with dashes>`.
pub const AUDIT_ACTIONS: &[&str] = &[
    "sign_in",
    "sign_out",
    "sign_in_failed",
    "account_locked",
    "sign_in_refused_locked",
    "sign_in_refused_expired",
    "sign_in_refused_inactive",
    "sign_in_refused_no_store",
    "two_factor_failed",
    "recovery_code_used",
    "user_invited",
    "invitation_resent",
    "invitation_accepted",
    "user_access_changed",
    "user_deactivated",
    "user_reactivated",
    "user_created",
    "profile_updated",
    "password_changed",
    "password_reset_requested",
    "password_reset",
    "magic_link_requested",
    "two_factor_enabled",
    "two_factor_disabled",
    "recovery_codes_replaced",
];

/// Rows per audit log page.
const AUDIT_PAGE: i64 = 50;

pub(super) fn role_label(page: &Page, role: &str) -> String {
    page.t(&format!("role-{}", role.replace('_', "-")))
}

fn action_label(page: &Page, action: &str) -> String {
    if AUDIT_ACTIONS.contains(&action) {
        page.t(&format!("audit-action-{}", action.replace('_', "-")))
    } else {
        action.to_owned()
    }
}

/// A store and the role someone has there, for display.
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
    external_until: Option<String>,
    two_factor: bool,
    last_sign_in: String,
}

/// How a user's state reads in lists: an external user past their date shows as expired.
fn status_of(page: &Page, user: &UserRow, now: i64) -> (String, &'static str) {
    let expired = user.access_expires_at.is_some_and(|t| t <= now);
    match user.status.as_str() {
        "active" if expired => (page.t("user-status-expired"), "badge-danger"),
        "active" => (page.t("user-status-active"), "badge-success"),
        "invited" => (page.t("user-status-invited"), "badge-info"),
        _ => (page.t("user-status-deactivated"), "badge-danger"),
    }
}

pub(super) fn format_date(ms: i64, timezone: &str) -> String {
    let Ok(ts) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    ts.to_zoned(tz).strftime("%Y-%m-%d").to_string()
}

/// The start of `date` (YYYY-MM-DD) in `timezone`, in milliseconds.
fn day_start(date: &str, timezone: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    Some(date.to_zoned(tz).ok()?.timestamp().as_millisecond())
}

/// The end of `date`: an external user invited "until 2027-03-31" keeps access through
/// that whole day in the inviter's timezone.
pub(super) fn day_end(date: &str, timezone: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let next = date.tomorrow().ok()?;
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    Some(next.to_zoned(tz).ok()?.timestamp().as_millisecond())
}

/// The day an expiry at `ms` (exclusive end) falls on, as entered.
pub(super) fn expiry_date(ms: i64, timezone: &str) -> String {
    format_date(ms - 1, timezone)
}

/// Stores of the current merchant where the member may manage users.
pub(super) fn manageable_stores(member: &Member) -> Vec<String> {
    member
        .stores
        .iter()
        .filter(|s| s.merchant_id == member.store.merchant_id)
        .filter(|s| match (s.role.parse::<Role>(), s.onboarding.parse()) {
            (Ok(role), Ok(onboarding)) => allows(role, onboarding, Permission::ManageUsers),
            _ => false,
        })
        .map(|s| s.store_id.clone())
        .collect()
}

fn roles_by_user(memberships: &[TeamMembershipRow]) -> BTreeMap<i64, Vec<StoreRole>> {
    let mut out: BTreeMap<i64, Vec<StoreRole>> = BTreeMap::new();
    for m in memberships {
        out.entry(m.user_id).or_default().push(StoreRole {
            store_id: m.store_id.clone(),
            role: m.role.clone(),
        });
    }
    out
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersTemplate {
    page: Page,
    users: Vec<UserLine>,
    policy_on: bool,
}

pub(crate) async fn list(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let merchant_id = member.store.merchant_id;
    let page = Page::member(&member, Some(Section::Users), "users-title", "/portal/users");
    let now = now_ms();
    let users = state.db.users_of_merchant(merchant_id).await?;
    let memberships = state.db.team_memberships(merchant_id).await?;
    let standing: BTreeMap<i64, TeamMembershipRow> = memberships.iter().map(|m| (m.user_id, m.clone())).collect();
    let mut roles = roles_by_user(&memberships);
    let tz = &member.user.timezone;
    let lines = users
        .into_iter()
        .map(|u| {
            let here = standing.get(&u.id);
            let u = seen_here(u, here);
            let (status_label, status_badge) = status_of(&page, &u, now);
            let access = roles
                .remove(&u.id)
                .unwrap_or_default()
                .into_iter()
                .map(|r| StoreRole {
                    role: role_label(&page, &r.role),
                    store_id: r.store_id,
                })
                .collect();
            UserLine {
                id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                access,
                status_label,
                status_badge,
                external_until: u.access_expires_at.map(|t| expiry_date(t, tz)),
                two_factor: u.totp_secret.is_some(),
                last_sign_in: u.last_sign_in_at.map(|t| format_time(t, tz)).unwrap_or_default(),
            }
        })
        .collect();
    let policy_on = state
        .db
        .merchant(merchant_id)
        .await?
        .is_some_and(|m| m.require_two_factor);
    Ok(render(&UsersTemplate {
        page,
        users: lines,
        policy_on,
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
    user: UserRow,
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
            actor: r.actor,
            action: action_label(page, &r.action),
            subject: r.subject,
            ip: r.ip,
            before: audit_words::change_in_words(page.lang, r.before_json.as_deref().unwrap_or_default()),
            after: audit_words::change_in_words(page.lang, r.after_json.as_deref().unwrap_or_default()),
        })
        .collect()
}

/// The user as the member's merchant sees them (see [`seen_here`]); users of other
/// merchants are not found.
pub(super) async fn target(state: &AppState, member: &Member, id: i64) -> Result<UserRow, WebError> {
    let user = state
        .db
        .user_of_merchant(member.store.merchant_id, id)
        .await?
        .ok_or(WebError::NotFound)?;
    let here = roles_of(state, member, id).await?;
    Ok(seen_here(user, here.first()))
}

/// A shared user as one merchant sees them: the status and end date of their access at
/// this merchant (memberships of one merchant share them), "member since" the first store
/// access here, and — until they accept this merchant's invitation — nothing of an account
/// they may have elsewhere (name, phone, sign-ins, two-factor).
fn seen_here(mut user: UserRow, here: Option<&TeamMembershipRow>) -> UserRow {
    let account = user.status.parse().unwrap_or(UserStatus::Deactivated);
    let accepted = here.is_some_and(|m| m.status == UserStatus::Active.code());
    let deactivated = here.is_some_and(|m| m.deactivated_at.is_some());
    user.status = standing_at_merchant(account, accepted, deactivated).code().to_owned();
    let ends_here = here.and_then(|m| m.access_expires_at);
    user.access_expires_at = match (user.access_expires_at, ends_here) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(m) = here {
        user.created_at = m.created_at;
    }
    if !accepted {
        user.name.clear();
        user.phone.clear();
        user.password_hash = None;
        user.last_sign_in_at = None;
        user.totp_secret = None;
        user.two_factor_enabled_at = None;
    }
    user
}

/// The target's roles in the merchant's stores.
async fn roles_of(state: &AppState, member: &Member, id: i64) -> Result<Vec<TeamMembershipRow>, WebError> {
    Ok(state
        .db
        .team_memberships(member.store.merchant_id)
        .await?
        .into_iter()
        .filter(|m| m.user_id == id)
        .collect())
}

fn parsed_roles(rows: &[TeamMembershipRow]) -> Vec<Role> {
    rows.iter().filter_map(|m| m.role.parse().ok()).collect()
}

pub(super) async fn detail_page(
    state: &AppState,
    member: &Member,
    id: i64,
    notice: Option<&str>,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let user = target(state, member, id).await?;
    let here = format!("/portal/users/{id}");
    let page = Page::member(member, Some(Section::Users), "users-detail-title", &here).with_notice(notice);
    let tz = &member.user.timezone;
    let now = now_ms();
    let current = roles_of(state, member, id).await?;
    let manageable = manageable_stores(member);
    let access = state
        .db
        .stores_of_merchant(member.store.merchant_id)
        .await?
        .into_iter()
        .map(|s| AccessRow {
            role: current
                .iter()
                .find(|m| m.store_id == s.id)
                .map(|m| m.role.clone())
                .unwrap_or_default(),
            editable: manageable.contains(&s.id),
            store_id: s.id,
            store_name: s.name,
        })
        .collect();
    let may_edit = may_change_access(
        member.allows(Permission::AssignSuperAdmin),
        &parsed_roles(&current),
        &[],
    )
    .is_ok();
    let invitation_expires = if user.status == UserStatus::Invited.code() {
        state
            .db
            .invitation_expiry(user.id, member.store.merchant_id)
            .await?
            .map(|t| {
                if t <= now {
                    page.t("users-invitation-expired")
                } else {
                    page.t_args("users-invitation-valid-until", &[("time", format_time(t, tz))])
                }
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let filter = AuditFilter {
        person: Some(&user.email),
        ..Default::default()
    };
    let events = state.db.audit_page(member.store.merchant_id, &filter, 10).await?;
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
        may_edit,
        is_self: user.id == member.user.id,
        invitation_expires,
        events: audit_lines(&page, events, tz),
        audit_link: format!("/portal/users/audit?user={}", urlencode(&user.email)),
        user,
        page,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
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

fn access_json(rows: &[(String, String)], expires: Option<String>, status: &str) -> String {
    let stores: BTreeMap<&str, &str> = rows.iter().map(|(s, r)| (s.as_str(), r.as_str())).collect();
    serde_json::json!({ "stores": stores, "access_expires_at": expires, "status": status }).to_string()
}

/// Changes roles per store (`role_<StoreID>` fields, empty for no access) and, for
/// external users, the access expiry date.
pub(crate) async fn change_access(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let user = target(&state, &member, id).await?;
    let current = roles_of(&state, &member, id).await?;
    let manageable = manageable_stores(&member);
    let mut after: BTreeMap<String, String> = current.iter().map(|m| (m.store_id.clone(), m.role.clone())).collect();
    let mut changes = Vec::new();
    for (key, value) in &fields {
        let Some(store) = key.strip_prefix("role_") else {
            continue;
        };
        if !manageable.iter().any(|s| s == store) {
            return Err(WebError::NotFound);
        }
        if value.is_empty() {
            after.remove(store);
            changes.push((store.to_owned(), None));
        } else {
            let Ok(role) = value.parse::<Role>() else {
                return detail_page(&state, &member, id, None, Some("users-error-role")).await;
            };
            after.insert(store.to_owned(), role.code().to_owned());
            changes.push((store.to_owned(), Some(role.code())));
        }
    }
    let after_roles: Vec<Role> = after.values().filter_map(|r| r.parse().ok()).collect();
    if may_change_access(
        member.allows(Permission::AssignSuperAdmin),
        &parsed_roles(&current),
        &after_roles,
    )
    .is_err()
    {
        return detail_page(&state, &member, id, None, Some("users-error-super-admin")).await;
    }
    if after.is_empty() {
        return detail_page(&state, &member, id, None, Some("users-error-no-store")).await;
    }
    let tz = &member.user.timezone;
    let expiry = fields
        .iter()
        .find(|(k, _)| k == "expires")
        .map(|(_, v)| v.trim().to_owned());
    let new_expiry = match (&expiry, user.access_expires_at) {
        // Only external users carry a date; an internal user's form has no such field.
        (Some(date), Some(_)) => match day_end(date, tz) {
            Some(t) => Some(Some(t)),
            None => return detail_page(&state, &member, id, None, Some("users-error-expiry")).await,
        },
        _ => None,
    };
    let before_rows: Vec<(String, String)> = current.iter().map(|m| (m.store_id.clone(), m.role.clone())).collect();
    let after_rows: Vec<(String, String)> = after.into_iter().collect();
    let before = access_json(
        &before_rows,
        user.access_expires_at.map(|t| expiry_date(t, tz)),
        &user.status,
    );
    let after_expiry = new_expiry.unwrap_or(user.access_expires_at);
    let after = access_json(&after_rows, after_expiry.map(|t| expiry_date(t, tz)), &user.status);
    let update = AccessUpdate {
        memberships: changes.iter().map(|(s, r)| (s.as_str(), *r)).collect(),
        deactivate: None,
        access_expires_at: new_expiry,
    };
    apply(
        &state,
        &member,
        &user,
        &update,
        "user_access_changed",
        before,
        after,
        "access",
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn apply(
    state: &AppState,
    member: &Member,
    user: &UserRow,
    update: &AccessUpdate<'_>,
    action: &str,
    before: String,
    after: String,
    done_key: &str,
) -> Result<Response, WebError> {
    let event = AuditEvent {
        merchant_id: Some(member.store.merchant_id),
        actor_user_id: Some(member.user.id),
        actor: &member.user.email,
        action,
        subject: &user.email,
        ip: &member.ip,
        before: Some(before),
        after: Some(after),
    };
    match state
        .db
        .change_access(member.store.merchant_id, user.id, update, &event, now_ms())
        .await?
    {
        Ok(()) => Ok(done(user.id, done_key)),
        Err(AccessRefusal::LastAdmin) => {
            detail_page(state, member, user.id, None, Some("users-error-last-admin")).await
        }
    }
}

/// Checks that the actor may change the target's status at all.
async fn status_change_allowed(
    state: &AppState,
    member: &Member,
    user: &UserRow,
) -> Result<Option<&'static str>, WebError> {
    let current = roles_of(state, member, user.id).await?;
    if may_change_access(
        member.allows(Permission::AssignSuperAdmin),
        &parsed_roles(&current),
        &[],
    )
    .is_err()
    {
        return Ok(Some("users-error-super-admin"));
    }
    if user.id == member.user.id {
        return Ok(Some("users-error-self"));
    }
    Ok(None)
}

pub(crate) async fn deactivate(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let user = target(&state, &member, id).await?;
    if let Some(key) = status_change_allowed(&state, &member, &user).await? {
        return detail_page(&state, &member, id, None, Some(key)).await;
    }
    if user.status == UserStatus::Deactivated.code() {
        return Ok(done(id, "deactivated"));
    }
    let update = AccessUpdate {
        deactivate: Some(true),
        ..Default::default()
    };
    let before = serde_json::json!({ "status": user.status }).to_string();
    let after = serde_json::json!({ "status": "deactivated" }).to_string();
    apply(
        &state,
        &member,
        &user,
        &update,
        "user_deactivated",
        before,
        after,
        "deactivated",
    )
    .await
}

/// Back to active, or to invited for someone who never accepted their invitation.
pub(crate) async fn reactivate(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let user = target(&state, &member, id).await?;
    if let Some(key) = status_change_allowed(&state, &member, &user).await? {
        return detail_page(&state, &member, id, None, Some(key)).await;
    }
    if user.status != UserStatus::Deactivated.code() {
        return Ok(done(id, "reactivated"));
    }
    // Back to what they were here before: active, or invited if they never accepted.
    let account = state.db.user_by_id(id).await?.ok_or(WebError::NotFound)?;
    let accepted = roles_of(&state, &member, id)
        .await?
        .first()
        .is_some_and(|m| m.status == UserStatus::Active.code());
    let status = standing_at_merchant(
        account.status.parse().unwrap_or(UserStatus::Deactivated),
        accepted,
        false,
    );
    let update = AccessUpdate {
        deactivate: Some(false),
        ..Default::default()
    };
    let before = serde_json::json!({ "status": user.status }).to_string();
    let after = serde_json::json!({ "status": status.code() }).to_string();
    apply(
        &state,
        &member,
        &user,
        &update,
        "user_reactivated",
        before,
        after,
        "reactivated",
    )
    .await
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
    let action = non_empty(&q.action).filter(|a| AUDIT_ACTIONS.contains(a));
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
    let mut rows = state
        .db
        .audit_page(member.store.merchant_id, &filter, AUDIT_PAGE + 1)
        .await?;
    let older = if rows.len() as i64 > AUDIT_PAGE {
        rows.truncate(AUDIT_PAGE as usize);
        let last = rows.last().map(|r| r.id).unwrap_or_default();
        let mut params: Vec<(&str, String)> = Vec::new();
        for (k, v) in [("action", action), ("user", person), ("from", from), ("to", to)] {
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
    let people = state
        .db
        .users_of_merchant(member.store.merchant_id)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    let actions = AUDIT_ACTIONS
        .iter()
        .map(|a| ActionChoice {
            code: a,
            label: action_label(&page, a),
        })
        .collect();
    Ok(render(&AuditTemplate {
        actions,
        people,
        action: action.unwrap_or_default().to_owned(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_dates_cover_the_whole_day() {
        let end = day_end("2027-03-31", "Europe/Stockholm").unwrap();
        assert_eq!(expiry_date(end, "Europe/Stockholm"), "2027-03-31");
        assert_eq!(
            end - day_start("2027-03-31", "Europe/Stockholm").unwrap(),
            24 * 3600 * 1000
        );
        assert!(day_end("31/03/2027", "UTC").is_none());
    }
}
