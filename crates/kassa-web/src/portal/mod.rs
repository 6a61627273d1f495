//! The merchant portal. [`build`] is the one table of portal routes: each route is declared
//! with the [`Access`] it needs, the guard is attached from that declaration, and the
//! permission-matrix test walks the same list through [`routes`].

mod account;
mod audit_words;
mod auth;
mod home;
pub mod orders;
mod recovery;
mod security;
mod timezones;
mod users;
// Issue 9 (auth): invitations split out of users.rs.
mod invitations;

pub use crate::session::Access;
use crate::session::{guard, portal_context};
use crate::AppState;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter};
use axum::Router;
use kassa_core::access::Permission;

/// One portal route as declared.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

struct Routes {
    specs: Vec<RouteSpec>,
    router: Router<AppState>,
}

impl Routes {
    fn add<H, T>(mut self, method: Method, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("portal routes use plain methods");
        let route = on(filter, handler).route_layer(axum::middleware::from_fn_with_state(access, guard));
        self.router = self.router.route(path, route);
        self.specs.push(RouteSpec { method, path, access });
        self
    }
}

fn build() -> Routes {
    use Access::{Member, Public};
    use Permission::{ManageOrders, ManageUsers, SignedIn, ViewOrders};
    let (get, post) = (Method::GET, Method::POST);
    Routes {
        specs: Vec::new(),
        router: Router::new(),
    }
    .add(get.clone(), "/portal/sign-in", Public, auth::sign_in_page)
    .add(post.clone(), "/portal/sign-in", Public, auth::sign_in)
    .add(post.clone(), "/portal/sign-out", Member(SignedIn), auth::sign_out)
    .add(post.clone(), "/portal/language", Public, account::set_language)
    .add(post.clone(), "/portal/theme", Member(SignedIn), account::set_theme)
    .add(post.clone(), "/portal/store", Member(SignedIn), account::switch_store)
    .add(get.clone(), "/portal", Member(SignedIn), home::show)
    .add(get.clone(), "/portal/account", Member(SignedIn), account::show)
    .add(
        post.clone(),
        "/portal/account/profile",
        Member(SignedIn),
        account::update_profile,
    )
    .add(
        post.clone(),
        "/portal/account/password",
        Member(SignedIn),
        account::change_password,
    )
    .add(get.clone(), "/portal/orders", Member(ViewOrders), orders::list)
    .add(
        get.clone(),
        "/portal/orders/export.csv",
        Member(ViewOrders),
        orders::export,
    )
    .add(
        post.clone(),
        "/portal/orders/columns",
        Member(ViewOrders),
        orders::save_columns,
    )
    .add(
        post.clone(),
        "/portal/orders/bulk-capture",
        Member(ManageOrders),
        orders::bulk_capture,
    )
    .add(
        get.clone(),
        "/portal/orders/bulk-capture",
        Member(ManageOrders),
        orders::bulk_capture_result,
    )
    .add(
        get.clone(),
        "/portal/orders/{order_id}",
        Member(ViewOrders),
        orders::show,
    )
    // Each action's form on a page of its own: without JavaScript, and after a refusal.
    .add(
        get.clone(),
        "/portal/orders/{order_id}/{action}",
        Member(ManageOrders),
        orders::action_page,
    )
    .add(
        post.clone(),
        "/portal/orders/{order_id}/{action}",
        Member(ManageOrders),
        orders::act,
    )
    // Account security: two-factor set-up and recovery codes.
    .add(get.clone(), TWO_FACTOR_SETUP, Member(SignedIn), security::show)
    .add(
        post.clone(),
        "/portal/account/two-factor/setup",
        Member(SignedIn),
        security::setup,
    )
    .add(
        post.clone(),
        "/portal/account/two-factor/confirm",
        Member(SignedIn),
        security::confirm,
    )
    .add(
        post.clone(),
        "/portal/account/two-factor/disable",
        Member(SignedIn),
        security::disable,
    )
    .add(
        post.clone(),
        "/portal/account/two-factor/recovery-codes",
        Member(SignedIn),
        security::new_recovery_codes,
    )
    // Reached from emails and between password and session: public by nature, each
    // guarded by its one-time token.
    .add(
        get.clone(),
        "/portal/sign-in/two-factor",
        Public,
        recovery::challenge_form,
    )
    .add(post.clone(), "/portal/sign-in/two-factor", Public, recovery::challenge)
    .add(
        get.clone(),
        "/portal/sign-in/link",
        Public,
        recovery::magic_link_request_page,
    )
    .add(
        post.clone(),
        "/portal/sign-in/link",
        Public,
        recovery::magic_link_request,
    )
    .add(
        get.clone(),
        "/portal/sign-in/link/{token}",
        Public,
        recovery::magic_link_page,
    )
    .add(
        post.clone(),
        "/portal/sign-in/link/{token}",
        Public,
        recovery::magic_link_sign_in,
    )
    .add(
        get.clone(),
        "/portal/password-reset",
        Public,
        recovery::reset_request_page,
    )
    .add(post.clone(), "/portal/password-reset", Public, recovery::reset_request)
    .add(
        get.clone(),
        "/portal/password-reset/{token}",
        Public,
        recovery::reset_page,
    )
    .add(post.clone(), "/portal/password-reset/{token}", Public, recovery::reset)
    .add(
        get.clone(),
        "/portal/invitation/{token}",
        Public,
        recovery::invitation_page,
    )
    .add(
        post.clone(),
        "/portal/invitation/{token}",
        Public,
        recovery::accept_invitation,
    )
    // User management and the audit log.
    .add(get.clone(), "/portal/users", Member(ManageUsers), users::list)
    .add(
        get.clone(),
        "/portal/users/invite",
        Member(ManageUsers),
        users::invite_form,
    )
    .add(post.clone(), "/portal/users/invite", Member(ManageUsers), users::invite)
    .add(get.clone(), "/portal/users/audit", Member(ManageUsers), users::audit)
    .add(get.clone(), "/portal/users/{id}", Member(ManageUsers), users::detail)
    .add(
        post.clone(),
        "/portal/users/{id}/access",
        Member(ManageUsers),
        users::change_access,
    )
    .add(
        post.clone(),
        "/portal/users/{id}/deactivate",
        Member(ManageUsers),
        users::deactivate,
    )
    .add(
        post.clone(),
        "/portal/users/{id}/reactivate",
        Member(ManageUsers),
        users::reactivate,
    )
    .add(post, "/portal/users/{id}/resend", Member(ManageUsers), users::resend)
}

