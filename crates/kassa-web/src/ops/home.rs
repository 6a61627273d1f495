//! The back office's start page: who is signed in, in which role, what that role may do
//! here, and what this operator did lately.

use super::audit::{event_lines, EventLine};
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::operators as ops;
use kassa_core::ops_access::OpsPermission;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops",
            label: "ops-home-title",
            permission: OpsPermission::SignedIn,
        }),
        routes: vec![OpsRoute::get(
            "/ops",
            OpsAccess::Operator(OpsPermission::SignedIn),
            home,
        )],
    }
}

#[derive(Template)]
#[template(path = "ops/home.html")]
struct HomeTemplate {
    page: Page,
    role: String,
    duties: String,
    events: Vec<EventLine>,
}

async fn home(State(state): State<AppState>, operator: Operator) -> Result<Response, WebError> {
    let page = operator.page(Some("/ops"), "ops-home-title", "/ops");
    let rows = ops::my_recent_actions(&state.db, &operator.actor(), 20).await?;
    let role_key = operator.role.code().replace('_', "-");
    Ok(render(&HomeTemplate {
        role: page.t(&format!("ops-role-{role_key}")),
        duties: page.t(&format!("ops-role-{role_key}-duties")),
        events: event_lines(page.lang, &rows),
        page,
    }))
}
