//! A merchant's stores in the back office: creating one (its Store ID is allocated and
//! shown afterwards), its general settings (onboarding: `ManageMerchants`) and its money
//! settings — fee plan, payout schedule, payout bank account (finance: `ManageFinance`).
//! Each form changes only its own part of the store.

use super::form::{
    countries, currencies, hundredths, parse_hundredths, Choice, FieldErrors, CHOICE, HUNDREDTHS, WHOLE,
};
use super::merchant_tabs::MerchantHeading;
use super::merchants::{heading, merchant_id, weekday};
use super::shell::{Operator, OpsAccess, OpsRoute, OpsSection};
use crate::shell::extract::{Form, Path};
use crate::shell::views::{render, Page};
use crate::{AppState, WebError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kassa_app::ops::{
    self, BankAccountInput, CreateStore, FeeInput, PayoutInput, SettlementInput, StoreSettingsInput, UpdateStore,
};
use kassa_app::{AppError, FieldError};
use kassa_core::ops_access::OpsPermission;
use kassa_core::store_settings::{Environment, FeePlan, PaymentMethod, Weekday};
use kassa_db::StoreDetailRow;
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn section() -> OpsSection {
    let manage = OpsAccess::Operator(OpsPermission::ManageMerchants);
    let finance = OpsAccess::Operator(OpsPermission::ManageFinance);
    OpsSection {
        menu: None,
        routes: vec![
            OpsRoute::get("/ops/merchants/{merchant}/stores/new", manage, new),
            OpsRoute::post("/ops/merchants/{merchant}/stores/new", manage, create),
            OpsRoute::get("/ops/stores/{store}/settings", manage, settings),
            OpsRoute::post("/ops/stores/{store}/settings", manage, update_settings),
            OpsRoute::get("/ops/stores/{store}/money", finance, money),
            OpsRoute::post("/ops/stores/{store}/money", finance, update_money),
        ],
    }
}

/// A refused form's answer: 422 with the field errors, or 409 when the store changed since
/// the form was filled.
fn refusal(lang: crate::shell::i18n::Lang, e: AppError) -> Result<(FieldErrors, Option<String>, StatusCode), WebError> {
    match e {
        AppError::Invalid(fields) => Ok((FieldErrors::new(lang, &fields), None, StatusCode::UNPROCESSABLE_ENTITY)),
        AppError::Conflict(_) => Ok((
            FieldErrors::default(),
            Some(lang.t("ops-error-changed-meanwhile")),
            StatusCode::CONFLICT,
        )),
        other => Err(other.into()),
    }
}

/// The general settings as posted.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SettingsForm {
    name: String,
    url: String,
    country: String,
    currency: String,
    statement_descriptor: String,
    environment: String,
    reservation_days: String,
    version: Option<i64>,
}

impl SettingsForm {
    fn of(s: &StoreDetailRow) -> SettingsForm {
        SettingsForm {
            name: s.name.clone(),
            url: s.url.clone(),
            country: s.country.clone(),
            currency: s.currency.clone(),
            statement_descriptor: s.statement_descriptor.clone(),
            environment: s.environment.code().to_owned(),
            reservation_days: s.reservation_days.to_string(),
            version: Some(s.updated_at),
        }
    }

    /// The input for the use case, or the fields that are not even of the right kind.
    fn input(&self) -> Result<StoreSettingsInput, AppError> {
        let mut bad = Vec::new();
        let environment = self.environment.parse::<Environment>().unwrap_or_else(|_| {
            bad.push(FieldError::new("environment", CHOICE));
            Environment::Playground
        });
        let reservation_days = self.reservation_days.trim().parse::<i64>().unwrap_or_else(|_| {
            bad.push(FieldError::new("reservation_days", WHOLE));
            0
        });
        if !bad.is_empty() {
            return Err(AppError::Invalid(bad));
        }
        Ok(StoreSettingsInput {
            name: self.name.clone(),
            url: self.url.clone(),
            country: self.country.clone(),
            currency: self.currency.clone(),
            statement_descriptor: self.statement_descriptor.clone(),
            environment,
            reservation_days,
        })
    }
}

