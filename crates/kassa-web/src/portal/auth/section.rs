//! Signing in and out, and the pages reached from emails: routes (no menu entry).

use super::recovery;
use super::{sign_in, sign_in_page, sign_out};
use crate::shell::routes::{Access, RouteRow, Section};
use kassa_core::access::Permission;

pub(crate) fn section() -> Section {
    use Access::Public;
    Section {
        menu: None,
        routes: vec![
            RouteRow::get("/portal/sign-in", Public, sign_in_page),
            RouteRow::post("/portal/sign-in", Public, sign_in),
            RouteRow::post("/portal/sign-out", Access::Member(Permission::SignedIn), sign_out).before_two_factor(),
            // Reached from emails and between password and session: public by nature, each
            // guarded by its one-time token.
            RouteRow::get("/portal/sign-in/two-factor", Public, recovery::challenge_form),
            RouteRow::post("/portal/sign-in/two-factor", Public, recovery::challenge),
            RouteRow::get("/portal/sign-in/link", Public, recovery::magic_link_request_page),
            RouteRow::post("/portal/sign-in/link", Public, recovery::magic_link_request),
            RouteRow::get("/portal/sign-in/link/{token}", Public, recovery::magic_link_page),
            RouteRow::post("/portal/sign-in/link/{token}", Public, recovery::magic_link_sign_in),
            RouteRow::get("/portal/password-reset", Public, recovery::reset_request_page),
            RouteRow::post("/portal/password-reset", Public, recovery::reset_request),
            RouteRow::get("/portal/password-reset/{token}", Public, recovery::reset_page),
            RouteRow::post("/portal/password-reset/{token}", Public, recovery::reset),
            RouteRow::get("/portal/invitation/{token}", Public, recovery::invitation_page),
            RouteRow::post("/portal/invitation/{token}", Public, recovery::accept_invitation),
        ],
    }
}
