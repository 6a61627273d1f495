//! Account settings → Company: the merchant's verified identity (a change of it is a request
//! to the provider), its trading name, addresses and support contact, and its stores' web
//! addresses and card statement descriptors. Read-only for roles that may only view; a
//! refused form comes back with 422, each field's problem next to it and what was typed kept.

use crate::ops::form::{countries, Choice, FieldErrors};
use crate::shell::extract::{Form, Query};
use crate::shell::i18n::{format_time, Lang};
use crate::shell::session::Member;
use crate::shell::views::{render, NavItem, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::company::{self, CompanyInput, CompanyView, IdentityInput, StoreListingInput};
use kassa_app::AppError;
use kassa_db::{CompanyRow, IdentityRequestRow, IdentityRequestStatus};
use serde::Deserialize;

pub(crate) const HERE: &str = "/portal/account/company";

/// The company details form as posted; a missing field is an empty one.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct DetailsForm {
    trading_name: String,
    address_line: String,
    postal_code: String,
    city: String,
    billing_address_line: String,
    billing_postal_code: String,
    billing_city: String,
    billing_country: String,
    support_email: String,
    support_phone: String,
    version: Option<i64>,
}

impl DetailsForm {
    fn of(c: &CompanyRow) -> DetailsForm {
        DetailsForm {
            trading_name: c.trading_name.clone(),
            address_line: c.address_line.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            billing_address_line: c.billing_address_line.clone(),
            billing_postal_code: c.billing_postal_code.clone(),
            billing_city: c.billing_city.clone(),
            billing_country: c.billing_country.clone(),
            support_email: c.support_email.clone(),
            support_phone: c.support_phone.clone(),
            version: Some(c.updated_at),
        }
    }

    fn input(&self) -> CompanyInput {
        CompanyInput {
            expected_version: self.version,
            trading_name: self.trading_name.clone(),
            address_line: self.address_line.clone(),
            postal_code: self.postal_code.clone(),
            city: self.city.clone(),
            billing_address_line: self.billing_address_line.clone(),
            billing_postal_code: self.billing_postal_code.clone(),
            billing_city: self.billing_city.clone(),
            billing_country: self.billing_country.clone(),
            support_email: self.support_email.clone(),
            support_phone: self.support_phone.clone(),
        }
    }
}

/// One store's listing form as posted.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct StoreForm {
    store: String,
    url: String,
    statement_descriptor: String,
    version: Option<i64>,
}

/// The identity change request form as posted.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(crate) struct IdentityForm {
    legal_name: String,
    org_number: String,
    vat_id: String,
}

/// One store's card.
struct StoreCard {
    id: String,
    name: String,
    live: bool,
    may_edit: bool,
    form: StoreForm,
    errors: FieldErrors,
    error: Option<String>,
    /// Element ids of its fields (one form per store on the page).
    url_id: String,
    descriptor_id: String,
}

/// A request to change the verified identity, in words.
struct RequestLine {
    id: i64,
    status: String,
    badge: &'static str,
    legal_name: String,
    org_number: String,
    vat_id: String,
    requested: String,
    decided: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "account_company.html")]
struct CompanyTemplate {
    page: Page,
    tabs: Vec<NavItem>,
    company: CompanyRow,
    country: String,
    billing_country: String,
    may_manage: bool,
    details: DetailsForm,
    details_errors: FieldErrors,
    details_error: Option<String>,
    identity: IdentityForm,
    identity_errors: FieldErrors,
    identity_error: Option<String>,
    pending: Option<RequestLine>,
    history: Vec<RequestLine>,
    stores: Vec<StoreCard>,
    /// The billing address's country choices, the first (empty) one: no billing address.
    billing_countries: Vec<Choice>,
}

/// A refused form, to show again as typed with its problems.
enum Refused {
    Details(DetailsForm, FieldErrors, Option<String>),
    Store(StoreForm, FieldErrors, Option<String>),
    Identity(IdentityForm, FieldErrors, Option<String>),
}

fn lang_of(member: &Member) -> Lang {
    Lang::from_code(&member.user.language).unwrap_or(Lang::En)
}

