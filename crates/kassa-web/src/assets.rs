//! Static assets, compiled into the binary so a single file is the whole deployment.

use crate::AppState;
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../static/app.css")),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    ),
    (
        "help.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/help.js"),
    ),
    (
        "checkout.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/checkout.js"),
    ),
    (
        "checkout-frame.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/checkout-frame.js"),
    ),
    (
        "support-chat.js",
        "text/javascript; charset=utf-8",
        include_str!("../static/support-chat.js"),
    ),
    (
        "support-chat.css",
        "text/css; charset=utf-8",
        include_str!("../static/support-chat.css"),
    ),
    ("favicon.svg", "image/svg+xml", include_str!("../static/favicon.svg")),
    ("flags/gb.svg", "image/svg+xml", include_str!("../static/flags/gb.svg")),
    ("flags/se.svg", "image/svg+xml", include_str!("../static/flags/se.svg")),
    ("flags/de.svg", "image/svg+xml", include_str!("../static/flags/de.svg")),
    ("flags/fi.svg", "image/svg+xml", include_str!("../static/flags/fi.svg")),
    ("flags/no.svg", "image/svg+xml", include_str!("../static/flags/no.svg")),
    ("flags/dk.svg", "image/svg+xml", include_str!("../static/flags/dk.svg")),
    ("flags/nl.svg", "image/svg+xml", include_str!("../static/flags/nl.svg")),
];

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(asset))
}

async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, mime, body)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
