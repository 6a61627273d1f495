//! The back office's dispute forms, for operators who handle disputes: open a dispute on a
//! captured order, ask the merchant a question (with the fields it asks for), decide won or
//! lost, withdraw. Each calls one `kassa_app::disputes` use case, which records the step in
//! the audit log in its own transaction; a refusal comes back next to its form.

use super::disputes::{dispute_page, reason_options, Choice, Forms};
use super::form::{hundredths, parse_hundredths, FieldErrors};
use super::shell::Operator;
use crate::portal::disputes::words::REQUESTED_FIELDS;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::Lang;
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::disputes::{self, OpenDispute};
use kassa_app::AppError;
use kassa_core::dispute::{DisputeRefusal, Reason};
use serde::Deserialize;

/// The "open a dispute" form as posted.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct OpenForm {
    order_id: String,
    reason: String,
    /// In the currency's units with up to two decimals; empty: all that is disputable.
    amount: String,
    claim: String,
    inquiry: Option<String>,
}

#[derive(Template)]
#[template(path = "ops/dispute_new.html")]
struct NewTemplate {
    page: Page,
    form: OpenForm,
    reasons: Vec<Choice>,
    errors: FieldErrors,
}

fn new_page(operator: &Operator, form: OpenForm, errors: FieldErrors, status: StatusCode) -> Response {
    let page = operator.page(Some("/ops/disputes"), "ops-dispute-new-title", "/ops/disputes/new");
    let reasons = reason_options(page.lang, form.reason.parse::<Reason>().ok());
    let mut res = render(&NewTemplate {
        page,
        form,
        reasons,
        errors,
    });
    *res.status_mut() = status;
    res
}

#[derive(Deserialize, Default)]
pub(super) struct NewQuery {
    order: Option<String>,
}

/// `GET /ops/disputes/new`, the order filled in from `?order=` (the link on an order).
pub(super) async fn new(operator: Operator, Query(q): Query<NewQuery>) -> Response {
    let form = OpenForm {
        order_id: q.order.unwrap_or_default(),
        ..OpenForm::default()
    };
    new_page(&operator, form, FieldErrors::default(), StatusCode::OK)
}

/// The form as the use case's command, or the fields that are not even of the right kind.
fn command(lang: Lang, form: &OpenForm) -> Result<OpenDispute, FieldErrors> {
    let mut errors = FieldErrors::default();
    let order_id = form.order_id.trim().to_owned();
    if order_id.is_empty() {
        errors.insert("order_id", lang.t("ops-dispute-error-order-missing"));
    }
    let reason = form.reason.parse::<Reason>().ok();
    if reason.is_none() {
        errors.insert("reason", lang.t("ops-error-choice"));
    }
    let amount = match form.amount.trim() {
        "" => None,
        typed => match parse_hundredths(typed) {
            Some(minor) => Some(minor),
            None => {
                errors.insert("amount", lang.t("ops-error-hundredths"));
                None
            }
        },
    };
    match reason {
        Some(reason) if errors.is_empty() => Ok(OpenDispute {
            order_id,
            reason,
            amount,
            claim: form.claim.clone(),
            inquiry: form.inquiry.is_some(),
        }),
        _ => Err(errors),
    }
}

