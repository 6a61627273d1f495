//! User management and the audit log: menu entry and routes.

use super::{audit, change_access, deactivate, detail, invite, invite_form, list, reactivate, resend};
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let admin = Access::Member(Permission::ManageUsers);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Users,
            href: "/portal/users",
            label: "nav-users",
        }),
        routes: vec![
            RouteRow::get("/portal/users", admin, list),
            RouteRow::get("/portal/users/invite", admin, invite_form),
            RouteRow::post("/portal/users/invite", admin, invite),
            RouteRow::get("/portal/users/audit", admin, audit),
            RouteRow::get("/portal/users/{id}", admin, detail),
            RouteRow::post("/portal/users/{id}/access", admin, change_access),
            RouteRow::post("/portal/users/{id}/deactivate", admin, deactivate),
            RouteRow::post("/portal/users/{id}/reactivate", admin, reactivate),
            RouteRow::post("/portal/users/{id}/resend", admin, resend),
        ],
    }
}
