//! Home's menu entry and route.

use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Home,
            href: "/portal",
            label: "nav-home",
        }),
        routes: vec![RouteRow::get(
            "/portal",
            Access::Member(Permission::SignedIn),
            super::show,
        )],
    }
}
