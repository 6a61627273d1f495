//! The provider back office at `/ops`: a realm of its own (operators, their sessions and
//! sign-in) in the portal's design system, marked apart. Each section declares its routes and
//! menu entry with the [`OpsPermission`](kassa_core::ops_access::OpsPermission) they need;
//! [`shell::BackOffice`] turns that into the guarded router, the menu and the route table
//! the permission-matrix test walks.

mod audit;
mod auth;
mod bank_changes;
mod dispute_forms;
mod disputes;
pub(crate) mod form;
mod help_feedback;
mod home;
mod identity_requests;
mod merchant_audit;
mod merchant_form;
mod merchant_keys;
mod merchant_orders;
mod merchant_page;
mod merchant_tabs;
mod merchant_users;
mod merchants;
mod operators;
mod payouts;
pub mod shell;
mod store_finance;
mod stores;
mod support;

use crate::AppState;
use axum::Router;
use shell::{BackOffice, OpsRouteSpec};

pub use shell::OpsAccess;

fn back_office() -> BackOffice {
    BackOffice {
        sections: vec![
            auth::section(),
            home::section(),
            merchants::section(),
            identity_requests::section(),
            stores::section(),
            store_finance::section(),
            merchant_users::section(),
            merchant_keys::section(),
            merchant_orders::section(),
            merchant_audit::section(),
            payouts::section(),
            bank_changes::section(),
            disputes::section(),
            support::section(),
            operators::section(),
            audit::section(),
            help_feedback::section(),
        ],
    }
}

/// Every `/ops` route with what it requires.
pub fn routes() -> Vec<OpsRouteSpec> {
    back_office().routes()
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    back_office().router(state)
}
