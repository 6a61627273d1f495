//! A merchant's orders in the back office, read-only: the newest orders of all its stores
//! (keyset pages, "older" link) and one order's amounts, lines, customer and full timeline.
//! No actions: operators look, the merchant acts.

use super::audit::PROVIDER_TZ;
use super::merchant_page::merchant_page;
use super::merchant_tabs::MerchantHeading;
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::portal::orders::{status_class, status_key};
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::format_time;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::orders::{core_state, lines_in};
use kassa_core::ops_access::OpsPermission;
use kassa_core::timeline::ActorKind;
use kassa_db::Cursor;
use serde::Deserialize;

const PAGE_SIZE: i64 = 50;

pub(super) fn section() -> OpsSection {
    let view = OpsAccess::Operator(OpsPermission::ViewMerchants);
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get("/ops/merchants/{merchant}/orders", view, list),
            OpsRoute::get("/ops/merchants/{merchant}/orders/{order}", view, show),
        ],
    }
}

struct OrderLine {
    id: String,
    store_id: String,
    reference: String,
    status_label: String,
    status_class: &'static str,
    amount: String,
    created: String,
}

#[derive(Template)]
#[template(path = "ops/merchant_orders.html")]
struct OrdersTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    orders: Vec<OrderLine>,
    older: Option<String>,
}

/// The last row of the previous page: `older_at` (created, ms) and `older_id`.
#[derive(Deserialize, Default)]
struct ListQuery {
    older_at: Option<i64>,
    older_id: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Path(merchant_id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/orders");
    let (merchant, page) = merchant_page(&state, &operator, merchant_id, "ops-tab-orders", &here).await?;
    let before = match (q.older_at, q.older_id) {
        (Some(value), Some(order_id)) => Some(Cursor { value, order_id }),
        _ => None,
    };
    let found =
        kassa_app::ops::merchant_orders(&state.db, &operator.actor(), merchant_id, before.as_ref(), PAGE_SIZE).await?;
    let lang = page.lang;
    let orders = found
        .rows
        .into_iter()
        .map(|r| OrderLine {
            status_label: lang.t(&status_key(r.status.code())),
            status_class: status_class(r.status.code()),
            amount: lang.format_money(r.order_amount, &r.purchase_currency),
            created: format_time(r.created_at, PROVIDER_TZ),
            reference: r.merchant_reference1.unwrap_or(r.short_reference),
            id: r.order_id,
            store_id: r.store_id,
        })
        .collect();
    let older = found.older.map(|c| {
        let query = serde_urlencoded::to_string([("older_at", c.value.to_string()), ("older_id", c.order_id)])
            .unwrap_or_default();
        format!("{here}?{query}")
    });
    Ok(render(&OrdersTemplate {
        page,
        merchant,
        tab: "orders",
        orders,
        older,
    }))
}

struct LineView {
    reference: String,
    name: String,
    quantity: i64,
    unit_price: String,
    total: String,
}

struct EventView {
    at: String,
    action: String,
    actor: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "ops/merchant_order.html")]
struct OrderTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    id: String,
    store_id: String,
    short_reference: String,
    reference1: String,
    reference2: String,
    status_label: String,
    status_class: &'static str,
    created: String,
    amount: String,
    captured: String,
    refunded: String,
    remaining: String,
    customer_email: String,
    lines: Vec<LineView>,
    events: Vec<EventView>,
}

async fn show(
    State(state): State<AppState>,
    operator: Operator,
    Path((merchant_id, order_id)): Path<(i64, String)>,
) -> Result<Response, WebError> {
    let here = format!("/ops/merchants/{merchant_id}/orders/{order_id}");
    let (merchant, mut page) = merchant_page(&state, &operator, merchant_id, "ops-tab-orders", &here).await?;
    let view = kassa_app::ops::merchant_order(&state.db, &operator.actor(), merchant_id, &order_id).await?;
    let row = &view.record.row;
    let lang = page.lang;
    page.title = format!("{} {} · {}", page.t("order-title"), row.short_reference, merchant.name);
    let money = |v: i64| lang.format_money(v, &row.purchase_currency);
    let order = core_state(row)?;
    let body: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&row.body).unwrap_or_default();
    let lines = lines_in(&body)
        .into_iter()
        .map(|l| LineView {
            reference: l.reference.unwrap_or_default(),
            unit_price: money(l.unit_price),
            total: money(l.total_amount),
            quantity: l.quantity,
            name: l.name,
        })
        .collect();
    // Newest first, as the portal's timeline reads.
    let events = view
        .events
        .iter()
        .rev()
        .map(|e| EventView {
            at: format_time(e.at, PROVIDER_TZ),
            action: lang.t(&format!("order-event-{}", e.action.code().replace('_', "-"))),
            actor: match e.actor_kind {
                ActorKind::ApiKey => lang.t_args("order-actor-api", &[("name", e.actor.clone())]),
                ActorKind::PortalUser => lang.t_args("order-actor-portal", &[("name", e.actor.clone())]),
                ActorKind::Shopper => lang.t_args("order-actor-shopper", &[("name", e.actor.clone())]),
                ActorKind::Operator | ActorKind::System => lang.t("order-actor-system"),
            },
            amount: e.amount.map(money).unwrap_or_default(),
        })
        .collect();
    let template = OrderTemplate {
        id: row.order_id.clone(),
        store_id: row.store_id.clone(),
        short_reference: row.short_reference.clone(),
        reference1: row.merchant_reference1.clone().unwrap_or_default(),
        reference2: row.merchant_reference2.clone().unwrap_or_default(),
        status_label: lang.t(&status_key(order.status.code())),
        status_class: status_class(order.status.code()),
        created: format_time(row.completed_at.unwrap_or(row.created_at), PROVIDER_TZ),
        amount: money(row.order_amount),
        captured: money(row.captured_amount),
        refunded: money(row.refunded_amount),
        remaining: money(order.remaining_authorized()),
        customer_email: row.customer_email.clone(),
        lines,
        events,
        page,
        merchant,
        tab: "orders",
    };
    Ok(render(&template))
}
