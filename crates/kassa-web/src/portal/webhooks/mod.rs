//! Webhooks, under Integrations: the store's endpoints and a form to add one (its secret is
//! shown once, on the page that answers the form), one endpoint with its deliveries, and
//! the changes — edit, rotate the secret, send a test event, resend a delivery, enable or
//! disable, delete after a confirmation. Handlers parse, call one `kassa_app::webhooks`
//! use case and render; members who may only view get the pages without the forms (a
//! partner merchant's staff, whose integration the partner runs).

mod endpoint;
mod views;

use crate::shell::extract::{Form, Query};
use crate::shell::i18n::Lang;
use crate::shell::routes::{Access, RouteRow, Section};
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kassa_app::webhooks::{self, EndpointInput, UrlPolicy};
use kassa_app::AppError;
use kassa_core::access::{self, Permission};
use kassa_core::webhook::{subscribable, EventType, UrlProblem};
use serde::Deserialize;
use views::{choices, EndpointView, EventChoice};

pub(crate) const BASE: &str = "/portal/integrations/webhooks";

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewIntegrations);
    let manage = Access::Member(Permission::ManageIntegrations);
    Section {
        // The Integrations menu entry is the API keys page's; this page links from there.
        menu: None,
        routes: vec![
            RouteRow::get(BASE, view, list),
            RouteRow::post(BASE, manage, create),
            RouteRow::get("/portal/integrations/webhooks/{endpoint_id}", view, endpoint::show),
            RouteRow::post("/portal/integrations/webhooks/{endpoint_id}", manage, endpoint::update),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/rotate",
                manage,
                endpoint::rotate,
            ),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/test",
                manage,
                endpoint::send_test,
            ),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/enable",
                manage,
                endpoint::enable,
            ),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/disable",
                manage,
                endpoint::disable,
            ),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/deliveries/{delivery_id}/resend",
                manage,
                endpoint::resend,
            ),
            RouteRow::get(
                "/portal/integrations/webhooks/{endpoint_id}/delete",
                manage,
                endpoint::delete_page,
            ),
            RouteRow::post(
                "/portal/integrations/webhooks/{endpoint_id}/delete",
                manage,
                endpoint::delete,
            ),
        ],
    }
}

/// The URL policy of this installation.
pub(crate) fn policy(state: &AppState) -> UrlPolicy {
    UrlPolicy {
        allow_private: state.config.webhook_allow_private,
    }
}

/// What an endpoint form sent: URL, description and the checked events.
pub(crate) struct Sent {
    pub url: String,
    pub description: String,
    pub events: Vec<EventType>,
}

pub(crate) fn read_form(fields: &[(String, String)]) -> Sent {
    let value = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let checked: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.as_str())
        .collect();
    Sent {
        url: value("url"),
        description: value("description"),
        events: subscribable().filter(|e| checked.contains(&e.code())).collect(),
    }
}

impl Sent {
    pub fn input(&self) -> EndpointInput {
        EndpointInput {
            url: self.url.clone(),
            description: self.description.clone(),
            events: self.events.clone(),
        }
    }
}

/// A refusal of an endpoint form in the member's words, or the error to show as a page.
pub(crate) fn explain(lang: Lang, e: AppError) -> Result<Vec<String>, WebError> {
    match e {
        AppError::Invalid(fields) => Ok(fields
            .iter()
            .map(|f| match f.field.as_str() {
                "url" => {
                    let key = [
                        (UrlProblem::Malformed, "webhooks-error-url"),
                        (UrlProblem::HttpsRequired, "webhooks-error-https"),
                        (UrlProblem::TooLong, "webhooks-error-url-long"),
                        (UrlProblem::Credentials, "webhooks-error-credentials"),
                        (UrlProblem::PrivateAddress, "webhooks-error-private"),
                        (UrlProblem::Unresolvable, "webhooks-error-unresolvable"),
                    ]
                    .into_iter()
                    .find(|(p, _)| p.to_string() == f.message)
                    .map_or("webhooks-error-url", |(_, k)| k);
                    lang.t(key)
                }
                "description" => lang.t("webhooks-error-description"),
                _ => lang.t("webhooks-error-events"),
            })
            .collect()),
        AppError::Conflict(_) => Ok(vec![lang.t("webhooks-error-too-many")]),
        other => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "webhooks.html")]
struct ListTemplate {
    page: Page,
    endpoints: Vec<EndpointView>,
    can_manage: bool,
    url: String,
    description: String,
    events: Vec<EventChoice>,
    errors: Vec<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct Done {
    done: Option<String>,
    before: Option<i64>,
}

fn notice_key(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "saved" => "webhooks-done-saved",
        "deleted" => "webhooks-done-deleted",
        "test" => "webhooks-done-test",
        "resent" => "webhooks-done-resent",
        "enabled" => "webhooks-done-enabled",
        "disabled" => "webhooks-done-disabled",
        "resend-disabled" => "webhooks-done-resend-disabled",
        _ => return None,
    })
}

async fn list_page(
    state: &AppState,
    member: &Member,
    notice: Option<&str>,
    sent: Option<&Sent>,
    errors: Vec<String>,
) -> Result<Response, WebError> {
    let page = Page::member(member, Some(access::Section::Integrations), "webhooks-title", BASE).with_notice(notice);
    let rows = webhooks::endpoints(&state.db, &member.actor()).await?;
    let tz = &member.user.timezone;
    let endpoints = rows
        .iter()
        .map(|e| EndpointView::of(page.lang, e, tz, now_ms()))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&ListTemplate {
        endpoints,
        can_manage: member.allows(Permission::ManageIntegrations),
        url: sent.map(|s| s.url.clone()).unwrap_or_default(),
        description: sent.map(|s| s.description.clone()).unwrap_or_default(),
        events: choices(sent.map(|s| s.events.as_slice()).unwrap_or(&[])),
        errors,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<Done>,
) -> Result<Response, WebError> {
    list_page(&state, &member, notice_key(q.done.as_deref()), None, Vec::new()).await
}

/// The page that shows a secret, once (after creation and after a rotation).
#[derive(Template)]
#[template(path = "webhook_secret.html")]
pub(crate) struct SecretTemplate {
    pub page: Page,
    pub id: String,
    pub url: String,
    pub secret: String,
    pub rotated: bool,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    member: Member,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let sent = read_form(&fields);
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    match webhooks::create_endpoint(&state.db, &member.actor(), &sent.input(), policy(&state), now_ms()).await {
        Ok(created) => {
            let here = format!("{BASE}/{}", created.endpoint.id);
            let page = Page::member(
                &member,
                Some(access::Section::Integrations),
                "webhooks-secret-title",
                &here,
            );
            let mut res = render(&SecretTemplate {
                page,
                id: created.endpoint.id,
                url: created.endpoint.url,
                secret: created.secret,
                rotated: false,
            });
            // A secret never goes into a cache.
            res.headers_mut()
                .insert("cache-control", axum::http::HeaderValue::from_static("no-store"));
            *res.status_mut() = StatusCode::CREATED;
            Ok(res)
        }
        Err(e) => {
            let errors = explain(lang, e)?;
            list_page(&state, &member, None, Some(&sent), errors).await
        }
    }
}
