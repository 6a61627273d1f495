//! The back office's shell: operator sessions (their own cookie), CSRF, the route guard and
//! the menu, all driven by the routes each `/ops` section declares with the
//! [`OpsPermission`] it needs — the back-office twin of `crate::shell::routes`.
//!
//! Nobody but a signed-in operator learns anything under `/ops`: a merchant user (a portal
//! session, no operator session) gets 404 on every guarded route; a visitor without any
//! session is sent to the operator sign-in page.

use crate::shell::i18n::Lang;
use crate::shell::routes::{RouteRow, RouteSpec};
use crate::shell::session::{
    check_form_post, check_upload, client_ip, cookie, is_multipart, is_state_changing, member_of, nul_address,
    same_origin, session_cookie, urlencode, PendingUpload,
};
use crate::shell::views::{Chrome, ErrorChrome, ErrorPage, NavItem, Page};
use crate::{now_ms, AppState, WebConfig, WebError};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{request::Parts, Method};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use kassa_app::operators::{operator_session, OperatorSession};
use kassa_app::Actor;
use kassa_core::ops_access::{ops_allows, OperatorRole, OpsPermission};
use kassa_db::OperatorStage;
use std::sync::Arc;

/// The back office's home.
const HOME: &str = "/ops";

/// What an `/ops` route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsAccess {
    /// Reachable without an operator session (sign-in and its steps, language).
    Public,
    /// A signed-in operator whose role has this permission.
    Operator(OpsPermission),
}

pub type OpsRoute = RouteRow<OpsAccess>;
pub type OpsRouteSpec = RouteSpec<OpsAccess>;

/// A link of the back-office menu, shown to operators with its permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpsMenuEntry {
    pub href: &'static str,
    /// Message id of the link's text.
    pub label: &'static str,
    pub permission: OpsPermission,
}

/// A back-office section: its menu entry and its routes.
pub struct OpsSection {
    pub menu: Option<OpsMenuEntry>,
    pub routes: Vec<OpsRoute>,
}

/// The back office as its sections declare it, in menu order.
pub struct BackOffice {
    pub sections: Vec<OpsSection>,
}

impl BackOffice {
    pub fn routes(&self) -> Vec<OpsRouteSpec> {
        self.sections
            .iter()
            .flat_map(|s| &s.routes)
            .map(|r| r.spec.clone())
            .collect()
    }

    pub fn menu(&self) -> Vec<OpsMenuEntry> {
        self.sections.iter().filter_map(|s| s.menu).collect()
    }

    /// Each row behind its guard, all of it behind the operator session and CSRF checks.
    pub fn router(self, state: AppState) -> Router<AppState> {
        let menu = Arc::new(self.menu());
        let mut router = Router::new();
        for row in self.sections.into_iter().flat_map(|s| s.routes) {
            let access = row.spec.access;
            let upload_limit = row.spec.upload_limit;
            let (spec, route) = row.guarded(from_fn_with_state((state.clone(), access, upload_limit), guard));
            router = router.route(spec.path, route);
        }
        router.layer(from_fn_with_state((state, menu), ops_context))
    }
}

pub(crate) fn ops_session_cookie(config: &WebConfig) -> &'static str {
    if config.secure() {
        "__Host-kassa_ops_session"
    } else {
        "kassa_ops_session"
    }
}

/// A signed-in operator, on the requests of guarded routes.
#[derive(Debug, Clone)]
pub struct Operator {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: OperatorRole,
    pub lang: Lang,
    pub theme: String,
    pub csrf: String,
    pub ip: String,
    menu: Arc<Vec<OpsMenuEntry>>,
}

impl Operator {
    pub fn allows(&self, permission: OpsPermission) -> bool {
        ops_allows(self.role, permission)
    }

    pub fn actor(&self) -> Actor {
        Actor::operator(self.id, &self.email, self.role, &self.ip)
    }

