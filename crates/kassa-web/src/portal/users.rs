//! User management: who has access to the merchant's stores with which role, invitations,
//! access changes, deactivation, and the audit log.
//!
//! Every user is looked up within the member's merchant, so users of other merchants are
//! "not found". An actor changes access only in stores where they may manage users, only a
//! Super Admin touches Super Admin access, and the storage layer refuses any change that
//! would leave the merchant without an active administrator.

use super::account::format_time;
use super::recovery::invitation_mail;
use crate::i18n::Lang;
use crate::password::random_token;
use crate::session::{token_hash, urlencode, Member};
use crate::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use kassa_core::access::{allows, Permission, Role, Section};
use kassa_core::account::{Email, UserStatus};
use kassa_core::team::{may_change_access, INVITATION_VALID_MS};
use kassa_db::{
    AccessRefusal, AccessUpdate, AuditEvent, AuditFilter, AuditRow, Invitation, MerchantStoreRow, TeamMembershipRow,
    TokenPurpose, UserRow,
};
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

fn role_label(page: &Page, role: &str) -> String {
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

fn format_date(ms: i64, timezone: &str) -> String {
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
fn day_end(date: &str, timezone: &str) -> Option<i64> {
    let date: jiff::civil::Date = date.trim().parse().ok()?;
    let next = date.tomorrow().ok()?;
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    Some(next.to_zoned(tz).ok()?.timestamp().as_millisecond())
}

/// The day an expiry at `ms` (exclusive end) falls on, as entered.
fn expiry_date(ms: i64, timezone: &str) -> String {
    format_date(ms - 1, timezone)
}

/// Stores of the current merchant where the member may manage users.
fn manageable_stores(member: &Member) -> Vec<String> {
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
    let mut roles = roles_by_user(&state.db.team_memberships(merchant_id).await?);
    let tz = &member.user.timezone;
    let lines = users
        .into_iter()
        .map(|u| {
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
struct RoleChoice {
    code: &'static str,
    label: String,
}

fn grantable_roles(page: &Page, member: &Member) -> Vec<RoleChoice> {
    Role::ALL
        .into_iter()
        .filter(|r| *r != Role::SuperAdmin || member.allows(Permission::AssignSuperAdmin))
        .map(|r| RoleChoice {
            code: r.code(),
            label: role_label(page, r.code()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "user_invite.html")]
struct InviteTemplate {
    page: Page,
    error: Option<String>,
    roles: Vec<RoleChoice>,
    stores: Vec<MerchantStoreRow>,
    form: InviteForm,
    today: String,
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    expires: String,
    #[serde(default)]
    language: String,
    /// Checked stores; repeated `store` fields.
    #[serde(default)]
    store: Vec<String>,
}

impl InviteForm {
    fn has_store(&self, id: &str) -> bool {
        self.store.iter().any(|s| s == id)
    }
}

async fn invite_page(
    state: &AppState,
    member: &Member,
    form: InviteForm,
    error: Option<&str>,
) -> Result<Response, WebError> {
    let page = Page::member(
        member,
        Some(Section::Users),
        "users-invite-title",
        "/portal/users/invite",
    );
    let manageable = manageable_stores(member);
    let stores = state
        .db
        .stores_of_merchant(member.store.merchant_id)
        .await?
        .into_iter()
        .filter(|s| manageable.contains(&s.id))
        .collect();
    let mut res = render(&InviteTemplate {
        error: error.map(|k| page.t(k)),
        roles: grantable_roles(&page, member),
        stores,
        form,
        today: format_date(now_ms(), &member.user.timezone),
        page,
    });
    if error.is_some() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub(crate) async fn invite_form(State(state): State<AppState>, member: Member) -> Result<Response, WebError> {
    let form = InviteForm {
        kind: "internal".into(),
        role: Role::User.code().into(),
        language: member.user.language.clone(),
        store: vec![member.store.store_id.clone()],
        ..Default::default()
    };
    invite_page(&state, &member, form, None).await
}

/// Parses a form body with repeated fields (`store=a&store=b`) into `T`.
fn parse_form<T: serde::de::DeserializeOwned + Default>(body: &str) -> Result<T, WebError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(body).map_err(|e| WebError::BadRequest(e.to_string()))?;
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        if k == "store" {
            map.entry(k)
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
                .as_array_mut()
                .expect("store is an array")
                .push(v.into());
        } else {
            map.insert(k, v.into());
        }
    }
    serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| WebError::BadRequest(e.to_string()))
}

pub(crate) async fn invite(State(state): State<AppState>, member: Member, body: String) -> Result<Response, WebError> {
    let form: InviteForm = parse_form(&body)?;
    let (email, role, expires_at, lang) = match check_invitation(&state, &member, &form).await? {
        Ok(ok) => ok,
        Err(key) => return invite_page(&state, &member, form, Some(key)).await,
    };
    let token = random_token();
    let now = now_ms();
    let after = serde_json::json!({
        "email": email.as_str(),
        "role": role.code(),
        "stores": form.store,
        "access_expires_at": expires_at.map(|t| expiry_date(t, &member.user.timezone)),
        "status": "invited",
    })
    .to_string();
    let event = AuditEvent {
        merchant_id: Some(member.store.merchant_id),
        actor_user_id: Some(member.user.id),
        actor: &member.user.email,
        action: "user_invited",
        subject: email.as_str(),
        ip: &member.ip,
        before: None,
        after: Some(after),
    };
    let invitation = Invitation {
        email: email.as_str(),
        language: lang.code(),
        access_expires_at: expires_at,
        stores: &form.store,
        role: role.code(),
        token_hash: &token_hash(&token),
        token_expires_at: now + INVITATION_VALID_MS,
    };
    let id = match state.db.invite_user(&invitation, &event, now).await {
        Ok(id) => id,
        Err(kassa_db::DbError::Conflict(_)) => {
            return invite_page(&state, &member, form, Some("users-error-exists")).await
        }
        Err(e) => return Err(e.into()),
    };
    send_invitation(&state, &member, email.as_str(), lang, &token, now + INVITATION_VALID_MS).await?;
    Ok(Redirect::to(&format!("/portal/users/{id}?done=invited")).into_response())
}

type CheckedInvitation = (Email, Role, Option<i64>, Lang);

async fn check_invitation(
    state: &AppState,
    member: &Member,
    form: &InviteForm,
) -> Result<Result<CheckedInvitation, &'static str>, WebError> {
    let Ok(email) = Email::parse(&form.email) else {
        return Ok(Err("users-error-email"));
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return Ok(Err("users-error-role"));
    };
    if may_change_access(member.allows(Permission::AssignSuperAdmin), &[], &[role]).is_err() {
        return Ok(Err("users-error-super-admin"));
    }
    let manageable = manageable_stores(member);
    if form.store.is_empty() || !form.store.iter().all(|s| manageable.contains(s)) {
        return Ok(Err("users-error-stores"));
    }
    let expires_at = match form.kind.as_str() {
        "internal" => None,
        "external" => match day_end(&form.expires, &member.user.timezone) {
            Some(t) if t > now_ms() => Some(t),
            _ => return Ok(Err("users-error-expiry")),
        },
        _ => return Ok(Err("users-error-kind")),
    };
    let Some(lang) = Lang::from_code(&form.language) else {
        return Ok(Err("users-error-language"));
    };
    if state.db.user_by_email(email.as_str()).await?.is_some() {
        return Ok(Err("users-error-exists"));
    }
    Ok(Ok((email, role, expires_at, lang)))
}

async fn send_invitation(
    state: &AppState,
    member: &Member,
    to: &str,
    lang: Lang,
    token: &str,
    expires_at: i64,
) -> Result<(), WebError> {
    let link = state.config.link(&format!("/portal/invitation/{token}"));
    // The invitee has no timezone yet; the inviter's is the best guess for "when".
    let expires = format_time(expires_at, &member.user.timezone);
    let mail = invitation_mail(lang, to, &member.user.name, &member.store.merchant_name, link, expires);
    state.mailer.send(mail).await
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
            before: super::audit_words::change_in_words(page.lang, r.before_json.as_deref().unwrap_or_default()),
            after: super::audit_words::change_in_words(page.lang, r.after_json.as_deref().unwrap_or_default()),
        })
        .collect()
}

async fn target(state: &AppState, member: &Member, id: i64) -> Result<UserRow, WebError> {
    state
        .db
        .user_of_merchant(member.store.merchant_id, id)
        .await?
        .ok_or(WebError::NotFound)
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

async fn detail_page(
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
            .latest_token_expiry(user.id, TokenPurpose::Invitation)
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

fn done(id: i64, what: &str) -> Response {
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
        status: None,
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
        status: Some(UserStatus::Deactivated.code()),
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
    let status = if user.password_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::Invited
    };
    let update = AccessUpdate {
        status: Some(status.code()),
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

/// A new invitation link; the old one stops working.
pub(crate) async fn resend(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let user = target(&state, &member, id).await?;
    if user.status != UserStatus::Invited.code() {
        return detail_page(&state, &member, id, None, Some("users-error-not-invited")).await;
    }
    let token = random_token();
    let now = now_ms();
    let expires_at = now + INVITATION_VALID_MS;
    state
        .db
        .replace_token(user.id, TokenPurpose::Invitation, &token_hash(&token), expires_at, now)
        .await?;
    let lang = Lang::from_code(&user.language).unwrap_or(Lang::En);
    send_invitation(&state, &member, &user.email, lang, &token, expires_at).await?;
    let event = AuditEvent {
        merchant_id: Some(member.store.merchant_id),
        actor_user_id: Some(member.user.id),
        actor: &member.user.email,
        action: "invitation_resent",
        subject: &user.email,
        ip: &member.ip,
        ..Default::default()
    };
    state.db.record_audit(&event, now).await?;
    Ok(done(id, "resent"))
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

    #[test]
    fn repeated_store_fields_parse() {
        let f: InviteForm = parse_form("email=a%40b.se&kind=internal&store=M100001&store=M100002").unwrap();
        assert_eq!(f.store, vec!["M100001", "M100002"]);
        let f: InviteForm = parse_form("email=a%40b.se&store=M100001").unwrap();
        assert_eq!(f.store, vec!["M100001"]);
    }
}
