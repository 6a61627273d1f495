//! A merchant's audit trail in the back office: everything done at the merchant, by its own
//! people and by operators (marked as such), newest first, paged by id.

use super::audit::{event_lines, EventLine};
use super::merchant_page::merchant_page;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::shell::extract::{Path, Query};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::team;
use kassa_core::ops_access::OpsPermission;
use kassa_db::AuditFilter;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub(super) fn section() -> OpsSection {
    OpsSection {
        menu: None,
        routes: vec![OpsRoute::get(
            "/ops/merchants/{merchant}/audit",
            OpsAccess::Operator(OpsPermission::ViewMerchants),
            audit,
        )],
    }
}

/// An event, and whether an operator did it.
struct AuditLine {
    event: EventLine,
    by_operator: bool,
}

#[derive(Template)]
#[template(path = "ops/merchant_audit.html")]
struct AuditTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    events: Vec<AuditLine>,
    older: Option<String>,
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    before: Option<i64>,
}

async fn audit(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/audit");
    let (merchant, page) = merchant_page(&state, &operator, merchant_id, "ops-tab-audit", &here).await?;
    let filter = AuditFilter {
        before_id: q.before,
        ..Default::default()
    };
    let actor = operator.actor().at_merchant(merchant_id);
    let mut rows = team::audit_log(&state.db, &actor, &filter, PAGE_SIZE + 1).await?.events;
    let older = (rows.len() as i64 > PAGE_SIZE).then(|| format!("{here}?before={}", rows[PAGE_SIZE as usize - 1].id));
    rows.truncate(PAGE_SIZE as usize);
    let events = event_lines(page.lang, &rows)
        .into_iter()
        .zip(&rows)
        .map(|(event, row)| AuditLine {
            event,
            by_operator: row.actor_operator_id.is_some(),
        })
        .collect();
    Ok(render(&AuditTemplate {
        page,
        merchant,
        tab: "audit",
        events,
        older,
    }))
}
