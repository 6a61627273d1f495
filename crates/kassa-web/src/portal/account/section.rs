//! Account settings, the header's preferences and two-factor set-up: routes (no menu
//! entry: the user menu in the header leads here).

use super::{
    change_password, company, payouts, personal, security, set_language, set_theme, show, switch_store, update_profile,
};
use crate::shell::routes::{Access, RouteRow, Section};
use crate::shell::session::Member;
use crate::shell::views::{NavItem, Page};
use kassa_core::access::Permission;

/// Where an admin who must set up two-factor is sent.
pub(crate) const TWO_FACTOR_SETUP: &str = "/portal/account/security";

/// The header's controls and the set-up itself stay reachable for a member who must set up
/// two-factor first (`before_two_factor`).
pub(crate) fn section() -> Section {
    let signed_in = Access::Member(Permission::SignedIn);
    let view_company = Access::Member(Permission::ViewCompany);
    let manage_company = Access::Member(Permission::ManageCompany);
    let bank = Access::Member(Permission::ManageBankAccount);
    Section {
        menu: None,
        routes: vec![
            RouteRow::post("/portal/language", Access::Public, set_language).before_two_factor(),
            RouteRow::post("/portal/theme", signed_in, set_theme).before_two_factor(),
            RouteRow::post("/portal/store", signed_in, switch_store).before_two_factor(),
            RouteRow::get("/portal/account", signed_in, show),
            RouteRow::post("/portal/account/profile", signed_in, update_profile),
            RouteRow::post("/portal/account/password", signed_in, change_password),
            // Company details: everyone who may see them; changes and identity requests
            // for those who manage them.
            RouteRow::get(company::HERE, view_company, company::show),
            RouteRow::post(
                "/portal/account/company/details",
                manage_company,
                company::update_details,
            ),
            RouteRow::post("/portal/account/company/stores", manage_company, company::update_store),
            RouteRow::post(
                "/portal/account/company/identity",
                manage_company,
                company::request_identity,
            ),
            RouteRow::post(
                "/portal/account/company/identity/withdraw",
                manage_company,
                company::withdraw_identity,
            ),
            // Personal details: the email change and its emailed links (public, each guarded
            // by its one-time token), and the member's sessions.
            RouteRow::post("/portal/account/email", signed_in, personal::request_change),
            RouteRow::get(
                "/portal/account/email/confirm/{token}",
                Access::Public,
                personal::confirm_page,
            ),
            RouteRow::post(
                "/portal/account/email/confirm/{token}",
                Access::Public,
                personal::confirm,
            ),
            RouteRow::get(
                "/portal/account/email/cancel/{token}",
                Access::Public,
                personal::cancel_page,
            ),
            RouteRow::post("/portal/account/email/cancel/{token}", Access::Public, personal::cancel),
            RouteRow::get(personal::SESSIONS, signed_in, personal::sessions),
            RouteRow::post("/portal/account/sessions/sign-out", signed_in, personal::sign_out_one),
            RouteRow::post(
                "/portal/account/sessions/sign-out-others",
                signed_in,
                personal::sign_out_others,
            ),
            // Account security: two-factor set-up and recovery codes.
            RouteRow::get(TWO_FACTOR_SETUP, signed_in, security::show).before_two_factor(),
            RouteRow::post("/portal/account/two-factor/setup", signed_in, security::setup).before_two_factor(),
            RouteRow::post("/portal/account/two-factor/confirm", signed_in, security::confirm).before_two_factor(),
            RouteRow::post("/portal/account/two-factor/disable", signed_in, security::disable),
            RouteRow::post(
                "/portal/account/two-factor/recovery-codes",
                signed_in,
                security::new_recovery_codes,
            ),
            // Payout schedule and bank account; changing the account is for Super Admins.
            RouteRow::get(payouts::PAYOUTS, Access::Member(Permission::ViewCompany), payouts::show),
            RouteRow::post("/portal/account/payouts/bank-account", bank, payouts::request_change),
            RouteRow::get("/portal/account/payouts/confirm/{token}", bank, payouts::confirm_show),
            RouteRow::post("/portal/account/payouts/confirm/{token}", bank, payouts::confirm),
        ],
    }
}

/// The Account settings pages' own tabs (`account_nav.html`), the one `here` marked current.
/// A tab the member may not open is left out.
pub(crate) fn account_tabs(member: &Member, page: &Page, here: &str) -> Vec<NavItem> {
    // (path, label key, permission): one row per Account settings page.
    let tabs: &[(&'static str, &str, Permission)] = &[
        ("/portal/account", "account-tab-profile", Permission::SignedIn),
        (TWO_FACTOR_SETUP, "account-tab-security", Permission::SignedIn),
        (
            "/portal/account/company",
            "account-tab-company",
            Permission::ViewCompany,
        ),
        (
            "/portal/account/payouts",
            "account-tab-payouts",
            Permission::ViewCompany,
        ),
        ("/portal/account/sessions", "account-tab-sessions", Permission::SignedIn),
        (
            "/portal/account/notifications",
            "account-tab-notifications",
            Permission::SignedIn,
        ),
    ];
    tabs.iter()
        .filter(|(_, _, permission)| member.allows(*permission))
        .map(|(href, key, _)| NavItem {
            href,
            label: page.t(key),
            active: *href == here,
        })
        .collect()
}
