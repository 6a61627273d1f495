//! Portal sessions: cookies, the signed-in member of a request, CSRF, and route guards.
//!
//! Every request under `/portal` passes [`portal_context`], which finds the session, checks
//! it is still alive, and refuses state-changing requests that come from another origin or
//! lack the form's CSRF token. Routes then declare what they need with
//! [`Access`](super::routes::Access); the guard in `routes.rs` checks it against the
//! [`Member`] found here, so no handler can forget it.

use super::routes::Menu;
use crate::{now_ms, AppState, WebConfig, WebError};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::auth::Account;
use kassa_app::Actor;
use kassa_core::access::{allows, Onboarding, Permission, Role};
use kassa_core::account::{SESSION_ABSOLUTE_MS, SESSION_IDLE_MS};
use kassa_db::{Db, MembershipRow};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Largest form body the CSRF check reads; portal forms are small.
const FORM_LIMIT: usize = 1024 * 1024;

pub(crate) fn session_cookie(config: &WebConfig) -> &'static str {
    if config.secure() {
        "__Host-kassa_session"
    } else {
        "kassa_session"
    }
}

pub(crate) fn csrf_cookie(config: &WebConfig) -> &'static str {
    if config.secure() {
        "__Host-kassa_csrf"
    } else {
        "kassa_csrf"
    }
}

pub(crate) const LANG_COOKIE: &str = "kassa_lang";
/// The browser's IANA timezone, set by app.js; offered at sign-in.
pub(crate) const TIMEZONE_COOKIE: &str = "kassa_tz";

/// The timezone the browser offers (the use case checks it is an IANA name).
pub(crate) fn offered_timezone(headers: &HeaderMap) -> Option<String> {
    cookie(headers, TIMEZONE_COOKIE).map(str::to_owned)
}

/// The value of cookie `name` in the request, if present.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path /, and `Secure` under TLS. `max_age`
/// of `Some(0)` deletes the cookie; `None` makes it last for the browser session.
pub(crate) fn set_cookie(config: &WebConfig, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if config.secure() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&c).expect("cookie values are hex or fixed strings")
}

/// The signed-in user of this request, in their current store.
#[derive(Debug, Clone)]
pub struct Member {
    pub(crate) token_hash: String,
    pub csrf: String,
    /// The signed-in person, without password hash or TOTP secret.
    pub user: Account,
    pub stores: Vec<MembershipRow>,
    pub store: MembershipRow,
    pub role: Role,
    pub onboarding: Onboarding,
    pub ip: String,
    /// An admin at a merchant that requires two-factor, without it: until they set it up,
    /// they reach only the setup page (and sign-out, language, theme).
    pub must_enrol_two_factor: bool,
    /// The merchant is suspended: every page says so, and no form changes anything (except
    /// the member's own sign-out, language, theme, store choice and second factor).
    pub suspended: bool,
    /// The portal's left menu, as its sections declare it.
    pub menu: Arc<Menu>,
    /// The header's bell: how many notifications are unread, and the newest of them.
    pub unread: i64,
    pub bell: Vec<kassa_db::NotificationRow>,
}

impl Member {
    pub fn allows(&self, permission: Permission) -> bool {
        allows(self.role, self.onboarding, permission)
    }

    /// The member as the actor of a use case, in their current store.
    pub fn actor(&self) -> Actor {
        Actor::portal_user(
            self.user.id.to_string(),
            &self.user.email,
            self.store.merchant_id.to_string(),
            &self.store.store_id,
            self.role,
            &self.ip,
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Member {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Member>()
            .cloned()
            .ok_or_else(|| sign_in_redirect(&parts.uri.to_string()))
    }
}

/// The client address, for audit events.
pub(crate) fn client_ip(parts_ext: &axum::http::Extensions) -> String {
    parts_ext
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_default()
}

/// Why the request carries no member although it had a session cookie.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionEnded;

pub(super) fn sign_in_redirect(next: &str) -> Response {
    let target = format!("/portal/sign-in?next={}", urlencode(next));
    Redirect::to(&target).into_response()
}

pub(crate) fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e[1..].to_owned())
        .unwrap_or_default()
}

/// A local path to go back to after a form: a path inside the portal, never another site
/// (`//evil`, `/\\evil`, `https://evil`, `javascript:`) and never a header-breaking value
/// (CR, LF, NUL, tab or other control characters would make `Location` invalid or split
/// the response). Anything else falls back to `/portal`. Every redirect built from a
/// user-supplied `next` goes through here, so the answer is always a safe redirect.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    safe_next_under(next, "/portal")
}

