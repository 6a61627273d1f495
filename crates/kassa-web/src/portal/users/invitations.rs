//! Inviting people to the merchant's stores, and sending an invitation again.
//!
//! One email is one account, which may belong to several merchants (as at Kustom). Inviting
//! an address answers the same whether or not it has an account elsewhere: a new account is
//! created as invited, an existing one gets this merchant's access as invited, and either way
//! the person accepts through the emailed link. Granting access to an existing account
//! directly would show its name, sign-ins and two-factor state to an admin who only typed an
//! email — the very "this account exists" answer the form must not give — and would pull
//! someone into a merchant without their consent.

use super::{day_end, detail_page, done, expiry_date, format_date, manageable_stores, role_label, target, RoleChoice};
use crate::mail::invitation_mail;
use crate::password::random_token;
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::{token_hash, Member};
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_core::access::{Permission, Role, Section};
use kassa_core::account::{Email, UserStatus};
use kassa_core::team::{may_change_access, INVITATION_VALID_MS};
use kassa_db::{AuditEvent, Invitation, Invited, MerchantStoreRow};
use serde::Deserialize;

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
    let (email, role, expires_at, lang) = match check_invitation(&member, &form) {
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
        merchant_id: member.store.merchant_id,
        email: email.as_str(),
        language: lang.code(),
        access_expires_at: expires_at,
        stores: &form.store,
        role: role.code(),
        token_hash: &token_hash(&token),
        token_expires_at: now + INVITATION_VALID_MS,
    };
    let invited = match state.db.invite(&invitation, &event, now).await {
        // Another merchant created the account a moment ago: it is an existing one now.
        Err(kassa_db::DbError::Conflict(_)) => state.db.invite(&invitation, &event, now).await?,
        other => other?,
    };
    let (id, mail_lang, new_account) = match invited {
        Invited::NewAccount { user_id } => (user_id, lang, true),
        // An existing account reads mail in its own language, not the one picked here.
        Invited::ExistingAccount { user } => (user.id, Lang::from_code(&user.language).unwrap_or(lang), false),
        Invited::AlreadyMember => return invite_page(&state, &member, form, Some("users-error-exists")).await,
    };
    let expires_at = now + INVITATION_VALID_MS;
    let sent = Sent {
        to: email.as_str(),
        lang: mail_lang,
        token: &token,
        expires_at,
        new_account,
    };
    send_invitation(&state, &member, sent).await?;
    Ok(Redirect::to(&format!("/portal/users/{id}?done=invited")).into_response())
}

type CheckedInvitation = (Email, Role, Option<i64>, Lang);

fn check_invitation(member: &Member, form: &InviteForm) -> Result<CheckedInvitation, &'static str> {
    let Ok(email) = Email::parse(&form.email) else {
        return Err("users-error-email");
    };
    let Ok(role) = form.role.parse::<Role>() else {
        return Err("users-error-role");
    };
    if may_change_access(member.allows(Permission::AssignSuperAdmin), &[], &[role]).is_err() {
        return Err("users-error-super-admin");
    }
    let manageable = manageable_stores(member);
    if form.store.is_empty() || !form.store.iter().all(|s| manageable.contains(s)) {
        return Err("users-error-stores");
    }
    let expires_at = match form.kind.as_str() {
        "internal" => None,
        "external" => match day_end(&form.expires, &member.user.timezone) {
            Some(t) if t > now_ms() => Some(t),
            _ => return Err("users-error-expiry"),
        },
        _ => return Err("users-error-kind"),
    };
    let Some(lang) = Lang::from_code(&form.language) else {
        return Err("users-error-language");
    };
    Ok((email, role, expires_at, lang))
}

/// An invitation email about to go out.
struct Sent<'a> {
    to: &'a str,
    lang: Lang,
    token: &'a str,
    expires_at: i64,
    /// A new account chooses a password; an existing one only accepts.
    new_account: bool,
}

async fn send_invitation(state: &AppState, member: &Member, sent: Sent<'_>) -> Result<(), WebError> {
    let link = state.config.link(&format!("/portal/invitation/{}", sent.token));
    // The invitee's timezone is theirs to know; the inviter's is the best guess for "when".
    let expires = format_time(sent.expires_at, &member.user.timezone);
    let mail = invitation_mail(
        sent.lang,
        sent.to,
        &member.user.name,
        &member.store.merchant_name,
        link,
        expires,
        sent.new_account,
    );
    state.mailer.send(mail).await
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
        .reissue_invitation(user.id, member.store.merchant_id, &token_hash(&token), expires_at, now)
        .await?;
    let account = state.db.user_by_id(user.id).await?.ok_or(WebError::NotFound)?;
    let sent = Sent {
        to: &account.email,
        lang: Lang::from_code(&account.language).unwrap_or(Lang::En),
        token: &token,
        expires_at,
        new_account: account.status == UserStatus::Invited.code(),
    };
    send_invitation(&state, &member, sent).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_store_fields_parse() {
        let f: InviteForm = parse_form("email=a%40b.se&kind=internal&store=M100001&store=M100002").unwrap();
        assert_eq!(f.store, vec!["M100001", "M100002"]);
        let f: InviteForm = parse_form("email=a%40b.se&store=M100001").unwrap();
        assert_eq!(f.store, vec!["M100001"]);
    }
}
