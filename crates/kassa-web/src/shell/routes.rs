//! How sections declare themselves to the shell. Each portal section is one [`Section`]:
//! its menu entry and its routes, each route a [`RouteRow`] with the [`Access`] it needs.
//! [`Portal`] turns those declarations into the router (attaching the guard from each
//! row), the left menu and the route table that the permission-matrix test walks, so a
//! route cannot exist without its guard and the menu cannot link to what is not declared.

use super::session::{check_upload, portal_context, sign_in_redirect, Member, PendingUpload};
use crate::AppState;
use crate::WebError;
use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use kassa_core::access::{self, Permission};

/// What a portal route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reachable signed out (sign-in, language choice).
    Public,
    /// A signed-in member whose role in the current store has this permission.
    Member(Permission),
}

/// One route as declared: what the route table and the matrix test see. `A` is what the
/// route requires: [`Access`] in the portal, the back office's own in `/ops`.
#[derive(Debug, Clone)]
pub struct RouteSpec<A = Access> {
    pub method: Method,
    pub path: &'static str,
    pub access: A,
    /// Whether a member who must set up two-factor first may still reach it: the set-up
    /// itself and the header's controls. The same routes stay open to the people of a
    /// suspended merchant.
    pub before_two_factor: bool,
    /// The largest `multipart/form-data` body (a file upload) the route takes; `None`: the
    /// route takes no files, and an upload to it is refused.
    pub upload_limit: Option<usize>,
}

/// One route of a section: its declaration and its handler.
pub struct RouteRow<A = Access> {
    pub spec: RouteSpec<A>,
    route: MethodRouter<AppState>,
}

impl<A> RouteRow<A> {
    pub fn get<H, T>(path: &'static str, access: A, handler: H) -> RouteRow<A>
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        RouteRow::new(Method::GET, path, access, handler)
    }

    pub fn post<H, T>(path: &'static str, access: A, handler: H) -> RouteRow<A>
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        RouteRow::new(Method::POST, path, access, handler)
    }

    fn new<H, T>(method: Method, path: &'static str, access: A, handler: H) -> RouteRow<A>
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("portal routes use plain methods");
        RouteRow {
            spec: RouteSpec {
                method,
                path,
                access,
                before_two_factor: false,
                upload_limit: None,
            },
            route: on(filter, handler),
        }
    }

    /// Marks the route as reachable before a required second factor is set up.
    pub fn before_two_factor(mut self) -> RouteRow<A> {
        self.spec.before_two_factor = true;
        self
    }

    /// Lets the route take file uploads (`multipart/form-data`) of up to `limit` bytes: the
    /// guard reads the form's CSRF token from such a body, and axum's multipart extractor
    /// reads up to the same size.
    pub fn multipart(mut self, limit: usize) -> RouteRow<A> {
        self.spec.upload_limit = Some(limit);
        self.route = self.route.layer(axum::extract::DefaultBodyLimit::max(limit));
        self
    }

    /// The handler with `layer` (the route's guard) in front of it.
    pub fn guarded<L>(self, layer: L) -> (RouteSpec<A>, MethodRouter<AppState>)
    where
        L: tower::Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: tower::Service<Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
        <L::Service as tower::Service<Request>>::Response: IntoResponse + 'static,
        <L::Service as tower::Service<Request>>::Future: Send + 'static,
    {
        (self.spec, self.route.route_layer(layer))
    }
}

/// A link of the left menu, declared by the section it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuEntry {
    /// Which section: its place in the menu and the permission that shows the link.
    pub section: access::Section,
    pub href: &'static str,
    /// Message id of the link's text.
    pub label: &'static str,
}

/// The left menu: the declared entries in menu order.
#[derive(Debug, Clone, Default)]
pub struct Menu(Vec<MenuEntry>);

