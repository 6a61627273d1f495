//! One endpoint: its settings form, its deliveries (newest first, 25 a page), and the
//! actions on it, each a POST that redirects back with what it did.

use super::views::{choices, DeliveryView, EndpointView, EventChoice};
use super::{explain, policy, read_form, Done, SecretTemplate, BASE};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::webhooks;
use kassa_core::access::{Permission, Section};

const PAGE_SIZE: i64 = 25;

#[derive(Template)]
#[template(path = "webhook.html")]
struct EndpointTemplate {
    page: Page,
    e: EndpointView,
    can_manage: bool,
    url: String,
    description: String,
    events: Vec<EventChoice>,
    errors: Vec<String>,
    deliveries: Vec<DeliveryView>,
    /// The link to older deliveries, when there are more.
    older: String,
}

fn here(id: &str) -> String {
    format!("{BASE}/{id}")
}

async fn endpoint_page(
    state: &AppState,
    member: &Member,
    id: &str,
    q: &Done,
    sent: Option<&super::Sent>,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    let actor = member.actor();
    let row = webhooks::endpoint(&state.db, &actor, id).await?;
    let notice = super::notice_key(q.done.as_deref());
    let mut page = Page::member(
        member,
        Some(Section::Integrations),
        "webhooks-endpoint-title",
        &here(id),
    )
    .with_notice(notice);
    page.title = format!("{} · {}", page.title, row.url);
    let tz = &member.user.timezone;
    let rows = webhooks::deliveries(&state.db, &actor, id, q.before, PAGE_SIZE + 1).await?;
    let older = if rows.len() as i64 > PAGE_SIZE {
        format!("{}?before={}", here(id), rows[PAGE_SIZE as usize - 1].id)
    } else {
        String::new()
    };
    let deliveries = rows
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|d| DeliveryView::of(page.lang, d, tz))
        .collect();
    let e = EndpointView::of(page.lang, &row, tz, now_ms());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&EndpointTemplate {
        can_manage: member.allows(Permission::ManageIntegrations),
        url: sent.map_or_else(|| e.url.clone(), |s| s.url.clone()),
        description: sent.map_or_else(|| e.description.clone(), |s| s.description.clone()),
        events: choices(sent.map_or(e.events.as_slice(), |s| s.events.as_slice())),
        errors,
        deliveries,
        older,
        e,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    endpoint_page(&state, &member, &id, &q, None, Vec::new()).await
}

fn back(id: &str, done: &str) -> Response {
    Redirect::to(&format!("{}?done={done}", here(id))).into_response()
}

pub(crate) async fn update(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let sent = read_form(&fields);
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    let result =
        webhooks::update_endpoint(&state.db, &member.actor(), &id, &sent.input(), policy(&state), now_ms()).await;
    match result {
        Ok(_) => Ok(back(&id, "saved")),
        Err(e) => {
            let errors = explain(lang, e)?;
            endpoint_page(&state, &member, &id, &Done::default(), Some(&sent), errors).await
        }
    }
}

pub(crate) async fn rotate(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let secret = webhooks::rotate_secret(&state.db, &member.actor(), &id, now_ms()).await?;
    let row = webhooks::endpoint(&state.db, &member.actor(), &id).await?;
    let page = Page::member(
        &member,
        Some(Section::Integrations),
        "webhooks-secret-title",
        &here(&id),
    );
    let mut res = render(&SecretTemplate {
        page,
        id: row.id,
        url: row.url,
        secret,
        rotated: true,
    });
    res.headers_mut()
        .insert("cache-control", axum::http::HeaderValue::from_static("no-store"));
    Ok(res)
}

pub(crate) async fn send_test(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    webhooks::send_test(&state.db, &member.actor(), &id, now_ms()).await?;
    Ok(back(&id, "test"))
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    webhooks::set_enabled(&state.db, &member.actor(), &id, true, now_ms()).await?;
    Ok(back(&id, "enabled"))
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    webhooks::set_enabled(&state.db, &member.actor(), &id, false, now_ms()).await?;
    Ok(back(&id, "disabled"))
}

pub(crate) async fn resend(
    State(state): State<AppState>,
    member: Member,
    Path((id, delivery_id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    match webhooks::resend(&state.db, &member.actor(), &id, delivery_id, now_ms()).await {
        Ok(()) => Ok(back(&id, "resent")),
        // A disabled endpoint: back to its page, which offers to enable it.
        Err(kassa_app::AppError::Conflict(_)) => Ok(back(&id, "resend-disabled")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "webhook_delete.html")]
struct DeleteTemplate {
    page: Page,
    e: EndpointView,
}

pub(crate) async fn delete_page(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let row = webhooks::endpoint(&state.db, &member.actor(), &id).await?;
    let page = Page::member(
        &member,
        Some(Section::Integrations),
        "webhooks-delete-title",
        &format!("{}/delete", here(&id)),
    );
    let e = EndpointView::of(page.lang, &row, &member.user.timezone, now_ms());
    Ok(render(&DeleteTemplate { page, e }))
}

/// Deletes once confirmed: the confirmation form sends `confirm=yes`; a POST without it
/// (a stray or forged form) goes to the question instead.
pub(crate) async fn delete(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    if !fields.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        return Ok(Redirect::to(&format!("{}/delete", here(&id))).into_response());
    }
    webhooks::delete_endpoint(&state.db, &member.actor(), &id, now_ms()).await?;
    Ok(Redirect::to(&format!("{BASE}?done=deleted")).into_response())
}
