//! One dispute: the deadline first, then the dispute and its order, the exchange in order,
//! and the merchant's answers. The response form is on the page itself and on a page of
//! its own, where a refused response comes back with its text and the reason.

use super::thread::{thread, Facts, MessageView};
use crate::shell::extract::{Path, Query};
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kassa_app::disputes::{self, DisputeView};
use kassa_core::access::Section;
use kassa_core::dispute::{MAX_ATTACHMENTS, MAX_ATTACHMENT_BYTES};
use serde::Deserialize;

/// A dispute of the member's store; another store's does not exist here (404).
pub(super) async fn load(state: &AppState, member: &Member, id: &str) -> Result<DisputeView, WebError> {
    Ok(disputes::dispute(&state.db, &member.actor(), id).await?)
}

/// One of the dispute page's confirmations, shown in a dialog (the step's own page without
/// JavaScript).
pub(crate) struct ConfirmView {
    pub step: &'static str,
    pub heading: String,
    pub question: String,
    pub button: String,
}

/// The response form's hint: what files it takes.
pub(super) fn files_hint(lang: Lang) -> String {
    lang.t_args(
        "dispute-files-hint",
        &[
            ("count", MAX_ATTACHMENTS.to_string()),
            ("megabytes", (MAX_ATTACHMENT_BYTES / (1024 * 1024)).to_string()),
        ],
    )
}

#[derive(Template)]
#[template(path = "dispute.html")]
struct DisputeTemplate {
    page: Page,
    d: Facts,
    order_href: String,
    messages: Vec<MessageView>,
    confirms: Vec<ConfirmView>,
    files_hint: String,
    /// The response form's text and error (empty here: a refusal shows on the form's page).
    text: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct NoticeQuery {
    done: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let view = load(&state, &member, &id).await?;
    let notice = q.done.as_deref().map(|done| match done {
        "responded" => "dispute-done-responded",
        "accepted" => "dispute-done-accepted",
        "refunded" => "dispute-done-refunded",
        _ => "dispute-done",
    });
    let here = format!("/portal/disputes/{id}");
    let mut page = Page::member(&member, Some(Section::Disputes), "dispute-title", &here).with_notice(notice);
    let lang = page.lang;
    page.title = format!("{} {id}", page.title);
    let tz = &member.user.timezone;
    let d = Facts::of(&view, lang, tz, now_ms());
    let confirms = super::Step::ALL
        .into_iter()
        .filter(|s| s.offered(&d))
        .map(|s| s.view(lang, &d))
        .collect();
    Ok(render(&DisputeTemplate {
        messages: thread(&view, lang, tz, false, &format!("{here}/attachments")),
        files_hint: files_hint(lang),
        confirms,
        order_href: format!("/portal/orders/{}", d.order_id),
        d,
        text: String::new(),
        error: None,
        page,
    }))
}

#[derive(Template)]
#[template(path = "dispute_respond.html")]
struct RespondTemplate {
    page: Page,
    d: Facts,
    order_href: String,
    files_hint: String,
    text: String,
    error: Option<String>,
}

/// The response form on a page of its own, with `text` and `error` after a refusal.
pub(super) async fn respond_form_page(
    state: &AppState,
    member: &Member,
    id: &str,
    text: String,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = load(state, member, id).await?;
    let here = format!("/portal/disputes/{id}/respond");
    let mut page = Page::member(member, Some(Section::Disputes), "dispute-respond", &here);
    let lang = page.lang;
    page.title = format!("{} · {id}", page.title);
    let d = Facts::of(&view, lang, &member.user.timezone, now_ms());
    let mut res = render(&RespondTemplate {
        order_href: format!("/portal/orders/{}", d.order_id),
        d,
        files_hint: files_hint(lang),
        text,
        error,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

pub(crate) async fn respond_page(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    respond_form_page(&state, &member, &id, String::new(), None, StatusCode::OK).await
}