/// Where an admin who must set up two-factor is sent.
pub const TWO_FACTOR_SETUP: &str = "/portal/account/security";

/// What a member who must set up two-factor first may still reach: the set-up itself and
/// the header's controls.
pub const REACHABLE_BEFORE_TWO_FACTOR: &[&str] = &[
    TWO_FACTOR_SETUP,
    "/portal/account/two-factor/setup",
    "/portal/account/two-factor/confirm",
    "/portal/sign-out",
    "/portal/language",
    "/portal/theme",
    "/portal/store",
];

/// Every portal route with what it requires.
pub fn routes() -> Vec<RouteSpec> {
    build().specs
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    build()
        .router
        .layer(axum::middleware::from_fn_with_state(state, portal_context))
}

/// A local path to go back to after a form: a path inside the portal, never another site
/// (`//evil`, `/\\evil`, `https://evil`, `javascript:`) and never a header-breaking value
/// (CR, LF, NUL, tab or other control characters would make `Location` invalid or split
/// the response). Anything else falls back to `/portal`. Every redirect built from a
/// user-supplied `next` goes through here, so the answer is always a safe redirect.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    const HOME: &str = "/portal";
    let Some(n) = next else { return HOME };
    // Visible ASCII only: a real portal address is percent-encoded, so anything else is
    // either an attack or a mistake.
    let visible = n.bytes().all(|b| b.is_ascii_graphic());
    let in_portal = n == HOME || ["/portal/", "/portal?", "/portal#"].iter().any(|p| n.starts_with(p));
    if visible && in_portal && !n.contains("//") && !n.contains('\\') {
        n
    } else {
        HOME
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_a_path_inside_the_portal() {
        for good in [
            "/portal",
            "/portal/orders?status=AUTHORIZED",
            "/portal/sign-in",
            "/portal?x=1",
        ] {
            assert_eq!(safe_next(Some(good)), good);
        }
        for bad in [
            "/portal/\r\nSet-Cookie: x=1",
            "/portal\r\n",
            "/portal/a\tb",
            "/portal/\0",
            "/portal/\u{7f}",
            "/portal/ä",
            "/portal/a b",
            "//evil.example",
            "/portal//evil.example",
            "/\\evil.example",
            "/portal/\\evil",
            "https://evil.example/portal",
            "javascript:alert(1)",
            "/portalevil",
            "portal",
            "",
            " /portal",
        ] {
            assert_eq!(safe_next(Some(bad)), "/portal", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/portal");
    }
}
