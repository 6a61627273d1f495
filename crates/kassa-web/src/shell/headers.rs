//! Headers every response carries, and the friendly error page for error responses.

use super::i18n::Lang;
use super::session;
use super::views::{ErrorChrome, ErrorPage};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// No inline script or style anywhere; the hosted checkout page (framed by merchants) will
/// set its own `frame-ancestors`, which is why existing headers are left alone.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// On a response: it may be framed as its own CSP says (the hosted checkout page).
#[derive(Clone, Copy)]
pub(crate) struct AllowFraming;

pub(crate) async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = Lang::for_request(req.headers());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // Kept for an error page: it shows the portal's menu to a signed-in member.
    let session_token = session::cookie(req.headers(), session::session_cookie(&state.config)).map(str::to_owned);
    let ip = session::client_ip(req.extensions());
    let mut res = next.run(req).await;
    if let Some(marker) = res.extensions().get::<ErrorPage>().cloned() {
        // While the database is away, the page does not wait for it a second time.
        let member = if marker.status == axum::http::StatusCode::SERVICE_UNAVAILABLE {
            None
        } else {
            session::member_of(&state, session_token.as_deref(), &ip).await
        };
        let chrome = res.extensions().get::<ErrorChrome>().cloned();
        let mut page = marker
            .render(lang, member.as_ref(), chrome.as_ref(), &request_id)
            .into_response();
        *page.status_mut() = marker.status;
        page.headers_mut().extend(res.headers().clone());
        page.headers_mut().remove(header::CONTENT_LENGTH);
        page.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        res = page;
    }
    let framable = res.extensions().get::<AllowFraming>().is_some();
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "same-origin");
    if !framable {
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    set(
        HeaderName::from_static("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=()",
    );
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(header::CACHE_CONTROL, "no-store");
    if state.config.secure() {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
    }
    res
}
