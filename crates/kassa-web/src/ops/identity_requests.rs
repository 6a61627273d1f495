//! Merchants' requests to change their verified identity (legal name, organisation number,
//! VAT id): the queue, and applying or declining one. The merchant's admins are told the
//! outcome by email, each in their language. The merchant's own page shows its pending
//! request with the same two forms (`ops/identity_request.html`).

use super::form::FieldErrors;
use super::shell::{Operator, OpsAccess, OpsMenuEntry, OpsRoute, OpsSection};
use crate::mail::compose;
use crate::shell::extract::{Form, Path, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::ops::{self, IdentityDecided};
use kassa_app::AppError;
use kassa_core::ops_access::OpsPermission;
use kassa_db::{IdentityRequestRow, IdentityRequestStatus};
use serde::Deserialize;

const HERE: &str = "/ops/company-requests";

/// How many decided requests the page lists.
const DECIDED_SHOWN: usize = 50;

pub(super) fn section() -> OpsSection {
    let view = OpsAccess::Operator(OpsPermission::ViewMerchants);
    let decide = OpsAccess::Operator(OpsPermission::ManageMerchants);
    OpsSection {
        menu: Some(OpsMenuEntry {
            href: HERE,
            label: "ops-identity-title",
            permission: OpsPermission::ViewMerchants,
        }),
        routes: vec![
            OpsRoute::get(HERE, view, list),
            OpsRoute::post("/ops/company-requests/{request}/apply", decide, apply),
            OpsRoute::post("/ops/company-requests/{request}/decline", decide, decline),
        ],
    }
}

/// One request as the back office shows it; `reason` and `errors` are a refused decline's.
pub(super) struct RequestView {
    pub id: i64,
    pub merchant_id: i64,
    pub merchant_name: String,
    pub previous_legal_name: String,
    pub previous_org_number: String,
    pub previous_vat_id: String,
    pub legal_name: String,
    pub org_number: String,
    pub vat_id: String,
    pub requested: String,
    pub status: String,
    pub badge: &'static str,
    pub decided: String,
    pub decline_reason: String,
    pub reason: String,
    pub errors: FieldErrors,
}

pub(super) fn request_view(lang: Lang, r: &IdentityRequestRow) -> RequestView {
    let (status, badge) = match r.status {
        IdentityRequestStatus::Pending => ("company-request-pending", "badge-warning"),
        IdentityRequestStatus::Applied => ("company-request-applied", "badge-success"),
        IdentityRequestStatus::Declined => ("company-request-declined", "badge-danger"),
        IdentityRequestStatus::Withdrawn => ("company-request-withdrawn", "badge-neutral"),
    };
    let tz = super::audit::PROVIDER_TZ;
    RequestView {
        id: r.id,
        merchant_id: r.merchant_id,
        merchant_name: r.merchant_name.clone(),
        previous_legal_name: r.previous_legal_name.clone(),
        previous_org_number: r.previous_org_number.clone(),
        previous_vat_id: r.previous_vat_id.clone(),
        legal_name: r.legal_name.clone(),
        org_number: r.org_number.clone(),
        vat_id: r.vat_id.clone(),
        requested: lang.t_args(
            "company-request-by",
            &[
                ("who", r.requested_by.clone()),
                ("when", format_time(r.requested_at, tz)),
            ],
        ),
        status: lang.t(status),
        badge,
        decided: match r.decided_at {
            Some(t) => lang.t_args(
                "ops-identity-decided-by",
                &[("who", r.decided_by.clone()), ("when", format_time(t, tz))],
            ),
            None => String::new(),
        },
        decline_reason: r.decline_reason.clone(),
        reason: String::new(),
        errors: FieldErrors::default(),
    }
}

#[derive(Template)]
#[template(path = "ops/company_requests.html")]
struct ListTemplate {
    page: Page,
    pending: Vec<RequestView>,
    decided: Vec<RequestView>,
    can_decide: bool,
    /// Where a decision made on this page leads back to ("": this list).
    back: &'static str,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    notice: Option<String>,
}

/// A refused decline: which request, what was typed, and why.
type Refusal = (i64, String, FieldErrors);

async fn list_page(
    state: &AppState,
    operator: &Operator,
    notice: Option<String>,
    refused: Option<Refusal>,
) -> Result<Response, WebError> {
    let mut page = operator.page(Some(HERE), "ops-identity-title", HERE);
    page.notice = notice;
    let lang = page.lang;
    let actor = operator.actor();
    let mut pending: Vec<RequestView> = ops::identity_requests(&state.db, &actor, IdentityRequestStatus::Pending)
        .await?
        .iter()
        .map(|r| request_view(lang, r))
        .collect();
    let failed = refused.is_some();
    if let Some((id, reason, errors)) = refused {
        if let Some(v) = pending.iter_mut().find(|v| v.id == id) {
            v.reason = reason;
            v.errors = errors;
        }
    }
    let mut decided: Vec<IdentityRequestRow> = Vec::new();
    for status in [IdentityRequestStatus::Applied, IdentityRequestStatus::Declined] {
        decided.extend(ops::identity_requests(&state.db, &actor, status).await?);
    }
    decided.sort_by_key(|r| std::cmp::Reverse(r.decided_at.unwrap_or(0)));
    decided.truncate(DECIDED_SHOWN);
    let mut res = render(&ListTemplate {
        pending,
        decided: decided.iter().map(|r| request_view(lang, r)).collect(),
        can_decide: operator.allows(OpsPermission::ManageMerchants),
        back: "",
        page,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn list(
    State(state): State<AppState>,
    operator: Operator,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let notice = match q.notice.as_deref() {
        Some("applied") => Some(operator.lang.t("ops-identity-applied-notice")),
        Some("declined") => Some(operator.lang.t("ops-identity-declined-notice")),
        Some("decided") => Some(operator.lang.t("ops-identity-decided-meanwhile")),
        _ => None,
    };
    list_page(&state, &operator, notice, None).await
}

fn request_id(raw: &str) -> Result<i64, WebError> {
    raw.parse().map_err(|_| WebError::NotFound)
}

/// Where a decision leads back to: the merchant's page when it was made there.
#[derive(Deserialize, Default)]
struct DecisionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

fn back_to(form: &DecisionForm, merchant_id: Option<i64>, notice: &str) -> Response {
    let to = match merchant_id {
        Some(id) if form.back == "merchant" => format!("/ops/merchants/{id}?notice=identity_{notice}"),
        _ => format!("{HERE}?notice={notice}"),
    };
    Redirect::to(&to).into_response()
}

/// Tells the merchant's admins the outcome, each in their language. A mail that cannot be
/// sent is logged: the decision stands.
async fn tell_merchant(state: &AppState, decided: &IdentityDecided) {
    let r = &decided.request;
    let link = state.config.link("/portal/account/company");
    for to in &decided.recipients {
        let lang = Lang::from_code(&to.language).unwrap_or(Lang::En);
        let args = [
            ("legal_name", r.legal_name.clone()),
            ("org_number", r.org_number.clone()),
            (
                "vat_id",
                if r.vat_id.is_empty() {
                    "—".to_owned()
                } else {
                    r.vat_id.clone()
                },
            ),
            ("reason", r.decline_reason.clone()),
        ];
        let (subject, body) = match r.status {
            IdentityRequestStatus::Declined => ("mail-identity-declined-subject", "mail-identity-declined-body"),
            _ => ("mail-identity-applied-subject", "mail-identity-applied-body"),
        };
        let mail = compose(
            lang,
            &to.email,
            lang.t(subject),
            vec![(lang.t_args(body, &args), Some(link.clone()))],
        );
        if let Err(e) = state.mailer.send(mail).await {
            tracing::warn!(request = r.id, to = %to.email, error = %e, "identity change outcome mail not sent");
        }
    }
}

async fn apply(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let id = request_id(&raw)?;
    match ops::apply_identity_request(&state.db, &operator.actor(), id).await {
        Ok(decided) => {
            tell_merchant(&state, &decided).await;
            Ok(back_to(&form, Some(decided.request.merchant_id), "applied"))
        }
        Err(AppError::Conflict(_)) => Ok(back_to(&form, None, "decided")),
        // The request no longer fits the merchant (its country changed): it can only be
        // declined, and the page says why.
        Err(AppError::Invalid(fields)) => {
            let why = FieldErrors::new(operator.lang, &fields);
            let mut errors = FieldErrors::default();
            if let Some(message) = fields.first().and_then(|f| why.get(&f.field)) {
                errors.insert("reason", message.clone());
            }
            list_page(&state, &operator, None, Some((id, String::new(), errors))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn decline(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, WebError> {
    let id = request_id(&raw)?;
    match ops::decline_identity_request(&state.db, &operator.actor(), id, &form.reason).await {
        Ok(decided) => {
            tell_merchant(&state, &decided).await;
            Ok(back_to(&form, Some(decided.request.merchant_id), "declined"))
        }
        Err(AppError::Conflict(_)) => Ok(back_to(&form, None, "decided")),
        Err(AppError::Invalid(fields)) => {
            let errors = FieldErrors::new(operator.lang, &fields);
            list_page(&state, &operator, None, Some((id, form.reason, errors))).await
        }
        Err(e) => Err(e.into()),
    }
}
