//! Notifications: the list behind the bell, marking read, and the Account settings tab of
//! choices (no menu entry: the bell and the account tabs lead here).

use crate::shell::routes::{Access, RouteRow, Section};
use kassa_core::access::Permission;

pub(crate) fn section() -> Section {
    let signed_in = Access::Member(Permission::SignedIn);
    Section {
        menu: None,
        routes: vec![
            RouteRow::get("/portal/notifications", signed_in, super::list),
            RouteRow::post("/portal/notifications/read-all", signed_in, super::read_all),
            RouteRow::post(
                "/portal/notifications/{notification_id}/read",
                signed_in,
                super::read_one,
            ),
            RouteRow::get(super::SETTINGS, signed_in, super::settings),
            RouteRow::post(super::SETTINGS, signed_in, super::save_settings),
        ],
    }
}
