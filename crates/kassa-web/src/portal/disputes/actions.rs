//! The merchant's final answers — accept the loss, refund — each confirmed first: its
//! question on a page of its own (or in a dialog on the dispute page), and the POST to the
//! same address that runs it. A refusal comes back on that page with the reason.

use super::page::{load, ConfirmView};
use super::thread::Facts;
use crate::shell::extract::Path;
use crate::shell::i18n::Lang;
use crate::shell::session::Member;
use crate::shell::views::{render, Page};
use crate::{now_ms, AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::disputes;
use kassa_app::AppError;
use kassa_core::access::Section;
use kassa_core::dispute::DisputeRefusal;
use std::future::Future;
use std::pin::Pin;

/// A step that closes the dispute for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    AcceptLoss,
    Refund,
}

impl Step {
    pub const ALL: [Step; 2] = [Step::AcceptLoss, Step::Refund];

    /// Its place in the address: `/portal/disputes/{id}/<path>`.
    pub fn path(self) -> &'static str {
        match self {
            Step::AcceptLoss => "accept-loss",
            Step::Refund => "refund",
        }
    }

    pub fn offered(self, d: &Facts) -> bool {
        match self {
            Step::AcceptLoss => d.can_accept,
            Step::Refund => d.can_refund,
        }
    }

    fn title_key(self) -> &'static str {
        match self {
            Step::AcceptLoss => "dispute-accept-loss",
            Step::Refund => "dispute-refund",
        }
    }

    pub fn view(self, lang: Lang, d: &Facts) -> ConfirmView {
        let (question, button) = match self {
            Step::AcceptLoss => ("dispute-confirm-accept-loss", "dispute-yes-accept-loss"),
            Step::Refund => ("dispute-confirm-refund", "dispute-yes-refund"),
        };
        ConfirmView {
            step: self.path(),
            heading: lang.t(self.title_key()),
            question: lang.t_args(question, &[("amount", d.amount.clone())]),
            button: lang.t(button),
        }
    }
}

/// Why a step or a response was refused, in the member's words.
pub(super) fn explain(lang: Lang, e: &AppError) -> Option<String> {
    let key = match e {
        AppError::Dispute(DisputeRefusal::Closed) => "dispute-error-closed",
        AppError::Dispute(DisputeRefusal::DeadlinePassed) => "dispute-error-deadline-passed",
        AppError::Dispute(DisputeRefusal::NoResponseDue) => "dispute-error-no-response-due",
        AppError::Dispute(_) => "dispute-error-not-allowed",
        // The order's own refund rules refused (what is left to refund changed meanwhile).
        AppError::Refused(_) => "dispute-error-refund",
        AppError::Conflict(_) => "dispute-error-changed",
        _ => return None,
    };
    Some(lang.t(key))
}

#[derive(Template)]
#[template(path = "dispute_confirm.html")]
struct ConfirmTemplate {
    page: Page,
    d: Facts,
    c: ConfirmView,
    /// False when the dispute no longer allows the step.
    offered: bool,
    error: Option<String>,
}

async fn confirm_response(
    state: &AppState,
    member: &Member,
    id: &str,
    step: Step,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let view = load(state, member, id).await?;
    let here = format!("/portal/disputes/{id}/{}", step.path());
    let mut page = Page::member(member, Some(Section::Disputes), step.title_key(), &here);
    let lang = page.lang;
    page.title = format!("{} · {id}", page.title);
    let d = Facts::of(&view, lang, &member.user.timezone, now_ms());
    let mut res = render(&ConfirmTemplate {
        c: step.view(lang, &d),
        offered: step.offered(&d),
        d,
        error,
        page,
    });
    *res.status_mut() = status;
    Ok(res)
}

/// What the step handlers answer.
type Answer = Pin<Box<dyn Future<Output = Result<Response, WebError>> + Send>>;

/// The handler of `step`'s confirmation page.
pub(crate) fn confirm_page(
    step: Step,
) -> impl Fn(State<AppState>, Member, Path<String>) -> Answer + Clone + Send + Sync + 'static {
    move |State(state), member, Path(id)| {
        Box::pin(async move { confirm_response(&state, &member, &id, step, None, StatusCode::OK).await })
    }
}

/// The handler that runs `step` once confirmed.
pub(crate) fn confirmed(
    step: Step,
) -> impl Fn(State<AppState>, Member, Path<String>) -> Answer + Clone + Send + Sync + 'static {
    move |State(state), member, Path(id)| Box::pin(async move { run(&state, &member, &id, step).await })
}

async fn run(state: &AppState, member: &Member, id: &str, step: Step) -> Result<Response, WebError> {
    let actor = member.actor();
    let (result, done) = match step {
        Step::AcceptLoss => (disputes::accept_loss(&state.db, &actor, id).await, "accepted"),
        Step::Refund => (disputes::refund_dispute(&state.db, &actor, id).await, "refunded"),
    };
    let lang = Lang::from_code(&member.user.language).unwrap_or(Lang::En);
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/portal/disputes/{id}?done={done}")).into_response()),
        Err(e) => match explain(lang, &e) {
            Some(message) => confirm_response(state, member, id, step, Some(message), StatusCode::CONFLICT).await,
            None => Err(e.into()),
        },
    }
}
