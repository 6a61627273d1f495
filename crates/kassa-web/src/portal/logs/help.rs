//! The error codes' help page: every code the merchant API answers with, what it means and
//! what to do, each under an anchor of its own (`/portal/logs/errors#CAPTURE_NOT_ALLOWED`)
//! that a failed call's explanation links to.

use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::WebError;
use askama::Template;
use axum::response::Response;
use kassa_app::logs::{errors::code_stem, ERROR_CODES};
use kassa_core::access::Section;

pub(crate) struct CodeView {
    pub code: &'static str,
    pub meaning: String,
    pub fix: String,
}

#[derive(Template)]
#[template(path = "log_errors.html")]
struct ErrorsTemplate {
    page: Page,
    codes: Vec<CodeView>,
}

pub(crate) async fn errors(member: Member) -> Result<Response, WebError> {
    let page = Page::member(
        &member,
        Some(Section::DeveloperLogs),
        "log-errors-title",
        "/portal/logs/errors",
    );
    let lang = page.lang;
    let codes = ERROR_CODES
        .iter()
        .map(|code| CodeView {
            code,
            meaning: lang.t(&format!("log-error-{}", code_stem(code))),
            fix: lang.t(&format!("log-error-{}-fix", code_stem(code))),
        })
        .collect();
    Ok(render(&ErrorsTemplate { page, codes }))
}
