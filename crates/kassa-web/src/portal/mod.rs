//! The merchant portal. [`build`] is the one table of portal routes: each route is declared
//! with the [`Access`] it needs, the guard is attached from that declaration, and the
//! permission-matrix test walks the same list through [`routes`].

mod account;
mod auth;
mod home;
pub mod orders;

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
    use Permission::{ManageOrders, SignedIn, ViewOrders};
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
    .add(get, "/portal/orders/{order_id}", Member(ViewOrders), orders::show)
    .add(
        post,
        "/portal/orders/{order_id}/{action}",
        Member(ManageOrders),
        orders::act,
    )
}

/// Every portal route with what it requires.
pub fn routes() -> Vec<RouteSpec> {
    build().specs
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    build()
        .router
        .layer(axum::middleware::from_fn_with_state(state, portal_context))
}

/// A local path to go back to after a form, never another site (`//evil`, `/\evil`).
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/portal") && !n.contains("//") && !n.contains('\\') => n,
        _ => "/portal",
    }
}
