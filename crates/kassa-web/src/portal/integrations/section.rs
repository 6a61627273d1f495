//! The Integrations section's menu entry and routes: reading needs `ViewIntegrations`,
//! every change `ManageIntegrations` (never a partner merchant's). The webhook pages under
//! `/portal/integrations/webhooks` are their own section's.

use super::keys;
use crate::shell::routes::{Access, MenuEntry, RouteRow, Section};
use kassa_core::access::{self, Permission};

pub(crate) fn section() -> Section {
    let view = Access::Member(Permission::ViewIntegrations);
    let manage = Access::Member(Permission::ManageIntegrations);
    Section {
        menu: Some(MenuEntry {
            section: access::Section::Integrations,
            href: "/portal/integrations",
            label: "nav-integrations",
        }),
        routes: vec![
            RouteRow::get("/portal/integrations", view, keys::show),
            RouteRow::post("/portal/integrations/keys", manage, keys::create),
            RouteRow::post("/portal/integrations/keys/download", manage, keys::download),
            RouteRow::post("/portal/integrations/keys/{key_id}/revoke", manage, keys::revoke),
            RouteRow::post("/portal/integrations/keys/{key_id}/enable", manage, keys::enable),
        ],
    }
}
