//! One call: what it was and how it went, its request and response headers and bodies (as
//! recorded: credentials, secrets and card numbers were redacted before they were stored),
//! a curl command that repeats it, and for a failed call what went wrong in plain words.

use super::{action_words, duration_text, status_badge, status_text, time_text};
use crate::shell::extract::Path;
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use kassa_app::logs::{self, errors::code_stem, explain};
use kassa_core::access::Section;
use serde_json::Value;

/// What went wrong, in words.
pub(crate) struct ExplainView {
    pub code: Option<String>,
    /// The code's meaning and what to do (empty for an unknown code).
    pub meaning: String,
    pub fix: String,
    /// Why this call in particular was refused, when the answer says which rule.
    pub reason: String,
    pub messages: Vec<String>,
    pub help_href: String,
}

#[derive(Template)]
#[template(path = "log_call.html")]
struct CallTemplate {
    page: Page,
    time: String,
    action: String,
    method: String,
    path: String,
    status: String,
    badge: &'static str,
    duration: String,
    direction: String,
    key: String,
    correlation_id: String,
    order_id: Option<String>,
    order_href: Option<String>,
    logs_of_order: Option<String>,
    request_headers: Vec<(String, String)>,
    response_headers: Vec<(String, String)>,
    request_body: Option<String>,
    response_body: Option<String>,
    curl: String,
    explained: Option<ExplainView>,
}

/// Headers as recorded (a JSON object), in name order.
fn headers(json: Option<&str>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = json.and_then(|j| serde_json::from_str(j).ok()) else {
        return Vec::new();
    };
    let mut list: Vec<(String, String)> = map
        .into_iter()
        .map(|(k, v)| (k, v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
        .collect();
    list.sort();
    list
}

/// A body as shown: JSON indented, anything else as recorded.
fn pretty(body: Option<&str>) -> Option<String> {
    let body = body?;
    Some(
        serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| body.to_owned()),
    )
}

fn explained(lang: Lang, e: kassa_app::logs::Explanation) -> ExplainView {
    let (meaning, fix, help_href) = match e.code.as_deref().filter(|_| e.known) {
        Some(code) => {
            let stem = code_stem(code);
            (
                lang.t(&format!("log-error-{stem}")),
                lang.t(&format!("log-error-{stem}-fix")),
                format!("/portal/logs/errors#{code}"),
            )
        }
        None => (String::new(), String::new(), "/portal/logs/errors".to_owned()),
    };
    ExplainView {
        code: e.code,
        meaning,
        fix,
        reason: if e.reason_key.is_empty() {
            String::new()
        } else {
            lang.t(e.reason_key)
        },
        messages: e.messages,
        help_href,
    }
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(call_id): Path<String>,
) -> Result<Response, WebError> {
    let id: i64 = call_id.trim().parse().map_err(|_| WebError::NotFound)?;
    let call = logs::call(&state.db, &member.actor(), id).await?;
    let here = format!("/portal/logs/{id}");
    let mut page = Page::member(&member, Some(Section::DeveloperLogs), "log-call-title", &here);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let c = &call.call;
    let action = action_words(lang, c);
    page.title = format!("{action} · {}", page.title);
    let template = CallTemplate {
        time: time_text(c.at, tz),
        method: c.method.clone(),
        path: c.path.clone(),
        status: status_text(lang, c.status),
        badge: status_badge(c.status),
        duration: duration_text(c.duration_us),
        direction: lang.t(&format!("log-direction-{}", c.direction)),
        key: c.api_key.clone(),
        correlation_id: c.correlation_id.clone(),
        order_href: c
            .order_id
            .as_ref()
            .filter(|_| member.allows(kassa_core::access::Permission::ViewOrders))
            .map(|o| format!("/portal/orders/{}", crate::shell::session::urlencode(o))),
        logs_of_order: c.order_id.as_ref().map(|o| {
            format!(
                "/portal/logs?{}",
                serde_urlencoded::to_string([("order_id", o)]).unwrap_or_default()
            )
        }),
        order_id: c.order_id.clone(),
        request_headers: headers(call.request_headers.as_deref()),
        response_headers: headers(call.response_headers.as_deref()),
        request_body: pretty(call.request_body.as_deref()),
        response_body: pretty(call.response_body.as_deref()),
        curl: logs::curl_command(&call, &state.config.public_url),
        explained: explain(&call).map(|e| explained(lang, e)),
        action,
        page,
    };
    Ok(render(&template))
}
