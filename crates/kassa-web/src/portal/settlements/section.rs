//! The Settlements section's menu entry and routes: reading needs the settlements
//! permission, the store's report settings and custom reports the reports permission.

use super::{balance, configure, custom, downloads, payouts};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewSettlements);
    let reports = Access::Member(Permission::ManageReports);
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
            RouteRow::get(
                "/portal/settlements/payouts/{payment_reference}/report.csv",
                view,
                downloads::csv,
            ),
            RouteRow::get(
                "/portal/settlements/payouts/{payment_reference}/report.pdf",
                view,
                downloads::pdf,
            ),
            RouteRow::get("/portal/settlements/configure", reports, configure::form),
            RouteRow::post("/portal/settlements/configure", reports, configure::save),
            RouteRow::get("/portal/settlements/reports", reports, custom::list),
            RouteRow::post("/portal/settlements/reports", reports, custom::create),
            RouteRow::get(
                "/portal/settlements/reports/{report_id}/download",
                reports,
                custom::download,
            ),
        ],
    }
}