/// `POST /ops/disputes/new`: opens the dispute and goes to it.
pub(super) async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<OpenForm>,
) -> Result<Response, WebError> {
    let lang = operator.lang;
    let cmd = match command(lang, &form) {
        Ok(cmd) => cmd,
        Err(errors) => return Ok(new_page(&operator, form, errors, StatusCode::UNPROCESSABLE_ENTITY)),
    };
    let e = match disputes::open_dispute(&state.db, &operator.actor(), &cmd).await {
        Ok(row) => return Ok(Redirect::to(&format!("/ops/disputes/{}?notice=opened", row.id)).into_response()),
        Err(e) => e,
    };
    let mut errors = FieldErrors::default();
    let status = match &e {
        AppError::NotFound(_) => {
            errors.insert("order_id", lang.t("ops-dispute-error-order-unknown"));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Invalid(fields) => {
            for f in fields {
                let key = match f.field.as_str() {
                    "order_id" => "ops-dispute-error-not-captured",
                    "claim" => "ops-dispute-error-claim-long",
                    _ => "dispute-error-not-allowed",
                };
                errors.insert(&f.field, lang.t(key));
            }
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Dispute(DisputeRefusal::Amount(max)) => {
            let max = hundredths(lang, *max);
            errors.insert("amount", lang.t_args("ops-dispute-error-amount", &[("max", max)]));
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Conflict(_) => {
            errors.insert("order_id", lang.t("ops-dispute-error-open-already"));
            StatusCode::CONFLICT
        }
        _ => return Err(e.into()),
    };
    Ok(new_page(&operator, form, errors, status))
}

/// A refused step in words, and its status; `None` for errors that are no refusal.
fn refusal(lang: Lang, e: &AppError) -> Option<(String, StatusCode)> {
    let key = match e {
        AppError::Dispute(DisputeRefusal::Closed) => "dispute-error-closed",
        AppError::Dispute(DisputeRefusal::NotDecidable) => "ops-dispute-error-not-decidable",
        AppError::Dispute(_) => "dispute-error-not-allowed",
        AppError::Conflict(_) => "dispute-error-changed",
        _ => return None,
    };
    Some((lang.t(key), StatusCode::CONFLICT))
}

/// The value of `name` in a posted form.
fn value(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// `POST /ops/disputes/{id}/ask`: a question and the fields it asks for (`fields`, repeated).
pub(super) async fn ask(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let question = value(&form, "question");
    let fields: Vec<String> = REQUESTED_FIELDS
        .iter()
        .filter(|code| form.iter().any(|(k, v)| k == "fields" && v == *code))
        .map(|code| code.to_string())
        .collect();
    let lang = operator.lang;
    let (message, status) = match disputes::ask(&state.db, &operator.actor(), &id, &question, &fields).await {
        Ok(_) => return Ok(Redirect::to(&format!("/ops/disputes/{id}?notice=asked")).into_response()),
        Err(AppError::Invalid(_)) => (lang.t("ops-dispute-error-question"), StatusCode::UNPROCESSABLE_ENTITY),
        Err(e) => refusal(lang, &e).ok_or(e)?,
    };
    let forms = Forms {
        question,
        fields,
        ask_error: Some(message),
        ..Forms::default()
    };
    dispute_page(&state, &operator, &id, None, forms, status).await
}

/// `POST /ops/disputes/{id}/decide`: `outcome` won or lost, with a note for the record.
pub(super) async fn decide(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let note = value(&form, "note");
    let lang = operator.lang;
    let won = match value(&form, "outcome").as_str() {
        "won" => true,
        "lost" => false,
        _ => {
            let forms = Forms {
                note,
                decide_error: Some(lang.t("ops-dispute-error-outcome")),
                ..Forms::default()
            };
            return dispute_page(&state, &operator, &id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (message, status) = match disputes::decide(&state.db, &operator.actor(), &id, won, &note).await {
        Ok(_) => return Ok(Redirect::to(&format!("/ops/disputes/{id}?notice=decided")).into_response()),
        Err(e) => refusal(lang, &e).ok_or(e)?,
    };
    let forms = Forms {
        note,
        decide_error: Some(message),
        ..Forms::default()
    };
    dispute_page(&state, &operator, &id, None, forms, status).await
}

/// `POST /ops/disputes/{id}/withdraw`: the claim is taken back; the hold is released.
pub(super) async fn withdraw(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let note = value(&form, "note");
    let lang = operator.lang;
    let (message, status) = match disputes::withdraw(&state.db, &operator.actor(), &id, &note).await {
        Ok(_) => return Ok(Redirect::to(&format!("/ops/disputes/{id}?notice=withdrawn")).into_response()),
        Err(e) => refusal(lang, &e).ok_or(e)?,
    };
    let forms = Forms {
        note,
        withdraw_error: Some(message),
        ..Forms::default()
    };
    dispute_page(&state, &operator, &id, None, forms, status).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_to_the_minor_unit_exactly() {
        let form = |amount: &str| OpenForm {
            order_id: "o".into(),
            reason: "return".into(),
            amount: amount.into(),
            ..OpenForm::default()
        };
        let read = |amount: &str| command(Lang::En, &form(amount)).map(|c| c.amount).ok();
        assert_eq!(read("1234.56"), Some(Some(123_456)));
        assert_eq!(read("0,1"), Some(Some(10)));
        assert_eq!(read("19.99"), Some(Some(1_999)), "no float rounding");
        assert_eq!(read(""), Some(None), "empty: everything disputable");
        assert_eq!(read("12.345"), None);
        assert_eq!(read("-5"), None);
        assert!(command(Lang::En, &OpenForm::default()).is_err());
    }
}