    /// A back-office page with the entry at `href` highlighted in the menu.
    pub fn page(&self, href: Option<&str>, title_key: &str, here: &str) -> Page {
        let lang = self.lang;
        let nav = self
            .menu
            .iter()
            .filter(|e| self.allows(e.permission))
            .map(|e| NavItem {
                href: e.href,
                label: lang.t(e.label),
                active: Some(e.href) == href,
            })
            .collect();
        let mut page = Page::visitor(lang, &self.csrf, title_key, here).in_ops();
        page.theme = self.theme.clone();
        page.chrome = Some(Chrome {
            user_name: self.name.clone(),
            initial: self
                .name
                .chars()
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default(),
            user_email: self.email.clone(),
            merchant_name: lang.t(&format!("ops-role-{}", self.role.code().replace('_', "-"))),
            playground: false,
            suspended: false,
            stores: Vec::new(),
            nav,
            help_section: None,
            help_articles: Vec::new(),
            unread: 0,
            unread_text: String::new(),
            bell: Vec::new(),
            bell_label: String::new(),
        });
        page
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Operator {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Operator>()
            .cloned()
            .ok_or_else(|| Redirect::to("/ops/sign-in").into_response())
    }
}

/// The operator session of a request at whatever stage, for the sign-in steps.
#[derive(Debug, Clone)]
pub struct OpsSession(pub OperatorSession);

/// Loads the operator session (at whatever stage) into the request. Origin and CSRF are
/// checked by each route's [`guard`], after its access check, so that a merchant user learns
/// nothing (404) even from a form post.
async fn ops_context(
    State((state, menu)): State<(AppState, Arc<Vec<OpsMenuEntry>>)>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(refusal) = nul_address(&req) {
        return refusal;
    }
    let token = cookie(req.headers(), ops_session_cookie(&state.config)).map(str::to_owned);
    if let Some(token) = token {
        match operator_session(&state.db, &token, now_ms()).await {
            Ok(Some(session)) => {
                if session.stage == OperatorStage::SignedIn {
                    let o = &session.operator;
                    let operator = Operator {
                        id: o.id,
                        email: o.email.clone(),
                        name: o.name.clone(),
                        role: o.role,
                        lang: Lang::from_code(&o.language).unwrap_or(Lang::En),
                        theme: o.theme.clone(),
                        csrf: session.csrf.clone(),
                        ip: client_ip(req.extensions()),
                        menu: menu.clone(),
                    };
                    req.extensions_mut().insert(operator);
                }
                req.extensions_mut().insert(OpsSession(session));
            }
            Ok(None) => {}
            Err(e) => return WebError::from(e).into_response(),
        }
    }
    let operator = req.extensions().get::<Operator>().cloned();
    let mut res = next.run(req).await;
    // An error page for an operator stays inside the back office's layout.
    if let (Some(operator), true) = (operator, res.extensions().get::<ErrorPage>().is_some()) {
        let chrome = ErrorChrome(Arc::new(move |title: &str| operator.page(None, title, HOME)));
        res.extensions_mut().insert(chrome);
    }
    res
}

/// Origin and CSRF of a state-changing request, against the operator session's token (or,
/// before there is one, the visitor's CSRF cookie). A file upload to a route that takes
/// files (`upload_limit`) has its token read from its body of at most that size.
async fn checked(state: &AppState, mut req: Request, next: Next, upload_limit: Option<usize>) -> Response {
    let expected = req.extensions().get::<OpsSession>().map(|s| s.0.csrf.clone());
    if let (Some(limit), true, true) = (
        upload_limit,
        is_state_changing(req.method()),
        is_multipart(req.headers()),
    ) {
        if !same_origin(req.headers(), &state.config) {
            tracing::warn!("refused a cross-origin upload");
            return WebError::Forbidden.into_response();
        }
        req.extensions_mut().insert(PendingUpload::new(expected));
        return match check_upload(req, limit).await {
            Ok(req) => next.run(req).await,
            Err(res) => res,
        };
    }
    match check_form_post(state, req, expected).await {
        Ok(req) => next.run(req).await,
        Err(res) => res,
    }
}

/// The route guard. An operator without the permission gets 403; a session still at a
/// sign-in step is sent to that step; a merchant user gets 404; anyone else goes to sign-in.
async fn guard(
    State((state, access, upload_limit)): State<(AppState, OpsAccess, Option<usize>)>,
    req: Request,
    next: Next,
) -> Response {
    let OpsAccess::Operator(permission) = access else {
        return checked(&state, req, next, upload_limit).await;
    };
    if let Some(operator) = req.extensions().get::<Operator>() {
        if operator.allows(permission) {
            return checked(&state, req, next, upload_limit).await;
        }
        return WebError::Forbidden.into_response();
    }
    if let Some(OpsSession(session)) = req.extensions().get::<OpsSession>() {
        let step = match session.stage {
            OperatorStage::Enrol => "/ops/sign-in/enrol",
            _ => "/ops/sign-in/code",
        };
        return Redirect::to(step).into_response();
    }
    let portal_token = cookie(req.headers(), session_cookie(&state.config));
    if member_of(&state, portal_token, &client_ip(req.extensions()))
        .await
        .is_some()
    {
        return WebError::NotFound.into_response();
    }
    if req.method() == Method::GET {
        let next = req.uri().to_string();
        return Redirect::to(&format!("/ops/sign-in?next={}", urlencode(&next))).into_response();
    }
    Redirect::to("/ops/sign-in").into_response()
}
