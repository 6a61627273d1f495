//! The Disputes section's menu entry and routes. Each action has its form on a page of its
//! own (GET, also where a refused form comes back) and its target (POST) at the same
//! address; the dispute page shows the same forms inline.

use super::list;
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let disputes = Access::Member(Permission::Disputes);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Disputes,
            href: "/portal/disputes",
            label: "nav-disputes",
        }),
        routes: vec![RouteRow::get("/portal/disputes", disputes, list)],
    }
}
