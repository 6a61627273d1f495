//! The Settlements section's menu entry and routes: reading needs the settlements
//! permission, the store's report settings and custom reports the reports permission.

use super::{balance, payouts};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewSettlements);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Settlements,
            href: "/portal/settlements",
            label: "nav-settlements",
        }),
        routes: vec![
            RouteRow::get("/portal/settlements", view, balance::show),
            RouteRow::get("/portal/settlements/payouts", view, payouts::list),
            RouteRow::get("/portal/settlements/payouts/{payment_reference}", view, payouts::show),
        ],
    }
}
