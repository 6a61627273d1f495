//! Inviting people to the merchant's stores, and sending an invitation again. What an
//! invitation does to new and existing accounts is `kassa_app::team`'s; here the form is
//! read, the use case called, and the invitation email written and sent.

use super::{detail_page, done, refusal_key, role_label, RoleChoice};
use crate::mail::{self, Inviter};
use crate::shell::extract::Path;
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::dates::format_date;
use kassa_app::team::{self, field, InvitationMail, InviteUser};
use kassa_app::AppError;
use kassa_core::access::{Role, Section};
use kassa_db::MerchantStoreRow;
use serde::Deserialize;

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
    let choices = team::invite_form(&state.db, &member.actor()).await?;
    let roles = choices
        .roles
        .into_iter()
        .map(|r| RoleChoice {
            code: r.code(),
            label: role_label(&page, r.code()),
        })
        .collect();
    let mut res = render(&InviteTemplate {
        error: error.map(|k| page.t(k)),
        roles,
        stores: choices.stores,
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
    let command = InviteUser {
        email: form.email.clone(),
        role: form.role.clone(),
        stores: form.store.clone(),
        kind: form.kind.clone(),
        expires: form.expires.clone(),
        timezone: member.user.timezone.clone(),
        language: Lang::from_code(&form.language).map(|l| l.code().to_owned()),
    };
    let key = match team::invite(&state.db, &member.actor(), &command).await {
        Ok(mail) => {
            send_invitation(&state, &member, &mail).await?;
            return Ok(Redirect::to(&format!("/portal/users/{}?done=invited", mail.user_id)).into_response());
        }
        Err(AppError::Team(refusal)) => refusal_key(refusal),
        Err(AppError::Invalid(errors)) => match errors.first().map(|e| e.field.as_str()) {
            Some(field::EMAIL) => "users-error-email",
            Some(field::ROLE) => "users-error-role",
            Some(field::STORES) => "users-error-stores",
            Some(field::EXPIRES) => "users-error-expiry",
            Some(field::KIND) => "users-error-kind",
            _ => "users-error-language",
        },
        Err(e) => return Err(e.into()),
    };
    invite_page(&state, &member, form, Some(key)).await
}

async fn send_invitation(state: &AppState, member: &Member, sent: &InvitationMail) -> Result<(), WebError> {
    let inviter = Inviter::Person(&member.user.name);
    mail::send_invitation(state, sent, inviter, &member.store.merchant_name, &member.user.timezone).await
}

/// A new invitation link; the old one stops working.
pub(crate) async fn resend(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    match team::resend_invitation(&state.db, &member.actor(), id).await {
        Ok(mail) => {
            send_invitation(&state, &member, &mail).await?;
            Ok(done(id, "resent"))
        }
        Err(AppError::Team(refusal)) => detail_page(&state, &member, id, None, Some(refusal_key(refusal))).await,
        Err(e) => Err(e.into()),
    }
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
