//! The merchant portal: its sections, each a folder that declares its menu entry and its
//! routes in its `section.rs`. The shell (`crate::shell`) turns those declarations into the
//! router with a guard on every route, the left menu, and the table that the
//! permission-matrix test walks through [`routes`].

mod account;
mod auth;
pub mod disputes;
mod help;
mod home;
pub(crate) mod integrations;
mod logs;
pub(crate) mod notifications;
pub mod orders;
pub(crate) mod settlements;
pub(crate) mod support_chat;
mod users;
mod webhooks;

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
            settlements::section(),
            disputes::section(),
            help::section(),
            users::section(),
            logs::section(),
            integrations::section(),
            webhooks::section(),
            support_chat::section(),
            notifications::section(),
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

/// The unsubscribe link of notification emails, routed by `app` outside the portal's session
/// and CSRF checks: a mail client's one-click POST (RFC 8058) carries neither; the signed
/// token is the whole authority, and all it can do is turn one kind of email off.
pub(crate) use notifications::{unsubscribe_now, unsubscribe_page};

pub(crate) fn router(state: AppState) -> Router<AppState> {
    portal().router(state)
}

#[cfg(test)]
mod tests {
    use super::{menu, routes, Access};
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
}
