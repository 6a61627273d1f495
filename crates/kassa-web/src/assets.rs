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

#[cfg(test)]
mod tests {
    use super::ASSETS;

    /// Every style sheet closes each block it opens, at the block's own level: an unclosed
    /// rule (a merge can drop one `}`) silently nests everything after it, and whole sections
    /// of the portal lose their styles without any error.
    #[test]
    fn style_sheets_close_every_block() {
        for (name, _, body) in ASSETS.iter().filter(|(name, _, _)| name.ends_with(".css")) {
            let mut depth = 0i32;
            let mut in_comment = false;
            let mut chars = body.char_indices().peekable();
            let mut line = 1;
            while let Some((_, c)) = chars.next() {
                match c {
                    '\n' => line += 1,
                    '/' if !in_comment && chars.peek().map(|p| p.1) == Some('*') => {
                        chars.next();
                        in_comment = true;
                    }
                    '*' if in_comment && chars.peek().map(|p| p.1) == Some('/') => {
                        chars.next();
                        in_comment = false;
                    }
                    '{' if !in_comment => depth += 1,
                    '}' if !in_comment => {
                        depth -= 1;
                        assert!(depth >= 0, "{name}:{line}: a `}}` closes nothing");
                    }
                    _ => {}
                }
                // Only @media (and similar) blocks hold rules: a rule inside a rule is a slip.
                assert!(depth <= 2, "{name}:{line}: blocks nested three deep");
            }
            assert_eq!(depth, 0, "{name}: {depth} block(s) never closed");
        }
    }
}
