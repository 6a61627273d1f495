//! Help's routes. No menu entry: the floating support button on every page leads here.

use crate::shell::routes::{Access, RouteRow, Section};
use kassa_core::access::Permission;

pub(crate) fn section() -> Section {
    let signed_in = Access::Member(Permission::SignedIn);
    Section {
        menu: None,
        routes: vec![
            RouteRow::get("/portal/help", signed_in, super::index),
            RouteRow::post("/portal/help/ask", signed_in, super::ask),
            RouteRow::get("/portal/help/{slug}", signed_in, super::article),
            RouteRow::post("/portal/help/{slug}/feedback", signed_in, super::feedback),
        ],
    }
}