impl Menu {
    /// The links a member with `role` at a merchant onboarded as `onboarding` sees.
    pub fn visible_to(&self, role: access::Role, onboarding: access::Onboarding) -> impl Iterator<Item = &MenuEntry> {
        self.0
            .iter()
            .filter(move |e| access::allows(role, onboarding, e.section.permission()))
    }
}

/// A portal section: where the menu leads to it, and every route it answers.
pub struct Section {
    pub menu: Option<MenuEntry>,
    pub routes: Vec<RouteRow>,
}

/// The whole portal as its sections declare it.
pub struct Portal {
    pub sections: Vec<Section>,
    /// Where a member who must set up two-factor is sent.
    pub two_factor_setup: &'static str,
}

impl Portal {
    /// Every declared route with what it requires.
    pub fn routes(&self) -> Vec<RouteSpec> {
        self.sections
            .iter()
            .flat_map(|s| &s.routes)
            .map(|r| r.spec.clone())
            .collect()
    }

    /// The menu entries, in the order of [`access::Section::ALL`].
    pub fn menu(&self) -> Menu {
        let mut entries: Vec<MenuEntry> = self.sections.iter().filter_map(|s| s.menu).collect();
        entries.sort_by_key(|e| access::Section::ALL.iter().position(|s| *s == e.section));
        Menu(entries)
    }

    /// The router: each row behind the guard its declaration asks for, all of it behind
    /// the session, Origin and CSRF checks of [`portal_context`].
    pub fn router(self, state: AppState) -> Router<AppState> {
        let setup = self.two_factor_setup;
        let mut router = Router::new();
        for row in self.sections.into_iter().flat_map(|s| s.routes) {
            let guard_state = Guard {
                access: row.spec.access,
                before_two_factor: row.spec.before_two_factor,
                two_factor_setup: setup,
                upload_limit: row.spec.upload_limit,
            };
            let (spec, route) = row.guarded(from_fn_with_state(guard_state, guard));
            router = router.route(spec.path, route);
        }
        router.layer(from_fn_with_state(state, portal_context))
    }
}

/// What the guard of one route checks.
#[derive(Debug, Clone, Copy)]
struct Guard {
    access: Access,
    before_two_factor: bool,
    two_factor_setup: &'static str,
    upload_limit: Option<usize>,
}

/// The route guard: signed-out visitors go to sign-in, members without the permission get
/// 403 and the handler never runs.
async fn guard(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let Access::Member(permission) = guard.access else {
        return pass(guard, req, next).await;
    };
    match req.extensions().get::<Member>() {
        None if req.method() == Method::GET => sign_in_redirect(&req.uri().to_string()),
        None => Redirect::to("/portal/sign-in").into_response(),
        Some(m) if !m.allows(permission) => WebError::Forbidden.into_response(),
        Some(m) if m.must_enrol_two_factor && !guard.before_two_factor => {
            if req.method() == Method::GET {
                Redirect::to(guard.two_factor_setup).into_response()
            } else {
                WebError::Forbidden.into_response()
            }
        }
        // A suspended merchant's people read; what they may still post is their own (the
        // routes reachable before two-factor set-up: sign-out, theme, store, second factor).
        Some(m)
            if m.suspended
                && req.method() != Method::GET
                && req.method() != Method::HEAD
                && !guard.before_two_factor =>
        {
            WebError::Suspended.into_response()
        }
        Some(_) => pass(guard, req, next).await,
    }
}

/// Runs the handler of a request the guard lets through; an upload's CSRF token is checked
/// first, and an upload to a route that takes none is refused as a form without its token.
async fn pass(guard: Guard, req: Request, next: Next) -> Response {
    if req.extensions().get::<PendingUpload>().is_none() {
        return next.run(req).await;
    }
    let Some(limit) = guard.upload_limit else {
        return WebError::Forbidden.into_response();
    };
    match check_upload(req, limit).await {
        Ok(req) => next.run(req).await,
        Err(refused) => refused,
    }
}
