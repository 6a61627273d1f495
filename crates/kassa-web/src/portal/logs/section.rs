//! The Developer Logs section's menu entry and routes: all reads, for roles that may view
//! the logs.

use super::{detail, help, list};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewDeveloperLogs);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::DeveloperLogs,
            href: "/portal/logs",
            label: "nav-developer-logs",
        }),
        routes: vec![
            RouteRow::get("/portal/logs", view, list::list),
            // Before `{call_id}`: the help page is not a call.
            RouteRow::get("/portal/logs/errors", view, help::errors),
            RouteRow::get("/portal/logs/{call_id}", view, detail::show),
        ],
    }
}
