//! "Was this helpful?" in the back office: how merchants rated each help article (issue 16),
//! least helpful first, so the articles that need work stand out. Any operator may read it.

use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::shell::views::{render, Page};
use crate::{help, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_core::ops_access::OpsPermission;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: "/ops/help-feedback",
            label: "ops-help-title",
            permission: OpsPermission::SignedIn,
        }),
        routes: vec![OpsRoute::get(
            "/ops/help-feedback",
            OpsAccess::Operator(OpsPermission::SignedIn),
            show,
        )],
    }
}

struct Line {
    slug: String,
    title: String,
    helpful: i64,
    not_helpful: i64,
}

#[derive(Template)]
#[template(path = "ops/help_feedback.html")]
struct FeedbackTemplate {
    page: Page,
    lines: Vec<Line>,
}

async fn show(State(state): State<AppState>, operator: Operator) -> Result<Response, WebError> {
    let page = operator.page(Some("/ops/help-feedback"), "ops-help-title", "/ops/help-feedback");
    let mut lines: Vec<Line> = state
        .db
        .help_feedback()
        .await?
        .into_iter()
        .map(|r| Line {
            title: help::article("en", &r.slug)
                .map(|(a, _)| a.title.clone())
                .unwrap_or_else(|| r.slug.clone()),
            slug: r.slug,
            helpful: r.helpful,
            not_helpful: r.not_helpful,
        })
        .collect();
    lines.sort_by(|a, b| b.not_helpful.cmp(&a.not_helpful).then(a.slug.cmp(&b.slug)));
    Ok(render(&FeedbackTemplate { page, lines }))
}
