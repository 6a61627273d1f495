//! The merchant portal: its sections, each a folder that declares its menu entry and its
//! routes in its `section.rs`. The shell (`crate::shell`) turns those declarations into the
//! router with a guard on every route, the left menu, and the table that the
//! permission-matrix test walks through [`routes`].

mod account;
mod auth;
mod home;
pub mod orders;
mod users;

pub use users::AUDIT_ACTIONS;

pub use crate::shell::routes::{Access, RouteSpec};
use crate::shell::routes::{Menu, Portal};
use crate::AppState;
use axum::Router;

/// The portal as its sections declare it.
fn portal() -> Portal {
    Portal {
        sections: vec![
            auth::section(),
            account::section(),
            home::section(),
            orders::section(),
            users::section(),
        ],
        two_factor_setup: account::TWO_FACTOR_SETUP,
    }
}

/// Every portal route with what it requires.
pub fn routes() -> Vec<RouteSpec> {
    portal().routes()
}

/// The left menu.
pub(crate) fn menu() -> Menu {
    portal().menu()
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    portal().router(state)
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
    use super::{menu, routes, safe_next, Access};
    use kassa_core::access::{Onboarding, Role, Section};

    /// The menu links exactly the sections that exist, each to a page its section declares
    /// with the permission that shows the link: nobody sees a link that answers 403.
    #[test]
    fn the_menu_leads_to_declared_pages() {
        let table = routes();
        let entries: Vec<_> = menu()
            .visible_to(Role::SuperAdmin, Onboarding::Direct)
            .copied()
            .collect();
        let sections: Vec<_> = entries.iter().map(|e| e.section).collect();
        let existing: Vec<_> = Section::ALL.into_iter().filter(|s| s.exists()).collect();
        assert_eq!(sections, existing);
        for entry in entries {
            assert!(
                table.iter().any(|r| r.method == "GET"
                    && r.path == entry.href
                    && r.access == Access::Member(entry.section.permission())),
                "{entry:?}"
            );
        }
    }

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