#[derive(Template)]
#[template(path = "ops/store_form.html")]
struct SettingsTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    /// `None` while creating.
    store_id: Option<String>,
    action: String,
    form: SettingsForm,
    countries: Vec<Choice>,
    currencies: Vec<Choice>,
    errors: FieldErrors,
    error: Option<String>,
}

fn settings_page(
    operator: &Operator,
    merchant: MerchantHeading,
    store_id: Option<String>,
    form: SettingsForm,
    (errors, error, status): (FieldErrors, Option<String>, StatusCode),
) -> Response {
    let (action, title) = match &store_id {
        Some(id) => (format!("/ops/stores/{id}/settings"), "ops-store-settings-title"),
        None => (
            format!("/ops/merchants/{}/stores/new", merchant.id),
            "ops-store-new-title",
        ),
    };
    let page = operator.page(Some("/ops/merchants"), title, &action);
    let lang = page.lang;
    let mut res = render(&SettingsTemplate {
        merchant,
        tab: "overview",
        store_id,
        action,
        form,
        countries: countries(lang),
        currencies: currencies(),
        errors,
        error,
        page,
    });
    *res.status_mut() = status;
    res
}

fn fine() -> (FieldErrors, Option<String>, StatusCode) {
    (FieldErrors::default(), None, StatusCode::OK)
}

async fn new(State(state): State<AppState>, operator: Operator, Path(raw): Path<String>) -> Result<Response, WebError> {
    let m = ops::merchant_detail(&state.db, &operator.actor(), merchant_id(&raw)?).await?;
    let form = SettingsForm {
        country: m.country.clone(),
        environment: Environment::Playground.code().to_owned(),
        reservation_days: "28".to_owned(),
        ..Default::default()
    };
    Ok(settings_page(&operator, heading(&m), None, form, fine()))
}

async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Path(raw): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let id = merchant_id(&raw)?;
    let result = match form.input() {
        Ok(settings) => {
            let cmd = CreateStore {
                merchant_id: id,
                settings,
                payout: None,
                bank_account: None,
                fees: None,
            };
            ops::create_store(&state.db, &operator.actor(), &cmd).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(store) => {
            Ok(Redirect::to(&format!("/ops/merchants/{id}?notice=store_created&store={store}")).into_response())
        }
        Err(e) => {
            let answer = refusal(operator.lang, e)?;
            let m = ops::merchant_detail(&state.db, &operator.actor(), id).await?;
            Ok(settings_page(&operator, heading(&m), None, form, answer))
        }
    }
}

/// A store with the heading of its merchant.
pub(super) async fn store_and_heading(
    state: &AppState,
    operator: &Operator,
    store_id: &str,
) -> Result<(kassa_db::StoreDetail, MerchantHeading), WebError> {
    let detail = ops::store_detail(&state.db, &operator.actor(), store_id).await?;
    let m = ops::merchant_detail(&state.db, &operator.actor(), detail.store.merchant_id).await?;
    Ok((detail, heading(&m)))
}

async fn settings(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
) -> Result<Response, WebError> {
    let (detail, merchant) = store_and_heading(&state, &operator, &store).await?;
    let form = SettingsForm::of(&detail.store);
    Ok(settings_page(&operator, merchant, Some(detail.store.id), form, fine()))
}

