//! Creating a merchant and editing its company details. The use cases check every field
//! (organisation number checksums per country, VAT ids, …); a refused form comes back with
//! 422, each field's problem next to it and what was typed kept.

use super::form::{countries, Choice, FieldErrors};
use super::merchant_tabs::MerchantHeading;
use super::merchants::{heading, merchant_id, onboarding_label};
use super::shell::Operator;
use crate::shell::extract::{Form, Path};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::ops::{self, MerchantInput, UpdateMerchant};
use kassa_app::{AppError, FieldError};
use kassa_core::access::Onboarding;
use serde::Deserialize;

/// The merchant form as posted; every field may be missing (an empty post is refused field
/// by field, like any bad one).
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct MerchantForm {
    legal_name: String,
    org_number: String,
    vat_id: String,
    country: String,
    address_line: String,
    postal_code: String,
    city: String,
    onboarding: String,
    /// A checkbox: present when ticked.
    require_two_factor: Option<String>,
    /// The merchant's version the edit form was filled from.
    version: Option<i64>,
}

impl MerchantForm {
    fn of(m: &kassa_db::MerchantDetailRow) -> MerchantForm {
        MerchantForm {
            legal_name: m.legal_name.clone(),
            org_number: m.org_number.clone(),
            vat_id: m.vat_id.clone(),
            country: m.country.clone(),
            address_line: m.address_line.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            onboarding: m.onboarding.code().to_owned(),
            require_two_factor: m.require_two_factor.then(|| "on".to_owned()),
            version: Some(m.updated_at),
        }
    }

    /// The input for the use case, or the field whose choice is not in the list.
    fn input(&self) -> Result<MerchantInput, FieldError> {
        let onboarding = self
            .onboarding
            .parse::<Onboarding>()
            .map_err(|_| FieldError::new("onboarding", super::form::CHOICE))?;
        Ok(MerchantInput {
            legal_name: self.legal_name.clone(),
            org_number: self.org_number.clone(),
            vat_id: self.vat_id.clone(),
            address_line: self.address_line.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            onboarding,
            require_two_factor: self.require_two_factor.is_some(),
        })
    }
}

#[derive(Template)]
#[template(path = "ops/merchant_form.html")]
struct FormTemplate {
    page: Page,
    /// `None` while creating: no tabs yet.
    merchant: Option<MerchantHeading>,
    tab: &'static str,
    action: String,
    form: MerchantForm,
    countries: Vec<Choice>,
    onboardings: Vec<Choice>,
    errors: FieldErrors,
    error: Option<String>,
}

fn form_page(
    operator: &Operator,
    merchant: Option<MerchantHeading>,
    form: MerchantForm,
    errors: FieldErrors,
    error: Option<String>,
) -> Response {
    let (action, title, here) = match &merchant {
        Some(m) => (
            format!("/ops/merchants/{}/edit", m.id),
            "ops-merchant-edit-title",
            format!("/ops/merchants/{}/edit", m.id),
        ),
        None => (
            "/ops/merchants".to_owned(),
            "ops-merchant-new-title",
            "/ops/merchants/new".to_owned(),
        ),
    };
    let page = operator.page(Some("/ops/merchants"), title, &here);
    let lang = page.lang;
    let failed = !errors.is_empty() || error.is_some();
    let mut res = render(&FormTemplate {
        merchant,
        tab: "overview",
        action,
        form,
        countries: countries(lang),
        onboardings: [Onboarding::Direct, Onboarding::Partner, Onboarding::Migrated]
            .into_iter()
            .map(|o| Choice {
                value: o.code().to_owned(),
                label: onboarding_label(lang, o),
            })
            .collect(),
        errors,
        error,
        page,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

/// A refused form again, or the error that is no form problem.
fn refused(
    operator: &Operator,
    merchant: Option<MerchantHeading>,
    form: MerchantForm,
    e: AppError,
) -> Result<Response, WebError> {
    match e {
        AppError::Invalid(fields) => {
            let errors = FieldErrors::new(operator.lang, &fields);
            Ok(form_page(operator, merchant, form, errors, None))
        }
        AppError::Conflict(_) => {
            let error = Some(operator.lang.t("ops-error-changed-meanwhile"));
            Ok(form_page(operator, merchant, form, FieldErrors::default(), error))
        }
        other => Err(other.into()),
    }
}

pub(super) async fn new(operator: Operator) -> Response {
    let form = MerchantForm {
        onboarding: Onboarding::Direct.code().to_owned(),
        country: "SE".to_owned(),
        require_two_factor: Some("on".to_owned()),
        ..Default::default()
    };
    form_page(&operator, None, form, FieldErrors::default(), None)
}

pub(super) async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Form(form): Form<MerchantForm>,
) -> Result<Response, WebError> {
    let input = match form.input() {
        Ok(input) => input,
        Err(bad) => return refused(&operator, None, form, AppError::Invalid(vec![bad])),
    };
    match ops::create_merchant(&state.db, &operator.actor(), &input).await {
        Ok(id) => Ok(Redirect::to(&format!("/ops/merchants/{id}?notice=created")).into_response()),
        Err(e) => refused(&operator, None, form, e),
    }
}

pub(super) async fn edit(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    let m = ops::merchant_detail(&state.db, &operator.actor(), id).await?;
    Ok(form_page(
        &operator,
        Some(heading(&m)),
        MerchantForm::of(&m),
        FieldErrors::default(),
        None,
    ))
}

pub(super) async fn update(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Form(form): Form<MerchantForm>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    let result = match form.input() {
        Ok(input) => {
            let cmd = UpdateMerchant {
                merchant_id: id,
                expected_version: form.version,
                input,
            };
            ops::update_merchant(&state.db, &operator.actor(), &cmd).await
        }
        Err(bad) => Err(AppError::Invalid(vec![bad])),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/ops/merchants/{id}?notice=updated")).into_response()),
        Err(e) => {
            // The heading of the refused form shows the merchant as stored, not as typed.
            let m = ops::merchant_detail(&state.db, &operator.actor(), id).await?;
            refused(&operator, Some(heading(&m)), form, e)
        }
    }
}