/// [`safe_next`] inside `home` (`/portal` or `/ops`).
pub(crate) fn safe_next_under<'a>(next: Option<&'a str>, home: &'static str) -> &'a str {
    let Some(n) = next else { return home };
    // Visible ASCII only: a real address is percent-encoded, so anything else is either an
    // attack or a mistake.
    let visible = n.bytes().all(|b| b.is_ascii_graphic());
    let inside = n == home
        || n.strip_prefix(home)
            .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?') || rest.starts_with('#'));
    if visible && inside && !n.contains("//") && !n.contains('\\') {
        n
    } else {
        home
    }
}

/// Loads the session into a [`Member`], ends dead sessions, and enforces Origin + CSRF
/// token on every state-changing request.
pub(crate) async fn portal_context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match load_and_check(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(res) => res,
    }
}

async fn load_and_check(state: &AppState, mut req: Request) -> Result<Request, Response> {
    if let Some(refusal) = nul_address(&req) {
        return Err(refusal);
    }
    let now = now_ms();
    let ip = client_ip(req.extensions());
    let token = cookie(req.headers(), session_cookie(&state.config)).map(str::to_owned);
    if let Some(token) = token {
        match load_member(state, &token, &ip, now).await {
            Ok(Some(member)) => {
                req.extensions_mut().insert(member);
            }
            Ok(None) => {
                req.extensions_mut().insert(SessionEnded);
            }
            Err(e) => return Err(e.into_response()),
        }
    }
    let expected = req.extensions().get::<Member>().map(|m| m.csrf.clone());
    if is_state_changing(req.method()) && is_multipart(req.headers()) {
        // A file upload: its token is inside a body that may be large. Only the route's guard
        // knows whether the route takes files and how many bytes; it reads the token there,
        // after the access check, so nobody without access makes Kassa read a large body.
        if !same_origin(req.headers(), &state.config) {
            tracing::warn!("refused a cross-origin upload");
            return Err(WebError::Forbidden.into_response());
        }
        req.extensions_mut().insert(PendingUpload { expected });
        return Ok(req);
    }
    check_form_post(state, req, expected).await
}

/// A `multipart/form-data` post whose CSRF token is still to be read from its body by the
/// route's guard ([`check_upload`]); the guard refuses it on a route that takes no files.
#[derive(Debug, Clone)]
pub(crate) struct PendingUpload {
    expected: Option<String>,
}

impl PendingUpload {
    /// An upload whose `csrf` field must equal `expected` (the back office's session token).
    pub(crate) fn new(expected: Option<String>) -> PendingUpload {
        PendingUpload { expected }
    }
}

pub(crate) fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads a pending upload of at most `limit` bytes and checks its `csrf` field (the form's
/// first) against the session's token; the handler then reads the same bytes again.
pub(crate) async fn check_upload(req: Request, limit: usize) -> Result<Request, Response> {
    let Some(PendingUpload { expected }) = req.extensions().get::<PendingUpload>().cloned() else {
        return Ok(req);
    };
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| multer::parse_boundary(ct).ok())
        .ok_or_else(|| WebError::BadRequest("a multipart form without its boundary".into()).into_response())?;
    let mut form = multer::Multipart::new(
        tokio_stream::once(Ok::<_, std::convert::Infallible>(bytes.clone())),
        boundary,
    );
    let mut sent = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("csrf") {
            sent = field.text().await.ok();
            break;
        }
    }
    let valid = match (expected, sent) {
        (Some(e), Some(s)) => bool::from(e.as_bytes().ct_eq(s.as_bytes())),
        _ => false,
    };
    if !valid {
        tracing::warn!("refused an upload without a valid CSRF token");
        return Err(WebError::Forbidden.into_response());
    }
    let mut req = Request::from_parts(parts, Body::from(bytes));
    req.extensions_mut().remove::<PendingUpload>();
    Ok(req)
}

/// The refusal of an address with NUL in it: no field or id of the portal or back office can
/// hold NUL (PostgreSQL text cannot store it).
pub(crate) fn nul_address(req: &Request) -> Option<Response> {
    req.uri()
        .to_string()
        .to_ascii_lowercase()
        .contains("%00")
        .then(|| WebError::BadRequest("NUL in the address".into()).into_response())
}

