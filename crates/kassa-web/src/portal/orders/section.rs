//! The Orders section's menu entry and routes. Every action of the order page has its own
//! two rows: its form on a page of its own (GET) and the form's target (POST).

use super::{act, action_page, bulk_capture, bulk_capture_result, export, list, save_columns, show};
use super::{ActionForm, RetryQuery};
use crate::shell::extract::{Form, Path, Query};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use crate::shell::session::Member;
use crate::{AppState, WebError};
use axum::extract::State;
use axum::response::Response;
use kassa_core::access::{self, Permission};
use std::future::Future;
use std::pin::Pin;

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewOrders);
    let manage = Access::Member(Permission::ManageOrders);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Orders,
            href: "/portal/orders",
            label: "nav-orders",
        }),
        routes: vec![
            RouteRow::get("/portal/orders", view, list),
            RouteRow::get("/portal/orders/export.csv", view, export),
            RouteRow::post("/portal/orders/columns", view, save_columns),
            RouteRow::post("/portal/orders/bulk-capture", manage, bulk_capture),
            RouteRow::get("/portal/orders/bulk-capture", manage, bulk_capture_result),
            RouteRow::get("/portal/orders/{order_id}", view, show),
            // Each action's form on a page of its own: without JavaScript, and after a refusal.
            RouteRow::get("/portal/orders/{order_id}/capture", manage, form_of("capture")),
            RouteRow::post("/portal/orders/{order_id}/capture", manage, run("capture")),
            RouteRow::get("/portal/orders/{order_id}/refund", manage, form_of("refund")),
            RouteRow::post("/portal/orders/{order_id}/refund", manage, run("refund")),
            RouteRow::get("/portal/orders/{order_id}/amount", manage, form_of("amount")),
            RouteRow::post("/portal/orders/{order_id}/amount", manage, run("amount")),
            RouteRow::get("/portal/orders/{order_id}/lines", manage, form_of("lines")),
            RouteRow::post("/portal/orders/{order_id}/lines", manage, run("lines")),
            RouteRow::get("/portal/orders/{order_id}/extend", manage, form_of("extend")),
            RouteRow::post("/portal/orders/{order_id}/extend", manage, run("extend")),
            RouteRow::get("/portal/orders/{order_id}/release", manage, form_of("release")),
            RouteRow::post("/portal/orders/{order_id}/release", manage, run("release")),
            RouteRow::get("/portal/orders/{order_id}/cancel", manage, form_of("cancel")),
            RouteRow::post("/portal/orders/{order_id}/cancel", manage, run("cancel")),
            RouteRow::get("/portal/orders/{order_id}/customer", manage, form_of("customer")),
            RouteRow::post("/portal/orders/{order_id}/customer", manage, run("customer")),
            RouteRow::get("/portal/orders/{order_id}/shipping", manage, form_of("shipping")),
            RouteRow::post("/portal/orders/{order_id}/shipping", manage, run("shipping")),
            RouteRow::get("/portal/orders/{order_id}/references", manage, form_of("references")),
            RouteRow::post("/portal/orders/{order_id}/references", manage, run("references")),
        ],
    }
}

/// What an action's handlers answer.
type Answer = Pin<Box<dyn Future<Output = Result<Response, WebError>> + Send>>;

/// The handler of `action`'s form page.
fn form_of(
    action: &'static str,
) -> impl Fn(State<AppState>, Member, Path<String>, Query<RetryQuery>) -> Answer + Clone + Send + Sync + 'static {
    move |state, member, order_id, query| Box::pin(action_page(state, member, order_id, action, query))
}

/// The handler that runs `action` from its form.
fn run(
    action: &'static str,
) -> impl Fn(State<AppState>, Member, Path<String>, Form<ActionForm>) -> Answer + Clone + Send + Sync + 'static {
    move |state, member, order_id, form| Box::pin(act(state, member, order_id, action, form))
}

#[cfg(test)]
mod tests {
    use super::super::ACTIONS;

    /// Every action the order page offers has its form page and its target, and no row
    /// names an action the page does not know.
    #[test]
    fn every_action_has_its_rows() {
        let rows: Vec<_> = super::section().routes.into_iter().map(|r| r.spec).collect();
        let prefix = "/portal/orders/{order_id}/";
        let actions: Vec<_> = rows.iter().filter_map(|r| r.path.strip_prefix(prefix)).collect();
        assert_eq!(actions.len(), ACTIONS.len() * 2);
        for action in ACTIONS {
            let path = format!("{prefix}{action}");
            for method in ["GET", "POST"] {
                assert!(
                    rows.iter().any(|r| r.path == path && r.method == method),
                    "{method} {path}"
                );
            }
        }
    }
}