async fn update_settings(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, WebError> {
    let result = match form.input() {
        Ok(settings) => {
            let cmd = UpdateStore {
                store_id: store.clone(),
                expected_version: form.version,
                settings: Some(settings),
                payout: None,
                bank_account: None,
                fees: None,
                settlement: None,
            };
            ops::update_store(&state.db, &operator.actor(), &cmd).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let detail = ops::store_detail(&state.db, &operator.actor(), &store).await?;
            let to = format!("/ops/merchants/{}?notice=store_updated", detail.store.merchant_id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let answer = refusal(operator.lang, e)?;
            let (detail, merchant) = store_and_heading(&state, &operator, &store).await?;
            Ok(settings_page(&operator, merchant, Some(detail.store.id), form, answer))
        }
    }
}

/// One payment method's row of the fee plan form.
struct FeeLine {
    label: String,
    bps_name: String,
    fixed_name: String,
    bps: String,
    fixed: String,
    bps_error: Option<String>,
    fixed_error: Option<String>,
}

#[derive(Template)]
#[template(path = "ops/store_money.html")]
struct MoneyTemplate {
    page: Page,
    merchant: MerchantHeading,
    tab: &'static str,
    store_id: String,
    store_name: String,
    currency: String,
    fees: Vec<FeeLine>,
    weekdays: Vec<Choice>,
    form: MoneyForm,
    errors: FieldErrors,
    error: Option<String>,
}

/// The money form as posted (the fee fields are named per method, so they come as a map).
#[derive(Clone, Default)]
struct MoneyForm {
    fields: HashMap<String, String>,
}

impl MoneyForm {
    fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    fn of(lang: crate::shell::i18n::Lang, s: &StoreDetailRow, fees: &FeePlan) -> MoneyForm {
        let mut fields = HashMap::new();
        for (method, fee) in fees.entries() {
            fields.insert(fee_field(method, "bps"), hundredths(lang, fee.bps()));
            fields.insert(fee_field(method, "fixed_minor"), hundredths(lang, fee.fixed_minor()));
        }
        fields.insert("payout_schedule".into(), s.payout_schedule.clone());
        let day = s.payout_day.map(|d| d.to_string()).unwrap_or_default();
        match s.payout_schedule.as_str() {
            "weekly" => fields.insert("payout_weekday".into(), day),
            _ => fields.insert("payout_monthday".into(), day),
        };
        fields.insert("payout_account_holder".into(), s.payout_account_holder.clone());
        fields.insert("payout_iban".into(), s.payout_iban.clone());
        fields.insert("payout_bic".into(), s.payout_bic.clone());
        if s.refunds_fees {
            fields.insert("refunds_fees".into(), "on".into());
        }
        fields.insert("reserve_bps".into(), hundredths(lang, s.reserve_bps));
        fields.insert("reserve_days".into(), s.reserve_days.to_string());
        fields.insert("dispute_fee".into(), hundredths(lang, s.dispute_fee_minor));
        fields.insert("version".into(), s.updated_at.to_string());
        MoneyForm { fields }
    }

    /// The use case's command parts, or the fields that are not numbers as asked.
    fn input(&self) -> Result<(Vec<FeeInput>, PayoutInput, BankAccountInput, SettlementInput), AppError> {
        let mut bad = Vec::new();
        let mut fees = Vec::new();
        for method in PaymentMethod::ALL {
            let mut part = |name: &str| {
                let field = fee_field(method, name);
                parse_hundredths(&self.get(&field)).unwrap_or_else(|| {
                    bad.push(FieldError::new(field, HUNDREDTHS));
                    0
                })
            };
            let (bps, fixed_minor) = (part("bps"), part("fixed_minor"));
            fees.push(FeeInput {
                method,
                bps,
                fixed_minor,
            });
        }
        let schedule = self.get("payout_schedule");
        let day_field = match schedule.as_str() {
            "weekly" => "payout_weekday",
            _ => "payout_monthday",
        };
        let day = match self.get(day_field).trim() {
            "" => None,
            d => match d.parse::<i64>() {
                Ok(d) => Some(d),
                Err(_) => {
                    bad.push(FieldError::new("payout_day", WHOLE));
                    None
                }
            },
        };
        // The reserve as a percentage (like the fees); its days whole. Empty is none.
        let reserve_bps = parse_hundredths(&self.get("reserve_bps")).unwrap_or_else(|| {
            bad.push(FieldError::new("reserve_bps", HUNDREDTHS));
            0
        });
        let reserve_days = match self.get("reserve_days").trim() {
            "" => 0,
            d => d.parse::<i64>().unwrap_or_else(|_| {
                bad.push(FieldError::new("reserve_days", WHOLE));
                0
            }),
        };
        // The dispute fee in the store's currency (two decimals), not in minor units.
        let dispute_fee_minor = parse_hundredths(&self.get("dispute_fee")).unwrap_or_else(|| {
            bad.push(FieldError::new("dispute_fee", HUNDREDTHS));
            0
        });
        if !bad.is_empty() {
            return Err(AppError::Invalid(bad));
        }
        let settlement = SettlementInput {
            // An unticked checkbox is not posted at all.
            refunds_fees: !self.get("refunds_fees").is_empty(),
            reserve_bps,
            reserve_days,
            dispute_fee_minor,
        };
        let account = BankAccountInput {
            iban: self.get("payout_iban"),
            bic: self.get("payout_bic"),
            account_holder: self.get("payout_account_holder"),
        };
        Ok((fees, PayoutInput { schedule, day }, account, settlement))
    }
}

/// The form field of one method's fee part, as the use case names its errors.
fn fee_field(method: PaymentMethod, part: &str) -> String {
    format!("fee_{}_{part}", method.code().to_ascii_lowercase())
}

fn money_page(
    operator: &Operator,
    merchant: MerchantHeading,
    store: &StoreDetailRow,
    form: MoneyForm,
    (errors, error, status): (FieldErrors, Option<String>, StatusCode),
) -> Response {
    let here = format!("/ops/stores/{}/money", store.id);
    let page = operator.page(Some("/ops/merchants"), "ops-store-money-title", &here);
    let lang = page.lang;
    let fees = PaymentMethod::ALL
        .into_iter()
        .map(|m| {
            let (bps_name, fixed_name) = (fee_field(m, "bps"), fee_field(m, "fixed_minor"));
            FeeLine {
                label: lang.t(&format!(
                    "ops-method-{}",
                    m.code().to_ascii_lowercase().replace('_', "-")
                )),
                bps: form.get(&bps_name),
                fixed: form.get(&fixed_name),
                bps_error: errors.get(&bps_name).cloned(),
                fixed_error: errors.get(&fixed_name).cloned(),
                bps_name,
                fixed_name,
            }
        })
        .collect();
    let weekdays = Weekday::ALL
        .into_iter()
        .map(|d| Choice {
            value: d.number().to_string(),
            label: weekday(lang, d),
        })
        .collect();
    let mut res = render(&MoneyTemplate {
        merchant,
        tab: "overview",
        store_id: store.id.clone(),
        store_name: store.name.clone(),
        currency: store.currency.clone(),
        fees,
        weekdays,
        form,
        errors,
        error,
        page,
    });
    *res.status_mut() = status;
    res
}

async fn money(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
) -> Result<Response, WebError> {
    let (detail, merchant) = store_and_heading(&state, &operator, &store).await?;
    let form = MoneyForm::of(operator.lang, &detail.store, &detail.fees);
    Ok(money_page(&operator, merchant, &detail.store, form, fine()))
}

async fn update_money(
    State(state): State<AppState>,
    operator: Operator,
    Path(store): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let form = MoneyForm { fields };
    let result = match form.input() {
        Ok((fees, payout, account, settlement)) => {
            let cmd = UpdateStore {
                store_id: store.clone(),
                expected_version: form.get("version").parse().ok(),
                settings: None,
                payout: Some(payout),
                bank_account: Some(account),
                fees: Some(fees),
                settlement: Some(settlement),
            };
            ops::update_store(&state.db, &operator.actor(), &cmd).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            let detail = ops::store_detail(&state.db, &operator.actor(), &store).await?;
            let to = format!("/ops/merchants/{}?notice=store_updated", detail.store.merchant_id);
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let answer = refusal(operator.lang, e)?;
            let (detail, merchant) = store_and_heading(&state, &operator, &store).await?;
            Ok(money_page(&operator, merchant, &detail.store, form, answer))
        }
    }
}