/// Refuses a state-changing request from another origin or without the CSRF token: the
/// session's (`session_csrf`), or for a visitor without a session the CSRF cookie's.
/// Other requests pass untouched.
pub(crate) async fn check_form_post(
    state: &AppState,
    req: Request,
    session_csrf: Option<String>,
) -> Result<Request, Response> {
    if !is_state_changing(req.method()) {
        return Ok(req);
    }
    if !same_origin(req.headers(), &state.config) {
        tracing::warn!("refused a cross-origin form post");
        return Err(WebError::Forbidden.into_response());
    }
    let expected = session_csrf.or_else(|| cookie(req.headers(), csrf_cookie(&state.config)).map(str::to_owned));
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, FORM_LIMIT)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    if bytes.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        return Err(WebError::BadRequest("NUL in a form field".into()).into_response());
    }
    let sent = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v)
        });
    let valid = match (expected, sent) {
        (Some(e), Some(s)) => bool::from(e.as_bytes().ct_eq(s.as_bytes())),
        _ => false,
    };
    if !valid {
        tracing::warn!("refused a form post without a valid CSRF token");
        return Err(WebError::Forbidden.into_response());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

pub(crate) fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request comes from our own pages: `Origin` (or, failing that, `Referer`)
/// must be the public URL's origin or the origin of the `Host` the browser used.
pub(crate) fn same_origin(headers: &HeaderMap, config: &WebConfig) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else { return false };
    let matches = |origin: &str| source == origin || source.starts_with(&format!("{origin}/"));
    if matches(config.origin()) {
        return true;
    }
    let scheme = if config.secure() { "https" } else { "http" };
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| matches(&format!("{scheme}://{host}")))
}

/// The signed-in member of a request outside the portal's routes (the server root, error
/// pages), if its session cookie belongs to a live session. A failure to look it up counts
/// as signed out: these pages must answer even when the database does not.
pub(crate) async fn member_of(state: &AppState, session_token: Option<&str>, ip: &str) -> Option<Member> {
    load_member(state, session_token?, ip, now_ms()).await.ok().flatten()
}

/// The server root: people type the bare address. A signed-in member goes to the portal's
/// Home, anyone else to the sign-in page.
pub(crate) async fn root(State(state): State<AppState>, req: Request) -> Response {
    let token = cookie(req.headers(), session_cookie(&state.config));
    let ip = client_ip(req.extensions());
    match member_of(&state, token, &ip).await {
        Some(_) => Redirect::to("/portal").into_response(),
        None => Redirect::to("/portal/sign-in").into_response(),
    }
}

/// How many unread notifications the bell lists.
const BELL_ITEMS: i64 = 5;

async fn load_member(state: &AppState, token: &str, ip: &str, now: i64) -> Result<Option<Member>, WebError> {
    let Some(mut member) = session_member(state, token, ip, now).await? else {
        return Ok(None);
    };
    let actor = member.actor();
    (member.unread, member.bell) = kassa_app::notifications::bell(&state.db, &actor, BELL_ITEMS).await?;
    Ok(Some(member))
}

async fn session_member(state: &AppState, token: &str, ip: &str, now: i64) -> Result<Option<Member>, WebError> {
    Ok(kassa_app::auth::session(&state.db, token, now).await?.map(|s| Member {
        token_hash: s.token_hash,
        csrf: s.csrf,
        user: s.user,
        stores: s.stores,
        store: s.store,
        role: s.role,
        onboarding: s.onboarding,
        ip: ip.to_owned(),
        must_enrol_two_factor: s.must_enrol_two_factor,
        suspended: s.suspended,
        menu: state.menu.clone(),
        unread: 0,
        bell: Vec::new(),
    }))
}

/// Deletes what has outlived its use (dead sessions, old idempotency keys and API call
/// records), every `every`.
pub(crate) async fn janitor(db: Db, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let now = now_ms();
        if let Err(e) = db
            .purge_sessions(now - SESSION_IDLE_MS, now - SESSION_ABSOLUTE_MS)
            .await
        {
            tracing::warn!(error = %e, "purging sessions failed");
        }
        if let Err(e) = db
            .purge_operator_sessions(now - SESSION_IDLE_MS, now - SESSION_ABSOLUTE_MS)
            .await
        {
            tracing::warn!(error = %e, "purging operator sessions failed");
        }
        if let Err(e) = db.purge_idempotency_keys(now).await {
            tracing::warn!(error = %e, "purging idempotency keys failed");
        }
        // Developer Logs keep 30 days, deleted in small batches.
        if let Err(e) = kassa_app::logs::purge_old_calls(&db, now).await {
            tracing::warn!(error = %e, "purging API call records failed");
        }
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