fn request_line(lang: Lang, timezone: &str, r: &IdentityRequestRow) -> RequestLine {
    let (status, badge) = match r.status {
        IdentityRequestStatus::Pending => ("company-request-pending", "badge-warning"),
        IdentityRequestStatus::Applied => ("company-request-applied", "badge-success"),
        IdentityRequestStatus::Declined => ("company-request-declined", "badge-danger"),
        IdentityRequestStatus::Withdrawn => ("company-request-withdrawn", "badge-neutral"),
    };
    RequestLine {
        id: r.id,
        status: lang.t(status),
        badge,
        legal_name: r.legal_name.clone(),
        org_number: r.org_number.clone(),
        vat_id: r.vat_id.clone(),
        requested: lang.t_args(
            "company-request-by",
            &[
                ("who", r.requested_by.clone()),
                ("when", format_time(r.requested_at, timezone)),
            ],
        ),
        decided: r.decided_at.map(|t| format_time(t, timezone)).unwrap_or_default(),
        reason: r.decline_reason.clone(),
    }
}

fn company_page(member: &Member, view: CompanyView, notice: Option<&str>, refused: Option<Refused>) -> Response {
    let page = Page::member(member, None, "company-title", HERE).with_notice(notice);
    let lang = page.lang;
    let tz = &member.user.timezone;
    let failed = refused.is_some();
    let (mut details, mut details_errors, mut details_error) =
        (DetailsForm::of(&view.company), FieldErrors::default(), None);
    let mut identity = IdentityForm {
        legal_name: view.company.legal_name.clone(),
        org_number: view.company.org_number.clone(),
        vat_id: view.company.vat_id.clone(),
    };
    let (mut identity_errors, mut identity_error) = (FieldErrors::default(), None);
    let mut refused_store = None;
    match refused {
        Some(Refused::Details(form, errors, error)) => (details, details_errors, details_error) = (form, errors, error),
        Some(Refused::Identity(form, errors, error)) => {
            (identity, identity_errors, identity_error) = (form, errors, error)
        }
        Some(Refused::Store(form, errors, error)) => refused_store = Some((form, errors, error)),
        None => {}
    }
    let stores = view
        .stores
        .iter()
        .map(|s| {
            let (form, errors, error) = match refused_store.take_if(|(f, _, _)| f.store == s.id) {
                Some(typed) => typed,
                None => (
                    StoreForm {
                        store: s.id.clone(),
                        url: s.url.clone(),
                        statement_descriptor: s.statement_descriptor.clone(),
                        version: Some(s.version),
                    },
                    FieldErrors::default(),
                    None,
                ),
            };
            StoreCard {
                url_id: format!("store-{}-url", s.id),
                descriptor_id: format!("store-{}-descriptor", s.id),
                id: s.id.clone(),
                name: s.name.clone(),
                live: s.live,
                may_edit: s.may_edit,
                form,
                errors,
                error,
            }
        })
        .collect();
    let c = &view.company;
    let mut res = render(&CompanyTemplate {
        tabs: super::account_tabs(member, &page, HERE),
        country: crate::names::country_name(lang, &c.country),
        billing_country: crate::names::country_name(lang, &c.billing_country),
        may_manage: view.may_manage,
        details,
        details_errors,
        details_error,
        identity,
        identity_errors,
        identity_error,
        pending: view.pending.as_ref().map(|r| request_line(lang, tz, r)),
        history: view
            .requests
            .iter()
            .filter(|r| r.status != IdentityRequestStatus::Pending)
            .map(|r| request_line(lang, tz, r))
            .collect(),
        stores,
        billing_countries: std::iter::once(Choice {
            value: String::new(),
            label: lang.t("company-billing-none"),
        })
        .chain(countries(lang))
        .collect(),
        company: view.company,
        page,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

#[derive(Deserialize, Default)]
pub(crate) struct CompanyQuery {
    saved: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    member: Member,
    Query(q): Query<CompanyQuery>,
) -> Result<Response, WebError> {
    let notice = match q.saved.as_deref() {
        Some("details") => Some("company-saved-details"),
        Some("store") => Some("company-saved-store"),
        Some("request") => Some("company-saved-request"),
        Some("withdrawn") => Some("company-saved-withdrawn"),
        _ => None,
    };
    let view = company::view_company(&state.db, &member.actor()).await?;
    Ok(company_page(&member, view, notice, None))
}

/// The problems of a refused form in the member's language, or the error that is no form
/// problem. A change made meanwhile by someone else is said above the form.
fn problems(lang: Lang, e: AppError, conflict_key: &str) -> Result<(FieldErrors, Option<String>), WebError> {
    match e {
        AppError::Invalid(fields) => Ok((FieldErrors::new(lang, &fields), None)),
        AppError::Conflict(_) => Ok((FieldErrors::default(), Some(lang.t(conflict_key)))),
        other => Err(other.into()),
    }
}

async fn again(state: &AppState, member: &Member, refused: Refused) -> Result<Response, WebError> {
    let view = company::view_company(&state.db, &member.actor()).await?;
    Ok(company_page(member, view, None, Some(refused)))
}

pub(crate) async fn update_details(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<DetailsForm>,
) -> Result<Response, WebError> {
    match company::update_company(&state.db, &member.actor(), &form.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("{HERE}?saved=details")).into_response()),
        Err(e) => {
            let (errors, error) = problems(lang_of(&member), e, "ops-error-changed-meanwhile")?;
            again(&state, &member, Refused::Details(form, errors, error)).await
        }
    }
}

pub(crate) async fn update_store(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<StoreForm>,
) -> Result<Response, WebError> {
    let input = StoreListingInput {
        store_id: form.store.clone(),
        expected_version: form.version,
        url: form.url.clone(),
        statement_descriptor: form.statement_descriptor.clone(),
    };
    match company::update_store_listing(&state.db, &member.actor(), &input).await {
        Ok(()) => Ok(Redirect::to(&format!("{HERE}?saved=store")).into_response()),
        Err(e) => {
            let (errors, error) = problems(lang_of(&member), e, "ops-error-changed-meanwhile")?;
            again(&state, &member, Refused::Store(form, errors, error)).await
        }
    }
}

pub(crate) async fn request_identity(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<IdentityForm>,
) -> Result<Response, WebError> {
    let input = IdentityInput {
        legal_name: form.legal_name.clone(),
        org_number: form.org_number.clone(),
        vat_id: form.vat_id.clone(),
    };
    match company::request_identity_change(&state.db, &member.actor(), &input).await {
        Ok(_) => Ok(Redirect::to(&format!("{HERE}?saved=request")).into_response()),
        Err(e) => {
            let (errors, error) = problems(lang_of(&member), e, "company-request-already-pending")?;
            again(&state, &member, Refused::Identity(form, errors, error)).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct WithdrawForm {
    /// The id of the pending request shown on the page.
    request: String,
}

/// Withdraws the pending request the page showed. One decided or withdrawn meanwhile (or a
/// tampered id) is not touched: the page says so.
pub(crate) async fn withdraw_identity(
    State(state): State<AppState>,
    member: Member,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let result = match form.request.trim().parse::<i64>() {
        Ok(id) => company::withdraw_identity_request(&state.db, &member.actor(), id).await,
        Err(_) => Err(AppError::Conflict("not a request id".into())),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("{HERE}?saved=withdrawn")).into_response()),
        Err(AppError::Conflict(_)) => {
            let view = company::view_company(&state.db, &member.actor()).await?;
            Ok(company_page(&member, view, Some("company-withdraw-gone"), None))
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use kassa_app::ops::reason;
    use kassa_core::audit::AuditAction;

    /// The messages this page and the back office build from codes at run time exist.
    #[test]
    fn built_message_ids_exist() {
        let english = crate::shell::i18n::english_ids();
        let built = [reason::EMAIL, reason::IDENTITY_UNCHANGED]
            .map(|c| format!("ops-error-{c}"))
            .into_iter()
            .chain(
                [
                    AuditAction::CompanyUpdated,
                    AuditAction::CompanyIdentityRequested,
                    AuditAction::CompanyIdentityApplied,
                    AuditAction::CompanyIdentityDeclined,
                    AuditAction::CompanyIdentityWithdrawn,
                ]
                .map(|a| format!("audit-action-{}", a.code().replace('_', "-"))),
            );
        for key in built {
            assert!(english.contains(&key), "{key} is missing in en/main.ftl");
        }
    }
}
